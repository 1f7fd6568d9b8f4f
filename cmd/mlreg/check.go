package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// finding is one offending row of one check.
type finding struct {
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Subject  string `json:"subject"`
	Detail   string `json:"detail"`
}

type integrityCheck struct {
	name, severity string
	run            func(context.Context) ([]finding, error)
}

// rowsOf adapts a generated integrity query: every one returns (subject, detail).
func rowsOf[R any](query func(context.Context) ([]R, error), fields func(R) (string, string)) func(context.Context) ([]finding, error) {
	return func(ctx context.Context) ([]finding, error) {
		rows, err := query(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]finding, 0, len(rows))
		for _, r := range rows {
			s, d := fields(r)
			out = append(out, finding{Subject: s, Detail: d})
		}
		return out, nil
	}
}

func integrityChecks(q *registrydb.Queries) []integrityCheck {
	return []integrityCheck{
		{"orphaned-versions", "error", rowsOf(q.IntegrityOrphanedVersions, func(r registrydb.IntegrityOrphanedVersionsRow) (string, string) { return r.Subject, r.Detail })},
		{"orphaned-runs", "error", rowsOf(q.IntegrityOrphanedRuns, func(r registrydb.IntegrityOrphanedRunsRow) (string, string) { return r.Subject, r.Detail })},
		{"orphaned-run-datasets", "error", rowsOf(q.IntegrityOrphanedRunDatasets, func(r registrydb.IntegrityOrphanedRunDatasetsRow) (string, string) { return r.Subject, r.Detail })},
		{"active-deployments-without-environment", "error", rowsOf(q.IntegrityActiveDeploymentsWithoutEnvironment, func(r registrydb.IntegrityActiveDeploymentsWithoutEnvironmentRow) (string, string) {
			return r.Subject, r.Detail
		})},
		{"deployments-without-version", "error", rowsOf(q.IntegrityDeploymentsWithoutVersion, func(r registrydb.IntegrityDeploymentsWithoutVersionRow) (string, string) { return r.Subject, r.Detail })},
		{"unapproved-production-deployments", "error", rowsOf(q.IntegrityUnapprovedProductionDeployments, func(r registrydb.IntegrityUnapprovedProductionDeploymentsRow) (string, string) {
			return r.Subject, r.Detail
		})},
		{"approved-past-expiry", "error", rowsOf(q.IntegrityApprovedPastExpiry, func(r registrydb.IntegrityApprovedPastExpiryRow) (string, string) { return r.Subject, r.Detail })},
		{"runs-with-bad-completion", "error", rowsOf(q.IntegrityRunsWithBadCompletion, func(r registrydb.IntegrityRunsWithBadCompletionRow) (string, string) { return r.Subject, r.Detail })},
		{"active-deployments-of-retired-versions", "error", rowsOf(q.IntegrityActiveDeploymentsOfRetiredVersions, func(r registrydb.IntegrityActiveDeploymentsOfRetiredVersionsRow) (string, string) {
			return r.Subject, r.Detail
		})},
		{"traffic-over-100-percent", "error", rowsOf(q.IntegrityTrafficOverAllocated, func(r registrydb.IntegrityTrafficOverAllocatedRow) (string, string) { return r.Subject, r.Detail })},
		{"pii-datasets-in-production", "warning", rowsOf(q.IntegrityPIIDatasetsInProduction, func(r registrydb.IntegrityPIIDatasetsInProductionRow) (string, string) { return r.Subject, r.Detail })},
		{"stale-datasets", "warning", rowsOf(q.IntegrityStaleDatasets, func(r registrydb.IntegrityStaleDatasetsRow) (string, string) { return r.Subject, r.Detail })},
		{"models-without-versions", "warning", rowsOf(q.IntegrityModelsWithoutVersions, func(r registrydb.IntegrityModelsWithoutVersionsRow) (string, string) { return r.Subject, r.Detail })},
	}
}

// checkWorkMem is the work_mem of the checks' transaction. A hash of every
// run id of the large registry (1 M) needs about 60 MB; at the 4MB default
// the anti-joins spill to temporary files and check grows faster than the
// registry.
const checkWorkMem = "64MB"

// runChecks runs every check and returns the findings and whether any is an
// error. All of them read one snapshot, in a read-only REPEATABLE READ
// transaction, so a change committed half-way cannot show in one check and
// not in another.
func runChecks(ctx context.Context, pool *pgxpool.Pool) (all []finding, failed bool, err error) {
	snapshot := registry.TxOptions{TxOptions: pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}}
	err = registry.WithTx(ctx, pool, snapshot, func(q *registrydb.Queries) error {
		all, failed = nil, false
		if err := q.SessionSetWorkMem(ctx, checkWorkMem); err != nil {
			return err
		}
		for _, c := range integrityChecks(q) {
			fs, err := c.run(ctx)
			if err != nil {
				return fmt.Errorf("check %s: %w", c.name, err)
			}
			for _, f := range fs {
				f.Check, f.Severity = c.name, c.severity
				all = append(all, f)
				failed = failed || c.severity == "error"
			}
		}
		return nil
	})
	return all, failed, err
}

func cmdCheck(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	format := fs.String("format", "text", "")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("check takes no arguments, got %q", rest[0])
	}
	if *format != "text" && *format != "json" {
		return usagef("unknown format %q for check (want text or json)", *format)
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	findings, failed, err := runChecks(ctx, pool)
	if err != nil {
		return err
	}
	if *format == "json" {
		if findings == nil {
			findings = []finding{}
		}
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"ok": !failed, "findings": findings}); err != nil {
			return err
		}
	} else {
		printFindings(e.out, findings, len(integrityChecks(nil)))
	}
	if failed {
		return errFindings
	}
	return nil
}

func printFindings(w io.Writer, findings []finding, checks int) {
	if len(findings) == 0 {
		fmt.Fprintf(w, "check: %d checks, no findings\n", checks)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCHECK\tSUBJECT\tDETAIL")
	errs := 0
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Severity, f.Check, f.Subject, f.Detail)
		if f.Severity == "error" {
			errs++
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "check: %d checks, %d findings (%d errors, %d warnings)\n", checks, len(findings), errs, len(findings)-errs)
}
