package integrity_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/mlplatform/model-registry/integrity"
)

// TestDocsNameTheChecks: README's table of checks lists every check of
// Checks() by its name and severity, in order, and nothing else; and every
// "check `name`" in README.md and docs/ names a check that exists.
func TestDocsNameTheChecks(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, c := range integrity.Checks() {
		want = append(want, c.Name+" "+c.Severity)
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\| (error|warning) \\|").FindAllStringSubmatch(string(readme), -1) {
		got = append(got, m[1]+" "+m[2])
	}
	if !slices.Equal(got, want) {
		t.Errorf("README's table of checks lists\n%v\nwant (integrity.Checks())\n%v", got, want)
	}
	known := map[string]bool{}
	for _, c := range integrity.Checks() {
		known[c.Name] = true
	}
	docs, _ := filepath.Glob("../docs/*.md")
	for _, f := range append(docs, "../README.md") {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("checks? `([a-z0-9-]+)`").FindAllStringSubmatch(string(text), -1) {
			if !known[m[1]] {
				t.Errorf("%s names a check %q that integrity.Checks() does not have", f, m[1])
			}
		}
	}
}
