package db_test

// The adversarial suite: each test attacks the registry's rules as one of
// its roles, through a real login role of its own (see login_test.go) over
// plain SQL, and checks the attack is refused with the SQLSTATE and
// constraint or message that says why, and that no table changed. Every
// attack here succeeded against the migrations up to 20251023001500; the
// note above each test quotes how it failed there. docs/reliability.md lists
// them with what stops them now.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
)

const (
	denied       = "42501" // insufficient_privilege
	checkFailed  = "23514" // check_violation
	badParameter = "22023" // invalid_parameter_value
	needsAdmin   = "governance_needs_admin"
)

// deploySQL inserts a deployment the way a client without the generated
// queries would: $1 version, $2 status, $3 traffic, $4 environment name.
const deploySQL = `INSERT INTO public.deployments (version_id, environment_id, deployed_by, status, traffic_percentage)
	SELECT $1::uuid, e.environment_id, 'mallory', $2::text, $3::int FROM public.environments e WHERE e.environment_name = $4::text`

func approve(t *testing.T, q *registrydb.Queries, approvalID uuid.UUID) {
	t.Helper()
	if _, err := q.ApprovalApprove(context.Background(), registrydb.ApprovalApproveParams{ApprovalID: approvalID, ApprovedBy: regtest.Ptr("cco")}); err != nil {
		t.Fatal(err)
	}
}

// openModel is a model without compliance_required and two versions, so
// that the traffic rule can be attacked without the approval gate.
func openModel(t *testing.T, q *registrydb.Queries) (registrydb.Model, registrydb.ModelVersion, registrydb.ModelVersion) {
	t.Helper()
	m := newModel(t, q, "open-model", false)
	return m, registerVersion(t, q, m.ModelID, "1.0.0"), registerVersion(t, q, m.ModelID, "2.0.0")
}

// TestAttackShadowing: a writer creates temporary tables named like the
// registry's (pg_temp comes first in an unqualified lookup) and lets the
// rules read them.
//
// Old code: every subtest's attack went through: an unapproved version
// deployed to prod-eu behind a forged approvals table or an empty
// environments table, 200 % traffic behind an empty deployments table, a
// model linked to another user's id, and move_model_alias moving the
// writer's temporary alias table instead of the registry's.
func TestAttackShadowing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("forged approvals", func(t *testing.T) {
		pool, _, f := newFixture(t)
		w := newLogin(t, pool, "registry_writer")
		w.must("CREATE TEMP TABLE approvals AS SELECT * FROM public.approvals WHERE false")
		w.must(`INSERT INTO pg_temp.approvals (approval_id, version_id, approval_type, status, requested_by, approved_by, approved_at)
			VALUES (gen_random_uuid(), $1, 'compliance', 'approved', 'mallory', 'mallory', now())`, f.VersionID)
		before := digest(t, pool)
		wantSQLState(t, w.exec(deploySQL, f.VersionID, "active", 100, "prod-eu"), checkFailed, "deployment_requires_approval")
		unchanged(t, pool, before)
	})

	t.Run("empty environments", func(t *testing.T) {
		pool, _, f := newFixture(t)
		w := newLogin(t, pool, "registry_writer")
		w.must("CREATE TEMP TABLE environments AS SELECT * FROM public.environments WHERE false")
		before := digest(t, pool)
		wantSQLState(t, w.exec(deploySQL, f.VersionID, "active", 100, "prod-eu"), checkFailed, "deployment_requires_approval")
		unchanged(t, pool, before)
	})

	t.Run("empty deployments", func(t *testing.T) {
		pool, q, _ := newFixture(t)
		_, v1, v2 := openModel(t, q)
		if _, err := deploy(ctx, q, v1.VersionID, "staging", 100); err != nil {
			t.Fatal(err)
		}
		w := newLogin(t, pool, "registry_writer")
		w.must("CREATE TEMP TABLE deployments AS SELECT * FROM public.deployments WHERE false")
		before := digest(t, pool)
		wantSQLState(t, w.exec(deploySQL, v2.VersionID, "active", 100, "staging"), checkFailed, "deployment_traffic_within_100")
		unchanged(t, pool, before)
	})

	t.Run("forged users", func(t *testing.T) {
		pool, _, f := newFixture(t)
		w := newLogin(t, pool, "registry_writer")
		w.must("CREATE TEMP TABLE users AS SELECT user_id, username, email FROM public.users WHERE false")
		w.must("INSERT INTO pg_temp.users VALUES ($1, 'mallory', 'mallory@example.com')", f.UserID)
		w.must("INSERT INTO public.models (model_name, display_name, created_by) VALUES ('shadow-linked', 'Shadow', 'mallory')")
		var linked *uuid.UUID
		if err := pool.QueryRow(ctx, "SELECT created_by_user_id FROM models WHERE model_name = 'shadow-linked'").Scan(&linked); err != nil {
			t.Fatal(err)
		}
		if linked != nil {
			t.Fatalf("created_by 'mallory' was linked to user %s through the writer's temporary users table", linked)
		}
	})

	t.Run("temporary alias table", func(t *testing.T) {
		pool, q, f := newFixture(t)
		v2 := registerVersion(t, q, f.ModelID, "2.0.0")
		w := newLogin(t, pool, "registry_writer")
		w.must("CREATE TEMP TABLE model_aliases AS SELECT * FROM public.model_aliases WHERE false")
		w.must("SELECT * FROM move_model_alias($1, 'champion', $2)", f.ModelID, v2.VersionID)
		got, err := q.ModelAliasResolve(ctx, f.ModelID, "champion")
		if err != nil || got.VersionID != v2.VersionID {
			t.Fatalf("champion = %s (%v) after the move, want %s: the function wrote the writer's temporary table", got.Semver, err, v2.Semver)
		}
	})
}

