// Package failing is a test package that fails on purpose, run by
// pgtest's leak tests: its throwaway server must not outlive it.
package failing

import (
	"os"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestFailsWithAServerRunning(t *testing.T) {
	pgtest.NewURL(t)
	if os.Getenv("PGTEST_LEAK_HANG") != "" {
		time.Sleep(2 * time.Minute) // until the leak test interrupts it
	}
	t.Fatal("failing on purpose, with a throwaway server running")
}
