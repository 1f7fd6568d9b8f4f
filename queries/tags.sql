-- name: TagCreate :one
INSERT INTO tags (tag_category, tag_value, tag_description)
VALUES (@tag_category, @tag_value, sqlc.narg('tag_description'))
RETURNING *;

-- name: TagUpsert :one
INSERT INTO tags (tag_category, tag_value, tag_description)
VALUES (@tag_category, @tag_value, sqlc.narg('tag_description'))
ON CONFLICT (tag_category, tag_value) DO UPDATE SET
    tag_description = COALESCE(EXCLUDED.tag_description, tags.tag_description)
RETURNING *;

-- name: TagInsertManyCopyFrom :copyfrom
INSERT INTO tags (tag_category, tag_value, tag_description)
VALUES (@tag_category, @tag_value, @tag_description);

-- name: TagGetByID :one
SELECT * FROM tags WHERE tag_id = @tag_id;

-- name: TagGetByCategoryValue :one
SELECT * FROM tags WHERE tag_category = @tag_category AND tag_value = @tag_value;

-- name: TagList :many
-- Keyset pagination on (tag_category, tag_value); ('', '') for the first page.
SELECT * FROM tags
WHERE (tag_category, tag_value) > (@after_category::text, @after_value::text)
ORDER BY tag_category, tag_value
LIMIT @max_rows;

-- name: TagUpdate :one
UPDATE tags SET tag_description = @tag_description
WHERE tag_id = @tag_id
RETURNING *;

-- name: TagDelete :execrows
-- Detaches the tag from every model and dataset (ON DELETE CASCADE).
DELETE FROM tags WHERE tag_id = @tag_id;
