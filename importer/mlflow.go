package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// MLflow's store layouts, as Report.Source.Layout names them.
const (
	LayoutMLflow2       = "mlflow-2"
	LayoutMLflowCurrent = "mlflow-current"
)

// The source's SQL. These read MLflow's tables, which are not the
// registry's: sqlc, which compiles queries/ against db/migrations, cannot
// type them, so they are written here, read-only. %[1]s is the workspace
// column (or the literal 'default' in an MLflow 2.x store), %[2]s
// model_versions.storage_location (or NULL). Runs, and what hangs off
// them, are read only for runs a model version names: the others have no
// place in this registry (a training run belongs to a version).
const (
	mlExperimentsSQL = `SELECT experiment_id::bigint, name, lifecycle_stage, creation_time, %[1]s FROM experiments`
	mlModelsSQL      = `SELECT %[1]s, name, creation_time, last_updated_time, description FROM registered_models`
	mlVersionsSQL    = `SELECT %[1]s, name, version::bigint, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, %[2]s FROM model_versions`
	mlModelTagsSQL   = `SELECT %[1]s, name, key, value FROM registered_model_tags`
	mlVersionTagsSQL = `SELECT %[1]s, name, version::bigint, key, value FROM model_version_tags`
	mlAliasesSQL     = `SELECT %[1]s, name, alias, version::bigint FROM registered_model_aliases`
	mlRunCountSQL    = `SELECT count(*) FROM runs`
	mlNamedRuns      = `(SELECT run_id FROM model_versions WHERE run_id IS NOT NULL)`
	mlRunsSQL        = `SELECT run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, experiment_id::bigint FROM runs WHERE run_uuid IN ` + mlNamedRuns
	mlMetricsSQL     = `SELECT run_uuid, key, value, is_nan FROM latest_metrics WHERE run_uuid IN ` + mlNamedRuns
	mlParamsSQL      = `SELECT run_uuid, key, value FROM params WHERE run_uuid IN ` + mlNamedRuns
	mlRunTagsSQL     = `SELECT run_uuid, key, value FROM tags WHERE key = ANY($1) AND run_uuid IN ` + mlNamedRuns
	mlInputsSQL      = `SELECT i.destination_id, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.experiment_id::bigint, t.value
	FROM inputs i
	JOIN datasets d ON d.dataset_uuid = i.source_id
	LEFT JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = 'mlflow.data.context'
	WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ` + mlNamedRuns
	mlLayoutSQL = `SELECT to_regclass('registered_models') IS NOT NULL AND to_regclass('model_versions') IS NOT NULL AND to_regclass('runs') IS NOT NULL,
	EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'registered_models' AND column_name = 'workspace'),
	EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'model_versions' AND column_name = 'storage_location')`
)

// The run tags the import reads.
const (
	tagGitCommit = "mlflow.source.git.commit"
	tagGitBranch = "mlflow.source.git.branch"
	tagUser      = "mlflow.user"
	tagRunName   = "mlflow.runName"
	tagLogModel  = "mlflow.log-model.history"
	tagFramework = "framework" // a version or model tag naming the framework
)

type mlExperiment struct {
	id        int64
	workspace string
	name      string
	lifecycle *string
	creation  *int64
	key       string
	usedBy    map[*bModel]bool
}

type mlModel struct {
	workspace, name   string
	creation, updated *int64
	description       *string
	key               string
	tags              map[string]string // framework tag lookups
}

type mlVersion struct {
	workspace, name                string
	version                        int64
	creation, updated              *int64
	description, userID, stage     *string
	source, runID, status, storage *string
	key                            string // NAME/VERSION
	tags                           map[string]string
}

type mlMetric struct {
	key   string
	value float64
	isNaN bool
}

type mlRun struct {
	uuid                 string
	name, userID, status *string
	start, end           *int64
	lifecycle            *string
	experimentID         *int64
	metrics              []mlMetric
	params               []mlParam
	tags                 mlRunTags
}

type mlParam struct{ key, value string }

// mlRunTags are the run tags the import reads.
type mlRunTags struct{ gitCommit, gitBranch, user, runName, logModel string }

func (t *mlRunTags) set(key, value string) {
	switch key {
	case tagGitCommit:
		t.gitCommit = value
	case tagGitBranch:
		t.gitBranch = value
	case tagUser:
		t.user = value
	case tagRunName:
		t.runName = value
	case tagLogModel:
		t.logModel = value
	}
}

type mlInput struct {
	run, name, digest, sourceType, source string
	experimentID                          int64
	context                               *string
}

type mlAlias struct {
	workspace, name, alias string
	version                int64
}

type mlModelTag struct {
	workspace, name, key string
	value                *string
}

type mlStore struct {
	layout      string
	experiments map[int64]*mlExperiment
	expCount    int64
	models      []*mlModel
	versions    []*mlVersion
	modelTags   []mlModelTag
	versionTagN int64
	aliases     []mlAlias
	runs        map[string]*mlRun
	runCount    int64
	inputs      []mlInput
}

