package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// DefaultTable is the legacy table TrainingRuns reads when given none.
const DefaultTable = "training_runs"

// The registry's closed lists (CHECK valid_framework, valid_status).
var (
	registryFrameworks = []string{"pytorch", "tensorflow", "sklearn", "xgboost", "jax", "lightgbm", "catboost", "onnx", "huggingface"}
	runStatuses        = []string{"queued", "running", "succeeded", "failed", "cancelled", "timeout"}
)

// legacyRow is one row of Exercise 01's training_runs.
type legacyRow struct {
	runID                                    string
	modelName, framework, experiment, status string
	accuracy, loss, precision, recall, f1    *float64
	dataset, computeTarget                   string
	gpuHours, cpuHours                       *float64
	parameters                               json.RawMessage
	createdAt, startedAt, completedAt        *time.Time
	notes, createdBy                         *string
}

// ParseTable splits a table name as SQL does: parts separated by dots,
// each either double-quoted (kept as written, "" for a quote) or bare
// (lower-cased). "legacy.Runs" is legacy.runs; `"Old Data"."Runs"` keeps
// both cases and the space.
func ParseTable(name string) (pgx.Identifier, error) {
	var id pgx.Identifier
	var part strings.Builder
	quoted, inQuotes, started := false, false, false
	end := func() error {
		if !started {
			return fmt.Errorf("table name %q has an empty part", name)
		}
		s := part.String()
		if !quoted {
			s = strings.ToLower(strings.TrimSpace(s))
		}
		id = append(id, s)
		part.Reset()
		quoted, started = false, false
		return nil
	}
	runes := []rune(name)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case inQuotes && r == '"' && i+1 < len(runes) && runes[i+1] == '"':
			part.WriteRune('"')
			i++
		case r == '"':
			inQuotes = !inQuotes
			quoted, started = true, true
		case !inQuotes && r == '.':
			if err := end(); err != nil {
				return nil, err
			}
		default:
			part.WriteRune(r)
			started = true
		}
	}
	if inQuotes {
		return nil, fmt.Errorf("table name %q has an unclosed quote", name)
	}
	if err := end(); err != nil {
		return nil, err
	}
	if len(id) > 2 {
		return nil, fmt.Errorf("table name %q: at most schema.table", name)
	}
	return id, nil
}

// legacyQuery reads every row of a legacy table. It is the one SQL string
// of the importer built at run time: the table is the caller's
// (--table), and an identifier cannot be a query parameter, so it cannot
// live in queries/ (sqlc compiles those against the registry's own schema,
// which this table is not part of either). The name is quoted with
// pgx.Identifier.Sanitize; the columns are Exercise 01's.
const legacyQuery = `SELECT run_id::text, model_name, framework, experiment_name, status,
	accuracy::float8, loss::float8, precision_score::float8, recall_score::float8, f1_score::float8,
	dataset, compute_target, gpu_hours::float8, cpu_hours::float8, parameters::jsonb,
	created_at, started_at, completed_at, notes, created_by
FROM %s
ORDER BY created_at, run_id`

// TrainingRuns imports Exercise 01's flat training_runs table (table ""
// is DefaultTable; "schema.table" and quoted names as ParseTable reads
// them) from source into registryDB:
//
//   - one model per distinct model_name, one experiment per
//     experiment_name, one dataset per dataset name, linked to the run
//     with role training;
//   - one version per model, experiment and framework, numbered 1.0.0,
//     2.0.0, ... by first run: the table has no versions, and a version is
//     the artifact a line of experiment produces;
//   - each row a training run with its own run_id, its values unchanged.
//
// See docs/import.md for every rule. A *RefusedError means nothing was
// written.
func TrainingRuns(ctx context.Context, source, registryDB registry.TxBeginner, table string, opts Options) (Report, error) {
	if table == "" {
		table = DefaultTable
	}
	report := newReport(SourceTrainingRuns, opts)
	report.Source.Table = &table
	ident, err := ParseTable(table)
	if err != nil {
		return report, err
	}
	var rows []legacyRow
	err = readSource(ctx, source, func(tx pgx.Tx) error {
		var total int64
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+ident.Sanitize()).Scan(&total); err != nil {
			return fmt.Errorf("reading %s: %w", table, err)
		}
		stage := "read " + table
		opts.progress(stage, 0, total)
		res, err := tx.Query(ctx, fmt.Sprintf(legacyQuery, ident.Sanitize()))
		if err != nil {
			return fmt.Errorf("reading %s: %w", table, err)
		}
		defer res.Close()
		for res.Next() {
			var r legacyRow
			if err := res.Scan(&r.runID, &r.modelName, &r.framework, &r.experiment, &r.status,
				&r.accuracy, &r.loss, &r.precision, &r.recall, &r.f1, &r.dataset, &r.computeTarget,
				&r.gpuHours, &r.cpuHours, &r.parameters, &r.createdAt, &r.startedAt, &r.completedAt, &r.notes, &r.createdBy); err != nil {
				return fmt.Errorf("reading %s: %w", table, err)
			}
			rows = append(rows, r)
			if len(rows)%ChunkRows == 0 {
				opts.progress(stage, int64(len(rows)), total)
			}
		}
		if err := res.Err(); err != nil {
			return fmt.Errorf("reading %s: %w", table, err)
		}
		opts.progress(stage, int64(len(rows)), total)
		return nil
	})
	if err != nil {
		return report, err
	}
	opts.progress("map", 0, 1)
	b := mapLegacy(rows, &report, opts)
	opts.progress("map", 1, 1)
	return run(ctx, registryDB, report, opts, func(ctx context.Context, q *registrydb.Queries, r *Report) error {
		return apply(ctx, q, b, opts, r)
	})
}

