// Command partitioning measures what partitioning training_runs by
// created_at (a partition a month, as the exercise's Part 8.2 proposes past
// 10 M rows) would cost and gain for the queries the registry runs, on a
// synthetic registry, and prints the figures docs/scaling.md records:
//
//	go run ./internal/cmd/partitioning --size medium
//
// It loads a registry of that size (seed.Scale) into a scratch database of
// its own on the server of TEST_DATABASE_URL (or a throwaway cluster), then
// builds two copies of training_runs and run_datasets from the same rows
// with the same indexes and no triggers: tr_plain and rd_plain as the
// schema has them, and tr_part partitioned by month of created_at (primary
// key (run_id, created_at), as PostgreSQL requires) with rd_part carrying
// the run's created_at (run_created_at) for its foreign key (run_id,
// run_created_at) -> tr_part. Every query is then run against both with the
// same arguments, alternating which goes first, as prepared statements
// (what pgx sends); it prints the median time a call of each, the ratio,
// and the buffers and partitions one call touches (EXPLAIN ANALYZE,
// BUFFERS). Last, the writes: inserting runs, and removing the runs older
// than a year (DELETE, against dropping whole partitions), with the WAL
// each writes. The scratch database is dropped afterwards.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/migrate"
	"github.com/mlplatform/model-registry/seed"
)

func main() {
	size := flag.String("size", "medium", "synthetic registry: tiny, small, medium or large")
	calls := flag.Int("calls", 300, "calls of each lookup against each table (scans run a tenth as often, at least 3)")
	keep := flag.Bool("keep", false, "keep the scratch database (its URL is printed) for another run with --reuse")
	reuse := flag.String("reuse", "", "URL of a database a --keep run loaded: measure again without loading")
	flag.Parse()
	if err := run(context.Background(), *size, *calls, *keep, *reuse, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "partitioning:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, sizeName string, calls int, keep bool, reuse string, out, log io.Writer) error {
	size, err := seed.ParseSize(sizeName)
	if err != nil {
		return err
	}
	if reuse != "" {
		pool, err := pgxpool.New(ctx, reuse)
		if err != nil {
			return err
		}
		defer pool.Close()
		if _, err := pool.Exec(ctx, "DROP TABLE IF EXISTS rd_plain, rd_part, tr_plain, tr_part CASCADE"); err != nil {
			return err
		}
		return measureOn(ctx, pool, size, calls, out, log)
	}
	srv, err := pgserver.Start(ctx, "TEST_DATABASE_URL")
	if err != nil {
		return err
	}
	defer srv.Stop()
	name := fmt.Sprintf("partitioning_study_%d", time.Now().UnixNano())
	dbURL, err := srv.DatabaseURL(name)
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(log, "partitioning: keeping %s\n", redacted(dbURL))
	} else {
		defer func() {
			if err := migrate.Drop(context.WithoutCancel(ctx), dbURL); err != nil {
				fmt.Fprintf(log, "partitioning: dropping %s: %v\n", name, err)
			}
		}()
	}
	fmt.Fprintf(log, "partitioning: migrating %s and loading the %s registry\n", redacted(dbURL), size.Name)
	if err := migrate.Up(ctx, dbURL, io.Discard); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	return studyOn(ctx, pool, size, calls, out, log)
}

// studyOn loads the registry of size into pool's migrated, empty
// database, builds the copies, measures and reports.
func studyOn(ctx context.Context, pool *pgxpool.Pool, size seed.Size, calls int, out, log io.Writer) error {
	if _, err := seed.Scale(ctx, pool, size, seed.ScaleOptions{Seed: 1, Actor: "partitioning"}); err != nil {
		return err
	}
	return measureOn(ctx, pool, size, calls, out, log)
}

// measureOn builds the copies in pool's database, which holds a loaded
// registry, measures and reports.
func measureOn(ctx context.Context, pool *pgxpool.Pool, size seed.Size, calls int, out, log io.Writer) error {
	s := &study{pool: pool, calls: calls, log: log, keepMonths: 12}
	if err := s.build(ctx); err != nil {
		return err
	}
	if err := s.measure(ctx); err != nil {
		return err
	}
	s.report(out, size)
	return nil
}

func redacted(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the scratch database"
	}
	return p.Redacted()
}

