package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// Provenance says where a value of a report at a past moment comes from.
type Provenance string

const (
	// FromAudit: the audit trail establishes the value at that moment.
	FromAudit Provenance = "audit"
	// FromCurrent: the trail cannot establish it; the value shown is
	// today's (or the row's when it was deleted), which may or may not be
	// the moment's.
	FromCurrent Provenance = "current"
	// FromUnknown: the trail cannot establish it; the value shown is that
	// of a later change, which may differ from the moment's.
	FromUnknown Provenance = "unknown"
)

// worse is the less certain of two provenances.
func worse(a, b Provenance) Provenance {
	rank := map[Provenance]int{FromAudit: 0, FromCurrent: 1, FromUnknown: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// AsOf is where the values of one entity of a report at a past moment come
// from. Presence is that of its being in the registry then; Fields has one
// entry per field of the entity that can change, by its JSON name.
type AsOf struct {
	Presence Provenance            `json:"presence"`
	Fields   map[string]Provenance `json:"fields"`
	// RemovedByRetention says that retention removed the entity since the
	// moment (its values are those of its DELETE in the audit trail); nil
	// when it is still there or was removed otherwise.
	RemovedByRetention *Removal `json:"removed_by_retention"`
}

// Removal is the retention run that removed an entity, from the record of
// retention runs (retention_runs), matched to the DELETE by its transaction.
type Removal struct {
	RetentionRun int64     `json:"retention_run"`
	AppliedAt    time.Time `json:"applied_at"`
}

// RetentionRemoval is a retention run after the moment reported that removed
// rows of the model the report would list (runs recorded by then, with
// their dataset links; deployments live then), from the record of retention
// runs: it holds even when the trail no longer has the rows (InTrail false),
// which the report then cannot show. The counts are all the rows of the
// model the run removed, some of which were there at the moment.
type RetentionRemoval struct {
	RetentionRun int64     `json:"retention_run"`
	AppliedAt    time.Time `json:"applied_at"`
	TrainingRuns int64     `json:"training_runs"`
	RunDatasets  int64     `json:"run_datasets"`
	Deployments  int64     `json:"deployments"`
	InTrail      bool      `json:"in_trail"`
}

// Certain reports whether the trail establishes the entity and every value.
func (a *AsOf) Certain() bool {
	if a == nil {
		return true
	}
	if a.Presence != FromAudit {
		return false
	}
	for _, p := range a.Fields {
		if p != FromAudit {
			return false
		}
	}
	return true
}

// Of is the provenance of one field (FromAudit for a report of now).
func (a *AsOf) Of(field string) Provenance {
	if a == nil {
		return FromAudit
	}
	if p, ok := a.Fields[field]; ok {
		return p
	}
	return FromAudit
}

// TrailCoverage is how far back the audit trail reaches, for a report at a
// past moment.
type TrailCoverage struct {
	// CompleteSince is the oldest change the trail still holds (null for
	// an empty trail): the registry before it cannot be rebuilt.
	CompleteSince *time.Time `json:"complete_since"`
	// RetiredUntil is the end of the newest month retired from the trail
	// (null when none was): changes before it may be missing.
	RetiredUntil *time.Time `json:"retired_until"`
	// Covers says whether the trail holds every change since the moment
	// reported: the moment is at or after CompleteSince and RetiredUntil.
	Covers bool `json:"covers"`
}

// Rows of LineageAsOf's row_at, by the tables' own column names: what the
// audit trail stores is to_jsonb of the row.
type (
	versionAt struct {
		VersionID    uuid.UUID  `json:"version_id"`
		ModelID      uuid.UUID  `json:"model_id"`
		Semver       string     `json:"semver"`
		SemverKey    string     `json:"semver_key"`
		Status       string     `json:"status"`
		Framework    string     `json:"framework"`
		ArtifactURI  string     `json:"artifact_uri"`
		RegisteredAt *time.Time `json:"registered_at"`
	}
	runAt struct {
		RunID          uuid.UUID  `json:"run_id"`
		VersionID      uuid.UUID  `json:"version_id"`
		RunName        *string    `json:"run_name"`
		ExperimentName *string    `json:"experiment_name"`
		Status         string     `json:"status"`
		Accuracy       *float64   `json:"accuracy"`
		F1Score        *float64   `json:"f1_score"`
		Loss           *float64   `json:"loss"`
		CreatedAt      *time.Time `json:"created_at"`
		StartedAt      *time.Time `json:"started_at"`
		CompletedAt    *time.Time `json:"completed_at"`
	}
	runDatasetAt struct {
		RunID       uuid.UUID `json:"run_id"`
		DatasetID   uuid.UUID `json:"dataset_id"`
		DatasetRole string    `json:"dataset_role"`
	}
	datasetAt struct {
		DatasetID       uuid.UUID `json:"dataset_id"`
		DatasetName     string    `json:"dataset_name"`
		ContainsPII     *bool     `json:"contains_pii"`
		StorageLocation string    `json:"storage_location"`
		DataVersion     *string   `json:"data_version"`
	}
	deploymentAt struct {
		DeploymentID      uuid.UUID  `json:"deployment_id"`
		VersionID         uuid.UUID  `json:"version_id"`
		EnvironmentID     int32      `json:"environment_id"`
		Status            string     `json:"status"`
		TrafficPercentage *int32     `json:"traffic_percentage"`
		EndpointURL       *string    `json:"endpoint_url"`
		DeployedAt        *time.Time `json:"deployed_at"`
		DeployedBy        string     `json:"deployed_by"`
		UndeployedAt      *time.Time `json:"undeployed_at"`
	}
	approvalAt struct {
		ApprovalID   uuid.UUID  `json:"approval_id"`
		VersionID    uuid.UUID  `json:"version_id"`
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
	environmentAt struct {
		EnvironmentID   int32  `json:"environment_id"`
		EnvironmentName string `json:"environment_name"`
		EnvironmentType string `json:"environment_type"`
		Priority        *int32 `json:"priority"`
	}
)

// rowAt is one row of LineageAsOf decoded: its value at the moment and where
// each column's value comes from.
type rowAt[T any] struct {
	row      T
	presence Provenance
	columns  map[string]Provenance
	removed  *Removal
}

// asOf maps a row's column provenances to the report fields they fill:
// fields maps a report field to the columns it is made of.
func (r rowAt[T]) asOf(fields map[string][]string) *AsOf {
	a := &AsOf{Presence: r.presence, Fields: map[string]Provenance{}, RemovedByRetention: r.removed}
	for field, columns := range fields {
		p := FromAudit
		for _, c := range columns {
			if cp, ok := r.columns[c]; ok {
				p = worse(p, cp)
			}
		}
		a.Fields[field] = p
	}
	return a
}

// The report fields of each entity that can change, and the columns that
// make them.
var (
	versionFields = map[string][]string{"semver": {"semver"}, "status": {"status"}, "framework": {"framework"},
		"artifact_uri": {"artifact_uri"}, "registered_at": {"registered_at"}}
	runFields = map[string][]string{"run_name": {"run_name"}, "experiment_name": {"experiment_name"}, "status": {"status"},
		"accuracy": {"accuracy"}, "f1_score": {"f1_score"}, "loss": {"loss"}, "created_at": {"created_at"},
		"started_at": {"started_at"}, "completed_at": {"completed_at"}}
	datasetFields = map[string][]string{"dataset_name": {"dataset_name"}, "contains_pii": {"contains_pii"},
		"storage_location": {"storage_location"}, "data_version": {"data_version"}}
	deploymentFields = map[string][]string{"status": {"status"}, "traffic_percentage": {"traffic_percentage"},
		"endpoint_url": {"endpoint_url"}, "deployed_at": {"deployed_at"}, "deployed_by": {"deployed_by"},
		"undeployed_at": {"undeployed_at"}, "environment_name": {"environment_id"}, "environment_type": {"environment_id"}}
	environmentFields = map[string][]string{"environment_name": {"environment_name"}, "environment_type": {"environment_type"}}
	approvalFields    = map[string][]string{"approval_type": {"approval_type"}, "status": {"status", "expires_at"},
		"requested_by": {"requested_by"}, "requested_at": {"requested_at"}, "approved_by": {"approved_by"},
		"approved_at": {"approved_at"}, "rejected_by": {"rejected_by"}, "rejected_at": {"rejected_at"}, "expires_at": {"expires_at"}}
)

// decodeAt decodes the rows of one table.
func decodeAt[T any](rows []registrydb.LineageAsOfRow, table string) ([]rowAt[T], error) {
	var out []rowAt[T]
	for _, r := range rows {
		if r.TableName != table {
			continue
		}
		var d rowAt[T]
		if err := json.Unmarshal(r.RowAt, &d.row); err != nil {
			return nil, fmt.Errorf("%s row %s at the moment: %w", table, r.RowKey, err)
		}
		if err := json.Unmarshal(r.FieldAsOf, &d.columns); err != nil {
			return nil, fmt.Errorf("%s row %s provenance: %w", table, r.RowKey, err)
		}
		d.presence = Provenance(r.Presence)
		if r.RemovedByRetention != nil && r.RemovedAt != nil {
			d.removed = &Removal{RetentionRun: *r.RemovedByRetention, AppliedAt: r.RemovedAt.UTC()}
		}
		out = append(out, d)
	}
	return out, nil
}

// buildAt reads the registry as it was at *opts.At in three queries (the
// trail's coverage, LineageAsOf and the retention runs since), and
// assembles the report from the rows as they were then: versions whose
// model was this one, their runs, the datasets those used, their approvals
// and the deployments live at that moment. Each entity's AsOf says which
// values the trail establishes, and whether retention removed it since.
func buildAt(ctx context.Context, q *registrydb.Queries, m registrydb.Model, opts Options) (Report, error) {
	at := opts.At.UTC()
	coverage, err := q.LineageTrailCoverage(ctx)
	if err != nil {
		return Report{}, trailError(err)
	}
	rows, err := q.LineageAsOf(ctx, at, m.ModelID)
	if err != nil {
		return Report{}, trailError(err)
	}
	removals, err := q.LineageRetentionRemovals(ctx, m.ModelID, at)
	if err != nil {
		return Report{}, trailError(err)
	}
	report := newReport(m, opts)
	report.Retention = retentionRemovals(removals)
	report.Trail = &TrailCoverage{}
	if coverage.HasRows {
		since := coverage.CompleteSince.UTC()
		report.Trail.CompleteSince = &since
		report.Trail.Covers = !at.Before(since)
	}
	if coverage.HasRetired {
		until := coverage.RetiredUntil.UTC()
		report.Trail.RetiredUntil = &until
		report.Trail.Covers = report.Trail.Covers && !at.Before(until)
	}

	versions, err := decodeAt[versionAt](rows, "model_versions")
	if err != nil {
		return Report{}, err
	}
	runs, err := decodeAt[runAt](rows, "training_runs")
	if err != nil {
		return Report{}, err
	}
	links, err := decodeAt[runDatasetAt](rows, "run_datasets")
	if err != nil {
		return Report{}, err
	}
	datasets, err := decodeAt[datasetAt](rows, "datasets")
	if err != nil {
		return Report{}, err
	}
	deployments, err := decodeAt[deploymentAt](rows, "deployments")
	if err != nil {
		return Report{}, err
	}
	approvals, err := decodeAt[approvalAt](rows, "approvals")
	if err != nil {
		return Report{}, err
	}
	environments, err := decodeAt[environmentAt](rows, "environments")
	if err != nil {
		return Report{}, err
	}

	// Versions of this model then, highest semantic version first.
	versions = slices.DeleteFunc(versions, func(v rowAt[versionAt]) bool {
		return v.row.ModelID != m.ModelID || (opts.Version != "" && v.row.Semver != opts.Version)
	})
	if opts.Version != "" && len(versions) == 0 {
		return Report{}, &NotFoundError{Kind: "version", Name: m.ModelName, Version: opts.Version, At: &at}
	}
	slices.SortFunc(versions, func(a, b rowAt[versionAt]) int { return strings.Compare(b.row.SemverKey, a.row.SemverKey) })
	index := map[uuid.UUID]*Version{}
	report.Versions = make([]Version, len(versions))
	for i, v := range versions {
		r := v.row
		report.Versions[i] = Version{VersionID: r.VersionID, Semver: r.Semver, Status: r.Status, Framework: r.Framework,
			ArtifactURI: r.ArtifactURI, RegisteredAt: r.RegisteredAt, AsOf: v.asOf(versionFields),
			Runs: []Run{}, Deployments: []Deployment{}, Approvals: []Approval{}}
		index[r.VersionID] = &report.Versions[i]
	}

	datasetByID := map[uuid.UUID]rowAt[datasetAt]{}
	for _, d := range datasets {
		datasetByID[d.row.DatasetID] = d
	}
	linksByRun := map[uuid.UUID][]Dataset{}
	for _, l := range links {
		d, ok := datasetByID[l.row.DatasetID]
		if !ok {
			continue // the dataset did not exist then: the link cannot have either
		}
		asOf := d.asOf(datasetFields)
		asOf.Presence = worse(asOf.Presence, l.presence)
		asOf.RemovedByRetention = l.removed // the link's, not the dataset's (retention keeps datasets)
		asOf.Fields["role"] = l.asOf(map[string][]string{"role": {"dataset_role"}}).Fields["role"]
		linksByRun[l.row.RunID] = append(linksByRun[l.row.RunID], Dataset{DatasetID: d.row.DatasetID, DatasetName: d.row.DatasetName,
			Role: l.row.DatasetRole, ContainsPII: d.row.ContainsPII != nil && *d.row.ContainsPII,
			StorageLocation: d.row.StorageLocation, DataVersion: d.row.DataVersion, AsOf: asOf})
	}

	slices.SortFunc(runs, func(a, b rowAt[runAt]) int { return compareRuns(a.row, b.row) })
	for _, r := range runs {
		v, ok := index[r.row.VersionID]
		if !ok {
			continue
		}
		v.RunsTotal++
		if opts.Runs > 0 && len(v.Runs) >= opts.Runs {
			continue
		}
		ds := linksByRun[r.row.RunID]
		slices.SortFunc(ds, func(a, b Dataset) int {
			return cmpStrings(a.Role, b.Role, a.DatasetName, b.DatasetName)
		})
		if ds == nil {
			ds = []Dataset{}
		}
		x := r.row
		v.Runs = append(v.Runs, Run{RunID: x.RunID, RunName: x.RunName, ExperimentName: x.ExperimentName, Status: x.Status,
			Accuracy: x.Accuracy, F1Score: x.F1Score, Loss: x.Loss, CreatedAt: x.CreatedAt, StartedAt: x.StartedAt,
			CompletedAt: x.CompletedAt, Datasets: ds, AsOf: r.asOf(runFields)})
	}

	environmentByID := map[int32]rowAt[environmentAt]{}
	for _, e := range environments {
		environmentByID[e.row.EnvironmentID] = e
	}
	type placed struct {
		d        Deployment
		priority int32
	}
	byVersion := map[uuid.UUID][]placed{}
	for _, d := range deployments {
		v, ok := index[d.row.VersionID]
		if !ok {
			continue
		}
		asOf := d.asOf(deploymentFields)
		if !liveAt(d.row, asOf, at) {
			continue
		}
		e := environmentByID[d.row.EnvironmentID]
		envAsOf := e.asOf(environmentFields)
		for _, f := range []string{"environment_name", "environment_type"} {
			asOf.Fields[f] = worse(asOf.Fields[f], worse(envAsOf.Fields[f], e.presence))
		}
		x := d.row
		byVersion[v.VersionID] = append(byVersion[v.VersionID], placed{Deployment{DeploymentID: x.DeploymentID,
			EnvironmentName: e.row.EnvironmentName, EnvironmentType: e.row.EnvironmentType, Status: x.Status,
			TrafficPercentage: x.TrafficPercentage, EndpointURL: x.EndpointURL, DeployedAt: x.DeployedAt,
			DeployedBy: x.DeployedBy, UndeployedAt: x.UndeployedAt, AsOf: asOf}, derefInt(e.row.Priority)})
	}
	for id, list := range byVersion {
		slices.SortFunc(list, func(a, b placed) int {
			if a.priority != b.priority {
				return int(b.priority) - int(a.priority)
			}
			if c := strings.Compare(a.d.EnvironmentName, b.d.EnvironmentName); c != 0 {
				return c
			}
			if c := compareTimesDesc(a.d.DeployedAt, b.d.DeployedAt); c != 0 {
				return c
			}
			return strings.Compare(a.d.DeploymentID.String(), b.d.DeploymentID.String())
		})
		for _, p := range list {
			index[id].Deployments = append(index[id].Deployments, p.d)
		}
	}

	slices.SortFunc(approvals, func(a, b rowAt[approvalAt]) int {
		if c := compareTimesDesc(a.row.RequestedAt, b.row.RequestedAt); c != 0 {
			return c
		}
		return cmpStrings(a.row.ApprovalType, b.row.ApprovalType, a.row.ApprovalID.String(), b.row.ApprovalID.String())
	})
	for _, a := range approvals {
		v, ok := index[a.row.VersionID]
		if !ok {
			continue
		}
		x := a.row
		v.Approvals = append(v.Approvals, Approval{ApprovalID: x.ApprovalID, ApprovalType: x.ApprovalType,
			Status: decisionAt(x.Status, x.ExpiresAt, at), RequestedBy: x.RequestedBy, RequestedAt: x.RequestedAt,
			ApprovedBy: x.ApprovedBy, ApprovedAt: x.ApprovedAt, RejectedBy: x.RejectedBy, RejectedAt: x.RejectedAt,
			ExpiresAt: x.ExpiresAt, AsOf: a.asOf(approvalFields)})
	}
	return report, nil
}

// retentionRemovals folds LineageRetentionRemovals' rows (one per run and
// table, in run order) into one entry per retention run.
func retentionRemovals(rows []registrydb.LineageRetentionRemovalsRow) []RetentionRemoval {
	out := []RetentionRemoval{}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].RetentionRun != r.RetentionRunID {
			out = append(out, RetentionRemoval{RetentionRun: r.RetentionRunID, AppliedAt: r.AppliedAt.UTC(), InTrail: r.InTrail})
		}
		e := &out[len(out)-1]
		switch r.TableName {
		case "training_runs":
			e.TrainingRuns = r.RowsRemoved
		case "run_datasets":
			e.RunDatasets = r.RowsRemoved
		case "deployments":
			e.Deployments = r.RowsRemoved
		}
	}
	return out
}

// liveAt reports whether a deployment as it was at the moment served then:
// deployed by then and not undeployed yet, and, where the trail gives its
// status at the moment, active or degraded. Where it does not, its dates
// decide (today's status says nothing of the moment).
func liveAt(d deploymentAt, asOf *AsOf, at time.Time) bool {
	if d.DeployedAt == nil || d.DeployedAt.After(at) || (d.UndeployedAt != nil && !d.UndeployedAt.After(at)) {
		return false
	}
	if asOf.Of("status") == FromAudit {
		return d.Status == "active" || d.Status == "degraded"
	}
	return true
}

// compareRuns orders a version's runs as LineageRunsByModel does: newest
// first, then by name (byte order, no name last), then id.
func compareRuns(a, b runAt) int {
	if c := compareTimesDesc(a.CreatedAt, b.CreatedAt); c != 0 {
		return c
	}
	switch {
	case a.RunName == nil && b.RunName != nil:
		return 1
	case a.RunName != nil && b.RunName == nil:
		return -1
	case a.RunName != nil && *a.RunName != *b.RunName:
		return strings.Compare(*a.RunName, *b.RunName)
	}
	return strings.Compare(a.RunID.String(), b.RunID.String())
}

// compareTimesDesc orders newest first, no time last.
func compareTimesDesc(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return b.Compare(*a)
}

func cmpStrings(a1, b1, a2, b2 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	return strings.Compare(a2, b2)
}

// trailError says why a report at a past moment could not be read when the
// reader may not read the audit trail.
func trailError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" {
		return fmt.Errorf("lineage at a past moment reads the audit trail, which needs the registry_admin role: %w", err)
	}
	return err
}
