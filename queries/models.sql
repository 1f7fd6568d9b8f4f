-- name: ModelCreate :one
-- NULL arguments for defaulted columns (risk_level, compliance_required,
-- created_by) take the schema defaults.
INSERT INTO models (
    model_name, display_name, description, objective, team_id,
    primary_contact, secondary_contact, business_unit, risk_level,
    compliance_required, github_repo, documentation_url, created_by
) VALUES (
    @model_name, @display_name, sqlc.narg('description'), sqlc.narg('objective'), sqlc.narg('team_id'),
    sqlc.narg('primary_contact'), sqlc.narg('secondary_contact'), sqlc.narg('business_unit'), COALESCE(sqlc.narg('risk_level')::text, 'medium'),
    COALESCE(sqlc.narg('compliance_required')::boolean, FALSE), sqlc.narg('github_repo'), sqlc.narg('documentation_url'), COALESCE(sqlc.narg('created_by')::text, CURRENT_USER)
)
RETURNING *;

-- name: ModelUpsertByName :one
-- Creates the model or refreshes its catalogue fields; created_* are kept.
INSERT INTO models (
    model_name, display_name, description, objective, team_id,
    primary_contact, secondary_contact, business_unit, risk_level,
    compliance_required, github_repo, documentation_url, created_by
) VALUES (
    @model_name, @display_name, sqlc.narg('description'), sqlc.narg('objective'), sqlc.narg('team_id'),
    sqlc.narg('primary_contact'), sqlc.narg('secondary_contact'), sqlc.narg('business_unit'), COALESCE(sqlc.narg('risk_level')::text, 'medium'),
    COALESCE(sqlc.narg('compliance_required')::boolean, FALSE), sqlc.narg('github_repo'), sqlc.narg('documentation_url'), COALESCE(sqlc.narg('created_by')::text, CURRENT_USER)
)
ON CONFLICT (model_name) DO UPDATE SET
    display_name = EXCLUDED.display_name,
    description = EXCLUDED.description,
    objective = EXCLUDED.objective,
    team_id = EXCLUDED.team_id,
    primary_contact = EXCLUDED.primary_contact,
    secondary_contact = EXCLUDED.secondary_contact,
    business_unit = EXCLUDED.business_unit,
    risk_level = EXCLUDED.risk_level,
    compliance_required = EXCLUDED.compliance_required,
    github_repo = EXCLUDED.github_repo,
    documentation_url = EXCLUDED.documentation_url
RETURNING *;

-- name: ModelInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale), model_id supplied by the caller
-- so that versions can follow without reading the rows back.
INSERT INTO models (
    model_id, model_name, display_name, description, objective, team_id,
    primary_contact, business_unit, risk_level, compliance_required,
    github_repo, documentation_url, created_at, updated_at, created_by
) VALUES (
    @model_id, @model_name, @display_name, @description, @objective, @team_id,
    @primary_contact, @business_unit, @risk_level, @compliance_required,
    @github_repo, @documentation_url, @created_at, @updated_at, @created_by
);

-- name: ModelGetByID :one
SELECT * FROM models WHERE model_id = @model_id;

-- name: ModelGetByName :one
SELECT * FROM models WHERE model_name = @model_name;

-- name: ModelList :many
-- Keyset pagination on model_name ('' for the first page).
SELECT * FROM models
WHERE model_name > @after_name
ORDER BY model_name
LIMIT @max_rows;

-- name: ModelListNamesLike :many
-- Names for "did you mean": those sharing a prefix or containing the text.
SELECT model_name FROM models
WHERE model_name LIKE @pattern
ORDER BY model_name
LIMIT @max_rows;

-- name: ModelUpdate :one
-- NULL arguments leave a column as it is; updated_at moves by trigger.
UPDATE models SET
    display_name = COALESCE(sqlc.narg('display_name'), display_name),
    description = COALESCE(sqlc.narg('description'), description),
    objective = COALESCE(sqlc.narg('objective'), objective),
    team_id = COALESCE(sqlc.narg('team_id'), team_id),
    risk_level = COALESCE(sqlc.narg('risk_level'), risk_level),
    compliance_required = COALESCE(sqlc.narg('compliance_required'), compliance_required),
    documentation_url = COALESCE(sqlc.narg('documentation_url'), documentation_url)
WHERE model_id = @model_id
RETURNING *;

-- name: ModelDelete :execrows
-- Cascades to versions, their runs and approvals; refused while a version
-- has a deployment (deployments.version_id is ON DELETE RESTRICT).
DELETE FROM models WHERE model_id = @model_id;

-- name: ModelTagAttach :exec
-- Attaching a tag twice is a no-op.
INSERT INTO model_tags (model_id, tag_id, tagged_by)
VALUES (@model_id, @tag_id, @tagged_by)
ON CONFLICT (model_id, tag_id) DO NOTHING;

-- name: ModelTagInsertManyCopyFrom :copyfrom
-- Bulk load of model tags through COPY (mlreg seed --scale).
INSERT INTO model_tags (model_id, tag_id, tagged_at, tagged_by)
VALUES (@model_id, @tag_id, @tagged_at, @tagged_by);

-- name: ModelTagDetach :execrows
DELETE FROM model_tags WHERE model_id = @model_id AND tag_id = @tag_id;

-- name: ModelTagListByModel :many
SELECT t.*, mt.tagged_at, mt.tagged_by
FROM model_tags mt
JOIN tags t ON t.tag_id = mt.tag_id
WHERE mt.model_id = @model_id
ORDER BY t.tag_category, t.tag_value;

-- name: ModelListByTag :many
-- Models carrying the tag category/value, keyset on model_name.
SELECT m.*
FROM tags t
JOIN model_tags mt ON mt.tag_id = t.tag_id
JOIN models m ON m.model_id = mt.model_id
WHERE t.tag_category = @tag_category AND t.tag_value = @tag_value
  AND m.model_name > @after_name
ORDER BY m.model_name
LIMIT @max_rows;
