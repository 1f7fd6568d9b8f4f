package db_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestForeignKeysAreIndexed: every foreign key's columns lead some index of
// its table, so that joining on it and deleting (or cascading from) the
// parent never scans the child table.
func TestForeignKeysAreIndexed(t *testing.T) {
	pool := pgtest.NewPool(t)
	unindexed := catalogQuery(t, pool, `
		SELECT c.conrelid::regclass::text || '.' || c.conname
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
		  AND NOT (SELECT relispartition FROM pg_class WHERE oid = c.conrelid)
		  AND NOT EXISTS (
		      SELECT 1 FROM pg_index i
		      WHERE i.indrelid = c.conrelid
		        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
		        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
		ORDER BY 1`)
	for _, fk := range unindexed {
		t.Errorf("foreign key %s has no index led by its columns", fk)
	}
	if n := len(catalogQuery(t, pool, `SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`)); n < 20 {
		t.Fatalf("read only %d foreign keys", n)
	}
}

// TestIntegrityChecksUseAntiJoins: NOT IN (subquery) returns no row at all
// once the subquery yields a NULL, and plans badly; the checks use NOT EXISTS.
func TestIntegrityChecksUseAntiJoins(t *testing.T) {
	files, err := filepath.Glob("../queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no query files: %v", err)
	}
	notIn := regexp.MustCompile(`(?is)\bNOT\s+IN\s*\(\s*SELECT\b`)
	for _, f := range files {
		sql, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := notIn.FindIndex(sql); loc != nil {
			t.Errorf("%s: NOT IN (SELECT ...) at byte %d; write NOT EXISTS", f, loc[0])
		}
	}
}
