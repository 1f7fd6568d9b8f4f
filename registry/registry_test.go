package registry_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func seededPool(t *testing.T) (*pgxpool.Pool, *registrydb.Queries) {
	t.Helper()
	pool := pgtest.NewPool(t)
	err := registry.WithTx(context.Background(), pool, registry.TxOptions{Actor: "test"}, func(q *registrydb.Queries) error {
		_, err := seed.Sample(context.Background(), q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pool, registrydb.New(pool)
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)

	_, err := q.ModelGetByName(ctx, "absent")
	if !errors.Is(registry.MapError(err), registry.ErrNotFound) {
		t.Errorf("missing row: %v", registry.MapError(err))
	}
	params := registrydb.ModelCreateParams{ModelName: "dup", DisplayName: "Dup"}
	if _, err := q.ModelCreate(ctx, params); err != nil {
		t.Fatal(err)
	}
	_, err = q.ModelCreate(ctx, params)
	if !errors.Is(registry.MapError(err), registry.ErrAlreadyExists) {
		t.Errorf("duplicate name: %v", registry.MapError(err))
	}
	params.ModelName = "Not Kebab"
	_, err = q.ModelCreate(ctx, params)
	var ce *registry.ConstraintError
	if mapped := registry.MapError(err); !errors.As(mapped, &ce) || ce.Constraint != "valid_model_name" || !errors.Is(mapped, registry.ErrConstraint) {
		t.Errorf("check violation: %#v", mapped)
	}
	if registry.MapError(nil) != nil {
		t.Error("nil must map to nil")
	}
}

func TestWithTxRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	boom := errors.New("boom")
	err := registry.WithTx(ctx, pool, registry.TxOptions{}, func(q *registrydb.Queries) error {
		if _, err := q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "ghost"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("want boom, got %v", err)
	}
	if _, err := registrydb.New(pool).TeamGetByName(ctx, "ghost"); !errors.Is(registry.MapError(err), registry.ErrNotFound) {
		t.Fatalf("the rolled-back team exists: %v", err)
	}
}

// TestWithTxRetriesSerializationFailures makes two serializable transactions
// read and write the same row so that one fails with SQLSTATE 40001, and
// checks it is retried and both end up committed.
func TestWithTxRetriesSerializationFailures(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)
	team, err := q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "counter", CostCenter: regtest.Ptr("")})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		retries int
		ready   sync.WaitGroup
		wg      sync.WaitGroup
	)
	ready.Add(2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			err := registry.WithTx(ctx, pool, registry.TxOptions{
				TxOptions: pgx.TxOptions{IsoLevel: pgx.Serializable},
				OnRetry:   func(int, error) { mu.Lock(); retries++; mu.Unlock() },
			}, func(q *registrydb.Queries) error {
				cur, err := q.TeamGetByID(ctx, team.TeamID)
				if err != nil {
					return err
				}
				if first { // both read before either writes, the first time only
					first = false
					ready.Done()
					ready.Wait()
				}
				_, err = q.TeamUpdate(ctx, registrydb.TeamUpdateParams{TeamID: team.TeamID, CostCenter: regtest.Ptr(*cur.CostCenter + "x")})
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if retries < 1 {
		t.Fatalf("no serialization failure was retried")
	}
	final, _ := q.TeamGetByID(ctx, team.TeamID)
	if *final.CostCenter != "xx" {
		t.Fatalf("cost_center = %q, want both increments (xx)", *final.CostCenter)
	}
}

func TestRetryableOnlyForSerializationAndDeadlock(t *testing.T) {
	if registry.Retryable(errors.New("plain")) || registry.Retryable(nil) {
		t.Error("a non-PostgreSQL error is not retryable")
	}
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	_, err := registrydb.New(pool).ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "BAD", DisplayName: "x"})
	if err == nil || registry.Retryable(err) {
		t.Errorf("a check violation is not retryable: %v", err)
	}
}

// TestNewMapsErrors shows that queries from registry.New, and the ones
// WithTx hands over, return the typed errors without MapError: from a call
// (QueryRow's Scan), from a :many query's rows, and from Exec.
func TestNewMapsErrors(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registry.New(pool)

	if _, err := q.ModelGetByName(ctx, "absent"); !errors.Is(err, registry.ErrNotFound) || !errors.Is(err, pgx.ErrNoRows) {
		t.Errorf("missing row through registry.New: %v", err)
	}
	params := registrydb.ModelCreateParams{ModelName: "dup", DisplayName: "Dup"}
	if _, err := q.ModelCreate(ctx, params); err != nil {
		t.Fatal(err)
	}
	if _, err := q.ModelCreate(ctx, params); !errors.Is(err, registry.ErrAlreadyExists) {
		t.Errorf("duplicate through registry.New: %v", err)
	}
	err := registry.WithTx(ctx, pool, registry.TxOptions{}, func(q *registrydb.Queries) error {
		_, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "Not Kebab", DisplayName: "x"})
		var ce *registry.ConstraintError
		if !errors.As(err, &ce) || ce.Constraint != "valid_model_name" {
			t.Errorf("check violation inside WithTx, before any MapError: %#v", err)
		}
		return err
	})
	if !errors.Is(err, registry.ErrConstraint) {
		t.Errorf("WithTx result: %v", err)
	}
}

// TestMapErrorIsIdempotent: mapping a mapped error returns it unchanged, so
// layers that each map do not wrap twice.
func TestMapErrorIsIdempotent(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	_, err := registrydb.New(pool).ModelGetByName(ctx, "absent")
	once := registry.MapError(err)
	if twice := registry.MapError(once); twice != once {
		t.Errorf("mapped twice: %q, once: %q", twice, once)
	}
	_, err = registrydb.New(pool).ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "Not Kebab", DisplayName: "x"})
	once = registry.MapError(err)
	if twice := registry.MapError(once); twice != once {
		t.Errorf("constraint error mapped twice: %#v", twice)
	}
}

// TestWithTxOnAConnection: WithTx takes any transaction starter, here a
// single *pgx.Conn rather than a pool.
func TestWithTxOnAConnection(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	err = registry.WithTx(ctx, conn, registry.TxOptions{Actor: "conn-user"}, func(q *registrydb.Queries) error {
		_, err := q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "on-a-conn"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.New(conn).TeamGetByName(ctx, "on-a-conn"); err != nil {
		t.Fatalf("the team committed through a *pgx.Conn: %v", err)
	}
}
