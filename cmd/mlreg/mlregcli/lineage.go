package mlregcli

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/openlineage"
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

func (a *app) lineageCommand() *cobra.Command {
	var format, version, at, namespace string
	cmd := &cobra.Command{
		Use:   "lineage MODEL",
		Short: "A model's versions, training runs, datasets, deployments and approvals",
		Long: `lineage reports a model's lineage: each version, the training runs behind it
and the datasets they read, where it is deployed and which approvals it holds.

--format openlineage writes the model's training runs as OpenLineage run
events, one JSON object a line, for a lineage backend to ingest.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validText("model name", args[0]); err != nil {
				return err
			}
			if err := formatOf(cmd, format, "text", "json", "dot", "mermaid", "openlineage"); err != nil {
				return err
			}
			opts := lineage.Options{Version: version}
			if version != "" && !lineage.SemverPattern.MatchString(version) {
				return usagef("--version %q: want a semantic version like 1.2.3 or 1.2.3-rc1", version)
			}
			if cmd.Flags().Changed("at") {
				t, err := parseTime("--at", at)
				if err != nil {
					return err
				}
				opts.At = &t
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
				return openlineage.Write(a.out, openlineage.Events(report, namespace))
			}
			return lineage.Formats[format](a.out, report)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&format, "format", "text", "output format: text, json, dot, mermaid or openlineage")
	flags.StringVar(&version, "version", "", "report this semantic version only")
	flags.StringVar(&at, "at", "", "the registry as it was at this time (RFC 3339 or a date)")
	flags.StringVar(&namespace, "namespace", openlineage.RegistryNamespace, "OpenLineage job namespace (--format openlineage)")
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
				return writeJSON(a.out, im)
			}
			return lineage.WriteImpactText(a.out, im)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
