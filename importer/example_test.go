package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/sourcestore"
)

// exampleRegistry stands for the application's DATABASE_URL: a new
// migrated database of the test server, dropped when the tests end.
func exampleRegistry(ctx context.Context) *pgxpool.Pool {
	url, err := pgtest.NewURLForMain()
	if err != nil {
		panic(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		panic(err)
	}
	return pool
}

// Import Exercise 01's training_runs table. Here the legacy table lives in
// a schema of the registry's own database; --table names it. Importing it
// again finds every row already present and writes nothing.
func ExampleTrainingRuns() {
	ctx := context.Background()
	registryDB := exampleRegistry(ctx)
	defer registryDB.Close()
	if _, err := registryDB.Exec(ctx, "CREATE SCHEMA legacy"); err != nil {
		panic(err)
	}
	if err := sourcestore.CreateLegacy(ctx, registryDB, pgx.Identifier{"legacy", "training_runs"}); err != nil {
		panic(err)
	}
	source := registryDB

	report, err := importer.TrainingRuns(ctx, source, registryDB, "legacy.training_runs", importer.Options{Actor: "migration-2025"})
	var refused *importer.RefusedError
	if errors.As(err, &refused) {
		fmt.Println("refused, nothing written:", refused)
		return
	} else if err != nil {
		panic(err)
	}
	for _, entity := range []string{"models", "model_versions", "experiments", "datasets", "training_runs", "run_datasets"} {
		e := report.Entities[entity]
		fmt.Printf("%-15s read %d, imported %d\n", entity, e.Read, e.Imported)
	}
	fmt.Println("committed:", report.Committed, "integrity errors:", report.Validation.Integrity.Errors)

	again, err := importer.TrainingRuns(ctx, source, registryDB, "legacy.training_runs", importer.Options{Actor: "migration-2025"})
	if err != nil {
		panic(err)
	}
	fmt.Println("again:", again.Entities["training_runs"].AlreadyPresent, "runs already present,", again.Entities["training_runs"].Imported, "imported")
	// Output:
	// models          read 20, imported 20
	// model_versions  read 20, imported 20
	// experiments     read 20, imported 20
	// datasets        read 20, imported 20
	// training_runs   read 20, imported 20
	// run_datasets    read 20, imported 20
	// committed: true integrity errors: 0
	// again: 20 runs already present, 0 imported
}

// Export a registry as JSON lines and read it into an empty one: the same
// rows, ids included.
func ExampleExportJSONL() {
	ctx := context.Background()
	from, to := exampleRegistry(ctx), exampleRegistry(ctx)
	defer from.Close()
	defer to.Close()
	if _, err := from.Exec(ctx, "CREATE SCHEMA legacy"); err != nil {
		panic(err)
	}
	if err := sourcestore.CreateLegacy(ctx, from, pgx.Identifier{"legacy", "training_runs"}); err != nil {
		panic(err)
	}
	if _, err := importer.TrainingRuns(ctx, from, from, "legacy.training_runs", importer.Options{}); err != nil {
		panic(err)
	}

	var export bytes.Buffer
	if err := importer.ExportJSONL(ctx, from, &export, "resnet50-classification"); err != nil {
		panic(err)
	}
	report, err := importer.JSONL(ctx, &export, to, importer.Options{})
	if err != nil {
		panic(err)
	}
	for _, entity := range []string{"models", "model_versions", "training_runs", "datasets", "environments"} {
		e := report.Entities[entity]
		fmt.Printf("%-15s imported %d, already present %d\n", entity, e.Imported, e.AlreadyPresent)
	}
	// Output:
	// models          imported 1, already present 0
	// model_versions  imported 1, already present 0
	// training_runs   imported 1, already present 0
	// datasets        imported 1, already present 0
	// environments    imported 0, already present 0
}
