package pgserver

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestThrowawayClusterFromLocalBinaries starts the cluster the harness and
// `mlreg demo` fall back to (as the postgres user when run as root, as CI
// is), connects to it, and stops it, leaving nothing behind.
func TestThrowawayClusterFromLocalBinaries(t *testing.T) {
	bindir, err := findBinaries()
	if err != nil {
		t.Fatalf("this test needs PostgreSQL server binaries (initdb, pg_ctl): %v", err)
	}
	ctx := context.Background()
	srv, err := startCluster(ctx, bindir, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	var super bool
	err = conn.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super)
	conn.Close(ctx)
	if err != nil || !super {
		t.Errorf("want a superuser connection, got super=%v err=%v", super, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, srv.URL); err == nil {
		t.Fatal("the cluster still answers after Stop")
	}
}

func TestStartPrefersTheURLVariable(t *testing.T) {
	t.Setenv("MLREG_TEST_URL", "postgres://u@example.invalid/db")
	srv, err := Start(context.Background(), "MLREG_TEST_URL")
	if err != nil || srv.URL != "postgres://u@example.invalid/db" || srv.Source != "MLREG_TEST_URL" {
		t.Fatalf("Start = %+v, %v", srv, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestFilesHaltAndRestart: a throwaway cluster's files are open to tools
// run as its owner; Halt stops the server and keeps them, Restart brings
// the same data back. A server given by URL offers no files.
func TestFilesHaltAndRestart(t *testing.T) {
	ctx := context.Background()
	srv, err := StartCluster(ctx, ClusterOptions{})
	if err != nil {
		t.Fatalf("this test needs PostgreSQL server binaries (initdb, pg_ctl): %v", err)
	}
	defer srv.Stop()
	f, ok := srv.Files()
	if !ok || f.DataDir() == "" || f.Port() == 0 {
		t.Fatalf("Files of a throwaway cluster: %+v, %v", f, ok)
	}
	conn, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42); CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := f.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, srv.URL); err == nil {
		t.Fatal("the cluster answers after Halt")
	}
	out, err := f.Run(ctx, "pg_controldata", f.DataDir())
	if err != nil || !strings.Contains(out, "shut down") {
		t.Fatalf("pg_controldata as the owner after Halt: %v\n%s", err, out)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var x int
	if err := conn.QueryRow(ctx, "SELECT x FROM kept").Scan(&x); err != nil || x != 42 {
		t.Fatalf("after Restart: %d, %v", x, err)
	}
	byURL := &Server{URL: "postgres://u@example.invalid/db"}
	if _, ok := byURL.Files(); ok {
		t.Error("a server given by URL offers files")
	}
}
