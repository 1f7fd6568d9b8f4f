package registry

import (
	"context"
	"errors"
	"testing"

	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestMappedRowsMapTheirErrors: an error that reaches the caller through
// the rows of a query (here a unique violation of a multi-row INSERT ...
// RETURNING, reported while reading) is mapped like one from the call.
func TestMappedRowsMapTheirErrors(t *testing.T) {
	ctx := context.Background()
	db := mappedDB{pgtest.NewPool(t)}
	rows, err := db.Query(ctx, "INSERT INTO teams (team_name) VALUES ('twice'), ('twice') RETURNING team_id")
	if err != nil {
		t.Fatalf("the error should come from the rows, not the call: %v", err)
	}
	for rows.Next() {
	}
	rows.Close()
	if err := rows.Err(); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("rows.Err() = %v, want ErrAlreadyExists", err)
	}
}
