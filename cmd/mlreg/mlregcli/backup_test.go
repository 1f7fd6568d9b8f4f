package mlregcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/migrate"
)

// The backup drills of docs/operations.md, run as the document says.

const clusterRolesFile = "../../../db/cluster_roles.sql"

// registryRoles are the roles the migrations create; db/cluster_roles.sql
// must create the same.
var registryRoles = []string{"registry_reader", "registry_writer", "registry_approver", "registry_admin",
	"registry_rules_owner", "registry_audit_owner"}

// backupTool runs a PostgreSQL client program (pg_dump, pg_restore, psql)
// from PATH and returns its combined output; it fails the test if the
// program is missing, and returns the error for the caller to judge.
func backupTool(t *testing.T, program string, args ...string) (string, error) {
	t.Helper()
	path, err := osexec.LookPath(program)
	if err != nil {
		t.Fatalf("%s is not installed: the backup drill needs PostgreSQL's client programs (apt-get install postgresql-client)", program)
	}
	out, err := osexec.Command(path, args...).CombinedOutput()
	return string(out), err
}

// mustMlreg runs mlreg against url and returns its stdout, failing on a
// non-zero exit.
func mustMlreg(t *testing.T, url string, args ...string) string {
	t.Helper()
	code, out, stderr := mlreg(t, append([]string{"--database-url", url}, args...)...)
	if code != 0 {
		t.Fatalf("mlreg %v: exit %d\n%s%s", args, code, out, stderr)
	}
	return out
}

// seedAuditedRegistry fills url as the drills need: a synthetic registry
// and the sample on top, sealed, then a change after the seal, so that the
// trail holds sealed and unsealed rows.
func seedAuditedRegistry(t *testing.T, url string) {
	t.Helper()
	mustMlreg(t, url, "seed", "--scale", "tiny")
	mustMlreg(t, url, "seed")
	mustMlreg(t, url, "--actor", "drill", "audit", "seal")
	exec(t, url, "SELECT registry_set_actor('drill'); UPDATE models SET description = 'changed after the seal' WHERE model_name = 'fraud-detector'")
}

// registryState is what a restored copy must reproduce: the row count of
// every table, partitioned table and partition (the audit trail's included), what audit verify
// says (its head hash included), and check's findings.
type registryState struct {
	counts map[string]int64
	verify string
	check  string
}

func stateOf(t *testing.T, url string) registryState {
	t.Helper()
	ctx := context.Background()
	conn := dial(t, url)
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	s := registryState{counts: map[string]int64{}}
	for _, table := range tables {
		var n int64
		// A table's name cannot be a query parameter.
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		s.counts[table] = n
	}
	if s.counts["audit_log"] == 0 || s.counts["audit_chain"] == 0 || s.counts["training_runs"] < 1000 {
		t.Fatalf("the registry to back up is not what the drill needs: %v", s.counts)
	}
	s.verify = mustMlreg(t, url, "audit", "verify")
	s.check = mustMlreg(t, url, "check", "--format", "json")
	return s
}

func sameState(t *testing.T, what string, got, want registryState) {
	t.Helper()
	if !reflect.DeepEqual(got.counts, want.counts) {
		for table, n := range want.counts {
			if got.counts[table] != n {
				t.Errorf("%s: %s has %d rows, the original %d", what, table, got.counts[table], n)
			}
		}
		for table := range got.counts {
			if _, ok := want.counts[table]; !ok {
				t.Errorf("%s: table %s is not in the original", what, table)
			}
		}
	}
	if got.verify != want.verify {
		t.Errorf("%s: audit verify says\n%s\nthe original said\n%s", what, got.verify, want.verify)
	}
	if got.check != want.check {
		t.Errorf("%s: check says\n%s\nthe original said\n%s", what, got.check, want.check)
	}
}

// rolesOf describes the registry's roles on a server: each one's
// attributes, and the memberships among them.
func rolesOf(t *testing.T, serverURL string) []string {
	t.Helper()
	rows, err := dial(t, serverURL).Query(context.Background(), `
		SELECT format('%s login=%s super=%s inherit=%s createrole=%s createdb=%s replication=%s bypassrls=%s',
		              rolname, rolcanlogin, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls)
		FROM pg_roles WHERE rolname = ANY ($1)
		UNION ALL
		SELECT format('%s member of %s', m.rolname, r.rolname)
		FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
		WHERE r.rolname = ANY ($1) AND m.rolname = ANY ($1)
		ORDER BY 1`, registryRoles)
	if err != nil {
		t.Fatal(err)
	}
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return roles
}

