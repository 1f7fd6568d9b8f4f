package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// Impact is what `mlreg impact --format json` writes.
type Impact struct {
	Dataset           string                                           `json:"dataset"`
	ContainsPII       bool                                             `json:"contains_pii"`
	Runs              []registrydb.ImpactRunsByDatasetRow              `json:"runs"`
	ActiveDeployments []registrydb.ImpactActiveDeploymentsByDatasetRow `json:"active_deployments"`
}

func cmdImpact(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("impact", flag.ContinueOnError)
	format := fs.String("format", "text", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("impact takes one dataset name")
	}
	if *format != "text" && *format != "json" {
		return usagef("unknown format %q for impact (want text or json)", *format)
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	q := registrydb.New(pool)
	ds, err := q.DatasetGetByName(ctx, rest[0])
	if errors.Is(registry.MapError(err), registry.ErrNotFound) {
		return unknownName("dataset", rest[0], func(p string) ([]string, error) { return q.DatasetListNamesLike(ctx, p, 5) })
	} else if err != nil {
		return err
	}
	runs, err := q.ImpactRunsByDataset(ctx, ds.DatasetID)
	if err != nil {
		return err
	}
	deps, err := q.ImpactActiveDeploymentsByDataset(ctx, ds.DatasetID)
	if err != nil {
		return err
	}
	im := Impact{Dataset: ds.DatasetName, ContainsPII: ds.ContainsPII != nil && *ds.ContainsPII, Runs: runs, ActiveDeployments: deps}
	if *format == "json" {
		return renderJSON(e.out, im)
	}
	renderImpactText(e.out, im)
	return nil
}

func renderImpactText(w io.Writer, im Impact) {
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
}
