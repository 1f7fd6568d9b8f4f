package lineage

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// ImpactReport is what depends on a dataset: every run that read it, and
// the active deployments of the versions those runs trained.
type ImpactReport struct {
	Dataset           string                                           `json:"dataset"`
	ContainsPII       bool                                             `json:"contains_pii"`
	Runs              []registrydb.ImpactRunsByDatasetRow              `json:"runs"`
	ActiveDeployments []registrydb.ImpactActiveDeploymentsByDatasetRow `json:"active_deployments"`
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
	return ImpactReport{Dataset: ds.DatasetName, ContainsPII: ds.ContainsPII != nil && *ds.ContainsPII, Runs: runs, ActiveDeployments: deps}, nil
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
		fmt.Fprintf(w, "  run %s [%s] as %s -> %s %s [%s]\n", deref(r.RunName), r.RunStatus, r.DatasetRole, r.ModelName, r.Semver, r.VersionStatus)
	}
	for _, d := range im.ActiveDeployments {
		fmt.Fprintf(w, "  active: %s %s in %s (%s, %d%% traffic)\n", d.ModelName, d.Semver, d.EnvironmentName, d.EnvironmentType, derefInt(d.TrafficPercentage))
	}
	return nil
}
