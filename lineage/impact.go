package lineage

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/schemas"
)

// SchemaImpact is the $id of schemas/v1/impact.json.
const SchemaImpact = schemas.Base + "v1/impact.json"

// ImpactReport is what depends on a dataset: every run that read it, and
// the active deployments of the versions those runs trained. `mlreg impact
// --format json` writes it (schemas/v1/impact.json).
type ImpactReport struct {
	Schema            string             `json:"schema"`
	Dataset           string             `json:"dataset"`
	DatasetID         uuid.UUID          `json:"dataset_id"`
	ContainsPII       bool               `json:"contains_pii"`
	Runs              []ImpactRun        `json:"runs"`
	ActiveDeployments []ImpactDeployment `json:"active_deployments"`
}

// ImpactRun is a run that read the dataset, in Role, and the version it trained.
type ImpactRun struct {
	Model         string    `json:"model"`
	VersionID     uuid.UUID `json:"version_id"`
	Semver        string    `json:"semver"`
	VersionStatus string    `json:"version_status"`
	RunID         uuid.UUID `json:"run_id"`
	RunName       *string   `json:"run_name"`
	Status        string    `json:"status"`
	Role          string    `json:"role"`
}

// ImpactDeployment is an active deployment of a version trained on the dataset.
type ImpactDeployment struct {
	Model             string    `json:"model"`
	VersionID         uuid.UUID `json:"version_id"`
	Semver            string    `json:"semver"`
	DeploymentID      uuid.UUID `json:"deployment_id"`
	EnvironmentName   string    `json:"environment_name"`
	EnvironmentType   string    `json:"environment_type"`
	TrafficPercentage *int32    `json:"traffic_percentage"`
	EndpointURL       *string   `json:"endpoint_url"`
}

// Impact reads what depends on the dataset named dataset, or returns a
// *NotFoundError.
func Impact(ctx context.Context, q *registrydb.Queries, dataset string) (ImpactReport, error) {
	ds, err := q.DatasetGetByName(ctx, dataset)
	if errors.Is(registry.MapError(err), registry.ErrNotFound) {
		return ImpactReport{}, &NotFoundError{Kind: "dataset", Name: dataset, Closest: closestNames(dataset, func(p string, n int32) ([]string, error) {
			return q.DatasetListNamesLike(ctx, p, n)
		})}
	} else if err != nil {
		return ImpactReport{}, err
	}
	runs, err := q.ImpactRunsByDataset(ctx, ds.DatasetID)
	if err != nil {
		return ImpactReport{}, err
	}
	deps, err := q.ImpactActiveDeploymentsByDataset(ctx, ds.DatasetID)
	if err != nil {
		return ImpactReport{}, err
	}
	im := ImpactReport{Schema: SchemaImpact, Dataset: ds.DatasetName, DatasetID: ds.DatasetID,
		ContainsPII: ds.ContainsPII != nil && *ds.ContainsPII,
		Runs:        make([]ImpactRun, len(runs)), ActiveDeployments: make([]ImpactDeployment, len(deps))}
	for i, r := range runs {
		im.Runs[i] = ImpactRun{Model: r.ModelName, VersionID: r.VersionID, Semver: r.Semver, VersionStatus: r.VersionStatus,
			RunID: r.RunID, RunName: r.RunName, Status: r.RunStatus, Role: r.DatasetRole}
	}
	for i, d := range deps {
		im.ActiveDeployments[i] = ImpactDeployment{Model: d.ModelName, VersionID: d.VersionID, Semver: d.Semver,
			DeploymentID: d.DeploymentID, EnvironmentName: d.EnvironmentName, EnvironmentType: d.EnvironmentType,
			TrafficPercentage: d.TrafficPercentage, EndpointURL: d.EndpointURL}
	}
	return im, nil
}

// WriteImpactText writes an impact report as a summary line and a line per
// run and active deployment.
func WriteImpactText(w io.Writer, im ImpactReport) error {
	pii := ""
	if im.ContainsPII {
		pii = " (contains PII)"
	}
	fmt.Fprintf(w, "%s%s is used by %d runs and reaches %d active deployments\n", im.Dataset, pii, len(im.Runs), len(im.ActiveDeployments))
	for _, r := range im.Runs {
		name := "(unnamed)"
		if r.RunName != nil {
			name = printable(*r.RunName)
		}
		fmt.Fprintf(w, "  run %s [%s] as %s -> %s %s [%s]\n", name, r.Status, r.Role, r.Model, r.Semver, r.VersionStatus)
	}
	for _, d := range im.ActiveDeployments {
		traffic := "-"
		if d.TrafficPercentage != nil {
			traffic = fmt.Sprintf("%d%%", *d.TrafficPercentage)
		}
		fmt.Fprintf(w, "  active: %s %s in %s (%s, %s traffic)\n", d.Model, d.Semver, d.EnvironmentName, d.EnvironmentType, traffic)
	}
	return nil
}
