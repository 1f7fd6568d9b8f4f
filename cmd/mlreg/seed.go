package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/sample"
	"github.com/mlplatform/model-registry/internal/synth"
	"github.com/mlplatform/model-registry/registry"
)

// seedChunk is how many rows one COPY of `seed --scale` sends.
const seedChunk = 10_000

func cmdSeed(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	scale := fs.String("scale", "", "")
	randSeed := fs.String("rand-seed", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("seed takes no arguments, got %q", rest[0])
	}
	if *scale == "" {
		if *randSeed != "" {
			return usagef("seed: --rand-seed goes with --scale")
		}
		return seedSample(ctx, e)
	}
	size, err := synth.ParseSize(*scale)
	if err != nil {
		return usagef("seed: %v", err)
	}
	seed := uint64(1)
	if *randSeed != "" {
		if seed, err = parseSeed(*randSeed); err != nil {
			return usagef("seed: --rand-seed %q is not an integer", *randSeed)
		}
	}
	var progress seedProgress
	if stderrIsTerminal() {
		progress = &progressBar{w: os.Stderr, label: "seed " + size.Name, start: time.Now()}
	}
	return seedScale(ctx, e, size, seed, progress)
}

func seedSample(ctx context.Context, e env) error {
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	var created int
	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: e.actor}, func(q *registrydb.Queries) error {
		var err error
		created, err = sample.Load(ctx, q)
		return err
	})
	if err != nil {
		return fmt.Errorf("seed: %w (nothing was loaded)", err)
	}
	fmt.Fprintf(e.out, "seed: sample registry loaded (%d new rows)\n", created)
	return nil
}

// parseSeed accepts any integer that fits 64 bits, signed or not.
func parseSeed(s string) (uint64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return uint64(n), nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// errHasModels is the refusal to load a synthetic registry over models.
type errHasModels struct{ models int64 }

func (e errHasModels) Error() string {
	return fmt.Sprintf("seed --scale: the registry already has %d models; load a synthetic registry into a database without models", e.models)
}

// tableCount is how many rows seed --scale loaded into a table, and how long it took.
type tableCount struct {
	table   string
	rows    int64
	elapsed time.Duration
}

// seedProgress is told of every chunk seed --scale loads, and cleared
// before anything else is printed.
type seedProgress interface {
	update(table string, done, total int64)
	clear()
}

// progressFunc is a seedProgress with nothing to clear.
type progressFunc func(table string, done, total int64)

func (f progressFunc) update(table string, done, total int64) { f(table, done, total) }
func (progressFunc) clear()                                   {}

// seedScale loads the synthetic registry of size and seed through the
// generated ...CopyFrom methods, all in one transaction: an error or a
// cancelled ctx leaves the database as it was. progress may be nil.
func seedScale(ctx context.Context, e env, size synth.Size, seed uint64, progress seedProgress) error {
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	loaded, elapsed, err := loadScale(ctx, pool, e.actor, size, seed, progress)
	if err != nil {
		return err
	}
	printSeedSummary(e.out, size, seed, loaded, elapsed)
	return nil
}

// loadScale is seed --scale's load, for seed and bench: what it loaded into
// each table, and how long the whole transaction took.
func loadScale(ctx context.Context, pool *pgxpool.Pool, actor string, size synth.Size, seed uint64, progress seedProgress) ([]tableCount, time.Duration, error) {
	g, err := synth.New(size, seed)
	if err != nil {
		return nil, 0, usagef("seed: %v", err)
	}
	start := time.Now()
	var loaded []tableCount
	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: actor}, func(q *registrydb.Queries) error {
		l := &synthLoader{ctx: ctx, q: q, progress: progress}
		err := l.load(g)
		loaded = l.loaded
		return err
	})
	if progress != nil {
		progress.clear()
	}
	var refused errHasModels
	switch {
	case errors.As(err, &refused):
		return nil, 0, refused
	case err != nil:
		return nil, 0, fmt.Errorf("seed --scale %s: %w (nothing was loaded)", size.Name, err)
	}
	return loaded, time.Since(start), nil
}

