package queries_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// guardedTables are the tables that grow with the registry: a query that
// looks up or lists by a key must reach them through an index.
var guardedTables = map[string]bool{
	"training_runs": true, "run_datasets": true, "deployments": true, "model_versions": true,
}

// fullScanQueries read whole tables by design; each says why.
var fullScanQueries = map[string]string{
	"Integrity": "integrity checks examine every row, so that rows which bypassed the constraints are found",
	"Report":    "the exercise's reports aggregate over the whole registry",
	// The baseline `mlreg bench` holds check against: a count of every run.
	"TrainingRunCount": "counts every run, on purpose",
	// mlreg export of the whole registry: every row, a keyset page at a time.
	"ModelVersionExportAll": "exports every version",
	"TrainingRunExportAll":  "exports every run",
	"RunDatasetExportAll":   "exports every dataset link",
	"DeploymentExportAll":   "exports every deployment",
}

func scansByDesign(name string) bool {
	for prefix := range fullScanQueries {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// generatedQuery is one query as sqlc compiled it, with $n parameters.
type generatedQuery struct{ name, sql string }

var queryHeader = regexp.MustCompile(`^-- name: (\w+) :(\w+)`)

// generatedQueries reads the SQL constants of gen/registrydb, skipping
// :copyfrom queries (COPY has no plan).
func generatedQueries(t *testing.T) []generatedQuery {
	t.Helper()
	files, err := filepath.Glob("../gen/registrydb/*.sql.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated query files: %v", err)
	}
	var out []generatedQuery
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if m := queryHeader.FindStringSubmatch(s); m != nil && m[2] != "copyfrom" {
				out = append(out, generatedQuery{name: m[1], sql: s})
			}
			return true
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// seqScans returns the guarded tables a query reads whole when the planner
// is told to avoid sequential scans (enable_seqscan = off): what remains is a
// scan no index can replace, a Seq Scan or a walk of a whole unrelated index. The plan is the generic one, for any
// parameter values, as a prepared statement run many times gets.
func seqScans(ctx context.Context, t *testing.T, pool *pgxpool.Pool, shapes map[string]indexShape, q generatedQuery) []string {
	t.Helper()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL plan_cache_mode = force_generic_plan"} {
		if _, err := tx.Exec(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	stmt, err := tx.Conn().Prepare(ctx, "plan_"+strings.ToLower(q.name), q.sql)
	if err != nil {
		t.Fatalf("%s: prepare: %v", q.name, err)
	}
	nulls := strings.TrimSuffix(strings.Repeat("NULL, ", len(stmt.ParamOIDs)), ", ")
	explain := fmt.Sprintf("EXPLAIN (FORMAT JSON) EXECUTE %s", stmt.Name)
	if nulls != "" {
		explain += "(" + nulls + ")"
	}
	var plan []struct {
		Plan planNode `json:"Plan"`
	}
	var raw []byte
	if err := tx.QueryRow(ctx, explain, pgx.QueryExecModeSimpleProtocol).Scan(&raw); err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
	if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
		t.Fatalf("%s: plan %s: %v", q.name, raw, err)
	}
	var scans []string
	plan[0].Plan.walk(func(n planNode) {
		table := n.RelationName
		if n.NodeType == "Bitmap Index Scan" {
			table = shapes[n.IndexName].table
		}
		if guardedTables[table] && n.fullScan(shapes) {
			scans = append(scans, table)
		}
	})
	return scans
}

type planNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	IndexCond    string     `json:"Index Cond"`
	Plans        []planNode `json:"Plans"`
}

// indexShape is what the guard needs to know of an index.
type indexShape struct {
	table         string
	leadingColumn string
	partial       bool
}

// indexShapes reads every index of the public schema.
func indexShapes(ctx context.Context, t *testing.T, pool *pgxpool.Pool) map[string]indexShape {
	t.Helper()
	rows, err := pool.Query(ctx, `
		SELECT c.relname, i.indrelid::regclass::text, a.attname, i.indpred IS NOT NULL
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		WHERE c.relnamespace = 'public'::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]indexShape{}
	for rows.Next() {
		var name string
		var s indexShape
		if err := rows.Scan(&name, &s.table, &s.leadingColumn, &s.partial); err != nil {
			t.Fatal(err)
		}
		shapes[name] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return shapes
}

// fullScan: a sequential scan, or an index scan that walks a whole index, or
// an unbounded part of it: no equality on the index's leading column (a
// range such as created_at <= $1 reads every older row). A partial index
// (idx_deployments_active) is accepted whole: its predicate bounds the scan
// to the rows it keeps.
func (n planNode) fullScan(shapes map[string]indexShape) bool {
	switch n.NodeType {
	case "Seq Scan":
		return true
	case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
		shape := shapes[n.IndexName]
		if shape.partial {
			return false
		}
		return !regexp.MustCompile(`\b` + regexp.QuoteMeta(shape.leadingColumn) + ` = `).MatchString(n.IndexCond)
	}
	return false
}

func (n planNode) walk(visit func(planNode)) {
	visit(n)
	for _, c := range n.Plans {
		c.walk(visit)
	}
}

// unindexedQueries lists each query that scans a guarded table sequentially.
func unindexedQueries(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	ctx := context.Background()
	var found []string
	shapes := indexShapes(ctx, t, pool)
	queries := generatedQueries(t)
	if len(queries) < 100 {
		t.Fatalf("read only %d generated queries", len(queries))
	}
	for _, q := range queries {
		if scansByDesign(q.name) {
			continue
		}
		if scans := seqScans(ctx, t, pool, shapes, q); len(scans) > 0 {
			found = append(found, fmt.Sprintf("%s: full scan of %s", q.name, strings.Join(scans, ", ")))
		}
	}
	return found
}

// registryScale is how many rows the planner is told each table holds: the
// benchmark's large size. The guard runs on a small fixture whose statistics
// say this, so the plans are those of a large registry at no loading cost.
var registryScale = map[string]int{
	"teams": 400, "users": 4_000, "models": 10_000, "model_versions": 100_000, "datasets": 5_000,
	"experiments": 20_000, "training_runs": 1_000_000, "run_datasets": 3_000_000, "deployments": 50_000,
	"approvals": 100_000, "model_tags": 30_000, "dataset_tags": 15_000, "model_aliases": 20_000,
}

// largeRegistry returns a pool on a database holding regtest's fixture and
// statistics claiming registryScale rows. PostgreSQL estimates a table's rows
// as reltuples/relpages times its actual pages, so with one real page and
// relpages = 1 the planner sees reltuples rows.
func largeRegistry(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx, pool, _, _ := setup(t)
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for table, rows := range registryScale {
		tag, err := pool.Exec(ctx, "UPDATE pg_class SET reltuples = $1, relpages = 1 WHERE oid = $2::regclass AND relpages = 1", rows, table)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("statistics of %s: %v (%d rows; the fixture must give it exactly one page)", table, err, tag.RowsAffected())
		}
	}
	return pool
}

// TestQueriesUseIndexes: every query that looks up or lists by a key reaches
// training_runs, run_datasets, deployments and model_versions by an index.
func TestQueriesUseIndexes(t *testing.T) {
	pool := largeRegistry(t)
	for _, f := range unindexedQueries(t, pool) {
		t.Errorf("%s: add an index, or list the query in fullScanQueries with the reason", f)
	}
}

// TestIndexGuardCatchesADroppedIndex shows the guard failing: without the
// index on training_runs.version_id, the runs of a version are a full scan.
func TestIndexGuardCatchesADroppedIndex(t *testing.T) {
	pool := largeRegistry(t)
	if _, err := pool.Exec(context.Background(), "DROP INDEX idx_training_version"); err != nil {
		t.Fatal(err)
	}
	found := strings.Join(unindexedQueries(t, pool), "\n")
	if !strings.Contains(found, "TrainingRunListByVersion: full scan of training_runs") {
		t.Fatalf("guard missed the dropped index; it reported:\n%s", found)
	}
}
