-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Whether the current role may lower a governance setting: a member of
-- registry_admin, or the owner of the table (the migrator; also the role a
-- foreign key's cascade runs as, so a cascade from a change that was itself
-- allowed is allowed). Superusers pass both.
CREATE FUNCTION registry_admin_or_owner(rel REGCLASS) RETURNS BOOLEAN
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT pg_has_role(current_user, 'registry_admin', 'USAGE')
        OR pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = rel), 'USAGE')
$$;

COMMENT ON FUNCTION registry_admin_or_owner(REGCLASS) IS 'Whether the current role is registry_admin or owns the table: who may lower governance';
GRANT EXECUTE ON FUNCTION registry_admin_or_owner(REGCLASS) TO PUBLIC;

-- A version has a history once it left 'registered', has a decided
-- approval, or an alias ever named it. Deleting it (and inserting it again
-- under the same id) would rewrite that history.
CREATE FUNCTION version_has_history(p_version_id UUID, p_status TEXT) RETURNS BOOLEAN
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT p_status IS DISTINCT FROM 'registered'
        OR EXISTS (SELECT 1 FROM public.approvals a WHERE a.version_id = p_version_id AND a.status <> 'pending')
        OR EXISTS (SELECT 1 FROM public.model_aliases ma WHERE ma.version_id = p_version_id)
$$;

COMMENT ON FUNCTION version_has_history(UUID, TEXT) IS 'Whether a version left registered, has a decided approval or an alias period';
GRANT EXECUTE ON FUNCTION version_has_history(UUID, TEXT) TO registry_writer;

-- The gate, fail-closed and with rights of its own. It is SECURITY DEFINER
-- (owned by registry_rules_owner, see below) because it locks the approval
-- it relies on FOR SHARE, which needs UPDATE rights on approvals that a
-- writer must not have; it names every table with its schema and refuses a
-- row whose version or environment it cannot find instead of letting it
-- through. Both statuses that serve traffic, active and degraded, pass the
-- gate and count toward the 100 percent. A deployment becomes serving when it
-- is inserted serving, updated from a status that does not serve, restored
-- from degraded to active, or moved to another version or environment.
CREATE OR REPLACE FUNCTION enforce_deployment_rules() RETURNS TRIGGER
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    v_model_id UUID;
    v_model_name TEXT;
    v_compliance BOOLEAN;
    v_semver TEXT;
    v_version_status TEXT;
    v_env_name TEXT;
    v_env_type TEXT;
    v_total BIGINT;
    v_becomes_serving BOOLEAN;
