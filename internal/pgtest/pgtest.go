// Package pgtest gives each test its own PostgreSQL database, cloned from a
// template that was migrated once (pgtestdb), on a server found by pgserver:
// TEST_DATABASE_URL, else Docker, else a throwaway cluster from local binaries.
//
// A package with database tests calls pgtest.Main from its TestMain. A test
// that cannot get a server fails, saying how to provide one; it never skips.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", used by pgtestdb
	"github.com/peterldowns/pgtestdb"

	"github.com/mlplatform/model-registry/internal/migrate"
	"github.com/mlplatform/model-registry/internal/pgserver"
)

// URLVar names the environment variable that points tests at a server.
const URLVar = "TEST_DATABASE_URL"

var (
	mainCalled bool
	serverOnce sync.Once
	server     *pgserver.Server
	serverErr  error

	// mainDatabases are the databases NewURLForMain made; Main drops them.
	mainDatabasesMu sync.Mutex
	mainDatabases   []string
)

// Main runs the package's tests and then stops any server they started.
func Main(m *testing.M) {
	mainCalled = true
	code := m.Run()
	if err := dropMainDatabases(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: dropping databases:", err)
	}
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: stopping server:", err)
	}
	os.Exit(code)
}

const mainNotCalled = "pgtest: call pgtest.Main(m) from this package's TestMain, so the server is stopped after the tests"

// Server returns the package's server, starting it on first use.
func Server(t testing.TB) *pgserver.Server {
	t.Helper()
	if !mainCalled {
		t.Fatal(mainNotCalled)
	}
	if err := startServer(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return server
}

func startServer() error {
	serverOnce.Do(func() {
		server, serverErr = pgserver.Start(context.Background(), URLVar)
		if serverErr == nil {
			fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL from %s\n", server.Source)
		}
	})
	return serverErr
}

// migrator lets pgtestdb build the template database with our migrations.
type migrator struct{}

func (migrator) Hash() (string, error) { return migrate.Hash() }

func (migrator) Migrate(_ context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	return migrate.Up(conf.URL(), io.Discard)
}

// Config returns pgtestdb's connection settings for the server.
func Config(t testing.TB) pgtestdb.Config {
	t.Helper()
	u, err := url.Parse(Server(t).URL)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL", URLVar)
	}
	pass, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       u.Hostname(),
		Port:       port,
		User:       u.User.Username(),
		Password:   pass,
		Database:   trimSlash(u.Path),
		Options:    q.Encode(),
		// Tests bypass constraints (session_replication_role) and create
		// roles, as an administrator restoring a dump would.
		TestRole: &pgtestdb.Role{
			Username:     "mlreg_test",
			Password:     "mlreg_test",
			Capabilities: "SUPERUSER",
		},
		ForceTerminateConnections: true,
	}
}

func trimSlash(p string) string {
	if len(p) > 0 && p[0] == '/' {
		return p[1:]
	}
	if p == "" {
		return "postgres"
	}
	return p
}

// NewURL returns the URL of a new migrated database of the test's own.
func NewURL(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, Config(t), migrator{}).URL()
}

// NewEmptyURL returns the URL of a new database with no schema at all.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, Config(t), pgtestdb.NoopMigrator{}).URL()
}

// NewURLForMain returns the URL of a new migrated database for code that
// runs under Main without a *testing.T, such as a godoc Example. Unlike
// NewURL it migrates the database itself rather than cloning pgtestdb's
// template; Main drops it after the run.
func NewURLForMain() (string, error) {
	if !mainCalled {
		return "", errors.New(mainNotCalled)
	}
	if err := startServer(); err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	name := "pgtest_main_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	dbURL, err := server.DatabaseURL(name)
	if err != nil {
		return "", fmt.Errorf("pgtest: %s: %w", URLVar, err)
	}
	mainDatabasesMu.Lock()
	mainDatabases = append(mainDatabases, name)
	mainDatabasesMu.Unlock()
	if err := migrate.Up(dbURL, io.Discard); err != nil { // creates the database first
		return "", fmt.Errorf("pgtest: migrating %s: %w", name, err)
	}
	return dbURL, nil
}

// dropMainDatabases drops what NewURLForMain created, ending its sessions.
func dropMainDatabases() error {
	mainDatabasesMu.Lock()
	defer mainDatabasesMu.Unlock()
	if len(mainDatabases) == 0 {
		return nil
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var errs []error
	for _, name := range mainDatabases {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			errs = append(errs, err)
		}
	}
	mainDatabases = nil
	return errors.Join(errs...)
}

// NewPool returns a pool on a new migrated database of the test's own,
// closed when the test ends (before pgtestdb drops the database).
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), NewURL(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
