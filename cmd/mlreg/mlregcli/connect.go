package mlregcli

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/migrate"
	"github.com/mlplatform/model-registry/registry"
)

// requireURL refuses to go on without a database.
func (a *app) requireURL() error {
	if a.databaseURL == "" {
		return usagef("no database: set DATABASE_URL or pass --database-url")
	}
	return nil
}

// pool connects to the registry and checks that it is migrated by this
// release: an unmigrated database, one with migrations pending and one
// migrated by a newer release each get one line saying what to do, rather
// than a raw "relation does not exist" half-way through a command.
func (a *app) pool(ctx context.Context) (*pgxpool.Pool, error) {
	pool, err := a.connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireMigrated(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// connect connects to the database, whatever its schema.
func (a *app) connect(ctx context.Context) (*pgxpool.Pool, error) {
	if err := a.requireURL(); err != nil {
		return nil, err
	}
	cfg, err := registry.ParsePoolConfig(a.databaseURL)
	if err != nil {
		return nil, err
	}
	if a.timeoutGiven {
		cfg.ConnConfig.ConnectTimeout = a.connectTimeout
	}
	return registry.Connect(ctx, cfg)
}

func requireMigrated(ctx context.Context, db registrydb.DBTX) error {
	m, err := migrate.New(nil)
	if err != nil {
		return err
	}
	st, err := m.StatusOf(ctx, db)
	switch {
	case err != nil:
		return err
	case len(st.Unknown) > 0:
		return &migrate.NewerDatabaseError{Unknown: st.Unknown}
	case len(st.Applied) == 0:
		return usagef("the database has no registry schema: run mlreg migrate up")
	case len(st.Pending) > 0:
		return usagef("the database lacks %d migration(s) of this release (first %s): run mlreg migrate up", len(st.Pending), st.Pending[0].File)
	}
	return nil
}

// migrator is the embedded migrations' migrator, with the connect timeout.
func (a *app) migrator() (*migrate.Migrator, error) {
	m, err := migrate.New(a.out)
	if err != nil {
		return nil, err
	}
	m.ConnectTimeout = a.connectTimeout
	return m, nil
}
