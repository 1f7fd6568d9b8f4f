package db_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
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

// TestWriterWorkflow: an ordinary login member of registry_writer does its
// whole job through the generated queries and plain SQL: registers a model
// and versions, records an experiment, a training run and its dataset,
// deploys to staging, requests approvals, deploys to production once they
// are approved (and is refused before), moves a deployment into production
// and changes its version, shifts traffic, degrades and restores it, moves
// and removes an alias, withdraws a pending request, deletes a version that
// has no history yet, and names itself as the audit actor.
func TestWriterWorkflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, _ := newFixture(t)
	w := newLogin(t, pool, "registry_writer")
	a := newLogin(t, pool, "registry_approver")
	q, qa := registrydb.New(w.conn), registrydb.New(a.conn)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	model, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "churn", DisplayName: "Churn", ComplianceRequired: regtest.Ptr(true)})
	must(err)
	v1, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{ModelID: model.ModelID, Semver: "1.0.0", ArtifactURI: "s3://c/1", Framework: "onnx", RegisteredBy: w.name})
	must(err)
	v2, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{ModelID: model.ModelID, Semver: "1.1.0", ArtifactURI: "s3://c/2", Framework: "onnx", RegisteredBy: w.name})
	must(err)
	ds, err := q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: "churn_data", DisplayName: "Churn data", StorageLocation: "s3://d"})
	must(err)
	exp, err := q.ExperimentCreate(ctx, registrydb.ExperimentCreateParams{ExperimentName: "churn-exp", ModelID: &model.ModelID})
	must(err)
	run, err := q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: v1.VersionID, ExperimentID: &exp.ExperimentID, Status: regtest.Ptr("running")})
	must(err)
	must(q.RunDatasetAttach(ctx, registrydb.RunDatasetAttachParams{RunID: run.RunID, DatasetID: ds.DatasetID, DatasetRole: "training"}))
	_, err = q.ModelVersionSetStatus(ctx, "validated", v1.VersionID)
	must(err)

	staging, err := deploy(ctx, q, v1.VersionID, "staging", 100)
	must(err)
	_, err = deploy(ctx, q, v1.VersionID, "prod-eu", 100)
	wantRefused(t, err, "deployment_requires_approval", "churn", "1.0.0", "prod-eu")

	for _, v := range []uuid.UUID{v1.VersionID, v2.VersionID} {
		req, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: v, ApprovalType: "compliance", RequestedBy: w.name})
		must(err)
		_, err = qa.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: req.ApprovalID, ApprovedBy: regtest.Ptr(a.name)})
		must(err)
	}
	prod, err := deploy(ctx, q, v1.VersionID, "prod-eu", 100)
	if err != nil {
		t.Fatalf("approved version to production as the writer: %v", err)
	}
	w.must(`UPDATE deployments SET environment_id = (SELECT environment_id FROM environments WHERE environment_name = 'prod-us')
		WHERE deployment_id = $1`, staging.DeploymentID)
	w.must("UPDATE deployments SET version_id = $1 WHERE deployment_id = $2", v2.VersionID, prod.DeploymentID)
	_, err = q.DeploymentShiftTraffic(ctx, regtest.Ptr(int32(50)), prod.DeploymentID)
	must(err)
	_, err = q.DeploymentSetStatus(ctx, "degraded", prod.DeploymentID)
	must(err)
	_, err = q.DeploymentSetStatus(ctx, "active", prod.DeploymentID)
	must(err)
	_, err = q.DeploymentUndeploy(ctx, regtest.Ptr(w.name), staging.DeploymentID)
	must(err)

	_, err = q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: model.ModelID, Alias: "champion", VersionID: v1.VersionID})
	must(err)
	moved, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: model.ModelID, Alias: "champion", VersionID: v2.VersionID})
	must(err)
	if moved.SetBy != w.name {
		t.Errorf("alias set_by = %q, want the writer %q", moved.SetBy, w.name)
	}
	removed, err := q.ModelAliasRemove(ctx, model.ModelID, "champion")
	if err != nil || len(removed) != 1 {
		t.Fatalf("remove: %+v, %v", removed, err)
	}

	pending, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: v2.VersionID, ApprovalType: "security", RequestedBy: w.name})
	must(err)
	if n, err := q.ApprovalDelete(ctx, pending.ApprovalID); err != nil || n != 1 {
		t.Fatalf("withdrawing a pending request: %d, %v", n, err)
	}
	scratch, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{ModelID: model.ModelID, Semver: "9.9.9", ArtifactURI: "s3://x", Framework: "onnx", RegisteredBy: w.name})
	must(err)
	if n, err := q.ModelVersionDelete(ctx, scratch.VersionID); err != nil || n != 1 {
		t.Fatalf("deleting a version registered by mistake: %d, %v", n, err)
	}
	// Raising a governance setting needs no admin.
	open := newModel(t, registrydb.New(pool), "raise-me", false)
	_, err = q.ModelUpdate(ctx, registrydb.ModelUpdateParams{ModelID: open.ModelID, ComplianceRequired: regtest.Ptr(true)})
	must(err)

	// The actor named for a transaction is recorded next to the login.
	tx, err := w.conn.Begin(ctx)
	must(err)
	must(registrydb.New(tx).SessionSetActor(ctx, "alice"))
	_, err = registrydb.New(tx).TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "alices-team"})
	must(err)
	must(tx.Commit(ctx))
	var actor, dbUser string
	must(pool.QueryRow(ctx, "SELECT actor, db_user FROM audit_log WHERE table_name = 'teams' AND new_row->>'team_name' = 'alices-team'").Scan(&actor, &dbUser))
	if actor != "alice" || dbUser != w.name {
		t.Errorf("audit actor %q, db_user %q; want alice and %q", actor, dbUser, w.name)
	}
}

