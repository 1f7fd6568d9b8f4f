package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/retention"
)

// expiredRun adds to the fixture's model an archived version with a run
// that finished 400 days ago (past the built-in year), reading the
// fixture's dataset, and returns the version and the run.
func expiredRun(t *testing.T, pool *pgxpool.Pool, modelID, datasetID uuid.UUID, semver string) (uuid.UUID, uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	var version, run uuid.UUID
	err := pool.QueryRow(ctx, `INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by, status)
		VALUES ($1, $2, 's3://old', 'onnx', 'importer', 'archived') RETURNING version_id`, modelID, semver).Scan(&version)
	if err != nil {
		t.Fatal(err)
	}
	err = pool.QueryRow(ctx, `INSERT INTO training_runs (version_id, run_name, status, created_at, started_at, completed_at)
		VALUES ($1, 'old', 'succeeded', now() - interval '400 days', now() - interval '400 days', now() - interval '400 days')
		RETURNING run_id`, version).Scan(&run)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO run_datasets (run_id, dataset_id, dataset_role) VALUES ($1, $2, 'training')`, run, datasetID); err != nil {
		t.Fatal(err)
	}
	return version, run
}

func runExists(t *testing.T, pool *pgxpool.Pool, run uuid.UUID) bool {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM training_runs WHERE run_id = $1", run).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// retentionRecord is the record of retention runs, for unchanged-checks.
func retentionRecord(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var s string
	if err := pool.QueryRow(context.Background(), `SELECT concat_ws('|',
		(SELECT json_agg(r ORDER BY r.retention_run_id) FROM retention_runs r),
		(SELECT json_agg(m ORDER BY m.retention_run_id, m.model_id, m.table_name) FROM retention_run_models m),
		(SELECT json_agg(p ORDER BY p.policy_id) FROM retention_policies p))`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRetentionPrivileges: retention is registry_admin's, through
// retention_apply; a writer, an approver or a reader may neither run it nor
// list its candidates, nor change the policy; nobody writes the record of
// runs but retention_apply, and the record is append-only even for its
// owner. The admin's run is audited under its actor and its own login.
//
// Old code (seen failing): with EXECUTE granted to PUBLIC, the writer's
// retention_apply ran (want 42501, got none).
func TestRetentionPrivileges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, f := newFixture(t)
	_, run := expiredRun(t, pool, f.ModelID, f.DatasetID, "0.1.0")
	before, record := digest(t, pool), retentionRecord(t, pool)
	for _, group := range []string{"registry_writer", "registry_approver", "registry_reader"} {
		l := newLogin(t, pool, group)
		wantSQLState(t, l.exec("SELECT * FROM retention_apply()"), denied, "retention_apply")
		wantSQLState(t, l.exec("SELECT * FROM retention_candidates(now())"), denied, "retention_candidates")
		wantSQLState(t, l.exec("INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '1 day')"), denied, "retention_policies")
		wantSQLState(t, l.exec("INSERT INTO retention_runs (training_runs_removed, run_datasets_removed, deployments_removed) VALUES (0, 0, 0)"), denied, "retention_runs")
		if _, err := retention.Apply(ctx, l.pool(pool), group); err == nil || !strings.Contains(err.Error(), "needs the registry_admin role") {
			t.Errorf("retention.Apply as %s: %v", group, err)
		}
	}
	reader := newLogin(t, pool, "registry_reader")
	reader.must("SELECT * FROM retention_policies")
	unchanged(t, pool, before)
	if after := retentionRecord(t, pool); after != record {
		t.Errorf("the record or the policy changed:\n%s\n%s", record, after)
	}
	if !runExists(t, pool, run) {
		t.Fatal("a refused run removed the expired run")
	}

	admin := newLogin(t, pool, "registry_admin")
	for what, sql := range map[string]string{
		"write the record":       "INSERT INTO retention_runs (training_runs_removed, run_datasets_removed, deployments_removed) VALUES (0, 0, 0)",
		"write a model's record": "INSERT INTO retention_run_models (retention_run_id, model_id, model_name, table_name, rows_removed) VALUES (1, gen_random_uuid(), 'x', 'deployments', 1)",
		"rewrite the record":     "UPDATE retention_runs SET actor = 'someone else'",
		"erase the record":       "DELETE FROM retention_runs",
	} {
		t.Run(what, func(t *testing.T) { wantSQLState(t, admin.exec(sql), denied) })
	}
	report, err := retention.Apply(ctx, admin.pool(pool), "retention-admin")
	if err != nil || report.Removed != (retention.Counts{TrainingRuns: 1, RunDatasets: 1}) || report.Run.DBUser != admin.name || report.Run.Actor != "retention-admin" {
		t.Fatalf("retention as registry_admin: %+v, %v", report, err)
	}
	if runExists(t, pool, run) {
		t.Fatal("the admin's run left the expired run")
	}
	rows, err := pool.Query(ctx, "SELECT table_name, actor, db_user FROM audit_log WHERE action = 'DELETE' AND txid = $1", report.Run.TxID)
	if err != nil {
		t.Fatal(err)
	}
	deletes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Table, Actor, DBUser string }])
	if err != nil || len(deletes) != 2 {
		t.Fatalf("audit rows of the run: %+v, %v", deletes, err)
	}
	for _, d := range deletes {
		if d.Actor != "retention-admin" || d.DBUser != admin.name {
			t.Errorf("DELETE of %s audited as %s by %s, want retention-admin by %s", d.Table, d.Actor, d.DBUser, admin.name)
		}
	}
	// The admin changes the policy, audited under its actor.
	admin.must("BEGIN; SELECT registry_set_actor('policy-admin'); INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '400 days'); COMMIT")
	var actor, dbUser string
	if err := pool.QueryRow(ctx, `SELECT actor, db_user FROM audit_log WHERE table_name = 'retention_policies' AND action = 'INSERT'`).Scan(&actor, &dbUser); err != nil ||
		actor != "policy-admin" || dbUser != admin.name {
		t.Errorf("audit of the policy change: %s by %s, %v", actor, dbUser, err)
	}
	// Append-only even for the superuser who owns nothing of it.
	for _, sql := range []string{"UPDATE retention_runs SET actor = 'x'", "DELETE FROM retention_run_models", "TRUNCATE retention_runs CASCADE"} {
		_, err := pool.Exec(ctx, sql)
		wantSQLState(t, err, denied, "append-only")
	}
}

// TestRetentionRefusedRunsChangeNothing: a run under REPEATABLE READ (whose
// snapshot predates the locks) and a run that cannot get a lock within its
// timeout are refused and leave everything as it was.
func TestRetentionRefusedRunsChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, f := newFixture(t)
	version, run := expiredRun(t, pool, f.ModelID, f.DatasetID, "0.1.0")
	admin := newLogin(t, pool, "registry_admin")
	before, record := digest(t, pool), retentionRecord(t, pool)

	err := admin.exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT * FROM retention_apply(); COMMIT")
	wantSQLState(t, err, "25000", "READ COMMITTED")

	// A long transaction holds the version whose run expires.
	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx) //nolint:errcheck
	if _, err := holder.Exec(ctx, "UPDATE model_versions SET description = 'held' WHERE version_id = $1", version); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = retention.Apply(ctx, admin.pool(pool), "held-up")
	if err == nil || !strings.Contains(err.Error(), "waited too long for a lock") {
		t.Fatalf("retention behind a held version: %v", err)
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Errorf("retention waited %s for the lock", waited)
	}
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	unchanged(t, pool, before)
	if after := retentionRecord(t, pool); after != record || !runExists(t, pool, run) {
		t.Errorf("a refused run changed the record or removed the run:\n%s\n%s", record, after)
	}
}

// waitForLockWait waits until a session of the database waits for a lock
// while running a query containing text, or until done delivers (the
// session finished without waiting: its result is returned).
func waitForLockWait(t *testing.T, pool *pgxpool.Pool, text string, done <-chan error) (finished bool, err error) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return true, err
		default:
		}
		var waiting bool
		if err := pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%')`, text).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return false, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no session waited for a lock running %q", text)
	return false, nil
}

