-- name: UserCreate :one
INSERT INTO users (username, email, display_name, team_id)
VALUES (@username, @email, sqlc.narg('display_name'), sqlc.narg('team_id'))
RETURNING *;

-- name: UserUpsertByUsername :one
INSERT INTO users (username, email, display_name, team_id)
VALUES (@username, @email, sqlc.narg('display_name'), sqlc.narg('team_id'))
ON CONFLICT (username) DO UPDATE SET
    email = EXCLUDED.email,
    display_name = EXCLUDED.display_name,
    team_id = EXCLUDED.team_id
RETURNING *;

-- name: UserInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale), user_id supplied by the caller.
INSERT INTO users (user_id, username, email, display_name, team_id, created_at)
VALUES (@user_id, @username, @email, @display_name, @team_id, @created_at);

-- name: UserGetByID :one
SELECT * FROM users WHERE user_id = @user_id;

-- name: UserGetByUsername :one
SELECT * FROM users WHERE username = @username;

-- name: UserList :many
-- Keyset pagination on username ('' for the first page).
SELECT * FROM users
WHERE username > @after_username
ORDER BY username
LIMIT @max_rows;

-- name: UserUpdate :one
UPDATE users SET
    email = COALESCE(sqlc.narg('email'), email),
    display_name = COALESCE(sqlc.narg('display_name'), display_name),
    team_id = COALESCE(sqlc.narg('team_id'), team_id),
    is_active = COALESCE(sqlc.narg('is_active'), is_active)
WHERE user_id = @user_id
RETURNING *;

-- name: UserDelete :execrows
-- Rows that named the user keep their text column; their *_user_id becomes NULL.
DELETE FROM users WHERE user_id = @user_id;
