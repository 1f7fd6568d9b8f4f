package mlregcli

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
)

const schemaDoc = "../../../docs/model-registry-schema.md"

// docSection is the body of the "## title" section of the schema doc.
func docSection(t *testing.T, title string) string {
	t.Helper()
	body, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, found := strings.Cut(string(body), "\n## "+title+"\n")
	if !found {
		t.Fatalf("%s has no section %q", schemaDoc, title)
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	return section
}

// tableRows are the cells of a section's markdown table rows, header and
// separator left out.
func tableRows(section string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	if len(rows) > 0 {
		rows = rows[1:] // the header
	}
	return rows
}

var (
	backticked = regexp.MustCompile("`([^`]+)`")
	methodName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
)

// TestSchemaDocNamesMatchCode holds docs/model-registry-schema.md to the
// code: its "Integrity checks" table lists integrity.Checks() in order, with
// their severities and queries; every generated method its "Common
// Queries" table names is a method of registrydb.Querier, and every mlreg
// command it names exists.
func TestSchemaDocNamesMatchCode(t *testing.T) {
	querier := reflect.TypeOf((*registrydb.Querier)(nil)).Elem()
	isMethod := func(name string) bool { _, ok := querier.MethodByName(name); return ok }

	checks := integrity.Checks()
	rows := tableRows(docSection(t, "Integrity checks"))
	if len(rows) != len(checks) {
		t.Errorf("the doc lists %d checks, integrity.Checks() has %d", len(rows), len(checks))
	}
	for i, c := range checks {
		if i >= len(rows) {
			t.Errorf("check %s is not in the doc", c.Name)
			continue
		}
		row := rows[i]
		if len(row) != 4 || row[0] != "`"+c.Name+"`" || row[1] != c.Severity {
			t.Errorf("doc row %d is %v, want check `%s` (%s)", i+1, row, c.Name, c.Severity)
			continue
		}
		if m := strings.Trim(row[3], "`"); !methodName.MatchString(m) || !isMethod(m) {
			t.Errorf("check %s: the doc names query %s, which registrydb.Querier lacks", c.Name, row[3])
		}
	}

	rows = tableRows(docSection(t, "Common Queries"))
	if len(rows) < 18 {
		t.Fatalf("the Common Queries table has %d rows", len(rows))
	}
	root := (&app{}).rootCommand()
	methods := 0
	for _, row := range rows {
		if len(row) != 4 {
			t.Errorf("row %v: want 4 cells", row)
			continue
		}
		for _, m := range backticked.FindAllStringSubmatch(row[2], -1) {
			if methodName.MatchString(m[1]) {
				methods++
				if !isMethod(m[1]) {
					t.Errorf("%s: the doc names %s, which registrydb.Querier lacks", row[0], m[1])
				}
			}
		}
		for _, m := range backticked.FindAllStringSubmatch(row[3], -1) {
			words := strings.Fields(m[1])
			if len(words) < 2 || words[0] != "mlreg" {
				t.Errorf("%s: %q is not an mlreg command line", row[0], m[1])
				continue
			}
			var path []string
			for _, w := range words[1:] {
				if strings.ToLower(w) != w || strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") {
					break
				}
				path = append(path, w)
			}
			cmd, rest, err := root.Find(path)
			if err != nil || len(rest) > 0 || cmd == root {
				t.Errorf("%s: the doc names `mlreg %s`, which is no command", row[0], strings.Join(path, " "))
			}
		}
	}
	if methods < 20 {
		t.Errorf("the Common Queries table names %d generated methods; it should name every query of Parts 5-6 and Challenge 2", methods)
	}
}
