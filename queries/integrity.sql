-- Integrity checks for `mlreg check`. Each returns the offending rows as
-- (subject, detail) text. They must find rows that bypassed the constraints
-- (loaded with triggers off, or restored from a dump), so none assumes a
-- foreign key or trigger has run: absent parents are found with NOT EXISTS.

-- name: IntegrityOrphanedVersions :many
SELECT (mv.semver || ' (' || mv.version_id || ')')::text AS subject,
       ('model ' || mv.model_id || ' does not exist')::text AS detail
FROM model_versions mv
WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.model_id = mv.model_id)
ORDER BY mv.version_id;

-- name: IntegrityOrphanedRuns :many
SELECT (COALESCE(tr.run_name, '') || ' (' || tr.run_id || ')')::text AS subject,
       ('version ' || tr.version_id || ' does not exist')::text AS detail
FROM training_runs tr
WHERE NOT EXISTS (SELECT 1 FROM model_versions mv WHERE mv.version_id = tr.version_id)
ORDER BY tr.run_id;

-- name: IntegrityOrphanedRunDatasets :many
-- Two anti-joins, one per missing side (an OR of the two NOT EXISTS would
-- defeat both); a link missing both is reported twice, once for each.
SELECT ('run ' || o.run_id || ' / dataset ' || o.dataset_id)::text AS subject, o.problem::text AS detail
FROM (
    SELECT rd.run_id, rd.dataset_id, 'run does not exist' AS problem
    FROM run_datasets rd
    WHERE NOT EXISTS (SELECT 1 FROM training_runs tr WHERE tr.run_id = rd.run_id)
    UNION ALL
    SELECT rd.run_id, rd.dataset_id, 'dataset does not exist' AS problem
    FROM run_datasets rd
    WHERE NOT EXISTS (SELECT 1 FROM datasets d WHERE d.dataset_id = rd.dataset_id)
) o
ORDER BY o.run_id, o.dataset_id, o.problem;

-- name: IntegrityActiveDeploymentsWithoutEnvironment :many
SELECT ('deployment ' || d.deployment_id)::text AS subject,
       ('environment ' || d.environment_id || ' does not exist')::text AS detail
FROM deployments d
WHERE d.status IN ('active', 'degraded')
  AND NOT EXISTS (SELECT 1 FROM environments e WHERE e.environment_id = d.environment_id)
ORDER BY d.deployment_id;

-- name: IntegrityDeploymentsWithoutVersion :many
SELECT ('deployment ' || d.deployment_id)::text AS subject,
       ('version ' || d.version_id || ' does not exist')::text AS detail
FROM deployments d
WHERE NOT EXISTS (SELECT 1 FROM model_versions mv WHERE mv.version_id = d.version_id)
ORDER BY d.deployment_id;

-- name: IntegrityModelsWithoutVersions :many
-- Allowed, but worth knowing (a warning).
SELECT m.model_name::text AS subject,
       ('no versions registered since ' || to_char(m.created_at, 'YYYY-MM-DD'))::text AS detail
FROM models m
WHERE NOT EXISTS (SELECT 1 FROM model_versions mv WHERE mv.model_id = m.model_id)
ORDER BY m.model_name;

-- name: IntegrityUnapprovedProductionDeployments :many
-- Serving (active or degraded) production deployments of compliance-required
-- models lacking an approved compliance approval that has not expired.
SELECT (m.model_name || ' ' || mv.semver || ' in ' || e.environment_name)::text AS subject,
       ('no current compliance approval (deployment ' || d.deployment_id || ')')::text AS detail
FROM deployments d
JOIN environments e ON e.environment_id = d.environment_id
JOIN model_versions mv ON mv.version_id = d.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE d.status IN ('active', 'degraded') AND e.environment_type = 'production' AND m.compliance_required
  AND NOT EXISTS (
      SELECT 1 FROM approvals a
      WHERE a.version_id = mv.version_id AND a.approval_type = 'compliance'
        AND a.status = 'approved' AND (a.expires_at IS NULL OR a.expires_at > NOW()))
