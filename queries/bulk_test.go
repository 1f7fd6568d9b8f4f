package queries_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// TestBulkLoadCopyFrom loads a small registry with every entity's
// InsertManyCopyFrom, parents first, checks each count, the rows read back,
// and ReportRowCounts grown by exactly what was copied.
func TestBulkLoadCopyFrom(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	before := res(q.ReportRowCounts(ctx)).must(t)
	if before.Models != 1 || before.ModelVersions != 1 || before.Environments != int64(len(seededEnvironments)) || before.Tags != seededTags ||
		before.TrainingRuns != 1 || before.RunDatasets != 1 || before.ModelTags != 1 || before.DatasetTags != 1 {
		t.Fatalf("ReportRowCounts of the fixture = %+v", before)
	}

	copied := func(what string, n int64, err error, want int) {
		t.Helper()
		if err != nil || n != int64(want) {
			t.Fatalf("%s: copied %d rows, %v; want %d", what, n, err, want)
		}
	}
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }

	teams := []registrydb.TeamInsertManyCopyFromParams{
		{TeamID: uuid.New(), TeamName: "bulk-risk", TeamEmail: ptr("risk@example.com"), CreatedAt: at(0)},
		{TeamID: uuid.New(), TeamName: "bulk-growth", CreatedAt: at(time.Minute)},
	}
	n, err := q.TeamInsertManyCopyFrom(ctx, teams)
	copied("teams", n, err, len(teams))
	users := []registrydb.UserInsertManyCopyFromParams{
		{UserID: uuid.New(), Username: "bulk.ann", Email: "bulk.ann@example.com", TeamID: &teams[0].TeamID, CreatedAt: t0},
		{UserID: uuid.New(), Username: "bulk.bob", Email: "bulk.bob@example.com", DisplayName: ptr("Bob"), CreatedAt: t0},
	}
	n, err = q.UserInsertManyCopyFrom(ctx, users)
	copied("users", n, err, len(users))
	models := []registrydb.ModelInsertManyCopyFromParams{
		{ModelID: uuid.New(), ModelName: "bulk-fraud", DisplayName: "Bulk Fraud", TeamID: &teams[0].TeamID, RiskLevel: ptr("critical"),
			ComplianceRequired: regtest.Ptr(true), CreatedAt: at(0), UpdatedAt: at(time.Hour), CreatedBy: ptr("bulk.ann")},
		{ModelID: uuid.New(), ModelName: "bulk-upsell", DisplayName: "Bulk Upsell", TeamID: &teams[1].TeamID, RiskLevel: ptr("low"),
			ComplianceRequired: regtest.Ptr(false), CreatedAt: at(0), UpdatedAt: at(0), CreatedBy: ptr("bulk.bob")},
	}
	n, err = q.ModelInsertManyCopyFrom(ctx, models)
	copied("models", n, err, len(models))
	fraud, upsell := models[0].ModelID, models[1].ModelID
	versions := []registrydb.ModelVersionInsertManyCopyFromParams{
		{VersionID: uuid.New(), ModelID: fraud, Semver: "0.9.0", ArtifactURI: "s3://bulk/0.9.0/", Framework: "xgboost", Status: "deprecated",
			RegisteredBy: "bulk.ann", RegisteredAt: at(time.Hour), DeprecatedAt: at(3 * time.Hour), DeprecationReason: ptr("superseded")},
		{VersionID: uuid.New(), ModelID: fraud, Semver: "1.0.0", ArtifactURI: "s3://bulk/1.0.0/", Framework: "xgboost", Status: "deployed",
			RegisteredBy: "bulk.ann", RegisteredAt: at(2 * time.Hour), PromotedToProductionAt: at(3 * time.Hour), BenchmarkAccuracy: regtest.Ptr(0.97)},
		{VersionID: uuid.New(), ModelID: upsell, Semver: "2.0.0", ArtifactURI: "s3://bulk/2.0.0/", Framework: "lightgbm", Status: "registered",
			RegisteredBy: "bulk.bob", RegisteredAt: at(2 * time.Hour)},
	}
	n, err = q.ModelVersionInsertManyCopyFrom(ctx, versions)
	copied("model versions", n, err, len(versions))
	datasets := []registrydb.DatasetInsertManyCopyFromParams{
		{DatasetID: uuid.New(), DatasetName: "bulk_txns", DisplayName: "Transactions", StorageLocation: "s3://bulk/txns/", StorageFormat: ptr("parquet"),
			TeamID: &teams[0].TeamID, RowCount: regtest.Ptr[int64](1_000_000), ContainsPII: regtest.Ptr(true), DataClassification: ptr("restricted"),
			CreatedAt: at(0), CreatedBy: ptr("bulk.ann")},
		{DatasetID: uuid.New(), DatasetName: "bulk_clicks", DisplayName: "Clicks", StorageLocation: "s3://bulk/clicks/",
			ContainsPII: regtest.Ptr(false), DataClassification: ptr("internal"), CreatedAt: at(0), CreatedBy: ptr("bulk.bob")},
	}
	n, err = q.DatasetInsertManyCopyFrom(ctx, datasets)
	copied("datasets", n, err, len(datasets))
	experiments := []registrydb.ExperimentInsertManyCopyFromParams{
		{ExperimentID: uuid.New(), ExperimentName: "bulk-fraud-sweep", ModelID: &fraud, CreatedBy: ptr("bulk.ann"), CreatedAt: t0},
	}
	n, err = q.ExperimentInsertManyCopyFrom(ctx, experiments)
	copied("experiments", n, err, len(experiments))
	// The approval first: fraud is compliance-required and goes to prod.
	approvals := []registrydb.ApprovalInsertManyCopyFromParams{
		{ApprovalID: uuid.New(), VersionID: versions[1].VersionID, ApprovalType: "compliance", Status: "approved", RequestedBy: "bulk.ann",
			RequestedAt: at(2 * time.Hour), ApprovedBy: ptr("cco"), ApprovedAt: at(150 * time.Minute)},
		{ApprovalID: uuid.New(), VersionID: versions[2].VersionID, ApprovalType: "business", Status: "rejected", RequestedBy: "bulk.bob",
			RequestedAt: at(2 * time.Hour), RejectedBy: ptr("cfo"), RejectedAt: at(150 * time.Minute), RejectionReason: ptr("no budget")},
	}
	n, err = q.ApprovalInsertManyCopyFrom(ctx, approvals)
	copied("approvals", n, err, len(approvals))
	prod := res(q.EnvironmentGetByName(ctx, "prod")).must(t)
	dev := res(q.EnvironmentGetByName(ctx, "dev")).must(t)
	deployments := []registrydb.DeploymentInsertManyCopyFromParams{
		{DeploymentID: uuid.New(), VersionID: versions[1].VersionID, EnvironmentID: prod.EnvironmentID, EndpointURL: ptr("https://prod/fraud"),
			Replicas: ptr32(3), DeployedAt: at(3 * time.Hour), DeployedBy: "bulk.ann", Status: "active", TrafficPercentage: ptr32(100)},
		{DeploymentID: uuid.New(), VersionID: versions[2].VersionID, EnvironmentID: dev.EnvironmentID, Replicas: ptr32(1),
			DeployedAt: at(3 * time.Hour), DeployedBy: "bulk.bob", UndeployedAt: at(4 * time.Hour), UndeployedBy: ptr("bulk.bob"),
			Status: "inactive", TrafficPercentage: ptr32(0)},
	}
	n, err = q.DeploymentInsertManyCopyFrom(ctx, deployments)
	copied("deployments", n, err, len(deployments))
	modelTags := []registrydb.ModelTagInsertManyCopyFromParams{
		{ModelID: fraud, TagID: f.TagID, TaggedAt: at(time.Hour), TaggedBy: ptr("bulk.ann")},
		{ModelID: upsell, TagID: f.TagID, TaggedAt: at(time.Hour), TaggedBy: ptr("bulk.bob")},
	}
	n, err = q.ModelTagInsertManyCopyFrom(ctx, modelTags)
	copied("model tags", n, err, len(modelTags))
	datasetTags := []registrydb.DatasetTagInsertManyCopyFromParams{{DatasetID: datasets[0].DatasetID, TagID: f.TagID, TaggedAt: at(time.Hour), TaggedBy: ptr("bulk.ann")}}
	n, err = q.DatasetTagInsertManyCopyFrom(ctx, datasetTags)
	copied("dataset tags", n, err, len(datasetTags))

	after := res(q.ReportRowCounts(ctx)).must(t)
	want := before
	want.Teams += int64(len(teams))
	want.Users += int64(len(users))
	want.Models += int64(len(models))
	want.ModelVersions += int64(len(versions))
	want.Datasets += int64(len(datasets))
	want.Experiments += int64(len(experiments))
	want.Approvals += int64(len(approvals))
	want.Deployments += int64(len(deployments))
	want.ModelTags += int64(len(modelTags))
	want.DatasetTags += int64(len(datasetTags))
	if after != want {
		t.Errorf("ReportRowCounts after the copies = %+v, want %+v", after, want)
	}

	// The copied rows read back as given.
	if got := res(q.TeamGetByName(ctx, "bulk-risk")).must(t); got.TeamID != teams[0].TeamID || !got.CreatedAt.Equal(t0) || deref(got.TeamEmail) != "risk@example.com" {
		t.Errorf("copied team = %+v", got)
	}
	if got := res(q.UserGetByUsername(ctx, "bulk.bob")).must(t); got.UserID != users[1].UserID || deref(got.DisplayName) != "Bob" || !got.IsActive {
		t.Errorf("copied user = %+v", got)
	}
	m := res(q.ModelGetByName(ctx, "bulk-fraud")).must(t)
	if m.ModelID != fraud || deref(m.RiskLevel) != "critical" || !m.UpdatedAt.Equal(t0.Add(time.Hour)) || m.CreatedByUserID == nil || *m.CreatedByUserID != users[0].UserID {
		t.Errorf("copied model = %+v", m)
	}
	latest := res(q.ModelVersionGetLatest(ctx, "bulk-fraud")).must(t)
	if latest.VersionID != versions[1].VersionID || latest.Status != "deployed" || !latest.PromotedToProductionAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("latest copied version of bulk-fraud = %+v", latest)
	}
	if v := res(q.ModelVersionGetByID(ctx, versions[0].VersionID)).must(t); v.Status != "deprecated" || deref(v.DeprecationReason) != "superseded" {
		t.Errorf("copied deprecated version = %+v", v)
	}
	if d := res(q.DatasetGetByName(ctx, "bulk_txns")).must(t); d.DatasetID != datasets[0].DatasetID || deref(d.ContainsPII) != true || deref(d.RowCount) != int64(1_000_000) {
		t.Errorf("copied dataset = %+v", d)
	}
	if e := res(q.ExperimentGetByName(ctx, "bulk-fraud-sweep")).must(t); e.ExperimentID != experiments[0].ExperimentID || e.ModelID == nil || *e.ModelID != fraud {
		t.Errorf("copied experiment = %+v", e)
	}
	if a := res(q.ApprovalGetByID(ctx, approvals[1].ApprovalID)).must(t); a.Status != "rejected" || deref(a.RejectionReason) != "no budget" {
		t.Errorf("copied approval = %+v", a)
	}
	live := res(q.DeploymentListActiveByEnvironment(ctx, registrydb.DeploymentListActiveByEnvironmentParams{EnvironmentName: "prod", AfterID: uuid.Nil, MaxRows: 10})).must(t)
	if len(live) != 1 || live[0].DeploymentID != deployments[0].DeploymentID || live[0].ModelName != "bulk-fraud" || live[0].Semver != "1.0.0" {
		t.Errorf("active in prod after the copy = %+v", live)
	}
	if d := res(q.DeploymentGetByID(ctx, deployments[1].DeploymentID)).must(t); d.Status != "inactive" || !d.UndeployedAt.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("copied undeployed deployment = %+v", d)
	}
	tagged := res(q.ModelListByTag(ctx, registrydb.ModelListByTagParams{TagCategory: "domain", TagValue: "nlp", MaxRows: 10})).must(t)
	if got := field(tagged, func(m registrydb.Model) string { return m.ModelName }); !equal(got, []string{"bulk-fraud", "bulk-upsell", "fixture-model"}) {
		t.Errorf("models tagged domain/nlp = %v", got)
	}
	dtags := res(q.DatasetTagListByDataset(ctx, datasets[0].DatasetID)).must(t)
	if len(dtags) != 1 || dtags[0].TagID != f.TagID || !dtags[0].TaggedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("copied dataset tags = %+v", dtags)
	}
}
