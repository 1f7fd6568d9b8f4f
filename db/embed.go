// Package db holds the registry's schema: the dbmate migrations, embedded so
// that a deployed binary can migrate a database without a checkout.
package db

import "embed"

// Migrations holds migrations/*.sql, the only source of the schema.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// MigrationsDir is the directory of the migrations inside Migrations.
const MigrationsDir = "migrations"
