package mlregcli

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/openlineage"
	"github.com/mlplatform/model-registry/schemas"
)

// openLineage runs `mlreg lineage MODEL --format openlineage ARGS...` and
// returns its events, failing unless every line is a JSON object with the
// fields a RunEvent requires.
func openLineage(t *testing.T, url, model string, args ...string) ([]openlineage.Event, []string) {
	t.Helper()
	code, out, stderr := mlreg(t, append([]string{"--database-url", url, "lineage", model, "--format", "openlineage"}, args...)...)
	if code != 0 {
		t.Fatalf("lineage %s --format openlineage: exit %d: %s", model, code, stderr)
	}
	var events []openlineage.Event
	if out == "" {
		return events, nil
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i, line := range lines {
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
	return events, lines
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
// datasets as inputs named by their storage location with their roles, the
// documented event types and times, events ordered by time, stable UUIDv7
// run ids, and every event and facet valid against our facet schemas.
func TestLineageOpenLineage(t *testing.T) {
	url := seeded(t)
	ctx := context.Background()
	q := registrydb.New(dial(t, url))
	c := schemaCompiler(t, nil)
	registryNS := "mlreg://" + dial(t, url).Config().Host + ":" + fmt.Sprint(dial(t, url).Config().Port) + "/" + dial(t, url).Config().Database

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
			artifactOf := map[uuid.UUID]string{}
			for _, v := range versions {
				semverOf[v.VersionID] = v.Semver
				artifactOf[v.VersionID] = v.ArtifactURI
			}
			runs := map[uuid.UUID]registrydb.LineageRunsByModelRow{}
			wantInputs := map[uuid.UUID][]string{}
			for _, r := range rows {
				runs[r.RunID] = r
				if r.DatasetName != nil {
					wantInputs[r.RunID] = append(wantInputs[r.RunID], *r.StorageLocation+"|"+*r.DatasetName+"|"+*r.DatasetRole)
				}
			}

			events, lines := openLineage(t, url, name)
			_, again := openLineage(t, url, name)
			if strings.Join(again, "\n") != strings.Join(lines, "\n") {
				t.Error("two exports of the same registry differ")
			}
			gotTypes := map[uuid.UUID][]string{}
			var last time.Time
			for i, e := range events {
				validate(t, c, schemas.FacetBase+openlineage.TrainingRunFacetFile+"#/$defs/TrainingRunFacet", mustJSON(t, e.Run.Facets.TrainingRun))
				registryID := e.Run.Facets.TrainingRun.RunID
				r, ok := runs[registryID]
				if !ok {
					t.Fatalf("event %d: run %s is not one of %s's", i, registryID, name)
				}
				if e.Run.RunID.Version() != 7 || e.Run.RunID != openlineage.RunID(r.RunID, r.CreatedAt) ||
					r.CreatedAt == nil || time.UnixMilli(int64(binary.BigEndian.Uint64(append([]byte{0, 0}, e.Run.RunID[:6]...)))).Compare(r.CreatedAt.Truncate(time.Millisecond)) != 0 {
					t.Errorf("event %d: runId %s is not the run's UUIDv7 (created %v)", i, e.Run.RunID, r.CreatedAt)
				}
				gotTypes[r.RunID] = append(gotTypes[r.RunID], e.EventType)
				if e.Job != (openlineage.Job{Namespace: registryNS, Name: name + ".train"}) {
					t.Errorf("event %d: job %+v, want %s in %s", i, e.Job, name+".train", registryNS)
				}
				if e.Producer != openlineage.Producer || e.SchemaURL != openlineage.RunEventSchema {
					t.Errorf("event %d: producer %q schemaURL %q", i, e.Producer, e.SchemaURL)
				}
				if e.EventTime.Before(last) {
					t.Errorf("event %d at %s follows one at %s: not ordered by eventTime", i, e.EventTime, last)
				}
				last = e.EventTime
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
				// Inputs: the run's datasets, named by storage location, with
				// the registry's name as a symlink and the role in an input facet.
				var got []string
				for _, in := range e.Inputs {
					u, d := in.InputFacets.DatasetUsage, in.Facets.Dataset
					if u == nil || d == nil || in.Facets.Symlinks == nil || in.Facets.DataSource == nil {
						t.Fatalf("event %d: input %s lacks a facet: %+v", i, in.Name, in)
					}
					validate(t, c, schemas.FacetBase+openlineage.DatasetUsageFacetFile+"#/$defs/DatasetUsageInputDatasetFacet", mustJSON(t, u))
					validate(t, c, schemas.FacetBase+openlineage.DatasetFacetFile+"#/$defs/RegistryDatasetFacet", mustJSON(t, d))
					ns, n, ok := openlineage.DatasetName(d.StorageLocation)
					if !ok || in.Namespace != ns || in.Name != n || !strings.HasPrefix(in.Namespace, "s3://") || strings.HasPrefix(in.Name, "/") {
						t.Errorf("event %d: input %s %s for location %s", i, in.Namespace, in.Name, d.StorageLocation)
					}
					link := in.Facets.Symlinks.Identifiers
					if len(link) != 1 || link[0] != (openlineage.Identifier{Namespace: registryNS, Name: d.DatasetName, Type: "DATASET"}) {
						t.Errorf("event %d: input symlinks %+v", i, link)
					}
					got = append(got, d.StorageLocation+"|"+d.DatasetName+"|"+u.Role)
				}
				want := wantInputs[r.RunID]
				sort.Strings(got)
				sort.Strings(want)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("event %d: inputs %v, the run used %v", i, got, want)
				}
				// Output: the run's model version, named by its artifact.
				semver := semverOf[r.VersionID]
				if len(e.Outputs) != 1 || e.Outputs[0].Facets.ModelVersion == nil || e.Outputs[0].Facets.Symlinks == nil {
					t.Fatalf("event %d: outputs %+v", i, e.Outputs)
				}
				out := e.Outputs[0]
				validate(t, c, schemas.FacetBase+openlineage.ModelVersionFacetFile+"#/$defs/ModelVersionDatasetFacet", mustJSON(t, out.Facets.ModelVersion))
				ns, n, _ := openlineage.DatasetName(artifactOf[r.VersionID])
				if out.Namespace != "s3://ml-artifacts" || out.Namespace != ns || out.Name != n ||
					out.Facets.Symlinks.Identifiers[0] != (openlineage.Identifier{Namespace: registryNS, Name: name + "@" + semver, Type: "MODEL_VERSION"}) {
					t.Errorf("event %d: output %s %s %+v, want %s@%s at its artifact", i, out.Namespace, out.Name, out.Facets.Symlinks, name, semver)
				}
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
			officialSchemaCheck(t, lines)
		})
	}
	for _, s := range []string{"succeeded", "failed", "running", "cancelled", "queued"} {
		if !statuses[s] {
			t.Errorf("no run was %s: the test no longer covers it", s)
		}
	}

	t.Run("namespace and version", func(t *testing.T) {
		events, _ := openLineage(t, url, "fraud-detector", "--namespace", "airflow-prod", "--version", "2.0.0")
		if len(events) != 2 {
			t.Fatalf("fraud-detector 2.0.0: %d events, want START and COMPLETE of its one run", len(events))
		}
		for _, e := range events {
			if e.Job.Namespace != "airflow-prod" || e.Outputs[0].Facets.ModelVersion.Semver != "2.0.0" {
				t.Errorf("job %+v, output %+v", e.Job, e.Outputs[0].Facets.ModelVersion)
			}
		}
		for _, bad := range [][]string{{"--version", "9.9.9"}, {"--runs", "3"}} {
			code, _, stderr := mlreg(t, append([]string{"--database-url", url, "lineage", "fraud-detector", "--format", "openlineage"}, bad...)...)
			if code != 2 || strings.Count(stderr, "\n") != 1 {
				t.Errorf("%v: exit %d, %q", bad, code, stderr)
			}
		}
	})
}

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenLineageDatasetNames: storage locations named as the OpenLineage
// naming conventions name them, and the ones they cannot name refused (the
// events then fall back to the registry's namespace).
func TestOpenLineageDatasetNames(t *testing.T) {
	for _, c := range []struct{ location, namespace, name string }{
		{"s3://datasets/transactions/", "s3://datasets", "transactions"},
		{"s3a://lake/raw/events/2024/", "s3://lake", "raw/events/2024"},
		{"gs://bucket/path/to/file.parquet", "gs://bucket", "path/to/file.parquet"},
		{"abfss://raw@acct.dfs.core.windows.net/events/", "abfss://raw@acct.dfs.core.windows.net", "events"},
		{"wasbs://c@acct.blob.core.windows.net/x/y", "wasbs://c@acct.blob.core.windows.net", "x/y"},
		{"hdfs://namenode:8020/data/clicks/", "hdfs://namenode:8020", "/data/clicks"},
		{"file:///mnt/data/train.csv", "file", "/mnt/data/train.csv"},
		{"/mnt/data/train.csv", "file", "/mnt/data/train.csv"},
		{"file://nas01/share/x.csv", "file://nas01", "/share/x.csv"},
		{"postgres://db.internal:5433/shop/public/orders", "postgres://db.internal:5433", "shop.public.orders"},
		{"postgresql://db.internal/shop.public.orders", "postgres://db.internal:5432", "shop.public.orders"},
		{"mysql://m1/shop/orders", "mysql://m1:3306", "shop.orders"},
		{"kafka://broker:9092/clicks", "kafka://broker:9092", "clicks"},
		{"bigquery:proj.ds.table", "bigquery", "proj.ds.table"},
		{"dbfs:/mnt/x", "dbfs", "/mnt/x"},
	} {
		ns, n, ok := openlineage.DatasetName(c.location)
		if !ok || ns != c.namespace || n != c.name {
			t.Errorf("DatasetName(%q) = %q, %q, %v; want %q, %q", c.location, ns, n, ok, c.namespace, c.name)
		}
	}
	for _, bad := range []string{"", "transactions", "s3://", "s3://bucket", "s3://bucket/", "ftp://host/x", "postgres://h/onlydb",
		"kafka://broker/clicks", "https://example.com/data.csv", "s3://user:pw@bucket/x", "s3://b/x?versionId=3"} {
		if ns, n, ok := openlineage.DatasetName(bad); ok {
			t.Errorf("DatasetName(%q) = %q, %q: want it refused", bad, ns, n)
		}
	}
	// A location the conventions cannot name: the registry's namespace and name.
	l := lineage.Report{Model: "m", Versions: []lineage.Version{{Semver: "1.0.0", ArtifactURI: "models/m/1", Runs: []lineage.Run{{
		RunID: uuid.New(), Status: "running", CreatedAt: ptrTime(time.Unix(1700000000, 0)),
		Datasets: []lineage.Dataset{{DatasetName: "odd-data", Role: "training", StorageLocation: "somewhere on a nas"}}}}}}}
	events := openlineage.Events(l, openlineage.Options{Registry: "mlreg://h:5432/db"})
	if len(events) != 1 || events[0].Inputs[0].Namespace != "mlreg://h:5432/db" || events[0].Inputs[0].Name != "odd-data" ||
		events[0].Inputs[0].Facets.DataSource != nil || events[0].Outputs[0].Name != "m@1.0.0" {
		t.Errorf("fallback names: %+v", events)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// TestLineageUnknownFormat: a format that does not exist is bad input (exit 2)
// whose message lists the formats, openlineage among them.
func TestLineageUnknownFormat(t *testing.T) {
	url := seeded(t)
	code, out, stderr := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--format", "openlinage")
	if code != 2 || out != "" || !strings.Contains(stderr, `unknown format "openlinage"`) || !strings.Contains(stderr, "openlineage") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
