package db_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/migrate"
)

// TestDeleteRules shows each foreign key's delete rule doing what it says.
func TestDeleteRules(t *testing.T) {
	ctx := context.Background()

	t.Run("model cascades to versions, runs, approvals, tags", func(t *testing.T) {
		pool, q, f := newFixture(t)
		// A deployed version blocks the cascade (RESTRICT); retire it first.
		if _, err := q.DeploymentDelete(ctx, f.DeploymentID); err != nil {
			t.Fatal(err)
		}
		if n, err := q.ModelDelete(ctx, f.ModelID); err != nil || n != 1 {
			t.Fatalf("ModelDelete = %d, %v", n, err)
		}
		for _, table := range []string{"model_versions", "training_runs", "approvals", "model_tags", "run_datasets", "experiments"} {
			if n := rowCount(t, pool, table); n != 0 {
				t.Errorf("%s: %d rows left after deleting the model", table, n)
			}
		}
		if n := rowCount(t, pool, "datasets"); n != 1 {
			t.Errorf("datasets: the model's deletion must not touch them, %d rows", n)
		}
	})

	t.Run("version with a deployment cannot be deleted", func(t *testing.T) {
		_, q, f := newFixture(t)
		_, err := q.ModelVersionDelete(ctx, f.VersionID)
		if code, name := pgCode(err); code != "23503" || name != "deployments_version_id_fkey" {
			t.Fatalf("want RESTRICT by deployments_version_id_fkey, got %v", err)
		}
		if _, err := q.ModelDelete(ctx, f.ModelID); err == nil {
			t.Fatal("deleting the model cascaded through a deployed version")
		}
		if _, err := q.DeploymentDelete(ctx, f.DeploymentID); err != nil {
			t.Fatal(err)
		}
		if n, err := q.ModelVersionDelete(ctx, f.VersionID); err != nil || n != 1 {
			t.Fatalf("without its deployment the version deletes: %d, %v", n, err)
		}
	})

	t.Run("team deletion sets team_id to NULL", func(t *testing.T) {
		_, q, f := newFixture(t)
		if _, err := q.TeamDelete(ctx, f.TeamID); err != nil {
			t.Fatal(err)
		}
		m, err := q.ModelGetByID(ctx, f.ModelID)
		if err != nil || m.TeamID != nil {
			t.Fatalf("model after team deletion: team_id %v, err %v", m.TeamID, err)
		}
		d, err := q.DatasetGetByID(ctx, f.DatasetID)
		if err != nil || d.TeamID != nil {
			t.Fatalf("dataset after team deletion: team_id %v, err %v", d.TeamID, err)
		}
	})

	t.Run("dataset used by a run cannot be deleted", func(t *testing.T) {
		_, q, f := newFixture(t)
		_, err := q.DatasetDelete(ctx, f.DatasetID)
		if code, name := pgCode(err); code != "23503" || name != "run_datasets_dataset_id_fkey" {
			t.Fatalf("want RESTRICT by run_datasets_dataset_id_fkey, got %v", err)
		}
		if _, err := q.RunDatasetDetach(ctx, registrydb.RunDatasetDetachParams{RunID: f.RunID, DatasetID: f.DatasetID, DatasetRole: "training"}); err != nil {
			t.Fatal(err)
		}
		if n, err := q.DatasetDelete(ctx, f.DatasetID); err != nil || n != 1 {
			t.Fatalf("unused dataset deletes: %d, %v", n, err)
		}
	})

	t.Run("run deletion cascades to its dataset links", func(t *testing.T) {
		pool, q, f := newFixture(t)
		if _, err := q.TrainingRunDelete(ctx, f.RunID); err != nil {
			t.Fatal(err)
		}
		if n := rowCount(t, pool, "run_datasets"); n != 0 {
			t.Errorf("run_datasets: %d rows left", n)
		}
	})

	t.Run("tag deletion detaches it everywhere", func(t *testing.T) {
		pool, q, f := newFixture(t)
		if _, err := q.TagDelete(ctx, f.TagID); err != nil {
			t.Fatal(err)
		}
		if n := rowCount(t, pool, "model_tags") + rowCount(t, pool, "dataset_tags"); n != 0 {
			t.Errorf("%d tag links left", n)
		}
	})

	t.Run("user deletion unlinks without losing the text", func(t *testing.T) {
		_, q, f := newFixture(t)
		m, _ := q.ModelGetByID(ctx, f.ModelID)
		if m.CreatedByUserID == nil || *m.CreatedByUserID != f.UserID {
			t.Fatalf("created_by %q did not link to the user: %v", *m.CreatedBy, m.CreatedByUserID)
		}
		if _, err := q.UserDelete(ctx, f.UserID); err != nil {
			t.Fatal(err)
		}
		m, _ = q.ModelGetByID(ctx, f.ModelID)
		if m.CreatedByUserID != nil || *m.CreatedBy != "fixture-user" {
			t.Fatalf("after user deletion: created_by %q, user id %v", *m.CreatedBy, m.CreatedByUserID)
		}
	})

	t.Run("environment with deployments cannot be deleted", func(t *testing.T) {
		_, q, _ := newFixture(t)
		env, err := q.EnvironmentGetByName(ctx, "dev")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.EnvironmentDelete(ctx, env.EnvironmentID); err == nil {
			t.Fatal("environment with a deployment was deleted")
		}
		qa, _ := q.EnvironmentGetByName(ctx, "qa")
		if n, err := q.EnvironmentDelete(ctx, qa.EnvironmentID); err != nil || n != 1 {
			t.Fatalf("unused environment deletes: %d, %v", n, err)
		}
	})
}