BEGIN
    IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> 'deployments' OR TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION 'enforce_deployment_rules guards public.deployments only, not %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status IS NULL OR NEW.status NOT IN ('active', 'degraded') THEN
        RETURN NEW;
    END IF;
    v_becomes_serving := TG_OP = 'INSERT'
        OR OLD.status IS NULL OR OLD.status NOT IN ('active', 'degraded')
        OR (OLD.status = 'degraded' AND NEW.status = 'active')
        OR OLD.version_id IS DISTINCT FROM NEW.version_id
        OR OLD.environment_id IS DISTINCT FROM NEW.environment_id;

    -- FOR SHARE: a concurrent archive of the version, or a change of the
    -- model's compliance flag or of the environment's type, waits for this
    -- transaction or is seen by it.
    SELECT m.model_id, m.model_name, COALESCE(m.compliance_required, FALSE), mv.semver, mv.status
      INTO v_model_id, v_model_name, v_compliance, v_semver, v_version_status
      FROM public.model_versions mv JOIN public.models m ON m.model_id = mv.model_id
     WHERE mv.version_id = NEW.version_id
       FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'deployment names version %, which does not exist', NEW.version_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'deployments_version_id_fkey', TABLE = 'deployments';
    END IF;
    SELECT e.environment_name, e.environment_type INTO v_env_name, v_env_type
      FROM public.environments e WHERE e.environment_id = NEW.environment_id
       FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'deployment names environment %, which does not exist', NEW.environment_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'deployments_environment_id_fkey', TABLE = 'deployments';
    END IF;

    IF v_becomes_serving AND v_version_status IN ('deprecated', 'archived') THEN
        RAISE EXCEPTION 'model % version % is %: it cannot get an active deployment', v_model_name, v_semver, v_version_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'deployment_of_retired_version', TABLE = 'deployments';
    END IF;

    IF v_becomes_serving AND v_env_type = 'production' AND v_compliance THEN
        -- FOR SHARE holds the approval until this transaction ends, so a
        -- concurrent revocation waits for it or is seen by it.
        PERFORM 1 FROM public.approvals a
          WHERE a.version_id = NEW.version_id
            AND a.approval_type = 'compliance'
            AND a.status = 'approved'
            AND (a.expires_at IS NULL OR a.expires_at > clock_timestamp())
          FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model % version % needs an approved, unexpired compliance approval before it is deployed to production environment %',
                v_model_name, v_semver, v_env_name
                USING ERRCODE = 'check_violation', CONSTRAINT = 'deployment_requires_approval', TABLE = 'deployments';
        END IF;
    END IF;

    INSERT INTO public.deployment_traffic_locks AS l (model_id, environment_id)
    VALUES (v_model_id, NEW.environment_id)
    ON CONFLICT (model_id, environment_id) DO UPDATE SET last_change_at = now();

    -- A NULL traffic_percentage (the column allows it) counts as all of it.
    SELECT COALESCE(sum(COALESCE(d.traffic_percentage, 100)), 0) INTO v_total
      FROM public.deployments d JOIN public.model_versions mv ON mv.version_id = d.version_id
     WHERE mv.model_id = v_model_id
       AND d.environment_id = NEW.environment_id
       AND d.status IN ('active', 'degraded')
       AND d.deployment_id IS DISTINCT FROM NEW.deployment_id
       AND (TG_OP = 'INSERT' OR d.deployment_id IS DISTINCT FROM OLD.deployment_id);
    IF v_total + COALESCE(NEW.traffic_percentage, 100) > 100 THEN
        RAISE EXCEPTION 'model % would have % percent active traffic in environment % (at most 100)',
            v_model_name, v_total + COALESCE(NEW.traffic_percentage, 100), v_env_name
            USING ERRCODE = 'check_violation', CONSTRAINT = 'deployment_traffic_within_100', TABLE = 'deployments';
    END IF;
    RETURN NEW;
END;
$$;

-- The gate's own rights: read what it checks, lock it FOR SHARE (UPDATE of
-- one column, which it never uses to update), and the traffic lock rows.
GRANT SELECT ON models, model_versions, environments, approvals, deployments TO registry_rules_owner;
GRANT UPDATE (model_id) ON models TO registry_rules_owner;
GRANT UPDATE (version_id) ON model_versions TO registry_rules_owner;
GRANT UPDATE (environment_id) ON environments TO registry_rules_owner;
GRANT UPDATE (approval_id) ON approvals TO registry_rules_owner;
GRANT SELECT, INSERT, UPDATE ON deployment_traffic_locks TO registry_rules_owner;
-- Changing an owner needs the new owner to have CREATE on the schema (for a
-- migrator that is not a superuser); it is taken back at once.
GRANT CREATE ON SCHEMA public TO registry_rules_owner;
ALTER FUNCTION enforce_deployment_rules() OWNER TO registry_rules_owner;
REVOKE CREATE ON SCHEMA public FROM registry_rules_owner;
-- Writers change traffic through deployments, and the gate upserts the
-- lock rows as its owner.
REVOKE INSERT, UPDATE ON deployment_traffic_locks FROM registry_writer;

-- The sum now reads active and degraded deployments.
-- squawk flags the lock held while the index builds: deployments has one row
-- per deployment ever made (300,000 at the benchmark's large size, built in
-- well under a second), and the transaction of a migration cannot build it
-- CONCURRENTLY.
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX idx_deployments_serving ON deployments(environment_id, version_id)
    WHERE status IN ('active', 'degraded');

