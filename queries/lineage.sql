-- Lineage reads a model's graph in two queries keyed by model_id, so the
-- number of round trips does not grow with its versions: the versions, each
-- with its deployments and approvals aggregated as JSON arrays, and the runs
-- with their datasets. sqlc.narg('semver') narrows to one version;
-- sqlc.narg('at') keeps only the deployments live at that moment.

-- name: LineageVersionsByModel :many
-- Deployments are ordered by environment priority, approvals newest first.
SELECT mv.version_id, mv.semver, mv.status, mv.framework, mv.artifact_uri,
       COALESCE(dep.deployments, '[]')::jsonb AS deployments,
       COALESCE(ap.approvals, '[]')::jsonb AS approvals
FROM model_versions mv
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'deployment_id', d.deployment_id, 'environment_name', e.environment_name,
               'environment_type', e.environment_type, 'status', d.status,
               'traffic_percentage', d.traffic_percentage, 'endpoint_url', d.endpoint_url,
               'deployed_at', d.deployed_at, 'deployed_by', d.deployed_by, 'undeployed_at', d.undeployed_at)
               ORDER BY e.priority DESC, e.environment_name, d.deployed_at DESC) AS deployments
    FROM deployments d
    JOIN environments e ON e.environment_id = d.environment_id
    WHERE d.version_id = mv.version_id
      AND (sqlc.narg('at')::timestamptz IS NULL
           OR (d.deployed_at <= sqlc.narg('at')::timestamptz
               AND (d.undeployed_at IS NULL OR d.undeployed_at > sqlc.narg('at')::timestamptz)))
) dep ON TRUE
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'approval_id', a.approval_id, 'approval_type', a.approval_type, 'status', a.status,
               'requested_by', a.requested_by, 'requested_at', a.requested_at,
               'approved_by', a.approved_by, 'approved_at', a.approved_at,
               'rejected_by', a.rejected_by, 'rejected_at', a.rejected_at, 'expires_at', a.expires_at)
               ORDER BY a.requested_at DESC, a.approval_id) AS approvals
    FROM approvals a
    WHERE a.version_id = mv.version_id
) ap ON TRUE
WHERE mv.model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR mv.semver = sqlc.narg('semver')::text)
ORDER BY mv.semver_key DESC;

-- name: LineageRunsByModel :many
-- One row per run and dataset it used (dataset columns NULL for a run with none).
SELECT tr.run_id, tr.version_id, tr.run_name, tr.experiment_name, tr.status,
       tr.accuracy, tr.f1_score, tr.loss, tr.started_at, tr.completed_at, tr.created_at,
       rd.dataset_role, d.dataset_id AS dataset_id, d.dataset_name AS dataset_name, d.contains_pii AS contains_pii,
       d.storage_location AS storage_location, d.data_version AS data_version
FROM model_versions mv
JOIN training_runs tr ON tr.version_id = mv.version_id
LEFT JOIN run_datasets rd ON rd.run_id = tr.run_id
LEFT JOIN datasets d ON d.dataset_id = rd.dataset_id
WHERE mv.model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR mv.semver = sqlc.narg('semver')::text)
ORDER BY mv.semver_key DESC, tr.created_at DESC, tr.run_id, rd.dataset_role COLLATE "C", d.dataset_name COLLATE "C";

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
