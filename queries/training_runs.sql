-- name: TrainingRunCreate :one
-- Records a run. NULL arguments take the column defaults (status queued,
-- created_at now: a loader recording past runs gives their times).
INSERT INTO training_runs (
    version_id, run_name, experiment_name, experiment_id, status,
    accuracy, precision_score, recall_score, f1_score, loss,
    custom_metrics, hyperparameters,
    compute_target, instance_type, gpu_count, gpu_type, gpu_hours, cpu_hours, estimated_cost_usd,
    started_by, started_at, completed_at, duration_seconds, exit_code, notes, created_at
) VALUES (
    @version_id, sqlc.narg('run_name'), sqlc.narg('experiment_name'), sqlc.narg('experiment_id'), COALESCE(sqlc.narg('status')::text, 'queued'),
    sqlc.narg('accuracy'), sqlc.narg('precision_score'), sqlc.narg('recall_score'), sqlc.narg('f1_score'), sqlc.narg('loss'),
    COALESCE(sqlc.narg('custom_metrics')::jsonb, '{}'), COALESCE(sqlc.narg('hyperparameters')::jsonb, '{}'),
    sqlc.narg('compute_target'), sqlc.narg('instance_type'), COALESCE(sqlc.narg('gpu_count')::integer, 0), sqlc.narg('gpu_type'), COALESCE(sqlc.narg('gpu_hours')::numeric, 0), COALESCE(sqlc.narg('cpu_hours')::numeric, 0), sqlc.narg('estimated_cost_usd'),
    sqlc.narg('started_by'), sqlc.narg('started_at'), sqlc.narg('completed_at'), sqlc.narg('duration_seconds'), sqlc.narg('exit_code'), sqlc.narg('notes'),
    COALESCE(sqlc.narg('created_at')::timestamptz, now())
)
RETURNING *;

-- name: TrainingRunInsertManyCopyFrom :copyfrom
-- Bulk load through COPY; run_id is supplied so dataset links can follow.
-- experiment_id, precision_score, recall_score, gpu_type and duration_seconds
-- default to NULL like the columns.
INSERT INTO training_runs (
    run_id, version_id, run_name, experiment_name, experiment_id, status,
    accuracy, precision_score, recall_score, f1_score, loss, hyperparameters,
    gpu_count, gpu_type, gpu_hours, cpu_hours,
    estimated_cost_usd, started_by, started_at, completed_at, duration_seconds, created_at
) VALUES (
    @run_id, @version_id, @run_name, @experiment_name, @experiment_id, @status,
    @accuracy, @precision_score, @recall_score, @f1_score, @loss, @hyperparameters,
    @gpu_count, @gpu_type, @gpu_hours, @cpu_hours,
    @estimated_cost_usd, @started_by, @started_at, @completed_at, @duration_seconds, @created_at
);

-- name: TrainingRunGetByID :one
SELECT * FROM training_runs WHERE run_id = @run_id;

-- name: TrainingRunListByVersion :many
-- Newest first; keyset on (created_at, run_id). For the first page pass a
-- time after every run (for example far in the future) and the max uuid.
SELECT * FROM training_runs
WHERE version_id = @version_id
  AND (created_at, run_id) < (@before_created_at::timestamptz, @before_run_id::uuid)
ORDER BY created_at DESC, run_id DESC
LIMIT @max_rows;

-- name: TrainingRunListByExperiment :many
SELECT * FROM training_runs
WHERE experiment_id = @experiment_id
  AND (created_at, run_id) < (@before_created_at::timestamptz, @before_run_id::uuid)
ORDER BY created_at DESC, run_id DESC
LIMIT @max_rows;

-- name: TrainingRunStart :one
UPDATE training_runs SET
    status = 'running',
    started_at = COALESCE(started_at, NOW()),
    started_by = COALESCE(sqlc.narg('started_by'), started_by)
WHERE run_id = @run_id AND status = 'queued'
RETURNING *;

-- name: TrainingRunFinish :one
-- Ends a run with its outcome and metrics; duration is derived from the timestamps.
UPDATE training_runs SET
    status = @status,
    completed_at = NOW(),
    duration_seconds = CASE WHEN started_at IS NULL THEN NULL
        ELSE EXTRACT(EPOCH FROM NOW() - started_at)::integer END,
    accuracy = sqlc.narg('accuracy'),
    precision_score = sqlc.narg('precision_score'),
    recall_score = sqlc.narg('recall_score'),
    f1_score = sqlc.narg('f1_score'),
    loss = sqlc.narg('loss'),
    exit_code = sqlc.narg('exit_code')
WHERE run_id = @run_id AND status IN ('queued', 'running')
RETURNING *;

-- name: TrainingRunUpdateNotes :one
UPDATE training_runs SET notes = @notes WHERE run_id = @run_id RETURNING *;

-- name: TrainingRunDelete :execrows
-- Cascades to the run's dataset links.
DELETE FROM training_runs WHERE run_id = @run_id;

-- name: RunDatasetAttach :exec
-- Records that a run used a dataset in a role; re-attaching updates the counts.
INSERT INTO run_datasets (run_id, dataset_id, dataset_role, sample_count, usage_percentage)
VALUES (@run_id, @dataset_id, @dataset_role, sqlc.narg('sample_count'), sqlc.narg('usage_percentage'))
ON CONFLICT (run_id, dataset_id, dataset_role) DO UPDATE SET
    sample_count = EXCLUDED.sample_count,
    usage_percentage = EXCLUDED.usage_percentage;

-- name: RunDatasetInsertManyCopyFrom :copyfrom
INSERT INTO run_datasets (run_id, dataset_id, dataset_role, sample_count)
VALUES (@run_id, @dataset_id, @dataset_role, @sample_count);

-- name: RunDatasetDetach :execrows
DELETE FROM run_datasets
WHERE run_id = @run_id AND dataset_id = @dataset_id AND dataset_role = @dataset_role;

-- name: RunDatasetListByRun :many
SELECT rd.dataset_role, rd.sample_count, rd.usage_percentage, d.dataset_id, d.dataset_name, d.contains_pii
FROM run_datasets rd
JOIN datasets d ON d.dataset_id = rd.dataset_id
WHERE rd.run_id = @run_id
ORDER BY rd.dataset_role, d.dataset_name;

-- name: TrainingRunCount :one
-- Every run: the full scan `mlreg bench` holds `mlreg check` against.
SELECT count(*) AS runs FROM training_runs;
