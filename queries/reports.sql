-- The exercise's Part 5 and Part 7 queries, as named methods (corrected
-- where the exercise's text is wrong; docs/model-registry-schema.md says how).

-- name: ReportModelsWithLatestVersion :many
-- Part 5.1 #1. The exercise listed every version under this title; this
-- returns each model's highest non-archived semantic version.
SELECT model_name, model_display_name, semver, version_status, framework
FROM vw_latest_model_versions
ORDER BY model_name;

-- name: ReportModelsWithTeam :many
-- Part 5.1 #2.
SELECT m.model_name, m.display_name, t.team_name, t.department, m.risk_level
FROM models m
LEFT JOIN teams t ON m.team_id = t.team_id
ORDER BY m.model_name;

-- name: ReportDeployments :many
-- Part 5.1 #3, newest first; keyset on (deployed_at, deployment_id).
SELECT d.deployment_id, m.model_name, mv.semver, e.environment_name, e.environment_type,
       d.deployed_at, d.deployed_by, d.status
FROM deployments d
JOIN model_versions mv ON d.version_id = mv.version_id
JOIN models m ON mv.model_id = m.model_id
JOIN environments e ON d.environment_id = e.environment_id
WHERE (d.deployed_at, d.deployment_id) < (@before_deployed_at::timestamptz, @before_id::uuid)
ORDER BY d.deployed_at DESC, d.deployment_id DESC
LIMIT @max_rows;

-- name: ReportVersionCountsByModel :many
-- Part 5.2 #1. The latest registration comes from a lateral lookup so that
-- it stays NULL (not zero) for a model without versions.
SELECT m.model_name, COUNT(mv.version_id) AS version_count, latest.registered_at AS latest_version_date
FROM models m
LEFT JOIN model_versions mv ON m.model_id = mv.model_id
LEFT JOIN LATERAL (
    SELECT v.registered_at FROM model_versions v
    WHERE v.model_id = m.model_id
    ORDER BY v.registered_at DESC NULLS LAST, v.semver_key DESC
    LIMIT 1
) latest ON TRUE
GROUP BY m.model_id, m.model_name, latest.registered_at
ORDER BY version_count DESC, m.model_name;

-- name: ReportDeploymentsByEnvironment :many
-- Part 5.2 #2. The exercise's COUNT(*) FILTER counted one row for an
-- environment with no deployments; counting deployment ids does not.
SELECT e.environment_name,
       COUNT(d.deployment_id) AS total_deployments,
       COUNT(DISTINCT mv.model_id) AS unique_models,
       COUNT(d.deployment_id) FILTER (WHERE d.status = 'active') AS active_deployments
FROM environments e
LEFT JOIN deployments d ON e.environment_id = d.environment_id
LEFT JOIN model_versions mv ON d.version_id = mv.version_id
GROUP BY e.environment_id, e.environment_name
ORDER BY e.priority DESC, e.environment_name;

-- name: ReportTrainingByModel :many
-- Part 5.2 #3, with the same COUNT(*) correction for versions without runs;
-- a model without runs or costs reports 0.
SELECT m.model_name,
       COUNT(tr.run_id) AS total_runs,
       COUNT(tr.run_id) FILTER (WHERE tr.status = 'succeeded') AS successful_runs,
       COALESCE(ROUND(AVG(tr.gpu_hours), 2), 0)::numeric AS avg_gpu_hours,
       COALESCE(SUM(tr.estimated_cost_usd), 0)::numeric AS total_cost
FROM models m
JOIN model_versions mv ON m.model_id = mv.model_id
LEFT JOIN training_runs tr ON mv.version_id = tr.version_id
GROUP BY m.model_id, m.model_name
ORDER BY total_cost DESC, m.model_name;

-- name: ReportModelLineage :many
-- Part 5.3 #1 for one model: versions, runs, training datasets, active
-- deployments. The exercise's derived table is written as two outer joins
-- (same rows) so that its columns are known to be nullable.
SELECT m.model_name, mv.semver, tr.run_name, tr.status AS training_status,
       d_train.dataset_name AS training_dataset, tr.accuracy,
       e.environment_name, dep.deployed_at
FROM models m
JOIN model_versions mv ON m.model_id = mv.model_id
LEFT JOIN training_runs tr ON mv.version_id = tr.version_id
LEFT JOIN run_datasets rd ON tr.run_id = rd.run_id AND rd.dataset_role = 'training'
LEFT JOIN datasets d_train ON rd.dataset_id = d_train.dataset_id
LEFT JOIN deployments dep ON mv.version_id = dep.version_id AND dep.status = 'active'
LEFT JOIN environments e ON dep.environment_id = e.environment_id
WHERE m.model_name = @model_name
ORDER BY mv.semver_key DESC, tr.created_at DESC, tr.run_name COLLATE "C" NULLS LAST, tr.run_id, e.environment_name, d_train.dataset_name;

-- name: ReportComplianceApprovals :many
-- Part 5.3 #2.
SELECT m.model_name, m.display_name, m.risk_level, mv.semver, a.approval_type,
       a.status AS approval_status, a.requested_at, a.approved_by, a.approved_at
FROM models m
JOIN model_versions mv ON m.model_id = mv.model_id
JOIN approvals a ON mv.version_id = a.version_id
WHERE m.compliance_required = TRUE
  AND a.status IN ('pending', 'approved')
ORDER BY a.requested_at DESC, m.model_name, mv.semver_key DESC, a.approval_type, a.approval_id;

