package benchreport

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteJSONHasTheIssueKeys(t *testing.T) {
	var buf bytes.Buffer
	ms := []Measurement{{Name: "a", Value: 2, Unit: "ms", Baseline: "b", BaselineValue: 1, Ratio: Ratio(2, 1), Target: "<= 3", Met: true}, {Name: "c"}}
	if err := WriteJSON(&buf, ms); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per measurement", len(lines))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "value", "unit", "baseline", "baseline_value", "ratio", "target"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %s missing from %s", k, lines[0])
		}
	}
	if m["ratio"] != 2.0 {
		t.Errorf("ratio = %v, want 2", m["ratio"])
	}
}

func TestWriteTableMarksMissedTargets(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, []Measurement{{Name: "slow", Met: false}, {Name: "fast", Met: true}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "slow") || strings.Count(out, "NO") != 1 || strings.Count(out, "yes") != 1 {
		t.Fatalf("table:\n%s", out)
	}
	if Ratio(1, 0) != 0 {
		t.Error("Ratio with a zero baseline must be 0")
	}
}
