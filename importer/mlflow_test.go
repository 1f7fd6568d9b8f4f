package importer_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/integrity"
	ss "github.com/mlplatform/model-registry/internal/sourcestore"
)

// awkwardCounts is the report of the awkward store into an empty registry.
func awkwardCounts(v ss.Variant) map[string]counts {
	c := map[string]counts{
		"models":         {read: 5, imported: 5},
		"model_versions": {read: 10, imported: 8, skipped: 2},
		"training_runs":  {read: 10, imported: 7, outOfScope: 3},
		"experiments":    {read: 4, imported: 2, outOfScope: 2},
		"datasets":       {read: 3, imported: 3},
		"run_datasets":   {read: 5, imported: 5},
		"tags":           {read: 3, imported: 1, present: 2}, // domain/tabular and use-case/classification are the migration's
		"model_tags":     {read: 7, imported: 3, outOfScope: 4},
		"model_aliases":  {read: 3, imported: 3},
	}
	if v == ss.MLflowCurrent { // team-b's model, version, run and experiment
		c["models"] = counts{read: 6, imported: 6}
		c["model_versions"] = counts{read: 11, imported: 9, skipped: 2}
		c["training_runs"] = counts{read: 11, imported: 8, outOfScope: 3}
		c["experiments"] = counts{read: 5, imported: 3, outOfScope: 2}
	}
	return c
}

func ms(offset int64) time.Time { return time.UnixMilli(ss.BaseTime + offset) }

const hour = int64(3_600_000)

// TestMLflowAwkward imports the awkward store of each layout and checks
// the mapping field by field: slugs and their collision, stages, the
// deleted and failed versions, the version whose run is on another server,
// metrics (NaN and infinities kept, a value past its column kept exactly),
// params, dataset roles, tags and aliases. The registry's checks pass.
func TestMLflowAwkward(t *testing.T) {
	t.Parallel()
	for _, v := range ss.Variants {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			src, reg := mlflowSource(t, v), newRegistry(t)
			var progress progressLog
			r := mustImport(t)(importer.MLflow(ctx, src, reg, importer.Options{Progress: progress.fn}))
			wantCounts(t, r, awkwardCounts(v))
			if *r.Source.Layout != v.String() || !r.Validation.OK || r.Validation.Integrity.Errors != 0 {
				t.Errorf("layout %s, validation %+v", *r.Source.Layout, r.Validation)
			}
			if progress.stages["read latest_metrics"][1] < 1 || progress.stages["write training_runs"] != [2]int64{int64(awkwardCounts(v)["training_runs"].imported), int64(awkwardCounts(v)["training_runs"].imported)} {
				t.Errorf("progress %v", progress.stages)
			}
			checkAwkward(t, reg, r, v)
		})
	}
}

func collisionSuffix(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])[:6]
}

