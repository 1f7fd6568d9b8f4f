-- name: EnvironmentCreate :one
INSERT INTO environments (environment_name, environment_type, description, priority)
VALUES (@environment_name, @environment_type, sqlc.narg('description'), @priority)
RETURNING *;

-- name: EnvironmentGetByID :one
SELECT * FROM environments WHERE environment_id = @environment_id;

-- name: EnvironmentGetByName :one
SELECT * FROM environments WHERE environment_name = @environment_name;

-- name: EnvironmentList :many
-- Keyset pagination on environment_name ('' for the first page).
SELECT * FROM environments
WHERE environment_name > @after_name
ORDER BY environment_name
LIMIT @max_rows;

-- name: EnvironmentUpdate :one
UPDATE environments SET
    environment_type = COALESCE(sqlc.narg('environment_type'), environment_type),
    description = COALESCE(sqlc.narg('description'), description),
    priority = COALESCE(sqlc.narg('priority'), priority)
WHERE environment_id = @environment_id
RETURNING *;

-- name: EnvironmentDelete :execrows
-- Refused (foreign key) while any deployment, past or present, names it.
DELETE FROM environments WHERE environment_id = @environment_id;
