package sourcestore

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what the fixtures write through: a *pgx.Conn or a *pgxpool.Pool
// on the source database.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

//go:embed exercise01_rows.sql
var exercise01Rows string

// LegacySampleRows is how many rows CreateLegacy inserts.
const LegacySampleRows = 20

// legacyTableDDL is Exercise 01's training_runs table, as its exercise
// defines it with the defect the reference input mends (the invalid
// unique_daily_run constraint dropped). %s is the quoted table name.
const legacyTableDDL = `CREATE TABLE %s (
    run_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    model_name TEXT NOT NULL,
    framework TEXT NOT NULL,
    experiment_name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    accuracy NUMERIC(5,4),
    loss NUMERIC(8,5),
    precision_score NUMERIC(5,4),
    recall_score NUMERIC(5,4),
    f1_score NUMERIC(5,4),
    dataset TEXT NOT NULL,
    compute_target TEXT NOT NULL,
    gpu_hours NUMERIC(8,2) DEFAULT 0,
    cpu_hours NUMERIC(8,2) DEFAULT 0,
    parameters JSONB DEFAULT '{}'::jsonb,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    started_at TIMESTAMP WITH TIME ZONE,
    completed_at TIMESTAMP WITH TIME ZONE,
    notes TEXT,
    created_by TEXT DEFAULT CURRENT_USER,
    CONSTRAINT valid_framework CHECK (framework IN ('pytorch', 'tensorflow', 'sklearn', 'xgboost', 'jax', 'mxnet')),
    CONSTRAINT valid_status CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timeout')),
    CONSTRAINT valid_accuracy CHECK (accuracy IS NULL OR (accuracy >= 0 AND accuracy <= 1)),
    CONSTRAINT valid_precision CHECK (precision_score IS NULL OR (precision_score >= 0 AND precision_score <= 1)),
    CONSTRAINT valid_recall CHECK (recall_score IS NULL OR (recall_score >= 0 AND recall_score <= 1)),
    CONSTRAINT valid_f1 CHECK (f1_score IS NULL OR (f1_score >= 0 AND f1_score <= 1)),
    CONSTRAINT valid_gpu_hours CHECK (gpu_hours >= 0),
    CONSTRAINT valid_cpu_hours CHECK (cpu_hours >= 0),
    CONSTRAINT completed_timestamp CHECK (
        (status IN ('succeeded', 'failed', 'cancelled', 'timeout') AND completed_at IS NOT NULL)
        OR (status IN ('queued', 'running') AND completed_at IS NULL)),
    CONSTRAINT started_timestamp CHECK (
        (status IN ('running', 'succeeded', 'failed', 'cancelled', 'timeout') AND started_at IS NOT NULL)
        OR (status = 'queued' AND started_at IS NULL)),
    CONSTRAINT time_order CHECK (
        (started_at IS NULL OR started_at >= created_at) AND (completed_at IS NULL OR completed_at >= created_at))
)`

// legacyInsertColumns are the columns the sample rows give, in their order.
const legacyInsertColumns = `model_name, framework, experiment_name, status, accuracy, loss, precision_score, recall_score, f1_score,
    dataset, compute_target, gpu_hours, cpu_hours, parameters, created_at, started_at, completed_at, notes`

// CreateLegacy creates Exercise 01's training_runs table under the name
// table (nil: training_runs; a schema-qualified name needs its schema to
// exist) and inserts the exercise's 20 sample rows. Their run ids are
// random and their times relative to now, as in the exercise.
func CreateLegacy(ctx context.Context, db DB, table pgx.Identifier) error {
	if len(table) == 0 {
		table = pgx.Identifier{"training_runs"}
	}
	name := table.Sanitize()
	if _, err := db.Exec(ctx, fmt.Sprintf(legacyTableDDL, name)); err != nil {
		return fmt.Errorf("sourcestore: creating %s: %w", name, err)
	}
	rows := strings.TrimSuffix(strings.TrimSpace(stripComments(exercise01Rows)), ";")
	tag, err := db.Exec(ctx, "INSERT INTO "+name+" ("+legacyInsertColumns+") VALUES "+rows)
	if err != nil {
		return fmt.Errorf("sourcestore: inserting the sample rows into %s: %w", name, err)
	}
	if tag.RowsAffected() != LegacySampleRows {
		return fmt.Errorf("sourcestore: inserted %d sample rows, want %d", tag.RowsAffected(), LegacySampleRows)
	}
	return nil
}

// stripComments drops whole-line "--" comments.
func stripComments(sql string) string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