func rowCount(t *testing.T, db *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUpdatedAtTrigger shows update_models_updated_at moving updated_at.
func TestUpdatedAtTrigger(t *testing.T) {
	ctx := context.Background()
	_, q, f := newFixture(t)
	before, _ := q.ModelGetByID(ctx, f.ModelID)
	time.Sleep(10 * time.Millisecond)
	after, err := q.ModelUpdate(ctx, registrydb.ModelUpdateParams{ModelID: f.ModelID, Description: regtest.Ptr("changed")})
	if err != nil {
		t.Fatal(err)
	}
	if !after.UpdatedAt.After(*before.UpdatedAt) {
		t.Fatalf("updated_at did not move: %v -> %v", before.UpdatedAt, after.UpdatedAt)
	}
	if !after.CreatedAt.Equal(*before.CreatedAt) {
		t.Fatalf("created_at moved: %v -> %v", before.CreatedAt, after.CreatedAt)
	}
}

// TestLatestVersionViewUsesSemanticOrder registers versions out of order and
// checks vw_latest_model_versions picks the highest non-archived one.
func TestLatestVersionViewUsesSemanticOrder(t *testing.T) {
	ctx := context.Background()
	_, q, f := newFixture(t)
	for _, v := range []string{"10.0.0", "9.0.0", "10.0.0-rc1", "10.1.0", "2.0.0"} {
		mv, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
			ModelID: f.ModelID, Semver: v, ArtifactURI: "s3://x/" + v, Framework: "onnx", RegisteredBy: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if v == "10.1.0" {
			if _, err := q.ModelVersionArchive(ctx, mv.VersionID); err != nil {
				t.Fatal(err)
			}
		}
	}
	latest, err := q.ModelVersionListLatest(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 1 || latest[0].Semver != "10.0.0" {
		t.Fatalf("latest = %+v, want 10.0.0 (10.1.0 is archived)", latest)
	}
}

// TestProductionDeploymentsView shows only active production deployments.
func TestProductionDeploymentsView(t *testing.T) {
	ctx := context.Background()
	_, q, f := newFixture(t)
	if _, err := q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: f.ApprovalID, ApprovedBy: regtest.Ptr("cto")}); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"prod-eu", "prod-us", "staging"} {
		if _, err := q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: f.VersionID, EnvironmentName: env, DeployedBy: "t", TrafficPercentage: regtest.Ptr(int32(50))}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := q.ReportProductionDeployments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].EnvironmentName == "staging" || rows[1].EnvironmentName == "staging" {
		t.Fatalf("production deployments = %+v, want prod-eu and prod-us only", rows)
	}
	prod, _ := q.DeploymentListByVersion(ctx, f.VersionID)
	for _, d := range prod {
		if d.EnvironmentName == "prod-eu" {
			if _, err := q.DeploymentUndeploy(ctx, regtest.Ptr("t"), d.DeploymentID); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows, err = q.ReportProductionDeployments(ctx)
	if err != nil || len(rows) != 1 || rows[0].EnvironmentName != "prod-us" {
		t.Fatalf("after undeploying prod-eu: %+v, %v", rows, err)
	}
}

// TestMigrationsDownAndUpAgain applies every migration, rolls all of them
// back, checks nothing is left, and applies them again to an identical schema.
func TestMigrationsDownAndUpAgain(t *testing.T) {
	url := pgtest.NewEmptyURL(t)
	if err := migrate.Up(context.Background(), url, io.Discard); err != nil {
		t.Fatal(err)
	}
	first := schemaFingerprint(t, url)
	if len(first) < 200 {
		t.Fatalf("fingerprint has only %d lines", len(first))
	}
	if err := downAll(url); err != nil {
		t.Fatal(err)
	}
	if left := schemaFingerprint(t, url); len(left) != 0 {
		t.Fatalf("after rolling back every migration, left: %v", left[:min(5, len(left))])
	}
	if err := migrate.Up(context.Background(), url, io.Discard); err != nil {
		t.Fatal(err)
	}
	second := schemaFingerprint(t, url)
	if len(first) != len(second) {
		t.Fatalf("schema differs after down and up: %d lines, then %d", len(first), len(second))
	}
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("schema differs after down and up: %q became %q", first[i], second[i])
		}
	}
}

// downAll rolls every migration back, whatever it drops.
func downAll(url string) error {
	m, err := migrate.New(nil)
	if err != nil {
		return err
	}
	return m.DownAll(context.Background(), url, migrate.DownOptions{Force: true})
}
