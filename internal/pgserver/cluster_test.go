package pgserver

import (
	"context"
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
