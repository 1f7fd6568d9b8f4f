package mlregcli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/migrate"
)

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Migrate, seed, check and report lineage on a throwaway database",
		Long: `demo runs the registry's main job end to end on a database of its own: a new
database with a random name on the server of --database-url / DATABASE_URL
(dropped afterwards), or else a throwaway cluster started from the machine's
PostgreSQL binaries (removed afterwards). It never writes to the database a
URL names.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			url, cleanup, err := a.throwawayDatabase(cmd.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			demo := *a
			demo.databaseURL = url
			steps := [][]string{
				{"migrate", "up"}, {"seed"}, {"check"}, {"lineage", "fraud-detector"}, {"impact", "transaction-logs"},
			}
			for _, step := range steps {
				fmt.Fprintf(a.out, "\n== mlreg %s\n", strings.Join(step, " "))
				root := demo.rootCommand()
				root.SetArgs(append(step, "--database-url", url, "--actor", a.actor))
				root.SetOut(a.out)
				root.SetErr(a.errOut)
				if err := root.ExecuteContext(cmd.Context()); err != nil {
					return fmt.Errorf("demo step %s: %w", strings.Join(step, " "), err)
				}
			}
			return nil
		},
	}
}

// throwawayDatabase is a database only this run uses: a new one on the
// given server, or the maintenance database of a throwaway cluster.
func (a *app) throwawayDatabase(ctx context.Context) (url string, cleanup func(), err error) {
	if a.databaseURL == "" {
		srv, err := pgserver.StartCluster(ctx, pgserver.ClusterOptions{})
		if err != nil {
			return "", nil, fmt.Errorf("demo needs a server: set DATABASE_URL (a new database is made there and dropped) or install PostgreSQL's server binaries: %w", err)
		}
		fmt.Fprintf(a.out, "demo: throwaway PostgreSQL from %s\n", srv.Source)
		return srv.URL, func() {
			if err := srv.Stop(); err != nil {
				fmt.Fprintf(a.errOut, "mlreg: demo: %s\n", a.redact(err.Error()))
			}
		}, nil
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "mlreg_demo_" + hex.EncodeToString(suffix)
	url, err = migrate.WithDatabase(a.databaseURL, name)
	if err != nil {
		return "", nil, err
	}
	fmt.Fprintf(a.out, "demo: throwaway database %s on the server of the database URL (dropped afterwards)\n", name)
	return url, func() {
		if err := migrate.Drop(context.WithoutCancel(ctx), url); err != nil {
			fmt.Fprintf(a.errOut, "mlreg: demo: dropping %s: %s\n", name, a.redact(err.Error()))
		}
	}, nil
}
