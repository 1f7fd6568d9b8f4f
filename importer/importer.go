// Package importer moves existing registries into this one, and back out:
//
//   - TrainingRuns reads Exercise 01's flat training_runs table;
//   - MLflow reads an MLflow backend store on PostgreSQL (MLflow 2.x, or
//     current MLflow with workspaces), its model registry and the runs
//     that produced its versions;
//   - ExportJSONL writes the registry (or one model) as JSON lines, and
//     JSONL reads them back, ids and all.
//
// Every import reads its source in one read-only REPEATABLE READ
// transaction and writes the registry in one transaction (registry.WithTx,
// under Options.Actor, so the audit trail names who imported what), through
// the generated queries: COPY for the rows it adds, a generated UPDATE for a
// row it changes. It is all or nothing: a source row the registry cannot
// hold is found before anything is written and, unless Options.SkipInvalid,
// nothing is written at all (a *RefusedError carries the Report naming each
// refused row); a row the database refuses anyway, a count that does not
// match or an integrity check that fails rolls the whole import back.
//
// Imports are idempotent: rows are matched to what an earlier import wrote
// (by the source's own ids, or ids derived from its names), so importing a
// source again writes nothing, and a source that gained rows adds only
// those. docs/import.md lists every mapping rule.
package importer

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/schemas"
)

// ReportSchema names the JSON Schema a Report follows (its "schema" field).
const ReportSchema = schemas.Base + "v1/import-report.json"

// DefaultActor is the actor of an import whose Options name none.
const DefaultActor = "mlreg-import"

// ChunkRows is how many rows one COPY sends, and one lookup asks for.
const ChunkRows = 10_000

// Options tune an import.
type Options struct {
	// Actor is recorded as the registry transaction's actor, for the audit
	// trail; "" is DefaultActor.
	Actor string
	// DryRun runs the whole import, validation included, in a transaction
	// it then rolls back: the report is the one a real run would give, and
	// nothing is written.
	DryRun bool
	// SkipInvalid imports the rows the registry can hold and lists the
	// others in the report, instead of refusing the whole import.
	SkipInvalid bool
	// Progress, if not nil, is told how far each stage is: reading a source
	// table, writing a registry table, validating. total is -1 when not
	// known.
	Progress func(stage string, done, total int64)
}

func (o Options) actor() string {
	if o.Actor == "" {
		return DefaultActor
	}
	return o.Actor
}

func (o Options) progress(stage string, done, total int64) {
	if o.Progress != nil {
		o.Progress(stage, done, total)
	}
}

// The entities of a report: the registry tables an import writes.
const (
	EntityTeams        = "teams"
	EntityUsers        = "users"
	EntityEnvironments = "environments"
	EntityModels       = "models"
	EntityVersions     = "model_versions"
	EntityExperiments  = "experiments"
	EntityDatasets     = "datasets"
	EntityRuns         = "training_runs"
	EntityRunDatasets  = "run_datasets"
	EntityDeployments  = "deployments"
	EntityApprovals    = "approvals"
	EntityTags         = "tags"
	EntityModelTags    = "model_tags"
	EntityDatasetTags  = "dataset_tags"
	EntityAliases      = "model_aliases"
)

// Source kinds.
const (
	SourceTrainingRuns = "training-runs"
	SourceMLflow       = "mlflow"
	SourceJSONL        = "jsonl"
)

// Report is what an import did, or would do: one JSON document
// (schemas/v1/import-report.json). Absent values are null, lists are
// never null.
type Report struct {
	// FormatVersion is 1.
	Schema        string     `json:"schema"` // the $id of schemas/v1/import-report.json
	FormatVersion int        `json:"format_version"`
	Source        SourceInfo `json:"source"`
	Actor         string     `json:"actor"`
	DryRun        bool       `json:"dry_run"`
	SkipInvalid   bool       `json:"skip_invalid"`
	// Committed says whether the registry transaction committed: false for
	// a dry run and for an import refused or rolled back.
	Committed bool `json:"committed"`
	// Entities holds the counts of each registry table the import maps
	// rows to, by table name.
	Entities map[string]*EntityReport `json:"entities"`
	// NameMappings lists every source name that became another registry
	// name: a kebab-case slug, a slug with a collision suffix, or an
	// existing row's name.
	NameMappings []NameMapping `json:"name_mappings"`
	// Warnings are rows imported with a loss or a gap worth knowing.
	Warnings []Warning `json:"warnings"`
	// Validation is the check made on the written transaction before it
	// commits; null when nothing was written.
	Validation *Validation `json:"validation"`
	// Error is why the import wrote nothing, when it did not.
	Error *string `json:"error"`
}

