// Package benchmark measures the registry against baselines taken in the
// same run (`mlreg bench`): bulk load against psql \copy and against one
// INSERT a row, writes with the audit trail against the same writes without
// it, point lookups against a primary-key lookup of the same table and
// against SELECT 1, lineage against one query per version and against one
// plain query of its rows (its transfer floor), the --runs summary against
// SELECT 1, check against a count of the runs and against itself at a
// tenth of the size, and an MLflow import against seed --scale's COPY.
// Every figure is a ratio, because absolute times on a shared machine
// drift from run to run.
package benchmark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/internal/benchreport"
	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/internal/synth"
	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/migrate"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

// Measurement is one figure and its baseline.
type Measurement = benchreport.Measurement

// Options tunes Run.
type Options struct {
	// ServerURL is a superuser URL of the server to measure on: Run makes
	// two scratch databases there and drops them after. Empty: a throwaway
	// cluster from the machine's PostgreSQL binaries.
	ServerURL string
	// Size is the synthetic registry's size.
	Size seed.Size
	// Lookups is how many calls each point lookup is timed over (at least 100).
	Lookups int
	// Keep leaves the scratch databases (on a given server only).
	Keep bool
	// Actor is recorded in the audit trail of the loads.
	Actor string
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// Run builds the synthetic registry and takes every measurement.
func Run(ctx context.Context, opts Options) ([]Measurement, error) {
	if opts.Lookups < 100 {
		return nil, fmt.Errorf("lookups %d: want at least 100", opts.Lookups)
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if _, err := osexec.LookPath("psql"); err != nil {
		return nil, fmt.Errorf("psql is needed for the \\copy baseline: %w", err)
	}
	mainURL, tenthURL, cleanup, err := scratchDatabases(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	b := &benchRun{ctx: ctx, actor: opts.Actor, size: opts.Size, log: opts.Log, tenthURL: tenthURL}
	defer b.close() // before cleanup drops the databases
	if err := b.prepare(mainURL); err != nil {
		return nil, err
	}
	// check goes before the steps that add rows (lineage's model, the
	// rolled-back inserts), so it reads the registry the tenth is a tenth of.
	steps := []func() error{
		b.measureBulkLoad,
		b.measureCheck,
		func() error { return b.measureLookups(opts.Lookups) },
		b.measureInsertPerRow,
		b.measureAuditCost,
		b.measureLineage,
		b.measureImport,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return b.results, nil
}

// scratchDatabases names the two databases Run fills: the main one and one
// for a tenth of the size, on opts.ServerURL's server or on a throwaway one,
// created by migrate.Up and dropped by cleanup (kept with Keep on a given
// server).
func scratchDatabases(ctx context.Context, opts Options) (mainURL, tenthURL string, cleanup func(), err error) {
	srv := &pgserver.Server{URL: opts.ServerURL}
	if opts.ServerURL == "" {
		if srv, err = pgserver.StartCluster(ctx, pgserver.ClusterOptions{}); err != nil {
			return "", "", nil, fmt.Errorf("no server given, and no throwaway cluster: %w", err)
		}
		fmt.Fprintf(opts.Log, "bench: throwaway PostgreSQL from %s\n", srv.Source)
	}
	// Names of this run's own, so that two runs on one server (make bench
	// and a test) never drop each other's databases.
	name := fmt.Sprintf("mlreg_bench_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	if mainURL, err = srv.DatabaseURL(name); err == nil {
		tenthURL, err = srv.DatabaseURL(name + "_tenth")
	}
	if err != nil {
		srv.Stop()
		return "", "", nil, err
	}
	cleanup = func() {
		for _, u := range []string{mainURL, tenthURL} {
			if opts.Keep && opts.ServerURL != "" {
				fmt.Fprintf(opts.Log, "bench: kept database %s\n", databaseName(u))
				continue
			}
			if err := migrate.Drop(context.WithoutCancel(ctx), u); err != nil {
				fmt.Fprintf(opts.Log, "bench: could not drop database %s: %v\n", databaseName(u), err)
			}
		}
		if err := srv.Stop(); err != nil {
			fmt.Fprintf(opts.Log, "bench: %v\n", err)
		}
	}
	return mainURL, tenthURL, cleanup, nil
}

// databaseName is the database a URL names, for logs that must not show
// the rest of it.
func databaseName(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(malformed URL)"
	}
	return strings.TrimPrefix(parsed.Path, "/")
}

// benchRun holds what the measurements share.
type benchRun struct {
	ctx   context.Context
	actor string
	size  synth.Size
	log   io.Writer
	url   string
	// tenthURL is the database of a tenth of the size: measureCheck loads
	// it, measureImport imports into it.
	tenthURL string
	pool     *pgxpool.Pool
	q        *registrydb.Queries
	gen      *synth.Generator
	loaded   []seed.TableCount
	results  []benchreport.Measurement
}

func (b *benchRun) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

func (b *benchRun) add(m benchreport.Measurement) { b.results = append(b.results, m) }

func (b *benchRun) close() {
	if b.pool != nil {
		b.pool.Close()
	}
}

// prepare migrates the main database and loads the synthetic registry.
func (b *benchRun) prepare(url string) error {
	b.url = url
	if err := migrate.Up(b.ctx, url, io.Discard); err != nil {
		return fmt.Errorf("bench: migrate: %w", err)
	}
	pool, err := registry.Open(b.ctx, url)
	if err != nil {
		return err
	}
	b.pool, b.q = pool, registrydb.New(pool)
	if b.gen, err = synth.New(b.size, 1); err != nil {
		return err
	}
	b.logf("loading size %s through seed --scale", b.size.Name)
	res, err := seed.Scale(b.ctx, pool, b.size, seed.ScaleOptions{Seed: 1, Actor: b.actor})
	b.loaded = res.Tables
	return err
}

// loadedRate is the rows and seconds seed --scale spent on the named tables.
func (b *benchRun) loadedRate(tables ...string) (rows int64, seconds float64) {
	for _, c := range b.loaded {
		if slices.Contains(tables, c.Table) {
			rows += c.Rows
			seconds += c.Elapsed.Seconds()
		}
	}
	return rows, seconds
}

// psql runs one psql meta-command or statement on the main database: the
// \copy baseline is psql's own, so it goes through psql.
func (b *benchRun) psql(command string) (time.Duration, error) { return psql(b.ctx, b.url, command) }

func psql(ctx context.Context, databaseURL, command string) (time.Duration, error) {
	noPassword, password, err := splitPassword(databaseURL)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	cmd := osexec.CommandContext(ctx, "psql", "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "-d", noPassword, "-c", command)
	// The password goes through the environment: a command line is
	// readable by every user of the machine (ps).
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("psql %.40s: %v: %s", command, err, strings.TrimSpace(string(out)))
	}
	return time.Since(start), nil
}

// measureBulkLoad compares seed --scale's load of training runs and their
// dataset links with psql \copy of the same rows into the same tables (with
// the same triggers). psql's own start and connection are timed apart and
// taken off the baseline.
func (b *benchRun) measureBulkLoad() error {
	rows, ours := b.loadedRate("training_runs", "run_datasets")
	dir, err := os.MkdirTemp("", "mlreg-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	runsFile, linksFile := filepath.Join(dir, "runs.copy"), filepath.Join(dir, "links.copy")
	b.logf("baseline: psql \\copy of the same %d rows", rows)
	for _, c := range []string{
		fmt.Sprintf(`\copy training_runs TO '%s'`, runsFile),
		fmt.Sprintf(`\copy run_datasets TO '%s'`, linksFile),
		`TRUNCATE run_datasets, training_runs`,
	} {
		if _, err := b.psql(c); err != nil {
			return err
		}
	}
	startup, err := b.psql("SELECT 1")
	if err != nil {
		return err
	}
	var baseline time.Duration
	for _, c := range []string{fmt.Sprintf(`\copy training_runs FROM '%s'`, runsFile), fmt.Sprintf(`\copy run_datasets FROM '%s'`, linksFile)} {
		d, err := b.psql(c)
		if err != nil {
			return err
		}
		baseline += max(d-startup, time.Millisecond)
	}
	if _, err := b.psql("ANALYZE"); err != nil {
		return err
	}
	oursRate, copyRate := float64(rows)/ours, float64(rows)/baseline.Seconds()
	b.add(benchreport.Measurement{Name: "bulk_load_vs_psql_copy", Value: oursRate, Unit: "rows/s",
		Baseline: "psql \\copy of the same rows", BaselineValue: copyRate, Ratio: benchreport.Ratio(oursRate, copyRate),
		Target: "ours/copy >= 0.8", Met: oursRate >= 0.8*copyRate})
	return nil
}

// measureInsertPerRow compares seed --scale's rate for training runs with
// one INSERT a row.
func (b *benchRun) measureInsertPerRow() error {
	runRows, runSeconds := b.loadedRate("training_runs")
	copyRunsRate := float64(runRows) / runSeconds
	n := min(5_000, b.size.Runs)
	b.logf("baseline: %d training runs, one INSERT each", n)
	insertRate, err := b.insertOneByOne(n)
	if err != nil {
		return err
	}
	b.add(benchreport.Measurement{Name: "bulk_load_vs_insert_per_row", Value: copyRunsRate, Unit: "rows/s",
		Baseline: "one INSERT per row through pgx", BaselineValue: insertRate, Ratio: benchreport.Ratio(copyRunsRate, insertRate),
		Target: "ours/insert >= 10", Met: copyRunsRate >= 10*insertRate})
	return nil
}

// insertOneByOne inserts n runs with TrainingRunCreate, one statement each,
// in a transaction it rolls back, and returns rows/s.
func (b *benchRun) insertOneByOne(n int) (float64, error) {
	version := b.gen.Versions()[0].VersionID
	tx, err := b.pool.Begin(b.ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(b.ctx)
	q := registrydb.New(tx)
	start := time.Now()
	for i := range n {
		name := fmt.Sprintf("bench-insert-%d", i)
		if _, err := q.TrainingRunCreate(b.ctx, registrydb.TrainingRunCreateParams{VersionID: version, RunName: &name}); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// interleavedLatencies calls each of fns in turn, n rounds, and returns
// each one's sorted durations. Taking a measurement and its baseline in
// alternation gives both the same moments of a machine whose load drifts.
func interleavedLatencies(n int, fns ...func() error) ([][]time.Duration, error) {
	timed := make([]func() (time.Duration, error), len(fns))
	for j, fn := range fns {
		timed[j] = func() (time.Duration, error) {
			start := time.Now()
			err := fn()
			return time.Since(start), err
		}
	}
	return alternate(n, timed...)
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(0, min(len(sorted), rank)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measureLookups times model by name, latest version of a model and version
// by id, n calls each on random rows, against SELECT 1 on the same pool,
// and the two lookups by name against a primary-key lookup of a row of
// the same table (the same width to transfer): every call alternates with
// the others, so that all see the same moments of the machine.
func (b *benchRun) measureLookups(n int) error {
	models, versions := b.gen.Models(), b.gen.Versions()
	rng := rand.New(rand.NewPCG(1, 2))
	b.logf("point lookups: %d calls each", n)
	const (
		ping = iota
		modelByName
		latestVersion
		versionByID
		modelByID
	)
	calls := []func() error{
		ping: func() error { _, err := b.q.Ping(b.ctx); return err },
		modelByName: func() error {
			_, err := b.q.ModelGetByName(b.ctx, models[rng.IntN(len(models))].ModelName)
			return err
		},
		latestVersion: func() error {
			_, err := b.q.ModelVersionGetLatest(b.ctx, models[rng.IntN(len(models))].ModelName)
			return err
		},
		versionByID: func() error {
			_, err := b.q.ModelVersionGetByID(b.ctx, versions[rng.IntN(len(versions))].VersionID)
			return err
		},
		modelByID: func() error {
			_, err := b.q.ModelGetByID(b.ctx, models[rng.IntN(len(models))].ModelID)
			return err
		},
	}
	ds, err := interleavedLatencies(n, calls...)
	if err != nil {
		return fmt.Errorf("point lookups: %w", err)
	}
	p50 := func(i int) float64 { return ms(percentile(ds[i], 0.5)) }
	for _, l := range []struct {
		name string
		i    int
	}{{"model_by_name", modelByName}, {"latest_version_of_model", latestVersion}, {"version_by_id", versionByID}} {
		p99, pingP99 := ms(percentile(ds[l.i], 0.99)), ms(percentile(ds[ping], 0.99))
		b.add(benchreport.Measurement{Name: "lookup_" + l.name + "_p50", Value: p50(l.i), Unit: "ms",
			Baseline: "SELECT 1 p50", BaselineValue: p50(ping), Ratio: benchreport.Ratio(p50(l.i), p50(ping)),
			Target: "reported, no target (see the _vs_pk figures)", Met: true})
		b.add(benchreport.Measurement{Name: "lookup_" + l.name + "_p99", Value: p99, Unit: "ms",
			Baseline: "SELECT 1 p99", BaselineValue: pingP99, Ratio: benchreport.Ratio(p99, pingP99),
			Target: "reported, no target", Met: true})
	}
	b.add(benchreport.Measurement{Name: "lookup_latest_version_vs_pk", Value: p50(latestVersion), Unit: "ms",
		Baseline: "model_versions row by primary key p50", BaselineValue: p50(versionByID),
		Ratio:  benchreport.Ratio(p50(latestVersion), p50(versionByID)),
		Target: "p50 at most 1.25x", Met: p50(latestVersion) <= 1.25*p50(versionByID)})
	b.add(benchreport.Measurement{Name: "lookup_model_by_name_vs_pk", Value: p50(modelByName), Unit: "ms",
		Baseline: "models row by primary key p50", BaselineValue: p50(modelByID),
		Ratio:  benchreport.Ratio(p50(modelByName), p50(modelByID)),
		Target: "p50 at most 1.1x", Met: p50(modelByName) <= 1.1*p50(modelByID)})
	return nil
}

// queryCounter counts the statements a pool sends: each is a round trip.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Lineage shape the issue names: 20 versions x 50 runs x 3 datasets.
const (
	lineageVersions       = 20
	lineageRunsPerVersion = 50
	lineageDatasetsPerRun = 3
	lineageCalls          = 200
	// lineageSummaryRuns is mlreg lineage's default --runs: the newest
	// runs of each version, the interactive report.
	lineageSummaryRuns = 10
)

// lineageTransferFloor fetches the rows a lineage report carries (each run
// of the model with each dataset it used, the columns the report shows) in
// one statement, unordered, nothing aggregated: the least any lineage can
// cost to move that data. It is the baseline, so it is written by hand
// here rather than in queries/, and read into []any, not into a struct.
const lineageTransferFloor = `SELECT tr.run_id, tr.version_id, tr.run_name, tr.experiment_name, tr.status,
       tr.accuracy, tr.f1_score, tr.loss, tr.started_at, tr.completed_at, tr.created_at,
       rd.dataset_role, d.dataset_id, d.dataset_name, d.contains_pii, d.storage_location, d.data_version
FROM models m
JOIN model_versions mv ON mv.model_id = m.model_id
JOIN training_runs tr ON tr.version_id = mv.version_id
LEFT JOIN run_datasets rd ON rd.run_id = tr.run_id
LEFT JOIN datasets d ON d.dataset_id = rd.dataset_id
WHERE m.model_name = $1`

// measureLineage builds one model of the named shape inside the registry,
// then reads its lineage as `mlreg lineage` does and as one query per
// version would, counting round trips and timing each.
func (b *benchRun) measureLineage() error {
	model, err := b.lineageModel()
	if err != nil {
		return err
	}
	counter := &queryCounter{}
	cfg, err := registry.ParsePoolConfig(b.url) // as mlreg lineage connects, plus the counter
	if err != nil {
		return err
	}
	cfg.ConnConfig.Tracer = counter
	pool, err := registry.Connect(b.ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	q := registrydb.New(pool)

	ours := func() error {
		l, err := lineage.Build(b.ctx, q, model, lineage.Options{})
		vs := l.Versions
		if err == nil && (len(vs) != lineageVersions || len(vs[0].Runs) != lineageRunsPerVersion || len(vs[0].Runs[0].Datasets) != lineageDatasetsPerRun) {
			err = fmt.Errorf("lineage of %s has the wrong shape", model)
		}
		return err
	}
	perVersion := func() error { // the N+1 way: one query for each version's runs
		m, err := q.ModelGetByName(b.ctx, model)
		if err != nil {
			return err
		}
		vs, err := q.LineageVersionsByModel(b.ctx, m.ModelID, nil)
		for _, v := range vs {
			if err != nil {
				break
			}
			_, err = q.LineageRunsByModel(b.ctx, m.ModelID, &v.Semver)
		}
		return err
	}
	floor := func() error {
		rows, err := pool.Query(b.ctx, lineageTransferFloor, model)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				rows.Close()
				return err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != lineageVersions*lineageRunsPerVersion*lineageDatasetsPerRun {
			return fmt.Errorf("the transfer floor of %s read %d rows", model, n)
		}
		return nil
	}
	summary := func() error {
		l, err := lineage.Build(b.ctx, q, model, lineage.Options{Runs: lineageSummaryRuns})
		if err == nil && (len(l.Versions) != lineageVersions || len(l.Versions[0].Runs) != lineageSummaryRuns) {
			err = fmt.Errorf("lineage --runs %d of %s has the wrong shape", lineageSummaryRuns, model)
		}
		return err
	}
	ping := func() error { _, err := q.Ping(b.ctx); return err }
	b.logf("lineage: %d calls each way", lineageCalls)
	// Round trips are counted on one call each; the latencies alternate
	// the two ways, after one call each has warmed the statement cache.
	var trips [2]float64
	for i, fn := range []func() error{ours, perVersion} {
		before := counter.n.Load()
		if err := fn(); err != nil {
			return err
		}
		trips[i] = float64(counter.n.Load() - before)
	}
	ds, err := interleavedLatencies(lineageCalls, ours, perVersion, floor, summary, ping)
	if err != nil {
		return err
	}
	oursP95, perVersionP95 := ms(percentile(ds[0], 0.95)), ms(percentile(ds[1], 0.95))
	floorP95, summaryP95, pingP95 := ms(percentile(ds[2], 0.95)), ms(percentile(ds[3], 0.95)), ms(percentile(ds[4], 0.95))
	b.add(benchreport.Measurement{Name: "lineage_round_trips", Value: trips[0], Unit: "round trips",
		Baseline: "one query per version (N+1)", BaselineValue: trips[1], Ratio: benchreport.Ratio(trips[0], trips[1]),
		Target: "at most 3 round trips", Met: trips[0] <= 3})
	b.add(benchreport.Measurement{Name: "lineage_p95", Value: oursP95, Unit: "ms",
		Baseline: "one query per version (N+1) p95", BaselineValue: perVersionP95, Ratio: benchreport.Ratio(oursP95, perVersionP95),
		Target: "p95 under 10 ms", Met: oursP95 < 10})
	b.add(benchreport.Measurement{Name: "lineage_p95_vs_transfer_floor", Value: oursP95, Unit: "ms",
		Baseline: "the same rows in one hand-written query into []any p95", BaselineValue: floorP95, Ratio: benchreport.Ratio(oursP95, floorP95),
		Target: "p95 at most 1.25x", Met: oursP95 <= 1.25*floorP95})
	b.add(benchreport.Measurement{Name: "lineage_summary_p95_vs_select1", Value: summaryP95, Unit: "ms",
		Baseline: "SELECT 1 p95", BaselineValue: pingP95, Ratio: benchreport.Ratio(summaryP95, pingP95),
		Target: fmt.Sprintf("lineage --runs %d p95 at most 5x", lineageSummaryRuns), Met: summaryP95 <= 5*pingP95})
	return nil
}

// lineageModel creates bench-lineage-model: 20 versions, each with 50 runs
// that used 3 of the synthetic datasets.
func (b *benchRun) lineageModel() (string, error) {
	const name = "bench-lineage-model"
	m, err := b.q.ModelCreate(b.ctx, registrydb.ModelCreateParams{ModelName: name, DisplayName: "Bench lineage model"})
	if err != nil {
		return "", err
	}
	datasets := b.gen.Datasets()[:lineageDatasetsPerRun]
	var runs []registrydb.TrainingRunInsertManyCopyFromParams
	var links []registrydb.RunDatasetInsertManyCopyFromParams
	roles := []string{"training", "validation", "test"}
	for v := range lineageVersions {
		version, err := b.q.ModelVersionRegister(b.ctx, registrydb.ModelVersionRegisterParams{
			ModelID: m.ModelID, Semver: fmt.Sprintf("1.%d.0", v), ArtifactURI: "s3://bench/lineage", Framework: "onnx", RegisteredBy: "bench",
		})
		if err != nil {
			return "", err
		}
		for r := range lineageRunsPerVersion {
			runID := uuid.New()
			runName := fmt.Sprintf("run-%d-%d", v, r)
			runs = append(runs, registrydb.TrainingRunInsertManyCopyFromParams{RunID: runID, VersionID: version.VersionID, RunName: &runName, Status: "queued"})
			for d, ds := range datasets {
				links = append(links, registrydb.RunDatasetInsertManyCopyFromParams{RunID: runID, DatasetID: ds.DatasetID, DatasetRole: roles[d]})
			}
		}
	}
	if _, err := b.q.TrainingRunInsertManyCopyFrom(b.ctx, runs); err != nil {
		return "", err
	}
	if _, err := b.q.RunDatasetInsertManyCopyFrom(b.ctx, links); err != nil {
		return "", err
	}
	return name, nil
}

// measureCheck times every integrity check over the registry against a
// count of its runs, and against the same checks at a tenth of the size.
func (b *benchRun) measureCheck() error {
	tenthURL := b.tenthURL
	b.logf("check over the whole registry")
	checkTime, countTime, err := timeCheck(b.ctx, b.pool)
	if err != nil {
		return err
	}
	b.add(benchreport.Measurement{Name: "check_vs_count_runs", Value: ms(checkTime), Unit: "ms",
		Baseline: "SELECT count(*) FROM training_runs", BaselineValue: ms(countTime), Ratio: benchreport.Ratio(ms(checkTime), ms(countTime)),
		Target: "check/count <= 10", Met: checkTime <= 10*countTime})

	tenth := tenthOf(b.size)
	b.logf("loading a tenth of the size (%d runs) for the scaling of check", tenth.Runs)
	if err := migrate.Up(b.ctx, tenthURL, io.Discard); err != nil {
		return err
	}
	pool, err := registry.Open(b.ctx, tenthURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := seed.Scale(b.ctx, pool, tenth, seed.ScaleOptions{Seed: 1, Actor: b.actor}); err != nil {
		return err
	}
	if _, err := psql(b.ctx, tenthURL, "ANALYZE"); err != nil { // as the main database was after its reload
		return err
	}
	tenthTime, _, err := timeCheck(b.ctx, pool)
	if err != nil {
		return err
	}
	b.add(benchreport.Measurement{Name: "check_scaling_10x", Value: ms(checkTime), Unit: "ms",
		Baseline: "check at a tenth of the size", BaselineValue: ms(tenthTime), Ratio: benchreport.Ratio(ms(checkTime), ms(tenthTime)),
		Target: "10x the rows in at most 12x the time", Met: checkTime <= 12*tenthTime})
	return nil
}

// timeCheck runs every check and the count, in turn, three times each and
// returns the medians.
func timeCheck(ctx context.Context, pool *pgxpool.Pool) (check, count time.Duration, err error) {
	q := registrydb.New(pool)
	ds, err := interleavedLatencies(3, func() error {
		report, err := integrity.RunSnapshot(ctx, pool)
		if err == nil && !report.OK() {
			err = errors.New("mlreg check found errors in the synthetic registry")
		}
		return err
	}, func() error { _, err := q.TrainingRunCount(ctx); return err })
	if err != nil {
		return 0, 0, err
	}
	return ds[0][1], ds[1][1], nil
}

// tenthOf is size with every count divided by ten, as far as the generator
// allows (it needs a minimum of datasets).
func tenthOf(s synth.Size) synth.Size {
	t := synth.Size{Name: s.Name + "/10", Teams: max(1, s.Teams/10), Users: max(1, s.Users/10), Models: max(1, s.Models/10),
		Versions: max(1, s.Versions/10), Datasets: max(1, s.Datasets/10), Runs: max(1, s.Runs/10), RunDatasets: max(1, s.RunDatasets/10)}
	if t.Validate() != nil {
		t.Datasets = s.Datasets
	}
	return t
}

// splitPassword removes the password from a URL and returns both.
func splitPassword(databaseURL string) (withoutPassword, password string, err error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", "", errors.New("database URL is malformed")
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	return u.String(), password, nil
}