// TestAttackGovernanceSwitchedOff: a writer lowers the settings the gate
// keys on, then deploys without approval.
//
// Old code: each lowering succeeded (UPDATE 1, the upsert, DELETE 1).
func TestAttackGovernanceSwitchedOff(t *testing.T) {
	t.Parallel()
	pool, q, f := newFixture(t)
	// A second compliance model with nothing but a registered version: the
	// writer deletes it to re-create it without the flag.
	regulated := newModel(t, q, "regulated", true)
	registerVersion(t, q, regulated.ModelID, "0.1.0")
	w := newLogin(t, pool, "registry_writer")
	attacks := map[string]string{
		"compliance_required false":       fmt.Sprintf("UPDATE models SET compliance_required = false WHERE model_id = '%s'", f.ModelID),
		"compliance_required NULL":        fmt.Sprintf("UPDATE models SET compliance_required = NULL WHERE model_id = '%s'", f.ModelID),
		"upsert with compliance false":    "INSERT INTO models (model_name, display_name, compliance_required) VALUES ('fixture-model', 'Fixture', false) ON CONFLICT (model_name) DO UPDATE SET compliance_required = EXCLUDED.compliance_required",
		"delete a compliance model":       fmt.Sprintf("DELETE FROM models WHERE model_id = '%s'", regulated.ModelID),
		"production to staging":           "UPDATE environments SET environment_type = 'staging' WHERE environment_name = 'prod-eu'",
		"delete a production environment": "DELETE FROM environments WHERE environment_name = 'prod-apac'",
		"qa to production":                "UPDATE environments SET environment_type = 'production' WHERE environment_name = 'qa'",
	}
	for name, sql := range attacks {
		t.Run(name, func(t *testing.T) {
			before := digest(t, pool)
			wantSQLState(t, w.exec(sql), denied, needsAdmin)
			unchanged(t, pool, before)
		})
	}
	// And the deployment the lowering was for is still refused.
	wantSQLState(t, w.exec(deploySQL, f.VersionID, "active", 100, "prod-eu"), checkFailed, "deployment_requires_approval")
}

// TestAttackDegradedSkipsRules: 'degraded' serves traffic, so it must pass
// the gate and count toward the 100 %.
//
// Old code: INSERT 0 1 for the degraded production deployment without an
// approval, UPDATE 1 for inactive to degraded, and INSERT 0 1 for a
// degraded 100 % next to an active 100 %.
func TestAttackDegradedSkipsRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	w := newLogin(t, pool, "registry_writer")

	t.Run("degraded into production without approval", func(t *testing.T) {
		before := digest(t, pool)
		wantSQLState(t, w.exec(deploySQL, f.VersionID, "degraded", 100, "prod-eu"), checkFailed, "deployment_requires_approval")
		unchanged(t, pool, before)
	})
	t.Run("inactive to degraded in production", func(t *testing.T) {
		var inactive uuid.UUID
		if err := pool.QueryRow(ctx, deploySQL+" RETURNING deployment_id", f.VersionID, "inactive", 0, "prod-us").Scan(&inactive); err != nil {
			t.Fatal(err)
		}
		before := digest(t, pool)
		wantSQLState(t, w.exec("UPDATE deployments SET status = 'degraded', traffic_percentage = 100 WHERE deployment_id = $1", inactive), checkFailed, "deployment_requires_approval")
		unchanged(t, pool, before)
	})
	t.Run("degraded traffic counts", func(t *testing.T) {
		_, v1, v2 := openModel(t, q)
		if _, err := deploy(ctx, q, v1.VersionID, "staging", 100); err != nil {
			t.Fatal(err)
		}
		before := digest(t, pool)
		wantSQLState(t, w.exec(deploySQL, v2.VersionID, "degraded", 100, "staging"), checkFailed, "deployment_traffic_within_100")
		unchanged(t, pool, before)
	})
}

