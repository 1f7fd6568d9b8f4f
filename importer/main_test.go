package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/sourcestore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// pool opens a pool on url, closed when the test ends.
func pool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// newRegistry is a migrated registry database of the test's own.
func newRegistry(t *testing.T) *pgxpool.Pool { return pool(t, pgtest.NewURL(t)) }

// newSource is an empty database of the test's own, for a source.
func newSource(t *testing.T) *pgxpool.Pool { return pool(t, pgtest.NewEmptyURL(t)) }

// legacySource is a source holding Exercise 01's table and its 20 rows.
func legacySource(t *testing.T) *pgxpool.Pool {
	t.Helper()
	src := newSource(t)
	if err := sourcestore.CreateLegacy(context.Background(), src, nil); err != nil {
		t.Fatal(err)
	}
	return src
}

// mlflowSource is a source holding the awkward MLflow store of a layout.
func mlflowSource(t *testing.T, v sourcestore.Variant) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	src := newSource(t)
	if err := sourcestore.CreateMLflow(ctx, src, v); err != nil {
		t.Fatal(err)
	}
	if err := sourcestore.FillAwkward(ctx, src, v); err != nil {
		t.Fatal(err)
	}
	return src
}

func exec(t *testing.T, db *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// tableCounts counts the rows of every table of the registry, the audit
// trail included: two calls compare whole registries.
func tableCounts(t *testing.T, db *pgxpool.Pool) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	tables, err := registrydb.New(db).CatalogTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := db.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func auditRows(t *testing.T, db *pgxpool.Pool) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM audit_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// mustImport fails the test at once on an import's error:
// mustImport(t)(importer.X(...)).
func mustImport(t *testing.T) func(importer.Report, error) importer.Report {
	return func(r importer.Report, err error) importer.Report {
		t.Helper()
		if err != nil {
			js, _ := json.MarshalIndent(r, "", "  ")
			t.Fatalf("import: %v\n%s", err, js)
		}
		checkBalanced(t, r)
		return r
	}
}

// checkBalanced checks every entity's rows add up to what was read.
func checkBalanced(t *testing.T, r importer.Report) {
	t.Helper()
	for name, e := range r.Entities {
		sum := e.Imported + e.AlreadyPresent + e.Updated + e.OutOfScope + int64(len(e.Skipped)) + int64(len(e.Refused))
		if sum != e.Read {
			t.Errorf("%s: read %d, but imported %d + present %d + updated %d + out of scope %d + skipped %d + refused %d = %d",
				name, e.Read, e.Imported, e.AlreadyPresent, e.Updated, e.OutOfScope, len(e.Skipped), len(e.Refused), sum)
		}
	}
}

func auditMaxID(t *testing.T, db *pgxpool.Pool) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), "SELECT COALESCE(max(audit_id), 0) FROM audit_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// counts is an entity's numbers, for compact comparisons.
type counts struct{ read, imported, present, updated, outOfScope, skipped, refused int64 }

func countsOf(e *importer.EntityReport) counts {
	if e == nil {
		return counts{}
	}
	return counts{e.Read, e.Imported, e.AlreadyPresent, e.Updated, e.OutOfScope, int64(len(e.Skipped)), int64(len(e.Refused))}
}

func wantCounts(t *testing.T, r importer.Report, want map[string]counts) {
	t.Helper()
	for name, w := range want {
		if got := countsOf(r.Entities[name]); got != w {
			t.Errorf("%s: got %+v, want %+v", name, got, w)
		}
	}
}

// refusal returns the *RefusedError err is.
func refusal(t *testing.T, err error) *importer.RefusedError {
	t.Helper()
	var refused *importer.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("want a *importer.RefusedError, got %v", err)
	}
	checkBalanced(t, refused.Report)
	return refused
}

// sameReport compares two reports but for the fields a dry run changes.
func sameReport(t *testing.T, dry, real importer.Report) {
	t.Helper()
	dry.DryRun, dry.Committed = real.DryRun, real.Committed
	a, _ := json.MarshalIndent(dry, "", " ")
	b, _ := json.MarshalIndent(real, "", " ")
	if string(a) != string(b) {
		t.Errorf("the dry run's report differs from the real run's:\n%s\n---\n%s", a, b)
	}
}

// progressLog records Progress calls.
type progressLog struct {
	mu     sync.Mutex
	stages map[string][2]int64 // last done, total
	calls  int
}

func (p *progressLog) fn(stage string, done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stages == nil {
		p.stages = map[string][2]int64{}
	}
	p.stages[stage] = [2]int64{done, total}
	p.calls++
}

func notes(list []importer.RowNote) string {
	var s []string
	for _, n := range list {
		s = append(s, fmt.Sprintf("%s: %s", n.Source, n.Reason))
	}
	return strings.Join(s, "\n")
}

func deepEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}
