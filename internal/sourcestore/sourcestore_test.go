package sourcestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/sourcestore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewEmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func count(t *testing.T, conn *pgx.Conn, sql string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestAwkward builds the awkward store in both layouts and checks its counts
// and the columns that tell the layouts apart.
func TestAwkward(t *testing.T) {
	t.Parallel()
	for _, v := range sourcestore.Variants {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			conn := connect(t)
			if err := sourcestore.CreateMLflow(ctx, conn, v); err != nil {
				t.Fatal(err)
			}
			if err := sourcestore.FillAwkward(ctx, conn, v); err != nil {
				t.Fatal(err)
			}
			want := sourcestore.Awkward(v)
			for table, n := range map[string]int{
				"experiments": want.Experiments, "runs": want.Runs,
				"registered_models": want.RegisteredModels, "model_versions": want.ModelVersions,
			} {
				if got := count(t, conn, "SELECT count(*) FROM "+table); got != n {
					t.Errorf("%s: %d rows, want %d", table, got, n)
				}
			}
			workspaces := count(t, conn, `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'workspace'`)
			if wantWS := map[sourcestore.Variant]int{sourcestore.MLflow2: 0, sourcestore.MLflowCurrent: 6}[v]; workspaces != wantWS {
				t.Errorf("%d tables with a workspace column, want %d", workspaces, wantWS)
			}
			// NaN is stored as 0 with is_nan, +Inf as the largest float.
			if n := count(t, conn, `SELECT count(*) FROM latest_metrics WHERE run_uuid = '`+sourcestore.RunResnetNaN+`'
				AND ((key = 'rmse' AND is_nan AND value = 0) OR (key = 'max_error' AND value = 1.7976931348623157e308))`); n != 2 {
				t.Errorf("NaN and +Inf latest metrics: %d rows, want 2", n)
			}
		})
	}
}

// TestSynthetic loads a small synthetic store and checks every table's rows.
func TestSynthetic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := connect(t)
	if err := sourcestore.CreateMLflow(ctx, conn, sourcestore.MLflowCurrent); err != nil {
		t.Fatal(err)
	}
	const n = 2500
	loaded := map[string]int64{}
	c, err := sourcestore.Synthetic(ctx, conn, sourcestore.MLflowCurrent, n, func(table string, rows int64) { loaded[table] = rows })
	if err != nil {
		t.Fatal(err)
	}
	if c.RegisteredModels != 25 || c.Experiments != 2 || c.ModelVersions != n {
		t.Errorf("counts %+v", c)
	}
	for table, want := range map[string]int{
		"runs": n, "latest_metrics": n * sourcestore.MetricsPerRun, "metrics": n * sourcestore.MetricsPerRun,
		"params": n * sourcestore.ParamsPerRun, "tags": 3 * n, "inputs": n, "input_tags": n,
		"registered_models": 25, "model_versions": n, "registered_model_aliases": 25,
		"experiments": 3, // with Default
	} {
		if got := count(t, conn, "SELECT count(*) FROM "+table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
		if table != "experiments" && loaded[table] != int64(want) {
			t.Errorf("progress said %d rows of %s, want %d", loaded[table], table, want)
		}
	}
	// The keys and indexes dropped for the load are back.
	if n := count(t, conn, `SELECT count(*) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace AND contype IN ('f', 'p')`); n != 10+14 {
		t.Errorf("%d foreign and primary keys after the load, want 24 (10 foreign, 14 primary)", n)
	}
	if n := count(t, conn, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'index_%'`); n != 3 {
		t.Errorf("%d secondary indexes after the load, want 3", n)
	}
	// Each alias names its model's highest version, which is in Production.
	if bad := count(t, conn, `SELECT count(*) FROM registered_model_aliases a
		JOIN model_versions v ON v.name = a.name AND v.version = a.version
		WHERE v.current_stage <> 'Production' OR v.version <> (SELECT max(version) FROM model_versions w WHERE w.name = a.name)`); bad != 0 {
		t.Errorf("%d aliases off their model's last version", bad)
	}
}

// TestLegacy creates Exercise 01's table under a schema-qualified name.
func TestLegacy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := connect(t)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA "Old Data"`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := sourcestore.CreateLegacy(ctx, conn, pgx.Identifier{"Old Data", "runs 2024"}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, `SELECT count(*) FROM "Old Data"."runs 2024"`); n != sourcestore.LegacySampleRows {
		t.Errorf("%d rows, want %d", n, sourcestore.LegacySampleRows)
	}
	if n := count(t, conn, `SELECT count(*) FROM "Old Data"."runs 2024" WHERE status = 'succeeded'`); n != 11 {
		t.Errorf("%d succeeded rows, want the exercise's 11", n)
	}
	t.Logf("created in %v", time.Since(start))
}
