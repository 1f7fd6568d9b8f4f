package mlregcli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	osexec "os/exec"
	"strings"
	"testing"
)

// awkwardRuns are run names that break naive DOT and Mermaid writers.
var awkwardRuns = []string{
	`say "hi"`, `back\slash \N \l`, `tab	and
newline`, "ünïcödé ✓ 日本", `<b>&amp;</b> & <script>`, `%% comment %%{init: {}}%%`,
	`end`, `[brackets] (parens) {braces} |pipes|`, `#quot; #35; semi;colon`, "`backticks`",
}

// awkwardRegistry is the sample registry plus a model whose one version has
// a run of each awkward name, each reading two datasets whose names differ
// only by - and _, and a deployment.
func awkwardRegistry(t *testing.T) string {
	t.Helper()
	url := seeded(t)
	var quoted, values []string
	for _, r := range awkwardRuns {
		quoted = append(quoted, sqlString(r))
		values = append(values, "("+sqlString(r)+")")
	}
	exec(t, url, `
		INSERT INTO models (model_name, display_name) VALUES ('odd-names', 'Odd');
		INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by)
		SELECT model_id, '1.0.0', 's3://ml-artifacts/odd/1.0.0/', 'onnx', 'eve' FROM models WHERE model_name = 'odd-names';
		INSERT INTO datasets (dataset_name, display_name, storage_location) VALUES
			('click-logs', 'Clicks (dash)', 's3://d/click-logs/'), ('click_logs', 'Clicks (underscore)', 's3://d/click_logs/');
		INSERT INTO training_runs (version_id, run_name, status)
		SELECT v.version_id, n.name, 'queued' FROM model_versions v, (VALUES `+strings.Join(values, ", ")+`) AS n(name)
		WHERE v.semver = '1.0.0' AND v.artifact_uri LIKE 's3://ml-artifacts/odd/%';
		INSERT INTO run_datasets (run_id, dataset_id, dataset_role)
		SELECT r.run_id, d.dataset_id, 'training' FROM training_runs r, datasets d
		WHERE r.run_name IN (`+strings.Join(quoted, ", ")+`)
		  AND d.dataset_name IN ('click-logs', 'click_logs');
		INSERT INTO deployments (version_id, environment_id, deployed_by, traffic_percentage)
		SELECT v.version_id, e.environment_id, 'd"q', 100 FROM model_versions v, environments e
		WHERE v.artifact_uri LIKE 's3://ml-artifacts/odd/%' AND e.environment_name = 'dev';`)
	return url
}

// sqlString writes s as an SQL string literal, for statements that take
// no parameters (ALTER SYSTEM) or many rows of VALUES in one.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// wantGraph is what a lineage graph of odd-names must hold: its nodes and
// edges, counted from the JSON report, and the run names its labels show.
type wantGraph struct {
	nodes, edges int
	runLabels    []string
}

func oddGraph(t *testing.T, url string) wantGraph {
	t.Helper()
	code, out, stderr := mlreg(t, "--database-url", url, "lineage", "odd-names", "--format", "json", "--runs", "all")
	if code != 0 {
		t.Fatalf("json: %s", stderr)
	}
	var l struct {
		Versions []struct {
			Runs []struct {
				Name     string `json:"run_name"`
				Datasets []struct {
					ID string `json:"dataset_id"`
				} `json:"datasets"`
			} `json:"runs"`
			Deployments []json.RawMessage `json:"deployments"`
		} `json:"versions"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	w := wantGraph{nodes: 1}
	datasets := map[string]bool{}
	for _, v := range l.Versions {
		w.nodes += 1 + len(v.Runs) + len(v.Deployments)
		w.edges += 1 + len(v.Runs) + len(v.Deployments)
		for _, r := range v.Runs {
			w.runLabels = append(w.runLabels, r.Name)
			for _, d := range r.Datasets {
				datasets[d.ID] = true
				w.edges++
			}
		}
	}
	w.nodes += len(datasets)
	if len(datasets) != 2 || len(w.runLabels) != len(awkwardRuns) {
		t.Fatalf("odd-names has %d datasets and %d runs, want 2 and %d", len(datasets), len(w.runLabels), len(awkwardRuns))
	}
	return w
}

// displayed is a run name as labels show it: control characters escaped.
func displayed(name string) string {
	return strings.NewReplacer("\t", `\t`, "\n", `\n`).Replace(name)
}

// svgGraph reads the nodes and edges Graphviz drew: each node's title (its
// id) and its label text, and each edge.
type svgGraph struct {
	nodes map[string]string
	edges int
}

func parseGraphvizSVG(t *testing.T, svg []byte) svgGraph {
	t.Helper()
	var doc struct {
		Groups []struct {
			Groups []struct {
				Class string   `xml:"class,attr"`
				Title string   `xml:"title"`
				Texts []string `xml:"text"`
			} `xml:"g"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatalf("dot's SVG: %v", err)
	}
	g := svgGraph{nodes: map[string]string{}}
	for _, outer := range doc.Groups {
		for _, e := range outer.Groups {
			switch e.Class {
			case "node":
				g.nodes[e.Title] = strings.Join(e.Texts, "")
			case "edge":
				g.edges++
			}
		}
	}
	return g
}

// TestLineageDOTRendersWithGraphviz renders the DOT of awkward names with
// Graphviz's dot: it must parse, draw one node per version, run, deployment
// and distinct dataset (click-logs and click_logs are two), and show each
// name as it is.
func TestLineageDOTRendersWithGraphviz(t *testing.T) {
	if _, err := osexec.LookPath("dot"); err != nil {
		t.Fatal("Graphviz's dot is not installed: apt-get install graphviz (CI installs it)")
	}
	url := awkwardRegistry(t)
	want := oddGraph(t, url)
	code, dot, stderr := mlreg(t, "--database-url", url, "lineage", "odd-names", "--format", "dot", "--runs", "all")
	if code != 0 {
		t.Fatalf("dot: %s", stderr)
	}
	cmd := osexec.Command("dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(dot)
	var svg, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &svg, &errs
	if err := cmd.Run(); err != nil || errs.Len() > 0 {
		t.Fatalf("dot -Tsvg: %v: %s\n%s", err, errs.String(), dot)
	}
	g := parseGraphvizSVG(t, svg.Bytes())
	if len(g.nodes) != want.nodes || g.edges != want.edges {
		t.Errorf("Graphviz drew %d nodes and %d edges, want %d and %d\n%s", len(g.nodes), g.edges, want.nodes, want.edges, dot)
	}
	labels := strings.Join(mapValues(g.nodes), "\n")
	for _, name := range want.runLabels {
		if !strings.Contains(labels, "run "+displayed(name)+" [queued]") {
			t.Errorf("no node shows run %q as it is; labels:\n%s", name, labels)
		}
	}
	for _, ds := range []string{"click-logs", "click_logs"} {
		if !strings.Contains(labels, ds) {
			t.Errorf("no node for dataset %s", ds)
		}
	}
	if !strings.Contains(labels, `by d"q at`) {
		t.Errorf("the deployment's quote is lost: %s", labels)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