func printSeedSummary(w io.Writer, size synth.Size, seed uint64, loaded []tableCount, elapsed time.Duration) {
	fmt.Fprintf(w, "seed: synthetic registry %q (rand seed %d), one transaction\n", size.Name, seed)
	fmt.Fprintf(w, "  %-14s %10s %9s %10s\n", "TABLE", "ROWS", "SECONDS", "ROWS/S")
	var total int64
	line := func(table string, rows int64, d time.Duration) {
		fmt.Fprintf(w, "  %-14s %10d %9.2f %10.0f\n", table, rows, d.Seconds(), float64(rows)/max(d.Seconds(), 1e-9))
	}
	for _, c := range loaded {
		line(c.table, c.rows, c.elapsed)
		total += c.rows
	}
	line("total", total, elapsed)
	fmt.Fprintf(w, "seed: %d rows in %.1f s (%.0f rows/s)\n", total, elapsed.Seconds(), float64(total)/max(elapsed.Seconds(), 1e-9))
}

// synthLoader loads one generated registry in the order the schema's rules
// need: approvals before the deployments they allow, runs before their
// dataset links, every parent before its children.
type synthLoader struct {
	ctx      context.Context
	q        *registrydb.Queries
	progress seedProgress
	loaded   []tableCount
	done     int64
	total    int64
	since    time.Time
}

// add counts n more rows loaded into table; the first call for a table
// (with n = 0) starts its clock.
func (l *synthLoader) add(table string, n int64) {
	now := time.Now()
	if len(l.loaded) == 0 || l.loaded[len(l.loaded)-1].table != table {
		l.loaded = append(l.loaded, tableCount{table: table})
		l.since = now
	}
	c := &l.loaded[len(l.loaded)-1]
	c.rows += n
	c.elapsed = now.Sub(l.since)
	l.done += n
	if l.progress != nil {
		l.progress.update(table, l.done, max(l.total, l.done))
	}
}

// copyRows sends rows through a generated ...CopyFrom method, a chunk at a time.
func copyRows[T any](l *synthLoader, table string, rows []T, copyFrom func(context.Context, []T) (int64, error)) error {
	l.add(table, 0)
	for len(rows) > 0 {
		chunk := rows[:min(seedChunk, len(rows))]
		rows = rows[len(chunk):]
		n, err := copyFrom(l.ctx, chunk)
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		l.add(table, n)
	}
	return nil
}

func (l *synthLoader) load(g *synth.Generator) error {
	ctx, q := l.ctx, l.q
	counts, err := q.ReportRowCounts(ctx)
	if err != nil {
		return err
	}
	if counts.Models > 0 {
		return errHasModels{counts.Models}
	}
	size := g.Size()
	l.total = int64(len(g.Teams()) + len(g.Users()) + len(g.Models()) + len(g.Versions()) + len(g.Datasets()) +
		len(g.Experiments()) + len(g.Approvals()) + size.Runs + size.RunDatasets)

	if err := copyRows(l, "teams", g.Teams(), q.TeamInsertManyCopyFrom); err != nil {
		return err
	}
	if err := copyRows(l, "users", g.Users(), q.UserInsertManyCopyFrom); err != nil {
		return err
	}
	envs, err := l.environments()
	if err != nil {
		return err
	}
	deployments, err := g.Deployments(envs)
	if err != nil {
		return err
	}
	l.total += int64(len(deployments))
	if err := copyRows(l, "models", g.Models(), q.ModelInsertManyCopyFrom); err != nil {
		return err
	}
	if err := copyRows(l, "model_versions", g.Versions(), q.ModelVersionInsertManyCopyFrom); err != nil {
		return err
	}
	if err := copyRows(l, "datasets", g.Datasets(), q.DatasetInsertManyCopyFrom); err != nil {
		return err
	}
	if err := copyRows(l, "experiments", g.Experiments(), q.ExperimentInsertManyCopyFrom); err != nil {
		return err
	}
	if err := copyRows(l, "approvals", g.Approvals(), q.ApprovalInsertManyCopyFrom); err != nil {
		return err
	}
	l.add("training_runs", 0)
	if err := g.Runs(seedChunk, func(rows []registrydb.TrainingRunInsertManyCopyFromParams) error {
		n, err := q.TrainingRunInsertManyCopyFrom(ctx, rows)
		l.add("training_runs", n)
		return err
	}); err != nil {
		return fmt.Errorf("training_runs: %w", err)
	}
	l.add("run_datasets", 0)
	if err := g.RunDatasets(seedChunk, func(rows []registrydb.RunDatasetInsertManyCopyFromParams) error {
		n, err := q.RunDatasetInsertManyCopyFrom(ctx, rows)
		l.add("run_datasets", n)
		return err
	}); err != nil {
		return fmt.Errorf("run_datasets: %w", err)
	}
	if err := copyRows(l, "deployments", deployments, q.DeploymentInsertManyCopyFrom); err != nil {
		return err
	}
	tags, err := l.tags()
	if err != nil {
		return err
	}
	modelTags, datasetTags := g.ModelTags(tags), g.DatasetTags(tags)
	l.total += int64(len(modelTags) + len(datasetTags))
	if err := copyRows(l, "model_tags", modelTags, q.ModelTagInsertManyCopyFrom); err != nil {
		return err
	}
	return copyRows(l, "dataset_tags", datasetTags, q.DatasetTagInsertManyCopyFrom)
}

