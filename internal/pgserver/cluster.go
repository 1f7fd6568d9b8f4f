package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// findBinaries returns the directory holding initdb and pg_ctl.
func findBinaries() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	// Debian and Ubuntu keep the server binaries off PATH.
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(matches) - 1; i >= 0; i-- {
		if hasServerBinaries(matches[i]) {
			return matches[i], nil
		}
	}
	return "", errors.New("initdb and pg_ctl not found")
}

func hasServerBinaries(dir string) bool {
	for _, b := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			if _, err := os.Stat(filepath.Join(dir, b+".exe")); err != nil {
				return false
			}
		}
	}
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ClusterOptions tunes StartCluster.
type ClusterOptions struct {
	// Password, when set, is the postgres superuser's password, and the
	// cluster checks it (scram-sha-256) on every connection, local ones
	// included; Server.URL carries it. Unset, every connection is trusted.
	Password string
	// Settings are extra server settings (-c name=value), such as
	// shared_preload_libraries.
	Settings map[string]string
}

// StartCluster starts a throwaway cluster from the machine's PostgreSQL
// binaries, as Start falls back to, with opts; Stop removes it.
func StartCluster(ctx context.Context, opts ClusterOptions) (*Server, error) {
	bindir, err := findBinaries()
	if err != nil {
		return nil, err
	}
	return startCluster(ctx, bindir, opts)
}

// cluster is one throwaway cluster: its directory, and how to run its tools.
type cluster struct {
	bindir, dir, data string
	owner             clusterOwner
	opts              string // the server's options, for start and restart
	port              int
}

// run runs a PostgreSQL tool as the cluster's owner. ctx bounds it.
func (c *cluster) run(ctx context.Context, name string, args ...string) error {
	_, err := c.runPath(ctx, filepath.Join(c.bindir, name), name, args...)
	return err
}

// runPath runs the program at path as the cluster's owner, in the
// cluster's directory, and returns its combined output; an error names
// the program by name and ends with its output's last line.
func (c *cluster) runPath(ctx context.Context, path, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = c.dir
	c.owner.configure(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %v: %s", name, err, lastLine(string(out)))
	}
	return string(out), nil
}

// startCluster initialises a cluster in a temporary directory and starts it
// on a free loopback port, tuned for throwaway data (no fsync).
func startCluster(ctx context.Context, bindir string, co ClusterOptions) (*Server, error) {
	owner, err := ownerForCluster()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mlreg-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{bindir: bindir, dir: dir, data: filepath.Join(dir, "data"), owner: owner}
	fail := func(err error) (*Server, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := owner.chown(dir); err != nil {
		return fail(err)
	}
	initdb := []string{"-D", c.data, "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"}
	userinfo := url.User("postgres")
	if co.Password == "" {
		initdb = append(initdb, "--auth=trust")
	} else {
		if strings.ContainsAny(co.Password, "\r\n") {
			return fail(errors.New("the cluster password must be one line"))
		}
		// initdb reads the password from a file the cluster's user can read.
		pwfile := filepath.Join(dir, "pwfile")
		if err := os.WriteFile(pwfile, []byte(co.Password+"\n"), 0o600); err != nil {
			return fail(err)
		}
		if err := owner.chown(pwfile); err != nil {
			return fail(err)
		}
		initdb = append(initdb, "--auth=scram-sha-256", "--pwfile="+pwfile)
		userinfo = url.UserPassword("postgres", co.Password)
	}
	err = c.run(ctx, "initdb", initdb...)
	os.Remove(filepath.Join(dir, "pwfile"))
	if err != nil {
		return fail(err)
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	c.port = port
	c.opts = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200", port, dir)
	for name, value := range co.Settings {
		c.opts += fmt.Sprintf(" -c %s=%s", name, value)
	}
	if err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.data, "-l", filepath.Join(dir, "server.log"), "-o", c.opts); err != nil {
		c.stop() // pg_ctl may have started a server before it gave up waiting
		return nil, err
	}
	return &Server{
		URL:     (&url.URL{Scheme: "postgres", User: userinfo, Host: fmt.Sprintf("127.0.0.1:%d", port), Path: "/postgres", RawQuery: "sslmode=disable"}).String(),
		Source:  "throwaway cluster from " + bindir,
		cluster: c,
	}, nil
}

// restart stops the server (fast) and starts it again with its options.
func (c *cluster) restart() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	return c.run(ctx, "pg_ctl", "restart", "-w", "-t", "60", "-D", c.data, "-m", "fast", "-l", filepath.Join(c.dir, "server.log"), "-o", c.opts)
}

// stopTimeout bounds a fast shutdown before the postmaster is killed.
const stopTimeout = 30 * time.Second

// stop shuts the server down (fast: sessions are cut), waits until its
// postmaster is gone (killing it if the shutdown does not finish), and only
// then removes the directory: a directory removed under a running server
// leaves a server nobody can stop with pg_ctl.
func (c *cluster) stop() error {
	pid := c.postmasterPID()
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	stopErr := c.run(ctx, "pg_ctl", "stop", "-D", c.data, "-m", "fast", "-w", "-t", strconv.Itoa(int(stopTimeout.Seconds())))
	if pid > 0 && processAlive(pid) {
		killProcess(pid)
		deadline := time.Now().Add(10 * time.Second)
		for processAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if processAlive(pid) {
			return fmt.Errorf("the throwaway server (pid %d) outlived pg_ctl stop and a kill; its directory %s is kept", pid, c.dir)
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return err
	}
	if pid > 0 {
		return nil // gone, whatever pg_ctl said
	}
	return stopErr
}

// postmasterPID reads the server's pid from postmaster.pid, 0 when there is none.
func (c *cluster) postmasterPID() int {
	body, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(body), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// PostmasterPID is the pid of the throwaway cluster's server, 0 for a
// server given by URL; tests use it to see the server gone after Stop.
func (s *Server) PostmasterPID() int {
	if s == nil || s.cluster == nil {
		return 0
	}
	return s.cluster.postmasterPID()
}

// ProcessAlive reports whether a process of that pid exists.
func ProcessAlive(pid int) bool { return processAlive(pid) }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