// TestAttackApprovalRedecided: an approver moves a decided approval to
// another state. Only pending -> approved | rejected | expired and
// approved -> expired (revocation, expiry) are allowed, and an approved
// approval's expiry may only come sooner.
//
// Old code: rejected, expired, revoked and approved approvals all went back
// to pending (UPDATE 1), and from there to approved; an approval's expiry
// could be extended or cleared.
func TestAttackApprovalRedecided(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	request := func() uuid.UUID {
		a, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: "compliance", RequestedBy: "t"})
		if err != nil {
			t.Fatal(err)
		}
		return a.ApprovalID
	}
	states := map[string]uuid.UUID{}
	states["rejected"] = request()
	if _, err := q.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: states["rejected"], RejectedBy: regtest.Ptr("cco"), RejectionReason: regtest.Ptr("no")}); err != nil {
		t.Fatal(err)
	}
	states["expired"] = request()
	if _, err := pool.Exec(ctx, "UPDATE approvals SET status = 'expired' WHERE approval_id = $1", states["expired"]); err != nil {
		t.Fatal(err)
	}
	states["revoked"] = request()
	approve(t, q, states["revoked"])
	if _, err := q.ApprovalRevoke(ctx, regtest.Ptr("finding"), states["revoked"]); err != nil {
		t.Fatal(err)
	}
	states["approved"] = request()
	if _, err := q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{
		ApprovalID: states["approved"], ApprovedBy: regtest.Ptr("cco"), ExpiresAt: regtest.Ptr(time.Now().Add(24 * time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}

	toPending := "UPDATE approvals SET status = 'pending' WHERE approval_id = $1"
	toApproved := "UPDATE approvals SET status = 'approved', approved_by = 'cco2', approved_at = now(), rejected_by = NULL, rejected_at = NULL, expires_at = NULL WHERE approval_id = $1"
	toRejected := "UPDATE approvals SET status = 'rejected', rejected_by = 'cco2', rejected_at = now(), approved_by = NULL, approved_at = NULL WHERE approval_id = $1"
	a := newLogin(t, pool, "registry_approver")
	cases := []struct{ from, name, sql string }{
		{"rejected", "to pending", toPending}, {"rejected", "to approved", toApproved},
		{"expired", "to pending", toPending}, {"expired", "to approved", toApproved}, {"expired", "to rejected", toRejected},
		{"revoked", "to pending", toPending}, {"revoked", "to approved", toApproved}, {"revoked", "to rejected", toRejected},
		{"approved", "to pending", toPending}, {"approved", "to rejected", toRejected},
		{"approved", "expiry extended", "UPDATE approvals SET expires_at = now() + interval '10 years' WHERE approval_id = $1"},
		{"approved", "expiry cleared", "UPDATE approvals SET expires_at = NULL WHERE approval_id = $1"},
		{"approved", "approver rewritten", "UPDATE approvals SET approved_by = 'someone-else' WHERE approval_id = $1"},
	}
	for _, c := range cases {
		t.Run(c.from+" "+c.name, func(t *testing.T) {
			before := digest(t, pool)
			wantSQLState(t, a.exec(c.sql, states[c.from]), checkFailed, "approval_decision_final")
			unchanged(t, pool, before)
		})
	}
	// The two-step re-decision the issue found: back to pending, then approve.
	t.Run("rejected to pending to approved", func(t *testing.T) {
		before := digest(t, pool)
		err := a.exec(toPending, states["rejected"])
		if err == nil {
			err = a.exec(toApproved, states["rejected"])
		}
		wantSQLState(t, err, checkFailed, "approval_decision_final")
		unchanged(t, pool, before)
	})
	// A writer may withdraw a pending request, not delete a decision.
	t.Run("writer deletes a rejection", func(t *testing.T) {
		w := newLogin(t, pool, "registry_writer")
		before := digest(t, pool)
		wantSQLState(t, w.exec("DELETE FROM approvals WHERE approval_id = $1", states["rejected"]), denied, needsAdmin)
		unchanged(t, pool, before)
	})
}

// TestAttackAliasHistoryForged: the alias history is written only by
// move_model_alias and remove_model_alias; rows are never back-dated,
// re-attributed, widened or deleted, not even from a trigger of the caller's.
//
// Old code: the writer's back-dated INSERT under 'ceo' (INSERT 0 1), the
// UPDATE closing the current period at 'infinity' (after which the alias
// could never move: one_version_per_alias), and the DELETE from its own
// temporary table's trigger (pg_trigger_depth() was 2) all succeeded, as
// did the same three as the table owner.
func TestAttackAliasHistoryForged(t *testing.T) {
	t.Parallel()
	pool, _, f := newFixture(t)
	backdated := func(alias string) string {
		return fmt.Sprintf(`INSERT INTO public.model_aliases (model_id, alias, version_id, valid_during, set_by)
			VALUES ('%s', '%s', '%s', tstzrange('2020-01-01', '2021-01-01'), 'ceo')`, f.ModelID, alias, f.VersionID)
	}
	widened := fmt.Sprintf(`UPDATE public.model_aliases SET valid_during = tstzrange(lower(valid_during), 'infinity') WHERE alias_id = %d`, f.AliasID)
	viaTrigger := []string{
		fmt.Sprintf(`CREATE FUNCTION pg_temp.wipe() RETURNS trigger LANGUAGE plpgsql AS $f$
			BEGIN DELETE FROM public.model_aliases WHERE alias_id = %d; RETURN NULL; END $f$`, f.AliasID),
		"CREATE TEMP TABLE nudge (x int)",
		"CREATE TRIGGER wipe AFTER INSERT ON pg_temp.nudge FOR EACH ROW EXECUTE FUNCTION pg_temp.wipe()",
	}
	w := newLogin(t, pool, "registry_writer")
	for _, sql := range viaTrigger {
		w.must(sql)
	}
	for name, sql := range map[string]string{"back-dated insert": backdated("legacy"), "widened period": widened, "delete from own trigger": "INSERT INTO pg_temp.nudge VALUES (1)"} {
		t.Run("writer "+name, func(t *testing.T) {
			before := digest(t, pool)
			wantSQLState(t, w.exec(sql), denied, "model_aliases")
			unchanged(t, pool, before)
		})
	}
	// The table owner has every privilege: the trigger alone must hold.
	ctx := context.Background()
	owner, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Release()
	for _, sql := range viaTrigger {
		if _, err := owner.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	defer owner.Exec(ctx, "DROP TABLE pg_temp.nudge; DROP FUNCTION pg_temp.wipe()")
	for name, sql := range map[string]string{"back-dated insert": backdated("legacy-owner"), "widened period": widened, "delete from own trigger": "INSERT INTO pg_temp.nudge VALUES (1)"} {
		t.Run("owner "+name, func(t *testing.T) {
			before := digest(t, pool)
			_, err := owner.Exec(ctx, sql)
			wantSQLState(t, err, denied, "alias history is kept")
			unchanged(t, pool, before)
		})
	}
}

// TestAttackVersionReborn: deleting a version that has a history and
// inserting it again under the same id would move its status backwards.
//
// Old code: DELETE 1, then INSERT 0 1 of the deprecated version as
// 'validated'.
func TestAttackVersionReborn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, _ := newFixture(t)
	_, v1, _ := openModel(t, q)
	for _, s := range []string{"deployed", "deprecated"} {
		if _, err := q.ModelVersionSetStatus(ctx, s, v1.VersionID); err != nil {
			t.Fatal(err)
		}
	}
	w := newLogin(t, pool, "registry_writer")
	before := digest(t, pool)
	err := w.exec("DELETE FROM model_versions WHERE version_id = $1", v1.VersionID)
	if err == nil {
		err = w.exec(`INSERT INTO model_versions (version_id, model_id, semver, artifact_uri, framework, registered_by, status)
			VALUES ($1, $2, '1.0.0', 's3://t', 'onnx', 'mallory', 'validated')`, v1.VersionID, v1.ModelID)
	}
	wantSQLState(t, err, denied, needsAdmin)
	unchanged(t, pool, before)
}

// TestAttackAuditWipe: a superuser empties audit_log behind the triggers'
// back (session_replication_role = replica, or dropping the partition that
// holds the rows); one new write and one seal later, verify must still
// report the sealed rows as removed.
//
// Old code: verify returned no row in both cases (the oldest rows missing
// looked like retention).
func TestAttackAuditWipe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, how := range []string{"deleted", "partition dropped"} {
		t.Run(how, func(t *testing.T) {
			pool, q, f := newFixture(t)
			head, err := registry.SealAudit(ctx, pool, registry.SealOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if how == "deleted" {
				_, err = pool.Exec(ctx, "BEGIN; SET LOCAL session_replication_role = replica; DELETE FROM audit_log; COMMIT")
			} else {
				parts := catalogQuery(t, pool, "SELECT DISTINCT tableoid::regclass::text FROM audit_log")
				for _, p := range parts {
					if _, err = pool.Exec(ctx, fmt.Sprintf("ALTER TABLE audit_log DETACH PARTITION %s; DROP TABLE %s", p, p)); err != nil {
						break
					}
					if p == "audit_log_default" {
						_, err = pool.Exec(ctx, "CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT")
					}
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := q.ModelVersionSetStatus(ctx, "validated", f.VersionID); err != nil {
				t.Fatal(err)
			}
			if _, err := registry.SealAudit(ctx, pool, registry.SealOptions{}); err != nil {
				t.Fatal(err)
			}
			broken, err := q.AuditVerify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, b := range broken {
				if strings.Contains(b.Problem, "removed") && b.AuditID <= head.HeadID {
					found = true
				}
			}
			if !found {
				t.Fatalf("verify after the trail was wiped, written and sealed again: %+v (sealed head was %d)", broken, head.HeadID)
			}
		})
	}
}

// TestAttackAuditChainForged: a registry_admin appends a link of its own.
//
// Old code: INSERT 0 1; every later seal then linked nothing (it continues
// after the highest link) and verify blamed the rows below it.
func TestAttackAuditChainForged(t *testing.T) {
	t.Parallel()
	pool, _, _ := newFixture(t)
	admin := newLogin(t, pool, "registry_admin")
	before := digest(t, pool)
	wantSQLState(t, admin.exec(`INSERT INTO audit_chain (audit_id, prev_hash, row_hash) VALUES (9000000000, '\x00', '\x00')`), denied, "audit_chain")
	unchanged(t, pool, before)
}

// TestAttackVerifyHidesDisagreements: verify reports every disagreement
// between the trail and the chain, not the first: rows missing at the tail
// (oldest), in the middle and at the head (newest sealed), and a row without
// a link below the seal horizon.
//
// Old code: one row (the middle removal); the oldest rows' removal passed as
// retention.
func TestAttackVerifyHidesDisagreements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, _ := newFixture(t)
	head, err := registry.SealAudit(ctx, pool, registry.SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := catalogQuery(t, pool, "SELECT audit_id FROM audit_log ORDER BY audit_id")
	if len(ids) < 10 {
		t.Fatalf("fixture wrote only %d audit rows", len(ids))
	}
	tail, middle := ids[0], ids[len(ids)/2]
	tamper := fmt.Sprintf(`BEGIN; SET LOCAL session_replication_role = replica;
		DELETE FROM audit_log WHERE audit_id IN (%s, %s, %d);
		INSERT INTO audit_log (audit_id, tx_time, actor, table_name, action, row_key)
		    OVERRIDING SYSTEM VALUE VALUES (0, now(), 'mallory', 'models', 'DELETE', '{}');
		COMMIT`, tail, middle, head.HeadID)
	if _, err := pool.Exec(ctx, tamper); err != nil {
		t.Fatal(err)
	}
	broken, err := q.AuditVerify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{tail: "removed", middle: "removed", fmt.Sprint(head.HeadID): "removed", "0": "added"}
	for id, problem := range want {
		found := false
		for _, b := range broken {
			if fmt.Sprint(b.AuditID) == id && strings.Contains(b.Problem, problem) {
				found = true
			}
		}
		if !found {
			t.Errorf("verify does not report audit row %s as %s: %+v", id, problem, broken)
		}
	}
}

// TestAttackSessionActor: registry.actor set for the session (plain SET)
// would name the actor of every later transaction on the connection. It is
// ignored: the audit row names the database user.
//
// Old code: the audit row's actor was 'ghost'.
func TestAttackSessionActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, _ := newFixture(t)
	w := newLogin(t, pool, "registry_writer")
	w.must("SET registry.actor = 'ghost'")
	w.must("INSERT INTO teams (team_name) VALUES ('ghost-team')")
	var actor, dbUser string
	err := pool.QueryRow(ctx, `SELECT actor, db_user FROM audit_log WHERE table_name = 'teams' AND new_row->>'team_name' = 'ghost-team'`).Scan(&actor, &dbUser)
	if err != nil {
		t.Fatal(err)
	}
	if actor != w.name || dbUser != w.name {
		t.Fatalf("audit actor %q, db_user %q; want both %q (the session-level registry.actor ignored)", actor, dbUser, w.name)
	}
}

// TestAttackSessionActorScope: the writer also sets registry.actor_scope
// for the session, to the token registry_transaction_token() returns (the
// backend's pid and the transaction's start, both knowable), so that the
// pair outlives its transaction as a session-level SET would. The token
// names one transaction: in the next one, on the same connection, the
// scope no longer matches and the audit names the database user.
//
// Within its own transaction the same set_config pair does name the
// actor, as registry_set_actor (granted to PUBLIC) does: the actor is who
// the client says acts, and db_user keeps the login, as checked below.
//
// Old code (up to 20251023001500): the audit row's actor was 'ghost'.
func TestAttackSessionActorScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, _ := newFixture(t)
	w := newLogin(t, pool, "registry_writer")
	w.must(`BEGIN; SELECT set_config('registry.actor', 'ghost', false), set_config('registry.actor_scope', registry_transaction_token(), false);
		INSERT INTO teams (team_name) VALUES ('scoped-team'); COMMIT`)
	w.must("INSERT INTO teams (team_name) VALUES ('later-team')")
	for team, want := range map[string]string{"scoped-team": "ghost", "later-team": w.name} {
		var actor, dbUser string
		err := pool.QueryRow(ctx, `SELECT actor, db_user FROM audit_log WHERE table_name = 'teams' AND new_row->>'team_name' = $1`, team).Scan(&actor, &dbUser)
		if err != nil {
			t.Fatal(err)
		}
		if actor != want || dbUser != w.name {
			t.Errorf("%s: audit actor %q, db_user %q; want actor %q, db_user %q (the session-level scope counts only in its own transaction)", team, actor, dbUser, want, w.name)
		}
	}
}

// TestAttackAuditSequence: a writer draws ids from audit_log's sequence.
//
// Old code: nextval returned an id (USAGE on every sequence).
func TestAttackAuditSequence(t *testing.T) {
	t.Parallel()
	pool, _, _ := newFixture(t)
	w := newLogin(t, pool, "registry_writer")
	wantSQLState(t, w.exec("SELECT nextval('audit_log_audit_id_seq')"), denied, "audit_log_audit_id_seq")
}

// TestAttackPartitionRanges: the admin's audit_log_add_partitions takes
// only months from last month to 24 months ahead.
//
// Old code: it created a partition for 4000 BC (1 created), 100 months
// ahead, and one 30 years ahead.
func TestAttackPartitionRanges(t *testing.T) {
	t.Parallel()
	pool, _, _ := newFixture(t)
	admin := newLogin(t, pool, "registry_admin")
	for _, args := range []string{
		"'4000-01-01 BC', 1", "now(), 100", "now() + interval '30 years', 1", "now() - interval '1 year', 3",
		"now(), 0", "now(), -5", "NULL, 3", "now(), NULL", "'infinity', 1",
	} {
		t.Run(args, func(t *testing.T) {
			before := catalogQuery(t, pool, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_log'::regclass")
			wantSQLState(t, admin.exec("SELECT audit_log_add_partitions("+args+")"), badParameter, "audit_log_add_partitions")
			if after := catalogQuery(t, pool, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_log'::regclass"); after[0] != before[0] {
				t.Errorf("partitions: %s before, %s after", before[0], after[0])
			}
		})
	}
}

// TestAttackLockStarvation: a writer takes the advisory locks that seal and
// alias moves used to queue on, and holds them for its session.
//
// Old code: the seal and the other writer's move both failed with
// "canceling statement due to lock timeout" (55P03).
func TestAttackLockStarvation(t *testing.T) {
	t.Parallel()
	pool, q, f := newFixture(t)
	v2 := registerVersion(t, q, f.ModelID, "2.0.0")
	hog := newLogin(t, pool, "registry_writer")
	hog.must("SELECT pg_advisory_lock(hashtextextended('audit_seal', 0))")
	hog.must("SELECT pg_advisory_lock(hashtextextended('model_alias:' || $1::text || ':champion', 0))", f.ModelID)

	admin := newLogin(t, pool, "registry_admin")
	admin.must("SET lock_timeout = '1s'")
	if err := admin.exec("SELECT * FROM audit_seal(1000000)"); err != nil {
		t.Errorf("seal while a writer holds the old seal lock: %v", err)
	}
	w := newLogin(t, pool, "registry_writer")
	w.must("SET lock_timeout = '1s'")
	if err := w.exec("SELECT * FROM move_model_alias($1, 'champion', $2)", f.ModelID, v2.VersionID); err != nil {
		t.Errorf("alias move while another writer holds the old alias lock: %v", err)
	}
}

// TestAttackEnvironmentIntoProduction: turning an environment into a
// production one would make its live deployments of compliance-required
// models unapproved production deployments.
//
// Old code: UPDATE 1 (as registry_admin), leaving the fixture model's
// unapproved version active in a production environment.
func TestAttackEnvironmentIntoProduction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	if _, err := deploy(ctx, q, f.VersionID, "staging", 100); err != nil {
		t.Fatal(err)
	}
	admin := newLogin(t, pool, "registry_admin")
	before := digest(t, pool)
	wantSQLState(t, admin.exec("UPDATE environments SET environment_type = 'production' WHERE environment_name = 'staging'"), checkFailed, "deployment_requires_approval", "staging")
	unchanged(t, pool, before)
}

// TestAttackFunctionPrivileges: the class behind the shadowing attacks and
// the callable trigger functions, checked over the catalogue: every function
// of the schema pins search_path with pg_temp last; SECURITY DEFINER ones are
// owned by a role that cannot log in and is not a superuser; PUBLIC may
// execute only the functions listed; a function the migrator creates later is
// not executable by PUBLIC unless granted.
//
// Old code: 27 functions without a pinned search_path, audit_changes and
// audit_log_add_partitions owned by the (superuser) migrator, 10 functions
// beyond the list executable by PUBLIC, and a new function executable by
// PUBLIC.
func TestAttackFunctionPrivileges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, _ := newFixture(t)
	const ours = `p.pronamespace = 'public'::regnamespace
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`
	for _, fn := range catalogQuery(t, pool, `SELECT p.oid::regprocedure FROM pg_proc p WHERE `+ours+`
		AND NOT COALESCE('search_path=pg_catalog, public, pg_temp' = ANY (p.proconfig), false) ORDER BY 1`) {
		t.Errorf("%s: search_path not pinned to pg_catalog, public, pg_temp", fn)
	}
	for _, fn := range catalogQuery(t, pool, `SELECT p.oid::regprocedure || ' owned by ' || r.rolname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
		WHERE `+ours+` AND p.prosecdef AND (r.rolcanlogin OR r.rolsuper OR r.rolname NOT IN ('registry_audit_owner', 'registry_rules_owner', 'registry_retention_owner')) ORDER BY 1`) {
		t.Errorf("SECURITY DEFINER %s: want a NOLOGIN owner role of the registry", fn)
	}
	publicOK := map[string]bool{
		"semver_sort_key(text)": true, "version_status_rank(text)": true, "registry_actor()": true,
		"registry_set_actor(text)": true, "audited_tables()": true, "audit_row_key(jsonb,text[])": true,
		"audit_row_content(audit_log)": true, "registry_index_usage()": true,
		"registry_sequential_scans()": true, "registry_table_sizes()": true,
		"registry_transaction_token()": true, "registry_admin_or_owner(regclass)": true,
	}
	for _, fn := range catalogQuery(t, pool, `SELECT p.oid::regprocedure FROM pg_proc p WHERE `+ours+`
		AND has_function_privilege('public', p.oid, 'EXECUTE') ORDER BY 1`) {
		if !publicOK[fn] {
			t.Errorf("PUBLIC may execute %s", fn)
		}
	}
	if _, err := pool.Exec(ctx, "CREATE FUNCTION later_helper() RETURNS int LANGUAGE sql AS 'SELECT 1'"); err != nil {
		t.Fatal(err)
	}
	if got := catalogQuery(t, pool, "SELECT has_function_privilege('public', 'later_helper()', 'EXECUTE')"); got[0] != "f" {
		t.Errorf("a function the migrator creates later is executable by PUBLIC (default privileges)")
	}
}

