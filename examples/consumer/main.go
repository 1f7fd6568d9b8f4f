// Command consumer is a program outside the registry that imports its
// packages, as other services do: it lists the latest version of every
// model, runs the integrity checks, and prints the lineage of the model
// named on its command line, with a few calls and no subprocess. Its module
// graph holds pgx, uuid and what they bring, never the registry's tools
// (`make consumer` checks it).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/registry"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string) error {
	pool, err := registry.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer pool.Close()
	q := registrydb.New(pool)

	latest, err := q.ModelVersionListLatest(ctx, "", 100)
	if err != nil {
		return err
	}
	for _, v := range latest {
		fmt.Printf("%s %s (%s)\n", v.ModelName, v.Semver, v.VersionStatus)
	}

	report, err := integrity.RunSnapshot(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Printf("integrity: %d checks, %d errors, %d warnings\n", report.Checks, report.Errors, report.Warnings())

	if len(args) == 1 {
		l, err := lineage.Build(ctx, q, args[0], lineage.Options{})
		if err != nil {
			return err
		}
		return lineage.WriteText(os.Stdout, l)
	}
	return nil
}
