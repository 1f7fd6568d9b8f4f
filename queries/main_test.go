// Package queries_test calls every query of queries/*.sql through the
// generated package and checks the rows it returns, each test on a database
// of its own (pgtest) holding the small linked registry of regtest.Build.
package queries_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	ptr   = regtest.Ptr[string]
	ptr32 = regtest.Ptr[int32]
)

// setup gives the test its own migrated database holding regtest's fixture.
func setup(t *testing.T) (context.Context, *pgxpool.Pool, *registrydb.Queries, regtest.Fixture) {
	t.Helper()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)
	return context.Background(), pool, q, regtest.Build(t, q)
}

// must fails the test at once on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// result holds what a query returned, for res(q.X(...)).must(t).
type result[T any] struct {
	v   T
	err error
}

// res captures a query's (value, error) pair.
func res[T any](v T, err error) result[T] { return result[T]{v, err} }

// must returns the value, failing the test at once on an error.
func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// wantNotFound checks that err is "no row": pgx.ErrNoRows, which
// registry.MapError turns into registry.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, pgx.ErrNoRows) || !errors.Is(registry.MapError(err), registry.ErrNotFound) {
		t.Errorf("%s: want no row (registry.ErrNotFound), got %v", what, err)
	}
}

// wantAlreadyExists checks that err is a unique violation.
func wantAlreadyExists(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(registry.MapError(err), registry.ErrAlreadyExists) {
		t.Errorf("%s: want registry.ErrAlreadyExists, got %v", what, err)
	}
}

// wantConstraint checks that err is refused by the named constraint.
func wantConstraint(t *testing.T, what string, err error, constraint string) {
	t.Helper()
	var ce *registry.ConstraintError
	if !errors.As(registry.MapError(err), &ce) || ce.Constraint != constraint {
		t.Errorf("%s: want a violation of %s, got %v", what, constraint, err)
	}
}

// wantRows checks an :execrows result.
func wantRows(t *testing.T, what string, n int64, err error, want int64) {
	t.Helper()
	if err != nil || n != want {
		t.Errorf("%s: %d rows, %v; want %d rows", what, n, err, want)
	}
}

// field reads a field of each row, to compare a list's rows with a slice.
func field[R, F any](rows []R, f func(R) F) []F {
	out := make([]F, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}

// equal compares two slices element by element.
func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// deref reads a nullable column, "<nil>" standing for NULL in messages.
func deref[T any](p *T) any {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// val reads a nullable column, the zero value standing for NULL.
func val[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
