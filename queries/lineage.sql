-- Lineage reads a model's graph in a fixed number of queries, each keyed by
-- model_id, so the number of round trips does not grow with its versions.
-- sqlc.narg('semver') narrows to one version; sqlc.narg('at') shows the
-- deployments live at that moment instead of all of them.

-- name: LineageVersionsByModel :many
SELECT * FROM model_versions
WHERE model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR semver = sqlc.narg('semver')::text)
ORDER BY semver_key DESC;

-- name: LineageRunsByModel :many
-- One row per run and dataset it used (dataset columns NULL for a run with none).
SELECT tr.run_id, tr.version_id, tr.run_name, tr.experiment_name, tr.status,
       tr.accuracy, tr.f1_score, tr.loss, tr.started_at, tr.completed_at, tr.created_at,
       rd.dataset_role, d.dataset_id AS dataset_id, d.dataset_name AS dataset_name, d.contains_pii AS contains_pii
FROM model_versions mv
JOIN training_runs tr ON tr.version_id = mv.version_id
LEFT JOIN run_datasets rd ON rd.run_id = tr.run_id
LEFT JOIN datasets d ON d.dataset_id = rd.dataset_id
WHERE mv.model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR mv.semver = sqlc.narg('semver')::text)
ORDER BY mv.semver_key DESC, tr.created_at DESC, tr.run_id, rd.dataset_role, d.dataset_name;

-- name: LineageDeploymentsByModel :many
SELECT d.deployment_id, d.version_id, e.environment_name, e.environment_type, d.status,
       d.traffic_percentage, d.endpoint_url, d.deployed_at, d.deployed_by, d.undeployed_at
FROM model_versions mv
JOIN deployments d ON d.version_id = mv.version_id
JOIN environments e ON e.environment_id = d.environment_id
WHERE mv.model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR mv.semver = sqlc.narg('semver')::text)
  AND (sqlc.narg('at')::timestamptz IS NULL
       OR (d.deployed_at <= sqlc.narg('at')::timestamptz
           AND (d.undeployed_at IS NULL OR d.undeployed_at > sqlc.narg('at')::timestamptz)))
ORDER BY mv.semver_key DESC, e.priority DESC, e.environment_name, d.deployed_at DESC;

-- name: LineageApprovalsByModel :many
SELECT a.approval_id, a.version_id, a.approval_type, a.status, a.requested_by, a.requested_at,
       a.approved_by, a.approved_at, a.rejected_by, a.rejected_at, a.expires_at
FROM model_versions mv
JOIN approvals a ON a.version_id = mv.version_id
WHERE mv.model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR mv.semver = sqlc.narg('semver')::text)
ORDER BY mv.semver_key DESC, a.requested_at DESC, a.approval_id;

-- name: ImpactRunsByDataset :many
-- Every run that used the dataset, with its version and model.
SELECT m.model_name, mv.version_id, mv.semver, mv.status AS version_status,
       tr.run_id, tr.run_name, tr.status AS run_status, rd.dataset_role
FROM run_datasets rd
JOIN training_runs tr ON tr.run_id = rd.run_id
JOIN model_versions mv ON mv.version_id = tr.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE rd.dataset_id = @dataset_id
ORDER BY m.model_name, mv.semver_key DESC, tr.created_at DESC, tr.run_id, rd.dataset_role;

-- name: ImpactActiveDeploymentsByDataset :many
-- Active deployments of every version trained on the dataset.
SELECT m.model_name, mv.semver, e.environment_name, e.environment_type,
       d.deployment_id, d.traffic_percentage, d.endpoint_url
FROM deployments d
JOIN environments e ON e.environment_id = d.environment_id
JOIN model_versions mv ON mv.version_id = d.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE d.status = 'active'
  AND EXISTS (
      SELECT 1 FROM training_runs tr
      JOIN run_datasets rd ON rd.run_id = tr.run_id
      WHERE tr.version_id = d.version_id AND rd.dataset_id = @dataset_id)
ORDER BY m.model_name, mv.semver_key DESC, e.environment_name;