func checkAwkward(t *testing.T, reg *pgxpool.Pool, r importer.Report, v ss.Variant) {
	t.Helper()
	ctx := context.Background()
	q := registrydb.New(reg)
	lower := "fraud-detector-" + collisionSuffix("fraud detector")
	wantMappings := []importer.NameMapping{
		{Entity: "datasets", Source: "ImageNet", Name: "imagenet", Rule: "slug"},
		{Entity: "datasets", Source: "transactions 2024", Name: "transactions-2024", Rule: "slug"},
		{Entity: "datasets", Source: "transactions holdout", Name: "transactions-holdout", Rule: "slug"},
		{Entity: "models", Source: "Fraud Detector", Name: "fraud-detector", Rule: "slug", CollidesWith: []string{"fraud detector"}},
		{Entity: "models", Source: "Modèle Churn ÉTÉ", Name: "modele-churn-ete", Rule: "slug"},
		{Entity: "models", Source: "Recommender (legacy)", Name: "recommender-legacy", Rule: "slug"},
		{Entity: "models", Source: "fraud detector", Name: lower, Rule: "collision", CollidesWith: []string{"Fraud Detector"}},
	}
	if v == ss.MLflowCurrent {
		wantMappings = append(wantMappings, importer.NameMapping{Entity: "models", Source: "team-b/Fraud Detector", Name: "team-b-fraud-detector", Rule: "slug"})
	}
	deepEqual(t, "name mappings", r.NameMappings, wantMappings)
	deepEqual(t, "skipped versions", r.Entities["model_versions"].Skipped, []importer.RowNote{
		{Source: "Fraud Detector/4", Reason: "deleted in MLflow (stage Deleted_Internal)"},
		{Source: "Recommender (legacy)/2", Reason: "its registration failed in MLflow (FAILED_REGISTRATION): there is no artifact to register"},
	})
	var warnings []string
	for _, w := range r.Warnings {
		warnings = append(warnings, w.Entity+" "+w.Source+": "+w.Message)
	}
	for _, want := range []string{
		"model_versions Recommender (legacy)/1: its run ffffffffffffffffffffffffffffffff is not in this store",
		"training_runs " + ss.RunResnetNaN + ": metric accuracy = 1.5 does not fit the accuracy column ([0, 1]): kept in custom_metrics",
		"training_runs " + ss.RunChurnKilled + ": metric loss = -Infinity does not fit the loss column",
	} {
		found := false
		for _, w := range warnings {
			found = found || strings.HasPrefix(w, want)
		}
		if !found {
			t.Errorf("no warning %q in\n%s", want, strings.Join(warnings, "\n"))
		}
	}

	// Models: names, display names, descriptions, tags.
	fraud, err := q.ModelGetByName(ctx, "fraud-detector")
	if err != nil || fraud.DisplayName != "Fraud Detector" || *fraud.Description != "Scores card transactions" || !fraud.CreatedAt.Equal(ms(3*hour)) {
		t.Errorf("fraud-detector: %+v, %v", fraud, err)
	}
	if m, err := q.ModelGetByName(ctx, lower); err != nil || m.DisplayName != "fraud detector" || m.Description != nil {
		t.Errorf("%s: %+v, %v", lower, m, err)
	}
	if m, err := q.ModelGetByName(ctx, "modele-churn-ete"); err != nil || m.DisplayName != "Modèle Churn ÉTÉ" {
		t.Errorf("modele-churn-ete: %+v, %v", m, err)
	}
	tags, _ := q.ModelTagListByModel(ctx, fraud.ModelID)
	var tagNames []string
	for _, tg := range tags {
		tagNames = append(tagNames, tg.TagCategory+":"+tg.TagValue)
	}
	deepEqual(t, "fraud-detector tags", tagNames, []string{"custom:owner=risk-team", "domain:tabular"})

	// Versions: N.0.0, stages as statuses, lifecycle dates, framework.
	type vwant struct {
		model, semver, status, framework string
		fwVersion, commit                *string
		run                              string
	}
	for _, w := range []vwant{
		{"fraud-detector", "1.0.0", "archived", "sklearn", ptr("1.3.0"), ptr("3f2a9c1e5b7d4f60a8e9c0b1d2e3f4a5b6c7d8e9"), ss.RunFraudArchived},
		{"fraud-detector", "2.0.0", "deployed", "xgboost", ptr("2.0.0"), ptr("9b8a7c6d5e4f30211a2b3c4d5e6f708192a3b4c5"), ss.RunFraudProduction},
		{"fraud-detector", "3.0.0", "registered", "pytorch", ptr("2.1.0"), nil, ss.RunFraudRunning},
		{lower, "1.0.0", "validated", "tensorflow", ptr("2.15.0"), nil, ss.RunLowerFraud},
		{"modele-churn-ete", "1.0.0", "registered", "lightgbm", ptr("4.1.0"), nil, ss.RunChurnKilled},
		{"modele-churn-ete", "2.0.0", "registered", "huggingface", ptr("4.35.0"), nil, ss.RunChurnScheduled},
		{"resnet50", "1.0.0", "validated", "pytorch", nil, nil, ss.RunResnetNaN},
		{"recommender-legacy", "1.0.0", "deployed", "catboost", nil, nil, ""},
	} {
		mv, err := q.ModelVersionGetBySemver(ctx, w.model, w.semver)
		if err != nil {
			t.Errorf("%s %s: %v", w.model, w.semver, err)
			continue
		}
		if mv.Status != w.status || mv.Framework != w.framework || !eqS(mv.FrameworkVersion, w.fwVersion) || !eqS(mv.GitCommit, w.commit) {
			t.Errorf("%s %s: status %s framework %s %v commit %v", w.model, w.semver, mv.Status, mv.Framework, deref(mv.FrameworkVersion), deref(mv.GitCommit))
		}
		runs, _ := q.TrainingRunListByVersion(ctx, registrydb.TrainingRunListByVersionParams{
			VersionID: mv.VersionID, BeforeCreatedAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), BeforeRunID: uuid.Max, MaxRows: 10})
		switch {
		case w.run == "" && len(runs) != 0, w.run != "" && (len(runs) != 1 || runs[0].RunID != uuid.MustParse(w.run)):
			t.Errorf("%s %s: runs %v, want %q", w.model, w.semver, len(runs), w.run)
		}
	}
	if _, err := q.ModelVersionGetBySemver(ctx, "fraud-detector", "4.0.0"); err == nil {
		t.Error("the deleted version 4 was imported")
	}
	v1, _ := q.ModelVersionGetBySemver(ctx, "fraud-detector", "1.0.0")
	if v1.RegisteredBy != "alice@example.com" || !v1.RegisteredAt.Equal(ms(5*hour)) || !v1.DeprecatedAt.Equal(ms(5*hour+30*60_000)) ||
		*v1.PythonVersion != "3.11.4" || *v1.GitBranch != "main" || v1.ArtifactURI != "mlflow-artifacts:/1/"+ss.RunFraudArchived+"/artifacts/model" {
		t.Errorf("fraud-detector 1.0.0: %+v", v1)
	}
	v2, _ := q.ModelVersionGetBySemver(ctx, "fraud-detector", "2.0.0")
	if !v2.PromotedToProductionAt.Equal(ms(6*hour+30*60_000)) || v2.DeprecatedAt != nil || *v2.Description != "Fraud Detector v2" {
		t.Errorf("fraud-detector 2.0.0: %+v", v2)
	}

	// Runs: statuses, metrics, params, times.
	type rwant struct {
		status                                string
		accuracy, precision, recall, f1, loss *float64
		custom, params                        string
		completed                             bool
	}
	for id, w := range map[string]rwant{
		ss.RunFraudArchived: {"succeeded", ptr(0.91), ptr(0.88), ptr(0.92), ptr(0.9), ptr(0.31), `{"val_loss": 0.35}`,
			`{"batch_size": "64", "learning_rate": "0.001", "optimizer": "adam"}`, true},
		ss.RunFraudProduction: {"succeeded", ptr(0.9346), nil, nil, nil, ptr(0.2), `{"accuracy": 0.9345678}`, `{"max_depth": "6"}`, true},
		ss.RunFraudRunning:    {"running", nil, nil, nil, nil, ptr(0.5), `{}`, `{"epochs": "100"}`, false},
		ss.RunLowerFraud:      {"failed", nil, nil, nil, nil, nil, `{}`, `{}`, true},
		ss.RunChurnKilled:     {"cancelled", ptr(0.7), nil, nil, nil, nil, `{"loss": "-Infinity"}`, `{}`, true},
		ss.RunChurnScheduled:  {"queued", nil, nil, nil, nil, nil, `{}`, `{}`, false},
		ss.RunResnetNaN: {"succeeded", nil, nil, nil, ptr(0.8), nil, `{"rmse": "NaN", "accuracy": 1.5, "max_error": "Infinity"}`,
			`{}`, true},
	} {
		run, err := q.TrainingRunGetByID(ctx, uuid.MustParse(id))
		if err != nil {
			t.Errorf("run %s: %v", id, err)
			continue
		}
		if run.Status != w.status || !eqF(run.Accuracy, w.accuracy) || !eqF(run.PrecisionScore, w.precision) || !eqF(run.RecallScore, w.recall) ||
			!eqF(run.F1Score, w.f1) || !eqF(run.Loss, w.loss) || !sameJSONText(run.CustomMetrics, w.custom) || !sameJSONText(run.Hyperparameters, w.params) ||
			(run.CompletedAt != nil) != w.completed {
			t.Errorf("run %s: status %s acc %v prec %v rec %v f1 %v loss %v custom %s params %s completed %v", id, run.Status,
				deref(run.Accuracy), deref(run.PrecisionScore), deref(run.RecallScore), deref(run.F1Score), deref(run.Loss),
				run.CustomMetrics, run.Hyperparameters, run.CompletedAt)
		}
	}
	r1, _ := q.TrainingRunGetByID(ctx, uuid.MustParse(ss.RunFraudArchived))
	if *r1.RunName != "baseline" || *r1.StartedBy != "alice" || !r1.StartedAt.Equal(ms(hour)) || !r1.CompletedAt.Equal(ms(2*hour)) ||
		*r1.DurationSeconds != 3600 || *r1.ExperimentName != "Fraud Detection" {
		t.Errorf("run %s: %+v", ss.RunFraudArchived, r1)
	}
	links, _ := q.RunDatasetListByRun(ctx, r1.RunID)
	var roles []string
	for _, l := range links {
		roles = append(roles, l.DatasetName+":"+l.DatasetRole)
	}
	deepEqual(t, "run 1's datasets", roles, []string{"transactions-2024:training", "transactions-holdout:validation"})
	for id, want := range map[string][]string{ss.RunFraudRunning: {"transactions-holdout:test"}, ss.RunResnetNaN: {"imagenet:training"}} {
		links, _ := q.RunDatasetListByRun(ctx, uuid.MustParse(id))
		var got []string
		for _, l := range links {
			got = append(got, l.DatasetName+":"+l.DatasetRole)
		}
		deepEqual(t, "datasets of "+id, got, want)
	}
	ds, err := q.DatasetGetByName(ctx, "transactions-2024")
	if err != nil || ds.DisplayName != "transactions 2024" || ds.StorageLocation != "s3://data/transactions-2024.parquet" || *ds.StorageFormat != "parquet" ||
		*ds.DataVersion != "d1a2b3c4" || !strings.Contains(*ds.Description, "digests d1a2b3c4, f0e1d2c3") {
		t.Errorf("transactions-2024: %+v %v", ds, err)
	}
	if _, err := q.TrainingRunGetByID(ctx, uuid.MustParse(ss.RunUnlinked)); err == nil {
		t.Error("a run no version names was imported")
	}

	// Aliases, lower-cased, each with one open period.
	for _, w := range []struct{ model, alias, semver string }{
		{"fraud-detector", "champion", "2.0.0"}, {"fraud-detector", "challenger", "3.0.0"}, {"modele-churn-ete", "prod", "1.0.0"},
	} {
		m, _ := q.ModelGetByName(ctx, w.model)
		h, err := q.ModelAliasHistory(ctx, m.ModelID, w.alias)
		if err != nil || len(h) != 1 || h[0].Semver != w.semver || h[0].ValidUntil != nil || h[0].SetBy != importer.DefaultActor {
			t.Errorf("%s@%s: %+v, %v", w.model, w.alias, h, err)
		}
	}
	if v == ss.MLflowCurrent {
		m, err := q.ModelGetByName(ctx, "team-b-fraud-detector")
		if err != nil || m.DisplayName != "team-b/Fraud Detector" || *m.Description != "Team B's own" {
			t.Errorf("team-b's model: %+v %v", m, err)
		}
		e, err := q.ExperimentGetByName(ctx, "team-b/Fraud Detection")
		if err != nil || e.ModelID == nil || *e.ModelID != m.ModelID {
			t.Errorf("team-b's experiment: %+v %v", e, err)
		}
	}
	check, err := integrity.RunSnapshot(ctx, reg)
	if err != nil || !check.OK() {
		t.Errorf("integrity: %+v %v", check, err)
	}
}