// wsKey is a source name as the registry sees it: the name, prefixed by
// its workspace outside MLflow's default one.
func wsKey(workspace, name string) string {
	if workspace == "" || workspace == "default" {
		return name
	}
	return workspace + "/" + name
}

// MLflow imports an MLflow backend store on PostgreSQL (MLflow 2.x, or
// current MLflow with workspaces: told apart by the workspace columns in
// the catalog) from source into registryDB: registered models, their
// versions, tags and aliases, the runs that produced the versions (latest
// metric values, params, dataset inputs) and their experiments. Runs that
// no version names stay in MLflow (a training run here belongs to a
// version) and are counted out of scope. See docs/import.md for every rule.
// A *RefusedError means nothing was written.
func MLflow(ctx context.Context, source, registryDB registry.TxBeginner, opts Options) (Report, error) {
	report := newReport(SourceMLflow, opts)
	var s *mlStore
	err := readSource(ctx, source, func(tx pgx.Tx) error {
		var err error
		s, err = readMLflow(ctx, tx, opts)
		return err
	})
	if err != nil {
		return report, err
	}
	report.Source.Layout = &s.layout
	opts.progress("map", 0, 1)
	b := mapMLflow(s, &report, opts)
	opts.progress("map", 1, 1)
	return run(ctx, registryDB, report, opts, func(ctx context.Context, q *registrydb.Queries, r *Report) error {
		return apply(ctx, q, b, opts, r)
	})
}

// stream runs one query and hands each row to scan, reporting progress.
func stream(ctx context.Context, tx pgx.Tx, opts Options, stage, sql string, args []any, scan func(pgx.Rows) error) (int64, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", stage, err)
	}
	defer rows.Close()
	var n int64
	opts.progress(stage, 0, -1)
	for rows.Next() {
		if err := scan(rows); err != nil {
			return n, fmt.Errorf("%s: %w", stage, err)
		}
		n++
		if n%ChunkRows == 0 {
			opts.progress(stage, n, -1)
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("%s: %w", stage, err)
	}
	opts.progress(stage, n, n)
	return n, nil
}

