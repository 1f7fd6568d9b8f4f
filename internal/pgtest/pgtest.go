// Package pgtest gives each test its own PostgreSQL database, cloned from a
// template database that was migrated once, on a server found by pgserver:
// TEST_DATABASE_URL (a superuser's), else a throwaway cluster from the
// machine's PostgreSQL binaries.
//
// A package with database tests calls pgtest.Main from its TestMain. A test
// that cannot get a server fails, saying how to provide one; it never skips.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/migrate"
)

// URLVar names the environment variable that points tests at a server.
const URLVar = "TEST_DATABASE_URL"

var (
	mainCalled bool
	serverOnce sync.Once
	server     *pgserver.Server
	serverErr  error

	templateOnce sync.Once
	templateName string
	templateErr  error

	// mainDatabases are the databases NewURLForMain made; Main drops them.
	mainDatabasesMu sync.Mutex
	mainDatabases   []string
)

// Main runs the package's tests, then drops what NewURLForMain made and
// stops any server the tests started, also when the run is interrupted
// (SIGINT, SIGTERM): a throwaway server must not outlive its tests.
func Main(m *testing.M) {
	mainCalled = true
	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, os.Interrupt, syscall.SIGTERM)
	// `go test` dies of the same Ctrl-C and closes the pipe our output goes
	// to: a write to it must fail, not kill this process before the server
	// is stopped (the default for a broken stdout or stderr).
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	go func() {
		sig := <-interrupted
		stopServer()
		fmt.Fprintf(os.Stderr, "pgtest: %v: stopped the server\n", sig)
		os.Exit(2)
	}()
	code := m.Run()
	if err := dropMainDatabases(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: dropping databases:", err)
	}
	stopServer()
	os.Exit(code)
}

func stopServer() {
	// A server still starting is waited for (Do blocks until the first call
	// returns), so that it is stopped too rather than left half-made.
	serverOnce.Do(func() {})
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: stopping server:", err)
	}
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

// NewURL returns the URL of a new migrated database of the test's own,
// dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	srv := Server(t)
	if err := buildTemplate(srv); err != nil {
		t.Fatalf("pgtest: migrated template: %v", err)
	}
	return newDatabase(t, srv, templateName)
}

// NewEmptyURL returns the URL of a new database with no schema at all,
// dropped when the test ends.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, Server(t), "template0")
}

// NewPool returns a pool on a new migrated database of the test's own,
// closed when the test ends (before the database is dropped).
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), NewURL(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewURLForMain returns the URL of a new migrated database for code that
// runs under Main without a *testing.T, such as a godoc Example; Main drops
// it after the run.
func NewURLForMain() (string, error) {
	if !mainCalled {
		return "", errors.New(mainNotCalled)
	}
	if err := startServer(); err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if err := buildTemplate(server); err != nil {
		return "", fmt.Errorf("pgtest: migrated template: %w", err)
	}
	name := "pgtest_main_" + randomHex()
	mainDatabasesMu.Lock()
	mainDatabases = append(mainDatabases, name)
	mainDatabasesMu.Unlock()
	if err := cloneDatabase(context.Background(), server, name, templateName); err != nil {
		return "", err
	}
	return server.DatabaseURL(name)
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newDatabase creates a database from template for t and drops it after t.
func newDatabase(t testing.TB, srv *pgserver.Server, template string) string {
	t.Helper()
	name := "pgtest_" + randomHex()
	if err := cloneDatabase(context.Background(), srv, name, template); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(context.Background(), srv, name); err != nil {
			t.Errorf("pgtest: dropping %s: %v", name, err)
		}
	})
	u, err := srv.DatabaseURL(name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// admin runs fn on a connection to the server's maintenance database.
func admin(ctx context.Context, srv *pgserver.Server, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return fn(conn)
}

// cloneDatabase creates name from template. CREATE DATABASE fails while
// anyone is connected to the template (autovacuum may be, briefly): it is
// tried again for a few seconds.
func cloneDatabase(ctx context.Context, srv *pgserver.Server, name, template string) error {
	return admin(ctx, srv, func(conn *pgx.Conn) error {
		stmt := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())
		var err error
		for attempt := 0; attempt < 50; attempt++ {
			if _, err = conn.Exec(ctx, stmt); !isCode(err, "55006") { // object_in_use
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		return err
	})
}

func dropDatabase(ctx context.Context, srv *pgserver.Server, name string) error {
	return admin(ctx, srv, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		return err
	})
}

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// buildTemplate makes sure the server has a database migrated with the
// current migrations, named after their hash, marked as a template that
// nobody may connect to. Test binaries of several packages run at once, so
// the build holds an advisory lock of the server; a template left half-built
// by a crashed run (not yet marked) is built again.
func buildTemplate(srv *pgserver.Server) error {
	templateOnce.Do(func() {
		hash, err := migrate.Hash()
		if err != nil {
			templateErr = err
			return
		}
		templateName = "pgtest_template_" + hash[:16]
		ctx := context.Background()
		templateErr = admin(ctx, srv, func(conn *pgx.Conn) error {
			if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('pgtest template'))"); err != nil {
				return err
			}
			defer conn.Exec(ctx, "SELECT pg_advisory_unlock(hashtext('pgtest template'))") //nolint:errcheck
			var ready bool
			err := conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", templateName).Scan(&ready)
			if err == nil && ready {
				return nil
			}
			if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{templateName}.Sanitize()+" WITH (FORCE)"); err != nil {
				return err
			}
			u, err := srv.DatabaseURL(templateName)
			if err != nil {
				return err
			}
			if err := migrate.Up(ctx, u, io.Discard); err != nil { // creates it first
				return err
			}
			_, err = conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{templateName}.Sanitize()+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
			return err
		})
	})
	return templateErr
}

// dropMainDatabases drops what NewURLForMain created, ending its sessions.
func dropMainDatabases() error {
	mainDatabasesMu.Lock()
	defer mainDatabasesMu.Unlock()
	var errs []error
	for _, name := range mainDatabases {
		errs = append(errs, dropDatabase(context.Background(), server, name))
	}
	mainDatabases = nil
	return errors.Join(errs...)
}
