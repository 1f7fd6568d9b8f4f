package mlregcli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/erd"
	"github.com/mlplatform/model-registry/gen/registrydb"
)

func (a *app) erdCommand() *cobra.Command {
	var format, area string
	cmd := &cobra.Command{
		Use:   "erd",
		Short: "The database's schema as an entity-relationship diagram",
		Long: `erd reads the connected database's catalog and prints its schema as a
Mermaid erDiagram (--format mermaid, the default) or a Graphviz digraph
(--format dot; render it with dot -Tpng): the schema as migrated, not as
anyone remembers it.

With --format dot, --area draws one part of the registry with its columns
(` + strings.Join(areaNames(), ", ") + `; the tables outside it that its
foreign keys reach appear as names in dashed boxes), or the overview: every
table as its name, grouped by area. Without --area every table is drawn
with its columns.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, format, "mermaid", "dot"); err != nil {
				return err
			}
			opts, err := dotOptions(cmd, format, area)
			if err != nil {
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
			if format == "dot" {
				return erd.WriteDOT(a.out, s, opts)
			}
			return erd.WriteMermaid(a.out, s)
		},
	}
	cmd.Flags().StringVar(&format, "format", "mermaid", "diagram language: mermaid or dot")
	cmd.Flags().StringVar(&area, "area", "", "with --format dot: overview, or one area ("+strings.Join(areaNames(), ", ")+")")
	return cmd
}

func areaNames() []string {
	var names []string
	for _, a := range erd.Areas() {
		names = append(names, a.Name)
	}
	return names
}

// dotOptions reads --area, which only the dot format draws.
func dotOptions(cmd *cobra.Command, format, area string) (erd.DOTOptions, error) {
	if !cmd.Flags().Changed("area") {
		return erd.DOTOptions{}, nil
	}
	if format != "dot" {
		return erd.DOTOptions{}, usagef("erd: --area goes with --format dot")
	}
	if area == "overview" {
		return erd.DOTOptions{Overview: true}, nil
	}
	for _, a := range erd.Areas() {
		if a.Name == area {
			return erd.DOTOptions{Area: &a}, nil
		}
	}
	return erd.DOTOptions{}, usagef("erd: unknown --area %q (want overview, %s)", area, strings.Join(areaNames(), ", "))
}
