package benchmark

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/internal/benchreport"
	"github.com/mlplatform/model-registry/internal/sourcestore"
	"github.com/mlplatform/model-registry/migrate"
	"github.com/mlplatform/model-registry/registry"
)

// importRuns is the size of the synthetic MLflow store the import is timed
// on: a tenth of the size's runs, between 200 and 5,000, so that the bench
// stays quick at every size.
func importRuns(runs int) int { return min(5_000, max(200, runs/10)) }

// measureImport times importer.MLflow of a synthetic MLflow store (current
// layout) into the tenth-size registry, whose load is done by then, and
// compares its rate (registry rows written a second, validation included)
// with seed --scale's COPY rate over every table of the main load. The
// store lives in a scratch database of its own, dropped after.
func (b *benchRun) measureImport() error {
	sourceURL, err := migrate.WithDatabase(b.url, databaseName(b.url)+"_mlflow")
	if err != nil {
		return err
	}
	// A database name cannot be a parameter.
	if _, err := b.pool.Exec(b.ctx, "CREATE DATABASE "+pgx.Identifier{databaseName(sourceURL)}.Sanitize()); err != nil {
		return fmt.Errorf("bench: the MLflow store's database: %w", err)
	}
	defer func() {
		if err := migrate.Drop(context.WithoutCancel(b.ctx), sourceURL); err != nil {
			b.logf("could not drop database %s: %v", databaseName(sourceURL), err)
		}
	}()
	source, err := pgxpool.New(b.ctx, sourceURL)
	if err != nil {
		return err
	}
	defer source.Close()
	n := importRuns(b.size.Runs)
	b.logf("import: a synthetic MLflow store of %d runs", n)
	if err := sourcestore.CreateMLflow(b.ctx, source, sourcestore.MLflowCurrent); err != nil {
		return err
	}
	if _, err := sourcestore.Synthetic(b.ctx, source, sourcestore.MLflowCurrent, n, nil); err != nil {
		return err
	}
	// A store in use has its statistics (autovacuum); one just loaded has
	// none, and its planner would guess.
	if _, err := source.Exec(b.ctx, "ANALYZE"); err != nil {
		return err
	}
	target, err := registry.Open(b.ctx, b.tenthURL)
	if err != nil {
		return err
	}
	defer target.Close()
	stages := &stageClock{}
	start := time.Now()
	report, err := importer.MLflow(b.ctx, source, target, importer.Options{Actor: b.actor, Progress: stages.progress})
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("bench: import: %w", err)
	}
	b.logf("import: %s", stages.summary(start.Add(elapsed)))
	var rows int64
	for _, e := range report.Entities {
		rows += e.Imported
	}
	seedRows, seedSeconds := b.loadedRate(b.loadedTables()...)
	importRate, seedRate := float64(rows)/elapsed.Seconds(), float64(seedRows)/seedSeconds
	b.add(benchreport.Measurement{Name: "import_mlflow_vs_seed_copy", Value: importRate, Unit: "rows/s",
		Baseline: "seed --scale COPY of every table", BaselineValue: seedRate, Ratio: benchreport.Ratio(importRate, seedRate),
		Target: "import/seed >= 0.5", Met: importRate >= 0.5*seedRate})
	return nil
}

// loadedTables names every table seed --scale loaded.
func (b *benchRun) loadedTables() []string {
	tables := make([]string, len(b.loaded))
	for i, c := range b.loaded {
		tables[i] = c.Table
	}
	return tables
}

// stageClock tells where an import's time goes: the time from the first
// progress report of each kind of stage (read, map, match, write,
// validate: the stage name's first word) to the first report of the next.
type stageClock struct {
	kinds []string
	start []time.Time
}

func (c *stageClock) progress(stage string, _, _ int64) {
	kind, _, _ := strings.Cut(stage, " ")
	if n := len(c.kinds); n == 0 || c.kinds[n-1] != kind {
		c.kinds, c.start = append(c.kinds, kind), append(c.start, time.Now())
	}
}

// summary lists each stage's milliseconds, in order; end is when the import
// returned. A kind met twice (apart) is listed twice.
func (c *stageClock) summary(end time.Time) string {
	parts := make([]string, len(c.kinds))
	for i, kind := range c.kinds {
		next := end
		if i+1 < len(c.kinds) {
			next = c.start[i+1]
		}
		parts[i] = fmt.Sprintf("%s %.0f ms", kind, ms(next.Sub(c.start[i])))
	}
	return strings.Join(parts, ", ")
}
