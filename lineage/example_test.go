package lineage_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

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

// A report of a past moment: the canary's traffic as it was before a shift,
// from the audit trail, and where that value comes from.
func ExampleBuild_at() {
	ctx := context.Background()
	q := sampleRegistry()
	canary := func(r lineage.Report) lineage.Deployment {
		for _, d := range r.Versions[0].Deployments {
			if d.EnvironmentName == "canary" {
				return d
			}
		}
		return lineage.Deployment{}
	}
	now, _ := lineage.Build(ctx, q, "fraud-detector", lineage.Options{})
	before := time.Now()
	if _, err := q.DeploymentShiftTraffic(ctx, ptr(int32(40)), canary(now).DeploymentID); err != nil {
		fmt.Println(err)
		return
	}
	then, err := lineage.Build(ctx, q, "fraud-detector", lineage.Options{At: &before})
	if err != nil {
		fmt.Println(err)
		return
	}
	now, _ = lineage.Build(ctx, q, "fraud-detector", lineage.Options{})
	fmt.Printf("now: %d%%\n", *canary(now).TrafficPercentage)
	fmt.Printf("before the shift: %d%% (from the %s trail)\n", *canary(then).TrafficPercentage, canary(then).AsOf.Of("traffic_percentage"))
	// Output:
	// now: 40%
	// before the shift: 10% (from the audit trail)
}

func ptr[T any](v T) *T { return &v }

// The text tree: each child hangs from ├─ or, the last, from └─.
func ExampleWriteText() {
	name := "nightly"
	report := lineage.Report{Model: "churn", Versions: []lineage.Version{
		{Semver: "1.1.0", Status: "validated", Framework: "xgboost", RunsTotal: 3, Runs: []lineage.Run{
			{RunName: &name, Status: "succeeded", Datasets: []lineage.Dataset{{DatasetName: "events", Role: "training"}}}},
			Approvals: []lineage.Approval{{ApprovalType: "business", Status: "pending"}}},
		{Semver: "1.0.0", Status: "deployed", Framework: "xgboost"},
	}}
	if err := lineage.WriteText(os.Stdout, report); err != nil {
		fmt.Println(err)
	}
	// Output:
	// churn
	// ├─ 1.1.0 [validated, xgboost]
	// │  ├─ run nightly [succeeded] accuracy - f1 -
	// │  │  └─ training: events
	// │  ├─ ... and 2 older runs (--runs all lists every run)
	// │  └─ approval business: pending
	// └─ 1.0.0 [deployed, xgboost]
}
