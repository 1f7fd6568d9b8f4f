package lineage

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/mlplatform/model-registry/schemas"
)

// Formats are the renderings of a Report, by name.
var Formats = map[string]func(io.Writer, Report) error{
	"text":    WriteText,
	"json":    WriteJSON,
	"dot":     WriteDOT,
	"mermaid": WriteMermaid,
}

// WriteJSON writes the report as one indented JSON document
// (schemas/v1/lineage.json).
func WriteJSON(w io.Writer, r Report) error { return schemas.WriteJSON(w, r) }

// Markers of a value the audit trail does not establish at the moment
// reported, in the text, DOT and Mermaid renderings.
const (
	markCurrent = "~" // today's value
	markUnknown = "?" // a later change's value
)

// mark is the marker of a provenance ("" for FromAudit).
func mark(p Provenance) string {
	switch p {
	case FromCurrent:
		return markCurrent
	case FromUnknown:
		return markUnknown
	}
	return ""
}

// legend explains the markers, for a report that has any.
const legend = "~ today's value (or the last before deletion): the audit trail cannot say it was the value then; " +
	"? the value of a later change: the trail cannot say what it was then"

// hasMarks reports whether any value of the report is not the trail's.
func hasMarks(l Report) bool {
	for _, v := range l.Versions {
		if !v.AsOf.Certain() {
			return true
		}
		for _, r := range v.Runs {
			if !r.AsOf.Certain() {
				return true
			}
			for _, d := range r.Datasets {
				if !d.AsOf.Certain() {
					return true
				}
			}
		}
		for _, d := range v.Deployments {
			if !d.AsOf.Certain() {
				return true
			}
		}
		for _, a := range v.Approvals {
			if !a.AsOf.Certain() {
				return true
			}
		}
	}
	return false
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
	return t.UTC().Format("2006-01-02 15:04:05")
}

// printable escapes control characters (a newline in a run's name would
// break the tree and the diagrams' lines), leaving every other character.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := fmt.Sprintf("%q", string(r))
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// runName is a run's name for display.
func runName(r Run) string {
	if r.RunName == nil {
		return "(unnamed)"
	}
	return printable(*r.RunName)
}

// presenceNote flags an entity listed on the strength of its own dates.
func presenceNote(a *AsOf) string {
	if a != nil && a.Presence != FromAudit {
		return " (present then by its own dates" + mark(a.Presence) + ")"
	}
	return ""
}

// removedNote flags an entity retention removed since the moment reported.
// A dataset link goes with its run, so the run's line says it for both.
func removedNote(a *AsOf) string {
	if a == nil || a.RemovedByRetention == nil {
		return ""
	}
	r := a.RemovedByRetention
	return fmt.Sprintf(" (removed by retention run %d on %s)", r.RetentionRun, r.AppliedAt.UTC().Format("2006-01-02"))
}

// The one-line descriptions of each entity, shared by every rendering.

func versionLabel(v Version) string {
	a := v.AsOf
	return fmt.Sprintf("%s%s [%s%s, %s%s]%s", v.Semver, mark(a.Of("semver")), v.Status, mark(a.Of("status")),
		v.Framework, mark(a.Of("framework")), presenceNote(a))
}

func runLabel(r Run) string {
	a := r.AsOf
	return fmt.Sprintf("run %s%s [%s%s] accuracy %s%s f1 %s%s%s%s", runName(r), mark(a.Of("run_name")), r.Status, mark(a.Of("status")),
		metric(r.Accuracy), mark(a.Of("accuracy")), metric(r.F1Score), mark(a.Of("f1_score")), presenceNote(a), removedNote(a))
}

func datasetLabel(d Dataset) string {
	pii := ""
	if d.ContainsPII {
		pii = " (PII" + mark(d.AsOf.Of("contains_pii")) + ")"
	}
	return fmt.Sprintf("%s%s: %s%s%s%s", d.Role, mark(d.AsOf.Of("role")), printable(d.DatasetName), mark(d.AsOf.Of("dataset_name")),
		pii, presenceNote(d.AsOf))
}

func deploymentLabel(d Deployment) string {
	a := d.AsOf
	traffic := "-"
	if d.TrafficPercentage != nil {
		traffic = fmt.Sprintf("%d%%", *d.TrafficPercentage)
	}
	return fmt.Sprintf("deployed to %s%s [%s%s, %s%s traffic] by %s at %s%s%s", d.EnvironmentName, mark(a.Of("environment_name")),
		d.Status, mark(a.Of("status")), traffic, mark(a.Of("traffic_percentage")), printable(d.DeployedBy),
		fmtTime(d.DeployedAt), presenceNote(a), removedNote(a))
}