// TestRetentionUnderConcurrentChanges: what protects a row and changes while
// retention runs is honoured. An alias moved to the archived version by a
// transaction that commits while retention waits for it keeps the version's
// runs; a deployment returned to service keeps it.
//
// Old code (seen failing): reading the candidates once and deleting them
// (no locks on the versions, no recheck of the deployment) removed the runs
// of the version the alias had just named, and the deployment back in
// service.
func TestRetentionUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, f := newFixture(t)
	version, run := expiredRun(t, pool, f.ModelID, f.DatasetID, "0.1.0")
	var deployment uuid.UUID

	for _, c := range []struct {
		name   string
		setup  func()
		change func(tx pgx.Tx) error
		kept   func() bool
	}{
		{"alias moved to the archived version", func() {}, func(tx pgx.Tx) error {
			_, err := registrydb.New(tx).ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: "champion", VersionID: version})
			return err
		}, func() bool { return runExists(t, pool, run) }},
		{"deployment back in service", func() {
			// Undeployed 3 years ago, past the built-in 2.
			if err := pool.QueryRow(ctx, `INSERT INTO deployments (version_id, environment_id, deployed_by, status, deployed_at, undeployed_at, traffic_percentage)
				SELECT $1, environment_id, 'importer', 'inactive', now() - interval '4 years', now() - interval '3 years', 10
				FROM environments WHERE environment_name = 'staging' RETURNING deployment_id`, f.VersionID).Scan(&deployment); err != nil {
				t.Fatal(err)
			}
		}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE deployments SET status = 'active', undeployed_at = NULL WHERE deployment_id = $1", deployment)
			return err
		}, func() bool {
			var status string
			err := pool.QueryRow(ctx, "SELECT status FROM deployments WHERE deployment_id = $1", deployment).Scan(&status)
			return err == nil && status == "active"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.setup()
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx) //nolint:errcheck
			if err := c.change(tx); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := retention.Apply(ctx, pool, "concurrent")
				done <- err
			}()
			finished, err := waitForLockWait(t, pool, "retention_apply", done)
			if cerr := tx.Commit(ctx); cerr != nil {
				t.Fatal(cerr)
			}
			if !finished {
				err = <-done
			}
			if err != nil {
				t.Fatalf("retention: %v", err)
			}
			if !c.kept() {
				t.Errorf("retention removed what the change, committed while it waited, protects")
			}
		})
	}
}

