package main

import (
	"fmt"

	"github.com/mlplatform/model-registry/internal/migrate"
)

func cmdMigrate(e env, args []string) error {
	verb := "up"
	if len(args) > 1 {
		return usagef("migrate takes one argument: up, down or status")
	}
	if len(args) == 1 {
		verb = args[0]
	}
	var err error
	switch verb {
	case "up":
		err = migrate.Up(e.databaseURL, e.out)
	case "down":
		err = migrate.Down(e.databaseURL, e.out)
	case "status":
		_, err = migrate.Status(e.databaseURL, e.out)
	default:
		return usagef("unknown migrate action %q (want up, down or status)", verb)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", verb, err)
	}
	return nil
}