-- name: ReportDatasetUsage :many
-- Part 5.3 #3. COUNT(DISTINCT run) because a run may use a dataset in two roles.
SELECT d.dataset_name, d.display_name,
       COUNT(DISTINCT mv.model_id) AS used_by_models,
       COUNT(DISTINCT tr.run_id) AS total_training_runs,
       STRING_AGG(DISTINCT m.model_name, ', ')::text AS model_list
FROM datasets d
JOIN run_datasets rd ON d.dataset_id = rd.dataset_id
JOIN training_runs tr ON rd.run_id = tr.run_id
JOIN model_versions mv ON tr.version_id = mv.version_id
JOIN models m ON mv.model_id = m.model_id
GROUP BY d.dataset_id, d.dataset_name, d.display_name
ORDER BY used_by_models DESC, total_training_runs DESC, d.dataset_name;

-- name: ReportProductionModels :many
-- Challenge 2: models deployed to production with approval status, their
-- latest run's metrics and the datasets it used. The exercise's hint used
-- an undefined alias and multiplied rows by approvals; here each approval
-- type and each dataset is aggregated once per deployment. The latest run is
-- the last created; runs created in the same instant (one transaction) are
-- told apart by name, then id, never left to the plan: two registries loaded
-- alike report alike.
SELECT m.model_name, mv.semver, e.environment_name, dep.deployed_at,
       COALESCE(appr.approval_status, 'none')::text AS approval_status,
       tr.run_name, tr.accuracy, tr.f1_score,
       COALESCE(ds.datasets_used, '')::text AS datasets_used
FROM deployments dep
JOIN environments e ON e.environment_id = dep.environment_id
JOIN model_versions mv ON mv.version_id = dep.version_id
JOIN models m ON m.model_id = mv.model_id
LEFT JOIN LATERAL (
    SELECT STRING_AGG(a.approval_type || ':' || a.status, ', ' ORDER BY a.approval_type, a.requested_at DESC, a.status) AS approval_status
    FROM approvals a WHERE a.version_id = mv.version_id
) appr ON TRUE
LEFT JOIN LATERAL (
    SELECT r.run_id, r.run_name, r.accuracy, r.f1_score
    FROM training_runs r
    WHERE r.version_id = mv.version_id
    ORDER BY r.created_at DESC NULLS LAST, r.run_name COLLATE "C" NULLS LAST, r.run_id
    LIMIT 1
) tr ON TRUE
LEFT JOIN LATERAL (
    SELECT STRING_AGG(DISTINCT d.dataset_name, ', ') AS datasets_used
    FROM run_datasets rd JOIN datasets d ON d.dataset_id = rd.dataset_id
    WHERE rd.run_id = tr.run_id
) ds ON TRUE
WHERE e.environment_type = 'production' AND dep.status = 'active'
ORDER BY m.model_name, e.environment_name, mv.semver_key DESC, dep.deployed_at DESC, dep.deployment_id;

-- name: ReportProductionDeployments :many
-- vw_production_deployments.
SELECT * FROM vw_production_deployments;

-- name: ReportIndexUsage :many
-- Part 6.1: index use, most used first. The casts tell sqlc the types a
-- table function returns.
SELECT u.table_name::text AS table_name, u.index_name::text AS index_name,
       u.idx_scan::bigint AS idx_scan, u.idx_tup_read::bigint AS idx_tup_read,
       u.idx_tup_fetch::bigint AS idx_tup_fetch
FROM registry_index_usage() AS u
ORDER BY 3 DESC, 1, 2;

-- name: ReportSequentialScans :many
-- Part 6.1: tables read by sequential scans, most rows read first.
SELECT s.table_name::text AS table_name, s.seq_scan::bigint AS seq_scan,
       s.seq_tup_read::bigint AS seq_tup_read, s.avg_rows_per_scan::bigint AS avg_rows_per_scan
FROM registry_sequential_scans() AS s
ORDER BY 3 DESC, 1;

-- name: ReportTableSizes :many
-- Part 6.3 #1, largest first; pg_size_pretty is left to the caller.
SELECT z.table_name::text AS table_name, z.total_bytes::bigint AS total_bytes,
       z.table_bytes::bigint AS table_bytes, z.index_bytes::bigint AS index_bytes
FROM registry_table_sizes() AS z
ORDER BY 2 DESC, 1;

-- name: ReportRowCounts :one
-- Rows in each registry table (exact counts, so a full scan of each):
-- `mlreg seed --scale` refuses a registry that has models, and its tests
-- compare these counts with what it says it loaded.
SELECT (SELECT count(*) FROM teams)::bigint AS teams,
       (SELECT count(*) FROM users)::bigint AS users,
       (SELECT count(*) FROM environments)::bigint AS environments,
       (SELECT count(*) FROM models)::bigint AS models,
       (SELECT count(*) FROM model_versions)::bigint AS model_versions,
       (SELECT count(*) FROM datasets)::bigint AS datasets,
       (SELECT count(*) FROM experiments)::bigint AS experiments,
       (SELECT count(*) FROM approvals)::bigint AS approvals,
       (SELECT count(*) FROM training_runs)::bigint AS training_runs,
       (SELECT count(*) FROM run_datasets)::bigint AS run_datasets,
       (SELECT count(*) FROM deployments)::bigint AS deployments,
       (SELECT count(*) FROM tags)::bigint AS tags,
       (SELECT count(*) FROM model_tags)::bigint AS model_tags,
       (SELECT count(*) FROM dataset_tags)::bigint AS dataset_tags;
