package mlregcli

import (
	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/erd"
	"github.com/mlplatform/model-registry/gen/registrydb"
)

func (a *app) erdCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "erd",
		Short: "The database's schema as an entity-relationship diagram",
		Long: `erd reads the connected database's catalog and prints its schema as a
Mermaid erDiagram: the schema as migrated, not as anyone remembers it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, format, "mermaid"); err != nil {
				return err
			}
			// Any database's schema can be drawn, the registry's or not.
			pool, err := a.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			s, err := erd.Read(cmd.Context(), registrydb.New(pool))
			if err != nil {
				return err
			}
			return erd.WriteMermaid(a.out, s)
		},
	}
	cmd.Flags().StringVar(&format, "format", "mermaid", "diagram language: mermaid")
	return cmd
}