// TestAuditSealNow: the SQL seal waits for a transaction older than its
// horizon (a scheduled job has nobody to wait in Go), seals the rows that
// transaction commits, and leaves a chain that verifies; it is the admin's
// only, and refuses a snapshot that would hide rows committed during the
// wait.
//
// Old code (seen failing): without pg_stat_clear_snapshot the wait saw the
// older transaction running until its deadline and failed.
func TestAuditSealNow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	admin := newLogin(t, pool, "registry_admin")
	writer := newLogin(t, pool, "registry_writer")
	wantSQLState(t, writer.exec("SELECT * FROM audit_seal_now('1 second', 3)"), denied, "audit_seal_now")
	wantSQLState(t, admin.exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT * FROM audit_seal_now('1 second', 3); COMMIT"), "25000", "READ COMMITTED")
	wantSQLState(t, admin.exec("SELECT * FROM audit_seal_now('2 hours', 3)"), badParameter, "audit_seal_now")

	// A writer's transaction, with audit rows below the horizon, is open.
	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx) //nolint:errcheck
	if _, err := slow.Exec(ctx, "UPDATE models SET description = 'slow' WHERE model_id = $1", f.ModelID); err != nil {
		t.Fatal(err)
	}
	type sealed struct {
		sealed, head int64
		err          error
	}
	done := make(chan sealed, 1)
	ap := admin.pool(pool)
	go func() {
		var s sealed
		var hash string
		var added int32
		s.err = ap.QueryRow(ctx, "SELECT sealed, head_id, head_hash, partitions_added FROM audit_seal_now('20 seconds', 3)").Scan(&s.sealed, &s.head, &hash, &added)
		done <- s
	}()
	select {
	case s := <-done:
		t.Fatalf("the seal did not wait for the open transaction: %+v", s)
	case <-time.After(300 * time.Millisecond):
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s := <-done
	if s.err != nil {
		t.Fatalf("seal: %v", s.err)
	}
	var slowAudit int64
	if err := pool.QueryRow(ctx, "SELECT max(audit_id) FROM audit_log WHERE table_name = 'models' AND action = 'UPDATE'").Scan(&slowAudit); err != nil {
		t.Fatal(err)
	}
	if s.head < slowAudit {
		t.Errorf("the seal's head %d is below the open transaction's audit row %d", s.head, slowAudit)
	}
	if broken, err := q.AuditVerify(ctx); err != nil || len(broken) != 0 {
		t.Fatalf("verify after the SQL seal: %+v, %v", broken, err)
	}
	var sealer string
	if err := pool.QueryRow(ctx, "SELECT db_user FROM audit_seals ORDER BY seal_id DESC LIMIT 1").Scan(&sealer); err != nil || sealer != admin.name {
		t.Errorf("seal recorded by %q, %v", sealer, err)
	}
}

