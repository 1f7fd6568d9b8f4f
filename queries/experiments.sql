-- name: ExperimentCreate :one
INSERT INTO experiments (experiment_name, model_id, description, created_by)
VALUES (@experiment_name, sqlc.narg('model_id'), sqlc.narg('description'), COALESCE(sqlc.narg('created_by')::text, CURRENT_USER))
RETURNING *;

-- name: ExperimentUpsertByName :one
INSERT INTO experiments (experiment_name, model_id, description, created_by)
VALUES (@experiment_name, sqlc.narg('model_id'), sqlc.narg('description'), COALESCE(sqlc.narg('created_by')::text, CURRENT_USER))
ON CONFLICT (experiment_name) DO UPDATE SET
    model_id = EXCLUDED.model_id,
    description = EXCLUDED.description
RETURNING *;

-- name: ExperimentInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale), experiment_id supplied by the caller.
INSERT INTO experiments (experiment_id, experiment_name, model_id, description, created_by, created_at)
VALUES (@experiment_id, @experiment_name, @model_id, @description, @created_by, @created_at);

-- name: ExperimentGetByID :one
SELECT * FROM experiments WHERE experiment_id = @experiment_id;

-- name: ExperimentGetByName :one
SELECT * FROM experiments WHERE experiment_name = @experiment_name;

-- name: ExperimentList :many
-- Keyset pagination on experiment_name ('' for the first page).
SELECT * FROM experiments
WHERE experiment_name > @after_name
ORDER BY experiment_name
LIMIT @max_rows;

-- name: ExperimentUpdate :one
UPDATE experiments SET
    description = COALESCE(sqlc.narg('description'), description),
    model_id = COALESCE(sqlc.narg('model_id'), model_id)
WHERE experiment_id = @experiment_id
RETURNING *;

-- name: ExperimentDelete :execrows
-- Its runs stay, with experiment_id set to NULL.
DELETE FROM experiments WHERE experiment_id = @experiment_id;
