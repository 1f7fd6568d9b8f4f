package main

import (
	"context"
	"fmt"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/sample"
	"github.com/mlplatform/model-registry/registry"
)

func cmdSeed(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		return usagef("seed takes no arguments")
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	var created int
	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: e.actor}, func(q *registrydb.Queries) error {
		var err error
		created, err = sample.Load(ctx, q)
		return err
	})
	if err != nil {
		return fmt.Errorf("seed: %w (nothing was loaded)", err)
	}
	fmt.Fprintf(e.out, "seed: sample registry loaded (%d new rows)\n", created)
	return nil
}
