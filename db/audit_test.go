package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
)

func auditRows(t *testing.T, q *registrydb.Queries, table string) []registrydb.AuditLogListRow {
	t.Helper()
	rows, err := q.AuditLogList(context.Background(), registrydb.AuditLogListParams{TableName: &table, BeforeID: 1 << 62, MaxRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func jsonField(t *testing.T, raw json.RawMessage, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m[key]
}

// TestAuditTrail: every insert, update and delete writes one audit row with
// the transaction's actor, the row's key and the change.
func TestAuditTrail(t *testing.T) {
	ctx := context.Background()
	pool, q, _ := newFixture(t)

	var model registrydb.Model
	err := registry.WithTx(ctx, pool, registry.TxOptions{Actor: "alice"}, func(q *registrydb.Queries) error {
		var err error
		model, err = q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "audited", DisplayName: "Audited"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: "bob"}, func(q *registrydb.Queries) error {
		_, err := q.ModelUpdate(ctx, registrydb.ModelUpdateParams{ModelID: model.ModelID, DisplayName: regtest.Ptr("Audited v2")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.ModelDelete(ctx, model.ModelID); err != nil { // no actor: the database user
		t.Fatal(err)
	}

	var mine []registrydb.AuditLogListRow
	for _, r := range auditRows(t, q, "models") {
		if jsonField(t, r.RowKey, "model_id") == model.ModelID.String() {
			mine = append(mine, r)
		}
	}
	if len(mine) != 3 {
		t.Fatalf("want 3 audit rows for the model, got %d", len(mine))
	}
	del, upd, ins := mine[0], mine[1], mine[2] // newest first
	if ins.Action != "INSERT" || ins.Actor != "alice" || jsonField(t, ins.NewRow, "model_name") != "audited" || ins.OldRow != nil {
		t.Errorf("insert row: %+v", ins)
	}
	if upd.Action != "UPDATE" || upd.Actor != "bob" ||
		jsonField(t, upd.OldRow, "display_name") != "Audited" || jsonField(t, upd.NewRow, "display_name") != "Audited v2" ||
		jsonField(t, upd.NewRow, "model_name") != nil {
		t.Errorf("update row must hold the changed columns only: %+v old=%s new=%s", upd, upd.OldRow, upd.NewRow)
	}
	if del.Action != "DELETE" || del.Actor != del.DbUser || del.Actor == "" || jsonField(t, del.OldRow, "model_name") != "audited" || del.NewRow != nil {
		t.Errorf("delete row: %+v", del)
	}
	actor := "alice"
	byActor, err := q.AuditLogList(ctx, registrydb.AuditLogListParams{Actor: &actor, BeforeID: 1 << 62, MaxRows: 100})
	if err != nil || len(byActor) != 1 || byActor[0].AuditID != ins.AuditID {
		t.Errorf("AuditLogList by actor alice = %d rows, %v", len(byActor), err)
	}
}

// TestAuditOfTruncate: emptying an audited table with TRUNCATE (which fires
// no DELETE trigger) leaves its own audit row.
func TestAuditOfTruncate(t *testing.T) {
	ctx := context.Background()
	pool, q, _ := newFixture(t)
	if _, err := pool.Exec(ctx, "TRUNCATE dataset_tags"); err != nil {
		t.Fatal(err)
	}
	rows := auditRows(t, q, "dataset_tags")
	if len(rows) == 0 || rows[0].Action != "TRUNCATE" || string(rows[0].RowKey) != "{}" {
		t.Fatalf("dataset_tags audit rows, newest first: %+v", rows)
	}
}

// TestAuditOfBulkLoad: a COPY is audited row by row.
func TestAuditOfBulkLoad(t *testing.T) {
	ctx := context.Background()
	_, q, f := newFixture(t)
	before := len(auditRows(t, q, "training_runs"))
	runs := make([]registrydb.TrainingRunInsertManyCopyFromParams, 250)
	for i := range runs {
		runs[i] = registrydb.TrainingRunInsertManyCopyFromParams{RunID: uuid.New(), VersionID: f.VersionID, RunName: regtest.Ptr(fmt.Sprintf("bulk-%d", i)), Status: "queued"}
	}
	n, err := q.TrainingRunInsertManyCopyFrom(ctx, runs)
	if err != nil || n != int64(len(runs)) {
		t.Fatalf("copy: %d, %v", n, err)
	}
	if after := len(auditRows(t, q, "training_runs")); after-before != len(runs) {
		t.Fatalf("COPY of %d runs wrote %d audit rows", len(runs), after-before)
	}
}

// TestAuditLogIsAppendOnly: UPDATE, DELETE and TRUNCATE of the trail are
// refused, also for the owner and a superuser, on the table and its partitions.
func TestAuditLogIsAppendOnly(t *testing.T) {
	pool, _, _ := newFixture(t)
	if _, err := registry.SealAudit(context.Background(), pool, registry.SealOptions{}); err != nil {
		t.Fatal(err) // so that audit_chain has rows to refuse changing
	}
	for _, stmt := range []string{
		"UPDATE audit_log SET actor = 'mallory'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
		"DELETE FROM audit_log_" + time.Now().UTC().Format("2006_01"), // where the seal moved the rows
		"TRUNCATE audit_log_" + time.Now().UTC().Format("2006_01"),
		"TRUNCATE audit_log_default",
		"UPDATE audit_chain SET row_hash = ''",
		"TRUNCATE audit_chain",
	} {
		if code, _ := pgCode(inRolledBackTx(pool, stmt)); code != "42501" {
			t.Errorf("%s: want refusal (42501), got code %q", stmt, code)
		}
	}
	if err := inRolledBackTx(pool, "SELECT count(*) FROM audit_log"); err != nil {
		t.Errorf("reading the trail: %v", err)
	}
}

// TestAuditChain: verify passes on a sealed trail and names the broken links
// after a row is edited, removed or added with triggers disabled.
func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	pool, q, f := newFixture(t)
	head, err := registry.SealAudit(ctx, pool, registry.SealOptions{Actor: "sealer"})
	if err != nil || head.Sealed == 0 || len(head.HeadHash) != 64 {
		t.Fatalf("seal: %+v, %v", head, err)
	}
	if broken, err := q.AuditVerify(ctx); err != nil || len(broken) != 0 {
		t.Fatalf("verify on an intact chain: %+v, %v", broken, err)
	}
	// Writes after the seal are unsealed, not broken.
	if _, err := q.ModelVersionSetStatus(ctx, "validated", f.VersionID); err != nil {
		t.Fatal(err)
	}
	summary, err := q.AuditChainSummary(ctx)
	if err != nil || summary.Unsealed != 1 || summary.HeadID != head.HeadID || summary.HeadHash != head.HeadHash {
		t.Fatalf("summary = %+v, %v", summary, err)
	}
	again, err := registry.SealAudit(ctx, pool, registry.SealOptions{})
	if err != nil || again.Sealed != 1 {
		t.Fatalf("second seal: %+v, %v", again, err)
	}

	middle := head.HeadID / 2
	for _, c := range []struct {
		name, tamper, problem string
	}{
		{"edited", fmt.Sprintf("UPDATE audit_log SET actor = 'mallory' WHERE audit_id = %d", middle), "altered"},
		{"removed", fmt.Sprintf("DELETE FROM audit_log WHERE audit_id = %d", middle), "removed"},
		// Below every sealed id, where no sealed row can be missing a link.
		{"added", `INSERT INTO audit_log (audit_id, tx_time, actor, table_name, action, row_key)
			OVERRIDING SYSTEM VALUE SELECT 0, tx_time, 'mallory', 'models', 'DELETE', '{}' FROM audit_log WHERE audit_id = 1`, "added"},
		{"relinked", fmt.Sprintf("UPDATE audit_chain SET prev_hash = row_hash WHERE audit_id = %d", middle+1), "chain link was altered"},
		// Every sealed row gone: one range, from the first link to the head.
		{"emptied", "DELETE FROM audit_log", "removed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			broken := tamperAndVerify(t, pool, c.tamper)
			if len(broken) != 1 || !strings.Contains(broken[0].Problem, c.problem) {
				t.Fatalf("verify after the row was %s: %+v", c.name, broken)
			}
			want := map[string]int64{"edited": middle, "removed": middle, "added": 0, "relinked": middle + 1, "emptied": 1}[c.name]
			last := map[string]int64{"edited": middle, "removed": middle, "added": 0, "relinked": middle + 1, "emptied": again.HeadID}[c.name]
			if broken[0].AuditID != want || broken[0].LastID != last {
				t.Errorf("broken links %d to %d, want %d to %d", broken[0].AuditID, broken[0].LastID, want, last)
			}
		})
	}
}

// tamperAndVerify changes the trail behind the triggers' back, as a superuser
// with session_replication_role = replica can, runs verify, and rolls back.
func tamperAndVerify(t *testing.T, pool *pgxpool.Pool, tamper string) []registrydb.AuditVerifyRow {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	if tag, err := tx.Exec(ctx, tamper); err != nil || tag.RowsAffected() == 0 {
		t.Fatalf("%s: %v (%d rows)", tamper, err, tag.RowsAffected())
	}
	broken, err := registrydb.New(tx).AuditVerify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return broken
}

// TestAuditLogPrunesPartitions: a trail query bounded by time reads only the
// partitions of the months it can match (and the default one), not the
// months before it.
func TestAuditLogPrunesPartitions(t *testing.T) {
	ctx := context.Background()
	pool, q, _ := newFixture(t)
	// Months before last one are outside audit_log_add_partitions' bounds:
	// the superuser creates six of them as plain DDL (they are still empty).
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	start := thisMonth.AddDate(0, -6, 0)
	for m := range 6 {
		from := start.AddDate(0, m, 0)
		ddl := fmt.Sprintf("CREATE TABLE audit_log_%s PARTITION OF audit_log FOR VALUES FROM ('%s') TO ('%s')",
			from.Format("2006_01"), from.Format(time.RFC3339), from.AddDate(0, 1, 0).Format(time.RFC3339))
		if _, err := pool.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
	}
	// What `mlreg audit seal` asks for: this month (whose rows move out of
	// the default partition) and the next two.
	if created, err := q.AuditAddPartitions(ctx, 3); err != nil || created != 3 {
		t.Fatalf("AuditAddPartitions(3) = %d, %v; want 3 new", created, err)
	}
	if created, err := q.AuditAddPartitions(ctx, 3); err != nil || created != 0 {
		t.Fatalf("AuditAddPartitions(3) again = %d, %v; want 0 new", created, err)
	}
	partitions := catalogQuery(t, pool, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_log'::regclass`)
	if partitions[0] != "10" { // 9 months from six ago, plus the default
		t.Fatalf("audit_log has %s partitions, want 10", partitions[0])
	}
	// The bound is the start of this month: an hour ago (as it was) lies in
	// last month during the first hour of a month, whose partition the plan
	// then rightly reads.
	since := thisMonth
	rows, err := pool.Query(ctx, `EXPLAIN (COSTS OFF) SELECT audit_id FROM audit_log WHERE tx_time >= $1`, since)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	text := strings.Join(lines, "\n")
	for m := 1; m <= 6; m++ {
		past := "audit_log_" + start.AddDate(0, m-1, 0).Format("2006_01")
		if strings.Contains(text, past+" ") {
			t.Errorf("plan reads %s, a month before the bound:\n%s", past, text)
		}
	}
	next := "audit_log_" + thisMonth.AddDate(0, 1, 0).Format("2006_01")
	if !strings.Contains(text, next) {
		t.Errorf("plan should read next month's partition %s:\n%s", next, text)
	}
	if !strings.Contains(text, "audit_log_default") {
		t.Errorf("plan should read the default partition (rows beyond every month land there):\n%s", text)
	}
}

// TestFirstSealCreatesThisMonth: rows written before the first seal land in
// the default partition (no month has a partition yet); the first seal moves
// them into this month's new partition instead of skipping the month for
// good, and the chain over them still verifies.
//
// Old code: audit_log_YYYY_MM for this month was never created (its rows
// kept it out), and every later row of the month went to the default too.
func TestFirstSealCreatesThisMonth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, _ := newFixture(t)
	before := rowCount(t, pool, "audit_log")
	if _, err := registry.SealAudit(ctx, pool, registry.SealOptions{}); err != nil {
		t.Fatal(err)
	}
	month := "audit_log_" + time.Now().UTC().Format("2006_01")
	if got := catalogQuery(t, pool, fmt.Sprintf("SELECT to_regclass('%s') IS NOT NULL", month)); got[0] != "t" {
		t.Fatalf("the first seal did not create %s", month)
	}
	if n := rowCount(t, pool, "audit_log_default"); n != 0 {
		t.Errorf("audit_log_default still holds %d rows of this month", n)
	}
	if n := rowCount(t, pool, month); n != before {
		t.Errorf("%s holds %d rows, want the %d written before the seal", month, n, before)
	}
	if got := catalogQuery(t, pool, "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_log_no_truncate' AND tgrelid IN ('audit_log_default'::regclass, '"+month+"'::regclass)"); got[0] != "2" {
		t.Errorf("the new partitions lack their TRUNCATE guard: %v", got)
	}
	if broken, err := q.AuditVerify(ctx); err != nil || len(broken) != 0 {
		t.Fatalf("verify after the rows moved: %+v, %v", broken, err)
	}
}

// TestAuditRetention: a month retired through audit_log_retire_month is
// recorded, and verify accepts its missing rows; the same month dropped as
// plain DDL is reported as removed.
func TestAuditRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, how := range []string{"retired", "dropped"} {
		t.Run(how, func(t *testing.T) {
			pool, q, _ := newFixture(t)
			// A month three months back, with rows of its own: the superuser
			// writes them the way an import of history would.
			old := time.Now().UTC().AddDate(0, -3, 0)
			from := time.Date(old.Year(), old.Month(), 1, 0, 0, 0, 0, time.UTC)
			part := "audit_log_" + from.Format("2006_01")
			if _, err := pool.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s PARTITION OF audit_log FOR VALUES FROM ('%s') TO ('%s');
				ALTER TABLE %[1]s OWNER TO registry_audit_owner;
				INSERT INTO audit_log (tx_time, actor, table_name, action, row_key)
				SELECT '%s'::timestamptz + i * interval '1 hour', 'importer', 'models', 'INSERT', '{}' FROM generate_series(1, 5) i`,
				part, from.Format(time.RFC3339), from.AddDate(0, 1, 0).Format(time.RFC3339), from.Format(time.RFC3339))); err != nil {
				t.Fatal(err)
			}
			if _, err := registry.SealAudit(ctx, pool, registry.SealOptions{}); err != nil {
				t.Fatal(err)
			}
			if how == "retired" {
				var n int64
				if err := pool.QueryRow(ctx, "SELECT audit_log_retire_month($1)", from).Scan(&n); err != nil || n != 5 {
					t.Fatalf("audit_log_retire_month = %d, %v", n, err)
				}
				if broken, err := q.AuditVerify(ctx); err != nil || len(broken) != 0 {
					t.Fatalf("verify after retention: %+v, %v", broken, err)
				}
				status, err := q.AuditTrailStatus(ctx)
				if err != nil || status.RetiredRows != 5 || status.Seals != 1 {
					t.Fatalf("trail status: %+v, %v", status, err)
				}
				return
			}
			if _, err := pool.Exec(ctx, fmt.Sprintf("ALTER TABLE audit_log DETACH PARTITION %s; DROP TABLE %s", part, part)); err != nil {
				t.Fatal(err)
			}
			broken, err := q.AuditVerify(ctx)
			if err != nil || len(broken) != 1 || !strings.Contains(broken[0].Problem, "removed") || broken[0].RowCount != 5 {
				t.Fatalf("verify after the month was dropped: %+v, %v", broken, err)
			}
		})
	}
	// The admin may not retire the trail; the bounds hold for its owner.
	pool, _, _ := newFixture(t)
	admin := newLogin(t, pool, "registry_admin")
	wantSQLState(t, admin.exec("SELECT audit_log_retire_month(date_trunc('month', now() - interval '1 year')::date)"), denied, "audit_log_retire_month")
	_, err := pool.Exec(ctx, "SELECT audit_log_retire_month(date_trunc('month', now())::date)")
	wantSQLState(t, err, badParameter, "audit_log_retire_month")
}

// TestSetActor: registry_set_actor names the actor of its transaction only;
// a set_config of registry.actor alone, local or not, is ignored with a
// warning, and the database user is the actor.
func TestSetActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _, _ := newFixture(t)
	w := newLogin(t, pool, "registry_writer")
	actorOf := func(team string) string {
		t.Helper()
		var actor string
		if err := pool.QueryRow(ctx, "SELECT actor FROM audit_log WHERE table_name = 'teams' AND new_row->>'team_name' = $1", team).Scan(&actor); err != nil {
			t.Fatal(err)
		}
		return actor
	}
	w.must("BEGIN")
	w.must("SELECT registry_set_actor('alice')")
	w.must("INSERT INTO teams (team_name) VALUES ('t1')")
	w.must("COMMIT")
	w.must("INSERT INTO teams (team_name) VALUES ('t2')")
	if len(w.notices) != 0 {
		t.Errorf("warnings without cause: %q", w.notices)
	}
	w.must("BEGIN")
	w.must("SELECT set_config('registry.actor', 'mallory', true)")
	w.must("INSERT INTO teams (team_name) VALUES ('t3')")
	w.must("COMMIT")
	if len(w.notices) != 1 || !strings.Contains(w.notices[0], `registry.actor "mallory" ignored`) {
		t.Errorf("warnings: %q; want one saying mallory was ignored", w.notices)
	}
	for team, want := range map[string]string{"t1": "alice", "t2": w.name, "t3": w.name} {
		if got := actorOf(team); got != want {
			t.Errorf("actor of %s = %q, want %q", team, got, want)
		}
	}
}

// TestAuditOfStatementsRowByRow: a COPY and a many-row UPDATE, each one
// statement, leave one audit row per row they changed, each with the
// transaction's actor and the row's own key (one key column and two), the
// whole row for the COPY and only the changed column for the UPDATE. A
// change of a key column leaves the old key's row and the new key's row.
//
// Old code: held too (the trigger built each key through audit_row_key);
// this test pins it across the inline keys of 20251023003000.
func TestAuditOfStatementsRowByRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	const n = 300
	runs := make([]registrydb.TrainingRunInsertManyCopyFromParams, n)
	var links []registrydb.RunDatasetInsertManyCopyFromParams // every run's but the first
	for i := range runs {
		runs[i] = registrydb.TrainingRunInsertManyCopyFromParams{RunID: uuid.New(), VersionID: f.VersionID, RunName: regtest.Ptr(fmt.Sprintf("row-%d", i)), Status: "queued"}
		if i > 0 {
			links = append(links, registrydb.RunDatasetInsertManyCopyFromParams{RunID: runs[i].RunID, DatasetID: f.DatasetID, DatasetRole: "training"})
		}
	}
	// write runs fn in a transaction whose actor is loader.
	write := func(fn func(tx pgx.Tx, q *registrydb.Queries) error) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		q := registrydb.New(tx)
		if err := q.SessionSetActor(ctx, "loader"); err != nil {
			t.Fatal(err)
		}
		if err := fn(tx, q); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	write(func(_ pgx.Tx, q *registrydb.Queries) error {
		if _, err := q.TrainingRunInsertManyCopyFrom(ctx, runs); err != nil {
			return err
		}
		_, err := q.RunDatasetInsertManyCopyFrom(ctx, links)
		return err
	})
	write(func(tx pgx.Tx, _ *registrydb.Queries) error {
		_, err := tx.Exec(ctx, "UPDATE training_runs SET status = 'running' WHERE run_name LIKE 'row-%'")
		return err
	})
	type key struct{ action, key string }
	seen := func(table string) map[key]registrydb.AuditLogListRow {
		t.Helper()
		m := map[key]registrydb.AuditLogListRow{}
		for _, r := range auditRows(t, q, table) {
			k := key{r.Action, string(r.RowKey)}
			if _, dup := m[k]; dup {
				t.Errorf("%s: two %s rows for key %s", table, r.Action, r.RowKey)
			}
			m[k] = r
		}
		return m
	}
	runRows, linkRows := seen("training_runs"), seen("run_datasets")
	for i, r := range runs {
		runKey := fmt.Sprintf(`{"run_id": "%s"}`, r.RunID)
		ins, ok := runRows[key{"INSERT", runKey}]
		if !ok || ins.Actor != "loader" || jsonField(t, ins.NewRow, "run_name") != *r.RunName || jsonField(t, ins.NewRow, "status") != "queued" {
			t.Fatalf("INSERT audit row of run %s: %+v (found %t)", r.RunID, ins, ok)
		}
		upd, ok := runRows[key{"UPDATE", runKey}]
		if !ok || upd.Actor != "loader" || string(upd.OldRow) != `{"status": "queued"}` || string(upd.NewRow) != `{"status": "running"}` {
			t.Fatalf("UPDATE audit row of run %s: want the status only, got old %s new %s (found %t)", r.RunID, upd.OldRow, upd.NewRow, ok)
		}
		linkKey := fmt.Sprintf(`{"run_id": "%s", "dataset_id": "%s"}`, r.RunID, f.DatasetID)
		if l, ok := linkRows[key{"INSERT", linkKey}]; i == 0 && ok {
			t.Fatalf("an audit row for a link never made: %s", linkKey)
		} else if i > 0 && (!ok || l.Actor != "loader" || jsonField(t, l.NewRow, "dataset_role") != "training") {
			t.Fatalf("INSERT audit row of link %s: %+v (found %t)", linkKey, l, ok)
		}
	}
	if len(runRows) != 2*n+1 { // and the fixture's run
		t.Errorf("training_runs: %d audit rows, want %d", len(runRows), 2*n+1)
	}

	// A key column changes: the row under its old key and under its new one.
	other := uuid.New()
	write(func(tx pgx.Tx, _ *registrydb.Queries) error {
		_, err := tx.Exec(ctx, "UPDATE training_runs SET run_id = $1 WHERE run_id = $2", other, runs[0].RunID)
		return err
	})
	rows := auditRows(t, q, "training_runs")
	byKey := map[string]registrydb.AuditLogListRow{}
	for _, r := range rows[:2] { // the newest two: the key change
		byKey[string(r.RowKey)] = r
	}
	was, now := byKey[fmt.Sprintf(`{"run_id": "%s"}`, runs[0].RunID)], byKey[fmt.Sprintf(`{"run_id": "%s"}`, other)]
	if was.Action != "UPDATE" || was.NewRow != nil || jsonField(t, was.OldRow, "run_name") != "row-0" {
		t.Errorf("key change, the old key's row: %s old %s new %s", was.Action, was.OldRow, was.NewRow)
	}
	if now.Action != "UPDATE" || now.OldRow != nil || jsonField(t, now.NewRow, "run_name") != "row-0" {
		t.Errorf("key change, the new key's row: %s old %s new %s", now.Action, now.OldRow, now.NewRow)
	}
}
