package mlregcli

import (
	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/schemas"
	"github.com/mlplatform/model-registry/stats"
)

func (a *app) statsCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Table and index sizes, index usage, sequential scans, dead rows, last vacuum and analyze",
		Long: `stats reads PostgreSQL's statistics of the registry's tables and indexes
(the exercise's Parts 6.1 and 6.3): each table's size, rows, dead rows and
last (auto)vacuum and (auto)analyze; the sequential scans of the tables that
grow; every index's size and use; and the indexes never used, each marked
"keep" when it enforces a constraint and "drop candidate" when it does not.
All figures come from one snapshot of the statistics; it reads no registry
row and changes nothing.

The counters run from the database's creation or its last statistics reset
(the first line says which), on this server only: a replica counts its own.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, format, "text", "json"); err != nil {
				return err
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			report, err := stats.Collect(cmd.Context(), pool)
			if err != nil {
				return err
			}
			if format == "json" {
				return schemas.WriteJSON(a.out, report)
			}
			return stats.WriteText(a.out, report)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
