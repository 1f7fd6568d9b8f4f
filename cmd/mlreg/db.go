package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
)

// connect opens a pool and checks the server answers, so that a bad URL or
// an unreachable server is one line naming where, never the password.
func connect(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := poolConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return connectWith(ctx, cfg)
}

// poolConfig is the pool configuration every mlreg connection starts from.
func poolConfig(databaseURL string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("database URL is malformed")
	}
	// The registry's queries are short or index-driven; JIT compiling them
	// cost more than it saved (mlreg check: 0.72 s with it, 0.35 s without,
	// at the small size). A URL that sets jit keeps its own choice.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	return cfg, nil
}

// connectWith opens a pool from cfg and checks the server answers.
func connectWith(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to database at %s", where)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot connect to database at %s: %s", where, pgReason(err))
	}
	return pool, nil
}

// pgReason keeps the last clause of a connection error (the server's reason).
func pgReason(err error) string {
	msg := err.Error()
	if m := reasonPattern.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return msg
}

var reasonPattern = regexp.MustCompile(`\): (.*)$`)

// userinfo matches the user:password@ part of any URL in a message, up to
// the last '@' before white space: a password written unescaped may hold '@'
// or '/' (postgres://u:p@ss@host/db has the password p@ss), and a redaction
// stopping at the first of them printed the rest.
var userinfo = regexp.MustCompile(`(//[^/@\s:]*):\S*@`)

// redact makes an error message fit for its one line of stderr: it removes
// the passwords of URLs, and escapes the characters that would break the
// line or rewrite the terminal (see printable), which the flag package
// prints as given ("flag provided but not defined: -\n" was two lines).
func redact(msg string) string {
	return printable(userinfo.ReplaceAllString(msg, "$1:***@"))
}

// printable escapes control characters, format characters (such as a
// right-to-left override) and invalid UTF-8 the way Go quotes them.
func printable(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}