-- Lowering a governance setting needs registry_admin (and is audited like
-- every change): turning a model's compliance_required off, deleting a
-- compliance-required model or one whose versions have a history.
CREATE FUNCTION enforce_model_governance() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    v_semver TEXT;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF COALESCE(NEW.compliance_required, FALSE) < COALESCE(OLD.compliance_required, FALSE)
           AND NOT public.registry_admin_or_owner(TG_RELID) THEN
            RAISE EXCEPTION 'model %: turning compliance_required off needs registry_admin', OLD.model_name
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_needs_admin', TABLE = 'models';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT public.registry_admin_or_owner(TG_RELID) THEN
        IF COALESCE(OLD.compliance_required, FALSE) THEN
            RAISE EXCEPTION 'model % requires compliance approval: deleting it needs registry_admin', OLD.model_name
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_needs_admin', TABLE = 'models';
        END IF;
        SELECT v.semver INTO v_semver FROM public.model_versions v
         WHERE v.model_id = OLD.model_id AND public.version_has_history(v.version_id, v.status)
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'model %: version % has a history (past registered, a decided approval or an alias): deleting the model needs registry_admin',
                OLD.model_name, v_semver
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_needs_admin', TABLE = 'models';
        END IF;
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER model_governance
    BEFORE UPDATE OF compliance_required OR DELETE ON models
    FOR EACH ROW EXECUTE FUNCTION enforce_model_governance();

-- A version with a history is retired (archived), not deleted: DELETE and
-- INSERT of the same version_id would move its status backwards.
CREATE FUNCTION enforce_version_history() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF NOT public.registry_admin_or_owner(TG_RELID) AND public.version_has_history(OLD.version_id, OLD.status) THEN
        RAISE EXCEPTION 'version % is %, or has a decided approval or an alias period: it is kept (archive it); deleting it needs registry_admin',
            OLD.semver, OLD.status
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_needs_admin', TABLE = 'model_versions';
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER version_history
    BEFORE DELETE ON model_versions
    FOR EACH ROW EXECUTE FUNCTION enforce_version_history();

-- An environment's type is what the gate keys on: changing it, and deleting
-- a production environment, need registry_admin. Turning an environment into
-- a production one is refused while a compliance-required model serves there
-- without a current approval, as deploying it there would be; turning one
-- away from production leaves its deployments as they are.
CREATE FUNCTION enforce_environment_governance() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    v_model TEXT;
    v_semver TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.environment_type = 'production' AND NOT public.registry_admin_or_owner(TG_RELID) THEN
            RAISE EXCEPTION 'environment % is a production environment: deleting it needs registry_admin', OLD.environment_name
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_needs_admin', TABLE = 'environments';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.environment_type IS NOT DISTINCT FROM OLD.environment_type THEN
        RETURN NEW;
    END IF;
    IF NOT public.registry_admin_or_owner(TG_RELID) THEN
        RAISE EXCEPTION 'environment %: changing its type from % to % needs registry_admin',
            OLD.environment_name, OLD.environment_type, NEW.environment_type
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_needs_admin', TABLE = 'environments';
    END IF;
    IF NEW.environment_type = 'production' THEN
        SELECT m.model_name, mv.semver INTO v_model, v_semver
          FROM public.deployments d
          JOIN public.model_versions mv ON mv.version_id = d.version_id
          JOIN public.models m ON m.model_id = mv.model_id
         WHERE d.environment_id = OLD.environment_id
           AND d.status IN ('active', 'degraded')
           AND COALESCE(m.compliance_required, FALSE)
           AND NOT EXISTS (
               SELECT 1 FROM public.approvals a
                WHERE a.version_id = d.version_id AND a.approval_type = 'compliance' AND a.status = 'approved'
                  AND (a.expires_at IS NULL OR a.expires_at > clock_timestamp()))
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'environment % cannot become a production environment: model % version % serves there without an approved, unexpired compliance approval',
                OLD.environment_name, v_model, v_semver
                USING ERRCODE = 'check_violation', CONSTRAINT = 'deployment_requires_approval', TABLE = 'environments';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER environment_governance
    BEFORE UPDATE OF environment_type OR DELETE ON environments
    FOR EACH ROW EXECUTE FUNCTION enforce_environment_governance();

