package migrate_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/migrate"
	"github.com/mlplatform/model-registry/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func queryInt(t *testing.T, url, sql string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
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
				errs[i] = migrate.Up(url, io.Discard)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: migrator %d: %v", round, i, err)
			}
		}
		want, err := migrate.Count()
		if err != nil {
			t.Fatal(err)
		}
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
	err := migrate.UpFS(url, fsys, "m", io.Discard)
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
