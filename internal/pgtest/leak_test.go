package pgtest_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/internal/proctest"
)

// command runs name args from dir without a database URL (so a throwaway
// cluster is started) under a TMPDIR of the test's own, in a process group
// of its own, as a terminal would run it.
func command(t *testing.T, dir string, extraEnv []string, name string, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd, tmp, out := proctest.Command(t, dir, extraEnv, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, tmp, out
}

// interrupt sends sig to cmd's whole process group, as Ctrl-C at a
// terminal does, once a throwaway server runs under tmp.
func interrupt(t *testing.T, cmd *exec.Cmd, tmp string, sig syscall.Signal) {
	t.Helper()
	proctest.WaitFor(t, "postgres -D "+filepath.Join(tmp, "mlreg-pg-"), 3*time.Minute)
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		t.Fatal(err)
	}
}

// TestFailingTestsLeaveNoServer: a test package whose test fails, and one
// interrupted while its test runs, both stop the throwaway server pgtest
// started for them (before, it kept running, its directory deleted).
func TestFailingTestsLeaveNoServer(t *testing.T) {
	cmd, tmp, out := command(t, ".", nil, "go", "test", "-count=1", "./testdata/failing")
	if err := cmd.Run(); err == nil || !strings.Contains(out.String(), "failing on purpose") {
		t.Fatalf("the failing package did not fail as meant: %v\n%s", err, out)
	}
	proctest.NoneLeft(t, tmp)

	cmd, tmp, out = command(t, ".", []string{"PGTEST_LEAK_HANG=1"}, "go", "test", "-count=1", "./testdata/failing")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	interrupt(t, cmd, tmp, syscall.SIGINT)
	_ = cmd.Wait()
	proctest.NoneLeft(t, tmp)
	if t.Failed() {
		t.Logf("go test output:\n%s", out)
	}
}

// TestDevDBLeavesNoServer: the Makefile's scratch database tool stops its
// throwaway server when the command it runs succeeds, fails, or is
// interrupted.
func TestDevDBLeavesNoServer(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		ok   bool
	}{{[]string{"true"}, true}, {[]string{"false"}, false}} {
		cmd, tmp, out := command(t, root, nil, "go", append([]string{"run", "./internal/cmd/devdb", "run"}, c.args...)...)
		if err := cmd.Run(); (err == nil) != c.ok {
			t.Fatalf("devdb run %v: %v\n%s", c.args, err, out)
		}
		proctest.NoneLeft(t, tmp)
	}
	cmd, tmp, out := command(t, root, nil, "go", "run", "./internal/cmd/devdb", "run", "sleep", "120")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	interrupt(t, cmd, tmp, syscall.SIGINT)
	_ = cmd.Wait()
	proctest.NoneLeft(t, tmp)
	if t.Failed() {
		t.Logf("devdb output:\n%s", out)
	}
}
