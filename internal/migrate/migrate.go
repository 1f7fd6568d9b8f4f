// Package migrate applies the embedded migrations with dbmate's library.
package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"time"

	"github.com/amacneil/dbmate/v2/pkg/dbmate"
	_ "github.com/amacneil/dbmate/v2/pkg/driver/postgres" // registers postgres:// for dbmate

	"github.com/mlplatform/model-registry/db"
)

// newDBMate configures dbmate for the embedded migrations. It never writes
// db/schema.sql: the committed dump is made by `make generate` only.
func newDBMate(databaseURL string, log io.Writer) (*dbmate.DB, error) {
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
	m.FS = db.Migrations
	m.MigrationsDir = []string{db.MigrationsDir}
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
	m, err := newDBMate(databaseURL, log)
	if err != nil {
		return err
	}
	return m.CreateAndMigrate()
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
