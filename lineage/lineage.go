// Package lineage assembles a model's lineage from the registry: its
// versions, the training runs behind each and the datasets they read, where
// each version is deployed and which approvals it holds; and what depends on
// a dataset (Impact). Reports render as a text tree, JSON (the contract of
// schemas/v1/lineage.json), Graphviz DOT and Mermaid.
//
// A lineage is read in a fixed number of queries, whatever the size of the
// model (see queries/lineage.sql): the model, its versions with their
// deployments and approvals, and its runs with their datasets. Options.Runs
// keeps the newest runs of each version only, so that a model with
// thousands of runs still reports at once.
//
// Options.At reports the registry as it was at a past moment (see
// BuildAt's documentation and docs/lineage.md): every value then carries
// where it came from, the audit trail or today's row, in an AsOf.
package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/schemas"
)

// Report is a model's lineage; `mlreg lineage --format json` writes it, and
// schemas/v1/lineage.json describes it. Fields are only ever added within
// v1; an absent value is null, never omitted or "".
type Report struct {
	// Schema is SchemaLineage, the $id of the JSON Schema the document follows.
	Schema  string    `json:"schema"`
	Model   string    `json:"model"`
	ModelID uuid.UUID `json:"model_id"`
	// At is the moment reported (Options.At), null for now.
	At *time.Time `json:"at"`
	// Trail says how far back the audit trail reaches; null without At.
	Trail *TrailCoverage `json:"trail"`
	// RunsPerVersion is Options.Runs, null when every run is listed.
	RunsPerVersion *int      `json:"runs_per_version"`
	Versions       []Version `json:"versions"`
	// Retention lists the retention runs since At that removed rows of the
	// model the report would list; null without At.
	Retention []RetentionRemoval `json:"retention"`
}

// SchemaLineage is the $id of schemas/v1/lineage.json.
const SchemaLineage = schemas.Base + "v1/lineage.json"

// Version is one model version and what hangs off it.
type Version struct {
	VersionID    uuid.UUID  `json:"version_id"`
	Semver       string     `json:"semver"`
	Status       string     `json:"status"`
	Framework    string     `json:"framework"`
	ArtifactURI  string     `json:"artifact_uri"`
	RegisteredAt *time.Time `json:"registered_at"`
	AsOf         *AsOf      `json:"as_of"`
	// Runs are the version's runs, newest first: all of them, or the newest
	// Options.Runs; RunsTotal counts them all.
	Runs        []Run        `json:"runs"`
	RunsTotal   int          `json:"runs_total"`
	Deployments []Deployment `json:"deployments"`
	Approvals   []Approval   `json:"approvals"`
}

// RunsOmitted is how many of the version's runs the report leaves out.
func (v Version) RunsOmitted() int { return v.RunsTotal - len(v.Runs) }

// Deployment is one deployment of a version: with At, one live at that moment.
type Deployment struct {
	DeploymentID      uuid.UUID  `json:"deployment_id"`
	EnvironmentName   string     `json:"environment_name"`
	EnvironmentType   string     `json:"environment_type"`
	Status            string     `json:"status"`
	TrafficPercentage *int32     `json:"traffic_percentage"`
	EndpointURL       *string    `json:"endpoint_url"`
	DeployedAt        *time.Time `json:"deployed_at"`
	DeployedBy        string     `json:"deployed_by"`
	UndeployedAt      *time.Time `json:"undeployed_at"`
	AsOf              *AsOf      `json:"as_of"`
}

// Approval is one approval of a version. Status is its decision at the
// moment reported: a pending or approved approval whose expiry is at or
// before that moment is "expired" there, whether or not the registry has
// marked it so yet.
type Approval struct {
	ApprovalID   uuid.UUID  `json:"approval_id"`
	ApprovalType string     `json:"approval_type"`
	Status       string     `json:"status"`
	RequestedBy  string     `json:"requested_by"`
	RequestedAt  *time.Time `json:"requested_at"`
	ApprovedBy   *string    `json:"approved_by"`
	ApprovedAt   *time.Time `json:"approved_at"`
	RejectedBy   *string    `json:"rejected_by"`
	RejectedAt   *time.Time `json:"rejected_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
	AsOf         *AsOf      `json:"as_of"`
}

// Run is one training run of a version.
type Run struct {
	RunID          uuid.UUID  `json:"run_id"`
	RunName        *string    `json:"run_name"`
	ExperimentName *string    `json:"experiment_name"`
	Status         string     `json:"status"`
	Accuracy       *float64   `json:"accuracy"`
	F1Score        *float64   `json:"f1_score"`
	Loss           *float64   `json:"loss"`
	CreatedAt      *time.Time `json:"created_at"`
	StartedAt      *time.Time `json:"started_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	Datasets       []Dataset  `json:"datasets"`
	AsOf           *AsOf      `json:"as_of"`
}

// Dataset is a dataset a run read, and the role it read it in.
type Dataset struct {
	DatasetID       uuid.UUID `json:"dataset_id"`
	DatasetName     string    `json:"dataset_name"`
	Role            string    `json:"role"`
	ContainsPII     bool      `json:"contains_pii"`
	StorageLocation string    `json:"storage_location"`
	DataVersion     *string   `json:"data_version"`
	AsOf            *AsOf     `json:"as_of"`
}

