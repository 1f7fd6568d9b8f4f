// Package migrate applies the registry's migrations (db/migrations,
// embedded in the db package) to a PostgreSQL database, with nothing but
// pgx. Its bookkeeping is dbmate's: the same schema_migrations table and the
// same "-- migrate:up" / "-- migrate:down" files, so a database migrated by
// the dbmate binary (make migrate) and one migrated here are
// interchangeable; a test in this package shows both leave the same schema.
//
// What it adds to dbmate: one migrator at a time per database (a session
// advisory lock, so concurrent `mlreg migrate up` runs queue instead of
// failing), a database created concurrently by two migrators is not an
// error, a database migrated by a newer release is refused instead of
// silently accepted, and a rollback that would drop a table holding rows
// (the audit trail above all) needs Force.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/db"
	"github.com/mlplatform/model-registry/gen/registrydb"
)

// Migrator applies one set of migrations.
type Migrator struct {
	migrations []Migration
	log        io.Writer
	// ConnectTimeout bounds each connection attempt (default 10s, or the
	// URL's connect_timeout).
	ConnectTimeout time.Duration
}

// New returns a migrator of the registry's embedded migrations that writes
// what it applies to log (nil: nowhere).
func New(log io.Writer) (*Migrator, error) {
	return NewFS(db.Migrations, db.MigrationsDir, log)
}

// NewFS returns a migrator of the migrations in dir of fsys.
func NewFS(fsys fs.FS, dir string, log io.Writer) (*Migrator, error) {
	migrations, err := load(fsys, dir)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}
	return &Migrator{migrations: migrations, log: log}, nil
}

// Migrations lists the migrator's migrations, oldest first.
func (m *Migrator) Migrations() []Migration { return slices.Clone(m.migrations) }

// NewerDatabaseError is a database that has applied migrations this
// migrator does not know: it was migrated by a newer release, and neither
// up nor down can be trusted with it.
type NewerDatabaseError struct{ Unknown []string }

func (e *NewerDatabaseError) Error() string {
	return fmt.Sprintf("the database has %d migration(s) this release does not know (newest %s): it was migrated by a newer release; use that release, or a newer mlreg",
		len(e.Unknown), e.Unknown[len(e.Unknown)-1])
}

// DataLossError is a rollback refused because it would drop tables that
// hold rows.
type DataLossError struct {
	Migration string
	Tables    []TableRows
}

// TableRows is a table and how many rows it holds.
type TableRows struct {
	Table string
	Rows  int64
}

func (e *DataLossError) Error() string {
	msg := fmt.Sprintf("rolling back %s would drop", e.Migration)
	for i, t := range e.Tables {
		if i > 0 {
			msg += ","
		}
		msg += fmt.Sprintf(" %s (%d rows)", t.Table, t.Rows)
	}
	return msg + "; back them up, then roll back with --force"
}

// Status is where a database stands against the migrator's migrations.
type Status struct {
	Applied []string    // versions recorded in schema_migrations, oldest first
	Pending []Migration // known migrations not applied, oldest first
	Unknown []string    // applied versions this migrator does not know
}

// Up creates the database if it is missing and applies every pending
// migration, oldest first, each in a transaction of its own with its
// bookkeeping row (unless its block says transaction:false): a migration
// that fails leaves the database at the one before. It holds the migration
// lock throughout, so a second migrator waits, then finds nothing to do.
func (m *Migrator) Up(ctx context.Context, databaseURL string) error {
	return m.withLock(ctx, databaseURL, true, func(conn *pgx.Conn) error {
		st, err := m.status(ctx, conn)
		if err != nil {
			return err
		}
		if len(st.Unknown) > 0 {
			return &NewerDatabaseError{Unknown: st.Unknown}
		}
		for _, mig := range st.Pending {
			if err := m.apply(ctx, conn, mig, mig.Up, mig.UpInTx, "Applying", registrydb.New(conn).MigrationVersionRecord); err != nil {
				return err
			}
		}
		return nil
	})
}

// DownOptions tunes Down.
type DownOptions struct {
	// Force rolls back even when the migration drops tables holding rows.
	Force bool
}

// Down rolls back the newest applied migration. It refuses a database
// migrated by a newer release, and, without opts.Force, a rollback whose
// down block drops a table that holds rows (it names them and their counts).
func (m *Migrator) Down(ctx context.Context, databaseURL string, opts DownOptions) error {
	return m.withLock(ctx, databaseURL, false, func(conn *pgx.Conn) error {
		st, err := m.status(ctx, conn)
		if err != nil {
			return err
		}
		if len(st.Unknown) > 0 {
			return &NewerDatabaseError{Unknown: st.Unknown}
		}
		if len(st.Applied) == 0 {
			return errors.New("no migration to roll back")
		}
		newest := st.Applied[len(st.Applied)-1]
		i := slices.IndexFunc(m.migrations, func(mig Migration) bool { return mig.Version == newest })
		mig := m.migrations[i]
		if !opts.Force {
			lost, err := rowsDroppedBy(ctx, conn, mig.Down)
			if err != nil {
				return err
			}
			if len(lost) > 0 {
				return &DataLossError{Migration: mig.File, Tables: lost}
			}
		}
		return m.apply(ctx, conn, mig, mig.Down, mig.DownInTx, "Rolling back", registrydb.New(conn).MigrationVersionForget)
	})
}

