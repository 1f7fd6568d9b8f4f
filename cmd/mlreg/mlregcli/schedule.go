package mlregcli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/schedule"
)

func (a *app) scheduleCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Run audit seal and retention on a schedule, as pg_cron jobs",
		Long: `Where the server runs pg_cron, schedule registers the audit seal (hourly) and
retention (daily) as pg_cron jobs of the registry's database, lists them with
their last run, and removes them. The jobs run as the role that installs
them: a login role that is a member of registry_admin, not a superuser, with
USAGE on pg_cron's schema (a superuser grants it). Without pg_cron, run
mlreg audit seal and mlreg retention from cron or a systemd timer (see
docs/operations.md, Scheduling).`,
	}
	return group(cmd, a.scheduleInstallCommand(), a.scheduleListCommand(), a.scheduleRemoveCommand())
}

// withScheduler connects to the registry and to pg_cron's database (the same
// pool when they are one database) and runs fn.
func (a *app) withScheduler(ctx context.Context, fn func(reg schedule.Registry, registryPool, cronPool *pgxpool.Pool) error) error {
	pool, err := a.pool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	reg, err := schedule.Describe(ctx, pool)
	if err != nil {
		return err
	}
	cronPool := pool
	if !reg.SameDatabase() {
		if cronPool, err = a.connectTo(ctx, reg.CronDatabase); err != nil {
			return fmt.Errorf("connecting to pg_cron's database %s: %w", reg.CronDatabase, err)
		}
		defer cronPool.Close()
	}
	return fn(reg, pool, cronPool)
}

// connectTo connects to another database of the registry's server, as the
// same role.
func (a *app) connectTo(ctx context.Context, database string) (*pgxpool.Pool, error) {
	cfg, err := registry.ParsePoolConfig(a.databaseURL)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.Database = database
	if a.timeoutGiven {
		cfg.ConnConfig.ConnectTimeout = a.connectTimeout
	}
	return registry.Connect(ctx, cfg)
}

func (a *app) scheduleInstallCommand() *cobra.Command {
	var opts schedule.Options
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Schedule the audit seal and retention as pg_cron jobs (again: reschedule them)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.SealWait <= 0 || opts.SealWait > time.Hour {
				return usagef("--seal-wait must be positive and at most 1h")
			}
			opts.Actor = a.actor
			return a.withScheduler(cmd.Context(), func(reg schedule.Registry, registryPool, cronPool *pgxpool.Pool) error {
				jobs, err := schedule.Install(cmd.Context(), reg, registryPool, cronPool, opts)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "schedule: %d jobs installed in pg_cron (database %s), running as %s in database %s\n",
					len(jobs), reg.CronDatabase, reg.Role, reg.Database)
				return writeJobs(a.out, jobs)
			})
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.SealSchedule, "seal-schedule", schedule.DefaultSealSchedule, "when to seal the audit trail (cron syntax, UTC)")
	flags.StringVar(&opts.RetentionSchedule, "retention-schedule", schedule.DefaultRetentionSchedule, "when to apply retention (cron syntax, UTC)")
	flags.DurationVar(&opts.SealWait, "seal-wait", schedule.DefaultSealWait, "how long a seal waits for older transactions to end")
	return cmd
}

func (a *app) scheduleListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "The registry's pg_cron jobs and their last runs",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withScheduler(cmd.Context(), func(reg schedule.Registry, _, cronPool *pgxpool.Pool) error {
				jobs, err := schedule.List(cmd.Context(), reg, cronPool)
				if err != nil {
					return err
				}
				if len(jobs) == 0 {
					fmt.Fprintf(a.out, "schedule: no jobs of database %s in pg_cron (mlreg schedule install adds them)\n", reg.Database)
					return nil
				}
				return writeJobs(a.out, jobs)
			})
		},
	}
}

func (a *app) scheduleRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "remove",
		Short: "Remove the registry's pg_cron jobs",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withScheduler(cmd.Context(), func(reg schedule.Registry, _, cronPool *pgxpool.Pool) error {
				removed, err := schedule.Remove(cmd.Context(), reg, cronPool)
				if err != nil {
					return err
				}
				if len(removed) == 0 {
					fmt.Fprintf(a.out, "schedule: no jobs of database %s to remove\n", reg.Database)
					return nil
				}
				for _, name := range removed {
					fmt.Fprintf(a.out, "schedule: removed %s\n", name)
				}
				return nil
			})
		},
	}
}

// writeJobs lists jobs with their schedules and last runs.
func writeJobs(w io.Writer, jobs []schedule.Job) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tID\tSCHEDULE\tDATABASE\tROLE\tACTIVE\tLAST RUN (UTC)\tSTATUS\tMESSAGE")
	for _, j := range jobs {
		last, status, message := "-", "-", "-"
		if j.LastRun != nil {
			status = j.LastRun.Status
			if j.LastRun.Start != nil {
				last = j.LastRun.Start.UTC().Format("2006-01-02 15:04:05")
			}
			if j.LastRun.Message != "" {
				message = printable(j.LastRun.Message)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%t\t%s\t%s\t%s\n", j.Name, j.ID, j.Schedule, j.Database, printable(j.Role), j.Active, last, status, message)
	}
	return tw.Flush()
}
