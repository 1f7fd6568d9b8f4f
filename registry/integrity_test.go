package registry_test

import (
	"context"
	"strings"
	"testing"
)

// TestIntegrityChecksFindBypassedRows corrupts the sample registry the way a
// load with triggers disabled (session_replication_role = replica) or a dump
// restored without a constraint would, and checks each integrity query
// returns the offending row; on the clean sample the error-level ones are empty.
func TestIntegrityChecksFindBypassedRows(t *testing.T) {
	ctx := context.Background()
	pool, q := seededPool(t)

	type check struct {
		name  string
		query func(context.Context) ([]string, error)
		want  string // substring of "subject: detail" after the corruption
		clean bool   // returns nothing on the clean sample
	}
	subjects := func(rows []finding) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.Subject + ": " + r.Detail
		}
		return out
	}
	adapt := func(f func(context.Context) ([]finding, error)) func(context.Context) ([]string, error) {
		return func(ctx context.Context) ([]string, error) {
			rows, err := f(ctx)
			return subjects(rows), err
		}
	}
	checks := []check{
		{"orphaned versions", adapt(rowsAs(q.IntegrityOrphanedVersions)), "9.9.9", true},
		{"orphaned runs", adapt(rowsAs(q.IntegrityOrphanedRuns)), "ghost-run", true},
		{"orphaned run datasets", adapt(rowsAs(q.IntegrityOrphanedRunDatasets)), "dataset does not exist", true},
		{"active deployments without environment", adapt(rowsAs(q.IntegrityActiveDeploymentsWithoutEnvironment)), "environment 9999 does not exist", true},
		{"deployments without version", adapt(rowsAs(q.IntegrityDeploymentsWithoutVersion)), "does not exist", true},
		{"unapproved production deployments", adapt(rowsAs(q.IntegrityUnapprovedProductionDeployments)), "sentiment-classifier 1.0.0 in prod", true},
		{"approved past expiry", adapt(rowsAs(q.IntegrityApprovedPastExpiry)), "fraud-detector 2.0.0 compliance", true},
		{"runs with bad completion", adapt(rowsAs(q.IntegrityRunsWithBadCompletion)), "recommender-als", true},
		{"active deployments of retired versions", adapt(rowsAs(q.IntegrityActiveDeploymentsOfRetiredVersions)), "version is deprecated", true},
		{"traffic over 100%", adapt(rowsAs(q.IntegrityTrafficOverAllocated)), "fraud-detector in prod-us: active traffic sums to 150%", true},
		{"PII datasets in production", adapt(rowsAs(q.IntegrityPIIDatasetsInProduction)), "transaction-logs: contains PII", false},
		{"stale datasets", adapt(rowsAs(q.IntegrityStaleDatasets)), "user-interactions", false},
		{"models without versions", adapt(rowsAs(q.IntegrityModelsWithoutVersions)), "churn-predictor", false},
	}
	for _, c := range checks {
		rows, err := c.query(ctx)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.clean && len(rows) != 0 {
			t.Errorf("%s on the clean sample: %v", c.name, rows)
		}
	}

	fraud, err := q.ModelVersionGetBySemver(ctx, "fraud-detector", "2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.ModelVersionDeprecate(ctx, nil, fraud.VersionID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		BEGIN;
		SET LOCAL session_replication_role = replica;
		INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by)
		VALUES (gen_random_uuid(), '9.9.9', 's3://ghost/', 'onnx', 'nobody');
		INSERT INTO training_runs (version_id, run_name) VALUES (gen_random_uuid(), 'ghost-run');
		INSERT INTO run_datasets (run_id, dataset_id, dataset_role)
		SELECT run_id, gen_random_uuid(), 'test' FROM training_runs WHERE run_name = 'recommender-als';
		INSERT INTO deployments (version_id, environment_id, deployed_by)
		SELECT version_id, 9999, 'mallory' FROM model_versions WHERE semver = '0.9.0';
		INSERT INTO deployments (version_id, environment_id, deployed_by, status)
		VALUES (gen_random_uuid(), 1, 'mallory', 'inactive');
		INSERT INTO deployments (version_id, environment_id, deployed_by, traffic_percentage)
		SELECT version_id, (SELECT environment_id FROM environments WHERE environment_name = 'prod-us'), 'mallory', 50
		FROM model_versions WHERE semver = '2.0.0';
		UPDATE models SET compliance_required = TRUE WHERE model_name = 'sentiment-classifier';
		UPDATE approvals SET expires_at = now() - interval '1 day' WHERE approval_type = 'compliance' AND status = 'approved';
		ALTER TABLE training_runs DROP CONSTRAINT completed_after_started;
		UPDATE training_runs SET completed_at = started_at - interval '1 hour' WHERE run_name = 'recommender-als';
		COMMIT;`); err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		rows, err := c.query(ctx)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.Contains(strings.Join(rows, "\n"), c.want) {
			t.Errorf("%s: want a row with %q, got %v", c.name, c.want, rows)
		}
	}
}

// finding has the shape (and tags) of every generated integrity row.
type finding = struct {
	Subject string `json:"subject"`
	Detail  string `json:"detail"`
}

// rowsAs converts any generated (subject, detail) row slice to one type.
func rowsAs[R ~struct {
	Subject string `json:"subject"`
	Detail  string `json:"detail"`
}](f func(context.Context) ([]R, error)) func(context.Context) ([]finding, error) {
	return func(ctx context.Context) ([]finding, error) {
		rows, err := f(ctx)
		out := make([]finding, len(rows))
		for i, r := range rows {
			out[i] = finding(r)
		}
		return out, err
	}
}