// DownAll rolls back every applied migration, newest first, with opts.
func (m *Migrator) DownAll(ctx context.Context, databaseURL string, opts DownOptions) error {
	for {
		st, err := m.Status(ctx, databaseURL)
		if err != nil {
			return err
		}
		if len(st.Applied) == 0 {
			return nil
		}
		if err := m.Down(ctx, databaseURL, opts); err != nil {
			return err
		}
	}
}

// Status reads which migrations the database has applied. A database that
// does not exist is an error; one never migrated has every migration pending.
func (m *Migrator) Status(ctx context.Context, databaseURL string) (Status, error) {
	conn, err := connect(ctx, databaseURL, false, m.ConnectTimeout)
	if err != nil {
		return Status{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return m.status(ctx, conn)
}

// StatusOf is Status on a connection or pool the caller holds.
func (m *Migrator) StatusOf(ctx context.Context, conn registrydb.DBTX) (Status, error) {
	return m.status(ctx, conn)
}

func (m *Migrator) status(ctx context.Context, conn registrydb.DBTX) (Status, error) {
	q := registrydb.New(conn)
	var st Status
	present, err := q.MigrationBookkeepingExists(ctx)
	if err != nil {
		return st, err
	}
	if present {
		if st.Applied, err = q.MigrationVersionsApplied(ctx); err != nil {
			return st, err
		}
	}
	known := map[string]bool{}
	for _, mig := range m.migrations {
		known[mig.Version] = true
		if !slices.Contains(st.Applied, mig.Version) {
			st.Pending = append(st.Pending, mig)
		}
	}
	for _, v := range st.Applied {
		if !known[v] {
			st.Unknown = append(st.Unknown, v)
		}
	}
	return st, nil
}

// apply runs one block and its bookkeeping (record or forget the version),
// in one transaction unless the block asks for none.
func (m *Migrator) apply(ctx context.Context, conn *pgx.Conn, mig Migration, block string, inTx bool, verb string,
	bookkeeping func(context.Context, string) error) error {
	fmt.Fprintf(m.log, "%s: %s\n", verb, mig.File)
	start := time.Now()
	var err error
	if inTx {
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// The block is SQL text of the migration file, run as one
			// simple-protocol statement list, as dbmate runs it.
			if _, err := tx.Exec(ctx, block); err != nil {
				return err
			}
			return bookkeeping(ctx, mig.Version)
		})
	} else {
		if _, err = conn.Exec(ctx, block); err == nil {
			err = bookkeeping(ctx, mig.Version)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", mig.File, err)
	}
	fmt.Fprintf(m.log, "%s: %s in %s\n", pastTense(verb), mig.File, time.Since(start).Round(time.Millisecond))
	return nil
}

func pastTense(verb string) string {
	if verb == "Applying" {
		return "Applied"
	}
	return "Rolled back"
}

// withLock connects (creating the database first when create is set and it
// is missing), creates dbmate's bookkeeping table if absent, and runs fn
// holding the migration lock.
func (m *Migrator) withLock(ctx context.Context, databaseURL string, create bool, fn func(*pgx.Conn) error) error {
	conn, err := connect(ctx, databaseURL, create, m.ConnectTimeout)
	if err != nil {
		return err
	}
	// Closing must not depend on ctx: a cancelled migration still hangs up.
	defer conn.Close(context.WithoutCancel(ctx))
	q := registrydb.New(conn)
	if err := q.MigrationLock(ctx); err != nil {
		return err
	}
	defer q.MigrationUnlock(context.WithoutCancel(ctx)) //nolint:errcheck // the session ends right after
	if _, err := conn.Exec(ctx, createBookkeeping); err != nil {
		return err
	}
	return fn(conn)
}

// createBookkeeping is dbmate's own statement (db/dbmate_bookkeeping.sql):
// DDL, so it cannot be a generated query.
const createBookkeeping = "CREATE TABLE IF NOT EXISTS public.schema_migrations (version varchar PRIMARY KEY)"

// Hash identifies the embedded migrations, names and contents: a test
// harness keys its migrated template database on it.
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

// Up applies the embedded migrations to databaseURL: New(log), then Up.
func Up(ctx context.Context, databaseURL string, log io.Writer) error {
	m, err := New(log)
	if err != nil {
		return err
	}
	return m.Up(ctx, databaseURL)
}
