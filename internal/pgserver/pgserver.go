// Package pgserver finds a PostgreSQL server for tests, for `mlreg demo` and
// for `mlreg bench`: a URL from the environment, else a throwaway cluster
// started from the machine's own PostgreSQL binaries (initdb, pg_ctl).
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/mlplatform/model-registry/migrate"
)

// Server is a PostgreSQL server with superuser access. Stop releases what
// Start created (a throwaway cluster); for a given URL it does nothing.
type Server struct {
	// URL connects as a superuser to the server's maintenance database.
	URL string
	// Source says where the server came from, for logs.
	Source   string
	stopOnce sync.Once
	stopErr  error
	cluster  *cluster // the throwaway cluster Start made; nil for a server given by URL
}

// Restart stops the server (fast: open connections are cut) and starts it
// again, for fault tests. Only a throwaway cluster can be restarted.
func (s *Server) Restart() error {
	if s == nil || s.cluster == nil {
		return errors.New("only a throwaway cluster can be restarted")
	}
	return s.cluster.restart()
}

// Stop releases the server if Start created it: the cluster is stopped, the
// postmaster seen gone, and only then its directory removed. It does not
// depend on any context of the caller's (a cancelled command still stops
// its cluster), and a second call returns the first one's result.
func (s *Server) Stop() error {
	if s == nil || s.cluster == nil {
		return nil
	}
	s.stopOnce.Do(func() { s.stopErr = s.cluster.stop() })
	return s.stopErr
}

// DatabaseURL is the server's URL with another database name, for tools
// that work in a database of their own (migrate.Up creates it).
func (s *Server) DatabaseURL(name string) (string, error) {
	return migrate.WithDatabase(s.URL, name)
}

// ErrNoServer is returned when neither source can give a server.
var ErrNoServer = errors.New("no PostgreSQL server available")

// startTimeout bounds initdb and the server's start.
const startTimeout = 2 * time.Minute

// Start resolves a server: the URL in the environment variable urlVar, else
// a throwaway cluster from PostgreSQL binaries on this machine. The error,
// when neither works, names both.
func Start(ctx context.Context, urlVar string) (*Server, error) {
	if u := os.Getenv(urlVar); u != "" {
		return &Server{URL: u, Source: urlVar}, nil
	}
	bindir, err := findBinaries()
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, startTimeout)
		defer cancel()
		var s *Server
		if s, err = startCluster(cctx, bindir, ClusterOptions{}); err == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w (local binaries: %v); provide one: %s=postgres://user:pass@host:port/db, "+
		"or PostgreSQL server binaries (initdb, pg_ctl) on PATH or via pg_config", ErrNoServer, err, urlVar)
}
