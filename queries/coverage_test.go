package queries_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var (
	queryName = regexp.MustCompile(`(?m)^-- name: (\w+)`)
	// A call (q.X(ctx, ...)) or a method value (rowsAs(q.X), {q.X}, f(q.X, ...)).
	methodUse = regexp.MustCompile(`\.([A-Z]\w*)\s*[(,)}]`)
)

// TestEveryQueryIsCalledByATest fails for each query of queries/*.sql that no
// _test.go file of the module calls or passes as a method value.
func TestEveryQueryIsCalledByATest(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no queries/*.sql next to the test: %v", err)
	}
	definedIn := map[string]string{}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range queryName.FindAllStringSubmatch(string(body), -1) {
			definedIn[m[1]] = f
		}
	}

	root := ".."
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root (%s) has no go.mod: %v", root, err)
	}
	self, _ := filepath.Abs("coverage_test.go")
	used := map[string]bool{}
	tests := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if abs, _ := filepath.Abs(path); abs == self {
			return nil
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tests++
		for _, m := range methodUse.FindAllStringSubmatch(string(body), -1) {
			used[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tests == 0 {
		t.Fatal("found no _test.go file in the module")
	}

	var missing []string
	for name, file := range definedIn {
		if !used[name] {
			missing = append(missing, name+" ("+file+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d queries are called by no test (as .Name( or a method value):\n\t%s",
			len(missing), len(definedIn), strings.Join(missing, "\n\t"))
	}
}
