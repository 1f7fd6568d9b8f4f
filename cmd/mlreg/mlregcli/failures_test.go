package mlregcli

import (
	"bytes"
	"context"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hungServer listens on loopback, accepts every connection and never
// answers: a server stuck, or a port forwarded to nothing.
func hungServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "postgres://u:hung-secret@" + l.Addr().String() + "/registry"
}

// TestHungServerTimesOut: against a server that accepts and never answers,
// every command that connects gives up after the connect timeout (flag or
// MLREG_CONNECT_TIMEOUT) with one line and exit 2, instead of hanging until
// killed. The bound checked is generous: the point is that they return.
func TestHungServerTimesOut(t *testing.T) {
	url := hungServer(t)
	commands := [][]string{
		{"check"}, {"lineage", "m"}, {"impact", "d"}, {"seed"}, {"audit", "verify"}, {"audit", "log"},
		{"erd"}, {"migrate", "status"}, {"migrate", "up"}, {"migrate", "down"},
	}
	var wg sync.WaitGroup
	for _, args := range commands {
		for _, via := range []string{"flag", "env"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				full := append([]string{"--database-url", url}, args...)
				if via == "flag" {
					full = append(full, "--connect-timeout", "1s")
				}
				start := time.Now()
				var out, errOut bytes.Buffer
				a := &app{out: &out, errOut: &errOut}
				if via == "env" {
					a.getenv = func(key string) string {
						if key == "MLREG_CONNECT_TIMEOUT" {
							return "1s"
						}
						return os.Getenv(key)
					}
				}
				code := a.run(context.Background(), full)
				took := time.Since(start)
				if code != 2 || !strings.Contains(errOut.String(), "no answer within the connect timeout (1s)") ||
					strings.Count(errOut.String(), "\n") != 1 || strings.Contains(errOut.String(), "hung-secret") || took > 30*time.Second {
					t.Errorf("%v (timeout by %s): exit %d after %s, stderr %q", args, via, code, took.Round(time.Millisecond), errOut.String())
				}
			}()
		}
	}
	wg.Wait()
}

// mlregBinary builds the command into the test's temporary directory, for
// the tests that need a process of its own (signals, what outlives it). A
// test calls it once; the build cache keeps the rebuild to a link, and the
// binary goes with the test's directory (built once for the package, into
// a directory of its own, it was left in TMPDIR by every run).
func mlregBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mlreg")
	if out, err := osexec.Command("go", "build", "-o", bin, "github.com/mlplatform/model-registry/cmd/mlreg").CombinedOutput(); err != nil {
		t.Fatalf("building mlreg: %v\n%s", err, out)
	}
	return bin
}

// TestSignalsCancel: SIGINT or SIGTERM to mlreg waiting on a server that
// never answers ends it at once with one line and exit 2 (before: `migrate
// status` ignored both for minutes).
func TestSignalsCancel(t *testing.T) {
	url := hungServer(t)
	mlregBin := mlregBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for _, args := range [][]string{{"migrate", "status"}, {"check"}, {"migrate", "up"}} {
			cmd := osexec.Command(mlregBin, append([]string{"--database-url", url, "--connect-timeout", "1h"}, args...)...)
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // connecting by now
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("%v: still running 30 s after %v", args, sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != 2 || errOut.String() != "mlreg: interrupted\n" {
				t.Errorf("%v after %v: exit %d, stderr %q", args, sig, code, errOut.String())
			}
		}
	}
}
