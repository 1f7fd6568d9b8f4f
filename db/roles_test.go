package db_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// asRole runs stmt as role (SET LOCAL ROLE) in a transaction that is rolled
// back, and returns its SQLSTATE, "" when it succeeded.
func asRole(t *testing.T, pool *pgxpool.Pool, role, stmt string) string {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+role); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, stmt)
	code, _ := pgCode(err)
	if err != nil && code == "" {
		t.Fatalf("%s as %s: %v", stmt, role, err)
	}
	return code
}

// TestRoles shows what each registry role may and may not do; a refusal is
// SQLSTATE 42501 (insufficient_privilege).
func TestRoles(t *testing.T) {
	pool, _, f := newFixture(t)
	const denied = "42501"
	newModel := "INSERT INTO models (model_name, display_name) VALUES ('role-model', 'Role Model')"
	cases := []struct {
		role, stmt, want string
	}{
		{"registry_reader", "SELECT count(*) FROM models JOIN model_versions USING (model_id)", ""},
		{"registry_reader", "SELECT * FROM vw_production_deployments", ""},
		{"registry_reader", "SELECT username, team_id FROM users", ""},
		{"registry_reader", "SELECT email FROM users", denied},
		{"registry_reader", "SELECT count(*) FROM audit_log", denied},
		{"registry_reader", newModel, denied},
		{"registry_reader", fmt.Sprintf("UPDATE deployments SET traffic_percentage = 50 WHERE deployment_id = '%s'", f.DeploymentID), denied},

		{"registry_writer", newModel, ""},
		{"registry_writer", fmt.Sprintf("SELECT * FROM move_model_alias('%s', 'stable', '%s')", f.ModelID, f.VersionID), ""},
		{"registry_writer", fmt.Sprintf("UPDATE deployments SET traffic_percentage = 50 WHERE deployment_id = '%s'", f.DeploymentID), ""},
		{"registry_writer", fmt.Sprintf("DELETE FROM model_tags WHERE model_id = '%s'", f.ModelID), ""},
		{"registry_writer", "SELECT email FROM users", ""},
		{"registry_writer", "SELECT count(*) FROM audit_log", denied},
		{"registry_writer", "INSERT INTO audit_log (actor, table_name, action, row_key) VALUES ('me', 'models', 'INSERT', '{}')", denied},
		{"registry_writer", "INSERT INTO audit_chain (audit_id, prev_hash, row_hash) VALUES (1, '', '')", denied},
		{"registry_writer", "SELECT * FROM audit_seal(1)", denied},
		{"registry_writer", "CREATE TABLE shadow_models (id int)", denied},
		{"registry_writer", "ALTER TABLE models DISABLE TRIGGER audit_insert", denied},
		{"registry_writer", "DROP TABLE model_tags", denied},
		// Deciding approvals is the approver's: a writer cannot approve, not
		// even by inserting a decided one.
		{"registry_writer", fmt.Sprintf("UPDATE approvals SET status = 'approved', approved_by = 'me', approved_at = now() WHERE approval_id = '%s'", f.ApprovalID), denied},
		{"registry_writer", fmt.Sprintf("INSERT INTO approvals (version_id, approval_type, requested_by, status, approved_by, approved_at) VALUES ('%s', 'compliance', 'me', 'approved', 'me', now())", f.VersionID), denied},
		{"registry_writer", fmt.Sprintf("INSERT INTO approvals (version_id, approval_type, requested_by) VALUES ('%s', 'compliance', 'me')", f.VersionID), ""},
		// The audit trigger function runs as its owner: nobody may attach it
		// to a table of their own to forge audit rows.
		{"registry_writer", "CREATE TEMP TABLE deployments (deployment_id uuid); CREATE TRIGGER forge AFTER INSERT ON pg_temp.deployments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('deployment_id')", denied},

		{"registry_approver", fmt.Sprintf("UPDATE approvals SET status = 'approved', approved_by = 'cco', approved_at = now() WHERE approval_id = '%s'", f.ApprovalID), ""},
		{"registry_approver", "SELECT count(*) FROM models", ""},
		{"registry_approver", newModel, denied},
		{"registry_approver", fmt.Sprintf("UPDATE approvals SET version_id = version_id WHERE approval_id = '%s'", f.ApprovalID), denied},

		{"registry_admin", newModel, ""},
		{"registry_admin", "SELECT count(*) FROM audit_log", ""},
		{"registry_admin", "SELECT * FROM audit_verify()", ""},
		{"registry_admin", "SELECT * FROM audit_seal(1000000)", ""},
		{"registry_admin", "SELECT audit_log_add_partitions(now(), 2)", ""},
		{"registry_admin", "UPDATE audit_log SET actor = 'mallory'", denied}, // by the append-only trigger
		{"registry_admin", "CREATE TABLE shadow_models (id int)", denied},
	}
	for _, c := range cases {
		if got := asRole(t, pool, c.role, c.stmt); got != c.want {
			t.Errorf("%s: %s: SQLSTATE %q, want %q", c.role, c.stmt, got, c.want)
		}
	}
}

// TestWritesAsWriterAreAudited: the audit trigger writes to audit_log, which
// the writer may not, on the writer's behalf.
func TestWritesAsWriterAreAudited(t *testing.T) {
	ctx := context.Background()
	pool, _, _ := newFixture(t)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	q := registrydb.New(tx)
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE registry_writer"); err != nil {
		t.Fatal(err)
	}
	if err := q.SessionSetActor(ctx, "writer-app"); err != nil {
		t.Fatal(err)
	}
	team, err := q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "writers"})
	if err != nil {
		t.Fatalf("TeamCreate as registry_writer: %v", err)
	}
	if _, err := tx.Exec(ctx, "RESET ROLE"); err != nil { // the writer may not read audit_log
		t.Fatal(err)
	}
	rows, err := q.AuditLogList(ctx, registrydb.AuditLogListParams{TableName: regtest.Ptr("teams"), BeforeID: math.MaxInt64, MaxRows: 1})
	if err != nil || len(rows) != 1 || rows[0].Actor != "writer-app" || !strings.Contains(string(rows[0].RowKey), team.TeamID.String()) {
		t.Fatalf("audit row of the writer's insert: %+v, %v", rows, err)
	}
}

// TestEveryTableIsGranted fails when a migration adds a registry table
// without deciding what the roles may do with it.
func TestEveryTableIsGranted(t *testing.T) {
	pool, _, _ := newFixture(t)
	ungranted := catalogQuery(t, pool, `
		SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
		  AND c.relname NOT IN ('schema_migrations')
		  AND NOT has_table_privilege('registry_admin', c.oid, 'SELECT')
		ORDER BY 1`)
	for _, table := range ungranted {
		t.Errorf("%s: no role may read it; grant it in a migration (see 20251023001300_roles.sql)", table)
	}
}
