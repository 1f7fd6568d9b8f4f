package lineage

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Formats are the renderings of a Report, by name.
var Formats = map[string]func(io.Writer, Report) error{
	"text":    WriteText,
	"json":    WriteJSON,
	"dot":     WriteDOT,
	"mermaid": WriteMermaid,
}

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func metric(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}

func derefInt(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// WriteText writes the report as a tree.
func WriteText(w io.Writer, l Report) error {
	fmt.Fprintf(w, "%s\n", l.Model)
	if l.At != nil {
		fmt.Fprintf(w, "  (deployments live at %s)\n", l.At.Format(time.RFC3339Nano))
	}
	for _, v := range l.Versions {
		fmt.Fprintf(w, "└─ %s [%s, %s]\n", v.Semver, v.Status, v.Framework)
		for _, r := range v.Runs {
			fmt.Fprintf(w, "   ├─ run %s [%s] accuracy %s f1 %s\n", deref(r.Name), r.Status, metric(r.Accuracy), metric(r.F1Score))
			for _, d := range r.Datasets {
				pii := ""
				if d.ContainsPII {
					pii = " (PII)"
				}
				fmt.Fprintf(w, "   │  └─ %s: %s%s\n", d.Role, d.Name, pii)
			}
		}
		for _, d := range v.Deployments {
			fmt.Fprintf(w, "   ├─ deployed to %s [%s, %d%% traffic] by %s at %s\n", d.EnvironmentName, d.Status,
				derefInt(d.TrafficPercentage), d.DeployedBy, fmtTime(d.DeployedAt))
		}
		for _, a := range v.Approvals {
			fmt.Fprintf(w, "   └─ approval %s: %s\n", a.ApprovalType, a.Status)
		}
	}
	return nil
}

// graph walks the lineage as nodes and edges for DOT and Mermaid.
func graph(l Report, node func(id, label string), edge func(from, to, label string)) {
	node("model", l.Model)
	datasets := map[string]bool{}
	for i, v := range l.Versions {
		vid := fmt.Sprintf("v%d", i)
		node(vid, v.Semver+" ("+v.Status+")")
		edge("model", vid, "version")
		for j, r := range v.Runs {
			rid := fmt.Sprintf("v%dr%d", i, j)
			node(rid, "run "+deref(r.Name))
			edge(rid, vid, "produced")
			for _, d := range r.Datasets {
				did := "d_" + strings.NewReplacer("-", "_", ".", "_").Replace(d.Name)
				if !datasets[did] {
					datasets[did] = true
					node(did, d.Name)
				}
				edge(did, rid, d.Role)
			}
		}
		for k, d := range v.Deployments {
			eid := fmt.Sprintf("v%de%d", i, k)
			node(eid, d.EnvironmentName+" "+d.Status)
			edge(vid, eid, "deployed")
		}
	}
}

// WriteDOT writes the report as a Graphviz digraph.
func WriteDOT(w io.Writer, l Report) error {
	fmt.Fprintln(w, "digraph lineage {\n  rankdir=LR;")
	graph(l,
		func(id, label string) { fmt.Fprintf(w, "  %s [label=%q];\n", id, label) },
		func(from, to, label string) { fmt.Fprintf(w, "  %s -> %s [label=%q];\n", from, to, label) })
	fmt.Fprintln(w, "}")
	return nil
}

// WriteMermaid writes the report as a Mermaid flowchart.
func WriteMermaid(w io.Writer, l Report) error {
	fmt.Fprintln(w, "flowchart LR")
	graph(l,
		func(id, label string) { fmt.Fprintf(w, "  %s[%q]\n", id, label) },
		func(from, to, label string) { fmt.Fprintf(w, "  %s -->|%s| %s\n", from, label, to) })
	return nil
}
