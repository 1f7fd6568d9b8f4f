// Command devdb gives the Makefile a migrated scratch database on whatever
// server pgserver finds (TEST_DATABASE_URL, Docker, or local binaries):
//
//	devdb dump FILE       write dbmate's schema dump of the migrations to FILE
//	                      (run from the repository's root: it runs tools/go.mod's dbmate)
//	devdb run CMD ARGS... run CMD with VET_DATABASE_URL set to the scratch database
//
// The scratch database is dropped afterwards.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/migrate"
)

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "dump" && os.Args[1] != "run") {
		fmt.Fprintln(os.Stderr, "usage: devdb dump FILE | devdb run CMD [ARGS...]")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "devdb:", err)
		os.Exit(1)
	}
}

func run(verb string, args []string) (err error) {
	// Ctrl-C reaches the command devdb runs too (one process group): devdb
	// waits for it, then drops the database and stops the server it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := pgserver.Start(ctx, "TEST_DATABASE_URL")
	if err != nil {
		return err
	}
	defer srv.Stop()
	dbURL, drop, err := scratchDatabase(ctx, srv.URL)
	if err != nil {
		return err
	}
	defer func() {
		if dropErr := drop(); err == nil {
			err = dropErr
		}
	}()
	if err := migrate.Up(ctx, dbURL, io.Discard); err != nil {
		return err
	}
	if verb == "dump" {
		return dump(dbURL, args[0])
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "VET_DATABASE_URL="+dbURL)
	return cmd.Run()
}

func scratchDatabase(ctx context.Context, serverURL string) (string, func() error, error) {
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "mlreg_scratch_" + hex.EncodeToString(suffix)
	admin, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	dbURL, err := migrate.WithDatabase(serverURL, name)
	if err != nil {
		return "", nil, err
	}
	// A Ctrl-C must not keep the drop from running.
	drop := func() error { return migrate.Drop(context.WithoutCancel(ctx), dbURL) }
	return dbURL, drop, nil
}

// volatileLine matches what differs between two dumps of one schema: the
// server and pg_dump versions, and the per-run random \restrict keys (PostgreSQL
// 15.14 and later).
var volatileLine = regexp.MustCompile(`(?m)^(\\(un)?restrict [A-Za-z0-9]+|-- Dumped (from|by) .*)\n`)

// dump writes dbmate's schema dump (pg_dump, then the schema_migrations
// rows) of the database to file, with the dbmate binary pinned in
// tools/go.mod, as `make migrate` runs it.
func dump(dbURL, file string) error {
	cmd := exec.Command("go", "tool", "-modfile=tools/go.mod", "dbmate", "--url", dbURL, "--schema-file", file, "dump")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dbmate dump: %w", err)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	return os.WriteFile(file, bytes.TrimLeft(volatileLine.ReplaceAll(body, nil), "\n"), 0o644)
}
