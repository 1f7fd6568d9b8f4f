package lineage_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// sampleRegistry is a migrated database with the sample registry, for examples.
func sampleRegistry() *registrydb.Queries {
	ctx := context.Background()
	url, err := pgtest.NewURLForMain()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pool, err := registry.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: "example"}, func(q *registrydb.Queries) error {
		_, err := seed.Sample(ctx, q)
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return registrydb.New(pool)
}

// A lineage report in a few calls: the model's versions, newest first,
// with their runs, deployments and approvals.
func ExampleBuild() {
	ctx := context.Background()
	q := sampleRegistry()
	report, err := lineage.Build(ctx, q, "fraud-detector", lineage.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range report.Versions {
		fmt.Printf("%s %s: %d runs, %d deployments, %d approvals\n", v.Semver, v.Status, len(v.Runs), len(v.Deployments), len(v.Approvals))
	}
	_, err = lineage.Build(ctx, q, "fraud-detektor", lineage.Options{})
	fmt.Println(err)
	// Output:
	// 10.0.0-beta validated: 1 runs, 1 deployments, 1 approvals
	// 2.0.0 deployed: 1 runs, 3 deployments, 3 approvals
	// no model named "fraud-detektor" (closest: fraud-detector)
}
