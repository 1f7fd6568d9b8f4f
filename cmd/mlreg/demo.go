package main

import (
	"context"
	"fmt"

	"github.com/mlplatform/model-registry/internal/pgserver"
)

// cmdDemo runs the registry's main job end to end: migrate, seed, check and
// a lineage report, on DATABASE_URL or else on a throwaway server that is
// removed afterwards.
func cmdDemo(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		return usagef("demo takes no arguments")
	}
	if e.databaseURL == "" {
		srv, err := pgserver.Start(ctx, "DATABASE_URL")
		if err != nil {
			return err
		}
		defer srv.Stop()
		fmt.Fprintf(e.out, "demo: throwaway PostgreSQL from %s\n", srv.Source)
		e.databaseURL = srv.URL
	}
	steps := []struct {
		title string
		run   func() error
	}{
		{"migrate", func() error { return cmdMigrate(e, []string{"up"}) }},
		{"seed", func() error { return cmdSeed(ctx, e, nil) }},
		{"check", func() error { return cmdCheck(ctx, e, nil) }},
		{"lineage fraud-detector", func() error { return cmdLineage(ctx, e, []string{"fraud-detector"}) }},
		{"impact transaction-logs", func() error { return cmdImpact(ctx, e, []string{"transaction-logs"}) }},
	}
	for _, s := range steps {
		fmt.Fprintf(e.out, "\n== mlreg %s\n", s.title)
		if err := s.run(); err != nil {
			return err
		}
	}
	return nil
}
