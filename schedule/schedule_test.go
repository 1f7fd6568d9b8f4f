package schedule_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/schedule"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestJobCommandsRunAsOneTransaction runs the jobs' SQL as pg_cron runs it
// (one simple query, one transaction), with an actor whose name would break
// naive quoting: each job does its work under that actor.
//
// Old code (seen failing): with the actor pasted into the SQL unquoted, the
// command was a syntax error.
func TestJobCommandsRunAsOneTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)
	const actor = `o'brien\ "nightly"; DROP TABLE models; --`
	commands, err := q.ScheduleJobCommands(ctx, actor, "5 seconds")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, sql := range []string{commands.SealCommand, commands.RetentionCommand} {
		// The simple protocol, as pg_cron sends a job's command.
		if _, err := conn.Conn().Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var sealActor, retentionActor string
	var models int
	if err := pool.QueryRow(ctx, `SELECT (SELECT actor FROM audit_seals ORDER BY seal_id DESC LIMIT 1),
		(SELECT actor FROM retention_runs ORDER BY retention_run_id DESC LIMIT 1), (SELECT count(*) FROM models)`).
		Scan(&sealActor, &retentionActor, &models); err != nil {
		t.Fatal(err)
	}
	if sealActor != actor || retentionActor != actor {
		t.Errorf("seal by %q, retention by %q, want %q", sealActor, retentionActor, actor)
	}
}

// TestDescribeWithoutPgCron: a server that does not run pg_cron is told
// apart, with the role and database the jobs would use.
func TestDescribeWithoutPgCron(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	c, err := registrydb.New(pool).ScheduleContext(ctx)
	if err != nil || c.CronDatabase != "" || c.DatabaseName == "" || c.RoleName == "" || !c.IsRegistryAdmin {
		t.Fatalf("ScheduleContext: %+v, %v", c, err)
	}
	if _, err := schedule.Describe(ctx, pool); !errors.Is(err, schedule.ErrNoPgCron) {
		t.Fatalf("Describe without pg_cron: %v", err)
	}
}
