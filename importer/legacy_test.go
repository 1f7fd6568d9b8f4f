package importer_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/internal/sourcestore"
)

// legacyAll is the report of the 20 sample rows into an empty registry.
var legacyAll = map[string]counts{
	"training_runs": {read: 20, imported: 20}, "models": {read: 20, imported: 20}, "model_versions": {read: 20, imported: 20},
	"experiments": {read: 20, imported: 20}, "datasets": {read: 20, imported: 20}, "run_datasets": {read: 20, imported: 20},
}

// TestTrainingRunsSample imports Exercise 01's 20 rows: every count
// matches, each value carries over, the checks pass, and the registry's
// integrity is clean afterwards.
func TestTrainingRunsSample(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, reg := legacySource(t), newRegistry(t)
	before := tableCounts(t, reg)
	var progress progressLog
	r := mustImport(t)(importer.TrainingRuns(ctx, src, reg, "", importer.Options{Actor: "migration-bot", Progress: progress.fn}))
	wantCounts(t, r, legacyAll)
	if r.Written() != 120 {
		t.Errorf("Written() = %d, want 120", r.Written())
	}
	if !r.Committed || r.Validation == nil || !r.Validation.OK || r.Validation.Integrity.Errors != 0 {
		t.Errorf("committed %v, validation %+v", r.Committed, r.Validation)
	}
	if len(r.NameMappings) != 0 {
		t.Errorf("the sample's names are kebab-case already, yet %+v", r.NameMappings)
	}
	after := tableCounts(t, reg)
	for table, n := range map[string]int64{"models": 20, "model_versions": 20, "training_runs": 20, "experiments": 20, "datasets": 20, "run_datasets": 20} {
		if after[table]-before[table] != n {
			t.Errorf("%s: %d rows added, want %d", table, after[table]-before[table], n)
		}
	}
	// The audit trail names the actor.
	var actors []string
	rows, _ := reg.Query(ctx, "SELECT DISTINCT actor FROM audit_log")
	actors, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(actors) != 1 || actors[0] != "migration-bot" {
		t.Errorf("audit actors %v, %v", actors, err)
	}
	check, err := integrity.RunSnapshot(ctx, reg)
	if err != nil || !check.OK() {
		t.Errorf("integrity after the import: %+v, %v", check, err)
	}
	if progress.calls == 0 || progress.stages["write training_runs"] != [2]int64{20, 20} || progress.stages["read training_runs"] != [2]int64{20, 20} {
		t.Errorf("progress: %+v", progress.stages)
	}

	// Row by row: the legacy values are the registry's.
	type legacy struct {
		RunID                                  uuid.UUID
		Model, Framework, Experiment, Status   string
		Accuracy, Loss, F1, GPUHours, CPUHours *float64
		Dataset, ComputeTarget                 string
		Parameters                             json.RawMessage
		CreatedAt, StartedAt, CompletedAt      *time.Time
		Notes, CreatedBy                       *string
	}
	srows, err := src.Query(ctx, `SELECT run_id, model_name, framework, experiment_name, status, accuracy::float8, loss::float8, f1_score::float8,
		gpu_hours::float8, cpu_hours::float8, dataset, compute_target, parameters, created_at, started_at, completed_at, notes, created_by FROM training_runs`)
	if err != nil {
		t.Fatal(err)
	}
	legacyRows, err := pgx.CollectRows(srows, func(row pgx.CollectableRow) (legacy, error) {
		var l legacy
		err := row.Scan(&l.RunID, &l.Model, &l.Framework, &l.Experiment, &l.Status, &l.Accuracy, &l.Loss, &l.F1, &l.GPUHours, &l.CPUHours,
			&l.Dataset, &l.ComputeTarget, &l.Parameters, &l.CreatedAt, &l.StartedAt, &l.CompletedAt, &l.Notes, &l.CreatedBy)
		return l, err
	})
	if err != nil || len(legacyRows) != 20 {
		t.Fatalf("%d legacy rows, %v", len(legacyRows), err)
	}
	q := registrydb.New(reg)
	for _, l := range legacyRows {
		run, err := q.TrainingRunGetByID(ctx, l.RunID)
		if err != nil {
			t.Errorf("run %s: %v", l.RunID, err)
			continue
		}
		version, _ := q.ModelVersionGetByID(ctx, run.VersionID)
		model, _ := q.ModelGetByID(ctx, version.ModelID)
		links, _ := q.RunDatasetListByRun(ctx, run.RunID)
		exp, _ := q.ExperimentGetByName(ctx, l.Experiment)
		var params, got any
		_ = json.Unmarshal(l.Parameters, &params)
		_ = json.Unmarshal(run.Hyperparameters, &got)
		switch {
		case model.ModelName != l.Model || model.DisplayName != l.Model:
			t.Errorf("%s: model %s (%s)", l.RunID, model.ModelName, model.DisplayName)
		case version.Semver != "1.0.0" || version.Framework != l.Framework || version.Status != "registered" || !version.RegisteredAt.Equal(*l.CreatedAt):
			t.Errorf("%s: version %+v", l.RunID, version)
		case run.Status != l.Status || !eqF(run.Accuracy, l.Accuracy) || !eqF(run.Loss, l.Loss) || !eqF(run.F1Score, l.F1) ||
			!eqF(run.GPUHours, l.GPUHours) || !eqF(run.CPUHours, l.CPUHours) || *run.ComputeTarget != l.ComputeTarget:
			t.Errorf("%s: values %+v", l.RunID, run)
		case !eqT(run.CreatedAt, l.CreatedAt) || !eqT(run.StartedAt, l.StartedAt) || !eqT(run.CompletedAt, l.CompletedAt) ||
			!eqS(run.Notes, l.Notes) || !eqS(run.StartedBy, l.CreatedBy):
			t.Errorf("%s: times or notes %+v", l.RunID, run)
		case !jsonEqual(params, got):
			t.Errorf("%s: hyperparameters %s, parameters %s", l.RunID, run.Hyperparameters, l.Parameters)
		case *run.ExperimentName != l.Experiment || run.ExperimentID == nil || *run.ExperimentID != exp.ExperimentID || *exp.ModelID != model.ModelID:
			t.Errorf("%s: experiment %v / %+v", l.RunID, run.ExperimentName, exp)
		case len(links) != 1 || links[0].DatasetName != l.Dataset || links[0].DatasetRole != "training":
			t.Errorf("%s: dataset links %+v", l.RunID, links)
		}
	}
}