// retentionCheckCases break the retention tables' CHECK constraints with an
// INSERT (the fixture has no rows of theirs), then satisfy them with
// another; TestEveryCheckConstraintHasACase counts them with checkCases.
var retentionCheckCases = []struct{ table, constraint, bad, good string }{
	{"retention_policies", "retention_policy_scope",
		"INSERT INTO retention_policies (scope, environment_id, keep_inactive_deployments, keep_training_runs) VALUES ('environment', 1, '1 year', '1 year')",
		"INSERT INTO retention_policies (scope, environment_id, keep_inactive_deployments) VALUES ('environment', 1, '1 year')"},
	{"retention_policies", "retention_period_at_least_a_day",
		"INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '12 hours')",
		"INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '1 day')"},
	{"retention_run_models", "valid_retention_table",
		`WITH r AS (INSERT INTO retention_runs (training_runs_removed, run_datasets_removed, deployments_removed) VALUES (0, 0, 1) RETURNING retention_run_id)
		 INSERT INTO retention_run_models (retention_run_id, model_id, model_name, table_name, rows_removed) SELECT retention_run_id, gen_random_uuid(), 'm', 'models', 1 FROM r`,
		`WITH r AS (INSERT INTO retention_runs (training_runs_removed, run_datasets_removed, deployments_removed) VALUES (0, 0, 1) RETURNING retention_run_id)
		 INSERT INTO retention_run_models (retention_run_id, model_id, model_name, table_name, rows_removed) SELECT retention_run_id, gen_random_uuid(), 'm', 'deployments', 1 FROM r`},
}

// TestRetentionCheckConstraints shows each CHECK constraint of the
// retention tables rejecting a bad row (SQLSTATE 23514, naming it) and
// accepting a good one.
func TestRetentionCheckConstraints(t *testing.T) {
	t.Parallel()
	pool, _, _ := newFixture(t)
	for _, c := range retentionCheckCases {
		t.Run(c.table+"/"+c.constraint, func(t *testing.T) {
			if code, name := pgCode(inRolledBackTx(pool, c.bad)); code != "23514" || name != c.constraint {
				t.Errorf("%s: want check violation of %s, got %s %s", c.bad, c.constraint, code, name)
			}
			if err := inRolledBackTx(pool, c.good); err != nil {
				t.Errorf("%s: want accepted, got %v", c.good, err)
			}
		})
	}
}
