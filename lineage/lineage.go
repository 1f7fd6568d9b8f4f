// Package lineage assembles a model's lineage from the registry: its
// versions, the training runs behind each and the datasets they read, where
// each version is deployed and which approvals it holds; and what depends on
// a dataset (Impact). Reports render as text, JSON, Graphviz DOT and Mermaid.
//
// A lineage is read in a fixed number of queries, whatever the size of the
// model (see queries/lineage.sql).
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
)

// Report is a model's lineage; `mlreg lineage --format json` writes it.
// Its field names are stable; new fields may be added.
type Report struct {
	Model    string     `json:"model"`
	ModelID  uuid.UUID  `json:"model_id"`
	At       *time.Time `json:"at,omitempty"`
	Versions []Version  `json:"versions"`
}

// Version is one model version and what hangs off it.
type Version struct {
	VersionID   uuid.UUID    `json:"version_id"`
	Semver      string       `json:"semver"`
	Status      string       `json:"status"`
	Framework   string       `json:"framework"`
	ArtifactURI string       `json:"artifact_uri"`
	Runs        []Run        `json:"runs"`
	Deployments []Deployment `json:"deployments"`
	Approvals   []Approval   `json:"approvals"`
}

// Deployment is one element of the deployments array that
// LineageVersionsByModel aggregates; the JSON keys are the query's.
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
}

// Approval is one element of the approvals array of LineageVersionsByModel.
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
}

// Run is one training run of a version.
type Run struct {
	RunID          uuid.UUID  `json:"run_id"`
	Name           *string    `json:"run_name"`
	ExperimentName *string    `json:"experiment_name"`
	Status         string     `json:"status"`
	Accuracy       *float64   `json:"accuracy"`
	F1Score        *float64   `json:"f1_score"`
	Loss           *float64   `json:"loss"`
	CreatedAt      *time.Time `json:"created_at"`
	StartedAt      *time.Time `json:"started_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	Datasets       []Dataset  `json:"datasets"`
}

// Dataset is a dataset a run read, and the role it read it in.
type Dataset struct {
	DatasetID       uuid.UUID `json:"dataset_id"`
	Name            string    `json:"dataset_name"`
	Role            string    `json:"role"`
	ContainsPII     bool      `json:"contains_pii"`
	StorageLocation string    `json:"storage_location"`
	DataVersion     *string   `json:"data_version"`
}

// Options narrows a report.
type Options struct {
	// Version is one semantic version to report, "" for all.
	Version string
	// At keeps only the deployments live at that moment, nil for all.
	At *time.Time
}

// NotFoundError is a model, version or dataset the registry does not have,
// with the closest names it does have.
type NotFoundError struct {
	Kind    string // "model", "version" or "dataset"
	Name    string // of the model, for a version
	Version string // the version a model lacks
	Closest []string
}

func (e *NotFoundError) Error() string {
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

// Build reads the lineage of the model named model in two queries after
// the model's own lookup.
func Build(ctx context.Context, q *registrydb.Queries, model string, opts Options) (Report, error) {
	if opts.Version != "" && !SemverPattern.MatchString(opts.Version) {
		return Report{}, fmt.Errorf("invalid version %q (want a semantic version like 1.2.3 or 1.2.3-rc1)", opts.Version)
	}
	m, err := FindModel(ctx, q, model)
	if err != nil {
		return Report{}, err
	}
	var semver *string
	if opts.Version != "" {
		semver = &opts.Version
	}
	versions, err := q.LineageVersionsByModel(ctx, registrydb.LineageVersionsByModelParams{ModelID: m.ModelID, Semver: semver, At: opts.At})
	if err != nil {
		return Report{}, err
	}
	if semver != nil && len(versions) == 0 {
		return Report{}, &NotFoundError{Kind: "version", Name: m.ModelName, Version: opts.Version}
	}
	runs, err := q.LineageRunsByModel(ctx, m.ModelID, semver)
	if err != nil {
		return Report{}, err
	}
	report := Report{Model: m.ModelName, ModelID: m.ModelID, At: opts.At, Versions: make([]Version, len(versions))}
	index := map[uuid.UUID]*Version{}
	for i, v := range versions {
		out := &report.Versions[i]
		*out = Version{VersionID: v.VersionID, Semver: v.Semver, Status: v.Status, Framework: v.Framework,
			ArtifactURI: v.ArtifactURI, Runs: []Run{}}
		if err := json.Unmarshal(v.Deployments, &out.Deployments); err != nil {
			return Report{}, fmt.Errorf("deployments of %s: %w", v.Semver, err)
		}
		if err := json.Unmarshal(v.Approvals, &out.Approvals); err != nil {
			return Report{}, fmt.Errorf("approvals of %s: %w", v.Semver, err)
		}
		index[v.VersionID] = out
	}
	for _, rows := range groupRuns(runs) {
		r := rows[0]
		run := Run{RunID: r.RunID, Name: r.RunName, ExperimentName: r.ExperimentName, Status: r.Status,
			Accuracy: r.Accuracy, F1Score: r.F1Score, Loss: r.Loss,
			CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt, Datasets: []Dataset{}}
		for _, d := range rows {
			if d.DatasetID != nil {
				run.Datasets = append(run.Datasets, Dataset{DatasetID: *d.DatasetID, Name: deref(d.DatasetName), Role: deref(d.DatasetRole),
					ContainsPII: d.ContainsPII != nil && *d.ContainsPII, StorageLocation: deref(d.StorageLocation), DataVersion: d.DataVersion})
			}
		}
		v := index[r.VersionID]
		v.Runs = append(v.Runs, run)
	}
	return report, nil
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
