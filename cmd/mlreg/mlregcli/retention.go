package mlregcli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/retention"
	"github.com/mlplatform/model-registry/schemas"
)

func (a *app) retentionCommand() *cobra.Command {
	var dryRun bool
	var at, format string
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Remove inactive deployments and training runs past their retention period",
		Long: `retention applies the registry's retention policy (inactive deployments kept
2 years, training runs 1 year, unless the policy says otherwise per
environment or per model) in one transaction, audited under --actor: every
removed row stays readable in the audit trail, and the run is recorded in
retention_runs. It never removes a serving deployment, nor a run of a
version that is deployed, aliased, serving or not yet deprecated or
archived. --dry-run lists exactly what a run would remove, and removes
nothing; --at previews a later moment. Needs the registry_admin role.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, format, "text", "json"); err != nil {
				return err
			}
			var moment *time.Time
			if cmd.Flags().Changed("at") {
				if !dryRun {
					return usagef("--at previews retention at another moment: it needs --dry-run (a run counts from now)")
				}
				t, err := parseTime("--at", at)
				if err != nil {
					return err
				}
				moment = &t
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			var report retention.Report
			if dryRun {
				report, err = retention.Plan(cmd.Context(), pool, moment)
			} else {
				report, err = retention.Apply(cmd.Context(), pool, a.actor)
			}
			if err != nil {
				return err
			}
			if format == "json" {
				return schemas.WriteJSON(a.out, report)
			}
			return retention.WriteText(a.out, report)
		},
	}
	flags := cmd.Flags()
	flags.BoolVar(&dryRun, "dry-run", false, "list what would be removed, remove nothing")
	flags.StringVar(&at, "at", "", "with --dry-run: the moment to count periods back from (RFC 3339 or a date; default now)")
	flags.StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
