// Command bench measures what the generated code costs per call against
// hand-written pgx (the floor) and GORM (what Kubeflow Model Registry builds
// on), in the same run on the same database. It lives in its own module so
// that the registry's module never depends on GORM.
//
//	cd bench && go run . [--json] [--database-url URL] [--benchtime 1s] [--rounds 3]
//
// Without a URL it finds a server as the tests do (TEST_DATABASE_URL, Docker,
// or a throwaway cluster) and works in a database of its own.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/mlplatform/model-registry/internal/benchreport"
	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/migrate"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "one JSON object per line")
	databaseURL := fs.String("database-url", "", "a database to migrate and use (default: a scratch one)")
	benchtime := fs.Duration("benchtime", time.Second, "time per benchmark")
	rounds := fs.Int("rounds", 3, "runs of each benchmark; the median is kept")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	impls, cleanup, err := setup(ctx, *databaseURL)
	if err != nil {
		return err
	}
	defer cleanup()
	results, err := measure(ctx, impls, *benchtime, *rounds)
	if err != nil {
		return err
	}
	ms := compare(results)
	if *asJSON {
		return benchreport.WriteJSON(out, ms)
	}
	return benchreport.WriteTable(out, ms)
}

// setup readies a migrated database holding 1,000 models (databaseURL, or a
// scratch database on a server found as the tests find one) and returns the
// three implementations on it.
func setup(ctx context.Context, databaseURL string) (impls []implementation, cleanup func(), err error) {
	var undo []func()
	cleanup = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	url := databaseURL
	if url == "" {
		server, err := pgserver.Start(ctx, "TEST_DATABASE_URL")
		if err != nil {
			return nil, nil, err
		}
		undo = append(undo, func() { server.Stop() })
		if url, err = server.DatabaseURL("mlreg_bench_percall"); err != nil {
			return nil, nil, err
		}
		_ = migrate.Drop(context.Background(), url) // a scratch database left by an interrupted run
		undo = append(undo, func() { migrate.Drop(context.Background(), url) })
	}
	if err := migrate.Up(context.Background(), url, io.Discard); err != nil {
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, pool.Close)
	if err := seedModels(ctx, pool, 1000); err != nil {
		return nil, nil, fmt.Errorf("seed: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	undo = append(undo, func() { sqlDB.Close() }) // before pool.Close, which waits for its connections
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, nil, err
	}
	return []implementation{generated(pool), handPgx(pool), gormORM(gdb)}, cleanup, nil
}

// result is one implementation's cost for one operation.
type result struct {
	nsPerOp, allocsPerOp float64
}

var operations = []string{"insert_one", "get_one", "list_100"}

// measure runs every operation of every implementation with
// testing.Benchmark, rounds times, rotating which implementation goes first
// so that warm caches favour none, and keeps each one's median.
func measure(ctx context.Context, impls []implementation, benchtime time.Duration, rounds int) (map[string]map[string]result, error) {
	testing.Init()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		return nil, err
	}
	samples := map[string]map[string][]result{}
	for _, op := range operations {
		samples[op] = map[string][]result{}
	}
	seq := 0
	for round := range rounds {
		for _, op := range operations {
			for i := range impls {
				impl := impls[(i+round)%len(impls)]
				var failure error
				r := testing.Benchmark(func(b *testing.B) {
					b.ReportAllocs()
					for range b.N {
						if failure = runOnce(ctx, impl, op, &seq); failure != nil {
							b.FailNow()
						}
					}
				})
				if failure != nil {
					return nil, fmt.Errorf("%s %s: %w", impl.name, op, failure)
				}
				samples[op][impl.name] = append(samples[op][impl.name], result{float64(r.NsPerOp()), float64(r.AllocsPerOp())})
			}
		}
	}
	results := map[string]map[string]result{}
	for op, byImpl := range samples {
		results[op] = map[string]result{}
		for name, rs := range byImpl {
			results[op][name] = median(rs)
		}
	}
	return results, nil
}

func runOnce(ctx context.Context, impl implementation, op string, seq *int) error {
	switch op {
	case "insert_one":
		*seq++
		return impl.insert(ctx, fmt.Sprintf("%s-%d", impl.name, *seq))
	case "get_one":
		return impl.get(ctx, "seed-model-000500")
	default:
		n, err := impl.list(ctx, "seed-model-000100")
		if err == nil && n != 100 {
			err = fmt.Errorf("listed %d models, want 100", n)
		}
		return err
	}
}

func median(rs []result) result {
	sort.Slice(rs, func(i, j int) bool { return rs[i].nsPerOp < rs[j].nsPerOp })
	return rs[len(rs)/2]
}

// compare turns the results into the rows: generated code against
// hand-written pgx (within 1.1x) and against GORM (at least 2x faster).
func compare(results map[string]map[string]result) []benchreport.Measurement {
	var ms []benchreport.Measurement
	for _, op := range operations {
		gen, hand, orm := results[op]["generated"], results[op]["pgx"], results[op]["gorm"]
		vsPgx := benchreport.Ratio(gen.nsPerOp, hand.nsPerOp)
		vsGorm := benchreport.Ratio(orm.nsPerOp, gen.nsPerOp)
		ms = append(ms,
			benchreport.Measurement{Name: "per_call_" + op + "_vs_pgx", Value: gen.nsPerOp, Unit: "ns/op",
				Baseline: "hand-written pgx", BaselineValue: hand.nsPerOp, Ratio: vsPgx,
				Target: "generated/pgx <= 1.1", Met: vsPgx <= 1.1},
			benchreport.Measurement{Name: "per_call_" + op + "_vs_gorm", Value: gen.nsPerOp, Unit: "ns/op",
				Baseline: "GORM v1.31", BaselineValue: orm.nsPerOp, Ratio: vsGorm,
				Target: "gorm/generated >= 2", Met: vsGorm >= 2},
			benchreport.Measurement{Name: "per_call_" + op + "_allocs_vs_pgx", Value: gen.allocsPerOp, Unit: "allocs/op",
				Baseline: "hand-written pgx", BaselineValue: hand.allocsPerOp, Ratio: benchreport.Ratio(gen.allocsPerOp, hand.allocsPerOp),
				Target: "reported, no target", Met: true},
		)
	}
	return ms
}
