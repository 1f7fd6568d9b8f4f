package queries_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestLineageByModel reads the fixture model's graph after adding a version
// 2.0.0 with a run that used no dataset, an approval and a staging
// deployment, and a validation dataset to the fixture's run.
func TestLineageByModel(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	v2 := register(t, q, f.ModelID, "2.0.0")
	run2 := res(q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: v2.VersionID, RunName: ptr("v2-run")})).must(t)
	appr2 := res(q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: v2.VersionID, ApprovalType: "technical", RequestedBy: "fixture-user"})).must(t)
	dep2 := res(q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: v2.VersionID, EnvironmentName: "staging", DeployedBy: "fixture-user"})).must(t)
	holdout := res(q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: "holdout", DisplayName: "Holdout", StorageLocation: "s3://h/"})).must(t)
	must(t, q.RunDatasetAttach(ctx, registrydb.RunDatasetAttachParams{RunID: f.RunID, DatasetID: holdout.DatasetID, DatasetRole: "validation"}))
	// Another model's rows never show up in this model's lineage.
	stranger := res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "stranger", DisplayName: "Stranger"})).must(t)
	sv := register(t, q, stranger.ModelID, "5.0.0")
	res(q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: sv.VersionID})).must(t)
	res(q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: sv.VersionID, EnvironmentName: "qa", DeployedBy: "x"})).must(t)

	one := ptr("1.0.0")
	for _, c := range []struct {
		semver *string
		want   []string
	}{{nil, []string{"2.0.0", "1.0.0"}}, {one, []string{"1.0.0"}}, {ptr("3.0.0"), []string{}}} {
		rows := res(q.LineageVersionsByModel(ctx, f.ModelID, c.semver)).must(t)
		if got := field(rows, func(r registrydb.LineageVersionsByModelRow) string { return r.Semver }); !equal(got, c.want) {
			t.Errorf("LineageVersionsByModel(semver %v) = %v, want %v", deref(c.semver), got, c.want)
		}
	}

	// One row per run and dataset, newest version first; NULLs for a run without datasets.
	type runRow struct {
		run     uuid.UUID
		role    string
		dataset string
	}
	runRows := func(semver *string) []runRow {
		rows := res(q.LineageRunsByModel(ctx, f.ModelID, semver)).must(t)
		return field(rows, func(r registrydb.LineageRunsByModelRow) runRow {
			role, ds := "<nil>", "<nil>"
			if r.DatasetRole != nil {
				role, ds = *r.DatasetRole, *r.DatasetName
			}
			return runRow{r.RunID, role, ds}
		})
	}
	wantRuns := []runRow{{run2.RunID, "<nil>", "<nil>"}, {f.RunID, "training", "fixture_data-2024"}, {f.RunID, "validation", "holdout"}}
	if got := runRows(nil); !equal(got, wantRuns) {
		t.Errorf("LineageRunsByModel = %v, want %v", got, wantRuns)
	}
	if got := runRows(one); !equal(got, wantRuns[1:]) {
		t.Errorf("LineageRunsByModel(1.0.0) = %v, want %v", got, wantRuns[1:])
	}

	// Each version's approvals and deployments come as JSON arrays.
	type linked struct {
		ApprovalID      uuid.UUID  `json:"approval_id"`
		DeploymentID    uuid.UUID  `json:"deployment_id"`
		EnvironmentName string     `json:"environment_name"`
		Status          string     `json:"status"`
		UndeployedAt    *time.Time `json:"undeployed_at"`
	}
	decode := func(raw []byte) []linked {
		var out []linked
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return out
	}
	// versionLinks lists, newest version first, what pick reads of each link.
	versionLinks := func(semver *string, column func(registrydb.LineageVersionsByModelRow) []byte, pick func(linked) uuid.UUID) []uuid.UUID {
		ids := []uuid.UUID{}
		for _, v := range res(q.LineageVersionsByModel(ctx, f.ModelID, semver)).must(t) {
			for _, l := range decode(column(v)) {
				ids = append(ids, pick(l))
			}
		}
		return ids
	}
	approvalsColumn := func(v registrydb.LineageVersionsByModelRow) []byte { return v.Approvals }
	deploymentsColumn := func(v registrydb.LineageVersionsByModelRow) []byte { return v.Deployments }
	wantApprovals := []uuid.UUID{appr2.ApprovalID, f.ApprovalID}
	approvals := func(semver *string) []uuid.UUID {
		return versionLinks(semver, approvalsColumn, func(l linked) uuid.UUID { return l.ApprovalID })
	}
	if got := approvals(nil); !equal(got, wantApprovals) {
		t.Errorf("LineageVersionsByModel approvals = %v, want %v", got, wantApprovals)
	}
	if got := approvals(one); !equal(got, wantApprovals[1:]) {
		t.Errorf("LineageVersionsByModel(1.0.0) approvals = %v, want %v", got, wantApprovals[1:])
	}

	// Every deployment, undeployed ones included (history stays).
	deployments := func(semver *string) []uuid.UUID {
		return versionLinks(semver, deploymentsColumn, func(l linked) uuid.UUID { return l.DeploymentID })
	}
	both := []uuid.UUID{dep2.DeploymentID, f.DeploymentID}
	if got := deployments(nil); !equal(got, both) {
		t.Errorf("LineageVersionsByModel deployments = %v, want %v", got, both)
	}
	if got := deployments(one); !equal(got, both[1:]) {
		t.Errorf("LineageVersionsByModel(1.0.0) deployments = %v, want %v", got, both[1:])
	}
	res(q.DeploymentUndeploy(ctx, ptr("fixture-user"), f.DeploymentID)).must(t)
	if got := deployments(nil); !equal(got, both) {
		t.Errorf("every deployment after the undeploy = %v, want %v (history stays)", got, both)
	}
	versions := res(q.LineageVersionsByModel(ctx, f.ModelID, nil)).must(t)
	staging, dev := decode(versions[0].Deployments), decode(versions[1].Deployments)
	if len(staging) != 1 || staging[0].EnvironmentName != "staging" || len(dev) != 1 || dev[0].EnvironmentName != "dev" ||
		dev[0].Status != "inactive" || dev[0].UndeployedAt == nil {
		t.Errorf("deployments = %+v and %+v", staging, dev)
	}
}

