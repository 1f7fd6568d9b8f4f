package db_test

import (
	"testing"

	"github.com/mlplatform/model-registry/internal/pgtest"
)

// checkCase breaks one CHECK constraint with an UPDATE of the fixture's row
// (every table has one) and then satisfies it with another.
type checkCase struct {
	table, constraint string
	bad, good         string // SET clauses
	// masks names a constraint the bad value also breaks and PostgreSQL
	// would report first; it is dropped inside the rolled-back transaction.
	masks string
}

var checkCases = []checkCase{
	{"teams", "valid_email", "team_email = 'ops@example.c|m'", "team_email = 'ops@example.com'", ""},
	{"environments", "valid_env_type", "environment_type = 'prod'", "environment_type = 'shadow'", ""},
	{"environments", "valid_env_name", "environment_name = environment_name || ' EU'", "environment_name = environment_name || '-eu2'", ""},
	{"users", "valid_username", "username = 'Bad Name'", "username = 'good.name_1'", ""},
	{"users", "valid_user_email", "email = 'nobody'", "email = 'somebody@example.org'", ""},
	{"models", "valid_risk_level", "risk_level = 'extreme'", "risk_level = 'critical'", ""},
	{"models", "valid_model_name", "model_name = 'Fixture_Model'", "model_name = 'fixture-model-2'", ""},
	{"model_versions", "valid_status", "status = 'live'", "status = 'archived'", ""},
	{"model_versions", "valid_framework", "framework = 'caffe'", "framework = 'onnx'", ""},
	{"model_versions", "valid_semver", "semver = '1.0'", "semver = '10.20.30-rc1'", ""},
	{"model_versions", "valid_semver", "semver = '01.0.0'", "semver = '0.0.0'", ""},
	{"model_versions", "valid_checksum", "checksum_sha256 = 'abc'", "checksum_sha256 = repeat('a', 64)", ""},
	{"datasets", "valid_freshness", "freshness_sla_hours = 0", "freshness_sla_hours = 24", ""},
	{"datasets", "valid_storage_format", "storage_format = 'xlsx'", "storage_format = 'arrow'", ""},
	{"datasets", "valid_classification", "data_classification = 'secret'", "data_classification = 'restricted'", ""},
	{"datasets", "valid_dataset_name", "dataset_name = 'Has Spaces'", "dataset_name = 'under_score-and-dash'", ""},
	{"training_runs", "valid_status", "status = 'done'", "status = 'failed'", "completed_timestamp"},
	{"training_runs", "valid_metrics", "accuracy = 1.5", "accuracy = 1", ""},
	{"training_runs", "valid_metrics", "f1_score = -0.1", "f1_score = 0", ""},
	{"training_runs", "valid_gpu_count", "gpu_count = -1", "gpu_count = 8", ""},
	{"training_runs", "completed_timestamp", "completed_at = NULL", "status = 'running', completed_at = NULL", ""},
	{"training_runs", "completed_after_started", "completed_at = started_at - interval '1 second'", "completed_at = started_at", ""},
	{"deployments", "valid_status_deployment", "status = 'paused'", "status = 'degraded'", ""},
	{"deployments", "valid_replicas", "replicas = 0", "replicas = 3", ""},
	{"deployments", "valid_replicas", "min_replicas = 4, max_replicas = 2", "min_replicas = 2, max_replicas = 4", ""},
	// Inactive, so that the deployment_rules trigger does not refuse 101 first.
	{"deployments", "valid_traffic", "traffic_percentage = 101, status = 'inactive'", "traffic_percentage = 0", ""},
	{"deployments", "valid_availability", "target_availability_percent = 100.5", "target_availability_percent = 99.95", ""},
	{"approvals", "valid_approval_type", "approval_type = 'finance'", "approval_type = 'legal'", ""},
	{"approvals", "valid_approval_status", "status = 'maybe'", "status = 'expired'", "approval_xor"},
	{"approvals", "approval_xor", "status = 'approved'", "status = 'approved', approved_by = 'cto', approved_at = now()", ""},
	{"approvals", "approval_xor", "status = 'rejected', rejected_by = 'cto', rejected_at = now(), approved_by = 'x'", "status = 'rejected', rejected_by = 'cto', rejected_at = now()", ""},
	{"tags", "valid_tag_category", "tag_category = 'colour'", "tag_category = 'custom'", ""},
	{"run_datasets", "valid_dataset_role", "dataset_role = 'train'", "dataset_role = 'calibration'", ""},
	{"run_datasets", "valid_usage_percent", "usage_percentage = 120", "usage_percentage = 100", ""},
	// model_aliases refuses rewriting a period by trigger; replica mode lets the CHECK speak.
	{"model_aliases", "valid_alias", "alias = 'Champion!'", "alias = 'stable'", replicaMode},
	// audit_log refuses every UPDATE by trigger; replica mode lets the CHECK speak.
	{"audit_log", "valid_audit_action", "action = 'MERGE'", "action = 'TRUNCATE'", replicaMode},
}

// replicaMode as a case's masks disables triggers (not CHECKs) for the case.
const replicaMode = "session_replication_role"

// TestCheckConstraints shows each CHECK constraint rejecting a bad value
// (SQLSTATE 23514, naming the constraint) and accepting a good one.
func TestCheckConstraints(t *testing.T) {
	pool, _, _ := newFixture(t)
	for _, c := range checkCases {
		t.Run(c.table+"/"+c.constraint, func(t *testing.T) {
			// tags has many seeded rows; touch only the fixture's.
			where := ""
			if c.table == "tags" {
				where = " WHERE tag_value = 'nlp'"
			}
			if c.table == "environments" {
				where = " WHERE environment_name = 'dev'"
			}
			bad := "UPDATE " + c.table + " SET " + c.bad + where
			good := "UPDATE " + c.table + " SET " + c.good + where
			switch c.masks {
			case "":
			case replicaMode:
				bad = "SET LOCAL session_replication_role = replica; " + bad
				good = "SET LOCAL session_replication_role = replica; " + good
			default:
				bad = "ALTER TABLE " + c.table + " DROP CONSTRAINT " + c.masks + "; " + bad
			}
			err := inRolledBackTx(pool, bad)
			if code, name := pgCode(err); code != "23514" || name != c.constraint {
				t.Errorf("SET %s: want check violation of %s, got %v", c.bad, c.constraint, err)
			}
			if err := inRolledBackTx(pool, good); err != nil {
				t.Errorf("SET %s: want accepted, got %v", c.good, err)
			}
		})
	}
}

// TestEveryCheckConstraintHasACase fails when a migration adds a CHECK
// constraint that TestCheckConstraints does not exercise.
func TestEveryCheckConstraintHasACase(t *testing.T) {
	pool := pgtest.NewPool(t)
	covered := map[string]bool{}
	for _, c := range checkCases {
		covered[c.table+"|"+c.constraint] = true
	}
	for _, c := range retentionCheckCases {
		covered[c.table+"|"+c.constraint] = true
	}
	all := catalogQuery(t, pool, `
		SELECT conrelid::regclass::text, conname FROM pg_constraint
		WHERE contype = 'c' AND connamespace = 'public'::regnamespace
		  AND NOT (SELECT relispartition FROM pg_class WHERE oid = conrelid) ORDER BY 1, 2`)
	if len(all) < 30 {
		t.Fatalf("read only %d CHECK constraints", len(all))
	}
	for _, c := range all {
		if !covered[c] {
			t.Errorf("CHECK constraint %s has no case in checkCases", c)
		}
	}
}
