package mlregcli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// expectedNode is a line the text tree must draw: the start of its label
// and its children, read from the same lineage's JSON.
type expectedNode struct {
	label    string
	children []*expectedNode
}

// expectedTree builds, from `lineage --format json`, the tree the text
// rendering must draw: each version, under it its runs (each with its
// datasets), a line for runs left out, its deployments and its approvals.
func expectedTree(t *testing.T, doc []byte) *expectedNode {
	t.Helper()
	var l struct {
		Model    string `json:"model"`
		Versions []struct {
			Semver string `json:"semver"`
			Runs   []struct {
				RunName  *string `json:"run_name"`
				Datasets []struct {
					Name string `json:"dataset_name"`
					Role string `json:"role"`
				} `json:"datasets"`
			} `json:"runs"`
			RunsTotal   *int `json:"runs_total"`
			Deployments []struct {
				Environment string `json:"environment_name"`
			} `json:"deployments"`
			Approvals []struct {
				Type string `json:"approval_type"`
			} `json:"approvals"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(doc, &l); err != nil {
		t.Fatalf("lineage json: %v\n%s", err, doc)
	}
	root := &expectedNode{label: l.Model}
	for _, v := range l.Versions {
		vn := &expectedNode{label: v.Semver + " ["}
		root.children = append(root.children, vn)
		for _, r := range v.Runs {
			name := "(unnamed)"
			if r.RunName != nil {
				name = *r.RunName
			}
			rn := &expectedNode{label: "run " + name + " ["}
			vn.children = append(vn.children, rn)
			for _, d := range r.Datasets {
				rn.children = append(rn.children, &expectedNode{label: d.Role + ": " + d.Name})
			}
		}
		if v.RunsTotal != nil && *v.RunsTotal > len(v.Runs) {
			vn.children = append(vn.children, &expectedNode{label: fmt.Sprintf("... and %d older run", *v.RunsTotal-len(v.Runs))})
		}
		for _, d := range v.Deployments {
			vn.children = append(vn.children, &expectedNode{label: "deployed to " + d.Environment + " ["})
		}
		for _, a := range v.Approvals {
			vn.children = append(vn.children, &expectedNode{label: "approval " + a.Type + ": "})
		}
	}
	return root
}

// checkConnectors compares every line of a text tree with the expected
// tree: a child with later siblings hangs from "├─ ", the last from "└─ ";
// each column to its left is "│  " where that ancestor has later siblings
// and spaces where it was the last.
func checkConnectors(t *testing.T, text string, want *expectedNode) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if !strings.HasPrefix(lines[0], want.label) {
		t.Fatalf("first line %q, want the model %q", lines[0], want.label)
	}
	n := 1
	var walk func(node *expectedNode, open []bool)
	walk = func(node *expectedNode, open []bool) {
		for i, c := range node.children {
			last := i == len(node.children)-1
			var prefix strings.Builder
			for _, o := range open {
				if o {
					prefix.WriteString("│  ")
				} else {
					prefix.WriteString("   ")
				}
			}
			if last {
				prefix.WriteString("└─ ")
			} else {
				prefix.WriteString("├─ ")
			}
			if n >= len(lines) {
				t.Errorf("line %d missing: want %q", n+1, prefix.String()+c.label)
				return
			}
			if got := lines[n]; !strings.HasPrefix(got, prefix.String()+c.label) {
				t.Errorf("line %d = %q, want it to start %q", n+1, got, prefix.String()+c.label)
			}
			n++
			walk(c, append(append([]bool{}, open...), !last))
		}
	}
	walk(want, nil)
	for ; n < len(lines); n++ {
		if !strings.HasPrefix(lines[n], "note: ") {
			t.Errorf("unexpected line %d: %q", n+1, lines[n])
		}
	}
}

// TestLineageTextTreeConnectors checks every connector of the text trees of
// the sample registry's models, a model without versions, a version without
// runs, deployments or approvals, and runs without datasets.
func TestLineageTextTreeConnectors(t *testing.T) {
	url := seeded(t)
	exec(t, url, `
		INSERT INTO models (model_name, display_name) VALUES ('bare-model', 'Bare');
		INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by)
		SELECT model_id, '0.1.0', 's3://ml-artifacts/bare/0.1.0/', 'onnx', 'eve' FROM models WHERE model_name = 'bare-model';
		INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by)
		SELECT model_id, '0.2.0', 's3://ml-artifacts/bare/0.2.0/', 'onnx', 'eve' FROM models WHERE model_name = 'bare-model';
		INSERT INTO training_runs (version_id, run_name, status)
		SELECT version_id, 'no-datasets-' || n, 'queued' FROM model_versions, generate_series(1, 2) n WHERE semver = '0.2.0';
		INSERT INTO training_runs (version_id, run_name, status)
		SELECT version_id, 'recommender-no-data', 'queued' FROM model_versions WHERE semver = '0.9.0';`)
	for _, model := range []string{"fraud-detector", "sentiment-classifier", "product-recommender", "churn-predictor", "bare-model"} {
		t.Run(model, func(t *testing.T) {
			code, doc, stderr := mlreg(t, "--database-url", url, "lineage", model, "--format", "json")
			if code != 0 {
				t.Fatalf("json: exit %d: %s", code, stderr)
			}
			code, text, stderr := mlreg(t, "--database-url", url, "lineage", model)
			if code != 0 {
				t.Fatalf("text: exit %d: %s", code, stderr)
			}
			want := expectedTree(t, []byte(doc))
			checkConnectors(t, text, want)
			lines := 0
			var count func(*expectedNode)
			count = func(n *expectedNode) {
				lines++
				for _, c := range n.children {
					count(c)
				}
			}
			count(want)
			if lines < 2 && model != "churn-predictor" {
				t.Errorf("%s: a tree of %d lines checks nothing", model, lines)
			}
		})
	}
}