// study holds the copies' facts and the measurements.
type study struct {
	pool   *pgxpool.Pool
	calls  int
	log    io.Writer
	months int // partitions of tr_part, the default one aside
	// keepMonths is the retention the last write applies: runs older
	// than this many months before the newest are removed.
	keepMonths int
	runs       int64
	links      int64
	oldest     time.Time
	newest     time.Time
	sizes      [4]int64 // total bytes: tr_plain, tr_part, rd_plain, rd_part
	reads      []result
	writes     []writeResult
}

// The copies. Both hold the same rows with the indexes of the schema; the
// partitioned one has what partitioning forces: created_at in the primary
// key (and NOT NULL), and the run's created_at in run_datasets for the
// foreign key. Statements here name tables the study creates, so they are
// SQL of the study's own rather than generated queries.
const plainDDL = `
CREATE TABLE tr_plain (LIKE training_runs INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO tr_plain SELECT * FROM training_runs;
ALTER TABLE tr_plain ADD PRIMARY KEY (run_id);
CREATE TABLE rd_plain (LIKE run_datasets INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO rd_plain SELECT * FROM run_datasets;
ALTER TABLE rd_plain ADD PRIMARY KEY (run_id, dataset_id, dataset_role),
    ADD FOREIGN KEY (run_id) REFERENCES tr_plain (run_id) ON DELETE CASCADE;
CREATE INDEX ON rd_plain (dataset_id);
`

const partitionedDDL = `
CREATE TABLE tr_part (LIKE training_runs INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at);
ALTER TABLE tr_part ALTER COLUMN created_at SET NOT NULL;
`

const partitionedLoad = `
CREATE TABLE tr_part_default PARTITION OF tr_part DEFAULT;
INSERT INTO tr_part SELECT * FROM training_runs;
ALTER TABLE tr_part ADD PRIMARY KEY (run_id, created_at);
CREATE TABLE rd_part (LIKE run_datasets INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE rd_part ADD COLUMN run_created_at timestamptz NOT NULL;
INSERT INTO rd_part SELECT rd.*, tr.created_at FROM run_datasets rd JOIN training_runs tr USING (run_id);
ALTER TABLE rd_part ADD PRIMARY KEY (run_id, dataset_id, dataset_role),
    ADD FOREIGN KEY (run_id, run_created_at) REFERENCES tr_part (run_id, created_at) ON DELETE CASCADE;
CREATE INDEX ON rd_part (dataset_id);
`

// build makes the copies, one monthly partition for every month that has
// runs, and the non-key indexes of training_runs on both.
func (s *study) build(ctx context.Context) error {
	fmt.Fprintln(s.log, "partitioning: building tr_plain/rd_plain and tr_part/rd_part")
	if err := s.pool.QueryRow(ctx, "SELECT count(*), min(created_at), max(created_at) FROM training_runs").Scan(&s.runs, &s.oldest, &s.newest); err != nil {
		return err
	}
	if s.runs == 0 {
		return errors.New("no training runs to partition")
	}
	if _, err := s.pool.Exec(ctx, plainDDL+partitionedDDL); err != nil {
		return err
	}
	for m := monthOf(s.oldest); !m.After(s.newest); m = m.AddDate(0, 1, 0) {
		stmt := fmt.Sprintf("CREATE TABLE %s PARTITION OF tr_part FOR VALUES FROM ('%s') TO ('%s')",
			pgx.Identifier{"tr_part_" + m.Format("2006_01")}.Sanitize(), m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339))
		if _, err := s.pool.Exec(ctx, stmt); err != nil {
			return err
		}
		s.months++
	}
	if _, err := s.pool.Exec(ctx, partitionedLoad); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, `SELECT indexdef FROM pg_indexes
		WHERE schemaname = 'public' AND tablename = 'training_runs' AND indexname <> 'training_runs_pkey'`)
	if err != nil {
		return err
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, def := range defs {
		// "CREATE INDEX idx_x ON public.training_runs USING ..." -> unnamed copies
		_, rest, ok := strings.Cut(def, " ON public.training_runs ")
		if !ok {
			return fmt.Errorf("unexpected index definition %q", def)
		}
		for _, table := range []string{"tr_plain", "tr_part"} {
			if _, err := s.pool.Exec(ctx, "CREATE INDEX ON "+table+" "+rest); err != nil {
				return err
			}
		}
	}
	// Every table, not only the copies: the load is one transaction, and
	// the tables the queries join (model_versions, datasets) would
	// otherwise be planned without statistics until autovacuum came by.
	if _, err := s.pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM rd_plain").Scan(&s.links); err != nil {
		return err
	}
	return s.pool.QueryRow(ctx, `SELECT pg_total_relation_size('tr_plain'),
		(SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('tr_part'))::bigint,
		pg_total_relation_size('rd_plain'), pg_total_relation_size('rd_part')`).Scan(&s.sizes[0], &s.sizes[1], &s.sizes[2], &s.sizes[3])
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// readQuery is one of the registry's reads, written for each pair of
// tables; args draws the arguments of one call.
type readQuery struct {
	name        string // and the generated query it stands for
	plain, part string
	args        func(*rand.Rand) []any
	scan        bool // a whole-table scan: run a tenth as often
}

