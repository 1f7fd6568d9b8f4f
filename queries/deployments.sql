-- name: DeploymentCreate :one
-- Deploys a version to an environment (by name).
INSERT INTO deployments (
    version_id, environment_id, deployment_name, endpoint_url, serving_framework,
    replicas, instance_type, gpu_enabled, traffic_percentage, deployed_by, status, deployment_notes
)
SELECT @version_id, e.environment_id, sqlc.narg('deployment_name'), sqlc.narg('endpoint_url'), sqlc.narg('serving_framework'),
       COALESCE(sqlc.narg('replicas')::integer, 1), sqlc.narg('instance_type'), COALESCE(sqlc.narg('gpu_enabled')::boolean, FALSE),
       COALESCE(sqlc.narg('traffic_percentage')::integer, 100), @deployed_by, COALESCE(sqlc.narg('status')::text, 'active'), sqlc.narg('deployment_notes')
FROM environments e
WHERE e.environment_name = @environment_name
RETURNING *;

-- name: DeploymentInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale) of deployments, live or
-- undeployed, by environment_id. Load approvals first: an active production
-- deployment of a compliance-required model needs an approved approval.
INSERT INTO deployments (
    deployment_id, version_id, environment_id, deployment_name, endpoint_url, serving_framework,
    replicas, instance_type, gpu_enabled, target_availability_percent,
    deployed_at, deployed_by, undeployed_at, undeployed_by, status, traffic_percentage,
    monthly_cost_usd
) VALUES (
    @deployment_id, @version_id, @environment_id, @deployment_name, @endpoint_url, @serving_framework,
    @replicas, @instance_type, @gpu_enabled, @target_availability_percent,
    @deployed_at, @deployed_by, @undeployed_at, @undeployed_by, @status, @traffic_percentage,
    @monthly_cost_usd
);

-- name: DeploymentGetByID :one
SELECT * FROM deployments WHERE deployment_id = @deployment_id;

-- name: DeploymentListByVersion :many
SELECT d.*, e.environment_name, e.environment_type
FROM deployments d
JOIN environments e ON e.environment_id = d.environment_id
WHERE d.version_id = @version_id
ORDER BY d.deployed_at DESC, d.deployment_id;

-- name: DeploymentListActiveByEnvironment :many
-- Active deployments in one environment, keyset on deployment_id.
SELECT d.*, m.model_name, mv.semver
FROM deployments d
JOIN environments e ON e.environment_id = d.environment_id
JOIN model_versions mv ON mv.version_id = d.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE e.environment_name = @environment_name AND d.status = 'active'
  AND d.deployment_id > @after_id
ORDER BY d.deployment_id
LIMIT @max_rows;

-- name: DeploymentShiftTraffic :one
UPDATE deployments SET traffic_percentage = @traffic_percentage
WHERE deployment_id = @deployment_id AND status IN ('active', 'degraded')
RETURNING *;

-- name: DeploymentUpdateObserved :one
-- Records the serving metrics observed for a deployment.
UPDATE deployments SET
    actual_latency_p50_ms = sqlc.narg('actual_latency_p50_ms'),
    actual_latency_p95_ms = sqlc.narg('actual_latency_p95_ms'),
    actual_latency_p99_ms = sqlc.narg('actual_latency_p99_ms'),
    actual_availability_percent = sqlc.narg('actual_availability_percent'),
    actual_throughput_qps = sqlc.narg('actual_throughput_qps')
WHERE deployment_id = @deployment_id
RETURNING *;

-- name: DeploymentSetStatus :one
-- Marks a live deployment degraded, failed or active again.
UPDATE deployments SET status = @status
WHERE deployment_id = @deployment_id AND undeployed_at IS NULL
RETURNING *;

-- name: DeploymentUndeploy :one
-- Takes a deployment out of service; its row stays as history.
UPDATE deployments SET
    status = 'inactive',
    traffic_percentage = 0,
    undeployed_at = NOW(),
    undeployed_by = @undeployed_by
WHERE deployment_id = @deployment_id AND undeployed_at IS NULL
RETURNING *;

-- name: DeploymentDelete :execrows
DELETE FROM deployments WHERE deployment_id = @deployment_id;