func readMLflow(ctx context.Context, tx pgx.Tx, opts Options) (*mlStore, error) {
	var isMLflow, workspaces, storage bool
	if err := tx.QueryRow(ctx, mlLayoutSQL).Scan(&isMLflow, &workspaces, &storage); err != nil {
		return nil, err
	}
	if !isMLflow {
		return nil, fmt.Errorf("not an MLflow backend store: the current schema has no registered_models, model_versions and runs tables")
	}
	s := &mlStore{layout: LayoutMLflow2, experiments: map[int64]*mlExperiment{}, runs: map[string]*mlRun{}}
	wsCol, storageCol := "'default'::text", "NULL::text"
	if workspaces {
		s.layout, wsCol = LayoutMLflowCurrent, "workspace"
	}
	if storage {
		storageCol = "storage_location"
	}
	q := func(sql string) string { return fmt.Sprintf(sql, wsCol, storageCol) }
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}

	var err error
	if s.expCount, err = stream(ctx, tx, opts, "read experiments", q(mlExperimentsSQL), nil, func(r pgx.Rows) error {
		e := &mlExperiment{usedBy: map[*bModel]bool{}}
		if err := r.Scan(&e.id, &e.name, &e.lifecycle, &e.creation, &e.workspace); err != nil {
			return err
		}
		e.key = wsKey(e.workspace, e.name)
		s.experiments[e.id] = e
		return nil
	}); err != nil {
		return nil, err
	}
	models := map[[2]string]*mlModel{}
	if _, err = stream(ctx, tx, opts, "read registered_models", q(mlModelsSQL), nil, func(r pgx.Rows) error {
		m := &mlModel{tags: map[string]string{}}
		if err := r.Scan(&m.workspace, &m.name, &m.creation, &m.updated, &m.description); err != nil {
			return err
		}
		m.key = wsKey(m.workspace, m.name)
		models[[2]string{m.workspace, m.name}] = m
		s.models = append(s.models, m)
		return nil
	}); err != nil {
		return nil, err
	}
	versions := map[string]*mlVersion{}
	if _, err = stream(ctx, tx, opts, "read model_versions", q(mlVersionsSQL), nil, func(r pgx.Rows) error {
		v := &mlVersion{tags: map[string]string{}}
		if err := r.Scan(&v.workspace, &v.name, &v.version, &v.creation, &v.updated, &v.description, &v.userID, &v.stage,
			&v.source, &v.runID, &v.status, &v.storage); err != nil {
			return err
		}
		v.key = fmt.Sprintf("%s/%d", wsKey(v.workspace, v.name), v.version)
		versions[v.key] = v
		s.versions = append(s.versions, v)
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err = stream(ctx, tx, opts, "read registered_model_tags", q(mlModelTagsSQL), nil, func(r pgx.Rows) error {
		var t mlModelTag
		if err := r.Scan(&t.workspace, &t.name, &t.key, &t.value); err != nil {
			return err
		}
		if m := models[[2]string{t.workspace, t.name}]; m != nil && t.value != nil {
			m.tags[t.key] = *t.value
		}
		s.modelTags = append(s.modelTags, t)
		return nil
	}); err != nil {
		return nil, err
	}
	if s.versionTagN, err = stream(ctx, tx, opts, "read model_version_tags", q(mlVersionTagsSQL), nil, func(r pgx.Rows) error {
		var ws, name, key string
		var version int64
		var value *string
		if err := r.Scan(&ws, &name, &version, &key, &value); err != nil {
			return err
		}
		if v := versions[fmt.Sprintf("%s/%d", wsKey(ws, name), version)]; v != nil && value != nil {
			v.tags[key] = *value
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err = stream(ctx, tx, opts, "read registered_model_aliases", q(mlAliasesSQL), nil, func(r pgx.Rows) error {
		var a mlAlias
		if err := r.Scan(&a.workspace, &a.name, &a.alias, &a.version); err != nil {
			return err
		}
		s.aliases = append(s.aliases, a)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := tx.QueryRow(ctx, mlRunCountSQL).Scan(&s.runCount); err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	if _, err = stream(ctx, tx, opts, "read runs", mlRunsSQL, nil, func(r pgx.Rows) error {
		run := &mlRun{}
		if err := r.Scan(&run.uuid, &run.name, &run.userID, &run.status, &run.start, &run.end, &run.lifecycle, &run.experimentID); err != nil {
			return err
		}
		s.runs[run.uuid] = run
		return nil
	}); err != nil {
		return nil, err
	}
	var runID, key string
	var value float64
	var isNaN bool
	if _, err = stream(ctx, tx, opts, "read latest_metrics", mlMetricsSQL, nil, func(r pgx.Rows) error {
		if err := r.Scan(&runID, &key, &value, &isNaN); err != nil {
			return err
		}
		if run := s.runs[runID]; run != nil {
			run.metrics = append(run.metrics, mlMetric{key: in(key), value: value, isNaN: isNaN})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var text *string
	if _, err = stream(ctx, tx, opts, "read params", mlParamsSQL, nil, func(r pgx.Rows) error {
		if err := r.Scan(&runID, &key, &text); err != nil {
			return err
		}
		if run := s.runs[runID]; run != nil && text != nil {
			run.params = append(run.params, mlParam{key: in(key), value: *text})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	wanted := []string{tagGitCommit, tagGitBranch, tagUser, tagRunName, tagLogModel}
	if _, err = stream(ctx, tx, opts, "read tags", mlRunTagsSQL, []any{wanted}, func(r pgx.Rows) error {
		if err := r.Scan(&runID, &key, &text); err != nil {
			return err
		}
		if run := s.runs[runID]; run != nil && text != nil {
			run.tags.set(key, *text)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err = stream(ctx, tx, opts, "read inputs", mlInputsSQL, nil, func(r pgx.Rows) error {
		var i mlInput
		if err := r.Scan(&i.run, &i.name, &i.digest, &i.sourceType, &i.source, &i.experimentID, &i.context); err != nil {
			return err
		}
		i.name = in(i.name)
		s.inputs = append(s.inputs, i)
		return nil
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// stageStatus maps an MLflow stage to a registry version status.
var stageStatus = map[string]string{"None": "registered", "": "registered", "Staging": "validated", "Production": "deployed", "Archived": "archived"}

// runStatus maps an MLflow run status to a registry run status.
var runStatus = map[string]string{"FINISHED": "succeeded", "FAILED": "failed", "KILLED": "cancelled", "RUNNING": "running", "SCHEDULED": "queued"}

// flavorFramework maps MLflow model flavors to registry frameworks, in the
// order they are preferred when a model has several.
var flavorFramework = []struct{ flavor, framework string }{
	{"pytorch", "pytorch"}, {"tensorflow", "tensorflow"}, {"keras", "tensorflow"}, {"sklearn", "sklearn"},
	{"xgboost", "xgboost"}, {"lightgbm", "lightgbm"}, {"catboost", "catboost"}, {"onnx", "onnx"},
	{"transformers", "huggingface"}, {"sentence_transformers", "huggingface"},
}

// frameworkOf reads a framework name as a tag gives it: a registry
// framework or an MLflow flavor.
func frameworkOf(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if slices.Contains(registryFrameworks, name) {
		return name
	}
	for _, f := range flavorFramework {
		if f.flavor == name {
			return f.framework
		}
	}
	return ""
}

// loggedModel is one entry of a run's mlflow.log-model.history tag; a
// flavor's fields are decoded only for the flavors used.
type loggedModel struct {
	ArtifactPath string                     `json:"artifact_path"`
	Flavors      map[string]json.RawMessage `json:"flavors"`
}

// modelFlavors reads the framework, its version and Python's from the
// logged model a version's source points at (else the run's last logged
// model). flavors lists what was found, for a refusal's reason.
func modelFlavors(history, source string) (framework string, frameworkVersion, pythonVersion *string, flavors []string) {
	var logged []loggedModel
	if json.Unmarshal([]byte(history), &logged) != nil || len(logged) == 0 {
		return "", nil, nil, nil
	}
	pick := logged[len(logged)-1]
	want := path.Base(strings.TrimRight(source, "/"))
	for _, l := range logged {
		if l.ArtifactPath != "" && l.ArtifactPath == want {
			pick = l
		}
	}
	for name := range pick.Flavors {
		flavors = append(flavors, name)
	}
	sort.Strings(flavors)
	// A flavor's fields, undecoded: only a few string values are read.
	fields := func(flavor string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(pick.Flavors[flavor], &m)
		return m
	}
	text := func(raw json.RawMessage) *string {
		var v string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &v) != nil || v == "" {
			return nil
		}
		return &v
	}
	pythonVersion = text(fields("python_function")["python_version"])
	for _, f := range flavorFramework {
		if _, ok := pick.Flavors[f.flavor]; !ok {
			continue
		}
		framework = f.framework
		m := fields(f.flavor)
		keys := make([]string, 0, len(m))
		for k := range m {
			if strings.HasSuffix(k, "_version") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := text(m[k]); v != nil {
				frameworkVersion = v
				break
			}
		}
		break
	}
	return framework, frameworkVersion, pythonVersion, flavors
}

// paramsJSON is a run's params as a JSON object of strings, keys sorted.
func paramsJSON(params []mlParam) json.RawMessage {
	sort.Slice(params, func(i, j int) bool { return params[i].key < params[j].key })
	b := make([]byte, 0, 32*len(params)+2)
	b = append(b, '{')
	for i, p := range params {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.key)
		b = append(b, ':')
		b = appendJSONString(b, p.value)
	}
	return append(b, '}')
}

// namedMetrics are the run columns metrics fill, by metric key: the
// registry's own names, and the short names MLflow users log.
var namedMetrics = map[string]string{
	"accuracy": "accuracy", "precision_score": "precision_score", "recall_score": "recall_score", "f1_score": "f1_score", "loss": "loss",
	"precision": "precision_score", "recall": "recall_score", "f1": "f1_score",
}

// mapMetrics puts a run's latest metrics in the named columns and
// custom_metrics. MLflow stores NaN as 0 with is_nan and ±Inf as
// ±math.MaxFloat64: both are read back as what was logged.
func mapMetrics(run *mlRun, row *registrydb.TrainingRunImportManyCopyFromParams, warn func(format string, args ...any)) {
	custom := map[string]any{}
	columns := map[string]**float64{
		"accuracy": &row.Accuracy, "precision_score": &row.PrecisionScore, "recall_score": &row.RecallScore, "f1_score": &row.F1Score, "loss": &row.Loss,
	}
	// The registry's own names first, so "precision_score" wins over
	// "precision"; then the others.
	ordered := make([]mlMetric, 0, len(run.metrics))
	for _, m := range run.metrics {
		if namedMetrics[m.key] == m.key {
			ordered = append(ordered, m)
		}
	}
	for _, m := range run.metrics {
		if namedMetrics[m.key] != m.key {
			ordered = append(ordered, m)
		}
	}
	for _, m := range ordered {
		v := m.value
		switch {
		case m.isNaN:
			v = math.NaN()
		case v == math.MaxFloat64:
			v = math.Inf(1)
		case v == -math.MaxFloat64:
			v = math.Inf(-1)
		}
		column, named := namedMetrics[m.key]
		if !named || *columns[column] != nil {
			custom[m.key] = metricJSON(v)
			continue
		}
		scale, fits := 4, v >= 0 && v <= 1
		if column == "loss" {
			scale, fits = 5, math.Abs(roundNumeric(v, 5)) < 1e5
		}
		if !fits || math.IsNaN(v) {
			custom[m.key] = metricJSON(v)
			warn("metric %s = %v does not fit the %s column (%s): kept in custom_metrics", m.key, metricJSON(v), column,
				map[bool]string{true: "NUMERIC(10,5)", false: "[0, 1]"}[column == "loss"])
			continue
		}
		rounded := roundNumeric(v, scale)
		*columns[column] = &rounded
		if rounded != v {
			custom[m.key] = v // the column rounds to its scale: the exact value too
		}
	}
	row.CustomMetrics = jsonObject(custom)
}

// mapRun maps an MLflow run, or says why the registry cannot hold it.
func mapRun(run *mlRun, warn func(format string, args ...any)) (registrydb.TrainingRunImportManyCopyFromParams, string) {
	var row registrydb.TrainingRunImportManyCopyFromParams
	id, err := uuid.Parse(run.uuid)
	if err != nil || len(run.uuid) != 32 {
		return row, fmt.Sprintf("run_uuid %q is not 32 hex digits", run.uuid)
	}
	status := ""
	if run.status != nil {
		status = runStatus[*run.status]
	}
	if status == "" {
		return row, fmt.Sprintf("status %v is not one of MLflow's (FINISHED, FAILED, KILLED, RUNNING, SCHEDULED)", deref(run.status))
	}
	started, ended := millis(run.start), millis(run.end)
	finished := status == "succeeded" || status == "failed" || status == "cancelled"
	switch {
	case finished && ended == nil:
		return row, fmt.Sprintf("status %s without an end_time", *run.status)
	case !finished && ended != nil:
		return row, fmt.Sprintf("status %s with an end_time", *run.status)
	case started != nil && ended != nil && ended.Before(*started):
		return row, "end_time is before start_time"
	}
	row = registrydb.TrainingRunImportManyCopyFromParams{
		RunID: id, Status: status, StartedAt: started, CompletedAt: ended, GPUCount: ptr(int32(0)),
		RunName: run.name, StartedBy: run.userID, CreatedAt: started,
	}
	if row.RunName == nil || *row.RunName == "" {
		row.RunName = str(run.tags.runName)
	}
	if row.StartedBy == nil || *row.StartedBy == "" {
		row.StartedBy = str(run.tags.user)
	}
	if row.CreatedAt == nil {
		now := time.Now().UTC().Truncate(time.Microsecond)
		row.CreatedAt = &now
	}
	if started != nil && ended != nil {
		if d := (*run.end - *run.start) / 1000; d <= math.MaxInt32 {
			row.DurationSeconds = ptr(int32(d))
		}
	}
	row.Hyperparameters = paramsJSON(run.params)
	mapMetrics(run, &row, warn)
	if run.lifecycle != nil && *run.lifecycle == "deleted" {
		warn("deleted in MLflow; imported because a model version names it")
	}
	return row, ""
}

// runPrep is what the import makes of one run: its row, or why the
// registry cannot hold it, the warnings, and its logged model's framework.
type runPrep struct {
	row                             registrydb.TrainingRunImportManyCopyFromParams
	why                             string
	warnings                        []Warning
	framework                       string
	frameworkVersion, pythonVersion *string
	flavors                         []string
}

// prepareRuns maps every run a version takes, on every CPU: the per-run
// work (metrics, params, the logged model's JSON) is most of the mapping.
func prepareRuns(s *mlStore, claims map[string]*mlVersion) map[string]*runPrep {
	ids := make([]string, 0, len(claims))
	for id := range claims {
		if s.runs[id] != nil {
			ids = append(ids, id)
		}
	}
	out := make([]runPrep, len(ids))
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(ids); i += workers {
				run, p := s.runs[ids[i]], &out[i]
				warn := func(format string, args ...any) {
					p.warnings = append(p.warnings, Warning{Entity: EntityRuns, Source: run.uuid, Message: fmt.Sprintf(format, args...)})
				}
				p.row, p.why = mapRun(run, warn)
				p.framework, p.frameworkVersion, p.pythonVersion, p.flavors = modelFlavors(run.tags.logModel, artifactOf(claims[ids[i]]))
			}
		}(w)
	}
	wg.Wait()
	prep := make(map[string]*runPrep, len(ids))
	for i, id := range ids {
		prep[id] = &out[i]
	}
	return prep
}

// artifactOf is a version's artifact location: its source, else its
// storage location.
func artifactOf(v *mlVersion) string {
	artifact := ""
	if v.source != nil {
		artifact = strings.TrimSpace(*v.source)
	}
	if artifact == "" && v.storage != nil {
		artifact = strings.TrimSpace(*v.storage)
	}
	return artifact
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// datasetRole maps an input's mlflow.data.context to a registry role.
func datasetRole(context *string) (string, bool) {
	if context == nil || strings.TrimSpace(*context) == "" {
		return "training", true
	}
	switch strings.ToLower(strings.TrimSpace(*context)) {
	case "training", "train":
		return "training", true
	case "validation", "valid", "val", "eval", "evaluation":
		return "validation", true
	case "test", "testing":
		return "test", true
	case "calibration":
		return "calibration", true
	}
	return "", false
}

// registryTagCategories are the tags categories (CHECK valid_tag_category)
// an MLflow tag key may name; any other key is a custom tag.
var registryTagCategories = []string{"domain", "use-case", "framework", "team", "project", "customer", "region", "priority", "status"}

// tagOf maps an MLflow tag to a registry tag (category, value).
func tagOf(key string, value *string) (string, string) {
	v := ""
	if value != nil {
		v = strings.TrimSpace(*value)
	}
	if k := strings.ToLower(strings.TrimSpace(key)); slices.Contains(registryTagCategories, k) && v != "" {
		return k, v
	}
	if v == "" {
		return "custom", key
	}
	return "custom", key + "=" + v
}

// storageLocation reads the location out of an MLflow dataset source (a
// JSON document whose field depends on the source type).
func storageLocation(source string) string {
	var fields map[string]any
	if json.Unmarshal([]byte(source), &fields) == nil {
		for _, k := range []string{"uri", "url", "path", "table_name", "dataset_name", "location"} {
			if v, ok := fields[k].(string); ok && v != "" {
				return v
			}
		}
	}
	return source
}

// storageFormat guesses a dataset's format from its location's extension.
func storageFormat(location string) *string {
	if u, err := url.Parse(location); err == nil && u.Path != "" {
		location = u.Path
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(location)), ".")
	switch ext {
	case "parquet", "csv", "json", "avro", "tfrecord", "arrow":
		return &ext
	case "h5", "hdf5":
		return ptr("hdf5")
	case "jsonl":
		return ptr("json")
	}
	return nil
}

func mapMLflow(s *mlStore, report *Report, opts Options) *bundle {
	for _, e := range []string{EntityModels, EntityVersions, EntityExperiments, EntityRuns, EntityDatasets, EntityRunDatasets,
		EntityTags, EntityModelTags, EntityAliases} {
		report.entity(e)
	}
	b := &bundle{ownsModelDescription: true}
	importTime := time.Now().UTC().Truncate(time.Microsecond)

	// Models.
	sort.Slice(s.models, func(i, j int) bool { return s.models[i].key < s.models[j].key })
	models := map[string]*bModel{}
	report.entity(EntityModels).Read = int64(len(s.models))
	for _, m := range s.models {
		if slug(m.key, false) == "" {
			report.refuse(EntityModels, m.key, "the name %q has no letter or digit a registry name (a-z, 0-9, -) can spell", m.key)
			continue
		}
		updated := m.updated
		if updated == nil {
			updated = m.creation
		}
		bm := &bModel{key: m.key, row: registrydb.ModelImportManyCopyFromParams{
			DisplayName: m.key, Description: m.description, RiskLevel: ptr("medium"), ComplianceRequired: ptr(false),
			CreatedAt: millis(m.creation), UpdatedAt: millis(updated),
		}}
		models[m.key] = bm
		b.models = append(b.models, bm)
	}
	modelByKey := map[string]*mlModel{}
	for _, m := range s.models {
		modelByKey[m.key] = m
	}

	// Versions, and which of them gets each run: a run belongs to one
	// version, the first registered.
	sort.Slice(s.versions, func(i, j int) bool {
		a, b := s.versions[i], s.versions[j]
		ka, kb := wsKey(a.workspace, a.name), wsKey(b.workspace, b.name)
		return ka < kb || ka == kb && a.version < b.version
	})
	report.entity(EntityVersions).Read = int64(len(s.versions))
	claims := map[string]*mlVersion{}
	byCreation := append([]*mlVersion(nil), s.versions...)
	sort.SliceStable(byCreation, func(i, j int) bool {
		ci, cj := byCreation[i].creation, byCreation[j].creation
		return ci != nil && (cj == nil || *ci < *cj)
	})
	for _, v := range byCreation {
		if v.runID != nil && *v.runID != "" && !deleted(v) && claims[*v.runID] == nil {
			claims[*v.runID] = v
		}
	}
	prep := prepareRuns(s, claims)
	versions := map[string]*bVersion{}
	runVersion := map[string]*bVersion{} // run id -> the version that takes it
	refusedRunOf := map[string]string{}  // run id -> the refused version that named it
	for _, v := range s.versions {
		modelKey := wsKey(v.workspace, v.name)
		bm := models[modelKey]
		switch {
		case deleted(v):
			report.skip(EntityVersions, v.key, "deleted in MLflow (stage Deleted_Internal)")
			continue
		case v.status != nil && *v.status == "FAILED_REGISTRATION":
			report.skip(EntityVersions, v.key, "its registration failed in MLflow (FAILED_REGISTRATION): there is no artifact to register")
			continue
		}
		why := ""
		var run *mlRun
		if v.runID != nil && claims[*v.runID] == v {
			run = s.runs[*v.runID]
		}
		row := registrydb.ModelVersionImportManyCopyFromParams{Description: v.description, RegisteredAt: millis(v.creation)}
		stage := ""
		if v.stage != nil {
			stage = *v.stage
		}
		status, knownStage := stageStatus[stage]
		row.Status = status
		artifact := artifactOf(v)
		row.ArtifactURI = artifact
		framework, how := "", ""
		var flavors []string
		if f := v.tags[tagFramework]; f != "" {
			framework, how = frameworkOf(f), fmt.Sprintf("version tag framework=%q", f)
		} else if m := modelByKey[modelKey]; m != nil && m.tags[tagFramework] != "" {
			f := m.tags[tagFramework]
			framework, how = frameworkOf(f), fmt.Sprintf("model tag framework=%q", f)
		}
		if run != nil {
			p := prep[run.uuid]
			fw, fwVersion, pyVersion, found := p.framework, p.frameworkVersion, p.pythonVersion, p.flavors
			flavors = found
			if framework == "" && how == "" {
				framework, how = fw, "the run's logged model"
			}
			if framework == fw {
				row.FrameworkVersion = fwVersion
			}
			row.PythonVersion = pyVersion
			row.GitCommit, row.GitBranch = str(run.tags.gitCommit), str(run.tags.gitBranch)
		}
		row.Framework = framework
		switch {
		case bm == nil:
			why = "its model was refused"
		case v.version < 1 || v.version > 999_999_999:
			why = fmt.Sprintf("version %d cannot be a semantic version's major number", v.version)
		case !knownStage:
			why = fmt.Sprintf("stage %q is not one of MLflow's (None, Staging, Production, Archived)", stage)
		case artifact == "":
			why = "it has neither a source nor a storage location: the registry needs an artifact_uri"
		case framework == "" && how != "" && !strings.HasPrefix(how, "the run"):
			why = fmt.Sprintf("%s is not a framework the registry knows (%s)", how, strings.Join(registryFrameworks, ", "))
		case framework == "" && len(flavors) > 0:
			why = fmt.Sprintf("its run's logged model has flavors %s, none a framework the registry knows (%s); set a framework tag on the version",
				strings.Join(flavors, ", "), strings.Join(registryFrameworks, ", "))
		case framework == "":
			why = "no framework: the version has no framework tag and no run with a logged model (mlflow.log-model.history); set a framework tag on the version"
		}
		if why != "" {
			report.refuse(EntityVersions, v.key, "%s", why)
			if v.runID != nil && claims[*v.runID] == v && s.runs[*v.runID] != nil {
				refusedRunOf[*v.runID] = v.key
			}
			continue
		}
		registeredBy := ""
		switch {
		case v.userID != nil && *v.userID != "":
			registeredBy = *v.userID
		case run != nil && run.userID != nil && *run.userID != "":
			registeredBy = *run.userID
		default:
			registeredBy = opts.actor()
		}
		row.RegisteredBy = registeredBy
		changed := millis(v.updated)
		if changed == nil {
			changed = millis(v.creation)
		}
		switch status {
		case "deployed":
			row.PromotedToProductionAt = changed
		case "archived":
			row.DeprecatedAt = changed
		}
		bv := &bVersion{
			source: v.key, model: bm, idKey: []string{"mlflow", modelKey, fmt.Sprint(v.version)},
			semver: fmt.Sprintf("%d.0.0", v.version), ownsStatus: true, row: row,
		}
		versions[v.key] = bv
		b.versions = append(b.versions, bv)
		switch {
		case v.runID == nil || *v.runID == "":
			report.warn(EntityVersions, v.key, "names no run: imported without a training run")
		case s.runs[*v.runID] == nil:
			report.warn(EntityVersions, v.key, "its run %s is not in this store (logged to another tracking server?): imported without a training run", *v.runID)
		case claims[*v.runID] != v:
			report.warn(EntityVersions, v.key, "its run %s is the training run of %s already (a run belongs to one version): imported without it",
				*v.runID, claims[*v.runID].key)
		default:
			runVersion[*v.runID] = bv
		}
	}

	// Runs: those of the versions imported.
	runIDs := make([]string, 0, len(runVersion))
	for id := range runVersion {
		runIDs = append(runIDs, id)
	}
	sort.Strings(runIDs)
	runs := map[string]*bRun{}
	refusedRuns := map[string]bool{}
	exps := map[int64]*bExperiment{}
	for _, id := range runIDs {
		run, bv := s.runs[id], runVersion[id]
		row, why := prep[id].row, prep[id].why
		report.Warnings = append(report.Warnings, prep[id].warnings...)
		if why != "" {
			report.refuse(EntityRuns, id, "%s", why)
			report.warn(EntityVersions, bv.source, "its run %s was refused: imported without a training run", id)
			refusedRuns[id] = true
			continue
		}
		br := &bRun{source: id, version: bv, row: row}
		if run.experimentID != nil {
			if e := s.experiments[*run.experimentID]; e != nil {
				be := exps[e.id]
				if be == nil {
					created := millis(e.creation)
					if created == nil {
						created = &importTime
					}
					be = &bExperiment{name: e.key, row: registrydb.ExperimentImportManyCopyFromParams{CreatedAt: *created}}
					exps[e.id] = be
					b.experiments = append(b.experiments, be)
				}
				e.usedBy[bv.model] = true
				br.experiment = be
				br.row.ExperimentName = &e.key
			}
		}
		runs[id] = br
		b.runs = append(b.runs, br)
	}
	for id, version := range refusedRunOf {
		report.refuse(EntityRuns, id, "its version %s was refused", version)
		refusedRuns[id] = true
	}
	report.entity(EntityRuns).Read = s.runCount
	report.outOfScope(EntityRuns, s.runCount-int64(len(b.runs))-int64(len(refusedRuns)),
		"no imported model version names the run: a training run here belongs to a version, so the run stays in MLflow")
	for id, be := range exps {
		if e := s.experiments[id]; len(e.usedBy) == 1 {
			for m := range e.usedBy {
				be.model = m
			}
		}
	}
	sort.Slice(b.experiments, func(i, j int) bool { return b.experiments[i].name < b.experiments[j].name })
	report.entity(EntityExperiments).Read = s.expCount
	report.outOfScope(EntityExperiments, s.expCount-int64(len(b.experiments)), "no imported run is in the experiment")

	// Datasets and links, from the inputs of those runs.
	sort.Slice(s.inputs, func(i, j int) bool {
		a, b := s.inputs[i], s.inputs[j]
		if a.experimentID != b.experimentID {
			return a.experimentID < b.experimentID
		}
		if a.digest != b.digest {
			return a.digest < b.digest
		}
		return a.run < b.run || a.run == b.run && a.name < b.name
	})
	datasets := map[string]*bDataset{}
	digests := map[string][]string{}
	allDatasets := map[string]bool{}
	type linkKey struct{ run, dataset, role string }
	links := map[linkKey]bool{}
	var linksRead, linksOut int64
	for _, inp := range s.inputs {
		ws := "default"
		if e := s.experiments[inp.experimentID]; e != nil {
			ws = e.workspace
		}
		key := wsKey(ws, inp.name)
		allDatasets[key] = true
		role, knownRole := datasetRole(inp.context)
		lk := linkKey{inp.run, key, role}
		if !knownRole {
			lk.role = "context " + *inp.context
		}
		if links[lk] {
			continue // one link per run, dataset and role: several digests of one dataset are one link
		}
		links[lk] = true
		linksRead++
		source := fmt.Sprintf("%s %s (%s)", inp.run, key, lk.role)
		br := runs[inp.run]
		switch {
		case refusedRuns[inp.run]:
			report.refuse(EntityRunDatasets, source, "its run was refused")
			continue
		case br == nil:
			linksOut++
			continue
		case !knownRole:
			report.refuse(EntityRunDatasets, source, "mlflow.data.context %q is not a role the registry knows (training, validation, test, calibration)", *inp.context)
			continue
		}
		d := datasets[key]
		if d == nil {
			location := storageLocation(inp.source)
			d = &bDataset{key: key, row: registrydb.DatasetImportManyCopyFromParams{
				DisplayName: key, StorageLocation: location, StorageFormat: storageFormat(location), DataVersion: &inp.digest,
				ContainsPII: ptr(false), DataClassification: ptr("internal"), CreatedAt: &importTime,
			}}
			datasets[key] = d
			b.datasets = append(b.datasets, d)
		}
		if !slices.Contains(digests[key], inp.digest) {
			digests[key] = append(digests[key], inp.digest)
		}
		b.links = append(b.links, &bLink{source: source, run: br, dataset: d, role: role})
	}
	for key, d := range datasets {
		desc := fmt.Sprintf("MLflow dataset %q", key)
		if ds := digests[key]; len(ds) > 1 {
			desc += fmt.Sprintf("; digests %s (data_version is the first)", strings.Join(ds, ", "))
		}
		d.row.Description = &desc
	}
	sort.Slice(b.datasets, func(i, j int) bool { return b.datasets[i].key < b.datasets[j].key })
	report.entity(EntityDatasets).Read = int64(len(allDatasets))
	report.outOfScope(EntityDatasets, int64(len(allDatasets)-len(datasets)), "no imported run used the dataset")
	report.entity(EntityRunDatasets).Read = linksRead
	report.outOfScope(EntityRunDatasets, linksOut, "the input's run is not imported (no imported model version names it)")

	// Model tags: user tags only; the registry has no version tags.
	e := report.entity(EntityModelTags)
	e.Read = int64(len(s.modelTags)) + s.versionTagN
	var system int64
	for _, t := range s.modelTags {
		key := wsKey(t.workspace, t.name)
		source := key + " " + t.key
		switch {
		case strings.HasPrefix(t.key, "mlflow."):
			system++
			continue
		case models[key] == nil:
			report.refuse(EntityModelTags, source, "its model was refused")
			continue
		}
		category, value := tagOf(t.key, t.value)
		b.modelTags = append(b.modelTags, &bModelTag{source: source, model: models[key], category: category, value: value})
	}
	report.outOfScope(EntityModelTags, system+s.versionTagN,
		"MLflow system tags (mlflow.*) and model version tags: the registry tags models, not versions (a version's framework tag sets its framework)")

	// Aliases.
	report.entity(EntityAliases).Read = int64(len(s.aliases))
	sort.Slice(s.aliases, func(i, j int) bool {
		a, b := s.aliases[i], s.aliases[j]
		ka, kb := wsKey(a.workspace, a.name), wsKey(b.workspace, b.name)
		return ka < kb || ka == kb && a.alias < b.alias
	})
	aliasTaken := map[[2]string]string{}
	skippedVersions := map[string]bool{}
	for _, n := range report.entity(EntityVersions).Skipped {
		skippedVersions[n.Source] = true
	}
	for _, a := range s.aliases {
		modelKey := wsKey(a.workspace, a.name)
		versionKey := fmt.Sprintf("%s/%d", modelKey, a.version)
		source := modelKey + "@" + a.alias
		alias := strings.ToLower(strings.TrimSpace(a.alias))
		bv := versions[versionKey]
		switch {
		case skippedVersions[versionKey]:
			report.skip(EntityAliases, source, "it names version %s, which is not imported (deleted or failed in MLflow)", versionKey)
		case bv == nil:
			report.refuse(EntityAliases, source, "it names version %s, which was refused or is not in the store", versionKey)
		case !validAlias.MatchString(alias):
			report.refuse(EntityAliases, source, "alias %q is not a registry alias (a letter, then up to 62 of a-z, 0-9, _ and -)", a.alias)
		case aliasTaken[[2]string{modelKey, alias}] != "":
			report.refuse(EntityAliases, source, "alias %q is alias %q already once lower-cased", a.alias, aliasTaken[[2]string{modelKey, alias}])
		default:
			aliasTaken[[2]string{modelKey, alias}] = a.alias
			b.aliases = append(b.aliases, &bAlias{source: source, model: bv.model, alias: alias, version: bv})
		}
	}
	return b
}

func deleted(v *mlVersion) bool { return v.stage != nil && *v.stage == "Deleted_Internal" }