// SourceInfo names what was read.
type SourceInfo struct {
	// Kind is training-runs, mlflow or jsonl.
	Kind string `json:"kind"`
	// Layout is mlflow-2 or mlflow-current for an MLflow store.
	Layout *string `json:"layout"`
	// Table is the legacy table read, as given.
	Table *string `json:"table"`
}

// EntityReport counts one registry table's rows. Every row read is in
// exactly one of: imported, already_present, updated, out_of_scope,
// skipped, refused.
type EntityReport struct {
	Read           int64 `json:"read"`
	Imported       int64 `json:"imported"`
	AlreadyPresent int64 `json:"already_present"`
	// Updated rows were imported before and have changed in the source.
	Updated int64 `json:"updated"`
	// OutOfScope counts source rows this registry has no place for (an
	// MLflow run no registered version names, an MLflow system tag), for
	// the reason given.
	OutOfScope       int64   `json:"out_of_scope"`
	OutOfScopeReason *string `json:"out_of_scope_reason"`
	// Skipped rows are left out by a mapping rule (a deleted MLflow
	// version); they do not stop the import.
	Skipped []RowNote `json:"skipped"`
	// Refused rows are those the registry cannot hold; unless SkipInvalid,
	// any of them stops the whole import.
	Refused []RowNote `json:"refused"`
}

