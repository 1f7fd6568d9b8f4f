package integrity_test

import (
	"context"
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestRunSnapshot runs every check on the sample registry (clean: only its
// three known warnings), then on the same registry with one training run
// whose version is gone, loaded the way a restore with triggers off would:
// the report must name it as an error and no longer be OK.
func TestRunSnapshot(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	err := registry.WithTx(ctx, pool, registry.TxOptions{Actor: "test"}, func(q *registrydb.Queries) error {
		_, err := seed.Sample(ctx, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clean, err := integrity.RunSnapshot(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if !clean.OK() || clean.Errors != 0 || clean.Checks != len(integrity.Checks()) {
		t.Fatalf("the sample registry is clean of errors, got %+v", clean)
	}
	warned := map[string]bool{}
	for _, f := range clean.Findings {
		if f.Severity != integrity.SeverityWarning {
			t.Errorf("unexpected finding on the sample: %+v", f)
		}
		warned[f.Check] = true
	}
	for _, want := range []string{"pii-datasets-in-production", "stale-datasets", "models-without-versions"} {
		if !warned[want] {
			t.Errorf("the sample should warn %s; findings %+v", want, clean.Findings)
		}
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO training_runs (version_id, run_name, status)
		VALUES ('00000000-0000-0000-0000-00000000dead', 'ghost-run', 'queued')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	broken, err := integrity.RunSnapshot(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if broken.OK() || broken.Errors != 1 || broken.Warnings() != clean.Warnings() {
		t.Fatalf("one orphaned run should be one error: %+v", broken)
	}
	var orphan integrity.Finding
	for _, f := range broken.Findings {
		if f.Severity == integrity.SeverityError {
			orphan = f
		}
	}
	if orphan.Check != "orphaned-runs" || orphan.Subject == "" || orphan.Detail == "" {
		t.Errorf("the error finding: %+v", orphan)
	}
}
