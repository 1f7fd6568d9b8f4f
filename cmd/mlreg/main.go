// Command mlreg runs the registry's jobs: migrate, seed, check, lineage,
// impact, erd, audit, demo and bench. `mlreg help` lists them; the commands
// live in package mlregcli, so other programs can embed them.
//
// Exit status: 0 success; 1 the job ran and found errors (check, audit
// verify); 2 it could not run (bad arguments, unknown names, no database).
package main

import (
	"os"

	"github.com/mlplatform/model-registry/cmd/mlreg/mlregcli"
)

func main() {
	os.Exit(mlregcli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