// Options narrows a report.
type Options struct {
	// Version is one semantic version to report, "" for all.
	Version string
	// At reports the registry as it was at that moment, nil for now.
	At *time.Time
	// Runs lists the newest Runs runs of each version only (with a count of
	// all of them), 0 for every run.
	Runs int
}

// NotFoundError is a model, version or dataset the registry does not have,
// with the closest names it does have.
type NotFoundError struct {
	Kind    string     // "model", "version" or "dataset"
	Name    string     // of the model, for a version
	Version string     // the version a model lacks
	At      *time.Time // the moment it lacked it, for a report at a past moment
	Closest []string
}

func (e *NotFoundError) Error() string {
	if e.Kind == "version" && e.At != nil {
		return fmt.Sprintf("model %q had no version %s at %s", e.Name, e.Version, e.At.UTC().Format(time.RFC3339Nano))
	}
	if e.Kind == "version" {
		return fmt.Sprintf("model %q has no version %s", e.Name, e.Version)
	}
	if len(e.Closest) == 0 {
		return fmt.Sprintf("no %s named %q", e.Kind, e.Name)
	}
	return fmt.Sprintf("no %s named %q (closest: %s)", e.Kind, e.Name, strings.Join(e.Closest, ", "))
}

// SemverPattern is the schema's valid_semver CHECK, for checking a version
// before asking the database.
var SemverPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[a-z0-9]+)?$`)

// closestNames lists up to five names like name, for a NotFoundError.
func closestNames(name string, similar func(pattern string, limit int32) ([]string, error)) []string {
	prefix := name
	if len(prefix) > 3 {
		prefix = prefix[:3]
	}
	names, _ := similar("%"+strings.ReplaceAll(prefix, "%", "")+"%", 5)
	return names
}

// FindModel returns the model named name, or a *NotFoundError.
func FindModel(ctx context.Context, q *registrydb.Queries, name string) (registrydb.Model, error) {
	model, err := q.ModelGetByName(ctx, name)
	if errors.Is(registry.MapError(err), registry.ErrNotFound) {
		return model, &NotFoundError{Kind: "model", Name: name, Closest: closestNames(name, func(p string, n int32) ([]string, error) {
			return q.ModelListNamesLike(ctx, p, n)
		})}
	}
	return model, err
}

// Build reads the lineage of the model named model: two queries after the
// model's own lookup (BuildAt's two when opts.At is set).
func Build(ctx context.Context, q *registrydb.Queries, model string, opts Options) (Report, error) {
	if opts.Version != "" && !SemverPattern.MatchString(opts.Version) {
		return Report{}, fmt.Errorf("invalid version %q (want a semantic version like 1.2.3 or 1.2.3-rc1)", opts.Version)
	}
	if opts.Runs < 0 {
		return Report{}, fmt.Errorf("runs per version %d: want 0 (all) or more", opts.Runs)
	}
	m, err := FindModel(ctx, q, model)
	if err != nil {
		return Report{}, err
	}
	if opts.At != nil {
		return buildAt(ctx, q, m, opts)
	}
	var semver *string
	if opts.Version != "" {
		semver = &opts.Version
	}
	versions, err := q.LineageVersionsByModel(ctx, m.ModelID, semver)
	if err != nil {
		return Report{}, err
	}
	if semver != nil && len(versions) == 0 {
		return Report{}, &NotFoundError{Kind: "version", Name: m.ModelName, Version: opts.Version}
	}
	var runs []registrydb.LineageRunsByModelRow
	if opts.Runs > 0 {
		newest, err := q.LineageRunsNewestByModel(ctx, registrydb.LineageRunsNewestByModelParams{
			ModelID: m.ModelID, Semver: semver, PerVersion: int32(min(opts.Runs, 1<<30))})
		if err != nil {
			return Report{}, err
		}
		for _, r := range newest {
			runs = append(runs, registrydb.LineageRunsByModelRow(r))
		}
	} else if runs, err = q.LineageRunsByModel(ctx, m.ModelID, semver); err != nil {
		return Report{}, err
	}
	report := newReport(m, opts)
	now := time.Now()
	index := map[uuid.UUID]*Version{}
	report.Versions = make([]Version, len(versions))
	for i, v := range versions {
		out := &report.Versions[i]
		*out = Version{VersionID: v.VersionID, Semver: v.Semver, Status: v.Status, Framework: v.Framework,
			ArtifactURI: v.ArtifactURI, RegisteredAt: v.RegisteredAt, Runs: []Run{}, RunsTotal: int(v.RunsTotal)}
		if out.Deployments, err = decodeDeployments(v.Deployments); err != nil {
			return Report{}, fmt.Errorf("deployments of %s: %w", v.Semver, err)
		}
		if out.Approvals, err = decodeApprovals(v.Approvals, now); err != nil {
			return Report{}, fmt.Errorf("approvals of %s: %w", v.Semver, err)
		}
		index[v.VersionID] = out
	}
	for _, rows := range groupRuns(runs) {
		r := rows[0]
		run := Run{RunID: r.RunID, RunName: r.RunName, ExperimentName: r.ExperimentName, Status: r.Status,
			Accuracy: r.Accuracy, F1Score: r.F1Score, Loss: r.Loss,
			CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt, Datasets: []Dataset{}}
		for _, d := range rows {
			if d.DatasetID != nil {
				run.Datasets = append(run.Datasets, Dataset{DatasetID: *d.DatasetID, DatasetName: deref(d.DatasetName), Role: deref(d.DatasetRole),
					ContainsPII: d.ContainsPII != nil && *d.ContainsPII, StorageLocation: deref(d.StorageLocation), DataVersion: d.DataVersion})
			}
		}
		v := index[r.VersionID]
		v.Runs = append(v.Runs, run)
	}
	return report, nil
}

// newReport is the report's heading, before its versions.
func newReport(m registrydb.Model, opts Options) Report {
	r := Report{Schema: SchemaLineage, Model: m.ModelName, ModelID: m.ModelID, Versions: []Version{}}
	if opts.At != nil {
		at := opts.At.UTC()
		r.At = &at
	}
	if opts.Runs > 0 {
		n := opts.Runs
		r.RunsPerVersion = &n
	}
	return r
}

// linkedDeployment and linkedApproval are the elements of the JSON arrays
// LineageVersionsByModel aggregates: their keys are the query's, and the
// report's own types carry the contract's names.
type linkedDeployment struct {
	DeploymentID      uuid.UUID  `json:"deployment_id"`
	EnvironmentName   string     `json:"environment_name"`
	EnvironmentType   string     `json:"environment_type"`
	Status            string     `json:"status"`
	TrafficPercentage *int32     `json:"traffic_percentage"`
	EndpointURL       *string    `json:"endpoint_url"`
	DeployedAt        *time.Time `json:"deployed_at"`
	DeployedBy        string     `json:"deployed_by"`
	UndeployedAt      *time.Time `json:"undeployed_at"`
}

type linkedApproval struct {
	ApprovalID   uuid.UUID  `json:"approval_id"`
	ApprovalType string     `json:"approval_type"`
	Status       string     `json:"status"`
	RequestedBy  string     `json:"requested_by"`
	RequestedAt  *time.Time `json:"requested_at"`
	ApprovedBy   *string    `json:"approved_by"`
	ApprovedAt   *time.Time `json:"approved_at"`
	RejectedBy   *string    `json:"rejected_by"`
	RejectedAt   *time.Time `json:"rejected_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
}

