-- name: TeamCreate :one
INSERT INTO teams (team_name, team_email, department, cost_center, manager_name)
VALUES (@team_name, sqlc.narg('team_email'), sqlc.narg('department'), sqlc.narg('cost_center'), sqlc.narg('manager_name'))
RETURNING *;

-- name: TeamUpsertByName :one
-- Creates the team or refreshes its details; seeding relies on it being idempotent.
INSERT INTO teams (team_name, team_email, department, cost_center, manager_name)
VALUES (@team_name, sqlc.narg('team_email'), sqlc.narg('department'), sqlc.narg('cost_center'), sqlc.narg('manager_name'))
ON CONFLICT (team_name) DO UPDATE SET
    team_email = EXCLUDED.team_email,
    department = EXCLUDED.department,
    cost_center = EXCLUDED.cost_center,
    manager_name = EXCLUDED.manager_name
RETURNING *;

-- name: TeamInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale), team_id supplied by the caller.
INSERT INTO teams (team_id, team_name, team_email, department, cost_center, manager_name, created_at)
VALUES (@team_id, @team_name, @team_email, @department, @cost_center, @manager_name, @created_at);

-- name: TeamGetByID :one
SELECT * FROM teams WHERE team_id = @team_id;

-- name: TeamGetByName :one
SELECT * FROM teams WHERE team_name = @team_name;

-- name: TeamList :many
-- Keyset pagination: pass the last team_name of the previous page ('' for the first).
SELECT * FROM teams
WHERE team_name > @after_name
ORDER BY team_name
LIMIT @max_rows;

-- name: TeamUpdate :one
-- NULL arguments leave a column as it is.
UPDATE teams SET
    team_email = COALESCE(sqlc.narg('team_email'), team_email),
    department = COALESCE(sqlc.narg('department'), department),
    cost_center = COALESCE(sqlc.narg('cost_center'), cost_center),
    manager_name = COALESCE(sqlc.narg('manager_name'), manager_name)
WHERE team_id = @team_id
RETURNING *;

-- name: TeamDelete :execrows
-- Models and datasets of the team keep existing with team_id set to NULL.
DELETE FROM teams WHERE team_id = @team_id;
