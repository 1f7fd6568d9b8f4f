package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Files is what a throwaway cluster offers a tool that works on its files
// rather than through a connection, such as pgBackRest, which copies the
// data directory and the WAL and restores them.
type Files struct{ c *cluster }

// Files returns the throwaway cluster's files; ok is false for a server
// given by URL, whose files are not ours.
func (s *Server) Files() (f Files, ok bool) {
	if s == nil || s.cluster == nil {
		return Files{}, false
	}
	return Files{s.cluster}, true
}

// Dir is the cluster's own directory, owned by the cluster's owner and
// removed by Stop: room for a tool's files (a backup repository).
func (f Files) Dir() string { return f.c.dir }

// DataDir is the cluster's data directory (PGDATA).
func (f Files) DataDir() string { return f.c.data }

// SocketDir is the directory of the server's Unix socket.
func (f Files) SocketDir() string { return f.c.dir }

// Port is the server's TCP (and socket) port.
func (f Files) Port() int { return f.c.port }

// Run runs a program as the cluster's owner (the postgres user when the
// caller is root: the server and the tools that read its files run as
// the one user) in the cluster's directory and returns its combined
// output. A program without a slash is looked up in the cluster's binary
// directory first (pg_ctl, pg_controldata), then in PATH.
func (f Files) Run(ctx context.Context, program string, args ...string) (string, error) {
	path := program
	if filepath.Base(program) == program {
		if p := filepath.Join(f.c.bindir, program); isFile(p) {
			path = p
		} else if p, err := exec.LookPath(program); err == nil {
			path = p
		} else {
			return "", fmt.Errorf("%s: not in %s nor in PATH", program, f.c.bindir)
		}
	}
	return f.c.runPath(ctx, path, program, args...)
}

// Halt stops the server (fast: sessions are cut) and keeps its files, so
// that a tool can work on a stopped cluster; Server.Restart starts it
// again. Stop still removes everything.
func (f Files) Halt(ctx context.Context) error {
	pid := f.c.postmasterPID()
	if _, err := f.Run(ctx, "pg_ctl", "stop", "-D", f.c.data, "-m", "fast", "-w", "-t", strconv.Itoa(int(stopTimeout.Seconds()))); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for pid > 0 && processAlive(pid) {
		if time.Now().After(deadline) {
			return errors.New("the server outlived pg_ctl stop")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