// environments returns every environment, creating one of each type the
// generator needs that none has (the migrations create them all).
func (l *synthLoader) environments() ([]synth.Environment, error) {
	var envs []synth.Environment
	have := map[string]bool{}
	for after := ""; ; {
		page, err := l.q.EnvironmentList(l.ctx, after, 500)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			envs = append(envs, synth.Environment{ID: e.EnvironmentID, Name: e.EnvironmentName, Type: e.EnvironmentType})
			have[e.EnvironmentType] = true
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].EnvironmentName
	}
	l.add("environments", 0)
	for i, t := range synth.RequiredEnvironmentTypes {
		if have[t] {
			continue
		}
		e, err := l.q.EnvironmentCreate(l.ctx, registrydb.EnvironmentCreateParams{
			EnvironmentName: "synthetic-" + t, EnvironmentType: t,
			Description: seedPtr("Created by mlreg seed --scale"), Priority: seedPtr(int32(i * 2)),
		})
		if err != nil {
			return nil, fmt.Errorf("environment synthetic-%s: %w", t, err)
		}
		envs = append(envs, synth.Environment{ID: e.EnvironmentID, Name: e.EnvironmentName, Type: e.EnvironmentType})
		l.add("environments", 1)
	}
	return envs, nil
}

// tags returns every tag, after creating those of synth.WantedTags missing.
func (l *synthLoader) tags() ([]synth.Tag, error) {
	list := func() ([]synth.Tag, error) {
		var tags []synth.Tag
		params := registrydb.TagListParams{MaxRows: 500}
		for {
			page, err := l.q.TagList(l.ctx, params)
			if err != nil {
				return nil, err
			}
			for _, t := range page {
				tags = append(tags, synth.Tag{ID: t.TagID, Category: t.TagCategory, Value: t.TagValue})
			}
			if len(page) < int(params.MaxRows) {
				return tags, nil
			}
			params.AfterCategory, params.AfterValue = page[len(page)-1].TagCategory, page[len(page)-1].TagValue
		}
	}
	tags, err := list()
	if err != nil {
		return nil, err
	}
	have := map[[2]string]bool{}
	for _, t := range tags {
		have[[2]string{t.Category, t.Value}] = true
	}
	var missing []registrydb.TagInsertManyCopyFromParams
	for _, w := range synth.WantedTags {
		if !have[[2]string{w.Category, w.Value}] {
			missing = append(missing, registrydb.TagInsertManyCopyFromParams{TagCategory: w.Category, TagValue: w.Value, TagDescription: seedPtr(w.Description)})
		}
	}
	l.total += int64(len(missing))
	if err := copyRows(l, "tags", missing, l.q.TagInsertManyCopyFrom); err != nil {
		return nil, err
	}
	if len(missing) == 0 {
		return tags, nil
	}
	return list()
}

func seedPtr[T any](v T) *T { return &v }

// stderrIsTerminal reports whether a progress bar on stderr would be seen.
func stderrIsTerminal() bool {
	fi, err := os.Stderr.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one line on a terminal, at most ten times a second.
type progressBar struct {
	w     io.Writer
	label string
	start time.Time
	last  time.Time
	drawn bool
}

func (p *progressBar) update(table string, done, total int64) {
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last, p.drawn = now, true
	const width = 30
	filled := int(float64(width) * float64(done) / float64(max(total, 1)))
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %-14s %d/%d rows %5.1fs\033[K", p.label,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/max(total, 1),
		table, done, total, now.Sub(p.start).Seconds())
}

func (p *progressBar) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
