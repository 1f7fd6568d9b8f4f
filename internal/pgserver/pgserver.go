// Package pgserver finds a PostgreSQL server for tests and for `mlreg demo`:
// a URL from the environment, else a Docker container (testcontainers), else
// a throwaway cluster started from the machine's own PostgreSQL binaries.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"
)

// Server is a PostgreSQL server with superuser access. Stop releases what
// Start created (a container or a cluster); for a given URL it does nothing.
type Server struct {
	// URL connects as a superuser to the server's maintenance database.
	URL string
	// Source says where the server came from, for logs.
	Source  string
	stop    func() error
	restart func() error
}

// Restart stops the server (fast: open connections are cut) and starts it
// again, for fault tests. Only a throwaway cluster can be restarted.
func (s *Server) Restart() error {
	if s == nil || s.restart == nil {
		return errors.New("only a throwaway cluster can be restarted")
	}
	return s.restart()
}

// Stop releases the server if Start created it.
func (s *Server) Stop() error {
	if s == nil || s.stop == nil {
		return nil
	}
	return s.stop()
}

// DatabaseURL is the server's URL with another database name, for tools
// that work in a database of their own (migrate.Up creates it).
func (s *Server) DatabaseURL(name string) (string, error) {
	u, err := url.Parse(s.URL)
	if err != nil { // url.Parse's error repeats the URL, password and all
		return "", errors.New("server URL is malformed")
	}
	u.Path = "/" + name
	return u.String(), nil
}

// ErrNoServer is returned when none of the three sources can give a server.
var ErrNoServer = errors.New("no PostgreSQL server available")

// Start resolves a server in this order: the URL in the environment variable
// urlVar, a Docker engine through testcontainers, PostgreSQL binaries on this
// machine. The error, when none works, names all three.
func Start(ctx context.Context, urlVar string) (*Server, error) {
	if u := os.Getenv(urlVar); u != "" {
		return &Server{URL: u, Source: urlVar}, nil
	}
	var reasons []string
	if dockerAnswers(ctx) {
		s, err := startContainer(ctx)
		if err == nil {
			return s, nil
		}
		reasons = append(reasons, "docker: "+err.Error())
	} else {
		reasons = append(reasons, "docker: no engine answers")
	}
	bindir, err := findBinaries()
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		s, err := startCluster(cctx, bindir)
		if err == nil {
			return s, nil
		}
		reasons = append(reasons, "local binaries: "+err.Error())
	} else {
		reasons = append(reasons, "local binaries: "+err.Error())
	}
	return nil, fmt.Errorf("%w (%s); provide one of: %s=postgres://user:pass@host:port/db, "+
		"a running Docker engine, or PostgreSQL server binaries (initdb, pg_ctl) on PATH or via pg_config",
		ErrNoServer, joinReasons(reasons), urlVar)
}

func joinReasons(rs []string) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += "; "
		}
		out += r
	}
	return out
}
