package importer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/registry"
)

// A bundle is a source mapped to registry rows, before its names and ids
// are resolved against the registry: TrainingRuns and MLflow build one,
// apply writes it. Rows refer to each other by pointer.
type bundle struct {
	// ownsModelDescription: the source keeps a model description, which an
	// import brings up to date (MLflow's; Exercise 01 has none).
	ownsModelDescription bool
	models               []*bModel
	experiments          []*bExperiment
	datasets             []*bDataset
	versions             []*bVersion
	runs                 []*bRun
	links                []*bLink
	modelTags            []*bModelTag
	aliases              []*bAlias
}

type bModel struct {
	key string // the source name, unique in the source
	row registrydb.ModelImportManyCopyFromParams
}

type bExperiment struct {
	name  string
	model *bModel // nil: none
	row   registrydb.ExperimentImportManyCopyFromParams
}

type bDataset struct {
	key string
	row registrydb.DatasetImportManyCopyFromParams
}

type bVersion struct {
	source string // NAME/VERSION, or model/experiment/framework
	model  *bModel
	idKey  []string // the parts its derived id is made of
	// semver is fixed by the source (MLflow's N.0.0); "" is the next major
	// version of its model, allocated in the order of order, then source.
	semver string
	order  time.Time
	// ownsStatus: the source keeps the version's status, which an import
	// brings up to date (MLflow's stage).
	ownsStatus bool
	row        registrydb.ModelVersionImportManyCopyFromParams
}

type bRun struct {
	source     string
	version    *bVersion
	experiment *bExperiment // nil: none
	row        registrydb.TrainingRunImportManyCopyFromParams
}

type bLink struct {
	source  string
	run     *bRun
	dataset *bDataset
	role    string
}

type bModelTag struct {
	source          string
	model           *bModel
	category, value string
}

type bAlias struct {
	source  string
	model   *bModel
	alias   string
	version *bVersion
}