// samples are argument values drawn from the data.
type samples struct {
	runs     []runKey
	versions []any
	models   []any
	datasets []any
}

type runKey struct {
	id      any
	created time.Time
}

func (s *study) samples(ctx context.Context) (samples, error) {
	var sm samples
	rows, err := s.pool.Query(ctx, "SELECT run_id, created_at FROM tr_plain TABLESAMPLE BERNOULLI (5) LIMIT 2000")
	if err != nil {
		return sm, err
	}
	for rows.Next() {
		var id [16]byte
		var k runKey
		if err := rows.Scan(&id, &k.created); err != nil {
			return sm, err
		}
		k.id = id
		sm.runs = append(sm.runs, k)
	}
	if err := rows.Err(); err != nil {
		return sm, err
	}
	for _, q := range []struct {
		sql  string
		into *[]any
	}{
		{"SELECT DISTINCT version_id FROM tr_plain LIMIT 2000", &sm.versions},
		{"SELECT DISTINCT mv.model_id FROM tr_plain tr JOIN model_versions mv USING (version_id) LIMIT 2000", &sm.models},
		{"SELECT DISTINCT dataset_id FROM rd_plain LIMIT 2000", &sm.datasets},
	} {
		rows, err := s.pool.Query(ctx, q.sql)
		if err != nil {
			return sm, err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[[16]byte])
		if err != nil {
			return sm, err
		}
		for _, id := range ids {
			*q.into = append(*q.into, id)
		}
	}
	if len(sm.runs) == 0 || len(sm.versions) == 0 || len(sm.models) == 0 || len(sm.datasets) == 0 {
		return sm, errors.New("too few rows to draw arguments from")
	}
	return sm, nil
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// queries are the reads of training_runs and run_datasets that the
// registry runs (queries/*.sql), each in its plain and partitioned form.
// The partitioned forms join run_datasets on the run's created_at too, as
// a foreign key including it would allow.
func (s *study) queries(sm samples) []readQuery {
	lastMonth := s.newest.Add(-30 * 24 * time.Hour)
	return []readQuery{
		{name: "run by id (TrainingRunGetByID)",
			plain: "SELECT * FROM tr_plain WHERE run_id = $1",
			part:  "SELECT * FROM tr_part WHERE run_id = $1",
			args:  func(r *rand.Rand) []any { return []any{pick(r, sm.runs).id} }},
		{name: "run by id and created_at (an API that carried both)",
			plain: "SELECT * FROM tr_plain WHERE run_id = $1 AND created_at = $2",
			part:  "SELECT * FROM tr_part WHERE run_id = $1 AND created_at = $2",
			args:  func(r *rand.Rand) []any { k := pick(r, sm.runs); return []any{k.id, k.created} }},
		{name: "a version's runs, first page of 50 (TrainingRunListByVersion)",
			plain: `SELECT * FROM tr_plain WHERE version_id = $1 AND (created_at, run_id) < ('infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff')
				ORDER BY created_at DESC, run_id DESC LIMIT 50`,
			part: `SELECT * FROM tr_part WHERE version_id = $1 AND (created_at, run_id) < ('infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff')
				ORDER BY created_at DESC, run_id DESC LIMIT 50`,
			args: func(r *rand.Rand) []any { return []any{pick(r, sm.versions)} }},
		{name: "lineage of a model: runs and datasets (LineageRunsByModel)",
			plain: `SELECT tr.run_id, tr.run_name, tr.created_at, rd.dataset_role, d.dataset_name
				FROM model_versions mv JOIN tr_plain tr ON tr.version_id = mv.version_id
				LEFT JOIN rd_plain rd ON rd.run_id = tr.run_id LEFT JOIN datasets d ON d.dataset_id = rd.dataset_id
				WHERE mv.model_id = $1 ORDER BY mv.semver_key DESC, tr.created_at DESC, tr.run_id, rd.dataset_role, d.dataset_name`,
			part: `SELECT tr.run_id, tr.run_name, tr.created_at, rd.dataset_role, d.dataset_name
				FROM model_versions mv JOIN tr_part tr ON tr.version_id = mv.version_id
				LEFT JOIN rd_part rd ON rd.run_id = tr.run_id AND rd.run_created_at = tr.created_at
				LEFT JOIN datasets d ON d.dataset_id = rd.dataset_id
				WHERE mv.model_id = $1 ORDER BY mv.semver_key DESC, tr.created_at DESC, tr.run_id, rd.dataset_role, d.dataset_name`,
			args: func(r *rand.Rand) []any { return []any{pick(r, sm.models)} }},
		{name: "runs that used a dataset (ImpactRunsByDataset)",
			plain: `SELECT tr.run_id, tr.run_name, rd.dataset_role FROM rd_plain rd
				JOIN tr_plain tr ON tr.run_id = rd.run_id WHERE rd.dataset_id = $1 ORDER BY tr.created_at DESC, tr.run_id, rd.dataset_role`,
			part: `SELECT tr.run_id, tr.run_name, rd.dataset_role FROM rd_part rd
				JOIN tr_part tr ON tr.run_id = rd.run_id AND tr.created_at = rd.run_created_at WHERE rd.dataset_id = $1
				ORDER BY tr.created_at DESC, tr.run_id, rd.dataset_role`,
			args: func(r *rand.Rand) []any { return []any{pick(r, sm.datasets)} }},
		{name: "runs created in the last 30 days (a report by time)",
			plain: "SELECT count(*) FROM tr_plain WHERE created_at >= $1",
			part:  "SELECT count(*) FROM tr_part WHERE created_at >= $1",
			args:  func(*rand.Rand) []any { return []any{lastMonth} }, scan: true},
		{name: "links to no run (IntegrityOrphanedRunDatasets, check)",
			plain: "SELECT count(*) FROM rd_plain rd WHERE NOT EXISTS (SELECT 1 FROM tr_plain tr WHERE tr.run_id = rd.run_id)",
			part:  "SELECT count(*) FROM rd_part rd WHERE NOT EXISTS (SELECT 1 FROM tr_part tr WHERE tr.run_id = rd.run_id)",
			args:  func(*rand.Rand) []any { return nil }, scan: true},
		{name: "runs of no version (IntegrityOrphanedRuns, check)",
			plain: "SELECT count(*) FROM tr_plain tr WHERE NOT EXISTS (SELECT 1 FROM model_versions mv WHERE mv.version_id = tr.version_id)",
			part:  "SELECT count(*) FROM tr_part tr WHERE NOT EXISTS (SELECT 1 FROM model_versions mv WHERE mv.version_id = tr.version_id)",
			args:  func(*rand.Rand) []any { return nil }, scan: true},
	}
}

// result is one query's figures against both tables.
type result struct {
	name                   string
	plainMs, partMs        float64 // median a call
	plainBufs, partBufs    int64   // shared buffers one call touched
	plainParts, partsParts int     // relations of training_runs one call read
	calls                  int
}

func (s *study) measure(ctx context.Context) error {
	sm, err := s.samples(ctx)
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	r := rand.New(rand.NewPCG(1, 2))
	for _, q := range s.queries(sm) {
		n := s.calls
		if q.scan {
			n = max(3, s.calls/10)
		}
		fmt.Fprintf(s.log, "partitioning: %s, %d calls each\n", q.name, n)
		var plain, part []float64
		for i := range n {
			args := q.args(r)
			first, second := q.plain, q.part
			if i%2 == 1 {
				first, second = second, first
			}
			d1, err := timed(ctx, conn.Conn(), first, args)
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			d2, err := timed(ctx, conn.Conn(), second, args)
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			if i%2 == 1 {
				d1, d2 = d2, d1
			}
			plain, part = append(plain, d1), append(part, d2)
		}
		res := result{name: q.name, plainMs: median(plain), partMs: median(part), calls: n}
		args := q.args(r)
		if res.plainBufs, res.plainParts, err = explain(ctx, conn.Conn(), q.plain, args); err != nil {
			return err
		}
		if res.partBufs, res.partsParts, err = explain(ctx, conn.Conn(), q.part, args); err != nil {
			return err
		}
		s.reads = append(s.reads, res)
	}
	return s.measureWrites(ctx, conn.Conn(), r)
}

// timed runs sql as a prepared statement and reads every row.
func timed(ctx context.Context, conn *pgx.Conn, sql string, args []any) (float64, error) {
	start := time.Now()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
	}
	rows.Close()
	return float64(time.Since(start).Microseconds()) / 1000, rows.Err()
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// explain runs sql once under EXPLAIN (ANALYZE, BUFFERS) and returns the
// shared buffers it touched and how many relations of the runs table
// (tr_plain, or partitions of tr_part) it read.
func explain(ctx context.Context, conn *pgx.Conn, sql string, args []any) (int64, int, error) {
	var doc []byte
	if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+sql, args...).Scan(&doc); err != nil {
		return 0, 0, err
	}
	var plans []struct{ Plan map[string]any }
	if err := json.Unmarshal(doc, &plans); err != nil || len(plans) != 1 {
		return 0, 0, fmt.Errorf("EXPLAIN output: %v", err)
	}
	top := plans[0].Plan
	bufs := int64(num(top["Shared Hit Blocks"]) + num(top["Shared Read Blocks"]))
	relations := map[string]bool{}
	var walk func(map[string]any)
	walk = func(n map[string]any) {
		if rel, ok := n["Relation Name"].(string); ok && strings.HasPrefix(rel, "tr_") {
			relations[rel] = true
		}
		if subs, ok := n["Plans"].([]any); ok {
			for _, sub := range subs {
				if m, ok := sub.(map[string]any); ok {
					walk(m)
				}
			}
		}
	}
	walk(top)
	return bufs, len(relations), nil
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// writeResult is one write's figures against both tables.
type writeResult struct {
	name              string
	plainMs, partMs   float64
	plainWAL, partWAL int64 // bytes of WAL written
	rows              int64
}

// measureWrites inserts runs into both (each round's rows then removed
// again), and last removes the runs older than a year: a DELETE on the
// plain table (cascading to its links), and on the partitioned one a
// DELETE of the old links and a DROP of each whole month older than the
// cutoff (the month the cutoff falls in is deleted from).
func (s *study) measureWrites(ctx context.Context, conn *pgx.Conn, r *rand.Rand) error {
	batch := int(min(20_000, s.runs/2))
	const rounds = 3
	// Copies of existing runs under new ids, marked so that they can be
	// taken out again (untimed) and both tables stay alike.
	const marker = "partitioning-study-insert"
	ins := writeResult{name: fmt.Sprintf("insert %d runs in one statement (median of %d)", batch, rounds), rows: int64(batch)}
	var plain, part, plainWAL, partWAL []float64
	for i := range rounds {
		offset := r.IntN(int(max(1, s.runs-int64(batch))))
		setup := fmt.Sprintf(`DROP TABLE IF EXISTS study_batch;
			CREATE TEMP TABLE study_batch AS SELECT * FROM tr_plain ORDER BY run_id LIMIT %d OFFSET %d;
			UPDATE study_batch SET run_id = gen_random_uuid(), run_name = '%s'`, batch, offset, marker)
		if _, err := conn.Exec(ctx, setup); err != nil {
			return err
		}
		order := []string{"tr_plain", "tr_part"}
		if i%2 == 1 {
			order = []string{"tr_part", "tr_plain"}
		}
		for _, table := range order {
			stmt := "INSERT INTO " + table + " SELECT * FROM study_batch"
			ms, wal, err := walOf(ctx, conn, stmt)
			if err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			if table == "tr_plain" {
				plain, plainWAL = append(plain, ms), append(plainWAL, float64(wal))
			} else {
				part, partWAL = append(part, ms), append(partWAL, float64(wal))
			}
			if _, err := conn.Exec(ctx, fmt.Sprintf("DELETE FROM %s WHERE run_name = '%s'", table, marker)); err != nil {
				return err
			}
		}
	}
	ins.plainMs, ins.partMs = median(plain), median(part)
	ins.plainWAL, ins.partWAL = int64(median(plainWAL)), int64(median(partWAL))
	s.writes = append(s.writes, ins)
	if _, err := conn.Exec(ctx, "VACUUM tr_plain, tr_part"); err != nil {
		return err
	}

	cutoff := s.newest.AddDate(0, -s.keepMonths, 0)
	var old int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM tr_plain WHERE created_at < $1", cutoff).Scan(&old); err != nil {
		return err
	}
	ret := writeResult{name: fmt.Sprintf("remove the runs older than %d months (%d runs and their links)", s.keepMonths, old), rows: old}
	var err error
	if ret.plainMs, ret.plainWAL, err = walOf(ctx, conn, fmt.Sprintf("DELETE FROM tr_plain WHERE created_at < '%s'", cutoff.Format(time.RFC3339Nano))); err != nil {
		return err
	}
	// Partitioned: the old links first (the foreign key would refuse the
	// drop), then every month wholly before the cutoff, then the rest of
	// the cutoff's month.
	stmts := []string{fmt.Sprintf("DELETE FROM rd_part WHERE run_created_at < '%s'", cutoff.Format(time.RFC3339Nano))}
	for m := monthOf(s.oldest); !m.AddDate(0, 1, 0).After(cutoff); m = m.AddDate(0, 1, 0) {
		// A partition a foreign key references is detached first, which
		// checks that no link still references it, then dropped.
		part := pgx.Identifier{"tr_part_" + m.Format("2006_01")}.Sanitize()
		stmts = append(stmts, "ALTER TABLE tr_part DETACH PARTITION "+part, "DROP TABLE "+part)
	}
	stmts = append(stmts, fmt.Sprintf("DELETE FROM tr_part WHERE created_at < '%s'", cutoff.Format(time.RFC3339Nano)))
	if ret.partMs, ret.partWAL, err = walOf(ctx, conn, strings.Join(stmts, ";\n")); err != nil {
		return err
	}
	s.writes = append(s.writes, ret)
	return nil
}

