// Command consumer is a module outside the registry that imports its
// generated package, as other services do: it lists the latest version of
// every model. Its dependency list must hold pgx, uuid and the standard
// library, never the registry's build tools (sqlc, dbmate, testcontainers).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

func main() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer: bad DATABASE_URL")
		os.Exit(2)
	}
	defer pool.Close()
	latest, err := registrydb.New(pool).ModelVersionListLatest(ctx, "", 100)
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer: listing models failed")
		os.Exit(1)
	}
	for _, v := range latest {
		fmt.Printf("%s %s (%s)\n", v.ModelName, v.Semver, v.VersionStatus)
	}
}
