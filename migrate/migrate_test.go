package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/migrate"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// connectTo opens a connection of the test's own to url.
func connectTo(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, url, sql string) int {
	t.Helper()
	var n int
	if err := connectTo(t, url).QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestConcurrentUp: migrations started at the same moment on an empty
// database each apply every migration exactly once between them, and all
// succeed (the later ones wait, then find nothing to do).
func TestConcurrentUp(t *testing.T) {
	const migrators = 4
	for round := range 5 {
		url := pgtest.NewEmptyURL(t)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, migrators)
		for i := range migrators {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = migrate.Up(context.Background(), url, io.Discard)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: migrator %d: %v", round, i, err)
			}
		}
		m, err := migrate.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		want := len(m.Migrations())
		if got := queryInt(t, url, "SELECT count(*) FROM schema_migrations"); got != want {
			t.Fatalf("round %d: %d migrations recorded, want %d", round, got, want)
		}
		if got := queryInt(t, url, "SELECT count(DISTINCT version) FROM schema_migrations"); got != want {
			t.Fatalf("round %d: a migration was recorded twice", round)
		}
	}
}

// TestFailedMigrationLeavesPreviousVersion: a migration that fails half-way
// is rolled back whole (transactional DDL): its first statement's table is
// gone and the database stays at the migration before it.
func TestFailedMigrationLeavesPreviousVersion(t *testing.T) {
	url := pgtest.NewEmptyURL(t)
	fsys := fstest.MapFS{
		"m/001_good.sql": {Data: []byte("-- migrate:up\nCREATE TABLE good (id int);\n-- migrate:down\nDROP TABLE good;\n")},
		"m/002_bad.sql":  {Data: []byte("-- migrate:up\nCREATE TABLE half (id int);\nSELECT 1 / 0;\n-- migrate:down\nDROP TABLE half;\n")},
	}
	m, err := migrate.NewFS(fsys, "m", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Up(context.Background(), url)
	if err == nil {
		t.Fatal("the failing migration reported success")
	}
	if got := queryInt(t, url, "SELECT count(*) FROM schema_migrations"); got != 1 {
		t.Fatalf("%d migrations recorded, want 1 (001 only)", got)
	}
	if got := queryInt(t, url, "SELECT count(*) FROM pg_tables WHERE tablename IN ('good', 'half')"); got != 1 {
		t.Fatalf("want table good only, found %d of good and half", got)
	}
}

// TestMigrationLock: the lock belongs to the session that took it, and a
// second session waits for it.
func TestMigrationLock(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyURL(t)
	connect := func() *registrydb.Queries {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(ctx) })
		return registrydb.New(conn)
	}
	holder, other := connect(), connect()
	if err := holder.MigrationLock(ctx); err != nil {
		t.Fatal(err)
	}
	if released, err := other.MigrationUnlock(ctx); err != nil || released {
		t.Fatalf("a session that does not hold the lock released it: %v, %v", released, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- other.MigrationLock(ctx) }()
	select {
	case err := <-waited:
		t.Fatalf("second session took the held lock (err %v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	if released, err := holder.MigrationUnlock(ctx); err != nil || !released {
		t.Fatalf("holder's unlock: %v, %v", released, err)
	}
	if err := <-waited; err != nil {
		t.Fatalf("second session after the release: %v", err)
	}
}

// TestConcurrentUpCreatesTheDatabaseOnce: migrators started at once on a
// database that does not exist yet all succeed; one creates it, the others
// find it created (before the fix, 3 of 4 failed on pg_database's unique
// index, or with "already exists").
func TestConcurrentUpCreatesTheDatabaseOnce(t *testing.T) {
	srv := pgtest.Server(t)
	for round := range 3 {
		name := fmt.Sprintf("migrate_race_%d_%d", round, time.Now().UnixNano())
		url, err := srv.DatabaseURL(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = migrate.Drop(context.Background(), url) })
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = migrate.Up(context.Background(), url, io.Discard)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: migrator %d: %v", round, i, err)
			}
		}
	}
}

