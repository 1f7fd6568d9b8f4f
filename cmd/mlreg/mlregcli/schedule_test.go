package mlregcli

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestScheduleWithoutPgCron: on a server without pg_cron every schedule
// command says so in one line, pointing at cron and systemd, and exits 2.
func TestScheduleWithoutPgCron(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	for _, sub := range []string{"install", "list", "remove"} {
		code, out, errOut := mlreg(t, "--database-url", url, "schedule", sub)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "pg_cron does not run on this server") ||
			!strings.Contains(errOut, "systemd timer") {
			t.Errorf("schedule %s without pg_cron: exit %d, out %q, err %q", sub, code, out, errOut)
		}
	}
}

// waitForScheduler waits until pg_cron's scheduler is connected. When its
// database did not exist as the server started (the registry's own,
// created by migrate up), the scheduler retries every second or so and
// may not be back yet: mlreg schedule would truthfully say that pg_cron
// does not run.
func waitForScheduler(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var running bool
		err := conn.QueryRow(context.Background(),
			"SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'pg_cron scheduler')").Scan(&running)
		if err != nil {
			t.Fatal(err)
		}
		if running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("pg_cron's scheduler is not connected 30 s after CREATE EXTENSION")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// withUser is url with another user (trust authentication: no password).
func withUser(t *testing.T, raw, user string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	return u.String()
}

// TestScheduleOnPgCron: on a throwaway cluster that preloads pg_cron, a
// login role in registry_admin with USAGE on pg_cron installs the seal and
// retention jobs, sees them listed, sees each run once as itself (a seal
// and a retention run recorded under its actor and login, the expired run
// removed, the trail verifying), reinstalls them in place and removes them.
// A superuser, a role without USAGE on cron and a role outside
// registry_admin are refused, each saying what to do. Twice: with pg_cron's
// jobs kept in database postgres (its default) and the registry in its own
// (the jobs scheduled there with cron.schedule_in_database), and with the
// registry in pg_cron's database (cron.schedule).
//
// pg_cron 1.4 (Debian bookworm's) schedules by the minute, so each waits for
// the next minute to begin: up to a minute and a half, the two at once.
func TestScheduleOnPgCron(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, cronDatabase, registryDatabase string }{
		{"registry apart from pg_cron", "postgres", "registry"},
		{"registry in pg_cron's database", "registry", "registry"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			scheduleOnPgCron(t, c.cronDatabase, c.registryDatabase)
		})
	}
}

