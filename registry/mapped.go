package registry

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// New returns the generated queries on db (a pool, a connection or a
// transaction) with every error passed through MapError, so callers test
// errors.Is(err, ErrNotFound) without remembering to map.
func New(db registrydb.DBTX) *registrydb.Queries {
	return registrydb.New(mappedDB{db})
}

// mappedDB maps the errors of the connection it wraps: those a call
// returns, and those its rows report later (Scan, Err).
type mappedDB struct{ db registrydb.DBTX }

func (m mappedDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := m.db.Exec(ctx, sql, args...)
	return tag, MapError(err)
}

func (m mappedDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := m.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, MapError(err)
	}
	return mappedRows{rows}, nil
}

func (m mappedDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return mappedRow{m.db.QueryRow(ctx, sql, args...)}
}

func (m mappedDB) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	n, err := m.db.CopyFrom(ctx, table, columns, src)
	return n, MapError(err)
}

type mappedRows struct{ pgx.Rows }

func (r mappedRows) Scan(dest ...any) error { return MapError(r.Rows.Scan(dest...)) }
func (r mappedRows) Err() error             { return MapError(r.Rows.Err()) }

type mappedRow struct{ pgx.Row }

func (r mappedRow) Scan(dest ...any) error { return MapError(r.Row.Scan(dest...)) }