func approvalLabel(a Approval) string {
	return fmt.Sprintf("approval %s: %s%s%s", a.ApprovalType, a.Status, mark(a.AsOf.Of("status")), presenceNote(a.AsOf))
}

func omittedLabel(v Version) string {
	n := v.RunsOmitted()
	if n == 1 {
		return "... and 1 older run (--runs all lists every run)"
	}
	return fmt.Sprintf("... and %d older runs (--runs all lists every run)", n)
}

// tree is the text rendering's structure: built once from the report, then
// drawn with box-drawing connectors.
type tree struct {
	label    string
	children []*tree
}

func (t *tree) add(label string) *tree {
	c := &tree{label: label}
	t.children = append(t.children, c)
	return c
}

// textTree is the report as a tree: the model; each version; under it its
// runs (each with its datasets), a line for the runs left out, its
// deployments and its approvals.
func textTree(l Report) *tree {
	root := &tree{label: l.Model}
	if l.At != nil {
		root.label += " as of " + l.At.UTC().Format(time.RFC3339Nano)
	}
	for _, v := range l.Versions {
		vt := root.add(versionLabel(v))
		for _, r := range v.Runs {
			rt := vt.add(runLabel(r))
			for _, d := range r.Datasets {
				rt.add(datasetLabel(d))
			}
		}
		if v.RunsOmitted() > 0 {
			vt.add(omittedLabel(v))
		}
		for _, d := range v.Deployments {
			vt.add(deploymentLabel(d))
		}
		for _, a := range v.Approvals {
			vt.add(approvalLabel(a))
		}
	}
	return root
}

// write draws the tree: a child with later siblings hangs from "├─ ", the
// last from "└─ "; below a child with later siblings its subtree is
// indented by "│  ", below the last by spaces.
func (t *tree) write(w io.Writer) error {
	if _, err := fmt.Fprintln(w, t.label); err != nil {
		return err
	}
	return t.writeChildren(w, "")
}

func (t *tree) writeChildren(w io.Writer, indent string) error {
	for i, c := range t.children {
		connector, below := "├─ ", "│  "
		if i == len(t.children)-1 {
			connector, below = "└─ ", "   "
		}
		if _, err := fmt.Fprintln(w, indent+connector+c.label); err != nil {
			return err
		}
		if err := c.writeChildren(w, indent+below); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes the report as a tree, followed, for a report at a past
// moment, by what the trail covers and what the markers mean.
func WriteText(w io.Writer, l Report) error {
	if err := textTree(l).write(w); err != nil {
		return err
	}
	if l.Trail != nil {
		if !l.Trail.Covers {
			since := "it is empty"
			if l.Trail.CompleteSince != nil {
				since = "its oldest change is of " + l.Trail.CompleteSince.UTC().Format(time.RFC3339Nano)
			}
			if l.Trail.RetiredUntil != nil {
				since += "; months until " + l.Trail.RetiredUntil.UTC().Format(time.RFC3339) + " were retired from it"
			}
			if _, err := fmt.Fprintf(w, "note: the audit trail does not reach back to that moment (%s)\n", since); err != nil {
				return err
			}
		}
		for _, r := range l.Retention {
			if _, err := fmt.Fprintf(w, "note: %s\n", retentionNote(r)); err != nil {
				return err
			}
		}
		if hasMarks(l) {
			if _, err := fmt.Fprintf(w, "note: %s\n", legend); err != nil {
				return err
			}
		}
	}
	return nil
}

// retentionNote says what a retention run since the moment removed of the
// model, and whether the report shows it.
func retentionNote(r RetentionRemoval) string {
	var parts []string
	for _, c := range []struct {
		n    int64
		what string
	}{{r.TrainingRuns, "training run"}, {r.RunDatasets, "dataset link"}, {r.Deployments, "deployment"}} {
		if c.n == 1 {
			parts = append(parts, "1 "+c.what)
		} else if c.n > 1 {
			parts = append(parts, fmt.Sprintf("%d %ss", c.n, c.what))
		}
	}
	shown := "they are shown above, marked removed by retention"
	if !r.InTrail {
		shown = "the audit trail no longer holds them (its months were retired), so they are missing above"
	}
	return fmt.Sprintf("retention run %d on %s removed rows of this model the registry held at that moment (%s in all); %s",
		r.RetentionRun, r.AppliedAt.UTC().Format("2006-01-02"), strings.Join(parts, ", "), shown)
}