// newCluster starts a throwaway cluster of the test's own: a new server,
// with none of the registry's roles, as a restore onto new hardware gets.
func newCluster(t *testing.T, opts pgserver.ClusterOptions) *pgserver.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := pgserver.StartCluster(ctx, opts)
	if err != nil {
		t.Fatalf("a throwaway cluster for the drill: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stopping the drill's cluster: %v", err)
		}
	})
	return srv
}

func createDatabase(t *testing.T, srv *pgserver.Server, name string) string {
	t.Helper()
	conn := dial(t, srv.URL)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	u, err := srv.DatabaseURL(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestRestoreDrill is docs/operations.md's restore drill: a seeded, audited,
// sealed registry is dumped with pg_dump -Fc and restored with pg_restore
// into a new database on a new cluster. Without the registry's roles the
// restore fails on the first object a registry role owns; after
// db/cluster_roles.sql (run twice: it is idempotent) it succeeds, the new
// cluster has the roles and memberships the migrations made, and the copy
// passes audit verify (same head) and check (same findings) with every
// table's row count, the audit trail's included, as in the original, and
// keeps refusing changes to the trail.
func TestRestoreDrill(t *testing.T) {
	started := time.Now()
	src := pgtest.NewURL(t)
	seedAuditedRegistry(t, src)
	want := stateOf(t, src)

	dump := filepath.Join(t.TempDir(), "registry.dump")
	dumped := time.Now()
	if out, err := backupTool(t, "pg_dump", "--format=custom", "--file", dump, "--dbname", src); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	dumpTook := time.Since(dumped)

	srv := newCluster(t, pgserver.ClusterOptions{})
	target := createDatabase(t, srv, "registry")
	out, err := backupTool(t, "pg_restore", "--exit-on-error", "--dbname", target, dump)
	if err == nil || !strings.Contains(out, `role "registry_`) || !strings.Contains(out, "does not exist") {
		t.Fatalf("pg_restore into a cluster without the registry's roles: %v, want a refusal naming a missing registry_ role:\n%s", err, out)
	}
	t.Logf("without the roles: %s", strings.TrimSpace(out))

	target = createDatabase(t, srv, "registry") // the failed restore left half a schema
	for range 2 {
		if out, err := backupTool(t, "psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--quiet", "-d", srv.URL, "-f", clusterRolesFile); err != nil {
			t.Fatalf("psql -f db/cluster_roles.sql: %v\n%s", err, out)
		}
	}
	if got, wantRoles := rolesOf(t, srv.URL), rolesOf(t, pgtest.Server(t).URL); !reflect.DeepEqual(got, wantRoles) {
		t.Errorf("roles after db/cluster_roles.sql:\n%s\nthe migrated server's:\n%s", strings.Join(got, "\n"), strings.Join(wantRoles, "\n"))
	}
	restored := time.Now()
	if out, err := backupTool(t, "pg_restore", "--exit-on-error", "--dbname", target, dump); err != nil {
		t.Fatalf("pg_restore after db/cluster_roles.sql: %v\n%s", err, out)
	}
	restoreTook := time.Since(restored)

	sameState(t, "the restored copy", stateOf(t, target), want)
	if !strings.Contains(want.verify, "links intact from audit_id 1 ") || !strings.Contains(want.verify, "; 1 rows not sealed yet") {
		t.Errorf("audit verify of the original: %q", want.verify)
	}
	var owner string
	if err := dial(t, target).QueryRow(context.Background(), "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'").Scan(&owner); err != nil || owner != "registry_audit_owner" {
		t.Errorf("the restored audit_log is owned by %q (%v), want registry_audit_owner", owner, err)
	}
	_, err = dial(t, target).Exec(context.Background(), "UPDATE audit_log SET actor = 'forger'")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("changing the restored audit trail: %v, want refused with 42501", err)
	}
	t.Logf("restore drill: %d tables, %d audit rows; pg_dump %s, pg_restore %s, whole drill %s",
		len(want.counts), want.counts["audit_log"], dumpTook.Round(time.Millisecond),
		restoreTook.Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

// pgBackRestConfig is docs/operations.md's configuration, with the paths of
// the drill's throwaway cluster.
func pgBackRestConfig(f pgserver.Files) string {
	return fmt.Sprintf(`[global]
repo1-path=%s
repo1-retention-full=2
start-fast=y
log-path=%s
lock-path=%s
log-level-console=warn
log-level-file=off

[registry]
pg1-path=%s
pg1-port=%d
pg1-socket-path=%s
`, filepath.Join(f.Dir(), "repo"), filepath.Join(f.Dir(), "log"), filepath.Join(f.Dir(), "lock"),
		f.DataDir(), f.Port(), f.SocketDir())
}

// TestPgBackRestDrill is docs/operations.md's point-in-time recovery drill
// with pgBackRest on a throwaway cluster: WAL archived by archive-push, a
// full backup, more writes, an incremental backup, more writes, a named
// restore point, then a mistake (a table dropped). The cluster is stopped
// and restored to the restore point from the two backups and the archived
// WAL: the table is back, and every row count, audit verify and check are
// as they were at the restore point.
func TestPgBackRestDrill(t *testing.T) {
	if _, err := osexec.LookPath("pgbackrest"); err != nil {
		t.Fatal("pgbackrest is not installed, and the point-in-time recovery drill runs it: apt-get install pgbackrest")
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	srv := newCluster(t, pgserver.ClusterOptions{})
	files, ok := srv.Files()
	if !ok {
		t.Fatal("the drill's cluster has no files of ours")
	}
	conf := filepath.Join(files.Dir(), "pgbackrest.conf")
	if err := os.WriteFile(conf, []byte(pgBackRestConfig(files)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"repo", "log", "lock"} {
		if _, err := files.Run(ctx, "mkdir", "-p", filepath.Join(files.Dir(), dir)); err != nil {
			t.Fatal(err)
		}
	}
	pgbackrest := func(args ...string) string {
		t.Helper()
		out, err := files.Run(ctx, "pgbackrest", append([]string{"--config=" + conf, "--stanza=registry"}, args...)...)
		if err != nil {
			t.Fatalf("pgbackrest %v: %v\n%s", args, err, out)
		}
		return out
	}
	admin := dial(t, srv.URL)
	for _, sql := range []string{
		"ALTER SYSTEM SET archive_mode = 'on'",
		"ALTER SYSTEM SET archive_command = " + sqlString("pgbackrest --config="+conf+" --stanza=registry archive-push %p"),
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	admin.Close(ctx)
	if err := srv.Restart(); err != nil { // archive_mode needs a restart
		t.Fatal(err)
	}
	pgbackrest("stanza-create")
	pgbackrest("check") // WAL reaches the repository

	db, err := srv.DatabaseURL("registry")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Up(ctx, db, io.Discard); err != nil {
		t.Fatal(err)
	}
	mustMlreg(t, db, "seed", "--scale", "tiny")
	mustMlreg(t, db, "--actor", "drill", "audit", "seal")
	full := time.Now()
	pgbackrest("backup", "--type=full")
	fullTook := time.Since(full)
	mustMlreg(t, db, "seed")
	mustMlreg(t, db, "--actor", "drill", "audit", "seal")
	incr := time.Now()
	pgbackrest("backup", "--type=incr")
	incrTook := time.Since(incr)
	exec(t, db, "SELECT registry_set_actor('drill'); UPDATE models SET description = 'changed after the last backup' WHERE model_name = 'fraud-detector'")
	want := stateOf(t, db)
	exec(t, db, "SELECT pg_create_restore_point('before_the_mistake')")
	exec(t, db, "DROP TABLE model_tags") // the mistake
	pgbackrest("check")                  // switches WAL and waits until the segment is archived
	info := pgbackrest("info")
	if strings.Count(info, "full backup:") != 1 || strings.Count(info, "incr backup:") != 1 {
		t.Fatalf("pgbackrest info, want one full and one incremental backup:\n%s", info)
	}

	restore := time.Now()
	if err := files.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	pgbackrest("restore", "--delta", "--type=name", "--target=before_the_mistake", "--target-action=promote")
	if err := srv.Restart(); err != nil {
		t.Fatalf("starting the restored cluster: %v", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var recovering bool
		if err := dial(t, srv.URL).QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovering); err == nil && !recovering {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the restored cluster is still recovering after 2 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	restoreTook := time.Since(restore)
	sameState(t, "the cluster restored to before_the_mistake", stateOf(t, db), want)
	t.Logf("pgBackRest drill: full backup %s, incremental %s, restore and recovery %s, whole drill %s",
		fullTook.Round(time.Millisecond), incrTook.Round(time.Millisecond), restoreTook.Round(time.Millisecond),
		time.Since(started).Round(time.Millisecond))
}
