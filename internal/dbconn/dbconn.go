// Package dbconn parses database URLs and describes connection failures for
// the registry's packages, without ever repeating a password.
package dbconn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultConnectTimeout bounds a connection attempt when the URL sets no
// connect_timeout: a server that accepts and never answers is an error,
// not a hang.
const DefaultConnectTimeout = 10 * time.Second

// ParsePoolConfig parses a database URL (or key=value DSN) into a pool
// configuration for the registry: JIT off and DefaultConnectTimeout, unless
// the URL sets its own. Its errors never repeat the URL, which may hold a
// password; a host with '@' or '/' in it, which is what a password with
// those characters left unescaped turns into, is refused as malformed.
func ParsePoolConfig(databaseURL string) (*pgxpool.Config, error) {
	if err := checkUserinfo(databaseURL); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, errors.New("database URL is malformed")
	}
	for _, h := range hosts(cfg.ConnConfig.Config) {
		if strings.ContainsAny(h, "@/") && !strings.HasPrefix(h, "/") {
			return nil, errors.New("database URL is malformed: its host part holds '@' or '/' (percent-encode them in the password: @ is %40, / is %2F)")
		}
	}
	// The registry's queries are short or index-driven; JIT compiling them
	// cost more than it saved (mlreg check: 0.72 s with it, 0.35 s without,
	// at the small size).
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	return cfg, nil
}

// checkUserinfo refuses a URL with an '@' after its authority: what a
// password holding an unescaped '/', '?' or '#' turns into, the rest of the
// password then read as the database, the query or the fragment, and
// printed in errors as such.
func checkUserinfo(databaseURL string) error {
	scheme, rest, ok := strings.Cut(databaseURL, "://")
	if !ok || (scheme != "postgres" && scheme != "postgresql") {
		return nil // a keyword/value DSN: its password is a value of its own
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 && strings.Contains(rest[i:], "@") {
		return errors.New("database URL is malformed: an '@' follows the host (percent-encode /, ?, # and @ in the password: %2F, %3F, %23, %40)")
	}
	return nil
}

func hosts(c pgconn.Config) []string {
	out := []string{c.Host}
	for _, f := range c.Fallbacks {
		out = append(out, f.Host)
	}
	return out
}

// ConnectError describes a failed connection to the server of cfg in one
// line: where (host:port/database) and the innermost reason, without the
// password. A cancelled or expired ctx is the reason when it is one.
func ConnectError(ctx context.Context, cfg *pgconn.Config, err error) error {
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	if ctx.Err() != nil {
		return fmt.Errorf("cannot connect to database at %s: %w", where, ctx.Err())
	}
	if errors.Is(err, context.DeadlineExceeded) && cfg.ConnectTimeout > 0 {
		return fmt.Errorf("cannot connect to database at %s: no answer within the connect timeout (%s)", where, cfg.ConnectTimeout)
	}
	return fmt.Errorf("cannot connect to database at %s: %s", where, connectReason(err, cfg.Password))
}

// connectReason is the innermost reason of a connection error (the server's
// message, a refused or timed-out dial), with the password removed should
// any layer have quoted it.
func connectReason(err error, password string) string {
	var pgErr *pgconn.PgError
	msg := err.Error()
	if errors.As(err, &pgErr) {
		msg = pgErr.Message + " (SQLSTATE " + pgErr.Code + ")"
	} else if i := strings.LastIndex(msg, "): "); i >= 0 {
		msg = msg[i+3:]
	}
	return ScrubSecret(msg, password)
}

// ScrubSecret replaces every occurrence of secret in msg with ***. Secrets
// shorter than 4 characters are left: removing every "a" of a message would
// garble it, and a password that short is not one.
func ScrubSecret(msg, secret string) string {
	if len(secret) < 4 {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "***")
}
