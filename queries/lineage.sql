-- Lineage reads a model's graph in two queries keyed by model_id, so the
-- number of round trips does not grow with its versions: the versions, each
-- with its deployments and approvals aggregated as JSON arrays, and the runs
-- with their datasets (every run, or the newest few of each version).
-- sqlc.narg('semver') narrows to one version. The registry as it was at a
-- past moment is LineageAsOf's, below.

-- name: LineageVersionsByModel :many
-- Deployments are ordered by environment priority, approvals newest first;
-- runs_total counts the version's runs (LineageRunsNewestByModel lists only
-- the newest few).
SELECT mv.version_id, mv.semver, mv.status, mv.framework, mv.artifact_uri, mv.registered_at,
       COALESCE(dep.deployments, '[]')::jsonb AS deployments,
       COALESCE(ap.approvals, '[]')::jsonb AS approvals,
       (SELECT count(*) FROM training_runs r WHERE r.version_id = mv.version_id)::bigint AS runs_total
FROM model_versions mv
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'deployment_id', d.deployment_id, 'environment_name', e.environment_name,
               'environment_type', e.environment_type, 'status', d.status,
               'traffic_percentage', d.traffic_percentage, 'endpoint_url', d.endpoint_url,
               'deployed_at', d.deployed_at, 'deployed_by', d.deployed_by, 'undeployed_at', d.undeployed_at)
               ORDER BY e.priority DESC, e.environment_name COLLATE "C", d.deployed_at DESC, d.deployment_id) AS deployments
    FROM deployments d
    JOIN environments e ON e.environment_id = d.environment_id
    WHERE d.version_id = mv.version_id
) dep ON TRUE
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'approval_id', a.approval_id, 'approval_type', a.approval_type, 'status', a.status,
               'requested_by', a.requested_by, 'requested_at', a.requested_at,
               'approved_by', a.approved_by, 'approved_at', a.approved_at,
               'rejected_by', a.rejected_by, 'rejected_at', a.rejected_at, 'expires_at', a.expires_at)
               ORDER BY a.requested_at DESC, a.approval_type COLLATE "C", a.approval_id) AS approvals
    FROM approvals a
    WHERE a.version_id = mv.version_id
) ap ON TRUE
WHERE mv.model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR mv.semver = sqlc.narg('semver')::text)
ORDER BY mv.semver_key DESC;

-- name: LineageRunsByModel :many
-- One row per run and dataset it used (dataset columns NULL for a run with
-- none). A version's runs newest first; runs recorded in the same instant
-- (one transaction) by name, then id, so that two registries loaded alike
-- list them alike.
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
ORDER BY mv.semver_key DESC, tr.created_at DESC, tr.run_name COLLATE "C" NULLS LAST, tr.run_id,
         rd.dataset_role COLLATE "C", d.dataset_name COLLATE "C";

-- name: LineageRunsNewestByModel :many
-- LineageRunsByModel for the newest per_version runs of each version only
-- (same order): each version's runs are read newest first from
-- idx_training_version and stop after per_version, so the cost follows the
-- versions and per_version, not the model's runs.
SELECT tr.run_id, tr.version_id, tr.run_name, tr.experiment_name, tr.status,
       tr.accuracy, tr.f1_score, tr.loss, tr.started_at, tr.completed_at, tr.created_at,
       rd.dataset_role, d.dataset_id AS dataset_id, d.dataset_name AS dataset_name, d.contains_pii AS contains_pii,
       d.storage_location AS storage_location, d.data_version AS data_version
FROM model_versions mv
CROSS JOIN LATERAL (
    SELECT r.* FROM training_runs r
    WHERE r.version_id = mv.version_id
    ORDER BY r.created_at DESC, r.run_name COLLATE "C" NULLS LAST, r.run_id
    LIMIT @per_version
) tr
LEFT JOIN run_datasets rd ON rd.run_id = tr.run_id
LEFT JOIN datasets d ON d.dataset_id = rd.dataset_id
WHERE mv.model_id = @model_id
  AND (sqlc.narg('semver')::text IS NULL OR mv.semver = sqlc.narg('semver')::text)
ORDER BY mv.semver_key DESC, tr.created_at DESC, tr.run_name COLLATE "C" NULLS LAST, tr.run_id,
         rd.dataset_role COLLATE "C", d.dataset_name COLLATE "C";