func eqF(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
func eqS(a, b *string) bool  { return a == nil && b == nil || a != nil && b != nil && *a == *b }
func eqT(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// addMXNet adds a 21st row whose framework the registry does not know.
func addMXNet(t *testing.T, src interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) string {
	t.Helper()
	var id string
	err := src.QueryRow(context.Background(), `INSERT INTO training_runs (model_name, framework, experiment_name, status, dataset, compute_target,
		created_at, started_at, completed_at) VALUES ('legacy-recommender', 'mxnet', 'exp-mxnet-2019', 'succeeded', 'clicks-2019', 'on-premise-gpu',
		now() - interval '2 days', now() - interval '2 days', now() - interval '1 day') RETURNING run_id::text`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestTrainingRunsRefusal: a row with framework mxnet refuses the whole
// import (nothing written, audit included) and is named with its reason;
// with SkipInvalid the other 20 are imported and it is listed.
func TestTrainingRunsRefusal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, reg := legacySource(t), newRegistry(t)
	mxnet := addMXNet(t, src)
	before := tableCounts(t, reg)

	r, err := importer.TrainingRuns(ctx, src, reg, "", importer.Options{})
	refused := refusal(t, err)
	if refused.Err != nil || r.Committed || r.Error == nil || r.Validation != nil {
		t.Errorf("refusal %v; report committed %v, error %v", refused.Err, r.Committed, r.Error)
	}
	runs := r.Entities["training_runs"]
	if len(runs.Refused) != 1 || runs.Refused[0].Source != mxnet || !strings.Contains(runs.Refused[0].Reason, `framework "mxnet"`) {
		t.Errorf("refused runs:\n%s", notes(runs.Refused))
	}
	if !strings.Contains(err.Error(), "1 training_runs") {
		t.Errorf("error %q does not say what was refused", err)
	}
	if after := tableCounts(t, reg); !equalCounts(before, after) {
		t.Errorf("a refused import changed the registry:\nbefore %v\nafter  %v", before, after)
	}
	checkBalanced(t, r)

	r = mustImport(t)(importer.TrainingRuns(ctx, src, reg, "", importer.Options{SkipInvalid: true}))
	wantCounts(t, r, map[string]counts{
		"training_runs": {read: 21, imported: 20, refused: 1}, "run_datasets": {read: 21, imported: 20, refused: 1},
		"models": {read: 21, imported: 20, skipped: 1}, "model_versions": {read: 21, imported: 20, skipped: 1},
		"experiments": {read: 21, imported: 20, skipped: 1}, "datasets": {read: 21, imported: 20, skipped: 1},
	})
	if got := r.Entities["training_runs"].Refused; len(got) != 1 || got[0].Source != mxnet {
		t.Errorf("SkipInvalid lists %s", notes(got))
	}
	if got := r.Entities["models"].Skipped; len(got) != 1 || got[0].Source != "legacy-recommender" {
		t.Errorf("skipped models: %s", notes(got))
	}
	var n int
	if err := reg.QueryRow(ctx, "SELECT count(*) FROM training_runs WHERE run_id = $1", mxnet).Scan(&n); err != nil || n != 0 {
		t.Errorf("the mxnet run is in the registry (%d, %v)", n, err)
	}
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTrainingRunsDryRunAndReimport: a dry run writes nothing and reports
// what the real run then does; importing again writes nothing (no audit
// rows) and finds everything present; a source that gained rows adds only
// those; a run that finished since is updated, its changed columns alone
// in the audit trail; a run that moved backwards is refused.
func TestTrainingRunsDryRunAndReimport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, reg := legacySource(t), newRegistry(t)
	before := tableCounts(t, reg)
	dry := mustImport(t)(importer.TrainingRuns(ctx, src, reg, "", importer.Options{DryRun: true}))
	if dry.Committed || !dry.DryRun || dry.Validation == nil || !dry.Validation.OK {
		t.Errorf("dry run: committed %v, validation %+v", dry.Committed, dry.Validation)
	}
	if after := tableCounts(t, reg); !equalCounts(before, after) {
		t.Errorf("a dry run changed the registry:\nbefore %v\nafter  %v", before, after)
	}
	real := mustImport(t)(importer.TrainingRuns(ctx, src, reg, "", importer.Options{}))
	sameReport(t, dry, real)

	audit := auditRows(t, reg)
	again := mustImport(t)(importer.TrainingRuns(ctx, src, reg, "", importer.Options{}))
	wantCounts(t, again, map[string]counts{
		"training_runs": {read: 20, present: 20}, "models": {read: 20, present: 20}, "model_versions": {read: 20, present: 20},
		"experiments": {read: 20, present: 20}, "datasets": {read: 20, present: 20}, "run_datasets": {read: 20, present: 20},
	})
	if n := auditRows(t, reg); n != audit {
		t.Errorf("re-import wrote %d audit rows", n-audit)
	}

	// The source gains a run of an existing model and experiment (a second
	// version is not needed: same framework) and a run of a new model.
	exec(t, src, `INSERT INTO training_runs (model_name, framework, experiment_name, status, dataset, compute_target, created_at, started_at, completed_at, accuracy)
		VALUES ('resnet50-classification', 'pytorch', 'exp-baseline-2025-q1', 'succeeded', 'imagenet-1k', 'k8s-gpu-a100', now(), now(), now(), 0.95),
		       ('Fraud Scorer v2', 'xgboost', 'exp-fraud-v2', 'queued', 'Transactions 2025', 'aws-batch-cpu', now(), NULL, NULL, NULL)`)
	audit = auditRows(t, reg)
	gained := mustImport(t)(importer.TrainingRuns(ctx, src, reg, "", importer.Options{}))
	wantCounts(t, gained, map[string]counts{
		"training_runs": {read: 22, imported: 2, present: 20}, "models": {read: 21, imported: 1, present: 20},
		"model_versions": {read: 21, imported: 1, present: 20}, "experiments": {read: 21, imported: 1, present: 20},
		"datasets": {read: 21, imported: 1, present: 20}, "run_datasets": {read: 22, imported: 2, present: 20},
	})
	// 2 runs, 1 model, 1 version, 1 experiment, 1 dataset, 2 links.
	if n := auditRows(t, reg) - audit; n != 8 {
		t.Errorf("the gained rows wrote %d audit rows, want 8", n)
	}
	deepEqual(t, "name mappings", gained.NameMappings, []importer.NameMapping{
		{Entity: "datasets", Source: "Transactions 2025", Name: "transactions-2025", Rule: "slug"},
		{Entity: "models", Source: "Fraud Scorer v2", Name: "fraud-scorer-v2", Rule: "slug"},
	})

	// A queued run starts and finishes in the source.
	var runID string
	if err := src.QueryRow(ctx, `UPDATE training_runs SET status = 'succeeded', started_at = created_at + interval '1 minute',
		completed_at = created_at + interval '1 hour', accuracy = 0.97 WHERE model_name = 'Fraud Scorer v2' RETURNING run_id::text`).Scan(&runID); err != nil {
		t.Fatal(err)
	}
	lastAudit := auditMaxID(t, reg)
	changed := mustImport(t)(importer.TrainingRuns(ctx, src, reg, "", importer.Options{}))
	wantCounts(t, changed, map[string]counts{"training_runs": {read: 22, updated: 1, present: 21}, "run_datasets": {read: 22, present: 22}})
	var action string
	var newRow map[string]any
	if err := reg.QueryRow(ctx, `SELECT action, new_row FROM audit_log WHERE audit_id > $1`, lastAudit).Scan(&action, &newRow); err != nil {
		t.Fatalf("the update's audit row: %v", err)
	}
	var keys []string
	for k := range newRow {
		keys = append(keys, k)
	}
	if action != "UPDATE" || len(keys) != 4 || newRow["status"] != "succeeded" || newRow["accuracy"] == nil || newRow["started_at"] == nil || newRow["completed_at"] == nil {
		t.Errorf("audit of the update: %s %v", action, newRow)
	}

	// Back to running: refused, and the registry keeps succeeded.
	exec(t, src, `ALTER TABLE training_runs DROP CONSTRAINT completed_timestamp`)
	exec(t, src, `UPDATE training_runs SET status = 'running', completed_at = NULL WHERE run_id = $1`, runID)
	_, err := importer.TrainingRuns(ctx, src, reg, "", importer.Options{})
	r := refusal(t, err).Report
	if got := r.Entities["training_runs"].Refused; len(got) != 1 || got[0].Source != runID || !strings.Contains(got[0].Reason, "from succeeded back to running") {
		t.Errorf("refused: %s", notes(got))
	}
}

// TestTrainingRunsTable reads a table of another name in another schema.
func TestTrainingRunsTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, reg := newSource(t), newRegistry(t)
	exec(t, src, `CREATE SCHEMA "Legacy Data"`)
	if err := sourcestore.CreateLegacy(ctx, src, pgx.Identifier{"Legacy Data", "Runs"}); err != nil {
		t.Fatal(err)
	}
	r := mustImport(t)(importer.TrainingRuns(ctx, src, reg, `"Legacy Data"."Runs"`, importer.Options{}))
	wantCounts(t, r, legacyAll)
	if *r.Source.Table != `"Legacy Data"."Runs"` {
		t.Errorf("source table %q", *r.Source.Table)
	}
	// Unquoted, the name folds to lower case, as in SQL: no such table.
	if _, err := importer.TrainingRuns(ctx, src, reg, `"Legacy Data".Runs`, importer.Options{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a table that is not there: %v", err)
	}
}

func TestParseTable(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]pgx.Identifier{
		"training_runs":       {"training_runs"},
		"Legacy.Runs":         {"legacy", "runs"},
		`"Old Data"."Runs"`:   {"Old Data", "Runs"},
		`"a.b"`:               {"a.b"},
		`"say ""hi"""`:        {`say "hi"`},
		`public."Mixed Case"`: {"public", "Mixed Case"},
	} {
		got, err := importer.ParseTable(in)
		if err != nil || !equalIdent(got, want) {
			t.Errorf("ParseTable(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a..b", `"open`, "a.b.c", "."} {
		if got, err := importer.ParseTable(bad); err == nil {
			t.Errorf("ParseTable(%q) = %q, want an error", bad, got)
		}
	}
}

func equalIdent(a, b pgx.Identifier) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
