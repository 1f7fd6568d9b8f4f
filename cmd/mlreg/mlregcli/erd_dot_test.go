package mlregcli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mlplatform/model-registry/erd"
	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
)

const designDir = "../../../design"

// renderedDiagram is what Graphviz drew: the texts of each node (its
// table name, then each column's name, type and keys) in drawing order, and
// each edge as "from->to.column" (the column whose row it enters), or
// "from->to" when it enters a node that has no columns drawn.
type renderedDiagram struct {
	nodes map[string][]string
	edges []string
}

// renderDOT lays src out with Graphviz's dot, the real consumer of the
// format, and reads what it drew from its JSON output (-Tjson: the drawing
// operations of each node, and each edge with its ports). It fails when
// dot is missing or says anything on stderr.
func renderDOT(t *testing.T, src string) renderedDiagram {
	t.Helper()
	dot, err := osexec.LookPath("dot")
	if err != nil {
		t.Fatal("Graphviz's dot is not installed, and the ER diagrams are checked by rendering them: apt-get install graphviz (Debian, Ubuntu) or brew install graphviz")
	}
	cmd := osexec.Command(dot, "-Tjson")
	cmd.Stdin = strings.NewReader(src)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("dot -Tjson: %v\n%s", err, stderr.String())
	}
	type drawOp struct {
		Op   string `json:"op"`
		Text string `json:"text"`
	}
	var g struct {
		Objects []struct {
			ID    int      `json:"_gvid"`
			Name  string   `json:"name"`
			Nodes []int    `json:"nodes"` // set on clusters
			Label []drawOp `json:"_ldraw_"`
		} `json:"objects"`
		Edges []struct {
			Tail     int    `json:"tail"`
			Head     int    `json:"head"`
			HeadPort string `json:"headport"`
		} `json:"edges"`
	}
	if err := json.Unmarshal(out.Bytes(), &g); err != nil {
		t.Fatalf("reading dot's JSON: %v", err)
	}
	d := renderedDiagram{nodes: map[string][]string{}}
	names := map[int]string{}
	for _, o := range g.Objects {
		if o.Nodes != nil {
			continue // a cluster
		}
		names[o.ID] = o.Name
		texts := []string{}
		for _, op := range o.Label {
			if op.Op == "T" {
				texts = append(texts, op.Text)
			}
		}
		d.nodes[o.Name] = texts
	}
	for _, e := range g.Edges {
		edge := names[e.Tail] + "->" + names[e.Head]
		if port, _, _ := strings.Cut(e.HeadPort, ":"); strings.HasPrefix(port, "in_") {
			edge += "." + strings.TrimPrefix(port, "in_")
		}
		d.edges = append(d.edges, edge)
	}
	return d
}

func dotOf(t *testing.T, url string, args ...string) string {
	t.Helper()
	code, out, stderr := mlreg(t, append([]string{"--database-url", url, "erd", "--format", "dot"}, args...)...)
	if code != 0 {
		t.Fatalf("erd --format dot %v: exit %d: %s", args, code, stderr)
	}
	return out
}

// erdCatalogue is what the diagrams must show: each table's columns with their
// types as erd writes them, and each foreign key as "referenced->table.col".
type erdCatalogue struct {
	columns map[string][]registrydb.CatalogTableColumnsRow
	fks     map[string]bool
}

func erdCatalog(t *testing.T, url string) erdCatalogue {
	t.Helper()
	ctx := context.Background()
	q := registrydb.New(dial(t, url))
	cols, err := q.CatalogTableColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fkRows, err := q.CatalogForeignKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := erdCatalogue{columns: map[string][]registrydb.CatalogTableColumnsRow{}, fks: map[string]bool{}}
	for _, col := range cols {
		if col.TableName != "schema_migrations" {
			c.columns[col.TableName] = append(c.columns[col.TableName], col)
		}
	}
	for _, r := range fkRows {
		if r.Position == 1 {
			c.fks[r.ReferencedTable+"->"+r.TableName+"."+r.ColumnName] = true
		}
	}
	return c
}