func decodeDeployments(raw []byte) ([]Deployment, error) {
	var linked []linkedDeployment
	if err := json.Unmarshal(raw, &linked); err != nil {
		return nil, err
	}
	out := make([]Deployment, len(linked))
	for i, d := range linked {
		out[i] = Deployment{DeploymentID: d.DeploymentID, EnvironmentName: d.EnvironmentName, EnvironmentType: d.EnvironmentType,
			Status: d.Status, TrafficPercentage: d.TrafficPercentage, EndpointURL: d.EndpointURL, DeployedAt: d.DeployedAt,
			DeployedBy: d.DeployedBy, UndeployedAt: d.UndeployedAt}
	}
	return out, nil
}

func decodeApprovals(raw []byte, at time.Time) ([]Approval, error) {
	var linked []linkedApproval
	if err := json.Unmarshal(raw, &linked); err != nil {
		return nil, err
	}
	out := make([]Approval, len(linked))
	for i, a := range linked {
		out[i] = Approval{ApprovalID: a.ApprovalID, ApprovalType: a.ApprovalType, Status: decisionAt(a.Status, a.ExpiresAt, at),
			RequestedBy: a.RequestedBy, RequestedAt: a.RequestedAt, ApprovedBy: a.ApprovedBy, ApprovedAt: a.ApprovedAt,
			RejectedBy: a.RejectedBy, RejectedAt: a.RejectedAt, ExpiresAt: a.ExpiresAt}
	}
	return out, nil
}

// decisionAt is an approval's decision at a moment: a pending or approved
// approval whose expiry has come counts as expired, as the deployment rules
// count it, even before the registry marks it so (ApprovalExpireDue).
func decisionAt(status string, expiresAt *time.Time, at time.Time) string {
	if (status == "approved" || status == "pending") && expiresAt != nil && !expiresAt.After(at) {
		return "expired"
	}
	return status
}

// groupRuns splits LineageRunsByModel's rows into runs, in the query's
// order: a run's rows (one per dataset it used, or one with NULL dataset
// columns) are adjacent, as the query orders by run.
func groupRuns(rows []registrydb.LineageRunsByModelRow) [][]registrydb.LineageRunsByModelRow {
	var runs [][]registrydb.LineageRunsByModelRow
	for i, r := range rows {
		if i == 0 || r.RunID != rows[i-1].RunID {
			runs = append(runs, nil)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], r)
	}
	return runs
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
