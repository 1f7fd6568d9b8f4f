-- name: RetentionCandidates :many
-- Every row retention would remove at @at (retention_candidates, see
-- db/migrations/20251023002100_retention.sql): its table and key, model and
-- version, the environment of a deployment (empty for other rows), the moment
-- its period counts from, the period, when it expired and the policy that
-- set the period. `mlreg retention --dry-run`; needs
-- registry_admin.
SELECT c.table_name::text AS table_name, c.row_key::jsonb AS row_key, c.model_id::uuid AS model_id,
       c.model_name::text AS model_name, c.version_id::uuid AS version_id, c.semver::text AS semver,
       COALESCE(c.environment_name, '')::text AS environment_name, c.kept_since::timestamptz AS kept_since, c.keep::text AS keep,
       ((c.kept_since AT TIME ZONE 'UTC' + c.keep) AT TIME ZONE 'UTC')::timestamptz AS expired_at,
       c.policy::text AS policy
FROM retention_candidates(@at::timestamptz) AS c;

-- name: RetentionApply :many
-- Removes what RetentionCandidates lists at the transaction's start, records
-- the run (RetentionRunOfTransaction reads the record) and returns the rows
-- removed, in RetentionCandidates' columns. Run it in a READ COMMITTED
-- transaction with the actor set; needs registry_admin.
SELECT c.table_name::text AS table_name, c.row_key::jsonb AS row_key, c.model_id::uuid AS model_id,
       c.model_name::text AS model_name, c.version_id::uuid AS version_id, c.semver::text AS semver,
       COALESCE(c.environment_name, '')::text AS environment_name, c.kept_since::timestamptz AS kept_since, c.keep::text AS keep,
       ((c.kept_since AT TIME ZONE 'UTC' + c.keep) AT TIME ZONE 'UTC')::timestamptz AS expired_at,
       c.policy::text AS policy
FROM retention_apply() AS c;

-- name: RetentionRunOfTransaction :one
-- The record of the retention run this transaction made (RetentionApply).
SELECT r.retention_run_id, r.applied_at, r.txid, r.actor, r.db_user,
       r.training_runs_removed, r.run_datasets_removed, r.deployments_removed
FROM retention_runs r
WHERE r.txid = txid_current();

-- name: RetentionClock :one
-- The transaction's start: the moment a dry run counts periods back from,
-- as RetentionApply counts from its own transaction's start.
SELECT now()::timestamptz AS now;

-- name: RetentionPolicyList :many
-- The rows of the policy: the registry's default, each environment's and
-- each model's (empty where a scope names none, or a period defers).
SELECT p.policy_id, p.scope,
       COALESCE(e.environment_name, '')::text AS environment_name, COALESCE(m.model_name, '')::text AS model_name,
       COALESCE(p.keep_inactive_deployments::text, '')::text AS keep_inactive_deployments,
       COALESCE(p.keep_training_runs::text, '')::text AS keep_training_runs
FROM retention_policies p
LEFT JOIN environments e ON e.environment_id = p.environment_id
LEFT JOIN models m ON m.model_id = p.model_id
ORDER BY CASE p.scope WHEN 'default' THEN 1 WHEN 'environment' THEN 2 ELSE 3 END,
         e.environment_name, m.model_name;

-- name: RetentionBuiltInPeriods :one
-- The exercise's periods, in force where no policy row sets one.
SELECT b.keep_inactive_deployments::text AS keep_inactive_deployments, b.keep_training_runs::text AS keep_training_runs
FROM retention_built_in_periods() b;
