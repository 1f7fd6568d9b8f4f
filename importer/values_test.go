package importer

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// TestRoundNumeric: the value a NUMERIC column keeps, rounded half away
// from zero on the shortest decimal of the float, as PostgreSQL does.
func TestRoundNumeric(t *testing.T) {
	for _, c := range []struct {
		v     float64
		scale int
		want  float64
	}{
		{0.9345678, 4, 0.9346}, {0.12345, 4, 0.1235}, {0.12344, 4, 0.1234}, {0.91, 4, 0.91}, {1, 4, 1},
		{0.99995, 4, 1}, {9.99995, 4, 10}, {-0.12345, 4, -0.1235}, {123.456789, 5, 123.45679}, {0.000049, 4, 0},
		{0.00005, 4, 0.0001}, {99999.999995, 5, 100000}, {1e-7, 5, 0}, {2.5e-5, 4, 0}, {5e-5, 4, 0.0001},
	} {
		if got := roundNumeric(c.v, c.scale); got != c.want || math.Signbit(got) != math.Signbit(c.want) && got != 0 {
			t.Errorf("roundNumeric(%v, %d) = %v, want %v", c.v, c.scale, got, c.want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string][2]string{
		"Fraud Detector":       {"fraud-detector", "fraud-detector"},
		"Modèle Churn ÉTÉ":     {"modele-churn-ete", "modele-churn-ete"},
		"Recommender (legacy)": {"recommender-legacy", "recommender-legacy"},
		"  --x__y--  ":         {"x-y", "x__y"},
		"日本語モデル":               {"", ""},
		"日本語 model 2":          {"model-2", "model-2"},
		"Straße_v2":            {"strasse-v2", "strasse_v2"},
		"already-kebab-1":      {"already-kebab-1", "already-kebab-1"},
	} {
		if got := slug(in, false); got != want[0] {
			t.Errorf("slug(%q) = %q, want %q", in, got, want[0])
		}
		if got := slug(in, true); got != want[1] {
			t.Errorf("slug(%q, underscore) = %q, want %q", in, got, want[1])
		}
	}
}

// TestJSONObject: the hand-written encoder gives the JSON encoding/json
// would, for awkward keys and values.
func TestJSONObject(t *testing.T) {
	m := map[string]any{
		"plain": 0.35, `quote"back\slash`: "tab\tnew\nline", "ctl\x01": "é日本", "bad\xffutf8": "x",
		"big": 1e21, "small": 1e-7, "neg": -2.5, "nan": metricJSON(math.NaN()), "inf": metricJSON(math.Inf(-1)),
	}
	got := jsonObject(m)
	if !json.Valid(got) {
		t.Fatalf("invalid JSON %s", got)
	}
	var back, want map[string]any
	want2, _ := json.Marshal(m)
	if err := json.Unmarshal(got, &back); err != nil || json.Unmarshal(want2, &want) != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("jsonObject = %s\nencoding/json = %s", got, want2)
	}
	if p := paramsJSON([]mlParam{{"b", `"2"`}, {"a", "1"}}); string(p) != `{"a":"1","b":"\"2\""}` {
		t.Errorf("paramsJSON = %s", p)
	}
}
