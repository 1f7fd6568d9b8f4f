package importer

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestNameRulesAreTheSchemaChecks: the name rules and value lists the
// importer checks before it writes are the CHECKs the registry refuses a row
// by, character for character, so a row the plan accepts is one the COPY
// accepts.
func TestNameRulesAreTheSchemaChecks(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range []struct {
		constraint, column string
		re                 *regexp.Regexp
	}{
		{"valid_model_name", "model_name", validModelName},
		{"valid_dataset_name", "dataset_name", validDatasetName},
		{"valid_alias", "alias", validAlias},
	} {
		var def string
		if err := conn.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1`, c.constraint).Scan(&def); err != nil {
			t.Fatalf("%s: %v", c.constraint, err)
		}
		m := regexp.MustCompile(`^CHECK \(\(` + c.column + ` ~ '(.*)'::text\)\)$`).FindStringSubmatch(def)
		if m == nil || m[1] != c.re.String() {
			t.Errorf("%s is %s; the importer checks %s", c.constraint, def, c.re.String())
		}
	}
	for _, c := range []struct {
		table, constraint string
		list              []string
	}{
		{"model_versions", "valid_framework", registryFrameworks},
		{"training_runs", "valid_status", runStatuses},
		{"model_versions", "valid_status", slices.Collect(maps.Keys(versionStatusRank))},
		// Every category but custom, which holds the tags no category names.
		{"tags", "valid_tag_category", append(slices.Clone(registryTagCategories), "custom")},
	} {
		var values []string
		if err := conn.QueryRow(ctx, `SELECT array_agg(m[1] ORDER BY m[1] COLLATE "C")
			FROM pg_constraint, regexp_matches(pg_get_constraintdef(oid), '''([^'']*)''::text', 'g') AS m
			WHERE conrelid = $1::regclass AND conname = $2`, c.table, c.constraint).Scan(&values); err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.constraint, err)
		}
		if want := slices.Sorted(slices.Values(c.list)); !slices.Equal(values, want) {
			t.Errorf("%s.%s allows %q; the importer's list is %q", c.table, c.constraint, values, want)
		}
	}
}