// checkLegacy returns why the registry cannot hold a row, or "".
func checkLegacy(r legacyRow) string {
	if _, err := uuid.Parse(r.runID); err != nil {
		return fmt.Sprintf("run_id %q is not a UUID", r.runID)
	}
	if !slices.Contains(registryFrameworks, r.framework) {
		return fmt.Sprintf("framework %q is not one the registry knows (%s)", r.framework, strings.Join(registryFrameworks, ", "))
	}
	if !slices.Contains(runStatuses, r.status) {
		return fmt.Sprintf("status %q is not one the registry knows (%s)", r.status, strings.Join(runStatuses, ", "))
	}
	for _, m := range []struct {
		name string
		v    *float64
	}{{"accuracy", r.accuracy}, {"precision_score", r.precision}, {"recall_score", r.recall}, {"f1_score", r.f1}} {
		if m.v != nil && !(*m.v >= 0 && *m.v <= 1) {
			return fmt.Sprintf("%s %v is outside [0, 1]", m.name, *m.v)
		}
	}
	if r.loss != nil && !(math.Abs(roundNumeric(*r.loss, 5)) < 1e5) {
		return fmt.Sprintf("loss %v does not fit NUMERIC(10,5)", *r.loss)
	}
	for _, h := range []struct {
		name string
		v    *float64
	}{{"gpu_hours", r.gpuHours}, {"cpu_hours", r.cpuHours}} {
		if h.v != nil && !(math.Abs(roundNumeric(*h.v, 2)) < 1e8) {
			return fmt.Sprintf("%s %v does not fit NUMERIC(10,2)", h.name, *h.v)
		}
	}
	ended := r.status == "succeeded" || r.status == "failed" || r.status == "cancelled" || r.status == "timeout"
	switch {
	case ended && r.completedAt == nil:
		return fmt.Sprintf("status %s needs completed_at", r.status)
	case !ended && r.completedAt != nil:
		return fmt.Sprintf("status %s cannot have completed_at", r.status)
	case r.completedAt != nil && r.startedAt != nil && r.completedAt.Before(*r.startedAt):
		return "completed_at is before started_at"
	}
	if slug(r.modelName, false) == "" {
		return fmt.Sprintf("model_name %q has no letter or digit a registry name (a-z, 0-9, -) can spell", r.modelName)
	}
	if slug(r.dataset, true) == "" {
		return fmt.Sprintf("dataset %q has no letter or digit a registry name (a-z, 0-9, _, -) can spell", r.dataset)
	}
	if strings.TrimSpace(r.experiment) == "" {
		return "experiment_name is empty"
	}
	if len(r.parameters) > 0 && !json.Valid(r.parameters) {
		return "parameters is not JSON"
	}
	return ""
}