// run writes a bundle in one registry transaction and turns the outcome
// into the report and error the package's functions return.
func run(ctx context.Context, registryDB registry.TxBeginner, report Report, opts Options,
	write func(ctx context.Context, q *registrydb.Queries, r *Report) error) (Report, error) {
	var final Report
	err := registry.WithTx(ctx, registryDB, registry.TxOptions{Actor: opts.actor()}, func(q *registrydb.Queries) error {
		final = report.clone() // WithTx may run this again
		if err := write(ctx, q, &final); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	final.sortNotes()
	switch {
	case err == nil:
		final.Committed = true
		return final, nil
	case errors.Is(err, errDryRun):
		return final, nil
	case errors.Is(err, errRefusedRows):
		refused := &RefusedError{Report: final}
		final.failed(refused)
		refused.Report = final
		return final, refused
	}
	var refused *RefusedError
	var constraint *registry.ConstraintError
	if errors.As(err, &refused) || errors.As(err, &constraint) || errors.Is(err, registry.ErrAlreadyExists) || errors.Is(err, errValidation) {
		final.failed(err)
		return final, &RefusedError{Report: final, Err: err}
	}
	final.failed(err)
	return final, fmt.Errorf("import: %w (nothing was written)", err)
}

// errRefusedRows stops a transaction in which refused rows were found
// before anything was written.
var errRefusedRows = errors.New("refused rows")

// errValidation is a written transaction that failed its validation.
var errValidation = errors.New("validation failed")

func (r Report) clone() Report {
	c := r
	c.Entities = make(map[string]*EntityReport, len(r.Entities))
	for k, e := range r.Entities {
		ec := *e
		ec.Skipped = append([]RowNote{}, e.Skipped...)
		ec.Refused = append([]RowNote{}, e.Refused...)
		c.Entities[k] = &ec
	}
	c.NameMappings = append([]NameMapping{}, r.NameMappings...)
	c.Warnings = append([]Warning{}, r.Warnings...)
	return c
}

// applier holds one attempt at writing a bundle.
type applier struct {
	ctx    context.Context
	q      *registrydb.Queries
	b      *bundle
	opts   Options
	report *Report

	modelIDs      map[*bModel]uuid.UUID
	modelNames    map[*bModel]string
	modelRefused  map[*bModel]bool
	expIDs        map[*bExperiment]uuid.UUID
	datasetIDs    map[*bDataset]uuid.UUID
	datasetGone   map[*bDataset]bool
	versionIDs    map[*bVersion]uuid.UUID
	versionGone   map[*bVersion]bool // refused: not in the registry
	runGone       map[*bRun]bool
	newModels     []registrydb.ModelImportManyCopyFromParams
	modelUpdates  []registrydb.ModelImportUpdateParams
	newExps       []registrydb.ExperimentImportManyCopyFromParams
	newDatasets   []registrydb.DatasetImportManyCopyFromParams
	newVersions   []registrydb.ModelVersionImportManyCopyFromParams
	verUpdates    []registrydb.ModelVersionImportUpdateParams
	newRuns       []registrydb.TrainingRunImportManyCopyFromParams
	runUpdates    []registrydb.TrainingRunImportUpdateParams
	newLinks      []registrydb.RunDatasetImportManyCopyFromParams
	newTags       []registrydb.TagImportManyCopyFromParams
	newModelTags  []registrydb.ModelTagInsertManyCopyFromParams
	aliasMoves    []registrydb.ModelAliasMoveParams
	keys          registrydb.RegistryKeyCountsParams
	expected      map[string]int64
	importTime    time.Time
	tagIDs        map[[2]string]uuid.UUID
	modelTagsSeen map[[2]uuid.UUID]bool
}

// apply resolves, checks and writes a bundle through q, then validates it.
func apply(ctx context.Context, q *registrydb.Queries, b *bundle, opts Options, report *Report) error {
	a := &applier{
		ctx: ctx, q: q, b: b, opts: opts, report: report,
		modelIDs: map[*bModel]uuid.UUID{}, modelNames: map[*bModel]string{}, modelRefused: map[*bModel]bool{},
		expIDs: map[*bExperiment]uuid.UUID{}, datasetIDs: map[*bDataset]uuid.UUID{}, datasetGone: map[*bDataset]bool{},
		versionIDs: map[*bVersion]uuid.UUID{}, versionGone: map[*bVersion]bool{}, runGone: map[*bRun]bool{},
		expected: map[string]int64{}, tagIDs: map[[2]string]uuid.UUID{}, modelTagsSeen: map[[2]uuid.UUID]bool{},
		importTime: time.Now().UTC().Truncate(time.Microsecond),
	}
	steps := []struct {
		entity string
		match  func() error
	}{{EntityModels, a.resolveModels}, {EntityExperiments, a.resolveExperiments}, {EntityDatasets, a.resolveDatasets},
		{EntityVersions, a.resolveVersions}, {EntityRuns, a.resolveRuns}, {EntityRunDatasets, a.resolveLinks},
		{EntityTags, a.resolveTags}, {EntityAliases, a.resolveAliases}}
	for i, step := range steps {
		opts.progress("match "+step.entity, int64(i), int64(len(steps)))
		if err := step.match(); err != nil {
			return err
		}
	}
	if report.refused() > 0 && !opts.SkipInvalid {
		return errRefusedRows
	}
	if err := a.write(); err != nil {
		return err
	}
	return validate(ctx, q, opts, report, a.keys, a.expected)
}

// count files one row of an entity under a state.
func (a *applier) count(entity string, state rowState) {
	e := a.report.entity(entity)
	switch state {
	case stateNew:
		e.Imported++
	case statePresent:
		e.AlreadyPresent++
	case stateChanged:
		e.Updated++
	}
	if state != stateRefused {
		a.expected[entity]++
	}
}

type rowState int

const (
	stateNew rowState = iota
	statePresent
	stateChanged
	stateRefused
)

func (a *applier) resolveModels() error {
	if len(a.b.models) == 0 {
		return nil
	}
	cands := make([]nameCandidate, len(a.b.models))
	var ids []uuid.UUID
	var names []string
	byKey := map[string]*bModel{}
	for i, m := range a.b.models {
		id := derivedID("model", m.key)
		cands[i] = nameCandidate{key: m.key, displayName: m.row.DisplayName, id: id}
		ids = append(ids, id)
		names = append(names, m.key, slug(m.key, false))
		byKey[m.key] = m
	}
	found, err := a.q.ModelImportLookup(a.ctx, ids, names)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	existing := make([]existingRow, len(found))
	rows := map[uuid.UUID]registrydb.Model{}
	for i, m := range found {
		existing[i] = existingRow{id: m.ModelID, name: m.ModelName, displayName: m.DisplayName}
		rows[m.ModelID] = m
	}
	taken := func(names []string) (map[string]bool, error) {
		got, err := a.q.ModelImportLookup(a.ctx, []uuid.UUID{}, names)
		out := map[string]bool{}
		for _, m := range got {
			out[m.ModelName] = true
		}
		return out, err
	}
	results, refused, err := allocateNames(EntityModels, cands, false, existing, taken, a.report)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	for _, key := range refused {
		m := byKey[key]
		a.modelRefused[m] = true
		a.report.refuse(EntityModels, key, "the name %q has no letter or digit a registry name (a-z, 0-9, -) can spell", key)
	}
	for _, m := range a.b.models {
		res, ok := results[m.key]
		if !ok {
			continue
		}
		a.modelIDs[m], a.modelNames[m] = res.id, res.name
		a.keys.ModelIds = append(a.keys.ModelIds, res.id)
		if res.created {
			row := m.row
			row.ModelID, row.ModelName = res.id, res.name
			a.newModels = append(a.newModels, row)
			a.count(EntityModels, stateNew)
			continue
		}
		old := rows[res.id]
		if res.ours && (old.DisplayName != m.row.DisplayName || a.b.ownsModelDescription && !same(old.Description, m.row.Description)) {
			desc := old.Description
			if a.b.ownsModelDescription {
				desc = m.row.Description
			}
			a.modelUpdates = append(a.modelUpdates, registrydb.ModelImportUpdateParams{ModelID: res.id, DisplayName: m.row.DisplayName, Description: desc})
			a.count(EntityModels, stateChanged)
			continue
		}
		a.count(EntityModels, statePresent)
	}
	return nil
}

func (a *applier) resolveExperiments() error {
	if len(a.b.experiments) == 0 {
		return nil
	}
	var ids []uuid.UUID
	var names []string
	for _, e := range a.b.experiments {
		ids = append(ids, derivedID("experiment", e.name))
		names = append(names, e.name)
	}
	found, err := a.q.ExperimentImportLookup(a.ctx, ids, names)
	if err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	byID, byName := map[uuid.UUID]registrydb.Experiment{}, map[string]registrydb.Experiment{}
	for _, e := range found {
		byID[e.ExperimentID], byName[e.ExperimentName] = e, e
	}
	for i, e := range a.b.experiments {
		old, ok := byID[ids[i]]
		if !ok {
			old, ok = byName[e.name]
		}
		if ok {
			a.expIDs[e] = old.ExperimentID
			a.count(EntityExperiments, statePresent)
		} else {
			row := e.row
			row.ExperimentID, row.ExperimentName = ids[i], e.name
			if e.model != nil && !a.modelRefused[e.model] {
				id := a.modelIDs[e.model]
				row.ModelID = &id
			}
			a.expIDs[e] = ids[i]
			a.newExps = append(a.newExps, row)
			a.count(EntityExperiments, stateNew)
		}
		a.keys.ExperimentIds = append(a.keys.ExperimentIds, a.expIDs[e])
	}
	return nil
}

func (a *applier) resolveDatasets() error {
	if len(a.b.datasets) == 0 {
		return nil
	}
	cands := make([]nameCandidate, len(a.b.datasets))
	var ids []uuid.UUID
	var names []string
	byKey := map[string]*bDataset{}
	for i, d := range a.b.datasets {
		id := derivedID("dataset", d.key)
		cands[i] = nameCandidate{key: d.key, displayName: d.row.DisplayName, id: id}
		ids = append(ids, id)
		names = append(names, d.key, slug(d.key, true))
		byKey[d.key] = d
	}
	found, err := a.q.DatasetImportLookup(a.ctx, ids, names)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	existing := make([]existingRow, len(found))
	for i, d := range found {
		existing[i] = existingRow{id: d.DatasetID, name: d.DatasetName, displayName: d.DisplayName}
	}
	taken := func(names []string) (map[string]bool, error) {
		got, err := a.q.DatasetImportLookup(a.ctx, []uuid.UUID{}, names)
		out := map[string]bool{}
		for _, d := range got {
			out[d.DatasetName] = true
		}
		return out, err
	}
	results, refused, err := allocateNames(EntityDatasets, cands, true, existing, taken, a.report)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	for _, key := range refused {
		a.datasetGone[byKey[key]] = true
		a.report.refuse(EntityDatasets, key, "the name %q has no letter or digit a registry name (a-z, 0-9, _, -) can spell", key)
	}
	for _, d := range a.b.datasets {
		res, ok := results[d.key]
		if !ok {
			continue
		}
		a.datasetIDs[d] = res.id
		a.keys.DatasetIds = append(a.keys.DatasetIds, res.id)
		if res.created {
			row := d.row
			row.DatasetID, row.DatasetName = res.id, res.name
			a.newDatasets = append(a.newDatasets, row)
			a.count(EntityDatasets, stateNew)
		} else {
			a.count(EntityDatasets, statePresent)
		}
	}
	return nil
}

// versionStatusRank is the order of the lifecycle (version_status_rank).
var versionStatusRank = map[string]int{"registered": 1, "validated": 2, "deployed": 3, "deprecated": 4, "archived": 5}

// versionMoveAllowed mirrors the version_lifecycle trigger: forward only,
// except deprecated back to deployed.
func versionMoveAllowed(from, to string) bool {
	return versionStatusRank[to] >= versionStatusRank[from] || from == "deprecated" && to == "deployed"
}

func (a *applier) resolveVersions() error {
	if len(a.b.versions) == 0 {
		return nil
	}
	var modelIDs []uuid.UUID
	for _, id := range a.modelIDs {
		modelIDs = append(modelIDs, id)
	}
	found, err := a.q.ModelVersionImportListByModels(a.ctx, modelIDs)
	if err != nil {
		return fmt.Errorf("model_versions: %w", err)
	}
	type mk struct {
		model  uuid.UUID
		semver string
	}
	bySemver := map[mk]registrydb.ModelVersionImportListByModelsRow{}
	byID := map[uuid.UUID]registrydb.ModelVersionImportListByModelsRow{}
	maxMajor := map[uuid.UUID]int{}
	for _, v := range found {
		bySemver[mk{v.ModelID, v.Semver}] = v
		byID[v.VersionID] = v
		major, _, _ := strings.Cut(v.Semver, ".")
		if n, err := strconv.Atoi(major); err == nil && n > maxMajor[v.ModelID] {
			maxMajor[v.ModelID] = n
		}
	}
	var allocate []*bVersion
	for _, v := range a.b.versions {
		if a.modelRefused[v.model] {
			a.versionGone[v] = true
			a.report.refuse(EntityVersions, v.source, "its model was refused")
			continue
		}
		modelID := a.modelIDs[v.model]
		id := derivedID("version", v.idKey...)
		old, ok := byID[id]
		if !ok && v.semver != "" {
			old, ok = bySemver[mk{modelID, v.semver}]
		}
		if !ok && v.semver == "" {
			allocate = append(allocate, v)
			continue
		}
		if !ok {
			a.addVersion(v, id, modelID, v.semver)
			continue
		}
		a.versionIDs[v] = old.VersionID
		a.keys.VersionIds = append(a.keys.VersionIds, old.VersionID)
		statusChanged := v.ownsStatus && old.Status != v.row.Status
		if statusChanged && !versionMoveAllowed(old.Status, v.row.Status) {
			a.report.refuse(EntityVersions, v.source, "the source moved it from %s back to %s since it was imported; a version's status only moves forward (the registry keeps %s)",
				old.Status, v.row.Status, old.Status)
			a.keys.VersionIds = a.keys.VersionIds[:len(a.keys.VersionIds)-1]
			continue
		}
		if statusChanged || v.ownsStatus && !same(old.Description, v.row.Description) {
			status := old.Status
			if v.ownsStatus {
				status = v.row.Status
			}
			a.verUpdates = append(a.verUpdates, registrydb.ModelVersionImportUpdateParams{VersionID: old.VersionID, Status: status, Description: v.row.Description})
			a.count(EntityVersions, stateChanged)
			continue
		}
		a.count(EntityVersions, statePresent)
	}
	sort.SliceStable(allocate, func(i, j int) bool {
		if !allocate[i].order.Equal(allocate[j].order) {
			return allocate[i].order.Before(allocate[j].order)
		}
		return allocate[i].source < allocate[j].source
	})
	for _, v := range allocate {
		modelID := a.modelIDs[v.model]
		maxMajor[modelID]++
		a.addVersion(v, derivedID("version", v.idKey...), modelID, fmt.Sprintf("%d.0.0", maxMajor[modelID]))
	}
	return nil
}

func (a *applier) addVersion(v *bVersion, id, modelID uuid.UUID, semver string) {
	row := v.row
	row.VersionID, row.ModelID, row.Semver = id, modelID, semver
	a.versionIDs[v] = id
	a.keys.VersionIds = append(a.keys.VersionIds, id)
	a.newVersions = append(a.newVersions, row)
	a.count(EntityVersions, stateNew)
}

// runStatusRank orders a run's statuses: queued, running, then the ends.
func runStatusRank(s string) int {
	switch s {
	case "queued":
		return 0
	case "running":
		return 1
	}
	return 2
}

func (a *applier) resolveRuns() error {
	if len(a.b.runs) == 0 {
		return nil
	}
	existing := map[uuid.UUID]registrydb.TrainingRun{}
	for start := 0; start < len(a.b.runs); start += ChunkRows {
		chunk := a.b.runs[start:min(start+ChunkRows, len(a.b.runs))]
		ids := make([]uuid.UUID, len(chunk))
		for i, r := range chunk {
			ids[i] = r.row.RunID
		}
		found, err := a.q.TrainingRunImportLookup(a.ctx, ids)
		if err != nil {
			return fmt.Errorf("training_runs: %w", err)
		}
		for _, r := range found {
			existing[r.RunID] = r
		}
	}
	for _, r := range a.b.runs {
		versionID, ok := a.versionIDs[r.version]
		if !ok {
			a.runGone[r] = true
			a.report.refuse(EntityRuns, r.source, "its version %s was refused", r.version.source)
			continue
		}
		row := r.row
		row.VersionID = versionID
		if r.experiment != nil {
			id := a.expIDs[r.experiment]
			row.ExperimentID = &id
		}
		old, ok := existing[row.RunID]
		if !ok {
			a.newRuns = append(a.newRuns, row)
			a.keys.RunIds = append(a.keys.RunIds, row.RunID)
			a.count(EntityRuns, stateNew)
			continue
		}
		if old.VersionID != row.VersionID {
			a.runGone[r] = true
			a.report.refuse(EntityRuns, r.source, "the registry holds this run under another version (%s): in the source it now belongs to %s, and a run stays with its version",
				old.VersionID, r.version.source)
			continue
		}
		upd := runUpdate(row)
		if sameRun(old, upd) {
			a.keys.RunIds = append(a.keys.RunIds, row.RunID)
			a.count(EntityRuns, statePresent)
			continue
		}
		if old.Status != row.Status && runStatusRank(row.Status) <= runStatusRank(old.Status) {
			a.runGone[r] = true
			a.report.refuse(EntityRuns, r.source, "the source moved the run from %s back to %s since it was imported; the registry keeps %s",
				old.Status, row.Status, old.Status)
			continue
		}
		a.runUpdates = append(a.runUpdates, upd)
		a.keys.RunIds = append(a.keys.RunIds, row.RunID)
		a.count(EntityRuns, stateChanged)
	}
	return nil
}

// runUpdate is the part of a run an import owns: what a source may change
// after the run was imported.
func runUpdate(r registrydb.TrainingRunImportManyCopyFromParams) registrydb.TrainingRunImportUpdateParams {
	return registrydb.TrainingRunImportUpdateParams{
		RunID: r.RunID, RunName: r.RunName, Status: r.Status,
		Accuracy: r.Accuracy, PrecisionScore: r.PrecisionScore, RecallScore: r.RecallScore, F1Score: r.F1Score, Loss: r.Loss,
		CustomMetrics: r.CustomMetrics, Hyperparameters: r.Hyperparameters, ComputeTarget: r.ComputeTarget,
		GPUHours: r.GPUHours, CPUHours: r.CPUHours, StartedBy: r.StartedBy, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt,
		DurationSeconds: r.DurationSeconds, Notes: r.Notes,
	}
}

func sameRun(old registrydb.TrainingRun, u registrydb.TrainingRunImportUpdateParams) bool {
	return same(old.RunName, u.RunName) && old.Status == u.Status &&
		sameFloat(old.Accuracy, u.Accuracy) && sameFloat(old.PrecisionScore, u.PrecisionScore) &&
		sameFloat(old.RecallScore, u.RecallScore) && sameFloat(old.F1Score, u.F1Score) && sameFloat(old.Loss, u.Loss) &&
		sameJSON(old.CustomMetrics, u.CustomMetrics) && sameJSON(old.Hyperparameters, u.Hyperparameters) &&
		same(old.ComputeTarget, u.ComputeTarget) && sameFloat(old.GPUHours, u.GPUHours) && sameFloat(old.CPUHours, u.CPUHours) &&
		same(old.StartedBy, u.StartedBy) && sameTime(old.StartedAt, u.StartedAt) && sameTime(old.CompletedAt, u.CompletedAt) &&
		same(old.DurationSeconds, u.DurationSeconds) && same(old.Notes, u.Notes)
}

func (a *applier) resolveLinks() error {
	if len(a.b.links) == 0 {
		return nil
	}
	type lk struct {
		run, dataset uuid.UUID
		role         string
	}
	have := map[lk]bool{}
	var known []uuid.UUID // runs in the registry already: only they can have links
	for _, r := range a.b.runs {
		if !a.runGone[r] {
			known = append(known, r.row.RunID)
		}
	}
	for start := 0; start < len(known); start += ChunkRows {
		found, err := a.q.RunDatasetImportListByRuns(a.ctx, known[start:min(start+ChunkRows, len(known))])
		if err != nil {
			return fmt.Errorf("run_datasets: %w", err)
		}
		for _, l := range found {
			have[lk{l.RunID, l.DatasetID, l.DatasetRole}] = true
		}
	}
	for _, l := range a.b.links {
		switch {
		case a.runGone[l.run]:
			a.report.refuse(EntityRunDatasets, l.source, "its run was refused")
			continue
		case a.datasetGone[l.dataset]:
			a.report.refuse(EntityRunDatasets, l.source, "its dataset was refused")
			continue
		}
		k := lk{l.run.row.RunID, a.datasetIDs[l.dataset], l.role}
		a.keys.LinkKeys = append(a.keys.LinkKeys, linkKey(k.run, k.dataset, k.role))
		if have[k] {
			a.count(EntityRunDatasets, statePresent)
			continue
		}
		have[k] = true
		a.newLinks = append(a.newLinks, registrydb.RunDatasetImportManyCopyFromParams{RunID: k.run, DatasetID: k.dataset, DatasetRole: k.role})
		a.count(EntityRunDatasets, stateNew)
	}
	return nil
}

func (a *applier) resolveTags() error {
	if len(a.b.modelTags) == 0 {
		return nil
	}
	var pairs [][2]string
	seen := map[[2]string]bool{}
	for _, t := range a.b.modelTags {
		p := [2]string{t.category, t.value}
		if !seen[p] {
			seen[p] = true
			pairs = append(pairs, p)
		}
	}
	tagKeys := make([]string, len(pairs))
	for i, p := range pairs {
		tagKeys[i] = tagKey(p[0], p[1])
	}
	found, err := a.q.TagImportLookup(a.ctx, tagKeys)
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	for _, t := range found {
		a.tagIDs[[2]string{t.TagCategory, t.TagValue}] = t.TagID
	}
	a.report.entity(EntityTags).Read = int64(len(pairs))
	for _, p := range pairs {
		if id, ok := a.tagIDs[p]; ok {
			a.keys.TagIds = append(a.keys.TagIds, id)
			a.count(EntityTags, statePresent)
			continue
		}
		id := derivedID("tag", p[0], p[1])
		a.tagIDs[p] = id
		a.keys.TagIds = append(a.keys.TagIds, id)
		a.newTags = append(a.newTags, registrydb.TagImportManyCopyFromParams{
			TagID: id, TagCategory: p[0], TagValue: p[1], TagDescription: ptr("Imported from MLflow"), CreatedAt: &a.importTime,
		})
		a.count(EntityTags, stateNew)
	}
	var modelIDs []uuid.UUID
	for _, id := range a.modelIDs {
		modelIDs = append(modelIDs, id)
	}
	have, err := a.q.ModelTagImportListByModels(a.ctx, modelIDs)
	if err != nil {
		return fmt.Errorf("model_tags: %w", err)
	}
	for _, mt := range have {
		a.modelTagsSeen[[2]uuid.UUID{mt.ModelID, mt.TagID}] = true
	}
	actor := a.opts.actor()
	for _, t := range a.b.modelTags {
		if a.modelRefused[t.model] {
			a.report.refuse(EntityModelTags, t.source, "its model was refused")
			continue
		}
		k := [2]uuid.UUID{a.modelIDs[t.model], a.tagIDs[[2]string{t.category, t.value}]}
		a.keys.ModelTagKeys = append(a.keys.ModelTagKeys, pairKey(k[0], k[1]))
		if a.modelTagsSeen[k] {
			a.count(EntityModelTags, statePresent)
			continue
		}
		a.modelTagsSeen[k] = true
		a.newModelTags = append(a.newModelTags, registrydb.ModelTagInsertManyCopyFromParams{
			ModelID: k[0], TagID: k[1], TaggedAt: &a.importTime, TaggedBy: &actor,
		})
		a.count(EntityModelTags, stateNew)
	}
	return nil
}

func (a *applier) resolveAliases() error {
	if len(a.b.aliases) == 0 {
		return nil
	}
	var modelIDs []uuid.UUID
	for _, id := range a.modelIDs {
		modelIDs = append(modelIDs, id)
	}
	current, err := a.q.ModelAliasImportListCurrent(a.ctx, modelIDs)
	if err != nil {
		return fmt.Errorf("model_aliases: %w", err)
	}
	type ak struct {
		model uuid.UUID
		alias string
	}
	now := map[ak]uuid.UUID{}
	for _, c := range current {
		now[ak{c.ModelID, c.Alias}] = c.VersionID
	}
	for _, al := range a.b.aliases {
		versionID, ok := a.versionIDs[al.version]
		if !ok || a.modelRefused[al.model] {
			a.report.refuse(EntityAliases, al.source, "its version %s was refused", al.version.source)
			continue
		}
		k := ak{a.modelIDs[al.model], al.alias}
		a.keys.AliasKeys = append(a.keys.AliasKeys, aliasKey(k.model, versionID, k.alias))
		old, has := now[k]
		switch {
		case has && old == versionID:
			a.count(EntityAliases, statePresent)
			continue
		case has:
			a.count(EntityAliases, stateChanged)
		default:
			a.count(EntityAliases, stateNew)
		}
		a.aliasMoves = append(a.aliasMoves, registrydb.ModelAliasMoveParams{ModelID: k.model, Alias: k.alias, VersionID: versionID})
	}
	return nil
}

// copyChunks sends rows through a generated ...CopyFrom, ChunkRows at a time.
func copyChunks[T any](ctx context.Context, opts Options, table string, rows []T, copyFrom func(context.Context, []T) (int64, error)) error {
	if len(rows) == 0 {
		return nil
	}
	total := int64(len(rows))
	var done int64
	opts.progress("write "+table, 0, total)
	for len(rows) > 0 {
		chunk := rows[:min(ChunkRows, len(rows))]
		rows = rows[len(chunk):]
		n, err := copyFrom(ctx, chunk)
		if err != nil {
			return fmt.Errorf("writing %s: %w", table, err)
		}
		done += n
		opts.progress("write "+table, done, total)
	}
	return nil
}

// each runs a generated write per row, reporting progress.
func each[T any](ctx context.Context, opts Options, stage string, rows []T, write func(context.Context, T) error) error {
	total := int64(len(rows))
	for i, r := range rows {
		if err := write(ctx, r); err != nil {
			return fmt.Errorf("%s: %w", stage, err)
		}
		if (i+1)%1000 == 0 || i+1 == len(rows) {
			opts.progress(stage, int64(i+1), total)
		}
	}
	return nil
}

func (a *applier) write() error {
	ctx, q, o := a.ctx, a.q, a.opts
	steps := []func() error{
		func() error { return copyChunks(ctx, o, EntityModels, a.newModels, q.ModelImportManyCopyFrom) },
		func() error { return copyChunks(ctx, o, EntityExperiments, a.newExps, q.ExperimentImportManyCopyFrom) },
		func() error { return copyChunks(ctx, o, EntityDatasets, a.newDatasets, q.DatasetImportManyCopyFrom) },
		func() error {
			return copyChunks(ctx, o, EntityVersions, a.newVersions, q.ModelVersionImportManyCopyFrom)
		},
		func() error { return copyChunks(ctx, o, EntityRuns, a.newRuns, q.TrainingRunImportManyCopyFrom) },
		func() error { return copyChunks(ctx, o, EntityRunDatasets, a.newLinks, q.RunDatasetImportManyCopyFrom) },
		func() error { return copyChunks(ctx, o, EntityTags, a.newTags, q.TagImportManyCopyFrom) },
		func() error { return copyChunks(ctx, o, EntityModelTags, a.newModelTags, q.ModelTagInsertManyCopyFrom) },
		func() error { return each(ctx, o, "update models", a.modelUpdates, q.ModelImportUpdate) },
		func() error { return each(ctx, o, "update model_versions", a.verUpdates, q.ModelVersionImportUpdate) },
		func() error { return each(ctx, o, "update training_runs", a.runUpdates, q.TrainingRunImportUpdate) },
		func() error {
			return each(ctx, o, "write model_aliases", a.aliasMoves, func(ctx context.Context, p registrydb.ModelAliasMoveParams) error {
				_, err := q.ModelAliasMove(ctx, p)
				return err
			})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// validate compares, in the written transaction, the rows the import
// mapped with those the registry holds, and runs the integrity checks.
func validate(ctx context.Context, q *registrydb.Queries, opts Options, report *Report, keys registrydb.RegistryKeyCountsParams, expected map[string]int64) error {
	opts.progress("validate counts", 0, 1)
	nonNil(&keys)
	found, err := q.RegistryKeyCounts(ctx, keys)
	if err != nil {
		return fmt.Errorf("validation counts: %w", err)
	}
	got := map[string]int64{
		EntityTeams: found.Teams, EntityUsers: found.Users, EntityEnvironments: found.Environments,
		EntityModels: found.Models, EntityVersions: found.ModelVersions, EntityDatasets: found.Datasets,
		EntityExperiments: found.Experiments, EntityRuns: found.TrainingRuns, EntityRunDatasets: found.RunDatasets,
		EntityDeployments: found.Deployments, EntityApprovals: found.Approvals, EntityTags: found.Tags,
		EntityModelTags: found.ModelTags, EntityDatasetTags: found.DatasetTags,
	}
	if report.Source.Kind == SourceJSONL {
		got[EntityAliases] = found.AliasPeriods
	} else {
		got[EntityAliases] = found.CurrentAliases
	}
	v := &Validation{Counts: []CountCheck{}, OK: true}
	for _, name := range report.entityNames() {
		c := CountCheck{Entity: name, Expected: expected[name], Found: got[name]}
		c.OK = c.Expected == c.Found
		v.OK = v.OK && c.OK
		v.Counts = append(v.Counts, c)
	}
	opts.progress("validate counts", 1, 1)
	opts.progress("validate integrity", 0, 1)
	checks, err := integrity.Run(ctx, q)
	if err != nil {
		return fmt.Errorf("validation: %w", err)
	}
	v.Integrity = IntegrityResult{Checks: checks.Checks, Errors: checks.Errors, Warnings: checks.Warnings(), Findings: checks.Findings}
	v.OK = v.OK && checks.OK()
	report.Validation = v
	opts.progress("validate integrity", 1, 1)
	if !v.OK {
		var why []string
		for _, c := range v.Counts {
			if !c.OK {
				why = append(why, fmt.Sprintf("%s: %d rows expected, %d found", c.Entity, c.Expected, c.Found))
			}
		}
		for _, f := range checks.Findings {
			if f.Severity == integrity.SeverityError {
				why = append(why, fmt.Sprintf("integrity check %s: %s (%s)", f.Check, f.Subject, f.Detail))
			}
		}
		return fmt.Errorf("%w: %s", errValidation, strings.Join(why, "; "))
	}
	return nil
}

// The composite keys RegistryKeyCounts and TagImportLookup take as text.
func linkKey(run, dataset uuid.UUID, role string) string {
	return run.String() + "|" + dataset.String() + "|" + role
}

func pairKey(a, b uuid.UUID) string { return a.String() + "|" + b.String() }

func aliasKey(model, version uuid.UUID, alias string) string {
	return model.String() + "|" + version.String() + "|" + alias
}

func tagKey(category, value string) string { return category + "\x1f" + value }

// nonNil gives every key array a value: a nil slice is NULL, not empty.
func nonNil(k *registrydb.RegistryKeyCountsParams) {
	for _, s := range []*[]uuid.UUID{&k.TeamIds, &k.UserIds, &k.ModelIds, &k.VersionIds, &k.DatasetIds, &k.ExperimentIds,
		&k.RunIds, &k.DeploymentIds, &k.ApprovalIds, &k.TagIds} {
		if *s == nil {
			*s = []uuid.UUID{}
		}
	}
	for _, s := range []*[]string{&k.LinkKeys, &k.ModelTagKeys, &k.DatasetTagKeys, &k.AliasKeys} {
		if *s == nil {
			*s = []string{}
		}
	}
	if k.EnvironmentIds == nil {
		k.EnvironmentIds = []int32{}
	}
	if k.AliasIds == nil {
		k.AliasIds = []int64{}
	}
}

// readSource runs fn in one read-only REPEATABLE READ transaction of the
// source, so that every table is read from the same snapshot.
func readSource(ctx context.Context, source registry.TxBeginner, fn func(tx pgx.Tx) error) error {
	tx, err := source.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only: nothing to keep
	if err := fn(tx); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	return tx.Commit(ctx)
}