-- name: ImpactRunsByDataset :many
-- Every run that used the dataset, with its version and model.
SELECT m.model_name, mv.version_id, mv.semver, mv.status AS version_status,
       tr.run_id, tr.run_name, tr.status AS run_status, rd.dataset_role
FROM run_datasets rd
JOIN training_runs tr ON tr.run_id = rd.run_id
JOIN model_versions mv ON mv.version_id = tr.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE rd.dataset_id = @dataset_id
ORDER BY m.model_name, mv.semver_key DESC, tr.created_at DESC, tr.run_name COLLATE "C" NULLS LAST, tr.run_id, rd.dataset_role;

-- name: ImpactActiveDeploymentsByDataset :many
-- Active deployments of every version trained on the dataset.
SELECT m.model_name, mv.version_id, mv.semver, e.environment_name, e.environment_type,
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
ORDER BY m.model_name, mv.semver_key DESC, e.environment_name, d.deployed_at DESC, d.deployment_id;

-- name: LineageTrailCoverage :one
-- How far back the audit trail reaches, for LineageAsOf's reader: its oldest
-- row kept (has_rows false, and the epoch, for an empty trail) and the end
-- of the newest month retired by audit_log_retire_month (has_retired false,
-- and the epoch, when none was).
SELECT EXISTS (SELECT 1 FROM audit_log)::boolean AS has_rows,
       COALESCE((SELECT min(l.tx_time) FROM audit_log l), 'epoch')::timestamptz AS complete_since,
       EXISTS (SELECT 1 FROM audit_retention)::boolean AS has_retired,
       COALESCE((SELECT max((r.month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC') FROM audit_retention r),
                'epoch')::timestamptz AS retired_until;

-- name: LineageAsOf :many
-- The model's lineage rows as they were at @at: its versions, their runs,
-- the runs' dataset links and datasets, the versions' deployments and
-- approvals, and the environments, each rebuilt from the row as it is now
-- and the audit trail's changes to it after @at, undone newest first. An
-- audit row holds the whole row for INSERT and DELETE and the changed
-- columns only for UPDATE, so a column's value at @at is the old value of
-- the first change after @at that touched it, else today's. Rows deleted
-- since come back from their DELETE; rows inserted after @at drop out.
--
-- Every value carries where it came from (field_as_of, by column):
--   audit    the trail establishes it: the row was born in the trail (its
--            INSERT is there) or predates a trail that reaches back to @at,
--            no retired month lies between @at and the change that gives the
--            value, and the trail's values join up around @at (the change
--            before @at left the value that the change after @at found);
--   current  the trail cannot establish it, and the value is today's (or
--            the row's at its deletion): it may or may not be @at's;
--   unknown  the trail cannot establish it, and the value is that of a later
--            change, which may differ from @at's.
-- presence says the same of the row's being there at @at: audit, or current
-- when only the row's own creation time (registered_at, created_at,
-- deployed_at, requested_at) says it existed. run_datasets rows are keyed by
-- run, dataset and role (the trail keys them by run and dataset), and their
-- UPDATEs, which no query makes, are not read.
--
-- removed_by_retention names the retention run (retention_runs) whose
-- transaction deleted a row that is gone today, and removed_at when; NULL
-- for a row deleted otherwise, or still there.
--
-- Reading the trail needs registry_admin. One statement: the rows of every
-- table come back together, tagged with table_name.
WITH
vkeys AS (
    SELECT jsonb_build_object('version_id', v.version_id) AS row_key
    FROM model_versions v WHERE v.model_id = @model_id
    UNION
    SELECT a.row_key FROM audit_log a
    WHERE a.table_name = 'model_versions' AND a.tx_time > @at::timestamptz
      AND @model_id::text IN (a.old_row ->> 'model_id', a.new_row ->> 'model_id')
),
version_ids AS (SELECT k.row_key ->> 'version_id' AS id FROM vkeys k),
rkeys AS (
    SELECT jsonb_build_object('run_id', r.run_id) AS row_key
    FROM training_runs r WHERE r.version_id IN (SELECT id::uuid FROM version_ids)
    UNION
    SELECT a.row_key FROM audit_log a
    WHERE a.table_name = 'training_runs' AND a.tx_time > @at::timestamptz
      AND (a.old_row ->> 'version_id' IN (SELECT id FROM version_ids) OR a.new_row ->> 'version_id' IN (SELECT id FROM version_ids))
),
run_ids AS (SELECT k.row_key ->> 'run_id' AS id FROM rkeys k),
rdkeys AS (
    SELECT jsonb_build_object('run_id', rd.run_id, 'dataset_id', rd.dataset_id, 'dataset_role', rd.dataset_role) AS row_key
    FROM run_datasets rd WHERE rd.run_id IN (SELECT id::uuid FROM run_ids)
    UNION
    SELECT a.row_key || jsonb_build_object('dataset_role', COALESCE(a.new_row -> 'dataset_role', a.old_row -> 'dataset_role'))
    FROM audit_log a
    WHERE a.table_name = 'run_datasets' AND a.tx_time > @at::timestamptz AND a.action IN ('INSERT', 'DELETE')
      AND a.row_key ->> 'run_id' IN (SELECT id FROM run_ids)
),
dskeys AS (SELECT DISTINCT jsonb_build_object('dataset_id', k.row_key -> 'dataset_id') AS row_key FROM rdkeys k),
dkeys AS (
    SELECT jsonb_build_object('deployment_id', d.deployment_id) AS row_key
    FROM deployments d WHERE d.version_id IN (SELECT id::uuid FROM version_ids)
    UNION
    SELECT a.row_key FROM audit_log a
    WHERE a.table_name = 'deployments' AND a.tx_time > @at::timestamptz
      AND (a.old_row ->> 'version_id' IN (SELECT id FROM version_ids) OR a.new_row ->> 'version_id' IN (SELECT id FROM version_ids))
),
akeys AS (
    SELECT jsonb_build_object('approval_id', ap.approval_id) AS row_key
    FROM approvals ap WHERE ap.version_id IN (SELECT id::uuid FROM version_ids)
    UNION
    SELECT a.row_key FROM audit_log a
    WHERE a.table_name = 'approvals' AND a.tx_time > @at::timestamptz
      AND (a.old_row ->> 'version_id' IN (SELECT id FROM version_ids) OR a.new_row ->> 'version_id' IN (SELECT id FROM version_ids))
),
-- Environments are few: all of them, and those deleted since.
ekeys AS (
    SELECT jsonb_build_object('environment_id', e.environment_id) AS row_key FROM environments e
    UNION
    SELECT a.row_key FROM audit_log a WHERE a.table_name = 'environments' AND a.tx_time > @at::timestamptz
),
-- Each candidate row with today's row (NULL when deleted) and the column
-- that dates its creation.
cand AS (
    SELECT 'model_versions'::text AS tbl, k.row_key, to_jsonb(v) AS cur, 'registered_at'::text AS born_col
    FROM vkeys k LEFT JOIN model_versions v ON v.version_id = (k.row_key ->> 'version_id')::uuid
    UNION ALL
    SELECT 'training_runs', k.row_key, to_jsonb(r), 'created_at'
    FROM rkeys k LEFT JOIN training_runs r ON r.run_id = (k.row_key ->> 'run_id')::uuid
    UNION ALL
    SELECT 'run_datasets', k.row_key, to_jsonb(rd), NULL
    FROM rdkeys k LEFT JOIN run_datasets rd ON rd.run_id = (k.row_key ->> 'run_id')::uuid
        AND rd.dataset_id = (k.row_key ->> 'dataset_id')::uuid AND rd.dataset_role = k.row_key ->> 'dataset_role'
    UNION ALL
    SELECT 'datasets', k.row_key, to_jsonb(ds), 'created_at'
    FROM dskeys k LEFT JOIN datasets ds ON ds.dataset_id = (k.row_key ->> 'dataset_id')::uuid
    UNION ALL
    SELECT 'deployments', k.row_key, to_jsonb(d), 'deployed_at'
    FROM dkeys k LEFT JOIN deployments d ON d.deployment_id = (k.row_key ->> 'deployment_id')::uuid
    UNION ALL
    SELECT 'approvals', k.row_key, to_jsonb(ap), 'requested_at'
    FROM akeys k LEFT JOIN approvals ap ON ap.approval_id = (k.row_key ->> 'approval_id')::uuid
    UNION ALL
    SELECT 'environments', k.row_key, to_jsonb(e), NULL
    FROM ekeys k LEFT JOIN environments e ON e.environment_id = (k.row_key ->> 'environment_id')::integer
),
-- Every audit row of every candidate, whenever written.
hist AS (
    SELECT c.tbl, c.row_key, a.audit_id, a.tx_time, a.txid, a.action, a.old_row, a.new_row
    FROM cand c
    JOIN audit_log a ON a.table_name = c.tbl AND a.row_key = c.row_key
    WHERE c.tbl <> 'run_datasets'
    UNION ALL
    SELECT c.tbl, c.row_key, a.audit_id, a.tx_time, a.txid, a.action, a.old_row, a.new_row
    FROM cand c
    JOIN audit_log a ON a.table_name = 'run_datasets' AND a.row_key = c.row_key - 'dataset_role'
        AND a.action IN ('INSERT', 'DELETE')
        AND COALESCE(a.new_row -> 'dataset_role', a.old_row -> 'dataset_role') = c.row_key -> 'dataset_role'
    WHERE c.tbl = 'run_datasets'
),
-- One row per audit row and column it holds. Times are compared as times:
-- to_jsonb wrote them in the writer's time zone.
cols AS (
    SELECT h.tbl, h.row_key, h.audit_id, h.tx_time, e.col,
           COALESCE(h.old_row ? e.col, FALSE) AS has_old,
           CASE WHEN jsonb_typeof(h.old_row -> e.col) = 'string'
                     AND (h.old_row ->> e.col) ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?$'
                THEN to_jsonb((h.old_row ->> e.col)::timestamptz) ELSE h.old_row -> e.col END AS old_v,
           COALESCE(h.new_row ? e.col, FALSE) AS has_new,
           CASE WHEN jsonb_typeof(h.new_row -> e.col) = 'string'
                     AND (h.new_row ->> e.col) ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?$'
                THEN to_jsonb((h.new_row ->> e.col)::timestamptz) ELSE h.new_row -> e.col END AS new_v
    FROM hist h
    CROSS JOIN LATERAL jsonb_object_keys(COALESCE(h.old_row, '{}') || COALESCE(h.new_row, '{}')) AS e(col)
),
-- Per column: the first change after @at (when, and the value it found) and
-- the last change at or before @at (the value it left).
col_state AS (
    SELECT c.tbl, c.row_key, c.col,
           min(c.tx_time) FILTER (WHERE c.tx_time > @at::timestamptz) AS next_time,
           (array_agg(c.has_old ORDER BY c.audit_id) FILTER (WHERE c.tx_time > @at::timestamptz))[1] AS next_has_old,
           (array_agg(c.old_v ORDER BY c.audit_id) FILTER (WHERE c.tx_time > @at::timestamptz))[1] AS next_old,
           (array_agg(c.has_new ORDER BY c.audit_id DESC) FILTER (WHERE c.tx_time <= @at::timestamptz))[1] AS prev_has_new,
           (array_agg(c.new_v ORDER BY c.audit_id DESC) FILTER (WHERE c.tx_time <= @at::timestamptz))[1] AS prev_new
    FROM cols c
    GROUP BY c.tbl, c.row_key, c.col
),
-- Per row: whether the trail saw it inserted, its first change after @at,
-- and its last DELETE (the whole row, for a row gone today, and the
-- transaction and time that deleted it).
row_state AS (
    SELECT c.tbl, c.row_key, c.cur, c.born_col,
           COALESCE(bool_or(h.action = 'INSERT'), FALSE) AS has_insert,
           (array_agg(h.action ORDER BY h.audit_id) FILTER (WHERE h.tx_time > @at::timestamptz))[1] AS first_after,
           (array_agg(h.old_row ORDER BY h.audit_id DESC) FILTER (WHERE h.action = 'DELETE'))[1] AS deleted_row,
           (array_agg(h.txid ORDER BY h.audit_id DESC) FILTER (WHERE h.action = 'DELETE'))[1] AS deleted_txid,
           (array_agg(h.tx_time ORDER BY h.audit_id DESC) FILTER (WHERE h.action = 'DELETE'))[1] AS deleted_time
    FROM cand c
    LEFT JOIN hist h ON h.tbl = c.tbl AND h.row_key = c.row_key
    GROUP BY c.tbl, c.row_key, c.cur, c.born_col
),
trail AS (SELECT min(l.tx_time) AS since FROM audit_log l),
retired AS (
    SELECT (r.month_start::timestamp AT TIME ZONE 'UTC') AS lo,
           ((r.month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC') AS hi
    FROM audit_retention r
),
-- Rebuilt rows: today's (or the deleted one) with the columns changed after
-- @at set back. tracked: the trail holds every change to the row since @at
-- (born in the trail, or older than a trail that reaches back to @at).
rebuilt AS (
    SELECT s.tbl, s.row_key, s.cur, s.deleted_txid, s.deleted_time,
           COALESCE(s.cur, s.deleted_row) || COALESCE((
               SELECT jsonb_object_agg(cs.col, cs.next_old) FROM col_state cs
               WHERE cs.tbl = s.tbl AND cs.row_key = s.row_key AND cs.next_time IS NOT NULL AND cs.next_has_old
           ), '{}') AS row_at,
           CASE WHEN s.first_after = 'INSERT' THEN FALSE
                WHEN NOT s.has_insert AND (COALESCE(s.cur, s.deleted_row) ->> s.born_col)::timestamptz > @at::timestamptz THEN FALSE
                WHEN s.first_after IS NOT NULL THEN TRUE
                WHEN s.cur IS NULL THEN FALSE
                ELSE TRUE END AS present,
           s.has_insert OR (
               @at::timestamptz >= (SELECT t.since FROM trail t)
               AND COALESCE((COALESCE(s.cur, s.deleted_row) ->> s.born_col)::timestamptz < (SELECT t.since FROM trail t), TRUE)
           ) AS tracked
    FROM row_state s
)
SELECT b.tbl::text AS table_name, b.row_key::jsonb AS row_key, b.row_at::jsonb AS row_at,
       (CASE WHEN b.tracked THEN 'audit' ELSE 'current' END)::text AS presence,
       (SELECT jsonb_object_agg(k.col,
                   CASE WHEN b.tracked
                             AND NOT EXISTS (SELECT 1 FROM retired g
                                             WHERE g.lo < COALESCE(cs.next_time, 'infinity') AND g.hi > @at::timestamptz)
                             AND NOT COALESCE(cs.prev_has_new AND cs.next_has_old AND cs.prev_new IS DISTINCT FROM cs.next_old, FALSE)
                             AND NOT COALESCE(cs.prev_has_new AND cs.next_time IS NULL AND b.cur IS NOT NULL
                                 AND cs.prev_new IS DISTINCT FROM (
                                     CASE WHEN jsonb_typeof(b.cur -> k.col) = 'string'
                                               AND (b.cur ->> k.col) ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?$'
                                          THEN to_jsonb((b.cur ->> k.col)::timestamptz) ELSE b.cur -> k.col END), FALSE)
                        THEN 'audit'
                        WHEN cs.next_time IS NULL THEN 'current'
                        ELSE 'unknown' END)
        FROM jsonb_object_keys(b.row_at) AS k(col)
        LEFT JOIN col_state cs ON cs.tbl = b.tbl AND cs.row_key = b.row_key AND cs.col = k.col)::jsonb AS field_as_of,
       rr.retention_run_id AS removed_by_retention, rr.applied_at AS removed_at
FROM rebuilt b
LEFT JOIN retention_runs rr ON b.cur IS NULL AND rr.txid = b.deleted_txid AND rr.applied_at = b.deleted_time
WHERE b.present
ORDER BY 1, 2;

-- name: LineageRetentionRemovals :many
-- Retention runs after @at that removed rows of the model a report at @at
-- would list, per table: runs recorded by @at (with their dataset links),
-- deployments deployed by @at and not undeployed by then. From the record
-- of retention runs (retention_run_models), so it holds once the trail's
-- months with the DELETEs are retired; in_trail says whether the trail still
-- holds them (a transaction's audit rows share its tx_time, hence a month).
SELECT rr.retention_run_id, rr.applied_at, m.table_name, m.rows_removed,
       EXISTS (SELECT 1 FROM audit_log a WHERE a.tx_time = rr.applied_at AND a.txid = rr.txid)::boolean AS in_trail
FROM retention_run_models m
JOIN retention_runs rr ON rr.retention_run_id = m.retention_run_id
WHERE m.model_id = @model_id
  AND rr.applied_at > @at::timestamptz
  AND m.first_born_at <= @at::timestamptz
  AND (m.table_name <> 'deployments' OR m.last_ended_at IS NULL OR m.last_ended_at > @at::timestamptz)
ORDER BY rr.retention_run_id, m.table_name;
