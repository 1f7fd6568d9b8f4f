package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// login is a connection to the test's database as a login role of its own,
// created for the test as a member of the given group roles and dropped
// after it. Roles belong to the whole server, which other tests (and other
// people's tests) share, so the name is random.
type login struct {
	t       *testing.T
	name    string
	conn    *pgx.Conn
	notices []string // messages of the notices and warnings the server sent
}

// newLogin creates a login role in the given groups (registry_writer, ...)
// and connects as it to the database of pool (trust authentication: no
// password). The role and what it owns are dropped when the test ends.
func newLogin(t *testing.T, pool *pgxpool.Pool, groups ...string) *login {
	t.Helper()
	ctx := context.Background()
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	short := "login"
	if len(groups) > 0 {
		short = strings.TrimPrefix(groups[0], "registry_")
	}
	name := "gov_" + hex.EncodeToString(suffix) + "_" + short
	create := "CREATE ROLE " + pgx.Identifier{name}.Sanitize() + " LOGIN"
	if len(groups) > 0 {
		quoted := make([]string, len(groups))
		for i, g := range groups {
			quoted[i] = pgx.Identifier{g}.Sanitize()
		}
		create += " IN ROLE " + strings.Join(quoted, ", ")
	}
	if _, err := pool.Exec(ctx, create); err != nil {
		t.Fatalf("%s: %v", create, err)
	}
	l := &login{t: t, name: name}
	t.Cleanup(func() {
		if l.conn != nil {
			l.conn.Close(ctx)
		}
		role := pgx.Identifier{name}.Sanitize()
		if _, err := pool.Exec(ctx, "DROP OWNED BY "+role); err != nil {
			t.Errorf("dropping what %s owns: %v", name, err)
		}
		if _, err := pool.Exec(ctx, "DROP ROLE "+role); err != nil {
			t.Errorf("dropping role %s: %v", name, err)
		}
	})
	cfg := pool.Config().ConnConfig.Copy()
	cfg.User = name
	cfg.Password = ""
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { l.notices = append(l.notices, n.Message) }
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connecting as %s: %v", name, err)
	}
	l.conn = conn
	return l
}

// exec runs sql as the login role. After an error inside an explicit
// transaction it rolls back, so the connection is usable again.
func (l *login) exec(sql string, args ...any) error {
	ctx := context.Background()
	_, err := l.conn.Exec(ctx, sql, args...)
	if l.conn.PgConn().TxStatus() == 'E' {
		if _, rbErr := l.conn.Exec(ctx, "ROLLBACK"); rbErr != nil {
			l.t.Fatalf("rollback after %q: %v", sql, rbErr)
		}
	}
	return err
}

// must runs sql as the login role and fails the test on an error.
func (l *login) must(sql string, args ...any) {
	l.t.Helper()
	if err := l.exec(sql, args...); err != nil {
		l.t.Fatalf("as %s: %s: %v", l.name, sql, err)
	}
}

// wantSQLState fails unless err is a PostgreSQL error with the SQLSTATE code
// whose constraint name or message contains each of want.
func wantSQLState(t *testing.T, err error, code string, want ...string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("want SQLSTATE %s, got %v", code, err)
	}
	if pgErr.Code != code {
		t.Fatalf("want SQLSTATE %s, got %s: %s (constraint %q)", code, pgErr.Code, pgErr.Message, pgErr.ConstraintName)
	}
	for _, w := range want {
		if pgErr.ConstraintName != w && !strings.Contains(pgErr.Message, w) {
			t.Errorf("error %q (constraint %q) does not name %q", pgErr.Message, pgErr.ConstraintName, w)
		}
	}
}

// digestTables are the tables whose contents an attack must leave alone.
var digestTables = []string{
	"teams", "users", "environments", "models", "model_versions", "datasets",
	"experiments", "training_runs", "run_datasets", "deployments", "approvals",
	"tags", "model_tags", "dataset_tags", "model_aliases", "deployment_traffic_locks",
	"audit_log", "audit_chain",
}

// digest is a row count and md5 of every row of each registry table, the
// audit trail and the chain, read as the superuser.
func digest(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range digestTables {
		var d string
		err := pool.QueryRow(context.Background(),
			"SELECT count(*)::text || ' ' || COALESCE(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM public."+table+" x").Scan(&d)
		if err != nil {
			t.Fatalf("digest of %s: %v", table, err)
		}
		out[table] = d
	}
	return out
}

// unchanged fails when any table differs from the digest taken before.
func unchanged(t *testing.T, pool *pgxpool.Pool, before map[string]string) {
	t.Helper()
	after := digest(t, pool)
	for _, table := range digestTables {
		if before[table] != after[table] {
			t.Errorf("%s changed: %s -> %s", table, before[table], after[table])
		}
	}
}

// pool returns a pool of connections as the login role, closed when the
// test ends (before the role is dropped).
func (l *login) pool(base *pgxpool.Pool) *pgxpool.Pool {
	l.t.Helper()
	cfg := base.Config().Copy()
	cfg.ConnConfig.User = l.name
	cfg.ConnConfig.Password = ""
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		l.t.Fatalf("pool as %s: %v", l.name, err)
	}
	l.t.Cleanup(p.Close)
	return p
}
