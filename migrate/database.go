package migrate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/dbconn"
)

// SQLSTATEs met when creating a database.
const (
	codeInvalidCatalogName = "3D000" // no such database
	codeDuplicateDatabase  = "42P04"
	codeUniqueViolation    = "23505" // two CREATE DATABASE racing on pg_database's name index
)

// connect opens one connection to databaseURL; with create, a database that
// does not exist is created first (through the server's maintenance
// database), and one created meanwhile by another migrator is no error.
func connect(ctx context.Context, databaseURL string, create bool, timeout time.Duration) (*pgx.Conn, error) {
	cfg, err := parseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	if timeout > 0 {
		cfg.ConnectTimeout = timeout
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if create && hasCode(err, codeInvalidCatalogName) {
		if err := createDatabase(ctx, cfg); err != nil {
			return nil, err
		}
		conn, err = pgx.ConnectConfig(ctx, cfg)
	}
	if err != nil {
		return nil, dbconn.ConnectError(ctx, &cfg.Config, err)
	}
	return conn, nil
}

// parseConfig parses a database URL as the registry does (without
// repeating it in an error, with a connect timeout), for one connection.
func parseConfig(databaseURL string) (*pgx.ConnConfig, error) {
	pcfg, err := dbconn.ParsePoolConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return pcfg.ConnConfig, nil
}

func hasCode(err error, codes ...string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	for _, c := range codes {
		if pgErr.Code == c {
			return true
		}
	}
	return false
}

// maintenance connects to the server of cfg through its maintenance database.
func maintenance(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	admin := cfg.Copy()
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if hasCode(err, codeInvalidCatalogName) {
		admin.Database = "template1"
		conn, err = pgx.ConnectConfig(ctx, admin)
	}
	if err != nil {
		return nil, dbconn.ConnectError(ctx, &admin.Config, err)
	}
	return conn, nil
}

// createDatabase creates cfg's database. The name is a URL's, so it is
// quoted as an identifier; CREATE DATABASE cannot take it as a parameter.
func createDatabase(ctx context.Context, cfg *pgx.ConnConfig) error {
	admin, err := maintenance(ctx, cfg)
	if err != nil {
		return err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cfg.Database}.Sanitize())
	if err != nil && !hasCode(err, codeDuplicateDatabase, codeUniqueViolation) {
		return fmt.Errorf("creating database %s: %w", cfg.Database, err)
	}
	return nil
}

// Drop removes the database of databaseURL, ending its sessions; a database
// that does not exist is no error.
func Drop(ctx context.Context, databaseURL string) error {
	cfg, err := parseConfig(databaseURL)
	if err != nil {
		return err
	}
	admin, err := maintenance(ctx, cfg)
	if err != nil {
		return err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{cfg.Database}.Sanitize()+" WITH (FORCE)")
	return err
}

// WithDatabase is databaseURL naming another database of the same server.
func WithDatabase(databaseURL, name string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil { // url.Parse's error repeats the URL, password and all
		return "", errors.New("database URL is malformed")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// droppedTable finds the tables a down block drops by name.
var droppedTable = regexp.MustCompile(`(?i)\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?((?:[a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*)`)

// rowsDroppedBy lists the tables a down block drops that exist and hold
// rows. Tables dropped through dynamic SQL (EXECUTE) are not seen.
func rowsDroppedBy(ctx context.Context, conn *pgx.Conn, down string) ([]TableRows, error) {
	var lost []TableRows
	for _, m := range droppedTable.FindAllStringSubmatch(down, -1) {
		exists, err := registrydb.New(conn).MigrationTableExists(ctx, m[1])
		if err != nil {
			return nil, err
		}
		if !exists {
			continue
		}
		// The name comes from a migration file and names a table that
		// exists; a count of a table named at run time needs it in the text.
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier(strings.Split(m[1], ".")).Sanitize()).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			lost = append(lost, TableRows{Table: m[1], Rows: n})
		}
	}
	return lost, nil
}
