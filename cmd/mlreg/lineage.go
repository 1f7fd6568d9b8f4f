package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// semverPattern is the schema's valid_semver CHECK, checked before asking.
var semverPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[a-z0-9]+)?$`)

// parseTime accepts RFC 3339 or a plain date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("invalid time %q (want RFC 3339, like 2026-03-01T12:00:00Z, or a date like 2026-03-01)", s)
}

// Lineage is the JSON document `mlreg lineage --format json` writes. Its
// field names are stable; new fields may be added.
type Lineage struct {
	Model    string           `json:"model"`
	ModelID  uuid.UUID        `json:"model_id"`
	At       *time.Time       `json:"at,omitempty"`
	Versions []LineageVersion `json:"versions"`
}

type LineageVersion struct {
	VersionID   uuid.UUID           `json:"version_id"`
	Semver      string              `json:"semver"`
	Status      string              `json:"status"`
	Framework   string              `json:"framework"`
	Runs        []LineageRun        `json:"runs"`
	Deployments []LineageDeployment `json:"deployments"`
	Approvals   []LineageApproval   `json:"approvals"`
}

// LineageDeployment is one element of the deployments array that
// LineageVersionsByModel aggregates; the JSON keys are the query's.
type LineageDeployment struct {
	DeploymentID      uuid.UUID  `json:"deployment_id"`
	EnvironmentName   string     `json:"environment_name"`
	EnvironmentType   string     `json:"environment_type"`
	Status            string     `json:"status"`
	TrafficPercentage *int32     `json:"traffic_percentage"`
	EndpointURL       *string    `json:"endpoint_url"`
	DeployedAt        *time.Time `json:"deployed_at"`
	DeployedBy        string     `json:"deployed_by"`
	UndeployedAt      *time.Time `json:"undeployed_at"`
}

// LineageApproval is one element of the approvals array of
// LineageVersionsByModel.
type LineageApproval struct {
	ApprovalID   uuid.UUID  `json:"approval_id"`
	ApprovalType string     `json:"approval_type"`
	Status       string     `json:"status"`
	RequestedBy  string     `json:"requested_by"`
	RequestedAt  *time.Time `json:"requested_at"`
	ApprovedBy   *string    `json:"approved_by"`
	ApprovedAt   *time.Time `json:"approved_at"`
	RejectedBy   *string    `json:"rejected_by"`
	RejectedAt   *time.Time `json:"rejected_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
}

type LineageRun struct {
	RunID    uuid.UUID        `json:"run_id"`
	Name     string           `json:"run_name"`
	Status   string           `json:"status"`
	Accuracy *float64         `json:"accuracy"`
	F1Score  *float64         `json:"f1_score"`
	Loss     *float64         `json:"loss"`
	Datasets []LineageDataset `json:"datasets"`
}

type LineageDataset struct {
	Name        string `json:"dataset_name"`
	Role        string `json:"role"`
	ContainsPII bool   `json:"contains_pii"`
}

// buildLineage reads a model's lineage in two queries, whatever its size.
func buildLineage(ctx context.Context, q *registrydb.Queries, modelID uuid.UUID, semver *string, at *time.Time) ([]LineageVersion, error) {
	versions, err := q.LineageVersionsByModel(ctx, registrydb.LineageVersionsByModelParams{ModelID: modelID, Semver: semver, At: at})
	if err != nil {
		return nil, err
	}
	runs, err := q.LineageRunsByModel(ctx, modelID, semver)
	if err != nil {
		return nil, err
	}
	out := make([]LineageVersion, len(versions))
	index := map[uuid.UUID]*LineageVersion{}
	for i, v := range versions {
		out[i] = LineageVersion{VersionID: v.VersionID, Semver: v.Semver, Status: v.Status, Framework: v.Framework, Runs: []LineageRun{}}
		if err := json.Unmarshal(v.Deployments, &out[i].Deployments); err != nil {
			return nil, fmt.Errorf("deployments of %s: %w", v.Semver, err)
		}
		if err := json.Unmarshal(v.Approvals, &out[i].Approvals); err != nil {
			return nil, fmt.Errorf("approvals of %s: %w", v.Semver, err)
		}
		index[v.VersionID] = &out[i]
	}
	for _, rows := range groupRuns(runs) {
		r := rows[0]
		run := LineageRun{RunID: r.RunID, Name: deref(r.RunName), Status: r.Status,
			Accuracy: r.Accuracy, F1Score: r.F1Score, Loss: r.Loss, Datasets: []LineageDataset{}}
		for _, d := range rows {
			if d.DatasetName != nil {
				run.Datasets = append(run.Datasets, LineageDataset{Name: *d.DatasetName, Role: deref(d.DatasetRole), ContainsPII: d.ContainsPII != nil && *d.ContainsPII})
			}
		}
		v := index[r.VersionID]
		v.Runs = append(v.Runs, run)
	}
	return out, nil
}