func sameJSONText(got json.RawMessage, want string) bool {
	var a, b any
	return json.Unmarshal(got, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && jsonEqual(a, b)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// TestMLflowReimport: importing again writes nothing; a dry run of a
// changed store writes nothing and reports what the real run then does;
// the run that finished, the version promoted and the alias moved are
// updated (the alias keeping its history); a version moved backwards is
// refused and nothing is written.
func TestMLflowReimport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, reg := mlflowSource(t, ss.MLflow2), newRegistry(t)
	mustImport(t)(importer.MLflow(ctx, src, reg, importer.Options{}))
	audit := auditRows(t, reg)
	again := mustImport(t)(importer.MLflow(ctx, src, reg, importer.Options{}))
	for name, c := range again.Entities {
		if c.Imported != 0 || c.Updated != 0 {
			t.Errorf("re-import %s: %+v", name, countsOf(c))
		}
	}
	wantCounts(t, again, map[string]counts{"training_runs": {read: 10, present: 7, outOfScope: 3}, "model_aliases": {read: 3, present: 3}})
	if n := auditRows(t, reg); n != audit {
		t.Errorf("re-import wrote %d audit rows", n-audit)
	}

	// The running run finishes; version 3 goes to Production and champion
	// moves to it; a run and a version are added.
	exec(t, src, `UPDATE runs SET status = 'FINISHED', end_time = $2 WHERE run_uuid = $1`, ss.RunFraudRunning, ss.BaseTime+6*hour)
	exec(t, src, `UPDATE latest_metrics SET value = 0.4, step = 5 WHERE run_uuid = $1 AND key = 'loss'`, ss.RunFraudRunning)
	exec(t, src, `UPDATE model_versions SET current_stage = 'Production' WHERE name = 'Fraud Detector' AND version = 3`)
	exec(t, src, `UPDATE registered_model_aliases SET version = 3 WHERE name = 'Fraud Detector' AND alias = 'champion'`)
	exec(t, src, `INSERT INTO runs (run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, experiment_id)
		VALUES ('c0ffee00000000000000000000000001', 'late', 'alice', 'FINISHED', $1, $2, 'active', 1)`, ss.BaseTime, ss.BaseTime+hour)
	exec(t, src, `INSERT INTO model_versions (name, version, creation_time, current_stage, source, run_id, status)
		VALUES ('resnet50', 2, $1, 'None', 's3://models/resnet50/2', 'c0ffee00000000000000000000000001', 'READY')`, ss.BaseTime+30*hour)
	exec(t, src, `INSERT INTO model_version_tags (key, value, name, version) VALUES ('framework', 'onnx', 'resnet50', 2)`)

	before := tableCounts(t, reg)
	dry := mustImport(t)(importer.MLflow(ctx, src, reg, importer.Options{DryRun: true, Actor: "sync-job"}))
	if after := tableCounts(t, reg); !equalCounts(before, after) {
		t.Errorf("the dry run changed the registry:\n%v\n%v", before, after)
	}
	lastAudit := auditMaxID(t, reg)
	changed := mustImport(t)(importer.MLflow(ctx, src, reg, importer.Options{Actor: "sync-job"}))
	sameReport(t, dry, changed)
	wantCounts(t, changed, map[string]counts{
		"training_runs":  {read: 11, imported: 1, updated: 1, present: 6, outOfScope: 3},
		"model_versions": {read: 11, imported: 1, updated: 1, present: 7, skipped: 2},
		"model_aliases":  {read: 3, updated: 1, present: 2},
	})
	q := registrydb.New(reg)
	run, _ := q.TrainingRunGetByID(ctx, uuid.MustParse(ss.RunFraudRunning))
	if run.Status != "succeeded" || !run.CompletedAt.Equal(ms(6*hour)) || *run.Loss != 0.4 {
		t.Errorf("the finished run: %s %v %v", run.Status, run.CompletedAt, deref(run.Loss))
	}
	fraud, _ := q.ModelGetByName(ctx, "fraud-detector")
	h, _ := q.ModelAliasHistory(ctx, fraud.ModelID, "champion")
	if len(h) != 2 || h[0].Semver != "3.0.0" || h[0].ValidUntil != nil || h[0].SetBy != "sync-job" || h[1].Semver != "2.0.0" || h[1].ValidUntil == nil {
		t.Errorf("champion's history: %+v", h)
	}
	v3, _ := q.ModelVersionGetBySemver(ctx, "fraud-detector", "3.0.0")
	if v3.Status != "deployed" || v3.PromotedToProductionAt == nil {
		t.Errorf("version 3: %s %v", v3.Status, v3.PromotedToProductionAt)
	}
	// The update's audit rows carry only the columns that changed.
	rows, err := reg.Query(ctx, `SELECT table_name, new_row FROM audit_log WHERE audit_id > $1 AND action = 'UPDATE' ORDER BY audit_id`, lastAudit)
	if err != nil {
		t.Fatal(err)
	}
	updated := map[string][]string{}
	for rows.Next() {
		var table string
		var row map[string]any
		if err := rows.Scan(&table, &row); err != nil {
			t.Fatal(err)
		}
		for k := range row {
			updated[table] = append(updated[table], k)
		}
	}
	for table, cols := range updated {
		sortStrings(cols)
		updated[table] = cols
	}
	deepEqual(t, "updated columns", updated, map[string][]string{
		"training_runs":  {"completed_at", "duration_seconds", "loss", "status"},
		"model_versions": {"promoted_to_production_at", "status"},
		"model_aliases":  {"valid_during", "valid_until"},
	})

	// Production back to Staging: refused, nothing written.
	exec(t, src, `UPDATE model_versions SET current_stage = 'Staging' WHERE name = 'Fraud Detector' AND version = 2`)
	before = tableCounts(t, reg)
	_, err = importer.MLflow(ctx, src, reg, importer.Options{})
	refused := refusal(t, err).Report.Entities["model_versions"].Refused
	if len(refused) != 1 || refused[0].Source != "Fraud Detector/2" || !strings.Contains(refused[0].Reason, "from deployed back to validated") {
		t.Errorf("refused: %s", notes(refused))
	}
	if after := tableCounts(t, reg); !equalCounts(before, after) {
		t.Errorf("a refused import changed the registry")
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestMLflowRefusal: a model whose name has nothing to slug and a version
// whose logged model is an mxnet one refuse the import, nothing written;
// with SkipInvalid the rest is imported and they are listed.
func TestMLflowRefusal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, reg := mlflowSource(t, ss.MLflowCurrent), newRegistry(t)
	exec(t, src, `INSERT INTO registered_models (name, creation_time) VALUES ('日本語モデル', $1)`, ss.BaseTime)
	exec(t, src, `INSERT INTO model_versions (name, version, creation_time, current_stage, source, status) VALUES ('日本語モデル', 1, $1, 'None', 's3://x', 'READY')`, ss.BaseTime)
	exec(t, src, `INSERT INTO runs (run_uuid, status, start_time, end_time, lifecycle_stage, experiment_id) VALUES ('d00d0000000000000000000000000001', 'FINISHED', $1, $1, 'active', 1)`, ss.BaseTime)
	exec(t, src, `INSERT INTO tags (key, value, run_uuid) VALUES ('mlflow.log-model.history', '[{"artifact_path": "model", "flavors": {"python_function": {}, "mxnet": {"mxnet_version": "1.9"}}}]', 'd00d0000000000000000000000000001')`)
	exec(t, src, `INSERT INTO model_versions (name, version, creation_time, current_stage, source, run_id, status) VALUES ('resnet50', 2, $1, 'None', 'runs:/d00d0000000000000000000000000001/model', 'd00d0000000000000000000000000001', 'READY')`, ss.BaseTime)

	before := tableCounts(t, reg)
	r, err := importer.MLflow(ctx, src, reg, importer.Options{})
	refusal(t, err)
	checkBalanced(t, r)
	if after := tableCounts(t, reg); !equalCounts(before, after) {
		t.Errorf("a refused import changed the registry")
	}
	deepEqual(t, "refused models", r.Entities["models"].Refused, []importer.RowNote{
		{Source: "日本語モデル", Reason: `the name "日本語モデル" has no letter or digit a registry name (a-z, 0-9, -) can spell`}})
	versions := r.Entities["model_versions"].Refused
	if len(versions) != 2 || versions[0].Source != "resnet50/2" ||
		!strings.HasPrefix(versions[0].Reason, "its run's logged model has flavors mxnet, python_function, none a framework the registry knows") ||
		versions[1] != (importer.RowNote{Source: "日本語モデル/1", Reason: "its model was refused"}) {
		t.Errorf("refused versions:\n%s", notes(versions))
	}

	r = mustImport(t)(importer.MLflow(ctx, src, reg, importer.Options{SkipInvalid: true}))
	if n := len(r.Entities["model_versions"].Refused); n != 2 || r.Entities["model_versions"].Imported != 9 {
		t.Errorf("SkipInvalid versions: %+v", countsOf(r.Entities["model_versions"]))
	}
}

// TestMLflowNotAStore refuses a database without MLflow's tables.
func TestMLflowNotAStore(t *testing.T) {
	t.Parallel()
	_, err := importer.MLflow(context.Background(), newSource(t), newRegistry(t), importer.Options{})
	if err == nil || !strings.Contains(err.Error(), "not an MLflow backend store") {
		t.Errorf("err = %v", err)
	}
}
