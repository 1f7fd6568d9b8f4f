package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// JSONLFormat names the export format in its first line.
const JSONLFormat = "mlreg-export"

// exportPage is how many rows one export query returns.
const exportPage = 5_000

// JSONLHeader is the first line of an export.
type JSONLHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Model is the model exported, null for the whole registry.
	Model *string `json:"model"`
}

// jsonLine is every other line: one row of one table, as the table holds
// it (the generated row types' JSON).
type jsonLine struct {
	Table string `json:"table"`
	Row   any    `json:"row"`
}

// exportOrder is the order of the tables in an export, every row after
// those it refers to.
var exportOrder = []string{
	EntityTeams, EntityUsers, EntityEnvironments, EntityTags, EntityModels, EntityVersions, EntityDatasets,
	EntityExperiments, EntityApprovals, EntityRuns, EntityRunDatasets, EntityDeployments,
	EntityModelTags, EntityDatasetTags, EntityAliases,
}

// ExportJSONL writes the registry as JSON lines to w: a header line
// (JSONLHeader), then one line per row, {"table": ..., "row": {...}}, the
// rows as their tables hold them, ids included, table after table in
// exportOrder. model "" exports every row; a model name exports that model
// and every row it reaches: its versions, their runs, approvals and
// deployments, the runs' dataset links and datasets, the experiments of its
// runs and its own (and the models those belong to), its tags and the
// datasets' tags, its aliases with their history, and the teams, users
// and environments those rows name. The registry is read in one read-only
// REPEATABLE READ transaction, a page at a time. deployment_traffic_locks
// is not exported: the deployments' trigger fills it again on import.
func ExportJSONL(ctx context.Context, registryDB registry.TxBeginner, w io.Writer, model string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	header := JSONLHeader{Format: JSONLFormat, Version: 1, Model: str(model)}
	snapshot := registry.TxOptions{TxOptions: pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}}
	err := registry.WithTx(ctx, registryDB, snapshot, func(q *registrydb.Queries) error {
		if err := enc.Encode(header); err != nil {
			return err
		}
		var sel *selection
		if model != "" {
			var err error
			if sel, err = selectModel(ctx, q, model); err != nil {
				return err
			}
		}
		for _, table := range exportOrder {
			if err := exportTable(ctx, q, table, sel, func(row any) error {
				return enc.Encode(jsonLine{Table: table, Row: row})
			}); err != nil {
				return fmt.Errorf("export %s: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// selection is the keys of the rows one model reaches; nil means all.
type selection struct {
	models, versions, runs, datasets, experiments, tags, users, teams []uuid.UUID
	environments                                                      []int32
}

// pages calls fetch for page after page (last is the previous page's last
// row, nil for the first) and each for every row.
func pages[T any](fetch func(last *T) ([]T, error), each func(T) error) error {
	var last *T
	for {
		page, err := fetch(last)
		if err != nil {
			return err
		}
		for i := range page {
			if err := each(page[i]); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		last = &page[len(page)-1]
	}
}

func collect[T any](fetch func(last *T) ([]T, error)) ([]T, error) {
	var out []T
	err := pages(fetch, func(r T) error { out = append(out, r); return nil })
	return out, err
}

func orNil[T any](last *T, key func(T) uuid.UUID) uuid.UUID {
	if last == nil {
		return uuid.Nil
	}
	return key(*last)
}

func uuids(s []uuid.UUID) []uuid.UUID {
	if s == nil {
		return []uuid.UUID{}
	}
	return s
}

// exportTable pages through one table, all of it (sel nil) or the rows of
// sel.
func exportTable(ctx context.Context, q *registrydb.Queries, table string, sel *selection, each func(any) error) error {
	all := sel == nil
	if all {
		sel = &selection{}
	}
	switch table {
	case EntityTeams:
		return pages(func(last *registrydb.Team) ([]registrydb.Team, error) {
			return q.TeamExport(ctx, registrydb.TeamExportParams{AfterID: orNil(last, func(r registrydb.Team) uuid.UUID { return r.TeamID }),
				AllRows: all, TeamIds: uuids(sel.teams), MaxRows: exportPage})
		}, func(r registrydb.Team) error { return each(r) })
	case EntityUsers:
		return pages(func(last *registrydb.User) ([]registrydb.User, error) {
			return q.UserExport(ctx, registrydb.UserExportParams{AfterID: orNil(last, func(r registrydb.User) uuid.UUID { return r.UserID }),
				AllRows: all, UserIds: uuids(sel.users), MaxRows: exportPage})
		}, func(r registrydb.User) error { return each(r) })
	case EntityEnvironments:
		envs := sel.environments
		if envs == nil {
			envs = []int32{}
		}
		return pages(func(last *registrydb.Environment) ([]registrydb.Environment, error) {
			after := int32(-1 << 31)
			if last != nil {
				after = last.EnvironmentID
			}
			return q.EnvironmentExport(ctx, registrydb.EnvironmentExportParams{AfterID: after, AllRows: all, EnvironmentIds: envs, MaxRows: exportPage})
		}, func(r registrydb.Environment) error { return each(r) })
	case EntityTags:
		return pages(func(last *registrydb.Tag) ([]registrydb.Tag, error) {
			return q.TagExport(ctx, registrydb.TagExportParams{AfterID: orNil(last, func(r registrydb.Tag) uuid.UUID { return r.TagID }),
				AllRows: all, TagIds: uuids(sel.tags), MaxRows: exportPage})
		}, func(r registrydb.Tag) error { return each(r) })
	case EntityModels:
		return pages(func(last *registrydb.Model) ([]registrydb.Model, error) {
			return q.ModelExport(ctx, registrydb.ModelExportParams{AfterID: orNil(last, func(r registrydb.Model) uuid.UUID { return r.ModelID }),
				AllRows: all, ModelIds: uuids(sel.models), MaxRows: exportPage})
		}, func(r registrydb.Model) error { return each(r) })
	case EntityVersions:
		return pages(func(last *registrydb.ModelVersion) ([]registrydb.ModelVersion, error) {
			after := orNil(last, func(r registrydb.ModelVersion) uuid.UUID { return r.VersionID })
			if all {
				return q.ModelVersionExportAll(ctx, after, exportPage)
			}
			return q.ModelVersionExportByModels(ctx, registrydb.ModelVersionExportByModelsParams{AfterID: after,
				ModelIds: uuids(sel.models[:min(1, len(sel.models))]), MaxRows: exportPage})
		}, func(r registrydb.ModelVersion) error { return each(r) })
	case EntityDatasets:
		return pages(func(last *registrydb.Dataset) ([]registrydb.Dataset, error) {
			return q.DatasetExport(ctx, registrydb.DatasetExportParams{AfterID: orNil(last, func(r registrydb.Dataset) uuid.UUID { return r.DatasetID }),
				AllRows: all, DatasetIds: uuids(sel.datasets), MaxRows: exportPage})
		}, func(r registrydb.Dataset) error { return each(r) })
	case EntityExperiments:
		return pages(func(last *registrydb.Experiment) ([]registrydb.Experiment, error) {
			return q.ExperimentExport(ctx, registrydb.ExperimentExportParams{AfterID: orNil(last, func(r registrydb.Experiment) uuid.UUID { return r.ExperimentID }),
				AllRows: all, ExperimentIds: uuids(sel.experiments), ModelIds: uuids(sel.models[:min(1, len(sel.models))]), MaxRows: exportPage})
		}, func(r registrydb.Experiment) error { return each(r) })
	case EntityApprovals:
		return pages(func(last *registrydb.Approval) ([]registrydb.Approval, error) {
			return q.ApprovalExport(ctx, registrydb.ApprovalExportParams{AfterID: orNil(last, func(r registrydb.Approval) uuid.UUID { return r.ApprovalID }),
				AllRows: all, VersionIds: uuids(sel.versions), MaxRows: exportPage})
		}, func(r registrydb.Approval) error { return each(r) })
	case EntityRuns:
		return pages(func(last *registrydb.TrainingRun) ([]registrydb.TrainingRun, error) {
			after := orNil(last, func(r registrydb.TrainingRun) uuid.UUID { return r.RunID })
			if all {
				return q.TrainingRunExportAll(ctx, after, exportPage)
			}
			return q.TrainingRunExportByVersions(ctx, registrydb.TrainingRunExportByVersionsParams{AfterID: after, VersionIds: uuids(sel.versions), MaxRows: exportPage})
		}, func(r registrydb.TrainingRun) error { return each(r) })
	case EntityRunDatasets:
		return pages(func(last *registrydb.RunDataset) ([]registrydb.RunDataset, error) {
			if all {
				p := registrydb.RunDatasetExportAllParams{MaxRows: exportPage}
				if last != nil {
					p.AfterRunID, p.AfterDatasetID, p.AfterRole = last.RunID, last.DatasetID, last.DatasetRole
				}
				return q.RunDatasetExportAll(ctx, p)
			}
			return runDatasetsByRuns(ctx, q, sel.runs, last)
		}, func(r registrydb.RunDataset) error { return each(r) })
	case EntityDeployments:
		return pages(func(last *registrydb.Deployment) ([]registrydb.Deployment, error) {
			after := orNil(last, func(r registrydb.Deployment) uuid.UUID { return r.DeploymentID })
			if all {
				return q.DeploymentExportAll(ctx, after, exportPage)
			}
			return q.DeploymentExportByVersions(ctx, registrydb.DeploymentExportByVersionsParams{AfterID: after, VersionIds: uuids(sel.versions), MaxRows: exportPage})
		}, func(r registrydb.Deployment) error { return each(r) })
	case EntityModelTags:
		return pages(func(last *registrydb.ModelTag) ([]registrydb.ModelTag, error) {
			p := registrydb.ModelTagExportParams{AllRows: all, ModelIds: uuids(sel.models[:min(1, len(sel.models))]), MaxRows: exportPage}
			if last != nil {
				p.AfterModelID, p.AfterTagID = last.ModelID, last.TagID
			}
			return q.ModelTagExport(ctx, p)
		}, func(r registrydb.ModelTag) error { return each(r) })
	case EntityDatasetTags:
		return pages(func(last *registrydb.DatasetTag) ([]registrydb.DatasetTag, error) {
			p := registrydb.DatasetTagExportParams{AllRows: all, DatasetIds: uuids(sel.datasets), MaxRows: exportPage}
			if last != nil {
				p.AfterDatasetID, p.AfterTagID = last.DatasetID, last.TagID
			}
			return q.DatasetTagExport(ctx, p)
		}, func(r registrydb.DatasetTag) error { return each(r) })
	case EntityAliases:
		return pages(func(last *registrydb.ModelAliasExportRow) ([]registrydb.ModelAliasExportRow, error) {
			after := int64(0)
			if last != nil {
				after = last.AliasID
			}
			return q.ModelAliasExport(ctx, registrydb.ModelAliasExportParams{AfterID: after, AllRows: all,
				ModelIds: uuids(sel.models[:min(1, len(sel.models))]), MaxRows: exportPage})
		}, func(r registrydb.ModelAliasExportRow) error { return each(r) })
	}
	return fmt.Errorf("no table %s", table)
}

// selectModel works out the rows one model reaches. sel.models holds the
// model first, then the other models its runs' experiments belong to
// (exported as rows only: their versions are not).
func selectModel(ctx context.Context, q *registrydb.Queries, name string) (*selection, error) {
	m, err := q.ModelGetByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("model %q: %w", name, err)
	}
	sel := &selection{models: []uuid.UUID{m.ModelID}}
	users, teams := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	addUser := func(id *uuid.UUID) {
		if id != nil {
			users[*id] = true
		}
	}
	addTeam := func(id *uuid.UUID) {
		if id != nil {
			teams[*id] = true
		}
	}
	one := []uuid.UUID{m.ModelID}
	versions, err := collect(func(last *registrydb.ModelVersion) ([]registrydb.ModelVersion, error) {
		return q.ModelVersionExportByModels(ctx, registrydb.ModelVersionExportByModelsParams{AfterID: orNil(last, func(r registrydb.ModelVersion) uuid.UUID { return r.VersionID }),
			ModelIds: one, MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		sel.versions = append(sel.versions, v.VersionID)
		addUser(v.RegisteredByUserID)
	}
	runs, err := collect(func(last *registrydb.TrainingRun) ([]registrydb.TrainingRun, error) {
		return q.TrainingRunExportByVersions(ctx, registrydb.TrainingRunExportByVersionsParams{AfterID: orNil(last, func(r registrydb.TrainingRun) uuid.UUID { return r.RunID }),
			VersionIds: uuids(sel.versions), MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	exps := map[uuid.UUID]bool{}
	for _, r := range runs {
		sel.runs = append(sel.runs, r.RunID)
		if r.ExperimentID != nil && !exps[*r.ExperimentID] {
			exps[*r.ExperimentID] = true
			sel.experiments = append(sel.experiments, *r.ExperimentID)
		}
	}
	links, err := collect(func(last *registrydb.RunDataset) ([]registrydb.RunDataset, error) {
		return runDatasetsByRuns(ctx, q, sel.runs, last)
	})
	if err != nil {
		return nil, err
	}
	datasets := map[uuid.UUID]bool{}
	for _, l := range links {
		if !datasets[l.DatasetID] {
			datasets[l.DatasetID] = true
			sel.datasets = append(sel.datasets, l.DatasetID)
		}
	}
	dsRows, err := collect(func(last *registrydb.Dataset) ([]registrydb.Dataset, error) {
		return q.DatasetExport(ctx, registrydb.DatasetExportParams{AfterID: orNil(last, func(r registrydb.Dataset) uuid.UUID { return r.DatasetID }),
			DatasetIds: uuids(sel.datasets), MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	for _, d := range dsRows {
		addTeam(d.TeamID)
	}
	expRows, err := collect(func(last *registrydb.Experiment) ([]registrydb.Experiment, error) {
		return q.ExperimentExport(ctx, registrydb.ExperimentExportParams{AfterID: orNil(last, func(r registrydb.Experiment) uuid.UUID { return r.ExperimentID }),
			ExperimentIds: uuids(sel.experiments), ModelIds: one, MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	for _, e := range expRows {
		if !exps[e.ExperimentID] {
			exps[e.ExperimentID] = true
			sel.experiments = append(sel.experiments, e.ExperimentID)
		}
		addUser(e.CreatedByUserID)
		if e.ModelID != nil && *e.ModelID != m.ModelID && !slices.Contains(sel.models, *e.ModelID) {
			sel.models = append(sel.models, *e.ModelID)
		}
	}
	models, err := collect(func(last *registrydb.Model) ([]registrydb.Model, error) {
		return q.ModelExport(ctx, registrydb.ModelExportParams{AfterID: orNil(last, func(r registrydb.Model) uuid.UUID { return r.ModelID }),
			ModelIds: sel.models, MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	for _, mr := range models {
		addUser(mr.CreatedByUserID)
		addTeam(mr.TeamID)
	}
	approvals, err := collect(func(last *registrydb.Approval) ([]registrydb.Approval, error) {
		return q.ApprovalExport(ctx, registrydb.ApprovalExportParams{AfterID: orNil(last, func(r registrydb.Approval) uuid.UUID { return r.ApprovalID }),
			VersionIds: uuids(sel.versions), MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	for _, a := range approvals {
		addUser(a.RequestedByUserID)
	}
	deployments, err := collect(func(last *registrydb.Deployment) ([]registrydb.Deployment, error) {
		return q.DeploymentExportByVersions(ctx, registrydb.DeploymentExportByVersionsParams{AfterID: orNil(last, func(r registrydb.Deployment) uuid.UUID { return r.DeploymentID }),
			VersionIds: uuids(sel.versions), MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	envs := map[int32]bool{}
	for _, d := range deployments {
		addUser(d.DeployedByUserID)
		if !envs[d.EnvironmentID] {
			envs[d.EnvironmentID] = true
			sel.environments = append(sel.environments, d.EnvironmentID)
		}
	}
	tags := map[uuid.UUID]bool{}
	mts, err := collect(func(last *registrydb.ModelTag) ([]registrydb.ModelTag, error) {
		p := registrydb.ModelTagExportParams{ModelIds: one, MaxRows: exportPage}
		if last != nil {
			p.AfterModelID, p.AfterTagID = last.ModelID, last.TagID
		}
		return q.ModelTagExport(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	for _, t := range mts {
		tags[t.TagID] = true
	}
	dts, err := collect(func(last *registrydb.DatasetTag) ([]registrydb.DatasetTag, error) {
		p := registrydb.DatasetTagExportParams{DatasetIds: uuids(sel.datasets), MaxRows: exportPage}
		if last != nil {
			p.AfterDatasetID, p.AfterTagID = last.DatasetID, last.TagID
		}
		return q.DatasetTagExport(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	for _, t := range dts {
		tags[t.TagID] = true
	}
	for id := range tags {
		sel.tags = append(sel.tags, id)
	}
	userRows, err := collect(func(last *registrydb.User) ([]registrydb.User, error) {
		ids := make([]uuid.UUID, 0, len(users))
		for id := range users {
			ids = append(ids, id)
		}
		return q.UserExport(ctx, registrydb.UserExportParams{AfterID: orNil(last, func(r registrydb.User) uuid.UUID { return r.UserID }),
			UserIds: ids, MaxRows: exportPage})
	})
	if err != nil {
		return nil, err
	}
	for _, u := range userRows {
		sel.users = append(sel.users, u.UserID)
		addTeam(u.TeamID)
	}
	for id := range teams {
		sel.teams = append(sel.teams, id)
	}
	return sel, nil
}

// runDatasetsByRuns is one page of the dataset links of the given runs.
func runDatasetsByRuns(ctx context.Context, q *registrydb.Queries, runs []uuid.UUID, last *registrydb.RunDataset) ([]registrydb.RunDataset, error) {
	p := registrydb.RunDatasetExportByRunsParams{RunIds: uuids(runs), MaxRows: exportPage}
	if last != nil {
		p.AfterRunID, p.AfterDatasetID, p.AfterRole = last.RunID, last.DatasetID, last.DatasetRole
	}
	return q.RunDatasetExportByRuns(ctx, p)
}

// JSONL imports an export (ExportJSONL) read from r into registryDB, rows
// and ids as they are: meant for an empty registry, where it reproduces the
// exported rows. A row already there with the same key and the same
// values is already present (so importing twice writes nothing); one that
// differs is refused. A tag is matched by category and value (the
// migrations seed the same tags under other ids), and the model and
// dataset tags follow it. Alias periods are written as they were, ids
// included. The columns that cannot carry over are listed in
// docs/import.md.
func JSONL(ctx context.Context, r io.Reader, registryDB registry.TxBeginner, opts Options) (Report, error) {
	report := newReport(SourceJSONL, opts)
	tables := newJSONLTables()
	byName := map[string]jsonlTable{}
	for _, t := range tables {
		byName[t.name()] = t
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	line := 0
	opts.progress("read jsonl", 0, -1)
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		if line == 1 {
			var h JSONLHeader
			if err := json.Unmarshal(text, &h); err != nil || h.Format != JSONLFormat {
				return report, fmt.Errorf("line 1: not an %s file (its first line is not {\"format\": %q, ...})", JSONLFormat, JSONLFormat)
			}
			if h.Version != 1 {
				return report, fmt.Errorf("line 1: %s version %d; this importer reads version 1", JSONLFormat, h.Version)
			}
			continue
		}
		var l struct {
			Table string          `json:"table"`
			Row   json.RawMessage `json:"row"`
		}
		if err := json.Unmarshal(text, &l); err != nil {
			return report, fmt.Errorf("line %d: %w", line, err)
		}
		t := byName[l.Table]
		if t == nil {
			return report, fmt.Errorf("line %d: unknown table %q", line, l.Table)
		}
		if err := t.add(l.Row); err != nil {
			return report, fmt.Errorf("line %d (%s): %w", line, l.Table, err)
		}
		if line%ChunkRows == 0 {
			opts.progress("read jsonl", int64(line), -1)
		}
	}
	if err := sc.Err(); err != nil {
		return report, fmt.Errorf("reading: %w", err)
	}
	if line == 0 {
		return report, errors.New("empty input: not an export")
	}
	opts.progress("read jsonl", int64(line), int64(line))
	for _, t := range tables {
		report.entity(t.name()).Read = int64(t.len())
	}
	return run(ctx, registryDB, report, opts, func(ctx context.Context, q *registrydb.Queries, rep *Report) error {
		st := &jsonlState{ctx: ctx, q: q, opts: opts, report: rep, tagMap: map[uuid.UUID]uuid.UUID{}, expected: map[string]int64{}}
		for _, t := range tables {
			if err := t.resolve(st); err != nil {
				return fmt.Errorf("%s: %w", t.name(), err)
			}
		}
		if rep.refused() > 0 && !opts.SkipInvalid {
			return errRefusedRows
		}
		for _, t := range tables {
			if err := t.write(st); err != nil {
				return err
			}
		}
		if err := q.EnvironmentSequenceSync(ctx); err != nil {
			return err
		}
		return validate(ctx, q, opts, rep, st.keys, st.expected)
	})
}

// jsonlState is one attempt at writing an export.
type jsonlState struct {
	ctx      context.Context
	q        *registrydb.Queries
	opts     Options
	report   *Report
	keys     registrydb.RegistryKeyCountsParams
	expected map[string]int64
	tagMap   map[uuid.UUID]uuid.UUID // export tag id -> registry tag id
}

type jsonlTable interface {
	name() string
	add(raw json.RawMessage) error
	len() int
	resolve(st *jsonlState) error
	write(st *jsonlState) error
}

// jtable is one table of an export: its rows as the table's
// ...ImportManyCopyFrom params, how to find those the registry holds, and
// how to write the others.
type jtable[P any] struct {
	table string
	rows  []P
	fresh []P
	key   func(P) string
	// existing returns the registry's rows among those of rows, as P.
	existing func(st *jsonlState, rows []P) ([]P, error)
	// prepare rewrites a row before it is looked up (tag ids).
	prepare func(st *jsonlState, row *P)
	// count adds a row's key to the validation's keys.
	count  func(st *jsonlState, row P)
	write_ func(st *jsonlState, rows []P) error
}

func (t *jtable[P]) name() string { return t.table }
func (t *jtable[P]) len() int     { return len(t.rows) }

func (t *jtable[P]) add(raw json.RawMessage) error {
	var row P
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&row); err != nil {
		return err
	}
	normalize(reflect.ValueOf(&row).Elem())
	t.rows = append(t.rows, row)
	return nil
}

func (t *jtable[P]) resolve(st *jsonlState) error {
	t.fresh = t.fresh[:0]
	rows := t.rows
	if t.prepare != nil {
		rows = make([]P, len(t.rows))
		copy(rows, t.rows)
		for i := range rows {
			t.prepare(st, &rows[i])
		}
	}
	have := map[string]P{}
	for start := 0; start < len(rows); start += ChunkRows {
		found, err := t.existing(st, rows[start:min(start+ChunkRows, len(rows))])
		if err != nil {
			return err
		}
		for _, f := range found {
			normalize(reflect.ValueOf(&f).Elem())
			have[t.key(f)] = f
		}
	}
	seen := map[string]bool{}
	e := st.report.entity(t.table)
	for _, row := range rows {
		k := t.key(row)
		if seen[k] {
			e.Refused = append(e.Refused, RowNote{Source: t.table + " " + k, Reason: "the export holds this key twice"})
			continue
		}
		seen[k] = true
		if old, ok := have[k]; ok {
			if diff := differences(old, row); len(diff) > 0 {
				e.Refused = append(e.Refused, RowNote{Source: t.table + " " + k,
					Reason: "the registry holds this row with other values (" + strings.Join(diff, ", ") + ")"})
				continue
			}
			e.AlreadyPresent++
		} else {
			t.fresh = append(t.fresh, row)
			e.Imported++
		}
		st.expected[t.table]++
		t.count(st, row)
	}
	return nil
}

func (t *jtable[P]) write(st *jsonlState) error { return t.write_(st, t.fresh) }

// normalize puts a row in one form whatever it was read from: times in
// UTC, JSON null columns as NULL, JSON documents compacted with sorted keys.
func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if t, ok := v.Addr().Interface().(*time.Time); ok {
			*t = t.UTC()
			return
		}
		for i := 0; i < v.NumField(); i++ {
			normalize(v.Field(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	case reflect.Slice:
		if raw, ok := v.Addr().Interface().(*json.RawMessage); ok && *raw != nil {
			var doc any
			dec := json.NewDecoder(bytes.NewReader(*raw))
			dec.UseNumber() // numbers as written: no float64 rounding
			if dec.Decode(&doc) == nil {
				if doc == nil {
					*raw = nil
					return
				}
				*raw, _ = json.Marshal(doc)
			}
		}
	}
}

// differences names the columns in which two rows differ.
func differences(a, b any) []string {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var ma, mb map[string]json.RawMessage
	_ = json.Unmarshal(ja, &ma)
	_ = json.Unmarshal(jb, &mb)
	var out []string
	for k, va := range ma {
		if !bytes.Equal(va, mb[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// as converts a row the registry returned to another row type with the
// same JSON names (its ...ImportManyCopyFrom params).
func as[P any, R any](rows []R) ([]P, error) {
	out := make([]P, len(rows))
	for i, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ids[P any](rows []P, id func(P) uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

// byIDs pages through an export query for the given keys.
func byIDs[P any, R any](fetch func(last *R) ([]R, error)) ([]P, error) {
	rows, err := collect(fetch)
	if err != nil {
		return nil, err
	}
	return as[P](rows)
}

func copyWriter[P any](table string, copyFrom func(*registrydb.Queries) func(context.Context, []P) (int64, error)) func(*jsonlState, []P) error {
	return func(st *jsonlState, rows []P) error {
		return copyChunks(st.ctx, st.opts, table, rows, copyFrom(st.q))
	}
}

func newJSONLTables() []jsonlTable {
	type (
		team       = registrydb.TeamInsertManyCopyFromParams
		user       = registrydb.UserImportManyCopyFromParams
		env        = registrydb.EnvironmentImportManyCopyFromParams
		tag        = registrydb.TagImportManyCopyFromParams
		model      = registrydb.ModelImportManyCopyFromParams
		version    = registrydb.ModelVersionImportManyCopyFromParams
		dataset    = registrydb.DatasetImportManyCopyFromParams
		experiment = registrydb.ExperimentImportManyCopyFromParams
		approval   = registrydb.ApprovalImportManyCopyFromParams
		run        = registrydb.TrainingRunImportManyCopyFromParams
		link       = registrydb.RunDatasetImportManyCopyFromParams
		deployment = registrydb.DeploymentImportManyCopyFromParams
		modelTag   = registrydb.ModelTagInsertManyCopyFromParams
		datasetTag = registrydb.DatasetTagInsertManyCopyFromParams
		alias      = registrydb.ModelAliasImportHistoryParams
	)
	distinct := func(in []uuid.UUID) []uuid.UUID {
		seen := map[uuid.UUID]bool{}
		out := []uuid.UUID{}
		for _, id := range in {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return out
	}
	return []jsonlTable{
		&jtable[team]{table: EntityTeams, key: func(r team) string { return r.TeamID.String() },
			existing: func(st *jsonlState, rows []team) ([]team, error) {
				return byIDs[team](func(last *registrydb.Team) ([]registrydb.Team, error) {
					return st.q.TeamExport(st.ctx, registrydb.TeamExportParams{AfterID: orNil(last, func(r registrydb.Team) uuid.UUID { return r.TeamID }),
						TeamIds: ids(rows, func(r team) uuid.UUID { return r.TeamID }), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r team) { k := &st.keys; k.TeamIds = append(k.TeamIds, r.TeamID) },
			write_: copyWriter(EntityTeams, func(q *registrydb.Queries) func(context.Context, []team) (int64, error) {
				return q.TeamInsertManyCopyFrom
			}),
		},
		&jtable[user]{table: EntityUsers, key: func(r user) string { return r.UserID.String() },
			existing: func(st *jsonlState, rows []user) ([]user, error) {
				return byIDs[user](func(last *registrydb.User) ([]registrydb.User, error) {
					return st.q.UserExport(st.ctx, registrydb.UserExportParams{AfterID: orNil(last, func(r registrydb.User) uuid.UUID { return r.UserID }),
						UserIds: ids(rows, func(r user) uuid.UUID { return r.UserID }), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r user) { k := &st.keys; k.UserIds = append(k.UserIds, r.UserID) },
			write_: copyWriter(EntityUsers, func(q *registrydb.Queries) func(context.Context, []user) (int64, error) {
				return q.UserImportManyCopyFrom
			}),
		},
		&jtable[env]{table: EntityEnvironments, key: func(r env) string { return fmt.Sprint(r.EnvironmentID) },
			existing: func(st *jsonlState, rows []env) ([]env, error) {
				envIDs := make([]int32, len(rows))
				for i, r := range rows {
					envIDs[i] = r.EnvironmentID
				}
				return byIDs[env](func(last *registrydb.Environment) ([]registrydb.Environment, error) {
					after := int32(-1 << 31)
					if last != nil {
						after = last.EnvironmentID
					}
					return st.q.EnvironmentExport(st.ctx, registrydb.EnvironmentExportParams{AfterID: after, EnvironmentIds: envIDs, MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r env) {
				k := &st.keys
				k.EnvironmentIds = append(k.EnvironmentIds, r.EnvironmentID)
			},
			write_: copyWriter(EntityEnvironments, func(q *registrydb.Queries) func(context.Context, []env) (int64, error) {
				return q.EnvironmentImportManyCopyFrom
			}),
		},
		&jtable[tag]{table: EntityTags, key: func(r tag) string { return r.TagCategory + "/" + r.TagValue },
			// A tag is its category and value: one the registry has under
			// another id (the migrations seed tags with ids of their own) is
			// the same tag, and the rows that name it follow it.
			existing: func(st *jsonlState, rows []tag) ([]tag, error) {
				keys := make([]string, len(rows))
				for i, r := range rows {
					keys[i] = tagKey(r.TagCategory, r.TagValue)
				}
				found, err := st.q.TagImportLookup(st.ctx, keys)
				if err != nil {
					return nil, err
				}
				byKey := map[string]registrydb.Tag{}
				for _, f := range found {
					byKey[f.TagCategory+"/"+f.TagValue] = f
				}
				var out []tag
				for _, r := range rows {
					if f, ok := byKey[r.TagCategory+"/"+r.TagValue]; ok {
						st.tagMap[r.TagID] = f.TagID
						// Compared on category and value alone.
						out = append(out, r)
					} else {
						st.tagMap[r.TagID] = r.TagID
					}
				}
				return out, nil
			},
			count: func(st *jsonlState, r tag) { st.keys.TagIds = append(st.keys.TagIds, st.tagMap[r.TagID]) },
			write_: copyWriter(EntityTags, func(q *registrydb.Queries) func(context.Context, []tag) (int64, error) {
				return q.TagImportManyCopyFrom
			}),
		},
		&jtable[model]{table: EntityModels, key: func(r model) string { return r.ModelID.String() },
			existing: func(st *jsonlState, rows []model) ([]model, error) {
				return byIDs[model](func(last *registrydb.Model) ([]registrydb.Model, error) {
					return st.q.ModelExport(st.ctx, registrydb.ModelExportParams{AfterID: orNil(last, func(r registrydb.Model) uuid.UUID { return r.ModelID }),
						ModelIds: ids(rows, func(r model) uuid.UUID { return r.ModelID }), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r model) { k := &st.keys; k.ModelIds = append(k.ModelIds, r.ModelID) },
			write_: copyWriter(EntityModels, func(q *registrydb.Queries) func(context.Context, []model) (int64, error) {
				return q.ModelImportManyCopyFrom
			}),
		},
		&jtable[version]{table: EntityVersions, key: func(r version) string { return r.VersionID.String() },
			existing: func(st *jsonlState, rows []version) ([]version, error) {
				return byIDs[version](func(last *registrydb.ModelVersion) ([]registrydb.ModelVersion, error) {
					return st.q.ModelVersionExportByModels(st.ctx, registrydb.ModelVersionExportByModelsParams{AfterID: orNil(last, func(r registrydb.ModelVersion) uuid.UUID { return r.VersionID }),
						ModelIds: distinct(ids(rows, func(r version) uuid.UUID { return r.ModelID })), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r version) { k := &st.keys; k.VersionIds = append(k.VersionIds, r.VersionID) },
			write_: copyWriter(EntityVersions, func(q *registrydb.Queries) func(context.Context, []version) (int64, error) {
				return q.ModelVersionImportManyCopyFrom
			}),
		},
		&jtable[dataset]{table: EntityDatasets, key: func(r dataset) string { return r.DatasetID.String() },
			existing: func(st *jsonlState, rows []dataset) ([]dataset, error) {
				return byIDs[dataset](func(last *registrydb.Dataset) ([]registrydb.Dataset, error) {
					return st.q.DatasetExport(st.ctx, registrydb.DatasetExportParams{AfterID: orNil(last, func(r registrydb.Dataset) uuid.UUID { return r.DatasetID }),
						DatasetIds: ids(rows, func(r dataset) uuid.UUID { return r.DatasetID }), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r dataset) { k := &st.keys; k.DatasetIds = append(k.DatasetIds, r.DatasetID) },
			write_: copyWriter(EntityDatasets, func(q *registrydb.Queries) func(context.Context, []dataset) (int64, error) {
				return q.DatasetImportManyCopyFrom
			}),
		},
		&jtable[experiment]{table: EntityExperiments, key: func(r experiment) string { return r.ExperimentID.String() },
			existing: func(st *jsonlState, rows []experiment) ([]experiment, error) {
				return byIDs[experiment](func(last *registrydb.Experiment) ([]registrydb.Experiment, error) {
					return st.q.ExperimentExport(st.ctx, registrydb.ExperimentExportParams{AfterID: orNil(last, func(r registrydb.Experiment) uuid.UUID { return r.ExperimentID }),
						ExperimentIds: ids(rows, func(r experiment) uuid.UUID { return r.ExperimentID }), ModelIds: []uuid.UUID{}, MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r experiment) {
				k := &st.keys
				k.ExperimentIds = append(k.ExperimentIds, r.ExperimentID)
			},
			write_: copyWriter(EntityExperiments, func(q *registrydb.Queries) func(context.Context, []experiment) (int64, error) {
				return q.ExperimentImportManyCopyFrom
			}),
		},
		&jtable[approval]{table: EntityApprovals, key: func(r approval) string { return r.ApprovalID.String() },
			existing: func(st *jsonlState, rows []approval) ([]approval, error) {
				return byIDs[approval](func(last *registrydb.Approval) ([]registrydb.Approval, error) {
					return st.q.ApprovalExport(st.ctx, registrydb.ApprovalExportParams{AfterID: orNil(last, func(r registrydb.Approval) uuid.UUID { return r.ApprovalID }),
						VersionIds: distinct(ids(rows, func(r approval) uuid.UUID { return r.VersionID })), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r approval) { k := &st.keys; k.ApprovalIds = append(k.ApprovalIds, r.ApprovalID) },
			write_: copyWriter(EntityApprovals, func(q *registrydb.Queries) func(context.Context, []approval) (int64, error) {
				return q.ApprovalImportManyCopyFrom
			}),
		},
		&jtable[run]{table: EntityRuns, key: func(r run) string { return r.RunID.String() },
			existing: func(st *jsonlState, rows []run) ([]run, error) {
				return byIDs[run](func(last *registrydb.TrainingRun) ([]registrydb.TrainingRun, error) {
					return st.q.TrainingRunExportByVersions(st.ctx, registrydb.TrainingRunExportByVersionsParams{AfterID: orNil(last, func(r registrydb.TrainingRun) uuid.UUID { return r.RunID }),
						VersionIds: distinct(ids(rows, func(r run) uuid.UUID { return r.VersionID })), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r run) { k := &st.keys; k.RunIds = append(k.RunIds, r.RunID) },
			write_: copyWriter(EntityRuns, func(q *registrydb.Queries) func(context.Context, []run) (int64, error) {
				return q.TrainingRunImportManyCopyFrom
			}),
		},
		&jtable[link]{table: EntityRunDatasets, key: func(r link) string { return r.RunID.String() + "/" + r.DatasetID.String() + "/" + r.DatasetRole },
			existing: func(st *jsonlState, rows []link) ([]link, error) {
				return byIDs[link](func(last *registrydb.RunDataset) ([]registrydb.RunDataset, error) {
					return runDatasetsByRuns(st.ctx, st.q, distinct(ids(rows, func(r link) uuid.UUID { return r.RunID })), last)
				})
			},
			count: func(st *jsonlState, r link) {
				k := &st.keys
				k.LinkKeys = append(k.LinkKeys, linkKey(r.RunID, r.DatasetID, r.DatasetRole))
			},
			write_: copyWriter(EntityRunDatasets, func(q *registrydb.Queries) func(context.Context, []link) (int64, error) {
				return q.RunDatasetImportManyCopyFrom
			}),
		},
		&jtable[deployment]{table: EntityDeployments, key: func(r deployment) string { return r.DeploymentID.String() },
			existing: func(st *jsonlState, rows []deployment) ([]deployment, error) {
				return byIDs[deployment](func(last *registrydb.Deployment) ([]registrydb.Deployment, error) {
					return st.q.DeploymentExportByVersions(st.ctx, registrydb.DeploymentExportByVersionsParams{AfterID: orNil(last, func(r registrydb.Deployment) uuid.UUID { return r.DeploymentID }),
						VersionIds: distinct(ids(rows, func(r deployment) uuid.UUID { return r.VersionID })), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r deployment) {
				k := &st.keys
				k.DeploymentIds = append(k.DeploymentIds, r.DeploymentID)
			},
			write_: copyWriter(EntityDeployments, func(q *registrydb.Queries) func(context.Context, []deployment) (int64, error) {
				return q.DeploymentImportManyCopyFrom
			}),
		},
		&jtable[modelTag]{table: EntityModelTags, key: func(r modelTag) string { return r.ModelID.String() + "/" + r.TagID.String() },
			prepare: func(st *jsonlState, r *modelTag) {
				if id, ok := st.tagMap[r.TagID]; ok {
					r.TagID = id
				}
			},
			existing: func(st *jsonlState, rows []modelTag) ([]modelTag, error) {
				return byIDs[modelTag](func(last *registrydb.ModelTag) ([]registrydb.ModelTag, error) {
					p := registrydb.ModelTagExportParams{ModelIds: distinct(ids(rows, func(r modelTag) uuid.UUID { return r.ModelID })), MaxRows: exportPage}
					if last != nil {
						p.AfterModelID, p.AfterTagID = last.ModelID, last.TagID
					}
					return st.q.ModelTagExport(st.ctx, p)
				})
			},
			count: func(st *jsonlState, r modelTag) {
				k := &st.keys
				k.ModelTagKeys = append(k.ModelTagKeys, pairKey(r.ModelID, r.TagID))
			},
			write_: copyWriter(EntityModelTags, func(q *registrydb.Queries) func(context.Context, []modelTag) (int64, error) {
				return q.ModelTagInsertManyCopyFrom
			}),
		},
		&jtable[datasetTag]{table: EntityDatasetTags, key: func(r datasetTag) string { return r.DatasetID.String() + "/" + r.TagID.String() },
			prepare: func(st *jsonlState, r *datasetTag) {
				if id, ok := st.tagMap[r.TagID]; ok {
					r.TagID = id
				}
			},
			existing: func(st *jsonlState, rows []datasetTag) ([]datasetTag, error) {
				return byIDs[datasetTag](func(last *registrydb.DatasetTag) ([]registrydb.DatasetTag, error) {
					p := registrydb.DatasetTagExportParams{DatasetIds: distinct(ids(rows, func(r datasetTag) uuid.UUID { return r.DatasetID })), MaxRows: exportPage}
					if last != nil {
						p.AfterDatasetID, p.AfterTagID = last.DatasetID, last.TagID
					}
					return st.q.DatasetTagExport(st.ctx, p)
				})
			},
			count: func(st *jsonlState, r datasetTag) {
				k := &st.keys
				k.DatasetTagKeys = append(k.DatasetTagKeys, pairKey(r.DatasetID, r.TagID))
			},
			write_: copyWriter(EntityDatasetTags, func(q *registrydb.Queries) func(context.Context, []datasetTag) (int64, error) {
				return q.DatasetTagInsertManyCopyFrom
			}),
		},
		&jtable[alias]{table: EntityAliases, key: func(r alias) string { return fmt.Sprint(r.AliasID) },
			existing: func(st *jsonlState, rows []alias) ([]alias, error) {
				return byIDs[alias](func(last *registrydb.ModelAliasExportRow) ([]registrydb.ModelAliasExportRow, error) {
					after := int64(0)
					if last != nil {
						after = last.AliasID
					}
					return st.q.ModelAliasExport(st.ctx, registrydb.ModelAliasExportParams{AfterID: after,
						ModelIds: distinct(ids(rows, func(r alias) uuid.UUID { return r.ModelID })), MaxRows: exportPage})
				})
			},
			count: func(st *jsonlState, r alias) { k := &st.keys; k.AliasIds = append(k.AliasIds, r.AliasID) },
			write_: func(st *jsonlState, rows []alias) error {
				// Oldest period first: a later one may close over it.
				sort.Slice(rows, func(i, j int) bool { return rows[i].AliasID < rows[j].AliasID })
				return each(st.ctx, st.opts, "write model_aliases", rows, st.q.ModelAliasImportHistory)
			},
		},
	}
}
