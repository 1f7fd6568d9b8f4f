// Package integrity runs the registry's integrity checks: the queries of
// queries/integrity.sql that find rows which broke a rule (orphans,
// unapproved production deployments, traffic over 100 %, ...) or deserve a
// look (PII in production, stale datasets). Constraints and triggers keep
// such rows out of a registry written through them; the checks find the
// ones that got in another way (a restore, a load with triggers off).
package integrity

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// Severity of a check's findings: an error breaks a rule the registry
// promises; a warning is worth a look.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Finding is one offending row of one check.
type Finding struct {
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Subject  string `json:"subject"`
	Detail   string `json:"detail"`
}

// Check is one named check.
type Check struct {
	Name     string
	Severity string
	find     func(context.Context, *registrydb.Queries) ([]Finding, error)
}

// Report is what a run of every check found.
type Report struct {
	Checks   int       // how many checks ran
	Findings []Finding // in the order of Checks, then each query's order
	Errors   int       // findings of error severity
}

// OK reports whether no error-level finding was made (warnings may exist).
func (r Report) OK() bool { return r.Errors == 0 }

// Warnings is the number of warning-level findings.
func (r Report) Warnings() int { return len(r.Findings) - r.Errors }

// rows adapts a generated integrity query: every one returns (subject, detail).
func rows[R any](query func(*registrydb.Queries, context.Context) ([]R, error), fields func(R) (string, string)) func(context.Context, *registrydb.Queries) ([]Finding, error) {
	return func(ctx context.Context, q *registrydb.Queries) ([]Finding, error) {
		found, err := query(q, ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Finding, 0, len(found))
		for _, r := range found {
			s, d := fields(r)
			out = append(out, Finding{Subject: s, Detail: d})
		}
		return out, nil
	}
}

// Checks lists every check, in the order they run.
func Checks() []Check {
	return []Check{
		{"orphaned-versions", SeverityError, rows((*registrydb.Queries).IntegrityOrphanedVersions,
			func(r registrydb.IntegrityOrphanedVersionsRow) (string, string) { return r.Subject, r.Detail })},
		{"orphaned-runs", SeverityError, rows((*registrydb.Queries).IntegrityOrphanedRuns,
			func(r registrydb.IntegrityOrphanedRunsRow) (string, string) { return r.Subject, r.Detail })},
		{"orphaned-run-datasets", SeverityError, rows((*registrydb.Queries).IntegrityOrphanedRunDatasets,
			func(r registrydb.IntegrityOrphanedRunDatasetsRow) (string, string) { return r.Subject, r.Detail })},
		{"active-deployments-without-environment", SeverityError, rows((*registrydb.Queries).IntegrityActiveDeploymentsWithoutEnvironment,
			func(r registrydb.IntegrityActiveDeploymentsWithoutEnvironmentRow) (string, string) {
				return r.Subject, r.Detail
			})},
		{"deployments-without-version", SeverityError, rows((*registrydb.Queries).IntegrityDeploymentsWithoutVersion,
			func(r registrydb.IntegrityDeploymentsWithoutVersionRow) (string, string) { return r.Subject, r.Detail })},
		{"unapproved-production-deployments", SeverityError, rows((*registrydb.Queries).IntegrityUnapprovedProductionDeployments,
			func(r registrydb.IntegrityUnapprovedProductionDeploymentsRow) (string, string) {
				return r.Subject, r.Detail
			})},
		{"approved-past-expiry", SeverityError, rows((*registrydb.Queries).IntegrityApprovedPastExpiry,
			func(r registrydb.IntegrityApprovedPastExpiryRow) (string, string) { return r.Subject, r.Detail })},
		{"runs-with-bad-completion", SeverityError, rows((*registrydb.Queries).IntegrityRunsWithBadCompletion,
			func(r registrydb.IntegrityRunsWithBadCompletionRow) (string, string) { return r.Subject, r.Detail })},
		{"active-deployments-of-retired-versions", SeverityError, rows((*registrydb.Queries).IntegrityActiveDeploymentsOfRetiredVersions,
			func(r registrydb.IntegrityActiveDeploymentsOfRetiredVersionsRow) (string, string) {
				return r.Subject, r.Detail
			})},
		{"traffic-over-100-percent", SeverityError, rows((*registrydb.Queries).IntegrityTrafficOverAllocated,
			func(r registrydb.IntegrityTrafficOverAllocatedRow) (string, string) { return r.Subject, r.Detail })},
		{"pii-datasets-in-production", SeverityWarning, rows((*registrydb.Queries).IntegrityPIIDatasetsInProduction,
			func(r registrydb.IntegrityPIIDatasetsInProductionRow) (string, string) { return r.Subject, r.Detail })},
		{"stale-datasets", SeverityWarning, rows((*registrydb.Queries).IntegrityStaleDatasets,
			func(r registrydb.IntegrityStaleDatasetsRow) (string, string) { return r.Subject, r.Detail })},
		{"models-without-versions", SeverityWarning, rows((*registrydb.Queries).IntegrityModelsWithoutVersions,
			func(r registrydb.IntegrityModelsWithoutVersionsRow) (string, string) { return r.Subject, r.Detail })},
	}
}

// Run runs every check through q, in whatever transaction q is bound to:
// an importer validates the rows it is about to commit this way.
func Run(ctx context.Context, q *registrydb.Queries) (Report, error) {
	checks := Checks()
	report := Report{Checks: len(checks), Findings: []Finding{}}
	for _, c := range checks {
		found, err := c.find(ctx, q)
		if err != nil {
			return Report{}, fmt.Errorf("check %s: %w", c.Name, err)
		}
		for _, f := range found {
			f.Check, f.Severity = c.Name, c.Severity
			report.Findings = append(report.Findings, f)
			if c.Severity == SeverityError {
				report.Errors++
			}
		}
	}
	return report, nil
}

// snapshotWorkMem is the work_mem of RunSnapshot's transaction. A hash of
// every run id of the large registry (1 M) needs about 60 MB; at the 4MB
// default the anti-joins spill to temporary files and the checks grow faster
// than the registry.
const snapshotWorkMem = "64MB"

// RunSnapshot runs every check in one read-only REPEATABLE READ transaction
// of its own, so all of them read the same snapshot: a change committed
// half-way cannot show in one check and not in another. It changes nothing.
func RunSnapshot(ctx context.Context, db registry.TxBeginner) (Report, error) {
	var report Report
	snapshot := registry.TxOptions{TxOptions: pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}}
	err := registry.WithTx(ctx, db, snapshot, func(q *registrydb.Queries) error {
		if err := q.SessionSetWorkMem(ctx, snapshotWorkMem); err != nil {
			return err
		}
		var err error
		report, err = Run(ctx, q)
		return err
	})
	return report, err
}
