package mlregcli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestBenchTiny runs the whole benchmark at the tiny size on the test
// server and checks its report, not its speed: every measurement of the
// issue's table is there with the agreed keys, and lineage takes the
// round trips it should. Speed is never asserted (a slow machine must not
// fail the tests); `make bench` is where the figures are read.
func TestBenchTiny(t *testing.T) {
	server := pgtest.Server(t)
	code, out, stderr := mlreg(t, "--database-url", server.URL, "bench", "--size", "tiny", "--lookups", "100", "--json")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, stderr)
	}
	want := []string{
		"bulk_load_vs_psql_copy", "bulk_load_vs_insert_per_row",
		"lookup_model_by_name_p50", "lookup_latest_version_of_model_p50", "lookup_version_by_id_p50",
		"lineage_round_trips", "lineage_p95", "check_vs_count_runs", "check_scaling_10x",
		"audit_copy_vs_untracked", "audit_insert_vs_untracked",
		"lookup_latest_version_vs_pk", "lookup_model_by_name_vs_pk",
		"lineage_p95_vs_transfer_floor", "lineage_summary_p95_vs_select1",
		"import_mlflow_vs_seed_copy",
	}
	got := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		for _, k := range []string{"name", "value", "unit", "baseline", "baseline_value", "ratio", "target"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%v lacks %q", m["name"], k)
			}
		}
		got[m["name"].(string)] = m
	}
	for _, name := range want {
		m, ok := got[name]
		if !ok {
			t.Errorf("measurement %s missing", name)
			continue
		}
		if m["value"].(float64) <= 0 || m["baseline_value"].(float64) <= 0 {
			t.Errorf("%s: value %v, baseline %v; want both measured", name, m["value"], m["baseline_value"])
		}
	}
	if trips := got["lineage_round_trips"]["value"]; trips != 3.0 {
		t.Errorf("lineage took %v round trips, want 3 (model, versions, runs)", trips)
	}
	if trips := got["lineage_round_trips"]["baseline_value"]; trips != 22.0 {
		t.Errorf("the N+1 lineage took %v round trips, want 22 (model, versions, 20 versions' runs)", trips)
	}
}

// TestBenchBadInput: bad flags are one line and exit 2, before any work.
func TestBenchBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--size", "huge"}, {"bench", "--lookups", "5"}, {"bench", "extra"},
	} {
		code, _, stderr := mlreg(t, append([]string{"--database-url", "postgres://u:secret@127.0.0.1:1/x"}, args...)...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "secret") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestPing: the floor bench measures lookups against answers 1, and the
// count check is held against counts the runs.
func TestPing(t *testing.T) {
	url := pgtest.NewURL(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	q := registrydb.New(pool)
	if one, err := q.Ping(context.Background()); err != nil || one != 1 {
		t.Fatalf("Ping = %d, %v", one, err)
	}
	if n, err := q.TrainingRunCount(context.Background()); err != nil || n != 0 {
		t.Fatalf("TrainingRunCount on an empty registry = %d, %v", n, err)
	}
	if code, _, stderr := mlreg(t, "--database-url", url, "seed"); code != 0 {
		t.Fatal(stderr)
	}
	if n, err := q.TrainingRunCount(context.Background()); err != nil || n != 6 {
		t.Fatalf("TrainingRunCount on the sample registry = %d, %v; want its 6 runs", n, err)
	}
}
