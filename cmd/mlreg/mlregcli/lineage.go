package mlregcli

import (
	"errors"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/openlineage"
	"github.com/mlplatform/model-registry/schemas"
)

// parseTime accepts RFC 3339 (fractions of a second kept) or a plain date
// (midnight UTC).
func parseTime(flag, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("%s %q: want RFC 3339, like 2026-03-01T12:00:00Z, or a date like 2026-03-01", flag, s)
}

// defaultRunsPerVersion is --runs when it is not given: enough to see what
// a version came from, few enough that a model with thousands of runs still
// reports at once (the rest are counted).
const defaultRunsPerVersion = 10

// parseRuns reads --runs: a positive count, or "all" (or 0) for every run.
func parseRuns(s string) (int, error) {
	if s == "all" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, usagef("--runs %q: want a number of runs per version, or all", s)
	}
	return n, nil
}

func (a *app) lineageCommand() *cobra.Command {
	var format, version, at, namespace, runs string
	cmd := &cobra.Command{
		Use:   "lineage MODEL",
		Short: "A model's versions, training runs, datasets, deployments and approvals",
		Long: `lineage reports a model's lineage: each version, the training runs behind it
and the datasets they read, where it is deployed and which approvals it holds.

--runs N lists the newest N runs of each version (default 10) and counts the
rest; --runs all lists every run.

--at TIME reports the registry as it was at that moment, rebuilt from the
audit trail (which needs the registry_admin role): the versions, runs and
approvals it had then with their status then, and the deployments live then
with the traffic they had. A value the trail cannot establish for that
moment is marked (~ today's value, ? a later change's) and the JSON says
where each value comes from (as_of); docs/lineage.md says what the trail can
and cannot know.

--format openlineage writes the model's training runs as OpenLineage run
events, one JSON object a line, for a lineage backend to ingest: every run
(--runs does not apply), and with --at the events up to that moment only.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validText("model name", args[0]); err != nil {
				return err
			}
			if err := formatOf(cmd, format, "text", "json", "dot", "mermaid", "openlineage"); err != nil {
				return err
			}
			opts := lineage.Options{Version: version, Runs: defaultRunsPerVersion}
			if version != "" && !lineage.SemverPattern.MatchString(version) {
				return usagef("--version %q: want a semantic version like 1.2.3 or 1.2.3-rc1", version)
			}
			if cmd.Flags().Changed("runs") {
				n, err := parseRuns(runs)
				if err != nil {
					return err
				}
				if format == "openlineage" && n != 0 {
					return usagef("--runs %s: --format openlineage writes every run's events (--runs all)", runs)
				}
				opts.Runs = n
			}
			if format == "openlineage" {
				opts.Runs = 0
			}
			if cmd.Flags().Changed("at") {
				t, err := parseTime("--at", at)
				if err != nil {
					return err
				}
				opts.At = &t
			}
			if cmd.Flags().Changed("namespace") && format != "openlineage" {
				return usagef("--namespace names OpenLineage jobs: it goes with --format openlineage")
			}
			if err := validText("--namespace", namespace); err != nil {
				return err
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			report, err := lineage.Build(cmd.Context(), registrydb.New(pool), args[0], opts)
			var notFound *lineage.NotFoundError
			if errors.As(err, &notFound) {
				return usageError{notFound.Error()}
			}
			if err != nil {
				return err
			}
			if format == "openlineage" {
				cc := pool.Config().ConnConfig
				registryNS := openlineage.RegistryNamespace(cc.Host, cc.Port, cc.Database)
				return openlineage.Write(a.out, openlineage.Events(report, openlineage.Options{JobNamespace: namespace, Registry: registryNS}))
			}
			return lineage.Formats[format](a.out, report)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&format, "format", "text", "output format: text, json, dot, mermaid or openlineage")
	flags.StringVar(&version, "version", "", "report this semantic version only")
	flags.StringVar(&at, "at", "", "the registry as it was at this time (RFC 3339 or a date), from the audit trail")
	flags.StringVar(&runs, "runs", strconv.Itoa(defaultRunsPerVersion), "the newest runs listed per version, or all")
	flags.StringVar(&namespace, "namespace", "", "OpenLineage job namespace (--format openlineage; default mlreg://HOST:PORT/DATABASE, the registry)")
	return cmd
}

func (a *app) impactCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "impact DATASET",
		Short: "What depends on a dataset: the runs that read it and the deployments they reach",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validText("dataset name", args[0]); err != nil {
				return err
			}
			if err := formatOf(cmd, format, "text", "json"); err != nil {
				return err
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			im, err := lineage.Impact(cmd.Context(), registrydb.New(pool), args[0])
			var notFound *lineage.NotFoundError
			if errors.As(err, &notFound) {
				return usageError{notFound.Error()}
			}
			if err != nil {
				return err
			}
			if format == "json" {
				return schemas.WriteJSON(a.out, im)
			}
			return lineage.WriteImpactText(a.out, im)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