func scheduleOnPgCron(t *testing.T, cronDatabase, registryDatabase string) {
	ctx := context.Background()
	srv, err := pgserver.StartCluster(ctx, pgserver.ClusterOptions{Settings: map[string]string{
		"shared_preload_libraries": "pg_cron",
		"cron.database_name":       cronDatabase,
		// Jobs connect over TCP, where the cluster listens.
		"cron.host": "127.0.0.1",
	}})
	if err != nil {
		t.Fatalf("starting a cluster with shared_preload_libraries = pg_cron: %v\n"+
			"pg_cron must be installed for PostgreSQL's server binaries (Debian: apt-get install postgresql-15-cron; .ci/run does)", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stopping the cluster: %v", err)
		}
	})
	registryURL, err := srv.DatabaseURL(registryDatabase)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := mlreg(t, "--database-url", registryURL, "migrate", "up"); code != 0 {
		t.Fatalf("migrate up: %s", errOut)
	}
	cronURL, err := srv.DatabaseURL(cronDatabase)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, cronURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	must := func(conn *pgx.Conn, sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var cronVersion string
	must(admin, "CREATE EXTENSION pg_cron")
	if err := admin.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'").Scan(&cronVersion); err != nil {
		t.Fatal(err)
	}
	t.Logf("pg_cron %s", cronVersion)
	waitForScheduler(t, admin)
	if code, _, errOut := mlreg(t, "--database-url", registryURL, "seed"); code != 0 {
		t.Fatalf("seed: %s", errOut)
	}
	exec(t, registryURL, `
		INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by, status)
		SELECT model_id, '0.0.1', 's3://old', 'onnx', 'importer', 'archived' FROM models WHERE model_name = 'fraud-detector';
		INSERT INTO training_runs (version_id, run_name, status, created_at, started_at, completed_at)
		SELECT version_id, 'expired-run', 'succeeded', now() - interval '2 years', now() - interval '2 years', now() - interval '2 years'
		FROM model_versions WHERE semver = '0.0.1'`)
	must(admin, `CREATE ROLE scheduler LOGIN IN ROLE registry_admin;
		CREATE ROLE ungranted LOGIN IN ROLE registry_admin;
		CREATE ROLE outsider LOGIN IN ROLE registry_writer;
		GRANT USAGE ON SCHEMA cron TO scheduler, outsider`)
	// What the refusal of the scheduler says a superuser must grant.
	code, _, errOut := mlreg(t, "--database-url", withUser(t, registryURL, "scheduler"), "schedule", "install")
	grant := "GRANT EXECUTE ON FUNCTION cron.schedule_in_database(text,text,text,text,text,boolean) TO "
	if cronDatabase == registryDatabase {
		// pg_cron created after the registry's migrations: their default
		// privileges keep its functions from PUBLIC.
		grant = "GRANT EXECUTE ON FUNCTION cron.schedule(text,text,text), cron.unschedule(bigint) TO "
	}
	if code != 2 || !strings.Contains(errOut, grant+`"scheduler" in database `+cronDatabase) {
		t.Fatalf("schedule install before the grant: exit %d, %q", code, errOut)
	}
	must(admin, grant+"scheduler, outsider")

	for _, c := range []struct{ user, want string }{
		{"postgres", "is a superuser"},
		{"ungranted", `GRANT USAGE ON SCHEMA cron TO "ungranted" in database ` + cronDatabase},
		{"outsider", "not a member of registry_admin"},
	} {
		code, _, errOut := mlreg(t, "--database-url", withUser(t, registryURL, c.user), "schedule", "install")
		if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("schedule install as %s: exit %d, %q (want %q)", c.user, code, errOut, c.want)
		}
	}
	var jobs int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM cron.job").Scan(&jobs); err != nil || jobs != 0 {
		t.Fatalf("refused installs left %d jobs, %v", jobs, err)
	}

	scheduler := withUser(t, registryURL, "scheduler")
	install := []string{"--database-url", scheduler, "--actor", "nightly", "schedule", "install",
		"--seal-schedule", "* * * * *", "--retention-schedule", "* * * * *", "--seal-wait", "10s"}
	code, out, errOut := mlreg(t, install...)
	if code != 0 || !strings.Contains(out, "2 jobs installed") || !strings.Contains(out, "mlreg-audit-seal:registry") ||
		!strings.Contains(out, "mlreg-retention:registry") {
		t.Fatalf("schedule install: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = mlreg(t, "--database-url", scheduler, "schedule", "list")
	if code != 0 || strings.Count(out, ":registry") != 2 || !strings.Contains(out, "scheduler") {
		t.Fatalf("schedule list: exit %d\n%s", code, out)
	}

	// Each job runs once, at the start of a minute, as the scheduler.
	deadline := time.Now().Add(150 * time.Second)
	for {
		var runs int
		var failures []string
		rows, err := admin.Query(ctx, `SELECT j.jobname, d.status, COALESCE(d.return_message, '')
			FROM cron.job_run_details d JOIN cron.job j USING (jobid)`)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for rows.Next() {
			var name, status, message string
			if err := rows.Scan(&name, &status, &message); err != nil {
				t.Fatal(err)
			}
			switch status {
			case "succeeded":
				seen[name] = true
			case "failed":
				failures = append(failures, name+": "+message)
			}
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		if len(failures) > 0 {
			t.Fatalf("pg_cron jobs failed: %v", failures)
		}
		runs = len(seen)
		if runs == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after waiting for pg_cron, %d of 2 jobs ran: %v", runs, seen)
		}
		time.Sleep(time.Second)
	}
	regConn := dial(t, registryURL)
	var sealActor, sealUser, runActor, runUser string
	var removed int64
	if err := regConn.QueryRow(ctx, "SELECT actor, db_user FROM audit_seals ORDER BY seal_id LIMIT 1").Scan(&sealActor, &sealUser); err != nil ||
		sealActor != "nightly" || sealUser != "scheduler" {
		t.Errorf("the scheduled seal: %s as %s, %v", sealActor, sealUser, err)
	}
	if err := regConn.QueryRow(ctx, "SELECT actor, db_user, training_runs_removed FROM retention_runs ORDER BY retention_run_id LIMIT 1").Scan(&runActor, &runUser, &removed); err != nil ||
		runActor != "nightly" || runUser != "scheduler" || removed != 1 {
		t.Errorf("the scheduled retention run: %s as %s removed %d runs, %v", runActor, runUser, removed, err)
	}
	if code, out, _ := mlreg(t, "--database-url", registryURL, "audit", "verify"); code != 0 {
		t.Errorf("audit verify after the scheduled jobs: exit %d\n%s", code, out)
	}
	code, out, _ = mlreg(t, "--database-url", scheduler, "schedule", "list")
	if code != 0 || strings.Count(out, "succeeded") < 2 {
		t.Errorf("schedule list after the runs: exit %d\n%s", code, out)
	}

	// Installing again reschedules the same two jobs.
	var before []int64
	if err := admin.QueryRow(ctx, "SELECT array_agg(jobid ORDER BY jobid) FROM cron.job").Scan(&before); err != nil {
		t.Fatal(err)
	}
	install[len(install)-3] = "0 4 * * *" // --retention-schedule
	if code, _, errOut := mlreg(t, install...); code != 0 {
		t.Fatalf("schedule install again: %s", errOut)
	}
	var after []int64
	var retentionSchedule string
	if err := admin.QueryRow(ctx, "SELECT array_agg(jobid ORDER BY jobid), max(schedule) FILTER (WHERE jobname LIKE 'mlreg-retention:%') FROM cron.job").
		Scan(&after, &retentionSchedule); err != nil || len(after) != 2 || after[0] != before[0] || after[1] != before[1] || retentionSchedule != "0 4 * * *" {
		t.Errorf("jobs after reinstalling: %v (before %v), retention at %q, %v", after, before, retentionSchedule, err)
	}

	code, out, _ = mlreg(t, "--database-url", scheduler, "schedule", "remove")
	if code != 0 || strings.Count(out, "schedule: removed") != 2 {
		t.Fatalf("schedule remove: exit %d\n%s", code, out)
	}
	code, out, _ = mlreg(t, "--database-url", scheduler, "schedule", "list")
	if code != 0 || !strings.Contains(out, "no jobs of database "+registryDatabase) {
		t.Errorf("schedule list after remove: exit %d\n%s", code, out)
	}
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM cron.job").Scan(&jobs); err != nil || jobs != 0 {
		t.Errorf("%d jobs left after remove, %v", jobs, err)
	}
}