// groupRuns splits LineageRunsByModel's rows into runs, in the query's
// order: a run's rows (one per dataset it used, or one with NULL dataset
// columns) are adjacent, as the query orders by run.
func groupRuns(rows []registrydb.LineageRunsByModelRow) [][]registrydb.LineageRunsByModelRow {
	var runs [][]registrydb.LineageRunsByModelRow
	for i, r := range rows {
		if i == 0 || r.RunID != rows[i-1].RunID {
			runs = append(runs, nil)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], r)
	}
	return runs
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// unknownName is the one-line error for a model or dataset that does not
// exist, with the closest existing names.
func unknownName(kind, name string, similar func(pattern string) ([]string, error)) error {
	prefix := name
	if len(prefix) > 3 {
		prefix = prefix[:3]
	}
	names, _ := similar("%" + strings.ReplaceAll(prefix, "%", "") + "%")
	if len(names) == 0 {
		return usagef("no %s named %q", kind, name)
	}
	return usagef("no %s named %q (closest: %s)", kind, name, strings.Join(names, ", "))
}

func cmdLineage(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("lineage", flag.ContinueOnError)
	format := fs.String("format", "text", "")
	version := fs.String("version", "", "")
	atFlag := fs.String("at", "", "")
	namespace := fs.String("namespace", olRegistryNamespace, "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("lineage takes one model name")
	}
	render, ok := lineageRenderers[*format]
	if !ok && *format != "openlineage" {
		return usagef("unknown format %q for lineage (want text, json, dot, mermaid or openlineage)", *format)
	}
	if *namespace == "" {
		return usagef("lineage: --namespace must not be empty")
	}
	var semver *string
	if *version != "" {
		if !semverPattern.MatchString(*version) {
			return usagef("invalid version %q (want a semantic version like 1.2.3 or 1.2.3-rc1)", *version)
		}
		semver = version
	}
	var at *time.Time
	if *atFlag != "" {
		t, err := parseTime(*atFlag)
		if err != nil {
			return err
		}
		at = &t
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	q := registrydb.New(pool)
	model, err := q.ModelGetByName(ctx, rest[0])
	if errors.Is(registry.MapError(err), registry.ErrNotFound) {
		return unknownName("model", rest[0], func(p string) ([]string, error) { return q.ModelListNamesLike(ctx, p, 5) })
	} else if err != nil {
		return err
	}
	if *format == "openlineage" {
		versions, err := q.LineageVersionsByModel(ctx, registrydb.LineageVersionsByModelParams{ModelID: model.ModelID, Semver: semver})
		if err != nil {
			return err
		}
		if semver != nil && len(versions) == 0 {
			return usagef("model %q has no version %s", model.ModelName, *semver)
		}
		events, err := buildOpenLineage(ctx, q, model, versions, semver, *namespace)
		if err != nil {
			return err
		}
		return renderOpenLineage(e.out, events)
	}
	versions, err := buildLineage(ctx, q, model.ModelID, semver, at)
	if err != nil {
		return err
	}
	if semver != nil && len(versions) == 0 {
		return usagef("model %q has no version %s", model.ModelName, *semver)
	}
	return render(e.out, Lineage{Model: model.ModelName, ModelID: model.ModelID, At: at, Versions: versions})
}

var lineageRenderers = map[string]func(io.Writer, Lineage) error{
	"text":    renderLineageText,
	"json":    renderJSON[Lineage],
	"dot":     renderLineageDOT,
	"mermaid": renderLineageMermaid,
}

func renderJSON[T any](w io.Writer, v T) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func metric(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}

func renderLineageText(w io.Writer, l Lineage) error {
	fmt.Fprintf(w, "%s\n", l.Model)
	if l.At != nil {
		fmt.Fprintf(w, "  (deployments live at %s)\n", l.At.Format(time.RFC3339))
	}
	for _, v := range l.Versions {
		fmt.Fprintf(w, "└─ %s [%s, %s]\n", v.Semver, v.Status, v.Framework)
		for _, r := range v.Runs {
			fmt.Fprintf(w, "   ├─ run %s [%s] accuracy %s f1 %s\n", r.Name, r.Status, metric(r.Accuracy), metric(r.F1Score))
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

// graph walks the lineage as nodes and edges for DOT and Mermaid.
func lineageGraph(l Lineage, node func(id, label string), edge func(from, to, label string)) {
	node("model", l.Model)
	datasets := map[string]bool{}
	for i, v := range l.Versions {
		vid := fmt.Sprintf("v%d", i)
		node(vid, v.Semver+" ("+v.Status+")")
		edge("model", vid, "version")
		for j, r := range v.Runs {
			rid := fmt.Sprintf("v%dr%d", i, j)
			node(rid, "run "+r.Name)
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

func renderLineageDOT(w io.Writer, l Lineage) error {
	fmt.Fprintln(w, "digraph lineage {\n  rankdir=LR;")
	lineageGraph(l,
		func(id, label string) { fmt.Fprintf(w, "  %s [label=%q];\n", id, label) },
		func(from, to, label string) { fmt.Fprintf(w, "  %s -> %s [label=%q];\n", from, to, label) })
	fmt.Fprintln(w, "}")
	return nil
}

func renderLineageMermaid(w io.Writer, l Lineage) error {
	fmt.Fprintln(w, "flowchart LR")
	lineageGraph(l,
		func(id, label string) { fmt.Fprintf(w, "  %s[%q]\n", id, label) },
		func(from, to, label string) { fmt.Fprintf(w, "  %s -->|%s| %s\n", from, label, to) })
	return nil
}