// mapLegacy maps the rows the registry can hold; the others are refused,
// and so are the models, experiments and datasets only they name.
func mapLegacy(rows []legacyRow, report *Report, opts Options) *bundle {
	b := &bundle{}
	var kept []legacyRow
	allModels, allExps, allDatasets, allVersions := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[[3]string]bool{}
	for _, r := range rows {
		allModels[r.modelName], allExps[r.experiment], allDatasets[r.dataset] = true, true, true
		allVersions[[3]string{r.modelName, r.experiment, r.framework}] = true
		if why := checkLegacy(r); why != "" {
			report.refuse(EntityRuns, r.runID, "%s", why)
			report.refuse(EntityRunDatasets, r.runID+" "+r.dataset, "its run was refused")
			continue
		}
		kept = append(kept, r)
	}
	report.entity(EntityRuns).Read = int64(len(rows))
	report.entity(EntityRunDatasets).Read = int64(len(rows))
	report.entity(EntityModels).Read = int64(len(allModels))
	report.entity(EntityExperiments).Read = int64(len(allExps))
	report.entity(EntityDatasets).Read = int64(len(allDatasets))
	report.entity(EntityVersions).Read = int64(len(allVersions))

	earliest := func(t *time.Time, cur *time.Time) *time.Time {
		if cur == nil || t != nil && t.Before(*cur) {
			return t
		}
		return cur
	}
	models := map[string]*bModel{}
	modelBy := map[string]*string{}
	exps := map[string]*bExperiment{}
	expModels := map[string]map[string]bool{}
	datasets := map[string]*bDataset{}
	versions := map[[3]string]*bVersion{}
	for _, r := range kept { // rows are in created_at order: the first is the earliest
		m := models[r.modelName]
		if m == nil {
			m = &bModel{key: r.modelName, row: registrydb.ModelImportManyCopyFromParams{
				DisplayName: r.modelName, RiskLevel: ptr("medium"), ComplianceRequired: ptr(false),
				CreatedAt: r.createdAt, UpdatedAt: r.createdAt, CreatedBy: r.createdBy,
			}}
			models[r.modelName] = m
			modelBy[r.modelName] = r.createdBy
			b.models = append(b.models, m)
		}
		e := exps[r.experiment]
		if e == nil {
			created := time.Now().UTC().Truncate(time.Microsecond)
			if r.createdAt != nil {
				created = *r.createdAt
			}
			e = &bExperiment{name: r.experiment, row: registrydb.ExperimentImportManyCopyFromParams{
				Description: ptr("Experiment of Exercise 01's training_runs"), CreatedBy: r.createdBy, CreatedAt: created,
			}}
			exps[r.experiment] = e
			expModels[r.experiment] = map[string]bool{}
			b.experiments = append(b.experiments, e)
		}
		expModels[r.experiment][r.modelName] = true
		d := datasets[r.dataset]
		if d == nil {
			d = &bDataset{key: r.dataset, row: registrydb.DatasetImportManyCopyFromParams{
				DisplayName: r.dataset, StorageLocation: "legacy://datasets/" + url.PathEscape(r.dataset),
				Description: ptr("Named by Exercise 01's training_runs, which records no location"),
				ContainsPII: ptr(false), DataClassification: ptr("internal"), CreatedAt: r.createdAt, CreatedBy: r.createdBy,
			}}
			datasets[r.dataset] = d
			b.datasets = append(b.datasets, d)
		}
		vk := [3]string{r.modelName, r.experiment, r.framework}
		v := versions[vk]
		if v == nil {
			registeredBy := opts.actor()
			if r.createdBy != nil && *r.createdBy != "" {
				registeredBy = *r.createdBy
			}
			order := time.Time{}
			if r.createdAt != nil {
				order = *r.createdAt
			}
			v = &bVersion{
				source: r.modelName + " / " + r.experiment + " / " + r.framework,
				model:  m, idKey: []string{"exercise01", r.modelName, r.experiment, r.framework}, order: order,
				row: registrydb.ModelVersionImportManyCopyFromParams{
					Description: ptr(fmt.Sprintf("The runs of experiment %s (%s) in Exercise 01's training_runs", r.experiment, r.framework)),
					ArtifactURI: "legacy://" + url.PathEscape(r.modelName) + "/" + url.PathEscape(r.experiment),
					Framework:   r.framework, Status: "registered", RegisteredBy: registeredBy, RegisteredAt: r.createdAt,
				},
			}
			versions[vk] = v
			b.versions = append(b.versions, v)
		}
		v.row.RegisteredAt = earliest(r.createdAt, v.row.RegisteredAt)
		params := r.parameters
		if params == nil {
			params = json.RawMessage(`{}`)
		}
		id, _ := uuid.Parse(r.runID)
		run := &bRun{source: r.runID, version: v, experiment: e, row: registrydb.TrainingRunImportManyCopyFromParams{
			RunID: id, ExperimentName: &r.experiment, Status: r.status,
			Accuracy: r.accuracy, PrecisionScore: r.precision, RecallScore: r.recall, F1Score: r.f1, Loss: r.loss,
			CustomMetrics: json.RawMessage(`{}`), Hyperparameters: params, ComputeTarget: &r.computeTarget,
			GPUCount: ptr(int32(0)), GPUHours: r.gpuHours, CPUHours: r.cpuHours, StartedBy: r.createdBy,
			StartedAt: r.startedAt, CompletedAt: r.completedAt, CreatedAt: r.createdAt, Notes: r.notes,
		}}
		b.runs = append(b.runs, run)
		b.links = append(b.links, &bLink{source: r.runID + " " + r.dataset, run: run, dataset: d, role: "training"})
	}
	for name, e := range exps {
		if len(expModels[name]) == 1 {
			for model := range expModels[name] {
				e.model = models[model]
			}
		}
	}
	// Entities only refused rows name.
	for _, name := range slices.Sorted(maps.Keys(allModels)) {
		if models[name] == nil {
			report.skip(EntityModels, name, "every row naming it was refused")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(allExps)) {
		if exps[name] == nil {
			report.skip(EntityExperiments, name, "every row naming it was refused")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(allDatasets)) {
		if datasets[name] == nil {
			report.skip(EntityDatasets, name, "every row naming it was refused")
		}
	}
	for vk := range allVersions {
		if versions[vk] == nil {
			report.skip(EntityVersions, vk[0]+" / "+vk[1]+" / "+vk[2], "every row naming it was refused")
		}
	}
	return b
}
