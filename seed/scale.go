package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/synth"
	"github.com/mlplatform/model-registry/registry"
)

// Size is a synthetic registry's size: how many models, versions, runs...
type Size = synth.Size

// ParseSize returns the size named tiny, small, medium or large.
func ParseSize(name string) (Size, error) { return synth.ParseSize(name) }

// chunk is how many rows one COPY of Scale sends.
const chunk = 10_000

// HasModelsError is Scale's refusal to load over a registry with models.
type HasModelsError struct{ Models int64 }

func (e *HasModelsError) Error() string {
	return fmt.Sprintf("the registry already has %d models; load a synthetic registry into a database without models", e.Models)
}

// TableCount is how many rows Scale loaded into a table, and how long it took.
type TableCount struct {
	Table   string
	Rows    int64
	Elapsed time.Duration
}

// ScaleOptions tunes Scale.
type ScaleOptions struct {
	// Seed makes the registry: the same seed gives the same rows.
	Seed uint64
	// Actor is recorded in the audit trail, as in registry.TxOptions.
	Actor string
	// Progress, when set, is called after every chunk with the table being
	// loaded and the rows done out of the total.
	Progress func(table string, done, total int64)
}

// ScaleResult is what Scale loaded.
type ScaleResult struct {
	Tables  []TableCount
	Elapsed time.Duration // the whole transaction
}

// Scale loads a synthetic registry of size through the generated
// ...CopyFrom methods, all in one transaction: an error or a cancelled ctx
// leaves the database as it was. A registry that has models is refused
// with *HasModelsError.
func Scale(ctx context.Context, db registry.TxBeginner, size Size, opts ScaleOptions) (ScaleResult, error) {
	g, err := synth.New(size, opts.Seed)
	if err != nil {
		return ScaleResult{}, err
	}
	start := time.Now()
	var loaded []TableCount
	err = registry.WithTx(ctx, db, registry.TxOptions{Actor: opts.Actor}, func(q *registrydb.Queries) error {
		l := &loader{ctx: ctx, q: q, progress: opts.Progress}
		err := l.load(g)
		loaded = l.loaded
		return err
	})
	var refused *HasModelsError
	switch {
	case errors.As(err, &refused):
		return ScaleResult{}, refused
	case err != nil:
		return ScaleResult{}, fmt.Errorf("loading size %s: %w (nothing was loaded)", size.Name, err)
	}
	return ScaleResult{Tables: loaded, Elapsed: time.Since(start)}, nil
}

// loader loads one generated registry in the order the schema's rules
// need: approvals before the deployments they allow, runs before their
// dataset links, every parent before its children.
type loader struct {
	ctx      context.Context
	q        *registrydb.Queries
	progress func(table string, done, total int64)
	loaded   []TableCount
	done     int64
	total    int64
	since    time.Time
}

// add counts n more rows loaded into table; the first call for a table
// (with n = 0) starts its clock.
func (l *loader) add(table string, n int64) {
	now := time.Now()
	if len(l.loaded) == 0 || l.loaded[len(l.loaded)-1].Table != table {
		l.loaded = append(l.loaded, TableCount{Table: table})
		l.since = now
	}
	c := &l.loaded[len(l.loaded)-1]
	c.Rows += n
	c.Elapsed = now.Sub(l.since)
	l.done += n
	if l.progress != nil {
		l.progress(table, l.done, max(l.total, l.done))
	}
}

// copyRows sends rows through a generated ...CopyFrom method, a chunk at a time.
func copyRows[T any](l *loader, table string, rows []T, copyFrom func(context.Context, []T) (int64, error)) error {
	l.add(table, 0)
	for len(rows) > 0 {
		chunk := rows[:min(chunk, len(rows))]
		rows = rows[len(chunk):]
		n, err := copyFrom(l.ctx, chunk)
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		l.add(table, n)
	}
	return nil
}

func (l *loader) load(g *synth.Generator) error {
	ctx, q := l.ctx, l.q
	counts, err := q.ReportRowCounts(ctx)
	if err != nil {
		return err
	}
	if counts.Models > 0 {
		return &HasModelsError{counts.Models}
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
	if err := g.Runs(chunk, func(rows []registrydb.TrainingRunInsertManyCopyFromParams) error {
		n, err := q.TrainingRunInsertManyCopyFrom(ctx, rows)
		l.add("training_runs", n)
		return err
	}); err != nil {
		return fmt.Errorf("training_runs: %w", err)
	}
	l.add("run_datasets", 0)
	if err := g.RunDatasets(chunk, func(rows []registrydb.RunDatasetInsertManyCopyFromParams) error {
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
func (l *loader) environments() ([]synth.Environment, error) {
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
			Description: ptr("Created by mlreg seed --scale"), Priority: ptr(int32(i * 2)),
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
func (l *loader) tags() ([]synth.Tag, error) {
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
			missing = append(missing, registrydb.TagInsertManyCopyFromParams{TagCategory: w.Category, TagValue: w.Value, TagDescription: ptr(w.Description)})
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