// TestExaminedAndSafe: attacks looked for that the schema (or PostgreSQL)
// already refused before this suite. Each statement is refused with the
// SQLSTATE given, and nothing changes.
func TestExaminedAndSafe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	approve(t, q, f.ApprovalID)
	if _, err := q.ModelVersionSetStatus(ctx, "validated", f.VersionID); err != nil {
		t.Fatal(err)
	}
	roles := map[string]*login{}
	for _, r := range []string{"registry_reader", "registry_writer", "registry_approver", "registry_admin"} {
		roles[r] = newLogin(t, pool, r)
	}
	cases := []struct{ role, name, sql, code string }{
		{"registry_writer", "TRUNCATE ... CASCADE", "TRUNCATE models CASCADE", denied},
		{"registry_writer", "TRUNCATE the trail", "TRUNCATE audit_log", denied},
		{"registry_writer", "ALTER ... OWNER", "ALTER TABLE models OWNER TO CURRENT_USER", denied},
		{"registry_writer", "disable a trigger", "ALTER TABLE deployments DISABLE TRIGGER deployment_rules", denied},
		{"registry_writer", "session_replication_role", "SET session_replication_role = replica", denied},
		{"registry_writer", "SET ROLE to a role it is not in", "SET ROLE registry_admin", denied},
		{"registry_writer", "dblink", "CREATE EXTENSION dblink", denied},
		{"registry_writer", "a table in public", "CREATE TABLE public.shadow (id int)", denied},
		{"registry_writer", "a function in public", "CREATE FUNCTION public.version_status_rank(integer) RETURNS int LANGUAGE sql AS 'SELECT 0'", denied},
		{"registry_writer", "server files", "SELECT pg_read_file('/etc/passwd')", denied},
		{"registry_writer", "server-side lo_import", "SELECT lo_import('/etc/passwd')", denied},
		{"registry_writer", "COPY from a server file", "COPY teams (team_name) FROM '/etc/hostname'", denied},
		{"registry_writer", "approve through ON CONFLICT", fmt.Sprintf(`INSERT INTO approvals (approval_id, version_id, approval_type, requested_by) VALUES ('%s', '%s', 'compliance', 'me')
			ON CONFLICT (approval_id) DO UPDATE SET status = 'approved'`, f.ApprovalID, f.VersionID), denied},
		{"registry_writer", "version backwards through ON CONFLICT", fmt.Sprintf(`INSERT INTO model_versions (version_id, model_id, semver, artifact_uri, framework, registered_by) VALUES ('%s', '%s', '1.0.0', 's3://x', 'onnx', 'me')
			ON CONFLICT (version_id) DO UPDATE SET status = 'registered'`, f.VersionID, f.ModelID), checkFailed},
		{"registry_writer", "deferred constraints", fmt.Sprintf(`BEGIN; SET CONSTRAINTS ALL DEFERRED;
			INSERT INTO deployments (version_id, environment_id, deployed_by) VALUES ('%s', 999999, 'me'); COMMIT`, f.VersionID), "23503"},
		{"registry_writer", "prepared transaction holding locks", fmt.Sprintf(`BEGIN; UPDATE models SET description = 'x' WHERE model_id = '%s'; PREPARE TRANSACTION 'hold'`, f.ModelID), "55000"},
		{"registry_writer", "temporary function shadowing a helper", `CREATE FUNCTION pg_temp.version_status_rank(text) RETURNS integer LANGUAGE sql AS 'SELECT 0';
			UPDATE model_versions SET status = 'deployed' WHERE semver = '1.0.0'; UPDATE model_versions SET status = 'registered' WHERE semver = '1.0.0'`, checkFailed},
		{"registry_writer", "temporary operator shadowing <", `CREATE FUNCTION pg_temp.never(integer, integer) RETURNS boolean LANGUAGE sql AS 'SELECT false';
			CREATE OPERATOR pg_temp.< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = pg_temp.never);
			UPDATE model_versions SET status = 'archived' WHERE semver = '1.0.0'; UPDATE model_versions SET status = 'validated' WHERE semver = '1.0.0'`, checkFailed},
		{"registry_writer", "read the trail through COPY", "COPY (SELECT * FROM audit_log) TO STDOUT", denied},
		{"registry_writer", "SET SESSION AUTHORIZATION", "SET SESSION AUTHORIZATION registry_admin", denied},
		{"registry_writer", "lock the alias queue", "BEGIN; LOCK TABLE model_alias_locks IN EXCLUSIVE MODE", denied},
		{"registry_writer", "lock an alias row", "BEGIN; SELECT * FROM model_alias_locks FOR UPDATE", denied},
		{"registry_writer", "lock a traffic row", "BEGIN; SELECT * FROM deployment_traffic_locks FOR UPDATE", denied},
		{"registry_writer", "add partitions", "SELECT audit_log_add_partitions(now(), 1)", denied},
		{"registry_admin", "hold the sealer's lock", "BEGIN; LOCK TABLE audit_chain IN EXCLUSIVE MODE", denied},
		{"registry_admin", "write a seal record", "INSERT INTO audit_seals (up_to_id, sealed) VALUES (1, 0)", denied},
		{"registry_admin", "retire a month", "SELECT audit_log_retire_month('2001-01-01')", denied},
		{"registry_approver", "move an approval", fmt.Sprintf("UPDATE approvals SET version_id = version_id WHERE approval_id = '%s'", f.ApprovalID), denied},
		{"registry_approver", "write a deployment", fmt.Sprintf("UPDATE deployments SET traffic_percentage = 1 WHERE deployment_id = '%s'", f.DeploymentID), denied},
		{"registry_admin", "drop the trail", "DROP TABLE audit_log", denied},
		{"registry_admin", "disable the append-only trigger", "ALTER TABLE audit_log DISABLE TRIGGER ALL", denied},
		{"registry_admin", "rewrite a link", "UPDATE audit_chain SET row_hash = ''", denied},
		{"registry_admin", "session_replication_role", "SET session_replication_role = replica", denied},
		{"registry_reader", "read e-mails", "SELECT email FROM users", denied},
		{"registry_reader", "probe e-mails through user_id_for", "SELECT user_id_for('fixture@example.com')", denied},
		{"registry_reader", "read the trail", "SELECT * FROM audit_log", denied},
	}
	for _, c := range cases {
		t.Run(c.role+" "+c.name, func(t *testing.T) {
			before := digest(t, pool)
			// An upsert's UPDATE, and UPDATEs under a shadowing function or
			// operator, fire the lifecycle trigger as any UPDATE does.
			wantSQLState(t, roles[c.role].exec(c.sql), c.code)
			unchanged(t, pool, before)
		})
	}
	// PUBLIC has no CREATE on the schema (PostgreSQL 15's default, and the
	// migrations revoke it for databases upgraded from older versions).
	if got := catalogQuery(t, pool, "SELECT has_schema_privilege('public', 'public', 'CREATE')"); got[0] != "f" {
		t.Errorf("PUBLIC may create objects in schema public")
	}
	// No extension that reaches other databases or the file system.
	if got := catalogQuery(t, pool, "SELECT count(*) FROM pg_extension WHERE extname IN ('dblink', 'postgres_fdw', 'file_fdw', 'adminpack')"); got[0] != "0" {
		t.Errorf("an extension reaching outside the database is installed")
	}
}

