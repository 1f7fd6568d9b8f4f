package lineage

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/internal/graphviz"
)

// graph is the lineage as nodes and edges, shared by DOT and Mermaid. Node
// ids are made from positions in the report, never from names, so that two
// entities never share a node whatever they are called: the model is
// "model", version i "v<i>", its run j "v<i>r<j>", its deployment k
// "v<i>d<k>", the line for its runs left out "v<i>more", and each distinct
// dataset (by dataset_id) "ds<n>" in order of first use.
type graph struct {
	nodes []graphNode
	edges []graphEdge
}

type graphNode struct{ id, label string }

type graphEdge struct{ from, to, label string }

func (g *graph) node(id, label string)       { g.nodes = append(g.nodes, graphNode{id, label}) }
func (g *graph) edge(from, to, label string) { g.edges = append(g.edges, graphEdge{from, to, label}) }

func datasetNodeID(n int) string                 { return fmt.Sprintf("ds%d", n) }
func versionNodeID(i int) string                 { return fmt.Sprintf("v%d", i) }
func childNodeID(i int, kind byte, j int) string { return fmt.Sprintf("v%d%c%d", i, kind, j) }

// lineageGraph walks the report: model -> version, run -> version
// (produced), dataset -> run (its role), version -> deployment.
func lineageGraph(l Report) *graph {
	g := &graph{}
	title := l.Model
	if l.At != nil {
		title += " as of " + l.At.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
	}
	g.node("model", title)
	datasets := map[uuid.UUID]string{}
	for i, v := range l.Versions {
		vid := versionNodeID(i)
		g.node(vid, versionLabel(v))
		g.edge("model", vid, "version")
		for j, r := range v.Runs {
			rid := childNodeID(i, 'r', j)
			g.node(rid, runLabel(r))
			g.edge(rid, vid, "produced")
			for _, d := range r.Datasets {
				did, seen := datasets[d.DatasetID]
				if !seen {
					did = datasetNodeID(len(datasets))
					datasets[d.DatasetID] = did
					pii := ""
					if d.ContainsPII {
						pii = " (PII)"
					}
					g.node(did, printable(d.DatasetName)+mark(d.AsOf.Of("dataset_name"))+pii)
				}
				g.edge(did, rid, d.Role+mark(d.AsOf.Of("role")))
			}
		}
		if v.RunsOmitted() > 0 {
			mid := fmt.Sprintf("v%dmore", i)
			g.node(mid, omittedLabel(v))
			g.edge(mid, vid, "produced")
		}
		for k, d := range v.Deployments {
			did := childNodeID(i, 'd', k)
			g.node(did, deploymentLabel(d))
			g.edge(vid, did, "deployed")
		}
	}
	return g
}

// WriteDOT writes the report as a Graphviz digraph.
func WriteDOT(w io.Writer, l Report) error {
	g := lineageGraph(l)
	var b strings.Builder
	b.WriteString("digraph lineage {\n  rankdir=LR;\n")
	for _, n := range g.nodes {
		fmt.Fprintf(&b, "  %s [label=%s];\n", n.id, graphviz.Label(n.label))
	}
	for _, e := range g.edges {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", e.from, e.to, graphviz.Label(e.label))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidSafe are the characters a Mermaid label may hold as they are.
func mermaidSafe(r rune) bool {
	return r == ' ' || (r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))) ||
		strings.ContainsRune("-_.,:/@+=()!?*'~^$", r) || (r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)))
}

// mermaidString is s as a Mermaid quoted string. Mermaid has no backslash
// escapes: a character is written as its entity code, #<decimal>; (as
// #quot; is for a quote), which Mermaid turns into the character when it
// draws the label. Every character outside letters, digits, spaces and a few
// harmless marks is written so: quotes, brackets, pipes, #, % (%% starts a
// comment or a directive), < > & (labels are HTML), backticks (markdown
// strings), backslashes and control characters.
func mermaidString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if mermaidSafe(r) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "#%d;", r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WriteMermaid writes the report as a Mermaid flowchart.
func WriteMermaid(w io.Writer, l Report) error {
	g := lineageGraph(l)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range g.nodes {
		fmt.Fprintf(&b, "  %s[%s]\n", n.id, mermaidString(n.label))
	}
	for _, e := range g.edges {
		fmt.Fprintf(&b, "  %s -->|%s| %s\n", e.from, mermaidString(e.label), e.to)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
