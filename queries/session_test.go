package queries_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestSessionSetActorIsTransactionLocal sets registry.actor in a transaction:
// later statements of that transaction see it, the same connection after the
// transaction does not.
func TestSessionSetActorIsTransactionLocal(t *testing.T) {
	t.Parallel()
	ctx, pool, _, _ := setup(t)
	conn, err := pool.Acquire(ctx)
	must(t, err)
	defer conn.Release()

	const read = "SELECT current_setting('registry.actor', true)"
	actor := func(row pgx.Row) string {
		var s *string // NULL when never set on the connection
		must(t, row.Scan(&s))
		return val(s)
	}
	for _, end := range []string{"commit", "rollback"} {
		tx, err := conn.Begin(ctx)
		must(t, err)
		q := registrydb.New(tx)
		must(t, q.SessionSetActor(ctx, "alice"))
		if got := actor(tx.QueryRow(ctx, read)); got != "alice" {
			t.Errorf("registry.actor in the transaction = %q, want alice", got)
		}
		must(t, q.SessionSetActor(ctx, "bob"))
		if got := actor(tx.QueryRow(ctx, read)); got != "bob" {
			t.Errorf("registry.actor after a second SessionSetActor = %q, want bob", got)
		}
		if end == "commit" {
			must(t, tx.Commit(ctx))
		} else {
			must(t, tx.Rollback(ctx))
		}
		if got := actor(conn.QueryRow(ctx, read)); got != "" {
			t.Errorf("registry.actor on the connection after %s = %q, want it unset", end, got)
		}
	}
}

// TestSessionSetActorNamesTheAuditActor shows the actor where it is used:
// each change audited in the transaction carries the actor set before it;
// a change after the transaction carries the database user instead.
func TestSessionSetActorNamesTheAuditActor(t *testing.T) {
	t.Parallel()
	ctx, pool, q, _ := setup(t)

	tx, err := pool.Begin(ctx)
	must(t, err)
	qtx := q.WithTx(tx)
	must(t, qtx.SessionSetActor(ctx, "alice"))
	byAlice := res(qtx.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "by-alice"})).must(t)
	must(t, qtx.SessionSetActor(ctx, "bob"))
	byBob := res(qtx.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "by-bob"})).must(t)
	must(t, tx.Commit(ctx))
	after := res(q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "after"})).must(t)

	rows := res(q.AuditLogList(ctx, registrydb.AuditLogListParams{TableName: ptr("teams"), BeforeID: math.MaxInt64, MaxRows: 10})).must(t)
	actorOf := map[string]string{}
	for _, r := range rows {
		var key struct {
			TeamID string `json:"team_id"`
		}
		must(t, json.Unmarshal(r.RowKey, &key))
		if r.Action == "INSERT" {
			actorOf[key.TeamID] = r.Actor
		}
	}
	if got := actorOf[byAlice.TeamID.String()]; got != "alice" {
		t.Errorf("actor of the insert after SessionSetActor(alice) = %q", got)
	}
	if got := actorOf[byBob.TeamID.String()]; got != "bob" {
		t.Errorf("actor of the insert after SessionSetActor(bob) = %q", got)
	}
	if got := actorOf[after.TeamID.String()]; got == "" || got == "alice" || got == "bob" {
		t.Errorf("actor of an insert after the transaction = %q, want the database user", got)
	}
}

// TestSessionSetWorkMemIsTransactionLocal raises work_mem in a transaction:
// its statements see the new value, the connection after it the old one,
// and a value that is not a size is refused.
func TestSessionSetWorkMemIsTransactionLocal(t *testing.T) {
	t.Parallel()
	ctx, pool, _, _ := setup(t)
	conn, err := pool.Acquire(ctx)
	must(t, err)
	defer conn.Release()

	const read = "SELECT current_setting('work_mem')"
	workMem := func(row pgx.Row) string {
		var s string
		must(t, row.Scan(&s))
		return s
	}
	before := workMem(conn.QueryRow(ctx, read))
	tx, err := conn.Begin(ctx)
	must(t, err)
	must(t, registrydb.New(tx).SessionSetWorkMem(ctx, "64MB"))
	if got := workMem(tx.QueryRow(ctx, read)); got != "64MB" {
		t.Errorf("work_mem in the transaction = %q, want 64MB", got)
	}
	must(t, tx.Commit(ctx))
	if got := workMem(conn.QueryRow(ctx, read)); got != before {
		t.Errorf("work_mem after the transaction = %q, want %q as before it", got, before)
	}

	tx, err = conn.Begin(ctx)
	must(t, err)
	defer tx.Rollback(ctx)
	if err := registrydb.New(tx).SessionSetWorkMem(ctx, "plenty"); err == nil {
		t.Error("SessionSetWorkMem(plenty) succeeded, want invalid_parameter_value")
	}
}

// TestSessionLockSampleSeed: the sample seed's lock is held by a
// transaction until it ends; a second transaction waits for it.
func TestSessionLockSampleSeed(t *testing.T) {
	t.Parallel()
	ctx, pool, _, _ := setup(t)
	first, err := pool.Begin(ctx)
	must(t, err)
	defer first.Rollback(ctx)
	must(t, registrydb.New(first).SessionLockSampleSeed(ctx))
	second, err := pool.Begin(ctx)
	must(t, err)
	defer second.Rollback(ctx)
	took := make(chan error, 1)
	go func() { took <- registrydb.New(second).SessionLockSampleSeed(ctx) }()
	select {
	case err := <-took:
		t.Fatalf("the second transaction took the held lock (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	must(t, first.Commit(ctx))
	if err := <-took; err != nil {
		t.Fatalf("after the first transaction ended: %v", err)
	}
}