// TestAttackAliasRestoreExtendsAHistory: restore_model_alias_period writes
// only the history of an alias that has none, or only periods the same
// transaction restored; it told them apart by the rows' xmin. A move (or a
// removal) in the admin's transaction closes the alias's open period with
// an UPDATE, which gives that row the transaction's xmin too: an alias
// with one period then looks new, and the admin prepends a back-dated
// period under another actor to a history it may not extend.
//
// Old code (20251023002900): both periods restored, the alias's history
// began a year before it was first set, under 'ceo'.
func TestAttackAliasRestoreExtendsAHistory(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"moved", "removed"} {
		t.Run(how, func(t *testing.T) {
			pool, q, f := newFixture(t)
			v2 := registerVersion(t, q, f.ModelID, "2.0.0")
			admin := newLogin(t, pool, "registry_admin")
			var first time.Time
			if err := pool.QueryRow(context.Background(), "SELECT lower(valid_during) FROM model_aliases WHERE model_id = $1 AND alias = 'champion'", f.ModelID).Scan(&first); err != nil {
				t.Fatal(err)
			}
			before := digest(t, pool)
			admin.must("BEGIN")
			if how == "moved" {
				admin.must("SELECT * FROM move_model_alias($1, 'champion', $2)", f.ModelID, v2.VersionID)
			} else {
				admin.must("SELECT * FROM remove_model_alias($1, 'champion')", f.ModelID)
			}
			wantSQLState(t, admin.exec("SELECT restore_model_alias_period(900001, $1, 'champion', $2, $3, $4, 'ceo')",
				f.ModelID, f.VersionID, first.AddDate(-1, 0, 0), first), denied, "has a history already")
			unchanged(t, pool, before)
		})
	}
}
