package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
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
	"github.com/mlplatform/model-registry/internal/migrate"
	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/internal/synth"
)

// cmdBench builds a synthetic registry (seed --scale) and measures the
// registry against a baseline taken in the same run: bulk load against psql
// \copy and against one INSERT a row, point lookups against SELECT 1, lineage
// against one query per version, check against a count of the runs and
// against itself at a tenth of the size. Every figure is a ratio, because
// absolute times on a shared machine drift from run to run.
func cmdBench(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	sizeName := fs.String("size", "small", "")
	asJSON := fs.Bool("json", false, "")
	lookups := fs.Int("lookups", 10_000, "")
	keep := fs.Bool("keep", false, "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("bench takes flags only: --size tiny|small|medium|large --json --lookups N")
	}
	size, err := synth.ParseSize(*sizeName)
	if err != nil {
		return usagef("bench: %v", err)
	}
	if *lookups < 100 {
		return usagef("bench: --lookups %d: want at least 100", *lookups)
	}
	if _, err := osexec.LookPath("psql"); err != nil {
		return fmt.Errorf("bench: psql is needed for the \\copy baseline: %w", err)
	}
	mainURL, tenthURL, cleanup, err := benchDatabases(ctx, e, *keep)
	if err != nil {
		return err
	}
	defer cleanup()

	b := &benchRun{ctx: ctx, actor: e.actor, size: size, log: os.Stderr}
	defer b.close() // before cleanup drops the databases
	if err := b.prepare(mainURL); err != nil {
		return err
	}
	// check goes before the steps that add rows (lineage's model, the
	// rolled-back inserts), so it reads the registry the tenth is a tenth of.
	steps := []func() error{
		b.measureBulkLoad,
		func() error { return b.measureCheck(tenthURL) },
		func() error { return b.measureLookups(*lookups) },
		b.measureInsertPerRow,
		b.measureLineage,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	if *asJSON {
		return benchreport.WriteJSON(e.out, b.results)
	}
	fmt.Fprintf(e.out, "bench: size %s (%d models, %d versions, %d runs, %d run-dataset links)\n",
		size.Name, size.Models, size.Versions, size.Runs, size.RunDatasets)
	return benchreport.WriteTable(e.out, b.results)
}

// benchDatabases names the two databases bench fills: the main one and one
// for a tenth of the size. Both are scratch databases on the server of
// DATABASE_URL, or on a throwaway server when none is given, created by
// migrate.Up and dropped afterwards (kept with --keep, on a given server).
func benchDatabases(ctx context.Context, e env, keep bool) (mainURL, tenthURL string, cleanup func(), err error) {
	srv := &pgserver.Server{URL: e.databaseURL}
	var stop func() error
	if e.databaseURL == "" {
		if srv, err = pgserver.Start(ctx, "DATABASE_URL"); err != nil {
			return "", "", nil, err
		}
		stop = srv.Stop
		fmt.Fprintf(os.Stderr, "bench: throwaway PostgreSQL from %s\n", srv.Source)
	}
	// Names of this run's own, so that two runs on one server (make bench
	// and a test) never drop each other's databases.
	name := fmt.Sprintf("mlreg_bench_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	if mainURL, err = srv.DatabaseURL(name); err == nil {
		tenthURL, err = srv.DatabaseURL(name + "_tenth")
	}
	if err != nil {
		return "", "", nil, err
	}
	cleanup = func() {
		for _, u := range []string{mainURL, tenthURL} {
			if keep && stop == nil {
				fmt.Fprintf(os.Stderr, "bench: kept %s\n", redact(u))
				continue
			}
			if err := migrate.Drop(u); err != nil {
				fmt.Fprintf(os.Stderr, "bench: could not drop %s: %s\n", redact(u), redact(err.Error()))
			}
		}
		if stop != nil {
			_ = stop()
		}
	}
	return mainURL, tenthURL, cleanup, nil
}

// benchRun holds what the measurements share.
type benchRun struct {
	ctx     context.Context
	actor   string
	size    synth.Size
	log     io.Writer
	url     string
	pool    *pgxpool.Pool
	q       *registrydb.Queries
	gen     *synth.Generator
	loaded  []tableCount
	results []benchreport.Measurement
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
	if err := migrate.Up(url, io.Discard); err != nil {
		return fmt.Errorf("bench: migrate: %w", err)
	}
	pool, err := connect(b.ctx, url)
	if err != nil {
		return err
	}
	b.pool, b.q = pool, registrydb.New(pool)
	if b.gen, err = synth.New(b.size, 1); err != nil {
		return err
	}
	b.logf("loading size %s through seed --scale", b.size.Name)
	b.loaded, _, err = loadScale(b.ctx, pool, b.actor, b.size, 1, nil)
	return err
}

// loadedRate is the rows and seconds seed --scale spent on the named tables.
func (b *benchRun) loadedRate(tables ...string) (rows int64, seconds float64) {
	for _, c := range b.loaded {
		if slices.Contains(tables, c.table) {
			rows += c.rows
			seconds += c.elapsed.Seconds()
		}
	}
	return rows, seconds
}

// psql runs one psql meta-command or statement on the main database: the
// \copy baseline is psql's own, so it goes through psql.
func (b *benchRun) psql(command string) (time.Duration, error) { return psql(b.ctx, b.url, command) }

func psql(ctx context.Context, url, command string) (time.Duration, error) {
	start := time.Now()
	cmd := osexec.CommandContext(ctx, "psql", "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command)
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
	ds := make([][]time.Duration, len(fns))
	for j := range fns {
		ds[j] = make([]time.Duration, n)
	}
	for i := range n {
		for j, fn := range fns {
			start := time.Now()
			if err := fn(); err != nil {
				return nil, err
			}
			ds[j][i] = time.Since(start)
		}
	}
	for _, d := range ds {
		slices.Sort(d)
	}
	return ds, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(0, min(len(sorted), rank)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measureLookups times model by name, latest version of a model and version
// by id, n calls each on random rows, each call followed by a SELECT 1 on
// the same pool as its baseline.
func (b *benchRun) measureLookups(n int) error {
	models, versions := b.gen.Models(), b.gen.Versions()
	rng := rand.New(rand.NewPCG(1, 2))
	b.logf("point lookups: %d calls each", n)
	ping := func() error { _, err := b.q.Ping(b.ctx); return err }
	lookups := []struct {
		name string
		call func() error
	}{
		{"model_by_name", func() error {
			_, err := b.q.ModelGetByName(b.ctx, models[rng.IntN(len(models))].ModelName)
			return err
		}},
		{"latest_version_of_model", func() error {
			_, err := b.q.ModelVersionGetLatest(b.ctx, models[rng.IntN(len(models))].ModelName)
			return err
		}},
		{"version_by_id", func() error {
			_, err := b.q.ModelVersionGetByID(b.ctx, versions[rng.IntN(len(versions))].VersionID)
			return err
		}},
	}
	for _, l := range lookups {
		both, err := interleavedLatencies(n, l.call, ping)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		ds, ping := both[0], both[1]
		p50, p99 := ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99))
		pingP50, pingP99 := ms(percentile(ping, 0.5)), ms(percentile(ping, 0.99))
		b.add(benchreport.Measurement{Name: "lookup_" + l.name + "_p50", Value: p50, Unit: "ms",
			Baseline: "SELECT 1 p50", BaselineValue: pingP50, Ratio: benchreport.Ratio(p50, pingP50),
			Target: "p50 within 1.5x of SELECT 1", Met: p50 <= 1.5*pingP50})
		b.add(benchreport.Measurement{Name: "lookup_" + l.name + "_p99", Value: p99, Unit: "ms",
			Baseline: "SELECT 1 p99", BaselineValue: pingP99, Ratio: benchreport.Ratio(p99, pingP99),
			Target: "reported, no target", Met: true})
	}
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
)

// measureLineage builds one model of the named shape inside the registry,
// then reads its lineage as `mlreg lineage` does and as one query per
// version would, counting round trips and timing each.
func (b *benchRun) measureLineage() error {
	model, err := b.lineageModel()
	if err != nil {
		return err
	}
	counter := &queryCounter{}
	cfg, err := poolConfig(b.url) // as mlreg lineage connects, plus the counter
	if err != nil {
		return err
	}
	cfg.ConnConfig.Tracer = counter
	pool, err := connectWith(b.ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	q := registrydb.New(pool)

	ours := func() error {
		m, err := q.ModelGetByName(b.ctx, model)
		if err != nil {
			return err
		}
		vs, err := buildLineage(b.ctx, q, m.ModelID, nil, nil)
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
		vs, err := q.LineageVersionsByModel(b.ctx, registrydb.LineageVersionsByModelParams{ModelID: m.ModelID})
		for _, v := range vs {
			if err != nil {
				break
			}
			_, err = q.LineageRunsByModel(b.ctx, m.ModelID, &v.Semver)
		}
		return err
	}
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
	ds, err := interleavedLatencies(lineageCalls, ours, perVersion)
	if err != nil {
		return err
	}
	oursP95, perVersionP95 := ms(percentile(ds[0], 0.95)), ms(percentile(ds[1], 0.95))
	b.add(benchreport.Measurement{Name: "lineage_round_trips", Value: trips[0], Unit: "round trips",
		Baseline: "one query per version (N+1)", BaselineValue: trips[1], Ratio: benchreport.Ratio(trips[0], trips[1]),
		Target: "at most 3 round trips", Met: trips[0] <= 3})
	b.add(benchreport.Measurement{Name: "lineage_p95", Value: oursP95, Unit: "ms",
		Baseline: "one query per version (N+1) p95", BaselineValue: perVersionP95, Ratio: benchreport.Ratio(oursP95, perVersionP95),
		Target: "p95 under 10 ms", Met: oursP95 < 10})
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
func (b *benchRun) measureCheck(tenthURL string) error {
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
	if err := migrate.Up(tenthURL, io.Discard); err != nil {
		return err
	}
	pool, err := connect(b.ctx, tenthURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, _, err := loadScale(b.ctx, pool, b.actor, tenth, 1, nil); err != nil {
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
			err = fmt.Errorf("mlreg check found errors in the synthetic registry")
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
