// Package migrate applies the embedded migrations with dbmate's library.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"time"

	"github.com/amacneil/dbmate/v2/pkg/dbmate"
	_ "github.com/amacneil/dbmate/v2/pkg/driver/postgres" // registers postgres:// for dbmate
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/db"
	"github.com/mlplatform/model-registry/gen/registrydb"
)

// newDBMate configures dbmate for the embedded migrations. It never writes
// db/schema.sql: the committed dump is made by `make generate` only.
func newDBMate(databaseURL string, log io.Writer) (*dbmate.DB, error) {
	return newDBMateFS(databaseURL, db.Migrations, db.MigrationsDir, log)
}

// newDBMateFS is newDBMate for migrations in another file system (tests).
func newDBMateFS(databaseURL string, fsys fs.FS, dir string, log io.Writer) (*dbmate.DB, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("invalid database URL")
	}
	// lib/pq, which dbmate uses, requires TLS unless told otherwise; pgx
	// prefers it and falls back. Match pgx's default for local servers.
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "prefer")
		if isLocal(u.Hostname()) {
			q.Set("sslmode", "disable")
		}
		u.RawQuery = q.Encode()
	}
	m := dbmate.New(u)
	m.FS = fsys
	m.MigrationsDir = []string{dir}
	m.AutoDumpSchema = false
	m.WaitBefore = true
	m.WaitTimeout = 30 * time.Second
	m.WaitInterval = 250 * time.Millisecond
	m.Log = log
	return m, nil
}

func isLocal(host string) bool {
	return host == "" || host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Up creates the database if it is missing and applies every pending migration.
func Up(databaseURL string, log io.Writer) error {
	return UpFS(databaseURL, db.Migrations, db.MigrationsDir, log)
}

// UpFS is Up for the migrations in dir of fsys.
//
// dbmate takes no lock, so two migrators started at once would both apply
// the first migration and one would fail half-way. UpFS holds the migration
// lock (an advisory lock of the session) while dbmate runs: a second migrator
// waits, then finds nothing pending. Each migration runs in a transaction of
// its own, so one that fails leaves the database at the one before.
func UpFS(databaseURL string, fsys fs.FS, dir string, log io.Writer) error {
	m, err := newDBMateFS(databaseURL, fsys, dir, log)
	if err != nil {
		return err
	}
	if err := m.Wait(); err != nil {
		return err
	}
	unlock, err := lock(databaseURL, m)
	if err != nil {
		return err
	}
	defer unlock()
	return m.Migrate()
}

// lock creates the database if needed and takes the migration lock.
func lock(databaseURL string, m *dbmate.DB) (unlock func(), err error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // invalid_catalog_name: no such database
		if err := m.Create(); err != nil {
			if !errors.As(err, &pgErr) || pgErr.Code != "42P04" { // created meanwhile by another migrator
				return nil, err
			}
		}
		conn, err = pgx.Connect(ctx, databaseURL)
	}
	if err != nil {
		return nil, err
	}
	if err := registrydb.New(conn).MigrationLock(ctx); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return func() {
		_, _ = registrydb.New(conn).MigrationUnlock(ctx)
		conn.Close(ctx)
	}, nil
}

// Drop removes the database, for tools that made a scratch one.
func Drop(databaseURL string) error {
	m, err := newDBMate(databaseURL, io.Discard)
	if err != nil {
		return err
	}
	return m.Drop()
}

// Count is the number of embedded migrations.
func Count() (int, error) {
	files, err := fs.Glob(db.Migrations, db.MigrationsDir+"/*.sql")
	return len(files), err
}

// Down rolls back the most recently applied migration.
func Down(databaseURL string, log io.Writer) error {
	m, err := newDBMate(databaseURL, log)
	if err != nil {
		return err
	}
	return m.Rollback()
}

// DownAll rolls back every applied migration, newest first.
func DownAll(databaseURL string, log io.Writer) error {
	m, err := newDBMate(databaseURL, log)
	if err != nil {
		return err
	}
	for {
		pending, err := m.Status(true)
		if err != nil {
			return err
		}
		all, err := m.FindMigrations()
		if err != nil {
			return err
		}
		if pending == len(all) {
			return nil
		}
		if err := m.Rollback(); err != nil {
			return err
		}
	}
}

// Status writes which migrations are applied and returns how many are pending.
func Status(databaseURL string, log io.Writer) (int, error) {
	m, err := newDBMate(databaseURL, log)
	if err != nil {
		return 0, err
	}
	return m.Status(false)
}

// Hash identifies the embedded migrations: their names and contents.
func Hash() (string, error) {
	h := sha256.New()
	entries, err := fs.ReadDir(db.Migrations, db.MigrationsDir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		body, err := fs.ReadFile(db.Migrations, db.MigrationsDir+"/"+e.Name())
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", e.Name(), len(body))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// DumpSchema writes dbmate's schema dump (pg_dump) of the database to file.
func DumpSchema(databaseURL, file string) error {
	m, err := newDBMate(databaseURL, io.Discard)
	if err != nil {
		return err
	}
	m.SchemaFile = file
	return m.DumpSchema()
}
