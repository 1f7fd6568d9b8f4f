-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Two more NOLOGIN roles own what must run with rights its callers lack
-- (SECURITY DEFINER), so that such code never runs as the migrator, who may
-- be a superuser: registry_rules_owner the deployment gate and the alias
-- functions, registry_audit_owner the audit trail and its functions. Nobody
-- logs in as them; the migrator is made a member (a superuser needs not be)
-- so that it can hand objects to them and take them back. Roles belong to
-- the whole cluster: an existing one is used only if it cannot log in and is
-- not a superuser.
DO $$
DECLARE
    r TEXT;
BEGIN
    FOREACH r IN ARRAY ARRAY['registry_rules_owner', 'registry_audit_owner'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r AND (rolcanlogin OR rolsuper OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role % exists and can log in, is a superuser or bypasses row security: refusing to let it own registry functions', r;
        END IF;
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           AND NOT pg_has_role(current_user, r, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', r, current_user);
        END IF;
    END LOOP;
END;
$$;

-- PostgreSQL 15 no longer lets PUBLIC create objects in schema public; a
-- database upgraded from an older version still does. Nobody but the
-- migrator creates objects here.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Functions are executable by PUBLIC unless revoked; from now on a function
-- the migrator creates is not, and each migration grants what its roles call.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Every function resolves names in pg_catalog, then public, then pg_temp:
-- a caller's temporary table (pg_temp is otherwise searched first for
-- relations and types) or search_path can never stand in for a registry
-- table. pg_temp is never searched for functions and operators.
ALTER FUNCTION user_id_for(TEXT) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION link_user() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION semver_sort_key(TEXT) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION update_updated_at_column() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION version_status_rank(TEXT) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION enforce_version_lifecycle() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION enforce_approval_history() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION enforce_deployment_rules() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION move_model_alias(UUID, TEXT, UUID) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION remove_model_alias(UUID, TEXT) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION keep_alias_history() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION refuse_audit_change() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION registry_actor() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_changes() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audited_tables() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_row_key(JSONB, TEXT[]) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_row_content(audit_log) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_seal(BIGINT) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_verify() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_transactions_finished_before(BIGINT) SET search_path = pg_catalog, public, pg_temp;

-- The statistics functions named the registry's schema as current_schema(),
-- which a pinned search_path turns into pg_catalog: they name it instead.
CREATE OR REPLACE FUNCTION registry_index_usage()
RETURNS TABLE (table_name TEXT, index_name TEXT, idx_scan BIGINT, idx_tup_read BIGINT, idx_tup_fetch BIGINT)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT relname::text, indexrelname::text, idx_scan, idx_tup_read, idx_tup_fetch
    FROM pg_stat_user_indexes
    WHERE schemaname = 'public'
$$;

CREATE OR REPLACE FUNCTION registry_sequential_scans()
RETURNS TABLE (table_name TEXT, seq_scan BIGINT, seq_tup_read BIGINT, avg_rows_per_scan BIGINT)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT relname::text, seq_scan, seq_tup_read, seq_tup_read / seq_scan
    FROM pg_stat_user_tables
    WHERE schemaname = 'public' AND seq_scan > 0
$$;

CREATE OR REPLACE FUNCTION registry_table_sizes()
RETURNS TABLE (table_name TEXT, total_bytes BIGINT, table_bytes BIGINT, index_bytes BIGINT)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT c.relname::text, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
           pg_total_relation_size(c.oid) - pg_relation_size(c.oid)
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
$$;

-- Trigger functions are called by their triggers, which need no EXECUTE;
-- with it, a caller could attach one to a table of its own. user_id_for
-- matches e-mail addresses, which the reader may not read: link_user (run
-- by writers' inserts) calls it, nobody else.
REVOKE EXECUTE ON FUNCTION link_user(), update_updated_at_column(), enforce_version_lifecycle(),
    enforce_approval_history(), enforce_deployment_rules(), keep_alias_history(), refuse_audit_change()
    FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION user_id_for(TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION user_id_for(TEXT) TO registry_writer;
-- move_model_alias and remove_model_alias are the writer's (see
-- 20251023001800); nobody else moves aliases.
REVOKE EXECUTE ON FUNCTION move_model_alias(UUID, TEXT, UUID), remove_model_alias(UUID, TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION move_model_alias(UUID, TEXT, UUID), remove_model_alias(UUID, TEXT) TO registry_writer;

-- Views read their tables with the rights of whoever queries them, never
-- with the migrator's.
ALTER VIEW vw_latest_model_versions SET (security_invoker = true);
ALTER VIEW vw_production_deployments SET (security_invoker = true);

-- migrate:down
ALTER VIEW vw_production_deployments RESET (security_invoker);
ALTER VIEW vw_latest_model_versions RESET (security_invoker);
GRANT EXECUTE ON FUNCTION move_model_alias(UUID, TEXT, UUID), remove_model_alias(UUID, TEXT) TO PUBLIC;
REVOKE EXECUTE ON FUNCTION move_model_alias(UUID, TEXT, UUID), remove_model_alias(UUID, TEXT) FROM registry_writer;
REVOKE EXECUTE ON FUNCTION user_id_for(TEXT) FROM registry_writer;
GRANT EXECUTE ON FUNCTION user_id_for(TEXT) TO PUBLIC;
GRANT EXECUTE ON FUNCTION link_user(), update_updated_at_column(), enforce_version_lifecycle(),
    enforce_approval_history(), enforce_deployment_rules(), keep_alias_history(), refuse_audit_change()
    TO PUBLIC;
CREATE OR REPLACE FUNCTION registry_table_sizes()
RETURNS TABLE (table_name TEXT, total_bytes BIGINT, table_bytes BIGINT, index_bytes BIGINT)
LANGUAGE sql STABLE
AS $$
    SELECT c.relname::text, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
           pg_total_relation_size(c.oid) - pg_relation_size(c.oid)
    FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
$$;
CREATE OR REPLACE FUNCTION registry_sequential_scans()
RETURNS TABLE (table_name TEXT, seq_scan BIGINT, seq_tup_read BIGINT, avg_rows_per_scan BIGINT)
LANGUAGE sql STABLE
AS $$
    SELECT relname::text, seq_scan, seq_tup_read, seq_tup_read / seq_scan
    FROM pg_stat_user_tables
    WHERE schemaname = current_schema() AND seq_scan > 0
$$;
CREATE OR REPLACE FUNCTION registry_index_usage()
RETURNS TABLE (table_name TEXT, index_name TEXT, idx_scan BIGINT, idx_tup_read BIGINT, idx_tup_fetch BIGINT)
LANGUAGE sql STABLE
AS $$
    SELECT relname::text, indexrelname::text, idx_scan, idx_tup_read, idx_tup_fetch
    FROM pg_stat_user_indexes
    WHERE schemaname = current_schema()
$$;
ALTER FUNCTION audit_transactions_finished_before(BIGINT) RESET search_path;
ALTER FUNCTION audit_verify() RESET search_path;
ALTER FUNCTION audit_seal(BIGINT) RESET search_path;
ALTER FUNCTION audit_row_content(audit_log) RESET search_path;
ALTER FUNCTION audit_row_key(JSONB, TEXT[]) RESET search_path;
ALTER FUNCTION audited_tables() RESET search_path;
ALTER FUNCTION audit_changes() SET search_path = public, pg_temp;
ALTER FUNCTION registry_actor() RESET search_path;
ALTER FUNCTION refuse_audit_change() RESET search_path;
ALTER FUNCTION audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) SET search_path = public, pg_temp;
ALTER FUNCTION keep_alias_history() RESET search_path;
ALTER FUNCTION remove_model_alias(UUID, TEXT) RESET search_path;
ALTER FUNCTION move_model_alias(UUID, TEXT, UUID) RESET search_path;
ALTER FUNCTION enforce_deployment_rules() RESET search_path;
ALTER FUNCTION enforce_approval_history() RESET search_path;
ALTER FUNCTION enforce_version_lifecycle() RESET search_path;
ALTER FUNCTION version_status_rank(TEXT) RESET search_path;
ALTER FUNCTION update_updated_at_column() RESET search_path;
ALTER FUNCTION semver_sort_key(TEXT) RESET search_path;
ALTER FUNCTION link_user() RESET search_path;
ALTER FUNCTION user_id_for(TEXT) RESET search_path;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
-- CREATE on schema public stays revoked from PUBLIC (PostgreSQL 15's own
-- default), and the two owner roles stay: other databases may use them.