-- Approvals: pending becomes approved, rejected or expired; approved becomes
-- expired (revoked or past its date). Nothing else: a rejected or expired
-- (revoked) approval stays what it is, and an approved one keeps who
-- approved it and when, and its expiry only comes sooner. The decision's
-- time is the transaction's (approved_at, rejected_at are set, not taken
-- from the caller). A decided approval is kept: a writer may withdraw
-- (delete) a pending request only.
CREATE OR REPLACE FUNCTION enforce_approval_history() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'pending' AND NOT public.registry_admin_or_owner(TG_RELID) THEN
            RAISE EXCEPTION 'approval % was decided (%): it is kept; deleting it needs registry_admin', OLD.approval_id, OLD.status
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_needs_admin', TABLE = 'approvals';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.version_id <> OLD.version_id THEN
        RAISE EXCEPTION 'an approval belongs to its version: request a new one for the other version'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'approval_version_immutable', TABLE = 'approvals';
    END IF;
    IF OLD.status = 'pending' THEN
        -- The database dates a decision, as it dates a version's lifecycle.
        IF NEW.status = 'approved' THEN
            NEW.approved_at := now();
        ELSIF NEW.status = 'rejected' THEN
            NEW.rejected_at := now();
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.approved_by IS DISTINCT FROM OLD.approved_by OR NEW.approved_at IS DISTINCT FROM OLD.approved_at
       OR NEW.rejected_by IS DISTINCT FROM OLD.rejected_by OR NEW.rejected_at IS DISTINCT FROM OLD.rejected_at
       OR NOT (NEW.status = OLD.status OR (OLD.status = 'approved' AND NEW.status = 'expired'))
       -- rejected or expired: the decision, its reason and its date stay
       OR (OLD.status <> 'approved' AND (NEW.expires_at IS DISTINCT FROM OLD.expires_at
                                         OR NEW.rejection_reason IS DISTINCT FROM OLD.rejection_reason))
       -- still approved: the expiry may only come sooner
       OR (NEW.status = 'approved' AND NEW.expires_at IS DISTINCT FROM OLD.expires_at
           AND (NEW.expires_at IS NULL OR NEW.expires_at > OLD.expires_at))
       -- revoked or expired now: it ends no later than now
       OR (OLD.status = 'approved' AND NEW.status = 'expired' AND NEW.expires_at IS DISTINCT FROM OLD.expires_at
           AND (NEW.expires_at IS NULL OR NEW.expires_at > clock_timestamp())) THEN
        RAISE EXCEPTION 'approval % was decided (%): its decision cannot be rewritten; request a new one', OLD.approval_id, OLD.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'approval_decision_final', TABLE = 'approvals';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER approval_history ON approvals;
CREATE TRIGGER approval_history
    BEFORE UPDATE OR DELETE ON approvals
    FOR EACH ROW EXECUTE FUNCTION enforce_approval_history();

REVOKE EXECUTE ON FUNCTION enforce_model_governance(), enforce_version_history(), enforce_environment_governance() FROM PUBLIC;

-- migrate:down
DROP TRIGGER approval_history ON approvals;
CREATE TRIGGER approval_history
    BEFORE UPDATE ON approvals
    FOR EACH ROW EXECUTE FUNCTION enforce_approval_history();
CREATE OR REPLACE FUNCTION enforce_approval_history() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF NEW.version_id <> OLD.version_id THEN
        RAISE EXCEPTION 'an approval belongs to its version: request a new one for the other version'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'approval_version_immutable', TABLE = 'approvals';
    END IF;
    IF OLD.status <> 'pending' AND (NEW.approved_by IS DISTINCT FROM OLD.approved_by OR NEW.approved_at IS DISTINCT FROM OLD.approved_at
        OR NEW.rejected_by IS DISTINCT FROM OLD.rejected_by OR NEW.rejected_at IS DISTINCT FROM OLD.rejected_at
        OR (NEW.status = 'approved' AND OLD.status <> 'approved')) THEN
        RAISE EXCEPTION 'approval % was decided (%): its decision cannot be rewritten; request a new one', OLD.approval_id, OLD.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'approval_decision_final', TABLE = 'approvals';
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER environment_governance ON environments;
DROP FUNCTION enforce_environment_governance();
DROP TRIGGER version_history ON model_versions;
DROP FUNCTION enforce_version_history();
DROP TRIGGER model_governance ON models;
DROP FUNCTION enforce_model_governance();
-- A migration's transaction cannot drop it CONCURRENTLY; the drop is brief.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX idx_deployments_serving;
GRANT INSERT, UPDATE ON deployment_traffic_locks TO registry_writer;
ALTER FUNCTION enforce_deployment_rules() OWNER TO CURRENT_USER;
CREATE OR REPLACE FUNCTION enforce_deployment_rules() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    v_model_id UUID;
    v_model_name TEXT;
    v_compliance BOOLEAN;
    v_semver TEXT;
    v_version_status TEXT;
    v_env_name TEXT;
    v_env_type TEXT;
    v_total BIGINT;
    v_becomes_active BOOLEAN;
