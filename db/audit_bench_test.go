package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// BenchmarkAuditCost measures what the audit trail costs a write: the same
// training-run writes with the audit_insert trigger on and off, as a bulk
// COPY and as one INSERT per row. Compare rows/s of the pairs:
//
//	go test -run '^$' -bench AuditCost -count 5 ./db/ | benchstat -col /audit -
func BenchmarkAuditCost(b *testing.B) {
	const rowsPerOp = 500
	for _, write := range []string{"copy", "insert"} {
		for _, audited := range []bool{true, false} {
			b.Run(fmt.Sprintf("write=%s/audit=%t", write, audited), func(b *testing.B) {
				ctx := context.Background()
				pool := pgtest.NewPool(b)
				q := registrydb.New(pool)
				f := regtest.Build(b, q)
				if !audited {
					if _, err := pool.Exec(ctx, "ALTER TABLE training_runs DISABLE TRIGGER audit_insert"); err != nil {
						b.Fatal(err)
					}
				}
				runs := make([]registrydb.TrainingRunInsertManyCopyFromParams, rowsPerOp)
				b.ResetTimer()
				for range b.N {
					for i := range runs {
						runs[i] = registrydb.TrainingRunInsertManyCopyFromParams{RunID: uuid.New(), VersionID: f.VersionID, Status: "queued", RunName: regtest.Ptr("bench")}
					}
					if write == "copy" {
						if _, err := q.TrainingRunInsertManyCopyFrom(ctx, runs); err != nil {
							b.Fatal(err)
						}
						continue
					}
					for _, r := range runs {
						if _, err := q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: r.VersionID, RunName: r.RunName, Status: regtest.Ptr("queued")}); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N*rowsPerOp)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
