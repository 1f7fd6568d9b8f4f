package mlregcli

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
)

const erdDoc = "../../../docs/model-registry-schema.md"

// documentedERD is the diagram between the erd markers of the schema doc,
// without the mermaid fence around it.
func documentedERD(t *testing.T) string {
	t.Helper()
	body, err := os.ReadFile(erdDoc)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)\n<!-- erd:begin -->\n```mermaid\n(.*)```\n<!-- erd:end -->\n").FindSubmatch(body)
	if m == nil {
		t.Fatalf("%s has no <!-- erd:begin -->, ```mermaid ... ```, <!-- erd:end --> block; run `make erd`", erdDoc)
	}
	return string(m[1])
}

func runERD(t *testing.T, url string) string {
	t.Helper()
	code, out, stderr := mlreg(t, "--database-url", url, "erd")
	if code != 0 {
		t.Fatalf("erd: exit %d: %s", code, stderr)
	}
	return out
}

// TestERDMatchesDocs fails when the migrations changed and the diagram in the
// docs was not regenerated.
func TestERDMatchesDocs(t *testing.T) {
	got, want := runERD(t, pgtest.NewURL(t)), documentedERD(t)
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	line := func(ls []string) string {
		if i < len(ls) {
			return fmt.Sprintf("%q", ls[i])
		}
		return "(end)"
	}
	t.Fatalf("the ER diagram in docs/model-registry-schema.md is stale: run `make erd` and commit it.\n"+
		"first difference at line %d of the diagram: the migrations give %s, the docs have %s", i+1, line(g), line(w))
}

var (
	erdEntity   = regexp.MustCompile(`^  ([a-z_0-9]+)(?: \{)?$`)
	erdColumn   = regexp.MustCompile(`^    (\S+) ([a-z_0-9]+)(?: (PK|FK|PK, FK))?(?: "([^"]*)")?$`)
	erdRelation = regexp.MustCompile(`^  ([a-z_0-9]+) (\}o--\|\||\}o--o\|) ([a-z_0-9]+) : "([^"]+)"$`)
)

