package mlregcli

import (
	"bytes"
	osexec "os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/internal/proctest"
)

// demoCommand is `mlreg demo` with no database URL, so that it starts a
// throwaway cluster, under a TMPDIR of the test's own (where the cluster's
// directory goes, so its processes can be told from other tests').
func demoCommand(t *testing.T, mlregBin string) (*osexec.Cmd, string, *bytes.Buffer) {
	return proctest.Command(t, "", nil, mlregBin, "demo")
}

// TestDemoLeavesNoServer: `mlreg demo` on a throwaway cluster stops it
// before exiting, and leaves no directory (before, the server kept running
// with its directory already deleted: five of five runs leaked one).
func TestDemoLeavesNoServer(t *testing.T) {
	cmd, tmp, out := demoCommand(t, mlregBinary(t))
	if err := cmd.Run(); err != nil {
		t.Fatalf("mlreg demo: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "throwaway PostgreSQL") || !strings.Contains(out.String(), "== mlreg lineage fraud-detector") {
		t.Fatalf("the demo did not run on a throwaway cluster to the end:\n%s", out)
	}
	proctest.NoneLeft(t, tmp)
}

// TestDemoInterruptedLeavesNoServer: Ctrl-C (SIGINT) or SIGTERM while the
// demo's cluster runs: the demo exits 2 and the server is stopped first.
func TestDemoInterruptedLeavesNoServer(t *testing.T) {
	mlregBin := mlregBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd, tmp, out := demoCommand(t, mlregBin)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		proctest.WaitFor(t, "postgres -D "+tmp+"/mlreg-pg-", time.Minute) // the server is up
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 2 {
			t.Errorf("demo after %v: exit %d\n%s", sig, code, out)
		}
		proctest.NoneLeft(t, tmp)
	}
}
