// Package regtest builds small registries for tests through the generated
// queries: one row of every entity, linked the way the workflow links them.
package regtest

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// Ptr returns a pointer to v, for the generated params' nullable fields.
func Ptr[T any](v T) *T { return &v }

// Fixture names the rows Build created.
type Fixture struct {
	TeamID       uuid.UUID
	UserID       uuid.UUID
	ModelID      uuid.UUID
	ModelName    string
	VersionID    uuid.UUID
	DatasetID    uuid.UUID
	ExperimentID uuid.UUID
	RunID        uuid.UUID
	DeploymentID uuid.UUID
	ApprovalID   uuid.UUID
	TagID        uuid.UUID
	AliasID      int64
}

// Build creates one team, user, model (tagged), version, dataset (tagged),
// experiment, succeeded run using the dataset for training, pending approval,
// an active dev deployment and the alias "champion" on the version.
func Build(t testing.TB, q *registrydb.Queries) Fixture {
	t.Helper()
	ctx := context.Background()
	var f Fixture
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("regtest.Build: %v", err)
		}
	}
	team, err := q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "fixture-team", TeamEmail: Ptr("team@example.com")})
	must(err)
	f.TeamID = team.TeamID
	user, err := q.UserCreate(ctx, registrydb.UserCreateParams{Username: "fixture-user", Email: "fixture@example.com", TeamID: &team.TeamID})
	must(err)
	f.UserID = user.UserID
	model, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{
		ModelName: "fixture-model", DisplayName: "Fixture Model", TeamID: &team.TeamID,
		ComplianceRequired: Ptr(true), RiskLevel: Ptr("high"), CreatedBy: Ptr("fixture-user"),
	})
	must(err)
	f.ModelID, f.ModelName = model.ModelID, model.ModelName
	version, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
		ModelID: model.ModelID, Semver: "1.0.0", ArtifactURI: "s3://fixture/1.0.0/",
		Framework: "pytorch", RegisteredBy: "fixture@example.com",
	})
	must(err)
	f.VersionID = version.VersionID
	dataset, err := q.DatasetCreate(ctx, registrydb.DatasetCreateParams{
		DatasetName: "fixture_data-2024", DisplayName: "Fixture Data", StorageLocation: "s3://fixture/data/",
		StorageFormat: Ptr("parquet"), TeamID: &team.TeamID,
	})
	must(err)
	f.DatasetID = dataset.DatasetID
	exp, err := q.ExperimentCreate(ctx, registrydb.ExperimentCreateParams{ExperimentName: "fixture-exp", ModelID: &model.ModelID})
	must(err)
	f.ExperimentID = exp.ExperimentID
	run, err := q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{
		VersionID: version.VersionID, RunName: Ptr("fixture-run"), ExperimentID: &exp.ExperimentID,
		Status: Ptr("succeeded"), Accuracy: Ptr(0.9), StartedAt: Ptr(model.CreatedAt.Add(-1e9).UTC()),
		CompletedAt: model.CreatedAt,
	})
	must(err)
	f.RunID = run.RunID
	must(q.RunDatasetAttach(ctx, registrydb.RunDatasetAttachParams{RunID: run.RunID, DatasetID: dataset.DatasetID, DatasetRole: "training"}))
	approval, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: version.VersionID, ApprovalType: "compliance", RequestedBy: "fixture-user"})
	must(err)
	f.ApprovalID = approval.ApprovalID
	dep, err := q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: version.VersionID, EnvironmentName: "dev", DeployedBy: "fixture-user"})
	must(err)
	f.DeploymentID = dep.DeploymentID
	tag, err := q.TagGetByCategoryValue(ctx, "domain", "nlp")
	must(err)
	f.TagID = tag.TagID
	must(q.ModelTagAttach(ctx, registrydb.ModelTagAttachParams{ModelID: model.ModelID, TagID: tag.TagID, TaggedBy: Ptr("fixture-user")}))
	must(q.DatasetTagAttach(ctx, registrydb.DatasetTagAttachParams{DatasetID: dataset.DatasetID, TagID: tag.TagID, TaggedBy: Ptr("fixture-user")}))
	alias, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: model.ModelID, Alias: "champion", VersionID: version.VersionID})
	must(err)
	f.AliasID = alias.AliasID
	return f
}
