-- name: DatasetCreate :one
INSERT INTO datasets (
    dataset_name, display_name, description, storage_location, storage_format,
    storage_size_gb, data_steward, team_id, freshness_sla_hours, last_updated_at,
    row_count, contains_pii, data_classification, created_by
) VALUES (
    @dataset_name, @display_name, sqlc.narg('description'), @storage_location, sqlc.narg('storage_format'),
    sqlc.narg('storage_size_gb'), sqlc.narg('data_steward'), sqlc.narg('team_id'), sqlc.narg('freshness_sla_hours'), sqlc.narg('last_updated_at'),
    sqlc.narg('row_count'), COALESCE(sqlc.narg('contains_pii')::boolean, FALSE), COALESCE(sqlc.narg('data_classification')::text, 'internal'), COALESCE(sqlc.narg('created_by')::text, CURRENT_USER)
)
RETURNING *;

-- name: DatasetUpsertByName :one
INSERT INTO datasets (
    dataset_name, display_name, description, storage_location, storage_format,
    storage_size_gb, data_steward, team_id, freshness_sla_hours, last_updated_at,
    row_count, contains_pii, data_classification, created_by
) VALUES (
    @dataset_name, @display_name, sqlc.narg('description'), @storage_location, sqlc.narg('storage_format'),
    sqlc.narg('storage_size_gb'), sqlc.narg('data_steward'), sqlc.narg('team_id'), sqlc.narg('freshness_sla_hours'), sqlc.narg('last_updated_at'),
    sqlc.narg('row_count'), COALESCE(sqlc.narg('contains_pii')::boolean, FALSE), COALESCE(sqlc.narg('data_classification')::text, 'internal'), COALESCE(sqlc.narg('created_by')::text, CURRENT_USER)
)
ON CONFLICT (dataset_name) DO UPDATE SET
    display_name = EXCLUDED.display_name,
    description = EXCLUDED.description,
    storage_location = EXCLUDED.storage_location,
    storage_format = EXCLUDED.storage_format,
    storage_size_gb = EXCLUDED.storage_size_gb,
    data_steward = EXCLUDED.data_steward,
    team_id = EXCLUDED.team_id,
    freshness_sla_hours = EXCLUDED.freshness_sla_hours,
    last_updated_at = EXCLUDED.last_updated_at,
    row_count = EXCLUDED.row_count,
    contains_pii = EXCLUDED.contains_pii,
    data_classification = EXCLUDED.data_classification
RETURNING *;

-- name: DatasetInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale), dataset_id supplied by the caller.
INSERT INTO datasets (
    dataset_id, dataset_name, display_name, description, storage_location, storage_format,
    storage_size_gb, data_steward, team_id, freshness_sla_hours, last_updated_at,
    row_count, column_count, contains_pii, data_classification, retention_days,
    created_at, created_by
) VALUES (
    @dataset_id, @dataset_name, @display_name, @description, @storage_location, @storage_format,
    @storage_size_gb, @data_steward, @team_id, @freshness_sla_hours, @last_updated_at,
    @row_count, @column_count, @contains_pii, @data_classification, @retention_days,
    @created_at, @created_by
);

-- name: DatasetGetByID :one
SELECT * FROM datasets WHERE dataset_id = @dataset_id;

-- name: DatasetGetByName :one
SELECT * FROM datasets WHERE dataset_name = @dataset_name;

-- name: DatasetList :many
-- Keyset pagination on dataset_name ('' for the first page).
SELECT * FROM datasets
WHERE dataset_name > @after_name
ORDER BY dataset_name
LIMIT @max_rows;

-- name: DatasetListNamesLike :many
SELECT dataset_name FROM datasets
WHERE dataset_name LIKE @pattern
ORDER BY dataset_name
LIMIT @max_rows;

-- name: DatasetUpdate :one
UPDATE datasets SET
    description = COALESCE(sqlc.narg('description'), description),
    last_updated_at = COALESCE(sqlc.narg('last_updated_at'), last_updated_at),
    row_count = COALESCE(sqlc.narg('row_count'), row_count),
    contains_pii = COALESCE(sqlc.narg('contains_pii'), contains_pii),
    data_classification = COALESCE(sqlc.narg('data_classification'), data_classification)
WHERE dataset_id = @dataset_id
RETURNING *;

-- name: DatasetDelete :execrows
-- Refused while a training run used the dataset (run_datasets is ON DELETE RESTRICT).
DELETE FROM datasets WHERE dataset_id = @dataset_id;

-- name: DatasetTagAttach :exec
INSERT INTO dataset_tags (dataset_id, tag_id, tagged_by)
VALUES (@dataset_id, @tag_id, @tagged_by)
ON CONFLICT (dataset_id, tag_id) DO NOTHING;

-- name: DatasetTagInsertManyCopyFrom :copyfrom
-- Bulk load of dataset tags through COPY (mlreg seed --scale).
INSERT INTO dataset_tags (dataset_id, tag_id, tagged_at, tagged_by)
VALUES (@dataset_id, @tag_id, @tagged_at, @tagged_by);

-- name: DatasetTagDetach :execrows
DELETE FROM dataset_tags WHERE dataset_id = @dataset_id AND tag_id = @tag_id;

-- name: DatasetTagListByDataset :many
SELECT t.*, dt.tagged_at, dt.tagged_by
FROM dataset_tags dt
JOIN tags t ON t.tag_id = dt.tag_id
WHERE dt.dataset_id = @dataset_id
ORDER BY t.tag_category, t.tag_value;

-- name: DatasetListByTag :many
SELECT d.*
FROM tags t
JOIN dataset_tags dt ON dt.tag_id = t.tag_id
JOIN datasets d ON d.dataset_id = dt.dataset_id
WHERE t.tag_category = @tag_category AND t.tag_value = @tag_value
  AND d.dataset_name > @after_name
ORDER BY d.dataset_name
LIMIT @max_rows;
