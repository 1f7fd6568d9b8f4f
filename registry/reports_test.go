package registry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestExerciseQueriesReturnRows runs every query of the exercise's Parts 5-7
// on the sample registry and checks the rows they return.
func TestExerciseQueriesReturnRows(t *testing.T) {
	ctx := context.Background()
	_, q := seededPool(t)

	latest, err := q.ReportModelsWithLatestVersion(ctx)
	if err != nil || len(latest) != 3 {
		t.Fatalf("ReportModelsWithLatestVersion: %d rows, %v", len(latest), err)
	}
	for _, r := range latest {
		if r.ModelName == "fraud-detector" && r.Semver != "10.0.0-beta" {
			t.Errorf("latest fraud-detector = %s, want 10.0.0-beta (semantic order)", r.Semver)
		}
	}

	withTeam, err := q.ReportModelsWithTeam(ctx)
	if err != nil || len(withTeam) != 4 || withTeam[0].ModelName != "churn-predictor" || *withTeam[0].TeamName != "mlops" {
		t.Fatalf("ReportModelsWithTeam: %+v, %v", withTeam, err)
	}

	deps, err := q.ReportDeployments(ctx, registrydb.ReportDeploymentsParams{BeforeDeployedAt: time.Now().Add(time.Hour), BeforeID: uuid.Max, MaxRows: 100})
	if err != nil || len(deps) != 8 {
		t.Fatalf("ReportDeployments: %d rows, %v", len(deps), err)
	}
	page, err := q.ReportDeployments(ctx, registrydb.ReportDeploymentsParams{BeforeDeployedAt: *deps[3].DeployedAt, BeforeID: deps[3].DeploymentID, MaxRows: 100})
	if err != nil || len(page) != 4 || page[0].DeploymentID != deps[4].DeploymentID {
		t.Fatalf("ReportDeployments keyset page after row 4: %d rows, %v", len(page), err)
	}

	counts, err := q.ReportVersionCountsByModel(ctx)
	if err != nil || len(counts) != 4 || counts[3].ModelName != "churn-predictor" || counts[3].VersionCount != 0 || counts[3].LatestVersionDate != nil {
		t.Fatalf("ReportVersionCountsByModel: %+v, %v", counts, err)
	}

	byEnv, err := q.ReportDeploymentsByEnvironment(ctx)
	if err != nil || len(byEnv) != 10 {
		t.Fatalf("ReportDeploymentsByEnvironment: %d rows, %v", len(byEnv), err)
	}
	for _, e := range byEnv {
		if e.EnvironmentName == "dev" && (e.TotalDeployments != 1 || e.ActiveDeployments != 0) {
			t.Errorf("dev: %+v, want 1 deployment, 0 active", e)
		}
		if e.EnvironmentName == "staging-eu" && e.TotalDeployments != 0 {
			t.Errorf("staging-eu has no deployment: %+v", e)
		}
	}

	training, err := q.ReportTrainingByModel(ctx)
	if err != nil || len(training) != 3 || training[0].ModelName != "fraud-detector" || training[0].TotalCost != 421.6 || training[0].TotalRuns != 2 {
		t.Fatalf("ReportTrainingByModel: %+v, %v", training, err)
	}

	lineage, err := q.ReportModelLineage(ctx, "sentiment-classifier")
	if err != nil || len(lineage) < 3 || lineage[0].Semver != "1.1.0" {
		t.Fatalf("ReportModelLineage: %+v, %v", lineage, err)
	}

	approvals, err := q.ReportComplianceApprovals(ctx)
	if err != nil || len(approvals) != 3 {
		t.Fatalf("ReportComplianceApprovals: %+v, %v", approvals, err)
	}
	for _, a := range approvals {
		if a.ModelName != "fraud-detector" || (a.ApprovalStatus != "approved" && a.ApprovalStatus != "pending") {
			t.Errorf("compliance approvals: unexpected %+v", a)
		}
	}

	usage, err := q.ReportDatasetUsage(ctx)
	if err != nil || len(usage) != 6 {
		t.Fatalf("ReportDatasetUsage: %+v, %v", usage, err)
	}
	for _, u := range usage {
		if u.DatasetName == "transaction-logs" && (u.UsedByModels != 1 || u.TotalTrainingRuns != 2 || u.ModelList != "fraud-detector") {
			t.Errorf("transaction-logs usage: %+v", u)
		}
	}

	prod, err := q.ReportProductionModels(ctx)
	if err != nil || len(prod) != 3 {
		t.Fatalf("ReportProductionModels (Challenge 2): %+v, %v", prod, err)
	}
	for _, p := range prod {
		if p.ModelName == "fraud-detector" && (!strings.Contains(p.ApprovalStatus, "compliance:approved") || p.DatasetsUsed != "fraud-labels-q3, fraud-labels-q4, transaction-logs") {
			t.Errorf("Challenge 2 fraud-detector row: %+v", p)
		}
	}

	view, err := q.ReportProductionDeployments(ctx)
	if err != nil || len(view) != 3 {
		t.Fatalf("vw_production_deployments: %+v, %v", view, err)
	}

	// Part 6: statistics. Reading the registry above used its indexes; the
	// sizes cover the registry's tables, audit_log's default partition and
	// dbmate's schema_migrations.
	usageStats, err := q.ReportIndexUsage(ctx)
	if err != nil || len(usageStats) < 20 {
		t.Fatalf("ReportIndexUsage: %d rows, %v", len(usageStats), err)
	}
	if _, err := q.ReportSequentialScans(ctx); err != nil {
		t.Fatalf("ReportSequentialScans: %v", err)
	}
	tables, err := q.CatalogTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Every table, and the one partition audit_log has before any month's.
	sizes, err := q.ReportTableSizes(ctx)
	if err != nil || len(sizes) != len(tables)+1 || sizes[0].TotalBytes < sizes[len(sizes)-1].TotalBytes {
		t.Fatalf("ReportTableSizes: %+v, %v", sizes, err)
	}
}
