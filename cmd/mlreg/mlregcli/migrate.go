package mlregcli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/migrate"
)

func (a *app) migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate [up|down|status]",
		Short: "Apply (the default), roll back or list the embedded migrations",
		Long: `migrate applies the migrations built into mlreg (the same files as
db/migrations, which the dbmate binary applies with make migrate; both keep
dbmate's schema_migrations table, so either may be used on a database).`,
	}
	up := &cobra.Command{
		Use:   "up",
		Short: "Create the database if missing and apply every pending migration",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.requireURL(); err != nil {
				return err
			}
			m, err := a.migrator()
			if err != nil {
				return err
			}
			if err := m.Up(cmd.Context(), a.databaseURL); err != nil {
				return fmt.Errorf("migrate up: %w", err)
			}
			return nil
		},
	}
	var force bool
	down := &cobra.Command{
		Use:   "down",
		Short: "Roll back the newest migration",
		Long: `down rolls back the newest applied migration. When that would drop tables
holding rows (the audit trail above all), it names them and their row counts
and stops; --force rolls back anyway.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.requireURL(); err != nil {
				return err
			}
			m, err := a.migrator()
			if err != nil {
				return err
			}
			if err := m.Down(cmd.Context(), a.databaseURL, migrate.DownOptions{Force: force}); err != nil {
				return fmt.Errorf("migrate down: %w", err)
			}
			return nil
		},
	}
	down.Flags().BoolVar(&force, "force", false, "roll back even if tables holding rows are dropped")
	status := &cobra.Command{
		Use:   "status",
		Short: "List applied and pending migrations",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.requireURL(); err != nil {
				return err
			}
			m, err := a.migrator()
			if err != nil {
				return err
			}
			st, err := m.Status(cmd.Context(), a.databaseURL)
			if err != nil {
				return fmt.Errorf("migrate status: %w", err)
			}
			applied := map[string]bool{}
			for _, v := range st.Applied {
				applied[v] = true
			}
			for _, mig := range m.Migrations() {
				mark := "[ ]"
				if applied[mig.Version] {
					mark = "[X]"
				}
				fmt.Fprintf(a.out, "%s %s\n", mark, mig.File)
			}
			for _, v := range st.Unknown {
				fmt.Fprintf(a.out, "[?] %s (applied, unknown to this release)\n", v)
			}
			fmt.Fprintf(a.out, "\nApplied: %d\nPending: %d\n", len(st.Applied)-len(st.Unknown), len(st.Pending))
			if len(st.Unknown) > 0 {
				return &migrate.NewerDatabaseError{Unknown: st.Unknown}
			}
			return nil
		},
	}
	cmd.AddCommand(up, down, status)
	// Bare `mlreg migrate` applies, as it always has.
	cmd.Args, cmd.RunE = cobra.NoArgs, up.RunE
	return cmd
}
