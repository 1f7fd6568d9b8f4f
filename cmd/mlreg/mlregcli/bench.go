package mlregcli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/benchmark"
	"github.com/mlplatform/model-registry/internal/benchreport"
	"github.com/mlplatform/model-registry/seed"
)

func (a *app) benchCommand() *cobra.Command {
	var sizeName string
	var asJSON, keep bool
	var lookups int
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the registry against baselines taken in the same run",
		Long: `bench builds a synthetic registry (seed --scale) in scratch databases and
measures it against baselines taken in the same run: bulk load against psql
\copy and one INSERT a row; writes with the audit trail against the same
writes without it; point lookups against a primary-key lookup of the same
table and against SELECT 1; lineage against one query per version and
against one plain query of the same rows, its --runs summary against
SELECT 1; check against a count of the runs; an MLflow import against the
seed's COPY. Every figure is a ratio. The scratch databases go on the server of --database-url (a
superuser's), or on a throwaway cluster, and are dropped afterwards.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			size, err := seed.ParseSize(sizeName)
			if err != nil {
				return usagef("bench: %v", err)
			}
			if lookups < 100 {
				return usagef("bench: --lookups %d: want at least 100", lookups)
			}
			results, err := benchmark.Run(cmd.Context(), benchmark.Options{
				ServerURL: a.databaseURL, Size: size, Lookups: lookups, Keep: keep, Actor: a.actor, Log: a.errOut,
			})
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			if asJSON {
				return benchreport.WriteJSON(a.out, results)
			}
			fmt.Fprintf(a.out, "bench: size %s (%d models, %d versions, %d runs, %d run-dataset links)\n",
				size.Name, size.Models, size.Versions, size.Runs, size.RunDatasets)
			return benchreport.WriteTable(a.out, results)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&sizeName, "size", "small", "synthetic registry size: tiny, small, medium or large")
	flags.BoolVar(&asJSON, "json", false, "one JSON object a measurement")
	flags.IntVar(&lookups, "lookups", 10_000, "calls each point lookup is timed over")
	flags.BoolVar(&keep, "keep", false, "keep the scratch databases (given server only)")
	return cmd
}
