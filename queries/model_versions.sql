-- name: ModelVersionRegister :one
-- Registers a new version. The pair (model_id, semver) is unique.
INSERT INTO model_versions (
    model_id, semver, version_alias, description, git_commit, git_branch,
    artifact_uri, artifact_size_mb, checksum_sha256, framework, framework_version,
    python_version, cuda_version, registered_by,
    benchmark_accuracy, benchmark_latency_ms, benchmark_throughput_qps
) VALUES (
    @model_id, @semver, sqlc.narg('version_alias'), sqlc.narg('description'), sqlc.narg('git_commit'), sqlc.narg('git_branch'),
    @artifact_uri, sqlc.narg('artifact_size_mb'), sqlc.narg('checksum_sha256'), @framework, sqlc.narg('framework_version'),
    sqlc.narg('python_version'), sqlc.narg('cuda_version'), @registered_by,
    sqlc.narg('benchmark_accuracy'), sqlc.narg('benchmark_latency_ms'), sqlc.narg('benchmark_throughput_qps')
)
RETURNING *;

-- name: ModelVersionInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale), with the status and the
-- lifecycle timestamps the version reached, version_id supplied by the caller.
INSERT INTO model_versions (
    version_id, model_id, semver, description, git_commit, git_branch,
    artifact_uri, artifact_size_mb, checksum_sha256, framework, framework_version,
    python_version, status, registered_by, registered_at,
    promoted_to_production_at, deprecated_at, deprecation_reason,
    benchmark_accuracy, benchmark_latency_ms
) VALUES (
    @version_id, @model_id, @semver, @description, @git_commit, @git_branch,
    @artifact_uri, @artifact_size_mb, @checksum_sha256, @framework, @framework_version,
    @python_version, @status, @registered_by, @registered_at,
    @promoted_to_production_at, @deprecated_at, @deprecation_reason,
    @benchmark_accuracy, @benchmark_latency_ms
);

-- name: ModelVersionGetByID :one
SELECT * FROM model_versions WHERE version_id = @version_id;

-- name: ModelVersionGetByIDs :many
-- Many versions in one round trip.
SELECT * FROM model_versions WHERE version_id = ANY(@version_ids::uuid[])
ORDER BY model_id, semver_key DESC;

-- name: ModelVersionGetBySemver :one
SELECT mv.* FROM model_versions mv
JOIN models m ON m.model_id = mv.model_id
WHERE m.model_name = @model_name AND mv.semver = @semver;

-- name: ModelVersionListByModel :many
-- Newest semantic version first; keyset on semver_key ('' means from the top).
SELECT * FROM model_versions
WHERE model_id = @model_id
  AND (@before_semver_key::text = '' OR semver_key < @before_semver_key::text)
ORDER BY semver_key DESC
LIMIT @max_rows;

-- name: ModelVersionGetLatest :one
-- The highest semantic version of the model that is not archived
-- (10.0.0 above 9.0.0; a release above its pre-releases). The model's id
-- comes from a subquery, not a join, so that the plan (generic ones too)
-- is one probe of models by name, then the first entry of
-- idx_versions_latest: no sort of the model's versions.
SELECT mv.* FROM model_versions mv
WHERE mv.model_id = (SELECT m.model_id FROM models m WHERE m.model_name = @model_name)
  AND mv.status <> 'archived'
ORDER BY mv.semver_key DESC
LIMIT 1;

-- name: ModelVersionListLatest :many
-- vw_latest_model_versions: one row per model.
SELECT * FROM vw_latest_model_versions
WHERE model_name > @after_name
ORDER BY model_name
LIMIT @max_rows;

-- name: ModelVersionUpdate :one
UPDATE model_versions SET
    description = COALESCE(sqlc.narg('description'), description),
    version_alias = COALESCE(sqlc.narg('version_alias'), version_alias),
    benchmark_accuracy = COALESCE(sqlc.narg('benchmark_accuracy'), benchmark_accuracy),
    benchmark_latency_ms = COALESCE(sqlc.narg('benchmark_latency_ms'), benchmark_latency_ms),
    benchmark_throughput_qps = COALESCE(sqlc.narg('benchmark_throughput_qps'), benchmark_throughput_qps)
WHERE version_id = @version_id
RETURNING *;

-- name: ModelVersionSetStatus :one
-- Moves a version to 'validated' or 'deployed'; deploying stamps
-- promoted_to_production_at the first time.
UPDATE model_versions SET
    status = @status,
    promoted_to_production_at = CASE
        WHEN @status = 'deployed' THEN COALESCE(promoted_to_production_at, NOW())
        ELSE promoted_to_production_at END
WHERE version_id = @version_id
RETURNING *;

-- name: ModelVersionDeprecate :one
UPDATE model_versions SET
    status = 'deprecated',
    deprecated_at = COALESCE(deprecated_at, NOW()),
    deprecation_reason = @deprecation_reason
WHERE version_id = @version_id
RETURNING *;

-- name: ModelVersionArchive :one
UPDATE model_versions SET
    status = 'archived',
    deprecated_at = COALESCE(deprecated_at, NOW())
WHERE version_id = @version_id
RETURNING *;

-- name: ModelVersionDelete :execrows
-- Cascades to runs and approvals; refused while a deployment names the version.
DELETE FROM model_versions WHERE version_id = @version_id;
