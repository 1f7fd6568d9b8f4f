package stats_test

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
	"github.com/mlplatform/model-registry/stats"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// registryDB is a migrated database of the test's own with the sample
// registry: a pool for Collect and a connection of its own that does the
// work the statistics are to count. The sample is loaded through that
// connection, and its counts are waited for, so that no count of the load
// arrives later, in the middle of a test.
func registryDB(t *testing.T) (*pgxpool.Pool, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	err = registry.WithTx(ctx, conn, registry.TxOptions{Actor: "test"}, func(q *registrydb.Queries) error {
		_, err := seed.Sample(ctx, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	flush(t, conn)
	waitFor(t, pool, "the sample's rows", func(r stats.Report) (bool, string) {
		runs := table(t, r, "training_runs")
		return runs.LiveRows > 0, fmt.Sprintf("%+v", runs)
	})
	return pool, conn
}

func run(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// flush makes conn's backend report its counts now: a backend reports them
// when it goes idle, at most once a second, unless forced.
func flush(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	run(t, conn, "SELECT pg_stat_force_next_flush()")
}

func collect(t *testing.T, pool *pgxpool.Pool) stats.Report {
	t.Helper()
	r, err := stats.Collect(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// waitFor collects until cond holds (the counts of a flushed backend reach
// the shared statistics at once, but give them time on a loaded machine),
// and fails with what the last report said otherwise.
func waitFor(t *testing.T, pool *pgxpool.Pool, what string, cond func(stats.Report) (bool, string)) stats.Report {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := collect(t, pool)
		ok, state := cond(r)
		if ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %s", what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func table(t *testing.T, r stats.Report, name string) stats.Table {
	t.Helper()
	for _, tb := range r.Tables {
		if tb.Name == name {
			return tb
		}
	}
	t.Fatalf("no table %s in the report", name)
	return stats.Table{}
}

func index(t *testing.T, r stats.Report, name string) stats.Index {
	t.Helper()
	for _, i := range r.Indexes {
		if i.Name == name {
			return i
		}
	}
	t.Fatalf("no index %s in the report", name)
	return stats.Index{}
}

// indexOfPlan is the one index the plan of sql reads, when index scans are
// the only way left (enable_seqscan off on conn).
func indexOfPlan(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var plan strings.Builder
	rows, err := conn.Query(context.Background(), "EXPLAIN "+sql)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Index (?:Only )?Scan (?:using|on) (\w+)`).FindAllStringSubmatch(plan.String(), -1)
	if len(m) != 1 {
		t.Fatalf("%s: want a plan reading one index, got\n%s", sql, plan.String())
	}
	return m[0][1]
}

// TestIndexUsedAndNeverUsed: on a fresh database every index starts never
// used; an index no constraint or foreign key needs is a drop candidate
// until a query reads it, and stops being one after; an index nobody reads
// stays one.
func TestIndexUsedAndNeverUsed(t *testing.T) {
	pool, conn := registryDB(t)
	run(t, conn, "SET enable_seqscan = off")
	const byRisk = "SELECT count(*) FROM models WHERE risk_level = 'high'"
	used := indexOfPlan(t, conn, byRisk)

	before := collect(t, pool)
	if i := index(t, before, used); !i.NeverUsed || !i.DropCandidate() || i.Scans != 0 {
		t.Fatalf("%s before any query reads it: %+v, want never used, a drop candidate", used, i)
	}
	const untouched = "idx_training_hyperparams" // a GIN index only a hyperparameter search would read
	if i := index(t, before, untouched); !i.DropCandidate() {
		t.Fatalf("%s: %+v, want a drop candidate", untouched, i)
	}

	for range 3 {
		run(t, conn, byRisk)
	}
	flush(t, conn)
	after := waitFor(t, pool, used+" scanned 3 times", func(r stats.Report) (bool, string) {
		i := index(t, r, used)
		return i.Scans >= 3, fmt.Sprintf("%+v", i)
	})
	if i := index(t, after, used); i.NeverUsed || i.DropCandidate() || i.Scans != 3 {
		t.Errorf("%s after 3 queries read it: %+v, want 3 scans, used, no drop candidate", used, i)
	}
	if i := index(t, after, untouched); !i.NeverUsed || !i.DropCandidate() {
		t.Errorf("%s, which no query read: %+v, want still a drop candidate", untouched, i)
	}
}

// TestConstraintAndForeignKeyIndexesAreKept: an index that enforces a
// constraint, or that a foreign key's delete probes, is never a drop
// candidate; StatsIndexSizes names them, as the catalogue does.
func TestConstraintAndForeignKeyIndexesAreKept(t *testing.T) {
	ctx := context.Background()
	pool, _ := registryDB(t)
	q := registrydb.New(pool)
	sizes, err := q.StatsIndexSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fks, err := q.CatalogForeignKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	constraintIndexes := 0
	for _, s := range sizes {
		for _, fk := range s.ServesForeignKeys {
			served[s.TableName+"."+fk] = true
		}
		if s.BacksConstraint != nil {
			constraintIndexes++
		}
	}
	// db.TestForeignKeysAreIndexed holds every foreign key to an index
	// led by its columns: the report must find each of them.
	for _, fk := range fks {
		if !served[fk.TableName+"."+fk.ConstraintName] {
			t.Errorf("foreign key %s of %s: no index reported as serving it", fk.ConstraintName, fk.TableName)
		}
	}
	var want int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_constraint
		WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'x') AND conindid <> 0
		  AND (SELECT relkind FROM pg_class WHERE oid = conindid) = 'i'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if constraintIndexes != want {
		t.Errorf("%d indexes reported backing a constraint, the catalogue has %d", constraintIndexes, want)
	}
	for _, i := range collect(t, pool).Indexes {
		if i.DropCandidate() && (i.BacksConstraint != nil || len(i.ServesForeignKeys) > 0) {
			t.Errorf("%s is a drop candidate but enforces %v / serves %v", i.Name, i.BacksConstraint, i.ServesForeignKeys)
		}
	}
}

// TestSequentialScansAndDeadRows: whole-table scans of a table that grows
// are counted; updates leave dead rows, which a VACUUM reclaims and dates.
// Autovacuum is off for the table so that it cannot reclaim them first.
func TestSequentialScansAndDeadRows(t *testing.T) {
	pool, conn := registryDB(t)
	run(t, conn, "ALTER TABLE training_runs SET (autovacuum_enabled = off, toast.autovacuum_enabled = off)")
	before := collect(t, pool)
	runs := table(t, before, "training_runs")
	if !runs.Grows || runs.LiveRows == 0 {
		t.Fatalf("training_runs before: %+v, want a growing table with the sample's rows", runs)
	}
	if runs.LastVacuum != nil {
		t.Fatalf("training_runs was vacuumed before the test vacuumed it: %+v", runs)
	}

	run(t, conn, "SET enable_indexscan = off")
	run(t, conn, "SET enable_indexonlyscan = off")
	run(t, conn, "SET enable_bitmapscan = off")
	for range 3 {
		run(t, conn, "SELECT count(*) FROM training_runs")
	}
	var updated int64
	for range 2 {
		tag, err := conn.Exec(context.Background(), "UPDATE training_runs SET notes = coalesce(notes, '') || '.'")
		if err != nil {
			t.Fatal(err)
		}
		updated += tag.RowsAffected()
	}
	if updated == 0 {
		t.Fatal("the sample has no training runs to update")
	}
	flush(t, conn)
	scanned := waitFor(t, pool, "3 more scans and the dead rows of the updates", func(r stats.Report) (bool, string) {
		tr := table(t, r, "training_runs")
		return tr.SeqScans >= runs.SeqScans+3 && tr.DeadRows >= runs.DeadRows+updated, fmt.Sprintf("%+v", tr)
	})
	got := table(t, scanned, "training_runs")
	// The two updates scanned the table whole too (index scans are off).
	if got.SeqScans != runs.SeqScans+5 || got.AvgRowsPerSeqScan == nil {
		t.Errorf("training_runs scans: %d before, %d after 3 counts and 2 updates: %+v", runs.SeqScans, got.SeqScans, got)
	}
	if got.DeadRows < updated {
		t.Errorf("training_runs after updating %d rows: %d dead rows", updated, got.DeadRows)
	}

	run(t, conn, "VACUUM training_runs")
	flush(t, conn)
	vacuumed := waitFor(t, pool, "the vacuum", func(r stats.Report) (bool, string) {
		tr := table(t, r, "training_runs")
		return tr.LastVacuum != nil, fmt.Sprintf("%+v", tr)
	})
	if tr := table(t, vacuumed, "training_runs"); tr.DeadRows >= got.DeadRows || tr.LastAutovacuum != nil {
		t.Errorf("training_runs after VACUUM: %+v, want fewer than %d dead rows and a manual vacuum", tr, got.DeadRows)
	}
}

// TestPartitionsFoldIntoTheirTable: audit_log holds no rows itself; its
// figures in the report are its partitions' sums, and each partition is
// reported too, naming it.
func TestPartitionsFoldIntoTheirTable(t *testing.T) {
	ctx := context.Background()
	pool, _ := registryDB(t)
	if _, err := registry.SealAudit(ctx, pool, registry.SealOptions{Actor: "test"}); err != nil {
		t.Fatal(err) // creates this month's partition and two more
	}
	r := collect(t, pool)
	parent := table(t, r, "audit_log")
	var sum stats.Table
	partitions := 0
	for _, tb := range r.Tables {
		if tb.PartitionOf != nil && *tb.PartitionOf == "audit_log" {
			partitions++
			sum.TotalBytes += tb.TotalBytes
			sum.TableBytes += tb.TableBytes
			sum.LiveRows += tb.LiveRows
			if !tb.Grows {
				t.Errorf("partition %s of a growing table not marked growing", tb.Name)
			}
		}
	}
	if partitions < 4 { // the default partition and three months
		t.Fatalf("%d partitions of audit_log reported, want at least 4", partitions)
	}
	if !parent.Partitioned || parent.TotalBytes != sum.TotalBytes || parent.TableBytes != sum.TableBytes ||
		parent.LiveRows != sum.LiveRows || parent.TotalBytes == 0 {
		t.Errorf("audit_log %+v, want its partitions' sums %+v", parent, sum)
	}
	if teams := table(t, r, "teams"); teams.Partitioned || teams.PartitionOf != nil || teams.Grows {
		t.Errorf("teams: %+v", teams)
	}
}

// TestGrowingTablesExist: a table renamed or dropped must not silently
// leave stats.Growing.
func TestGrowingTablesExist(t *testing.T) {
	pool, _ := registryDB(t)
	r := collect(t, pool)
	for _, name := range stats.Growing {
		if tb := table(t, r, name); !tb.Grows {
			t.Errorf("%s is in stats.Growing but not marked growing", name)
		}
	}
}

// TestStatisticsSinceAndSnapshot: a new database's counters run from its
// creation (StatsSince is NULL); after pg_stat_reset() they run from the
// reset, and the index scanned before it is never used again. Within a
// transaction under StatsSnapshot, a second reading returns the first
// one's counts although the backend has flushed more in between.
func TestStatisticsSinceAndSnapshot(t *testing.T) {
	ctx := context.Background()
	pool, conn := registryDB(t)
	q := registrydb.New(pool)
	since, err := q.StatsSince(ctx)
	if err != nil || since != nil {
		t.Fatalf("StatsSince of a new database: %v, %v; want NULL", since, err)
	}
	run(t, conn, "SET enable_seqscan = off")
	const byName = "SELECT count(*) FROM models WHERE model_name = 'fraud-detector'"
	used := indexOfPlan(t, conn, byName)
	run(t, conn, byName)
	flush(t, conn)
	waitFor(t, pool, used+" scanned", func(r stats.Report) (bool, string) {
		i := index(t, r, used)
		return !i.NeverUsed, fmt.Sprintf("%+v", i)
	})

	tx, err := pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	txq := registrydb.New(tx)
	if err := txq.StatsSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := txq.StatsTableMaintenance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run(t, conn, "UPDATE models SET description = coalesce(description, '') || '.'")
	flush(t, conn)
	waitFor(t, pool, "the update's dead rows", func(r stats.Report) (bool, string) {
		m := table(t, r, "models")
		return m.DeadRows > 0, fmt.Sprintf("%+v", m)
	})
	second, err := txq.StatsTableMaintenance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("two readings of one snapshot differ:\n%v\n%v", first, second)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	run(t, conn, "SELECT pg_stat_reset()")
	since, err = q.StatsSince(ctx)
	if err != nil || since == nil || time.Since(*since) > time.Hour {
		t.Fatalf("StatsSince after pg_stat_reset(): %v, %v", since, err)
	}
	r := collect(t, pool)
	if r.StatisticsSince == nil || !r.StatisticsSince.Equal(*since) {
		t.Errorf("report counts since %v, the reset was at %v", r.StatisticsSince, since)
	}
	if i := index(t, r, used); !i.NeverUsed {
		t.Errorf("%s after the reset: %+v, want never used", used, i)
	}
}

// TestBytesMatchesPgSizePretty: the text report writes sizes as the
// exercise's Part 6.3 query does, through pg_size_pretty.
func TestBytesMatchesPgSizePretty(t *testing.T) {
	ctx := context.Background()
	pool, _ := registryDB(t)
	var sizes []int64
	for _, unit := range []int64{1, 1 << 10, 1 << 20, 1 << 30, 1 << 40, 1 << 50} {
		for _, n := range []int64{0, 1, 511, 512, 513, 1023, 1024, 10*1024 - 1, 10 * 1024, 10*1024 + 511, 10*1024 + 512, 20*1024 - 1, 20 * 1024} {
			if n > (math.MaxInt64-unit)/unit {
				continue // past what a bigint holds
			}
			sizes = append(sizes, n*unit, n*unit+unit/2, n*unit+unit/2-1)
		}
	}
	sizes = append(sizes, 1<<62, math.MaxInt64, 123456789, 987654321012)
	for _, n := range sizes {
		var want string
		if err := pool.QueryRow(ctx, "SELECT pg_size_pretty($1::bigint)", n).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := stats.Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, pg_size_pretty says %q", n, got, want)
		}
	}
}

// TestCollectAsReader: the report reads only catalog and statistics views,
// which PostgreSQL shows every role, and statistics functions PUBLIC may
// execute. A login role in registry_reader gets the full report, and so
// does a role with no right in the registry at all: it shows names, sizes
// and counts, never a row.
func TestCollectAsReader(t *testing.T) {
	ctx := context.Background()
	pool, _ := registryDB(t)
	want := collect(t, pool)
	for _, groups := range []string{"IN ROLE registry_reader", ""} {
		suffix := make([]byte, 6)
		if _, err := crand.Read(suffix); err != nil {
			t.Fatal(err)
		}
		role := "stats_" + hex.EncodeToString(suffix)
		if _, err := pool.Exec(ctx, "CREATE ROLE "+role+" LOGIN "+groups); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
		cfg := pool.Config().ConnConfig.Copy()
		cfg.User, cfg.Password = role, ""
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("connecting as %s: %v", role, err)
		}
		got, err := stats.Collect(ctx, conn)
		conn.Close(ctx)
		if err != nil {
			t.Fatalf("Collect as a role %q: %v", groups, err)
		}
		if len(got.Tables) != len(want.Tables) || len(got.Indexes) != len(want.Indexes) {
			t.Errorf("Collect as a role %q: %d tables, %d indexes; as the owner %d, %d",
				groups, len(got.Tables), len(got.Indexes), len(want.Tables), len(want.Indexes))
		}
	}
}
