package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
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
		"DELETE FROM audit_log_default",
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

// TestAuditChain: verify passes on a sealed trail and names the first broken
// link after a row is edited, removed or added with triggers disabled.
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
		{"emptied", "DELETE FROM audit_log", "audit_log is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			broken := tamperAndVerify(t, pool, c.tamper)
			if len(broken) != 1 || !strings.Contains(broken[0].Problem, c.problem) {
				t.Fatalf("verify after the row was %s: %+v", c.name, broken)
			}
			want := map[string]int64{"edited": middle, "removed": middle, "added": 0, "relinked": middle + 1, "emptied": again.HeadID}[c.name]
			if broken[0].AuditID != want {
				t.Errorf("first broken link at %d, want %d", broken[0].AuditID, want)
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
	// Months before this one are still empty, so they can be partitions too.
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	start := thisMonth.AddDate(0, -6, 0)
	if _, err := pool.Exec(ctx, "SELECT audit_log_add_partitions($1, 9)", start); err != nil {
		t.Fatal(err)
	}
	// What `mlreg audit seal` asks for: this month and the next two exist.
	if created, err := q.AuditAddPartitions(ctx, 3); err != nil || created != 0 {
		t.Fatalf("AuditAddPartitions(3) after the above = %d, %v; want 0 new", created, err)
	}
	partitions := catalogQuery(t, pool, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_log'::regclass`)
	if partitions[0] != "9" { // 8 months from six ago (this month's rows are in the default), plus the default
		t.Fatalf("audit_log has %s partitions, want 9", partitions[0])
	}
	since := time.Now().Add(-time.Hour)
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
		t.Errorf("plan should read the default partition, which holds this month:\n%s", text)
	}
}
