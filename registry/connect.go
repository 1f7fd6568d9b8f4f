package registry

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/internal/dbconn"
)

// DefaultConnectTimeout bounds a connection attempt when the URL sets no
// connect_timeout: a server that accepts and never answers is an error,
// not a hang.
const DefaultConnectTimeout = dbconn.DefaultConnectTimeout

// ParsePoolConfig parses a database URL (or key=value DSN) into a pool
// configuration for the registry: JIT off and DefaultConnectTimeout, unless
// the URL sets its own. Its errors never repeat the URL, which may hold a
// password; a host with '@' or '/' in it, which is what a password with
// those characters left unescaped turns into, is refused as malformed.
func ParsePoolConfig(databaseURL string) (*pgxpool.Config, error) {
	return dbconn.ParsePoolConfig(databaseURL)
}

// Connect opens a pool from cfg and checks that the server answers, so that
// an unreachable server or a refused login is one error naming where
// (host:port/database), never the password.
func Connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, dbconn.ConnectError(ctx, &cfg.ConnConfig.Config, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, dbconn.ConnectError(ctx, &cfg.ConnConfig.Config, err)
	}
	return pool, nil
}

// Open parses databaseURL with ParsePoolConfig and connects with Connect.
func Open(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := ParsePoolConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return Connect(ctx, cfg)
}