// TestERDCoversCatalog: the diagram of the migrated schema has an entity for
// every table the catalog queries list (but schema_migrations), with all of
// its columns, and a relationship for every foreign key, of the cardinality
// its nullability gives; and nothing else.
func TestERDCoversCatalog(t *testing.T) {
	url := pgtest.NewURL(t)
	out := runERD(t, url)
	ctx := context.Background()
	q := registrydb.New(dial(t, url))

	tables, err := q.CatalogTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := q.CatalogTableColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fkRows, err := q.CatalogForeignKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTables := map[string]int{} // table -> columns
	for _, tb := range tables {
		if tb != "schema_migrations" {
			wantTables[tb] = 0
		}
	}
	for _, c := range cols {
		if _, ok := wantTables[c.TableName]; ok {
			wantTables[c.TableName]++
		}
	}
	wantFKs := map[string]string{} // "table:constraint" -> cardinality
	for _, r := range fkRows {
		key := r.TableName + ":" + r.ConstraintName
		if card, seen := wantFKs[key]; !r.NotNull || (seen && card == "}o--o|") {
			wantFKs[key] = "}o--o|"
		} else {
			wantFKs[key] = "}o--||"
		}
	}
	if len(wantTables) < 14 || len(wantFKs) < 21 {
		t.Fatalf("the catalog queries found %d tables and %d foreign keys; the migrations have at least 14 and 21", len(wantTables), len(wantFKs))
	}

	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "erDiagram" {
		t.Fatalf("first line %q", lines[0])
	}
	gotTables := map[string]int{}
	var gotFKs []string
	current := ""
	for _, l := range lines[1:] {
		switch {
		case l == "  }":
			current = ""
		case erdEntity.MatchString(l):
			current = erdEntity.FindStringSubmatch(l)[1]
			if _, dup := gotTables[current]; dup {
				t.Errorf("entity %s twice", current)
			}
			gotTables[current] = 0
		case current != "" && erdColumn.MatchString(l):
			gotTables[current]++
		case erdRelation.MatchString(l):
			m := erdRelation.FindStringSubmatch(l)
			gotFKs = append(gotFKs, m[1]+" "+m[2]+" "+m[3]+" "+m[4])
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if fmt.Sprint(gotTables) != fmt.Sprint(wantTables) {
		t.Errorf("entities and their column counts:\n got %v\nwant %v", gotTables, wantTables)
	}
	if len(gotFKs) != len(wantFKs) {
		t.Errorf("%d relationships, the catalog has %d foreign keys", len(gotFKs), len(wantFKs))
	}
	// Every foreign key is drawn, with its cardinality and columns.
	for _, r := range fkRows {
		want := wantFKs[r.TableName+":"+r.ConstraintName]
		found := false
		for _, g := range gotFKs {
			f := strings.SplitN(g, " ", 4)
			if f[0] == r.TableName && f[1] == want && f[2] == r.ReferencedTable && strings.Contains(", "+f[3]+",", " "+r.ColumnName+",") {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s %s %s relationship labelled with %s", r.TableName, want, r.ReferencedTable, r.ColumnName)
		}
	}
	if strings.Contains(out, "schema_migrations") {
		t.Error("the diagram shows dbmate's schema_migrations")
	}
}

// TestERDShapes runs erd on a small schema with what the registry's own may
// not have yet: composite and nullable foreign keys, a column in two keys, an
// array column, a partitioned table holding and referenced by a key (its
// partitions, and the copies of those keys PostgreSQL makes for them, are
// left out) and a table without columns.
func TestERDShapes(t *testing.T) {
	url := pgtest.NewEmptyURL(t)
	exec(t, url, `
		CREATE TABLE schema_migrations (version text PRIMARY KEY);
		CREATE TABLE parent (a int UNIQUE, b int, PRIMARY KEY (a, b), tags text[]);
		CREATE TABLE child (id bigint PRIMARY KEY, pa int NOT NULL, pb int NOT NULL, other int,
			FOREIGN KEY (pa, pb) REFERENCES parent ON DELETE CASCADE,
			FOREIGN KEY (other, pb) REFERENCES parent (a, b));
		CREATE TABLE events (id bigint, at date, pa int REFERENCES parent (a) ON DELETE SET NULL, PRIMARY KEY (id, at))
			PARTITION BY RANGE (at);
		CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
		CREATE TABLE ref_events (id bigint, at date, FOREIGN KEY (id, at) REFERENCES events);
		CREATE TABLE empty ();`)
	want := `erDiagram
  child {
    int8 id PK
    int4 pa FK "parent ON DELETE CASCADE"
    int4 pb FK "parent ON DELETE NO ACTION; parent ON DELETE CASCADE"
    int4 other FK "parent ON DELETE NO ACTION"
  }
  empty
  events {
    int8 id PK
    date at PK
    int4 pa FK "parent ON DELETE SET NULL"
  }
  parent {
    int4 a PK
    int4 b PK
    text[] tags
  }
  ref_events {
    int8 id FK "events ON DELETE NO ACTION"
    date at FK "events ON DELETE NO ACTION"
  }
  child }o--o| parent : "other, pb"
  child }o--|| parent : "pa, pb"
  events }o--o| parent : "pa"
  ref_events }o--o| events : "id, at"
`
	if got := runERD(t, url); got != want {
		t.Fatalf("erd:\n%s\nwant:\n%s", got, want)
	}
}

// TestERDBadInput: exit 2 and one line for what erd cannot do.
func TestERDBadInput(t *testing.T) {
	url := pgtest.NewEmptyURL(t)
	for _, args := range [][]string{{"erd", "--format", "svg"}, {"erd", "models"}, {"erd", "--area", "models"},
		{"erd", "--format", "dot", "--area", "nowhere"}, {"erd", "--format", "dot", "--area", ""}} {
		code, out, stderr := mlreg(t, append([]string{"--database-url", url}, args...)...)
		if code != 2 || out != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
	}
}