ORDER BY m.model_name, mv.semver_key, e.environment_name;

-- name: IntegrityApprovedPastExpiry :many
SELECT (m.model_name || ' ' || mv.semver || ' ' || a.approval_type)::text AS subject,
       ('approved but expired at ' || to_char(a.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC')::text AS detail
FROM approvals a
JOIN model_versions mv ON mv.version_id = a.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE a.status = 'approved' AND a.expires_at <= NOW()
ORDER BY m.model_name, mv.semver_key, a.approval_id;

-- name: IntegrityRunsWithBadCompletion :many
SELECT (COALESCE(tr.run_name, '') || ' (' || tr.run_id || ')')::text AS subject,
       (CASE
            WHEN tr.status IN ('queued', 'running') AND tr.completed_at IS NOT NULL
                THEN 'status ' || tr.status || ' with completed_at'
            WHEN tr.completed_at IS NULL THEN 'status ' || tr.status || ' without completed_at'
            ELSE 'completed_at before started_at'
        END)::text AS detail
FROM training_runs tr
WHERE (tr.status IN ('succeeded', 'failed', 'cancelled', 'timeout') AND tr.completed_at IS NULL)
   OR (tr.status IN ('queued', 'running') AND tr.completed_at IS NOT NULL)
   OR tr.completed_at < tr.started_at
ORDER BY tr.run_id;

-- name: IntegrityActiveDeploymentsOfRetiredVersions :many
SELECT (m.model_name || ' ' || mv.semver || ' in ' || e.environment_name)::text AS subject,
       ('version is ' || mv.status || ' but deployment ' || d.deployment_id || ' is ' || d.status)::text AS detail
FROM deployments d
JOIN environments e ON e.environment_id = d.environment_id
JOIN model_versions mv ON mv.version_id = d.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE d.status IN ('active', 'degraded') AND mv.status IN ('deprecated', 'archived')
ORDER BY m.model_name, mv.semver_key, e.environment_name;

-- name: IntegrityPIIDatasetsInProduction :many
-- A warning: personal data behind a production model deserves a look.
SELECT DISTINCT d.dataset_name::text AS subject,
       ('contains PII; trains ' || m.model_name || ' ' || mv.semver || ', active in ' || e.environment_name)::text AS detail
FROM datasets d
JOIN run_datasets rd ON rd.dataset_id = d.dataset_id
JOIN training_runs tr ON tr.run_id = rd.run_id
JOIN model_versions mv ON mv.version_id = tr.version_id
JOIN models m ON m.model_id = mv.model_id
JOIN deployments dep ON dep.version_id = mv.version_id AND dep.status IN ('active', 'degraded')
JOIN environments e ON e.environment_id = dep.environment_id AND e.environment_type = 'production'
WHERE d.contains_pii
ORDER BY 1, 2;

-- name: IntegrityStaleDatasets :many
SELECT d.dataset_name::text AS subject,
       ('last updated ' || COALESCE(to_char(d.last_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC', 'never')
        || ', SLA ' || d.freshness_sla_hours || 'h')::text AS detail
FROM datasets d
WHERE d.freshness_sla_hours IS NOT NULL
  AND (d.last_updated_at IS NULL OR d.last_updated_at + make_interval(hours => d.freshness_sla_hours) < NOW())
ORDER BY d.dataset_name;

-- name: IntegrityTrafficOverAllocated :many
SELECT (m.model_name || ' in ' || e.environment_name)::text AS subject,
       ('active traffic sums to ' || SUM(COALESCE(d.traffic_percentage, 100)) || '%')::text AS detail
FROM deployments d
JOIN environments e ON e.environment_id = d.environment_id
JOIN model_versions mv ON mv.version_id = d.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE d.status IN ('active', 'degraded')
GROUP BY m.model_name, e.environment_name
HAVING SUM(COALESCE(d.traffic_percentage, 100)) > 100
ORDER BY 1;
