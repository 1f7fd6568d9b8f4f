package main

import (
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5/pgxpool"
)

// connect opens a pool and checks the server answers, so that a bad URL or
// an unreachable server is one line naming where, never the password.
func connect(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("database URL is malformed")
	}
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

// userinfo matches the user:password@ part of any URL in a message.
var userinfo = regexp.MustCompile(`(//[^/@\s:]*):[^@\s/]*@`)

// redact removes passwords from URLs in an error message.
func redact(msg string) string {
	return userinfo.ReplaceAllString(msg, "$1:***@")
}
