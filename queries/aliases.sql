-- name: ModelAliasMove :one
-- Points an alias of a model at one of its versions, in one call: the
-- period of the version it named before is closed, and moving it to the
-- version it already names changes nothing.
SELECT a.alias_id, a.model_id, a.alias, a.version_id, a.valid_from, a.valid_until, a.set_by
FROM move_model_alias(@model_id::uuid, @alias::text, @version_id::uuid) AS a;

-- name: ModelAliasRemove :many
-- Ends the alias's current period. No row when the alias named nothing.
SELECT a.alias_id, a.model_id, a.alias, a.version_id, a.valid_from, a.valid_until, a.set_by
FROM remove_model_alias(@model_id::uuid, @alias::text) AS a;

-- name: ModelAliasResolve :one
-- The version an alias of a model names now.
SELECT a.alias_id, a.alias, a.set_by, a.valid_from AS since,
       mv.version_id, mv.semver, mv.status, mv.artifact_uri
FROM model_aliases a
JOIN model_versions mv ON mv.version_id = a.version_id
WHERE a.model_id = @model_id AND a.alias = @alias AND upper_inf(a.valid_during);

-- name: ModelAliasResolveAt :one
-- The version an alias of a model named at a past moment.
SELECT a.alias_id, a.alias, a.set_by, a.valid_from AS since,
       mv.version_id, mv.semver, mv.status, mv.artifact_uri
FROM model_aliases a
JOIN model_versions mv ON mv.version_id = a.version_id
WHERE a.model_id = @model_id AND a.alias = @alias AND a.valid_during @> @at::timestamptz;

-- name: ModelAliasListByModel :many
-- Every alias a model has now, by name.
SELECT a.alias, mv.semver, mv.version_id, a.set_by, a.valid_from AS since
FROM model_aliases a
JOIN model_versions mv ON mv.version_id = a.version_id
WHERE a.model_id = @model_id AND upper_inf(a.valid_during)
ORDER BY a.alias;

-- name: ModelAliasHistory :many
-- Every version an alias of a model has named, newest first.
SELECT mv.semver, mv.version_id, a.set_by,
       a.valid_from, a.valid_until
FROM model_aliases a
JOIN model_versions mv ON mv.version_id = a.version_id
WHERE a.model_id = @model_id AND a.alias = @alias
ORDER BY a.valid_from DESC;
