package migrate_test

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"testing"

	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/migrate"
)

// TestSameSchemaAsDbmate: the dbmate binary pinned in tools/go.mod (what
// `make migrate` runs) and this package, each applying db/migrations to an
// empty database, leave the same schema (pg_dump --schema-only, byte for
// byte but for the volatile header lines) and the same schema_migrations
// rows; and each accepts the other's database as fully migrated.
func TestSameSchemaAsDbmate(t *testing.T) {
	ctx := context.Background()
	byDbmate, byUs := pgtest.NewEmptyURL(t), pgtest.NewEmptyURL(t)
	dbmate := exec.Command("go", "tool", "-modfile=../tools/go.mod", "dbmate", "--url", byDbmate,
		"--migrations-dir", "../db/migrations", "--no-dump-schema", "up")
	if out, err := dbmate.CombinedOutput(); err != nil {
		t.Fatalf("dbmate up: %v\n%s", err, out)
	}
	if err := migrate.Up(ctx, byUs, nil); err != nil {
		t.Fatal(err)
	}
	if a, b := schemaDump(t, byDbmate), schemaDump(t, byUs); !bytes.Equal(a, b) {
		t.Fatalf("the schemas differ:\n--- dbmate\n%s\n--- migrate\n%s", a, b)
	}
	versions := "SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations"
	if a, b := queryString(t, byDbmate, versions), queryString(t, byUs, versions); a != b || a == "" {
		t.Fatalf("schema_migrations differ: dbmate %q, migrate %q", a, b)
	}
	m, err := migrate.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := m.Status(ctx, byDbmate); err != nil || len(st.Pending) != 0 || len(st.Unknown) != 0 {
		t.Fatalf("our status of dbmate's database: %+v, %v", st, err)
	}
	status := exec.Command("go", "tool", "-modfile=../tools/go.mod", "dbmate", "--url", byUs,
		"--migrations-dir", "../db/migrations", "status", "--exit-code")
	if out, err := status.CombinedOutput(); err != nil {
		t.Fatalf("dbmate status of our database: %v\n%s", err, out)
	}
}

// volatile are the lines of a dump that differ between two dumps of one
// schema: the server and pg_dump versions, and \restrict keys.
var volatile = regexp.MustCompile(`(?m)^(\\(un)?restrict [A-Za-z0-9]+|-- Dumped (from|by) .*)\n`)

func schemaDump(t *testing.T, url string) []byte {
	t.Helper()
	out, err := exec.Command("pg_dump", "--schema-only", "--no-owner", "--no-privileges", "--dbname", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return volatile.ReplaceAll(out, nil)
}

func queryString(t *testing.T, url, sql string) string {
	t.Helper()
	var s *string
	conn := connectTo(t, url)
	if err := conn.QueryRow(context.Background(), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if s == nil {
		return ""
	}
	return *s
}