// TestApproverDecidesOnce: the approver approves, rejects, revokes and
// expires pending or approved approvals, and writes nothing else.
func TestApproverDecidesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	a := newLogin(t, pool, "registry_approver")
	qa := registrydb.New(a.conn)
	request := func(kind string) uuid.UUID {
		r, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: kind, RequestedBy: "t"})
		if err != nil {
			t.Fatal(err)
		}
		return r.ApprovalID
	}
	ok, err := qa.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: f.ApprovalID, ApprovedBy: regtest.Ptr("cco"), ExpiresAt: regtest.Ptr(time.Now().Add(time.Hour))})
	if err != nil || ok.Status != "approved" {
		t.Fatalf("approve: %+v, %v", ok, err)
	}
	// An approved approval's expiry may come sooner.
	a.must("UPDATE approvals SET expires_at = now() + interval '1 minute' WHERE approval_id = $1", f.ApprovalID)
	no, err := qa.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: request("security"), RejectedBy: regtest.Ptr("ciso"), RejectionReason: regtest.Ptr("pen test")})
	if err != nil || no.Status != "rejected" {
		t.Fatalf("reject: %+v, %v", no, err)
	}
	revoked, err := qa.ApprovalRevoke(ctx, regtest.Ptr("finding"), f.ApprovalID)
	if err != nil || revoked.Status != "expired" {
		t.Fatalf("revoke: %+v, %v", revoked, err)
	}
	due := request("legal")
	a.must("UPDATE approvals SET expires_at = now() - interval '1 second' WHERE approval_id = $1", due)
	expired, err := qa.ApprovalExpireDue(ctx)
	if err != nil || len(expired) != 1 || expired[0].ApprovalID != due {
		t.Fatalf("expire due: %+v, %v", expired, err)
	}
	// The database dates a decision: a back-dated approved_at is replaced.
	backdated := request("business")
	a.must("UPDATE approvals SET status = 'approved', approved_by = 'cco', approved_at = '2001-01-01' WHERE approval_id = $1", backdated)
	var at time.Time
	if err := pool.QueryRow(ctx, "SELECT approved_at FROM approvals WHERE approval_id = $1", backdated).Scan(&at); err != nil || time.Since(at) > time.Hour {
		t.Errorf("approved_at = %v (%v), want the time of the decision", at, err)
	}
	wantSQLState(t, a.exec(deploySQL, f.VersionID, "active", 10, "staging"), denied, "deployments")
	wantSQLState(t, a.exec("DELETE FROM approvals WHERE approval_id = $1", due), denied, "approvals")
}

// TestReaderReadsAll: the reader reads every registry table and view but
// users.email and the audit trail, and writes nothing.
func TestReaderReadsAll(t *testing.T) {
	t.Parallel()
	pool, _, _ := newFixture(t)
	r := newLogin(t, pool, "registry_reader")
	for _, table := range []string{"teams", "environments", "models", "model_versions", "datasets", "experiments",
		"training_runs", "run_datasets", "deployments", "approvals", "tags", "model_tags", "dataset_tags",
		"model_aliases", "deployment_traffic_locks", "vw_latest_model_versions", "vw_production_deployments"} {
		r.must("SELECT * FROM " + table)
	}
	r.must("SELECT user_id, username, display_name, team_id, created_at FROM users")
	for _, sql := range []string{"SELECT email FROM users", "SELECT * FROM audit_log", "SELECT * FROM audit_chain", "SELECT * FROM audit_verify()"} {
		wantSQLState(t, r.exec(sql), denied)
	}
	wantSQLState(t, r.exec("INSERT INTO teams (team_name) VALUES ('readers')"), denied, "teams")
}

// TestAdminAuditWork: the admin seals through registry.SealAudit on a pool
// of its own, verifies, reads the trail, adds partitions within the bounds,
// and lowers a governance setting, which the trail records with its login.
func TestAdminAuditWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, f := newFixture(t)
	admin := newLogin(t, pool, "registry_admin")
	ap := admin.pool(pool)
	q := registrydb.New(ap)
	if _, err := ap.Exec(ctx, "SELECT audit_log_add_partitions(now() - interval '1 month', 3)"); err != nil {
		t.Fatalf("partitions from last month: %v", err)
	}
	if _, err := ap.Exec(ctx, "SELECT audit_log_add_partitions(now(), 25)"); err != nil {
		t.Fatalf("partitions up to 24 months ahead: %v", err)
	}
	head, err := registry.SealAudit(ctx, ap, registry.SealOptions{Actor: "sealer"})
	if err != nil || head.Sealed == 0 {
		t.Fatalf("seal as registry_admin: %+v, %v", head, err)
	}
	if broken, err := q.AuditVerify(ctx); err != nil || len(broken) != 0 {
		t.Fatalf("verify as registry_admin: %+v, %v", broken, err)
	}
	if _, err := q.ModelUpdate(ctx, registrydb.ModelUpdateParams{ModelID: f.ModelID, ComplianceRequired: regtest.Ptr(false)}); err != nil {
		t.Fatalf("admin lowering compliance_required: %v", err)
	}
	var dbUser string
	if err := ap.QueryRow(ctx, `SELECT db_user FROM audit_log WHERE table_name = 'models' AND action = 'UPDATE'
		AND new_row ? 'compliance_required' ORDER BY audit_id DESC LIMIT 1`).Scan(&dbUser); err != nil || dbUser != admin.name {
		t.Fatalf("audit row of the lowering: db_user %q, %v", dbUser, err)
	}
	if _, err := ap.Exec(ctx, "UPDATE environments SET environment_type = 'staging' WHERE environment_name = 'prod-apac'"); err != nil {
		t.Fatalf("admin changing an environment's type: %v", err)
	}
}
