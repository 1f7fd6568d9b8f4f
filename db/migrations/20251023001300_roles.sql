-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Three group roles, NOLOGIN: grant them to login roles (see the docs).
-- Roles belong to the whole cluster, so they are created only if absent, and
-- a concurrent migration of another database creating them is not an error.
DO $$
DECLARE
    r TEXT;
BEGIN
    FOREACH r IN ARRAY ARRAY['registry_reader', 'registry_writer', 'registry_approver', 'registry_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END;
$$;

GRANT USAGE ON SCHEMA public TO registry_reader, registry_writer, registry_approver, registry_admin;

-- Reader: every registry table and view, except the audit trail (it holds
-- whole old rows) and users.email (personal data).
GRANT SELECT ON teams, environments, models, model_versions, datasets, experiments,
    training_runs, run_datasets, deployments, approvals, tags, model_tags, dataset_tags,
    model_aliases, deployment_traffic_locks, vw_latest_model_versions, vw_production_deployments
    TO registry_reader;
GRANT SELECT (user_id, username, display_name, team_id, created_at) ON users TO registry_reader;

-- Writer: what the workflow writes. No DDL (no CREATE on the schema), and
-- audit_log only through the audit triggers, which run as their owner.
GRANT registry_reader TO registry_writer;
GRANT SELECT ON users TO registry_writer;
GRANT INSERT, UPDATE, DELETE ON teams, users, environments, models, model_versions, datasets,
    experiments, training_runs, run_datasets, deployments, tags, model_tags,
    dataset_tags, model_aliases TO registry_writer;
-- A writer requests approvals (they start pending) but cannot decide them:
-- deciding is the approver's, so nobody deploys on an approval they granted
-- themselves through the writer role.
GRANT INSERT (version_id, approval_type, required_for_env, requested_by, requested_at, approval_notes,
    compliance_checklist, risk_assessment_score, expires_at) ON approvals TO registry_writer;
GRANT DELETE ON approvals TO registry_writer;

-- Approver: reads like a reader and decides approvals.
GRANT registry_reader TO registry_approver;
GRANT UPDATE (status, approved_by, approved_at, rejected_by, rejected_at, approval_notes, rejection_reason, expires_at)
    ON approvals TO registry_approver;
GRANT INSERT, UPDATE ON deployment_traffic_locks TO registry_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO registry_writer;

-- Admin: the writer's rights, plus reading the audit trail and sealing it.
-- Not an approver: grant registry_approver to an admin who also decides.
GRANT registry_writer TO registry_admin;
GRANT SELECT ON audit_log, audit_chain TO registry_admin;
GRANT INSERT ON audit_chain TO registry_admin;

-- Functions are executable by PUBLIC by default: keep the audit's to the
-- admin, and audit_changes (which runs as its owner) to nobody: a trigger
-- fires without EXECUTE, but a caller could attach it to a table of theirs.
REVOKE EXECUTE ON FUNCTION audit_changes() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_seal(BIGINT), audit_verify(), audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal(BIGINT), audit_verify(), audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) TO registry_admin;
-- Creating partitions needs CREATE on the schema, which the admin lacks.
ALTER FUNCTION audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) SECURITY DEFINER SET search_path = public, pg_temp;

-- migrate:down
GRANT EXECUTE ON FUNCTION audit_changes() TO PUBLIC;
ALTER FUNCTION audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) SECURITY INVOKER RESET search_path;
REVOKE EXECUTE ON FUNCTION audit_seal(BIGINT), audit_verify(), audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) FROM registry_admin;
GRANT EXECUTE ON FUNCTION audit_seal(BIGINT), audit_verify(), audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) TO PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM registry_reader, registry_writer, registry_approver, registry_admin;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM registry_reader, registry_writer, registry_approver, registry_admin;
REVOKE USAGE ON SCHEMA public FROM registry_reader, registry_writer, registry_approver, registry_admin;
-- The roles themselves stay: other databases of the cluster may use them.
