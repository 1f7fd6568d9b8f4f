package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
			return false
		}
	}
	return true
}

// clusterUser is who runs the server: initdb and postgres refuse to run as
// root, so as root the cluster belongs to an unprivileged system user.
func clusterUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and no unprivileged user (postgres, nobody) to run the server")
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
}

// StartCluster starts a throwaway cluster from the machine's PostgreSQL
// binaries, as Start falls back to, with opts; Stop removes it. Tests use a
// password to meet a server that refuses a wrong one, as the machine's own
// (trust) server never does.
func StartCluster(ctx context.Context, opts ClusterOptions) (*Server, error) {
	bindir, err := findBinaries()
	if err != nil {
		return nil, err
	}
	return startClusterWith(ctx, bindir, opts)
}

// startCluster initialises a cluster in a temporary directory and starts it
// on a free loopback port, tuned for throwaway data (no fsync).
func startCluster(ctx context.Context, bindir string) (*Server, error) {
	return startClusterWith(ctx, bindir, ClusterOptions{})
}

func startClusterWith(ctx context.Context, bindir string, co ClusterOptions) (*Server, error) {
	cred, err := clusterUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mlreg-pg-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, filepath.Join(bindir, name), args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", name, err, lastLine(string(out)))
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	initdb := []string{"-D", data, "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"}
	userinfo := url.User("postgres")
	if co.Password == "" {
		initdb = append(initdb, "--auth=trust")
	} else {
		if strings.ContainsAny(co.Password, "\r\n") {
			os.RemoveAll(dir)
			return nil, errors.New("the cluster password must be one line")
		}
		// initdb reads the password from a file the cluster's user can read.
		pwfile := filepath.Join(dir, "pwfile")
		if err := os.WriteFile(pwfile, []byte(co.Password+"\n"), 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if cred != nil {
			if err := os.Chown(pwfile, int(cred.Uid), int(cred.Gid)); err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
		}
		initdb = append(initdb, "--auth=scram-sha-256", "--pwfile="+pwfile)
		userinfo = url.UserPassword("postgres", co.Password)
	}
	err = run("initdb", initdb...)
	os.Remove(filepath.Join(dir, "pwfile"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200", port, dir)
	if err := run("pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(dir, "server.log"), "-o", opts); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stop := func() error {
		err := run("pg_ctl", "stop", "-D", data, "-m", "fast", "-w")
		if rmErr := os.RemoveAll(dir); err == nil {
			err = rmErr
		}
		return err
	}
	restart := func() error {
		return run("pg_ctl", "restart", "-w", "-t", "60", "-D", data, "-m", "fast", "-l", filepath.Join(dir, "server.log"), "-o", opts)
	}
	return &Server{
		URL:     (&url.URL{Scheme: "postgres", User: userinfo, Host: fmt.Sprintf("127.0.0.1:%d", port), Path: "/postgres", RawQuery: "sslmode=disable"}).String(),
		Source:  "throwaway cluster from " + bindir,
		stop:    stop,
		restart: restart,
	}, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
