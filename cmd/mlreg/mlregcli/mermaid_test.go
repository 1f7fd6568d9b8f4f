//go:build mermaid

package mlregcli

import (
	"bytes"
	"html"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// renderMermaid renders a Mermaid diagram to SVG with the Mermaid CLI (mmdc
// from MMDC, which `make mermaid-check` installs) and Debian's Chromium:
// what a reader's Mermaid would do with it. A diagram Mermaid cannot parse
// fails here.
func renderMermaid(t *testing.T, diagram string) string {
	t.Helper()
	mmdc := os.Getenv("MMDC")
	if mmdc == "" {
		t.Fatal("MMDC is not set: run make mermaid-check, which installs @mermaid-js/mermaid-cli")
	}
	chromium, err := osexec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: apt-get install chromium")
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "puppeteer.json")
	if err := os.WriteFile(config, []byte(`{"executablePath": "`+chromium+`", "args": ["--no-sandbox"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "in.mmd"), filepath.Join(dir, "out.svg")
	if err := os.WriteFile(in, []byte(diagram), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command(mmdc, "-q", "-p", config, "-i", in, "-o", out)
	var errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &errs, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("mmdc: %v\n%s\n%s", err, errs.String(), diagram)
	}
	svg, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(svg)
}

var (
	svgTag      = regexp.MustCompile(`<[^>]*>`)
	mermaidNode = regexp.MustCompile(`<g class="node `)
	mermaidEdge = regexp.MustCompile(`<path [^>]*class="[^"]*flowchart-link`)
)

// svgText is the text an SVG shows, tags dropped and entities decoded.
func svgText(svg string) string {
	return html.UnescapeString(svgTag.ReplaceAllString(strings.ReplaceAll(svg, "<br", "\n<br"), " "))
}

// TestLineageMermaidRenders renders the Mermaid of awkward names with the
// Mermaid CLI: it must parse, draw one node per version, run, deployment and
// distinct dataset, one edge per link, and show each name as it is.
func TestLineageMermaidRenders(t *testing.T) {
	url := awkwardRegistry(t)
	want := oddGraph(t, url)
	code, diagram, stderr := mlreg(t, "--database-url", url, "lineage", "odd-names", "--format", "mermaid", "--runs", "all")
	if code != 0 {
		t.Fatalf("mermaid: %s", stderr)
	}
	svg := renderMermaid(t, diagram)
	if n, e := len(mermaidNode.FindAllString(svg, -1)), len(mermaidEdge.FindAllString(svg, -1)); n != want.nodes || e != want.edges {
		t.Errorf("Mermaid drew %d nodes and %d edges, want %d and %d\n%s", n, e, want.nodes, want.edges, diagram)
	}
	text := strings.Join(strings.Fields(svgText(svg)), " ")
	for _, name := range want.runLabels {
		if shown := strings.Join(strings.Fields("run "+displayed(name)+" [queued]"), " "); !strings.Contains(text, shown) {
			t.Errorf("the drawing does not show %q as it is; it shows:\n%s", shown, text)
		}
	}
	for _, s := range []string{"click-logs", "click_logs", `by d"q at`} {
		if !strings.Contains(text, s) {
			t.Errorf("the drawing lacks %q", s)
		}
	}
	// The sample's models render too, the one without versions included.
	seededURL := seeded(t)
	for _, model := range []string{"fraud-detector", "churn-predictor"} {
		code, diagram, _ := mlreg(t, "--database-url", seededURL, "lineage", model, "--format", "mermaid")
		if code != 0 || !strings.Contains(svgText(renderMermaid(t, diagram)), model) {
			t.Errorf("%s: exit %d or not drawn", model, code)
		}
	}
}

// TestERDMermaidRenders renders `mlreg erd` with the Mermaid CLI: every
// table of the diagram must be drawn.
func TestERDMermaidRenders(t *testing.T) {
	url := seeded(t)
	code, diagram, stderr := mlreg(t, "--database-url", url, "erd")
	if code != 0 {
		t.Fatalf("erd: exit %d: %s", code, stderr)
	}
	tables := regexp.MustCompile(`(?m)^  ([a-z_0-9]+) \{$`).FindAllStringSubmatch(diagram, -1)
	if len(tables) < 15 {
		t.Fatalf("erd lists %d tables", len(tables))
	}
	text := svgText(renderMermaid(t, diagram))
	for _, m := range tables {
		if !strings.Contains(text, m[1]) {
			t.Errorf("table %s is not drawn", m[1])
		}
	}
}