// walOf runs sql (in one implicit transaction) and returns its time and
// the WAL bytes it wrote.
func walOf(ctx context.Context, conn *pgx.Conn, sql string) (float64, int64, error) {
	var before string
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&before); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if _, err := conn.Exec(ctx, sql); err != nil {
		return 0, 0, err
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	var wal int64
	err := conn.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint", before).Scan(&wal)
	return ms, wal, err
}

func (s *study) report(w io.Writer, size seed.Size) {
	mb := func(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
	fmt.Fprintf(w, "Registry %q: %d training runs from %s to %s, %d run-dataset links; tr_part has %d monthly partitions and a default one.\n\n",
		size.Name, s.runs, s.oldest.Format("2006-01-02"), s.newest.Format("2006-01-02"), s.links, s.months)
	fmt.Fprintf(w, "Sizes: training_runs %s plain, %s partitioned (%.2fx); run_datasets %s plain, %s with run_created_at (%.2fx).\n\n",
		mb(s.sizes[0]), mb(s.sizes[1]), float64(s.sizes[1])/float64(s.sizes[0]), mb(s.sizes[2]), mb(s.sizes[3]), float64(s.sizes[3])/float64(s.sizes[2]))
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| query\t plain ms\t partitioned ms\t ratio\t buffers plain / partitioned\t run relations read plain / partitioned\t calls each\t")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t---\t---\t")
	for _, r := range s.reads {
		fmt.Fprintf(tw, "| %s\t %.3f\t %.3f\t %.2f\t %d / %d\t %d / %d\t %d\t\n", r.name, r.plainMs, r.partMs, r.partMs/r.plainMs,
			r.plainBufs, r.partBufs, r.plainParts, r.partsParts, r.calls)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| write\t plain ms\t partitioned ms\t ratio\t WAL plain / partitioned\t")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t")
	for _, r := range s.writes {
		fmt.Fprintf(tw, "| %s\t %.0f\t %.0f\t %.2f\t %s / %s\t\n", r.name, r.plainMs, r.partMs, r.partMs/r.plainMs, mb(r.plainWAL), mb(r.partWAL))
	}
	tw.Flush()
}
