package queries_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestMigrationBookkeeping: the queries the migrate package keeps dbmate's
// schema_migrations with. An empty database has no bookkeeping; once the
// table exists, recorded versions are listed in order and forgotten ones
// are gone; a table is found by name, a missing one is not.
func TestMigrationBookkeeping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewEmptyURL(t))
	must(t, err)
	defer conn.Close(ctx)
	q := registrydb.New(conn)

	present, err := q.MigrationBookkeepingExists(ctx)
	must(t, err)
	if present {
		t.Fatal("an empty database has no schema_migrations")
	}
	if exists, err := q.MigrationTableExists(ctx, "schema_migrations"); err != nil || exists {
		t.Fatalf("MigrationTableExists on an empty database = %v, %v", exists, err)
	}
	_, err = conn.Exec(ctx, "CREATE TABLE schema_migrations (version varchar PRIMARY KEY)")
	must(t, err)
	present, err = q.MigrationBookkeepingExists(ctx)
	must(t, err)
	if !present {
		t.Fatal("schema_migrations exists now")
	}
	if exists, err := q.MigrationTableExists(ctx, "public.schema_migrations"); err != nil || !exists {
		t.Fatalf("MigrationTableExists(public.schema_migrations) = %v, %v", exists, err)
	}
	for _, v := range []string{"20250102000000", "20250101000000", "20250103000000"} {
		must(t, q.MigrationVersionRecord(ctx, v))
	}
	must(t, q.MigrationVersionForget(ctx, "20250102000000"))
	applied, err := q.MigrationVersionsApplied(ctx)
	must(t, err)
	if want := []string{"20250101000000", "20250103000000"}; !slices.Equal(applied, want) {
		t.Fatalf("applied %v, want %v", applied, want)
	}
	if err := q.MigrationVersionRecord(ctx, "20250101000000"); err == nil {
		t.Fatal("a version recorded twice must be refused")
	}
}