// RowNote names one source row and says why it was not imported.
type RowNote struct {
	// Source names the row in its source: a legacy or MLflow run id, an
	// MLflow version as NAME/VERSION, a model by name.
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// NameMapping records a source name that became another registry name.
type NameMapping struct {
	Entity string `json:"entity"`
	Source string `json:"source"`
	Name   string `json:"name"`
	// Rule is "slug" (the name made kebab-case), "collision" (the slug
	// with a suffix: another source name or registry row has the slug), or
	// "existing" (an existing registry row of that display name).
	Rule string `json:"rule"`
	// CollidesWith lists the other source names that slug alike; null if
	// none.
	CollidesWith []string `json:"collides_with"`
}

// Warning is a row imported with a loss or a gap worth knowing.
type Warning struct {
	Entity  string `json:"entity"`
	Source  string `json:"source"`
	Message string `json:"message"`
}

// Validation is the check of the written transaction.
type Validation struct {
	// Counts compares, per table, the rows the import mapped (imported,
	// already present or updated) with those of their keys the registry
	// holds.
	Counts    []CountCheck    `json:"counts"`
	Integrity IntegrityResult `json:"integrity"`
	OK        bool            `json:"ok"`
}

// CountCheck is one table's count comparison.
type CountCheck struct {
	Entity   string `json:"entity"`
	Expected int64  `json:"expected"`
	Found    int64  `json:"found"`
	OK       bool   `json:"ok"`
}

// IntegrityResult is what integrity.Run found in the written transaction.
type IntegrityResult struct {
	Checks   int                 `json:"checks"`
	Errors   int                 `json:"errors"`
	Warnings int                 `json:"warnings"`
	Findings []integrity.Finding `json:"findings"`
}

// RefusedError is an import that wrote nothing: the importer's checks
// refused source rows (Err is nil; Report lists them), the database refused
// a row, or the validation failed (Err says which). The CLI exits 1 on it.
type RefusedError struct {
	Report Report
	Err    error
}

func (e *RefusedError) Error() string {
	if e.Err != nil {
		return "import refused, nothing was written: " + e.Err.Error()
	}
	var parts []string
	for _, name := range e.Report.entityNames() {
		if n := len(e.Report.Entities[name].Refused); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	return fmt.Sprintf("import refused, nothing was written: the registry cannot hold %s (see the report; --skip-invalid imports the rest)",
		strings.Join(parts, ", "))
}

func (e *RefusedError) Unwrap() error { return e.Err }

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

func newReport(kind string, opts Options) Report {
	return Report{
		Schema:        ReportSchema,
		FormatVersion: 1,
		Source:        SourceInfo{Kind: kind},
		Actor:         opts.actor(),
		DryRun:        opts.DryRun,
		SkipInvalid:   opts.SkipInvalid,
		Entities:      map[string]*EntityReport{},
		NameMappings:  []NameMapping{},
		Warnings:      []Warning{},
	}
}

// entity returns the report of a table, creating it.
func (r *Report) entity(name string) *EntityReport {
	e := r.Entities[name]
	if e == nil {
		e = &EntityReport{Skipped: []RowNote{}, Refused: []RowNote{}}
		r.Entities[name] = e
	}
	return e
}

func (r *Report) warn(entity, source, format string, args ...any) {
	r.Warnings = append(r.Warnings, Warning{Entity: entity, Source: source, Message: fmt.Sprintf(format, args...)})
}

func (r *Report) refuse(entity, source, format string, args ...any) {
	e := r.entity(entity)
	e.Refused = append(e.Refused, RowNote{Source: source, Reason: fmt.Sprintf(format, args...)})
}

func (r *Report) skip(entity, source, format string, args ...any) {
	e := r.entity(entity)
	e.Skipped = append(e.Skipped, RowNote{Source: source, Reason: fmt.Sprintf(format, args...)})
}

func (r *Report) outOfScope(entity string, n int64, reason string) {
	if n <= 0 {
		return
	}
	e := r.entity(entity)
	e.OutOfScope += n
	e.OutOfScopeReason = &reason
}

// Written is how many registry rows the import added or changed, every
// table together: the rows of a rows-per-second figure.
func (r Report) Written() int64 {
	var n int64
	for _, e := range r.Entities {
		n += e.Imported + e.Updated
	}
	return n
}

// refused counts the refused rows of every table.
func (r *Report) refused() int {
	n := 0
	for _, e := range r.Entities {
		n += len(e.Refused)
	}
	return n
}

// EntityNames lists the report's entities in name order.
func (r *Report) EntityNames() []string { return r.entityNames() }

func (r *Report) entityNames() []string {
	names := make([]string, 0, len(r.Entities))
	for name := range r.Entities {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// sortNotes orders the report's lists, so that a report does not depend on
// the order rows were read in.
func (r *Report) sortNotes() {
	for _, e := range r.Entities {
		sortRowNotes(e.Skipped)
		sortRowNotes(e.Refused)
	}
	sort.SliceStable(r.NameMappings, func(i, j int) bool {
		a, b := r.NameMappings[i], r.NameMappings[j]
		return a.Entity < b.Entity || a.Entity == b.Entity && a.Source < b.Source
	})
	sort.SliceStable(r.Warnings, func(i, j int) bool {
		a, b := r.Warnings[i], r.Warnings[j]
		if a.Entity != b.Entity {
			return a.Entity < b.Entity
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Message < b.Message
	})
}

func sortRowNotes(notes []RowNote) {
	sort.SliceStable(notes, func(i, j int) bool {
		return notes[i].Source < notes[j].Source || notes[i].Source == notes[j].Source && notes[i].Reason < notes[j].Reason
	})
}

// failed records why nothing was written.
func (r *Report) failed(err error) {
	msg := err.Error()
	r.Error = &msg
	r.Committed = false
}

// namespace derives the ids an import gives the rows it creates from their
// source keys (UUID version 5), so that an import run again finds them.
var namespace = uuid.MustParse("6f1d3c2a-8b47-5e0f-9a61-2c5e7d8b9f30")

func derivedID(kind string, parts ...string) uuid.UUID {
	return uuid.NewSHA1(namespace, []byte(kind+"\x00"+strings.Join(parts, "\x00")))
}

func ptr[T any](v T) *T { return &v }

// str returns nil for "", else a pointer to s.
func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
