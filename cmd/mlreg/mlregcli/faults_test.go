package mlregcli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgserver"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/synth"
	"github.com/mlplatform/model-registry/migrate"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

// terminateOthers ends, from the server side, every other session on the
// database, as an administrator's pg_terminate_backend or a failover would.
func terminateOthers(t *testing.T, url string) int {
	t.Helper()
	var n int
	if err := dial(t, url).QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
		t.Error(err)
	}
	return n
}

// TestSeedScaleSurvivesFaults: a seed --scale load cancelled half-way, or
// whose connection the server kills half-way, leaves no row behind; the
// pool it used still works; and the seed run again completes.
func TestSeedScaleSurvivesFaults(t *testing.T) {
	for _, fault := range []string{"cancel", "terminate"} {
		t.Run(fault, func(t *testing.T) {
			url := pgtest.NewURL(t)
			before := rowCounts(t, url)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pool, err := registry.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			injected := false
			_, err = seed.Scale(ctx, pool, synth.Sizes["tiny"], seed.ScaleOptions{Seed: 1, Actor: "test", Progress: func(table string, done, _ int64) {
				if table != "training_runs" || done == 0 || injected {
					return
				}
				injected = true
				if fault == "cancel" {
					cancel()
				} else if terminateOthers(t, url) == 0 {
					t.Error("no session to terminate")
				}
			}})
			if !injected || err == nil || !strings.Contains(err.Error(), "nothing was loaded") {
				t.Fatalf("%s half-way through the load: injected %v, error %v", fault, injected, err)
			}
			if after := rowCounts(t, url); after != before {
				t.Fatalf("the interrupted load left rows: %+v, was %+v", after, before)
			}
			if one, err := registrydb.New(pool).Ping(context.Background()); err != nil || one != 1 {
				t.Fatalf("the pool is unusable after the fault: %v", err)
			}
			if code, _, stderr := mlreg(t, "--database-url", url, "seed", "--scale", "tiny"); code != 0 {
				t.Fatalf("seed again: exit %d: %s", code, stderr)
			}
			if after := rowCounts(t, url); after.TrainingRuns != int64(synth.Sizes["tiny"].Runs) {
				t.Fatalf("seed again loaded %d runs, want %d", after.TrainingRuns, synth.Sizes["tiny"].Runs)
			}
		})
	}
}

// TestServerRestartWithPoolHeld: the server restarts (fast shutdown, every
// connection cut) while a pool is open; once it is back, the next call on
// the same pool succeeds: pgxpool pings a connection idle for over a second
// before handing it out and replaces a dead one.
func TestServerRestartWithPoolHeld(t *testing.T) {
	ctx := context.Background()
	srv, err := pgserver.StartCluster(ctx, pgserver.ClusterOptions{})
	if err != nil {
		t.Fatalf("a throwaway cluster is needed to restart a server: %v", err)
	}
	defer srv.Stop()
	url, err := srv.DatabaseURL("restarted")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Up(context.Background(), url, io.Discard); err != nil {
		t.Fatal(err)
	}
	pool, err := registry.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	q := registrydb.New(pool)
	for range 3 { // several connections in the pool, all to be cut
		if _, err := q.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the commands after a restart come later than this
	if one, err := q.Ping(ctx); err != nil || one != 1 {
		t.Fatalf("first call after the restart: %v", err)
	}
	if code, out, stderr := mlreg(t, "--database-url", url, "seed"); code != 0 || !strings.Contains(out, "sample registry loaded") {
		t.Fatalf("mlreg seed after the restart: exit %d: %s%s", code, out, stderr)
	}
}
