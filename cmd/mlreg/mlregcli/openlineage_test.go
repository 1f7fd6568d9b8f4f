package mlregcli

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/openlineage"
)

// openLineage runs `mlreg lineage MODEL --format openlineage ARGS...` and
// returns its events, failing unless every line is a JSON object with the
// fields a RunEvent requires.
func openLineage(t *testing.T, url, model string, args ...string) []openlineage.Event {
	t.Helper()
	code, out, stderr := mlreg(t, append([]string{"--database-url", url, "lineage", model, "--format", "openlineage"}, args...)...)
	if code != 0 {
		t.Fatalf("lineage %s --format openlineage: exit %d: %s", model, code, stderr)
	}
	var events []openlineage.Event
	if out == "" {
		return events
	}
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			t.Fatalf("line %d is empty", i+1)
		}
		var raw map[string]any
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		for _, path := range []string{"eventType", "eventTime", "run.runId", "job.namespace", "job.name", "inputs", "outputs", "producer", "schemaURL"} {
			if lookup(raw, path) == nil {
				t.Errorf("line %d has no %s: %s", i+1, path, line)
			}
		}
		var e openlineage.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		events = append(events, e)
	}
	return events
}

// lookup follows a dotted path through decoded JSON objects.
func lookup(v any, path string) any {
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

// wantEventTypes is the documented mapping from run status to events.
var wantEventTypes = map[string]string{
	"succeeded": "START COMPLETE",
	"failed":    "START FAIL",
	"timeout":   "START FAIL",
	"cancelled": "START ABORT",
	"running":   "START",
	"queued":    "",
}

// TestLineageOpenLineage checks the events of every seeded model against what
// the Lineage queries return for it: the same runs and versions, each run's
// datasets as inputs with their roles, and the documented event types, order
// and times.
func TestLineageOpenLineage(t *testing.T) {
	url := seeded(t)
	ctx := context.Background()
	q := registrydb.New(dial(t, url))

	// A cancelled run and a queued one, which the sample registry lacks.
	exec(t, url, `
		UPDATE training_runs SET status = 'cancelled' WHERE run_name = 'fraud-transformer-trial';
		INSERT INTO training_runs (version_id, run_name, status)
		SELECT version_id, 'fraud-queued', 'queued' FROM model_versions WHERE semver = '2.0.0';`)

	statuses := map[string]bool{}
	for _, name := range []string{"sentiment-classifier", "fraud-detector", "product-recommender", "churn-predictor"} {
		t.Run(name, func(t *testing.T) {
			model, err := q.ModelGetByName(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			versions, err := q.LineageVersionsByModel(ctx, model.ModelID, nil)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := q.LineageRunsByModel(ctx, model.ModelID, nil)
			if err != nil {
				t.Fatal(err)
			}
			// What the queries say: each run's version, status, times and datasets.
			semverOf := map[uuid.UUID]string{}
			order := map[string]int{} // semver -> position in ascending order
			for i, v := range versions {
				semverOf[v.VersionID] = v.Semver
				order[v.Semver] = len(versions) - 1 - i
			}
			runs := map[uuid.UUID]registrydb.LineageRunsByModelRow{}
			wantInputs := map[uuid.UUID][]string{}
			for _, r := range rows {
				runs[r.RunID] = r
				if r.DatasetName != nil {
					wantInputs[r.RunID] = append(wantInputs[r.RunID], *r.DatasetName+"/"+*r.DatasetRole)
				}
			}

			events := openLineage(t, url, name)
			gotTypes := map[uuid.UUID][]string{}
			lastVersion, lastStart := -1, ""
			for i, e := range events {
				r, ok := runs[e.Run.RunID]
				if !ok {
					t.Fatalf("event %d: run %s is not one of %s's", i, e.Run.RunID, name)
				}
				gotTypes[r.RunID] = append(gotTypes[r.RunID], e.EventType)
				if e.Job != (openlineage.Job{Namespace: "mlreg", Name: name + ".train"}) {
					t.Errorf("event %d: job %+v", i, e.Job)
				}
				if e.Producer != openlineage.Producer || e.SchemaURL != openlineage.RunEventSchema {
					t.Errorf("event %d: producer %q schemaURL %q", i, e.Producer, e.SchemaURL)
				}
				switch e.EventType {
				case "START":
					if r.StartedAt == nil || !e.EventTime.Equal(*r.StartedAt) {
						t.Errorf("event %d: START at %s, run started at %v", i, e.EventTime, r.StartedAt)
					}
				default:
					if r.CompletedAt == nil || !e.EventTime.Equal(*r.CompletedAt) {
						t.Errorf("event %d: %s at %s, run completed at %v", i, e.EventType, e.EventTime, r.CompletedAt)
					}
				}
				// Inputs: the run's datasets, each with its role in the custom facet.
				var got []string
				for _, in := range e.Inputs {
					u := in.Facets.DatasetUsage
					if u == nil || u.Producer == "" || u.SchemaURL == "" {
						t.Fatalf("event %d: input %s has no mlreg_datasetUsage facet with _producer and _schemaURL", i, in.Name)
					}
					if in.Namespace != "s3://datasets" {
						t.Errorf("event %d: input %s in namespace %q", i, in.Name, in.Namespace)
					}
					got = append(got, in.Name+"/"+u.Role)
				}
				want := wantInputs[r.RunID]
				sort.Strings(got)
				sort.Strings(want)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("event %d: inputs %v, the run used %v", i, got, want)
				}
				// Output: the run's model version with its artifact.
				semver := semverOf[r.VersionID]
				if len(e.Outputs) != 1 || e.Outputs[0].Namespace != "mlreg" || e.Outputs[0].Name != name+"@"+semver ||
					e.Outputs[0].Facets.ModelArtifact == nil || !strings.HasPrefix(e.Outputs[0].Facets.ModelArtifact.URI, "s3://ml-artifacts/") {
					t.Errorf("event %d: outputs %+v, want %s@%s with its artifact", i, e.Outputs, name, semver)
				}
				// Order: versions ascending, a version's runs by start.
				if order[semver] < lastVersion {
					t.Errorf("event %d: version %s after a later version", i, semver)
				}
				if order[semver] > lastVersion {
					lastStart = ""
				}
				if e.EventType == "START" {
					start := e.EventTime.UTC().Format("2006-01-02T15:04:05.000000000")
					if start < lastStart {
						t.Errorf("event %d: run started %s listed after one started %s", i, start, lastStart)
					}
					lastStart = start
				}
				lastVersion = order[semver]
			}
			for id, r := range runs {
				statuses[r.Status] = true
				if got, want := strings.Join(gotTypes[id], " "), wantEventTypes[r.Status]; got != want {
					t.Errorf("run %s (%s): events %q, want %q", derefString(r.RunName), r.Status, got, want)
				}
			}
			if name == "churn-predictor" && len(events) != 0 {
				t.Errorf("a model without versions has %d events", len(events))
			}
		})
	}
	for _, s := range []string{"succeeded", "failed", "running", "cancelled", "queued"} {
		if !statuses[s] {
			t.Errorf("no run was %s: the test no longer covers it", s)
		}
	}

	t.Run("namespace and version", func(t *testing.T) {
		events := openLineage(t, url, "fraud-detector", "--namespace", "prod-ml", "--version", "2.0.0")
		if len(events) != 2 {
			t.Fatalf("fraud-detector 2.0.0: %d events, want START and COMPLETE of its one run", len(events))
		}
		for _, e := range events {
			if e.Job.Namespace != "prod-ml" || e.Outputs[0].Name != "fraud-detector@2.0.0" {
				t.Errorf("job %+v, output %s", e.Job, e.Outputs[0].Name)
			}
		}
		code, _, stderr := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--format", "openlineage", "--version", "9.9.9")
		if code != 2 || !strings.Contains(stderr, "has no version 9.9.9") {
			t.Errorf("--version 9.9.9: exit %d, %q", code, stderr)
		}
	})
}

// TestLineageUnknownFormat: a format that does not exist is bad input (exit 2)
// whose message lists the formats, openlineage among them.
func TestLineageUnknownFormat(t *testing.T) {
	url := seeded(t)
	code, out, stderr := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--format", "openlinage")
	if code != 2 || out != "" || !strings.Contains(stderr, `unknown format "openlinage"`) || !strings.Contains(stderr, "openlineage") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