// checkDrawnTable: the node of table shows its name, and each column's name
// and type, in column order.
func checkDrawnTable(t *testing.T, d renderedDiagram, c erdCatalogue, table string) {
	t.Helper()
	texts, ok := d.nodes[table]
	if !ok {
		t.Errorf("no node %s", table)
		return
	}
	if len(texts) == 0 || texts[0] != table {
		t.Errorf("node %s: first text %v, want the table's name", table, texts)
		return
	}
	rest := texts[1:]
	for _, col := range c.columns[table] {
		typ := col.TypeName
		if strings.HasPrefix(typ, "_") {
			typ = typ[1:] + "[]"
		}
		if len(rest) < 2 || rest[0] != col.ColumnName || rest[1] != typ {
			t.Errorf("node %s: want column %s %s next, got %v", table, col.ColumnName, typ, rest)
			return
		}
		rest = rest[2:]
		if len(rest) > 0 && (rest[0] == "PK" || rest[0] == "FK" || rest[0] == "PK FK") {
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		t.Errorf("node %s: text after its last column: %v", table, rest)
	}
}

// TestERDDotRendersEveryTableAndColumn renders each diagram with Graphviz:
// the whole schema shows every table with every column and type, and every
// foreign key as an edge into its column; each area shows its tables whole
// and every foreign key touching them, the others as names; the areas
// together show every table whole and every foreign key; the overview
// shows every table by name and every foreign key.
func TestERDDotRendersEveryTableAndColumn(t *testing.T) {
	url := pgtest.NewURL(t)
	c := erdCatalog(t, url)
	if len(c.columns) < 21 || len(c.fks) < 25 {
		t.Fatalf("catalog: %d tables, %d foreign keys", len(c.columns), len(c.fks))
	}
	sameEdges := func(what string, got []string, want map[string]bool) {
		t.Helper()
		g := map[string]bool{}
		for _, e := range got {
			if g[e] {
				t.Errorf("%s: edge %s twice", what, e)
			}
			g[e] = true
		}
		for e := range want {
			if !g[e] {
				t.Errorf("%s: no edge %s", what, e)
			}
		}
		for e := range g {
			if !want[e] {
				t.Errorf("%s: edge %s is no foreign key", what, e)
			}
		}
	}

	whole := renderDOT(t, dotOf(t, url))
	if len(whole.nodes) != len(c.columns) {
		t.Errorf("the whole diagram has %d nodes, the schema %d tables", len(whole.nodes), len(c.columns))
	}
	for table := range c.columns {
		checkDrawnTable(t, whole, c, table)
	}
	sameEdges("whole", whole.edges, c.fks)

	drawnWhole, edgesSeen := map[string]bool{}, map[string]bool{}
	for _, a := range erd.Areas() {
		d := renderDOT(t, dotOf(t, url, "--area", a.Name))
		in := map[string]bool{}
		for _, table := range a.Tables {
			in[table] = true
			drawnWhole[table] = true
			checkDrawnTable(t, d, c, table)
		}
		want := map[string]bool{}
		stubs := map[string]bool{}
		for fk := range c.fks {
			from, to, _ := strings.Cut(fk, "->")
			table, col, _ := strings.Cut(to, ".")
			if !in[from] && !in[table] {
				continue
			}
			if in[table] {
				want[fk] = true
			} else {
				want[from+"->"+table] = true // a name in a box: no column to enter
				stubs[table] = true
				_ = col
			}
			if !in[from] {
				stubs[from] = true
			}
			edgesSeen[fk] = true
		}
		sameEdges("area "+a.Name, d.edges, want)
		for name, texts := range d.nodes {
			if in[name] {
				continue
			}
			if !stubs[name] || len(texts) != 2 || texts[0] != name || !strings.HasPrefix(texts[1], "see ") {
				t.Errorf("area %s: node %s %v is neither its table nor a named box a foreign key reaches", a.Name, name, texts)
			}
		}
	}
	for table := range c.columns {
		if !drawnWhole[table] {
			t.Errorf("no area diagram shows %s with its columns", table)
		}
	}
	for fk := range c.fks {
		if !edgesSeen[fk] {
			t.Errorf("no area diagram shows the foreign key %s", fk)
		}
	}

	overview := renderDOT(t, dotOf(t, url, "--area", "overview"))
	tablesOnly := map[string]bool{}
	for fk := range c.fks {
		from, to, _ := strings.Cut(fk, "->")
		table, _, _ := strings.Cut(to, ".")
		tablesOnly[from+"->"+table] = true
	}
	if len(overview.edges) != len(c.fks) {
		t.Errorf("the overview draws %d edges for %d foreign keys", len(overview.edges), len(c.fks))
	}
	for _, e := range overview.edges {
		if !tablesOnly[e] {
			t.Errorf("overview: edge %s is no foreign key", e)
		}
	}
	for table := range c.columns {
		if texts := overview.nodes[table]; len(texts) != 1 || texts[0] != table {
			t.Errorf("overview: node %s shows %v, want its name only", table, texts)
		}
	}
}

// TestERDDotShapes: names DOT or HTML would misread (quotes, <, &, a
// column named like a compass point, a table named like a DOT keyword),
// composite and nullable keys, an array column and a table without
// columns render, and show as written.
func TestERDDotShapes(t *testing.T) {
	url := pgtest.NewEmptyURL(t)
	exec(t, url, `
		CREATE TABLE "node" (e int, "w""x" int, PRIMARY KEY (e, "w""x"), tags text[]);
		CREATE TABLE "a<b&c" (id bigint PRIMARY KEY, n int NOT NULL, s int,
			FOREIGN KEY (n, s) REFERENCES "node" ON DELETE CASCADE);
		CREATE TABLE "digraph" ();`)
	d := renderDOT(t, dotOf(t, url))
	c := erdCatalog(t, url)
	for _, table := range []string{"node", "a<b&c"} {
		checkDrawnTable(t, d, c, table)
	}
	if texts := d.nodes["digraph"]; len(texts) != 1 || texts[0] != "digraph" {
		t.Errorf("a table without columns: %v", d.nodes["digraph"])
	}
	if len(d.edges) != 1 || d.edges[0] != "node->a<b&c.n" {
		t.Errorf("edges %v, want node->a<b&c.n", d.edges)
	}
	overview := renderDOT(t, dotOf(t, url, "--area", "overview"))
	if len(overview.nodes) != 3 || len(overview.edges) != 1 {
		t.Errorf("overview of the odd schema: %v, %v", overview.nodes, overview.edges)
	}
}

// TestERDDesignFilesMatch fails when the migrations changed and design/'s
// diagrams were not regenerated (`make erd`): each DOT file is what mlreg
// draws of the migrated schema, there is one per area and the overview and
// no other, and each has a PNG beside it that Graphviz made from it, small
// enough (by area) to read at 100 %.
func TestERDDesignFilesMatch(t *testing.T) {
	url := pgtest.NewURL(t)
	want := map[string]string{"er-diagram-model-registry.dot": "overview"}
	for _, a := range erd.Areas() {
		want["er-"+a.Name+".dot"] = a.Name
	}
	files, err := filepath.Glob(filepath.Join(designDir, "*.dot"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	sort.Strings(got)
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if fmt.Sprint(got) != fmt.Sprint(names) {
		t.Fatalf("design/ has %v, want %v: run `make erd`", got, names)
	}
	for file, area := range want {
		committed, err := os.ReadFile(filepath.Join(designDir, file))
		if err != nil {
			t.Fatal(err)
		}
		if fresh := dotOf(t, url, "--area", area); fresh != string(committed) {
			t.Errorf("design/%s is stale: run `make erd` and commit it", file)
		}
		pngFile := filepath.Join(designDir, strings.TrimSuffix(file, ".dot")+".png")
		f, err := os.Open(pngFile)
		if err != nil {
			t.Errorf("%s: %v (run `make erd`)", pngFile, err)
			continue
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", pngFile, err)
			continue
		}
		if cfg.Width > 2500 || cfg.Height > 2500 {
			t.Errorf("%s is %dx%d px: split the area (erd.Areas) so each diagram reads at 100 %%", pngFile, cfg.Width, cfg.Height)
		}
	}
}
