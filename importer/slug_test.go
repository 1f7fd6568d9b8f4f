package importer

import (
	"context"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestNameRulesAreTheSchemaChecks: the name rules the importer checks before
// it writes are the CHECKs the registry refuses a row by, character for
// character, so a name the plan accepts is one the COPY accepts.
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
}
