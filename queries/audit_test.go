package queries_test

import (
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestAuditSeal seals the audit rows up to the last id handed out, twice,
// then the rows written since.
func TestAuditSeal(t *testing.T) {
	t.Parallel()
	ctx, _, q, _ := setup(t)

	// The fixture's writes were audited: the last id is the newest row's.
	last := res(q.AuditLogLastID(ctx)).must(t)
	newest := res(q.AuditLogList(ctx, registrydb.AuditLogListParams{BeforeID: math.MaxInt64, MaxRows: 1})).must(t)
	if len(newest) != 1 || last != newest[0].AuditID {
		t.Fatalf("AuditLogLastID = %d, newest audit row %+v", last, newest)
	}
	unsealed := res(q.AuditChainSummary(ctx)).must(t).Unsealed

	hash := regexp.MustCompile(`^[0-9a-f]{64}$`)
	head := res(q.AuditSeal(ctx, last)).must(t)
	if head.Sealed != unsealed || head.HeadID != last || !hash.MatchString(head.HeadHash) {
		t.Fatalf("AuditSeal(%d) = %+v, want %d rows sealed up to %d", last, head, unsealed, last)
	}
	if again := res(q.AuditSeal(ctx, last)).must(t); again.Sealed != 0 || again.HeadID != head.HeadID || again.HeadHash != head.HeadHash {
		t.Errorf("second AuditSeal(%d) = %+v, want nothing sealed and the same head %+v", last, again, head)
	}
	if broken := res(q.AuditVerify(ctx)).must(t); len(broken) != 0 {
		t.Errorf("AuditVerify after the seal: %+v", broken)
	}

	// Two more audited writes: the last id moves, the next seal takes both.
	team := res(q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "sealed-later"})).must(t)
	res(q.TeamUpdate(ctx, registrydb.TeamUpdateParams{TeamID: team.TeamID, CostCenter: ptr("cc-1")})).must(t)
	next := res(q.AuditLogLastID(ctx)).must(t)
	if next <= last {
		t.Fatalf("AuditLogLastID after two writes = %d, was %d", next, last)
	}
	moved := res(q.AuditSeal(ctx, next)).must(t)
	if moved.Sealed != 2 || moved.HeadID != next || moved.HeadHash == head.HeadHash || !hash.MatchString(moved.HeadHash) {
		t.Errorf("AuditSeal(%d) after two writes = %+v", next, moved)
	}
}

// TestAuditSnapshotWaitsForOpenTransactions: a transaction that wrote (so
// holds an id, and may hold an audit id) and is still open is below the
// xmax taken after it, so the transactions before xmax have not finished.
func TestAuditSnapshotWaitsForOpenTransactions(t *testing.T) {
	t.Parallel()
	ctx, pool, q, _ := setup(t)

	tx, err := pool.Begin(ctx)
	must(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
	res(q.WithTx(tx).TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "open"})).must(t)
	var open int64
	must(t, tx.QueryRow(ctx, "SELECT pg_current_xact_id()::text::bigint").Scan(&open))

	xmax := res(q.AuditSnapshotXmax(ctx)).must(t)
	if xmax <= open {
		t.Fatalf("AuditSnapshotXmax = %d, not above the open transaction %d", xmax, open)
	}
	if done := res(q.AuditTransactionsFinishedBefore(ctx, xmax)).must(t); done {
		t.Fatal("AuditTransactionsFinishedBefore = true while a transaction below xmax is open")
	}
	must(t, tx.Commit(ctx))

	// Transaction ids are the server's: another database's transaction
	// older than xmax also holds the answer back. Wait a while, then accept
	// false only when such a transaction is still running.
	deadline := time.Now().Add(5 * time.Second)
	for !res(q.AuditTransactionsFinishedBefore(ctx, xmax)).must(t) {
		if time.Now().After(deadline) {
			var older int
			must(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE backend_xid::text::bigint < $1", xmax).Scan(&older))
			if older == 0 {
				t.Fatal("AuditTransactionsFinishedBefore stayed false after every older transaction ended")
			}
			t.Logf("%d transaction(s) of other sessions older than xmax still run; not waiting for them", older)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if finished := res(q.AuditTransactionsFinishedBefore(ctx, 1)).must(t); !finished {
		t.Error("AuditTransactionsFinishedBefore(1) = false: no transaction precedes id 1")
	}
	if later := res(q.AuditSnapshotXmax(ctx)).must(t); later <= xmax {
		t.Errorf("AuditSnapshotXmax went from %d to %d, want a later id", xmax, later)
	}
}

// TestAuditAddPartitions creates this month's partition and the next two;
// this month's rows (the fixture's) move to it out of the default partition.
// It creates nothing the second time.
func TestAuditAddPartitions(t *testing.T) {
	t.Parallel()
	ctx, pool, q, _ := setup(t)

	created := res(q.AuditAddPartitions(ctx, 3)).must(t)
	rows, err := pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'audit_log'::regclass AND c.relname <> 'audit_log_default' ORDER BY 1`)
	must(t, err)
	var parts []string
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		parts = append(parts, name)
	}
	must(t, rows.Err())
	if int(created) != len(parts) {
		t.Errorf("AuditAddPartitions(3) = %d, but %d partitions exist: %v", created, len(parts), parts)
	}
	// The database clock decides the months; read it rather than Go's.
	var now time.Time
	must(t, pool.QueryRow(ctx, "SELECT now()").Scan(&now))
	month := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	want := []string{"audit_log_" + month.Format("2006_01"), "audit_log_" + month.AddDate(0, 1, 0).Format("2006_01"), "audit_log_" + month.AddDate(0, 2, 0).Format("2006_01")}
	if !equal(parts, want) {
		t.Errorf("partitions = %v, want %v", parts, want)
	}
	var left int
	must(t, pool.QueryRow(ctx, "SELECT count(*) FROM audit_log_default").Scan(&left))
	if left != 0 {
		t.Errorf("audit_log_default keeps %d rows of this month", left)
	}
	if again := res(q.AuditAddPartitions(ctx, 3)).must(t); again != 0 {
		t.Errorf("second AuditAddPartitions(3) created %d", again)
	}
}
