// Package proctest finds processes by their command line, for tests that
// check a throwaway PostgreSQL server does not outlive the command that
// started it. It reads /proc, so those tests run on Linux.
package proctest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Command prepares name args to run from dir (the current directory when
// empty) with no database URL in its environment (DATABASE_URL and
// TEST_DATABASE_URL removed), so that it starts a throwaway cluster, under
// a TMPDIR of the test's own that the cluster's user can reach (as root
// the cluster runs as the postgres user): its processes are then told
// from other tests' by that directory, given to Under, WaitFor and
// NoneLeft. extraEnv is added to the environment; the command's output,
// both streams, goes to the buffer returned.
func Command(t testing.TB, dir string, extraEnv []string, name string, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	tmp := t.TempDir()
	for _, d := range []string{tmp, filepath.Dir(tmp)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "TEST_DATABASE_URL=") && !strings.HasPrefix(kv, "TMPDIR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "TMPDIR="+tmp), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, tmp, &out
}

// Under lists the pids of processes whose command line mentions dir (a
// throwaway cluster's data directory lies under its creator's TMPDIR).
func Under(t testing.TB, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("proctest: reading /proc (these tests need Linux): %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// WaitFor polls until a process mentions dir, and fails the test after
// timeout. To wait for a running server rather than initdb, give the
// server's data directory option: "postgres -D " + dir.
func WaitFor(t testing.TB, dir string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for len(Under(t, dir)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("proctest: no process under %s after %s", dir, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// NoneLeft fails the test if a process still mentions dir, or if dir holds
// a cluster's directory. It allows a few seconds for a command that is
// still cleaning up (a grandchild, such as the test binary `go test`
// runs, may outlive the process the test waited for).
func NoneLeft(t testing.TB, dir string) {
	t.Helper()
	clusterDirs := func() []string {
		left, _ := filepath.Glob(filepath.Join(dir, "mlreg-pg-*"))
		return left
	}
	deadline := time.Now().Add(15 * time.Second)
	for (len(Under(t, dir)) > 0 || len(clusterDirs()) > 0) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if pids := Under(t, dir); len(pids) > 0 {
		for _, pid := range pids {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			t.Errorf("process %d outlived its command: %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	if left := clusterDirs(); len(left) > 0 {
		t.Errorf("cluster directories left behind: %v", left)
	}
}
