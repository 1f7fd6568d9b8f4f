package pgserver

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestClusterWithPassword: StartCluster with a password gives a server that
// admits the right password (the one Server.URL carries, escaped) and
// refuses a wrong one or none with SQLSTATE 28P01.
func TestClusterWithPassword(t *testing.T) {
	const password = "p@ss w/rd:ü%"
	ctx := context.Background()
	srv, err := StartCluster(ctx, ClusterOptions{Password: password})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := u.User.Password(); got != password || strings.Contains(srv.URL, password) {
		t.Fatalf("URL %s: password %q, want %q escaped", srv.URL, got, password)
	}

	conn, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		t.Fatalf("the right password: %v", err)
	}
	var method string
	err = conn.QueryRow(ctx, "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' LIMIT 1").Scan(&method)
	conn.Close(ctx)
	if err != nil || method != "scram-sha-256" {
		t.Fatalf("host connections authenticate with %q (%v), want scram-sha-256", method, err)
	}

	for name, user := range map[string]*url.Userinfo{
		"wrong password": url.UserPassword("postgres", "wrong"),
		"no password":    url.User("postgres"),
	} {
		wrong := *u
		wrong.User = user
		_, err := pgx.Connect(ctx, wrong.String())
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
			t.Errorf("%s: want SQLSTATE 28P01, got %v", name, err)
		}
	}

	if _, err := StartCluster(ctx, ClusterOptions{Password: "two\nlines"}); err == nil {
		t.Error("a password of two lines was accepted")
	}
}
