package queries_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// convert turns rows of one generated type into another with the same JSON
// names: an export query's rows into an ...ImportManyCopyFrom's params.
func convert[P any, R any](t *testing.T, rows []R) []P {
	t.Helper()
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	var out []P
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExportQueries reads each table through its Export query, all rows
// and by key, a page at a time.
func TestExportQueries(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	all := func(n int) int32 { return int32(n) }
	none := []uuid.UUID{}

	teams := res(q.TeamExport(ctx, registrydb.TeamExportParams{AllRows: true, TeamIds: none, MaxRows: 100})).must(t)
	if len(teams) != 1 || teams[0].TeamID != f.TeamID {
		t.Errorf("TeamExport(all) = %+v", teams)
	}
	if got := res(q.TeamExport(ctx, registrydb.TeamExportParams{TeamIds: none, MaxRows: 100})).must(t); len(got) != 0 {
		t.Errorf("TeamExport of no keys = %d rows", len(got))
	}
	users := res(q.UserExport(ctx, registrydb.UserExportParams{UserIds: []uuid.UUID{f.UserID}, MaxRows: 100})).must(t)
	if len(users) != 1 || users[0].UserID != f.UserID {
		t.Errorf("UserExport(key) = %+v", users)
	}
	// Keyset pages of one row walk every environment in id order.
	var envIDs []int32
	after := int32(0)
	for {
		page := res(q.EnvironmentExport(ctx, registrydb.EnvironmentExportParams{AfterID: after, AllRows: true, EnvironmentIds: []int32{}, MaxRows: all(1)})).must(t)
		if len(page) == 0 {
			break
		}
		envIDs = append(envIDs, page[0].EnvironmentID)
		after = page[0].EnvironmentID
	}
	if len(envIDs) != len(seededEnvironments) {
		t.Errorf("EnvironmentExport pages: %v", envIDs)
	}
	tags := res(q.TagExport(ctx, registrydb.TagExportParams{TagIds: []uuid.UUID{f.TagID}, MaxRows: 100})).must(t)
	if len(tags) != 1 || tags[0].TagCategory != "domain" {
		t.Errorf("TagExport(key) = %+v", tags)
	}
	models := res(q.ModelExport(ctx, registrydb.ModelExportParams{ModelIds: []uuid.UUID{f.ModelID}, MaxRows: 100})).must(t)
	if len(models) != 1 || models[0].ModelName != f.ModelName {
		t.Errorf("ModelExport = %+v", models)
	}
	versions := res(q.ModelVersionExportByModels(ctx, registrydb.ModelVersionExportByModelsParams{ModelIds: []uuid.UUID{f.ModelID}, MaxRows: 100})).must(t)
	if len(versions) != 1 || versions[0].VersionID != f.VersionID {
		t.Errorf("ModelVersionExportByModels = %+v", versions)
	}
	datasets := res(q.DatasetExport(ctx, registrydb.DatasetExportParams{AllRows: true, DatasetIds: none, MaxRows: 100})).must(t)
	if len(datasets) != 1 || datasets[0].DatasetID != f.DatasetID {
		t.Errorf("DatasetExport = %+v", datasets)
	}
	// An experiment is exported by its key or by its model's.
	for _, p := range []registrydb.ExperimentExportParams{
		{ExperimentIds: []uuid.UUID{f.ExperimentID}, ModelIds: none, MaxRows: 100},
		{ExperimentIds: none, ModelIds: []uuid.UUID{f.ModelID}, MaxRows: 100},
	} {
		if got := res(q.ExperimentExport(ctx, p)).must(t); len(got) != 1 || got[0].ExperimentID != f.ExperimentID {
			t.Errorf("ExperimentExport(%+v) = %+v", p, got)
		}
	}
	byVersion := []uuid.UUID{f.VersionID}
	if got := res(q.TrainingRunExportByVersions(ctx, registrydb.TrainingRunExportByVersionsParams{VersionIds: byVersion, MaxRows: 100})).must(t); len(got) != 1 || got[0].RunID != f.RunID {
		t.Errorf("TrainingRunExportByVersions = %+v", got)
	}
	if got := res(q.RunDatasetExportByRuns(ctx, registrydb.RunDatasetExportByRunsParams{RunIds: []uuid.UUID{f.RunID}, MaxRows: 100})).must(t); len(got) != 1 || got[0].DatasetID != f.DatasetID {
		t.Errorf("RunDatasetExportByRuns = %+v", got)
	}
	// The keyset of a composite key starts after the given one.
	if got := res(q.RunDatasetExportAll(ctx, registrydb.RunDatasetExportAllParams{AfterRunID: f.RunID, AfterDatasetID: f.DatasetID, AfterRole: "training",
		MaxRows: 100})).must(t); len(got) != 0 {
		t.Errorf("RunDatasetExportAll after the only link = %+v", got)
	}
	if got := res(q.DeploymentExportByVersions(ctx, registrydb.DeploymentExportByVersionsParams{VersionIds: byVersion, MaxRows: 100})).must(t); len(got) != 1 || got[0].DeploymentID != f.DeploymentID {
		t.Errorf("DeploymentExportByVersions = %+v", got)
	}
	if got := res(q.ApprovalExport(ctx, registrydb.ApprovalExportParams{VersionIds: byVersion, MaxRows: 100})).must(t); len(got) != 1 || got[0].ApprovalID != f.ApprovalID {
		t.Errorf("ApprovalExport = %+v", got)
	}
	if got := res(q.ModelTagExport(ctx, registrydb.ModelTagExportParams{ModelIds: []uuid.UUID{f.ModelID}, MaxRows: 100})).must(t); len(got) != 1 || got[0].TagID != f.TagID {
		t.Errorf("ModelTagExport = %+v", got)
	}
	if got := res(q.DatasetTagExport(ctx, registrydb.DatasetTagExportParams{DatasetIds: []uuid.UUID{f.DatasetID}, MaxRows: 100})).must(t); len(got) != 1 || got[0].TagID != f.TagID {
		t.Errorf("DatasetTagExport = %+v", got)
	}
	aliases := res(q.ModelAliasExport(ctx, registrydb.ModelAliasExportParams{ModelIds: []uuid.UUID{f.ModelID}, MaxRows: 100})).must(t)
	if len(aliases) != 1 || aliases[0].AliasID != f.AliasID || aliases[0].ValidUntil != nil || aliases[0].Alias != "champion" {
		t.Errorf("ModelAliasExport = %+v", aliases)
	}
}

// TestImportQueries copies the fixture, table by table, through the
// ...ImportManyCopyFrom queries into an empty registry, checks it with
// RegistryKeyCounts, and runs the lookups and the owned-column updates.
func TestImportQueries(t *testing.T) {
	t.Parallel()
	ctx, _, src, f := setup(t)
	dstPool := pgtest.NewPool(t)
	q := registrydb.New(dstPool)
	none := []uuid.UUID{}
	page := int32(1000)
	copied := func(what string, n int64, err error, want int) {
		t.Helper()
		if err != nil || n != int64(want) {
			t.Fatalf("%s: copied %d rows, %v; want %d", what, n, err, want)
		}
	}
	teams := convert[registrydb.TeamInsertManyCopyFromParams](t, res(src.TeamExport(ctx, registrydb.TeamExportParams{AllRows: true, TeamIds: none, MaxRows: page})).must(t))
	n, err := q.TeamInsertManyCopyFrom(ctx, teams)
	copied("teams", n, err, 1)
	users := convert[registrydb.UserImportManyCopyFromParams](t, res(src.UserExport(ctx, registrydb.UserExportParams{AllRows: true, UserIds: none, MaxRows: page})).must(t))
	n, err = q.UserImportManyCopyFrom(ctx, users)
	copied("users", n, err, 1)
	// An environment of an id past the seeded ones, then the sequence moved past it.
	n, err = q.EnvironmentImportManyCopyFrom(ctx, []registrydb.EnvironmentImportManyCopyFromParams{
		{EnvironmentID: 40, EnvironmentName: "edge-eu", EnvironmentType: "production", Priority: ptr32(5)}})
	copied("environments", n, err, 1)
	must(t, q.EnvironmentSequenceSync(ctx))
	if env := res(q.EnvironmentCreate(ctx, registrydb.EnvironmentCreateParams{EnvironmentName: "edge-us", EnvironmentType: "production"})).must(t); env.EnvironmentID != 41 {
		t.Errorf("the environment after EnvironmentSequenceSync got id %d, want 41", env.EnvironmentID)
	}
	// A tag is matched by category and value: the fixture's is a seeded one.
	srcTag := res(src.TagGetByID(ctx, f.TagID)).must(t)
	found := res(q.TagImportLookup(ctx, []string{srcTag.TagCategory + "\x1f" + srcTag.TagValue, "custom\x1fabsent", "custom\x1f" + srcTag.TagValue})).must(t)
	if len(found) != 1 || found[0].TagCategory != "domain" || found[0].TagValue != srcTag.TagValue {
		t.Fatalf("TagImportLookup = %+v", found)
	}
	dstTag := found[0].TagID
	newTag := registrydb.TagImportManyCopyFromParams{TagID: uuid.New(), TagCategory: "custom", TagValue: "copied", CreatedAt: srcTag.CreatedAt}
	n, err = q.TagImportManyCopyFrom(ctx, []registrydb.TagImportManyCopyFromParams{newTag})
	copied("tags", n, err, 1)

	models := convert[registrydb.ModelImportManyCopyFromParams](t, res(src.ModelExport(ctx, registrydb.ModelExportParams{AllRows: true, ModelIds: none, MaxRows: page})).must(t))
	n, err = q.ModelImportManyCopyFrom(ctx, models)
	copied("models", n, err, 1)
	versions := convert[registrydb.ModelVersionImportManyCopyFromParams](t, res(src.ModelVersionExportAll(ctx, uuid.Nil, page)).must(t))
	n, err = q.ModelVersionImportManyCopyFrom(ctx, versions)
	copied("model_versions", n, err, 1)
	datasets := convert[registrydb.DatasetImportManyCopyFromParams](t, res(src.DatasetExport(ctx, registrydb.DatasetExportParams{AllRows: true, DatasetIds: none, MaxRows: page})).must(t))
	n, err = q.DatasetImportManyCopyFrom(ctx, datasets)
	copied("datasets", n, err, 1)
	exps := convert[registrydb.ExperimentImportManyCopyFromParams](t, res(src.ExperimentExport(ctx, registrydb.ExperimentExportParams{AllRows: true, ExperimentIds: none, ModelIds: none, MaxRows: page})).must(t))
	n, err = q.ExperimentImportManyCopyFrom(ctx, exps)
	copied("experiments", n, err, 1)
	approvals := convert[registrydb.ApprovalImportManyCopyFromParams](t, res(src.ApprovalExport(ctx, registrydb.ApprovalExportParams{AllRows: true, VersionIds: none, MaxRows: page})).must(t))
	n, err = q.ApprovalImportManyCopyFrom(ctx, approvals)
	copied("approvals", n, err, 1)
	runs := convert[registrydb.TrainingRunImportManyCopyFromParams](t, res(src.TrainingRunExportAll(ctx, uuid.Nil, page)).must(t))
	n, err = q.TrainingRunImportManyCopyFrom(ctx, runs)
	copied("training_runs", n, err, 1)
	links := convert[registrydb.RunDatasetImportManyCopyFromParams](t, res(src.RunDatasetExportAll(ctx, registrydb.RunDatasetExportAllParams{MaxRows: page})).must(t))
	n, err = q.RunDatasetImportManyCopyFrom(ctx, links)
	copied("run_datasets", n, err, 1)
	deployments := convert[registrydb.DeploymentImportManyCopyFromParams](t, res(src.DeploymentExportAll(ctx, uuid.Nil, page)).must(t))
	n, err = q.DeploymentImportManyCopyFrom(ctx, deployments)
	copied("deployments", n, err, 1)
	modelTags := convert[registrydb.ModelTagInsertManyCopyFromParams](t, res(src.ModelTagExport(ctx, registrydb.ModelTagExportParams{AllRows: true, ModelIds: none, MaxRows: page})).must(t))
	datasetTags := convert[registrydb.DatasetTagInsertManyCopyFromParams](t, res(src.DatasetTagExport(ctx, registrydb.DatasetTagExportParams{AllRows: true, DatasetIds: none, MaxRows: page})).must(t))
	modelTags[0].TagID, datasetTags[0].TagID = dstTag, dstTag
	n, err = q.ModelTagInsertManyCopyFrom(ctx, modelTags)
	copied("model_tags", n, err, 1)
	n, err = q.DatasetTagInsertManyCopyFrom(ctx, datasetTags)
	copied("dataset_tags", n, err, 1)
	aliases := convert[registrydb.ModelAliasImportHistoryParams](t, res(src.ModelAliasExport(ctx, registrydb.ModelAliasExportParams{AllRows: true, ModelIds: none, MaxRows: page})).must(t))
	for _, a := range aliases {
		must(t, q.ModelAliasImportHistory(ctx, a))
	}
	// A second restore of the same alias's history is refused: a restore
	// builds a history, it never rewrites or extends one.
	if err := q.ModelAliasImportHistory(ctx, aliases[0]); err == nil {
		t.Error("restoring an alias that has a history already was accepted")
	}

	// Every row is where it was, ids and all.
	for what, same := range map[string]bool{
		"model":      res(q.ModelGetByID(ctx, f.ModelID)).must(t).UpdatedAt.Equal(*res(src.ModelGetByID(ctx, f.ModelID)).must(t).UpdatedAt),
		"run":        res(q.TrainingRunGetByID(ctx, f.RunID)).must(t).CompletedAt.Equal(*res(src.TrainingRunGetByID(ctx, f.RunID)).must(t).CompletedAt),
		"deployment": res(q.DeploymentGetByID(ctx, f.DeploymentID)).must(t).DeployedAt.Equal(*res(src.DeploymentGetByID(ctx, f.DeploymentID)).must(t).DeployedAt),
	} {
		if !same {
			t.Errorf("the copied %s differs", what)
		}
	}
	// The copied alias keeps its id, and the next move gets a later one.
	moved := res(q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: "champion", VersionID: f.VersionID})).must(t)
	if moved.AliasID != f.AliasID {
		t.Errorf("moving champion to the version it names returned alias %d, want the copied %d", moved.AliasID, f.AliasID)
	}
	v2 := res(q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{ModelID: f.ModelID, Semver: "2.0.0", ArtifactURI: "s3://fixture/2.0.0/",
		Framework: "onnx", RegisteredBy: "fixture-user"})).must(t)
	if moved = res(q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: "champion", VersionID: v2.VersionID})).must(t); moved.AliasID <= f.AliasID {
		t.Errorf("the move after the restore got alias id %d, not past the copied %d", moved.AliasID, f.AliasID)
	}
	counts := res(q.RegistryKeyCounts(ctx, registrydb.RegistryKeyCountsParams{
		TeamIds: []uuid.UUID{f.TeamID}, UserIds: []uuid.UUID{f.UserID}, EnvironmentIds: []int32{40, 41, 99},
		ModelIds: []uuid.UUID{f.ModelID, uuid.New()}, VersionIds: []uuid.UUID{f.VersionID}, DatasetIds: []uuid.UUID{f.DatasetID},
		ExperimentIds: []uuid.UUID{f.ExperimentID}, RunIds: []uuid.UUID{f.RunID},
		LinkKeys:      []string{f.RunID.String() + "|" + f.DatasetID.String() + "|training", f.RunID.String() + "|" + f.DatasetID.String() + "|test"},
		DeploymentIds: []uuid.UUID{f.DeploymentID}, ApprovalIds: []uuid.UUID{f.ApprovalID}, TagIds: []uuid.UUID{dstTag, newTag.TagID},
		ModelTagKeys:   []string{f.ModelID.String() + "|" + dstTag.String()},
		DatasetTagKeys: []string{f.DatasetID.String() + "|" + dstTag.String(), f.DatasetID.String() + "|" + newTag.TagID.String()},
		AliasKeys:      []string{f.ModelID.String() + "|" + f.VersionID.String() + "|champion", f.ModelID.String() + "|" + v2.VersionID.String() + "|champion"},
		AliasIds:       []int64{f.AliasID},
	})).must(t)
	want := registrydb.RegistryKeyCountsRow{Teams: 1, Users: 1, Environments: 2, Models: 1, ModelVersions: 1, Datasets: 1, Experiments: 1,
		TrainingRuns: 1, RunDatasets: 1, Deployments: 1, Approvals: 1, Tags: 2, ModelTags: 1, DatasetTags: 1, CurrentAliases: 1, AliasPeriods: 1}
	if counts != want {
		t.Errorf("RegistryKeyCounts = %+v, want %+v", counts, want)
	}

	// Lookups find rows by key or by name.
	if got := res(q.ModelImportLookup(ctx, none, []string{f.ModelName, "absent"})).must(t); len(got) != 1 || got[0].ModelID != f.ModelID {
		t.Errorf("ModelImportLookup(name) = %+v", got)
	}
	if got := res(q.ModelImportLookup(ctx, []uuid.UUID{f.ModelID}, []string{})).must(t); len(got) != 1 {
		t.Errorf("ModelImportLookup(id) = %+v", got)
	}
	if got := res(q.ModelVersionImportListByModels(ctx, []uuid.UUID{f.ModelID})).must(t); len(got) != 2 || !slices.ContainsFunc(got, func(v registrydb.ModelVersionImportListByModelsRow) bool {
		return v.Semver == "1.0.0" && v.Status == "registered"
	}) {
		t.Errorf("ModelVersionImportListByModels = %+v", got)
	}
	if got := res(q.ExperimentImportLookup(ctx, none, []string{"fixture-exp"})).must(t); len(got) != 1 || got[0].ExperimentID != f.ExperimentID {
		t.Errorf("ExperimentImportLookup = %+v", got)
	}
	if got := res(q.DatasetImportLookup(ctx, []uuid.UUID{f.DatasetID}, []string{})).must(t); len(got) != 1 {
		t.Errorf("DatasetImportLookup = %+v", got)
	}
	if got := res(q.TrainingRunImportLookup(ctx, []uuid.UUID{f.RunID, uuid.New()})).must(t); len(got) != 1 {
		t.Errorf("TrainingRunImportLookup = %+v", got)
	}
	if got := res(q.RunDatasetImportListByRuns(ctx, []uuid.UUID{f.RunID})).must(t); len(got) != 1 || got[0].DatasetRole != "training" {
		t.Errorf("RunDatasetImportListByRuns = %+v", got)
	}
	if got := res(q.ModelTagImportListByModels(ctx, []uuid.UUID{f.ModelID})).must(t); len(got) != 1 || got[0].TagID != dstTag {
		t.Errorf("ModelTagImportListByModels = %+v", got)
	}
	if got := res(q.ModelAliasImportListCurrent(ctx, []uuid.UUID{f.ModelID})).must(t); len(got) != 1 || got[0].VersionID != v2.VersionID {
		t.Errorf("ModelAliasImportListCurrent = %+v", got)
	}

	// The owned-column updates.
	must(t, q.ModelImportUpdate(ctx, registrydb.ModelImportUpdateParams{ModelID: f.ModelID, DisplayName: "Renamed", Description: ptr("from the source")}))
	if m := res(q.ModelGetByID(ctx, f.ModelID)).must(t); m.DisplayName != "Renamed" || *m.Description != "from the source" {
		t.Errorf("ModelImportUpdate: %+v", m)
	}
	must(t, q.ModelVersionImportUpdate(ctx, registrydb.ModelVersionImportUpdateParams{VersionID: f.VersionID, Status: "validated", Description: ptr("staged")}))
	if v := res(q.ModelVersionGetByID(ctx, f.VersionID)).must(t); v.Status != "validated" || *v.Description != "staged" {
		t.Errorf("ModelVersionImportUpdate: %+v", v)
	}
	err = q.ModelVersionImportUpdate(ctx, registrydb.ModelVersionImportUpdateParams{VersionID: f.VersionID, Status: "registered"})
	wantConstraint(t, "ModelVersionImportUpdate backwards", err, "version_lifecycle")
	run := res(q.TrainingRunGetByID(ctx, f.RunID)).must(t)
	must(t, q.TrainingRunImportUpdate(ctx, registrydb.TrainingRunImportUpdateParams{RunID: f.RunID, Status: "succeeded", Accuracy: regtest.Ptr(0.95),
		CustomMetrics: json.RawMessage(`{"rmse": "NaN"}`), Hyperparameters: json.RawMessage(`{"lr": "0.1"}`), StartedAt: run.StartedAt, CompletedAt: run.CompletedAt}))
	if r := res(q.TrainingRunGetByID(ctx, f.RunID)).must(t); *r.Accuracy != 0.95 || string(r.CustomMetrics) != `{"rmse": "NaN"}` || r.RunName != nil {
		t.Errorf("TrainingRunImportUpdate: %+v", r)
	}
}