// TestImpactByDataset finds the runs that used a dataset and the active
// deployments of the versions they trained, across models.
func TestImpactByDataset(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	// "another-model" 0.2.0 used the fixture's dataset for validation, and is live in staging.
	another := res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "another-model", DisplayName: "Another"})).must(t)
	av := register(t, q, another.ModelID, "0.2.0")
	arun := res(q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: av.VersionID, RunName: ptr("another-run")})).must(t)
	must(t, q.RunDatasetAttach(ctx, registrydb.RunDatasetAttachParams{RunID: arun.RunID, DatasetID: f.DatasetID, DatasetRole: "validation"}))
	adep := res(q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: av.VersionID, EnvironmentName: "staging", DeployedBy: "x", TrafficPercentage: ptr32(50)})).must(t)
	// A version trained without the dataset is not affected even if live.
	free := register(t, q, f.ModelID, "1.5.0")
	res(q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: free.VersionID, EnvironmentName: "qa", DeployedBy: "x"})).must(t)

	runs := res(q.ImpactRunsByDataset(ctx, f.DatasetID)).must(t)
	type runRow struct{ model, semver, run, role string }
	got := field(runs, func(r registrydb.ImpactRunsByDatasetRow) runRow {
		return runRow{r.ModelName, r.Semver, val(r.RunName), r.DatasetRole}
	})
	want := []runRow{{"another-model", "0.2.0", "another-run", "validation"}, {"fixture-model", "1.0.0", "fixture-run", "training"}}
	if !equal(got, want) {
		t.Errorf("ImpactRunsByDataset = %v, want %v", got, want)
	}
	if runs[1].RunID != f.RunID || runs[1].VersionID != f.VersionID || runs[1].RunStatus != "succeeded" || runs[1].VersionStatus != "registered" {
		t.Errorf("fixture's impact row = %+v", runs[1])
	}

	type depRow struct {
		model, semver, env string
		id                 uuid.UUID
		traffic            int32
	}
	active := func() []depRow {
		rows := res(q.ImpactActiveDeploymentsByDataset(ctx, f.DatasetID)).must(t)
		return field(rows, func(r registrydb.ImpactActiveDeploymentsByDatasetRow) depRow {
			return depRow{r.ModelName, r.Semver, r.EnvironmentName, r.DeploymentID, val(r.TrafficPercentage)}
		})
	}
	wantDeps := []depRow{{"another-model", "0.2.0", "staging", adep.DeploymentID, 50}, {"fixture-model", "1.0.0", "dev", f.DeploymentID, 100}}
	if got := active(); !equal(got, wantDeps) {
		t.Errorf("ImpactActiveDeploymentsByDataset = %v, want %v", got, wantDeps)
	}
	res(q.DeploymentUndeploy(ctx, ptr("x"), f.DeploymentID)).must(t)
	if got := active(); !equal(got, wantDeps[:1]) {
		t.Errorf("ImpactActiveDeploymentsByDataset after undeploying dev = %v, want %v", got, wantDeps[:1])
	}

	unused := res(q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: "unused", DisplayName: "Unused", StorageLocation: "s3://u/"})).must(t)
	if runs := res(q.ImpactRunsByDataset(ctx, unused.DatasetID)).must(t); len(runs) != 0 {
		t.Errorf("ImpactRunsByDataset of an unused dataset: %d rows", len(runs))
	}
	if deps := res(q.ImpactActiveDeploymentsByDataset(ctx, unused.DatasetID)).must(t); len(deps) != 0 {
		t.Errorf("ImpactActiveDeploymentsByDataset of an unused dataset: %d rows", len(deps))
	}
}
