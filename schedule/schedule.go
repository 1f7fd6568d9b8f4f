// Package schedule registers the registry's periodic jobs, sealing the
// audit trail and applying retention, as pg_cron jobs, lists them and
// removes them (`mlreg schedule install|list|remove`).
//
// pg_cron (https://github.com/citusdata/pg_cron) keeps its jobs in one
// database of the server, cron.database_name, and runs each job in the
// database it names, as the role that scheduled it. So the jobs run as the
// role that installs them, which must be a member of registry_admin (seal
// and retention need it) and not a superuser (a job as superuser would run
// outside the registry's roles; pg_cron can forbid it), and may log in
// (pg_cron connects as it, unless cron.use_background_workers is on). When
// the registry is not in cron.database_name, the jobs are scheduled there
// with cron.schedule_in_database, which a superuser must grant.
//
// Each job is one SQL command, one transaction: it names the actor (the
// audit trail's actor of everything the job changes) and calls
// audit_seal_now or retention_apply. A job's name carries the registry's
// database, so that one role may schedule the jobs of several registries on
// one server.
//
// The statements on the cron database are here rather than in queries/:
// the cron schema belongs to pg_cron, which the registry's schema (what
// sqlc compiles against) does not contain, and it may be another database.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// The jobs' names, before ":" and the registry's database name.
const (
	SealJob      = "mlreg-audit-seal"
	RetentionJob = "mlreg-retention"
)

// Default schedules (pg_cron's cron syntax, in UTC with pg_cron 1.4): the
// seal hourly, retention daily at night.
const (
	DefaultSealSchedule      = "17 * * * *"
	DefaultRetentionSchedule = "30 3 * * *"
	DefaultSealWait          = 30 * time.Second
)

// maxJobName is the longest job name pg_cron keeps: its jobname column is
// of type name, which PostgreSQL cuts at 63 bytes without a word.
const maxJobName = 63

// ErrNoPgCron says the server does not run pg_cron (see registry_cron_database).
var ErrNoPgCron = errors.New("pg_cron does not run on this server (no pg_cron scheduler in pg_stat_activity; is pg_cron in shared_preload_libraries?): " +
	"schedule `mlreg audit seal` and `mlreg retention` with cron or a systemd timer instead (docs/operations.md, Scheduling)")

// Registry is the registry's side: what ScheduleContext says of the
// connection to it.
type Registry struct {
	Database     string // the registry's database
	Role         string // the role the jobs run as
	CronDatabase string // pg_cron's database (cron.database_name)
	superuser    bool
	admin        bool
}

// Describe reads what scheduling needs to know of the connection to the
// registry; ErrNoPgCron when the server does not run pg_cron.
func Describe(ctx context.Context, db registrydb.DBTX) (Registry, error) {
	c, err := registrydb.New(db).ScheduleContext(ctx)
	if err != nil {
		return Registry{}, err
	}
	if c.CronDatabase == "" {
		return Registry{}, ErrNoPgCron
	}
	return Registry{Database: c.DatabaseName, Role: c.RoleName, CronDatabase: c.CronDatabase,
		superuser: c.IsSuperuser, admin: c.IsRegistryAdmin}, nil
}

// SameDatabase reports whether pg_cron keeps its jobs in the registry's
// database (then one connection does for both).
func (r Registry) SameDatabase() bool { return r.Database == r.CronDatabase }

// JobNames are the registry's two job names.
func (r Registry) JobNames() []string {
	return []string{SealJob + ":" + r.Database, RetentionJob + ":" + r.Database}
}

// Options are the jobs' schedules and how they run.
type Options struct {
	SealSchedule      string        // default DefaultSealSchedule
	RetentionSchedule string        // default DefaultRetentionSchedule
	SealWait          time.Duration // how long a seal waits for older transactions; default DefaultSealWait
	Actor             string        // the audit actor of the jobs' changes
}