BEGIN
    IF NEW.status <> 'active' THEN
        RETURN NEW;
    END IF;
    v_becomes_active := TG_OP = 'INSERT'
        OR OLD.status <> 'active'
        OR OLD.version_id <> NEW.version_id
        OR OLD.environment_id <> NEW.environment_id;

    SELECT m.model_id, m.model_name, COALESCE(m.compliance_required, FALSE), mv.semver, mv.status
      INTO v_model_id, v_model_name, v_compliance, v_semver, v_version_status
      FROM model_versions mv JOIN models m ON m.model_id = mv.model_id
     WHERE mv.version_id = NEW.version_id
       FOR SHARE;
    SELECT e.environment_name, e.environment_type INTO v_env_name, v_env_type
      FROM environments e WHERE e.environment_id = NEW.environment_id
       FOR SHARE;
    IF v_model_id IS NULL OR v_env_name IS NULL THEN
        RETURN NEW;  -- the foreign keys report it
    END IF;

    IF v_becomes_active AND v_version_status IN ('deprecated', 'archived') THEN
        RAISE EXCEPTION 'model % version % is %: it cannot get an active deployment', v_model_name, v_semver, v_version_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'deployment_of_retired_version', TABLE = 'deployments';
    END IF;

    IF v_becomes_active AND v_env_type = 'production' AND v_compliance THEN
        PERFORM 1 FROM approvals a
          WHERE a.version_id = NEW.version_id
            AND a.approval_type = 'compliance'
            AND a.status = 'approved'
            AND (a.expires_at IS NULL OR a.expires_at > clock_timestamp())
          FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model % version % needs an approved, unexpired compliance approval before it is deployed to production environment %',
                v_model_name, v_semver, v_env_name
                USING ERRCODE = 'check_violation', CONSTRAINT = 'deployment_requires_approval', TABLE = 'deployments';
        END IF;
    END IF;

    INSERT INTO deployment_traffic_locks AS l (model_id, environment_id)
    VALUES (v_model_id, NEW.environment_id)
    ON CONFLICT (model_id, environment_id) DO UPDATE SET last_change_at = now();

    SELECT COALESCE(sum(COALESCE(d.traffic_percentage, 100)), 0) INTO v_total
      FROM deployments d JOIN model_versions mv ON mv.version_id = d.version_id
     WHERE mv.model_id = v_model_id
       AND d.environment_id = NEW.environment_id
       AND d.status = 'active'
       AND d.deployment_id <> NEW.deployment_id;
    IF v_total + COALESCE(NEW.traffic_percentage, 100) > 100 THEN
        RAISE EXCEPTION 'model % would have % percent active traffic in environment % (at most 100)',
            v_model_name, v_total + COALESCE(NEW.traffic_percentage, 100), v_env_name
            USING ERRCODE = 'check_violation', CONSTRAINT = 'deployment_traffic_within_100', TABLE = 'deployments';
    END IF;
    RETURN NEW;
END;
$$;
REVOKE ALL ON deployment_traffic_locks FROM registry_rules_owner;
REVOKE ALL ON models, model_versions, environments, approvals, deployments FROM registry_rules_owner;
DROP FUNCTION version_has_history(UUID, TEXT);
DROP FUNCTION registry_admin_or_owner(REGCLASS);
