package integrity_test

import (
	"context"
	"fmt"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

// Every check on one snapshot of the registry, from a program of one's own.
func ExampleRunSnapshot() {
	ctx := context.Background()
	url, err := pgtest.NewURLForMain()
	if err != nil {
		fmt.Println(err)
		return
	}
	pool, err := registry.Open(ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: "example"}, func(q *registrydb.Queries) error {
		_, err := seed.Sample(ctx, q)
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := integrity.RunSnapshot(ctx, pool)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d checks, ok: %v, %d errors, %d warnings\n", report.Checks, report.OK(), report.Errors, report.Warnings())
	for _, f := range report.Findings {
		fmt.Println(f.Severity, f.Check, f.Subject)
	}
	// Output:
	// 13 checks, ok: true, 0 errors, 4 warnings
	// warning pii-datasets-in-production transaction-logs
	// warning pii-datasets-in-production transaction-logs
	// warning stale-datasets user-interactions
	// warning models-without-versions churn-predictor
}