// Job is one pg_cron job, with its latest run if pg_cron recorded one.
type Job struct {
	ID       int64
	Name     string
	Schedule string
	Command  string
	Database string
	Role     string
	Active   bool
	LastRun  *Run
}

// Run is one run of a job (cron.job_run_details).
type Run struct {
	Status  string // starting, running, sending, connecting, succeeded, failed
	Start   *time.Time
	End     *time.Time
	Message string
}

// Install schedules (or reschedules) the registry's two jobs, in one
// transaction on the cron database, and returns them as pg_cron holds them.
// registryDB is a connection to the registry, cronDB one to pg_cron's
// database as the same role (the same connection when SameDatabase).
func Install(ctx context.Context, reg Registry, registryDB registrydb.DBTX, cronDB registry.DB, opts Options) ([]Job, error) {
	if reg.superuser {
		return nil, fmt.Errorf("jobs run as the role that installs them, and %s is a superuser: install them as a login role that is a member of registry_admin (docs/operations.md, Scheduling)", reg.Role)
	}
	if !reg.admin {
		return nil, fmt.Errorf("jobs run as the role that installs them, and %s is not a member of registry_admin, which sealing and retention need", reg.Role)
	}
	for _, name := range reg.JobNames() {
		if len(name) > maxJobName {
			return nil, fmt.Errorf("job name %q is longer than the %d bytes pg_cron keeps: the database name is too long to schedule its jobs", name, maxJobName)
		}
	}
	if opts.SealSchedule == "" {
		opts.SealSchedule = DefaultSealSchedule
	}
	if opts.RetentionSchedule == "" {
		opts.RetentionSchedule = DefaultRetentionSchedule
	}
	if opts.SealWait <= 0 {
		opts.SealWait = DefaultSealWait
	}
	if err := requireUsable(ctx, reg, cronDB); err != nil {
		return nil, err
	}
	commands, err := registrydb.New(registryDB).ScheduleJobCommands(ctx, opts.Actor, fmt.Sprintf("%d milliseconds", opts.SealWait.Milliseconds()))
	if err != nil {
		return nil, err
	}
	names := reg.JobNames()
	jobs := []struct{ name, schedule, command string }{
		{names[0], opts.SealSchedule, commands.SealCommand},
		{names[1], opts.RetentionSchedule, commands.RetentionCommand},
	}
	err = pgx.BeginTxFunc(ctx, cronDB, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for _, j := range jobs {
			var err error
			if reg.SameDatabase() {
				_, err = tx.Exec(ctx, "SELECT cron.schedule($1, $2, $3)", j.name, j.schedule, j.command)
			} else {
				_, err = tx.Exec(ctx, "SELECT cron.schedule_in_database($1, $2, $3, $4)", j.name, j.schedule, j.command, reg.Database)
			}
			if err != nil {
				return fmt.Errorf("scheduling %s (%q): %w", j.name, j.schedule, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return List(ctx, reg, cronDB)
}

// List returns the registry's jobs that the role can see (pg_cron shows a
// role its own jobs), by name.
func List(ctx context.Context, reg Registry, cronDB registrydb.DBTX) ([]Job, error) {
	if err := requireUsable(ctx, reg, cronDB); err != nil {
		return nil, err
	}
	rows, err := cronDB.Query(ctx, `
		SELECT j.jobid, j.jobname::text, j.schedule, j.command, j.database, j.username, j.active,
		       r.status, r.start_time, r.end_time, r.return_message
		FROM cron.job j
		LEFT JOIN LATERAL (
		    SELECT d.status, d.start_time, d.end_time, d.return_message
		    FROM cron.job_run_details d
		    WHERE d.jobid = j.jobid
		    ORDER BY d.runid DESC
		    LIMIT 1) r ON true
		WHERE j.jobname = ANY ($1) AND j.database = $2
		ORDER BY j.jobname`, reg.JobNames(), reg.Database)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Job, error) {
		var j Job
		var status, message *string
		var start, end *time.Time
		if err := row.Scan(&j.ID, &j.Name, &j.Schedule, &j.Command, &j.Database, &j.Role, &j.Active,
			&status, &start, &end, &message); err != nil {
			return j, err
		}
		if status != nil {
			j.LastRun = &Run{Status: *status, Start: start, End: end}
			if message != nil {
				j.LastRun.Message = *message
			}
		}
		return j, nil
	})
}

// Remove unschedules the registry's jobs the role can see and returns
// their names (none when there were none).
func Remove(ctx context.Context, reg Registry, cronDB registry.DB) ([]string, error) {
	jobs, err := List(ctx, reg, cronDB)
	if err != nil {
		return nil, err
	}
	var removed []string
	err = pgx.BeginTxFunc(ctx, cronDB, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for _, j := range jobs {
			if _, err := tx.Exec(ctx, "SELECT cron.unschedule($1::bigint)", j.ID); err != nil {
				return fmt.Errorf("unscheduling %s: %w", j.Name, err)
			}
			removed = append(removed, j.Name)
		}
		return nil
	})
	return removed, err
}

// requireUsable checks, on the cron database, that pg_cron's extension is
// there in a version with schedule_in_database (1.4) and that the role may
// use it: USAGE on its schema, EXECUTE on the functions scheduling needs
// (cron.schedule where the registry is pg_cron's database,
// cron.schedule_in_database elsewhere, and cron.unschedule). pg_cron grants
// cron.schedule and cron.unschedule to PUBLIC, unless it was created in a
// database where the registry's migrations revoked EXECUTE from PUBLIC on
// the migrator's later functions; a superuser grants schedule_in_database.
// The error says what a superuser must run.
func requireUsable(ctx context.Context, reg Registry, cronDB registrydb.DBTX) error {
	schedule := "cron.schedule(text,text,text)"
	if !reg.SameDatabase() {
		schedule = "cron.schedule_in_database(text,text,text,text,text,boolean)"
	}
	var version *string
	var usage bool
	var missing []string
	// Looking up a function of the cron schema without USAGE on it raises,
	// hence the CASE.
	err := cronDB.QueryRow(ctx, `
		WITH cron AS (
		    SELECT COALESCE((SELECT has_schema_privilege(n.oid, 'USAGE') FROM pg_namespace n WHERE n.nspname = 'cron'), false) AS usage)
		SELECT (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'pg_cron'), cron.usage,
		       CASE WHEN cron.usage THEN ARRAY(
		           SELECT f FROM unnest($1::text[]) AS f
		           WHERE NOT COALESCE(has_function_privilege(to_regprocedure(f), 'EXECUTE'), false))
		       END
		FROM cron
	`, []string{schedule, "cron.unschedule(bigint)"}).Scan(&version, &usage, &missing)
	if err != nil {
		return err
	}
	if version == nil {
		return fmt.Errorf("pg_cron is loaded but its extension is not created in database %s: a superuser runs CREATE EXTENSION pg_cron there", reg.CronDatabase)
	}
	if !atLeast(*version, 1, 4) {
		return fmt.Errorf("pg_cron %s in database %s: mlreg schedule needs 1.4 or later (ALTER EXTENSION pg_cron UPDATE)", *version, reg.CronDatabase)
	}
	role := pgx.Identifier{reg.Role}.Sanitize()
	if !usage {
		return fmt.Errorf("role %s may not use pg_cron: a superuser runs GRANT USAGE ON SCHEMA cron TO %s in database %s",
			reg.Role, role, reg.CronDatabase)
	}
	if len(missing) > 0 {
		return fmt.Errorf("role %s may not call %s: a superuser runs GRANT EXECUTE ON FUNCTION %s TO %s in database %s",
			reg.Role, strings.Join(missing, " and "), strings.Join(missing, ", "), role, reg.CronDatabase)
	}
	return nil
}

// atLeast reports whether a pg_cron version ("1.4-1", "1.6") is at least
// major.minor.
func atLeast(version string, major, minor int) bool {
	parts := strings.FieldsFunc(version, func(r rune) bool { return r == '.' || r == '-' })
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