// TestNewerDatabaseIsRefused: a database that applied a migration this
// release does not know (a newer release migrated it) is refused by up and
// by down, naming the version, and neither changes it.
func TestNewerDatabaseIsRefused(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewURL(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := registrydb.New(conn).MigrationVersionRecord(ctx, "29990101000000"); err != nil {
		t.Fatal(err)
	}
	before := queryInt(t, url, "SELECT count(*) FROM schema_migrations")
	m, err := migrate.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, op := range map[string]func() error{
		"up":   func() error { return m.Up(ctx, url) },
		"down": func() error { return m.Down(ctx, url, migrate.DownOptions{Force: true}) },
	} {
		err := op()
		var newer *migrate.NewerDatabaseError
		if !errors.As(err, &newer) || !strings.Contains(err.Error(), "29990101000000") {
			t.Errorf("%s on a newer database: %v", name, err)
		}
	}
	if after := queryInt(t, url, "SELECT count(*) FROM schema_migrations"); after != before {
		t.Errorf("schema_migrations went from %d to %d rows", before, after)
	}
	st, err := m.Status(ctx, url)
	if err != nil || len(st.Unknown) != 1 || len(st.Pending) != 0 {
		t.Errorf("status: %+v, %v", st, err)
	}
}

// TestDownRefusesToDropRows: rolling back a migration whose down block
// drops a table that holds rows is refused, naming the table and its rows,
// and changes nothing; with Force it rolls back; an empty table is no
// reason to refuse.
func TestDownRefusesToDropRows(t *testing.T) {
	ctx := context.Background()
	fsys := fstest.MapFS{
		"m/001_keep.sql":  {Data: []byte("-- migrate:up\nCREATE TABLE kept (id int);\n-- migrate:down\nDROP TABLE kept;\n")},
		"m/002_trail.sql": {Data: []byte("-- migrate:up\nCREATE TABLE trail (id int);\n-- migrate:down\nDROP TABLE IF EXISTS public.trail;\n")},
	}
	m, err := migrate.NewFS(fsys, "m", nil)
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.NewEmptyURL(t)
	if err := m.Up(ctx, url); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "INSERT INTO trail SELECT generate_series(1, 3)"); err != nil {
		t.Fatal(err)
	}
	err = m.Down(ctx, url, migrate.DownOptions{})
	var loss *migrate.DataLossError
	if !errors.As(err, &loss) || len(loss.Tables) != 1 || loss.Tables[0] != (migrate.TableRows{Table: "public.trail", Rows: 3}) ||
		!strings.Contains(err.Error(), "public.trail (3 rows)") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("down over a table with rows: %v", err)
	}
	if n := queryInt(t, url, "SELECT count(*) FROM schema_migrations"); n != 2 {
		t.Fatalf("a refused down changed schema_migrations: %d rows", n)
	}
	if err := m.Down(ctx, url, migrate.DownOptions{Force: true}); err != nil {
		t.Fatalf("forced down: %v", err)
	}
	if err := m.Down(ctx, url, migrate.DownOptions{}); err != nil { // kept is empty
		t.Fatalf("down over an empty table: %v", err)
	}
	if n := queryInt(t, url, "SELECT count(*) FROM pg_tables WHERE tablename IN ('kept', 'trail')"); n != 0 {
		t.Fatalf("%d tables left after rolling everything back", n)
	}
}

// TestParseRefusesWhatDbmateRefuses: a file without an up or a down block,
// with them in the wrong order, with statements before the up block, or
// without a version in its name does not load.
func TestParseRefusesWhatDbmateRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"1_no_up.sql":     "-- migrate:down\nDROP TABLE x;\n",
		"2_no_down.sql":   "-- migrate:up\nCREATE TABLE x (id int);\n",
		"3_order.sql":     "-- migrate:down\nDROP TABLE x;\n-- migrate:up\nCREATE TABLE x (id int);\n",
		"4_preceding.sql": "CREATE TABLE y (id int);\n-- migrate:up\nCREATE TABLE x (id int);\n-- migrate:down\nDROP TABLE x;\n",
		"no_version.sql":  "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
	} {
		if _, err := migrate.NewFS(fstest.MapFS{"m/" + name: {Data: []byte(body)}}, "m", nil); err == nil {
			t.Errorf("%s loaded", name)
		}
	}
	m, err := migrate.NewFS(fstest.MapFS{"m/5_ok.sql": {Data: []byte("-- a comment\n\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n-- migrate:down\nDROP INDEX i;\n")}}, "m", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Migrations()[0]; got.Version != "5" || got.UpInTx || !got.DownInTx {
		t.Errorf("parsed %+v", got)
	}
}
