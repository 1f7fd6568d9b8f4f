-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Version lifecycle: registered -> validated -> deployed -> deprecated -> archived.
-- A status may skip ahead but never go back, with one exception: deprecated
-- may return to deployed, because rolling back to the previous release is the
-- usual answer to a bad one, and re-registering the same artifact under a new
-- semver would cut it off from its runs and approvals.
CREATE FUNCTION version_status_rank(status TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT array_position(ARRAY['registered', 'validated', 'deployed', 'deprecated', 'archived'], status)
$$;

-- enforce_version_lifecycle also keeps a version with its model (moving it
-- to another would carry its deployments past that model's traffic rule and
-- approvals), and owns the lifecycle dates: on a status change the database
-- sets them, and otherwise a caller cannot rewrite them. An INSERT may carry
-- them (an import of history); missing ones are filled.
CREATE FUNCTION enforce_version_lifecycle() RETURNS TRIGGER
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'deployed' AND NEW.promoted_to_production_at IS NULL THEN
            NEW.promoted_to_production_at := now();
        END IF;
        IF NEW.status IN ('deprecated', 'archived') AND NEW.deprecated_at IS NULL THEN
            NEW.deprecated_at := now();
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.model_id <> OLD.model_id THEN
        RAISE EXCEPTION 'version % belongs to its model: register it under the other model instead', OLD.semver
            USING ERRCODE = 'check_violation', CONSTRAINT = 'version_model_immutable', TABLE = 'model_versions';
    END IF;
    NEW.promoted_to_production_at := OLD.promoted_to_production_at;
    NEW.deprecated_at := OLD.deprecated_at;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF version_status_rank(NEW.status) < version_status_rank(OLD.status)
           AND NOT (OLD.status = 'deprecated' AND NEW.status = 'deployed') THEN
            RAISE EXCEPTION 'version % cannot move from % back to %', NEW.semver, OLD.status, NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'version_lifecycle', TABLE = 'model_versions';
        END IF;
        IF NEW.status = 'deployed' THEN
            NEW.promoted_to_production_at := COALESCE(OLD.promoted_to_production_at, now());
            NEW.deprecated_at := NULL;
            NEW.deprecation_reason := NULL;
        ELSIF NEW.status IN ('deprecated', 'archived') THEN
            NEW.deprecated_at := COALESCE(OLD.deprecated_at, now());
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER version_lifecycle
    BEFORE INSERT OR UPDATE OF status, model_id, promoted_to_production_at, deprecated_at ON model_versions
    FOR EACH ROW EXECUTE FUNCTION enforce_version_lifecycle();

-- An approval stays with the version it was granted for, and a decision,
-- once made, keeps who made it and when.
CREATE FUNCTION enforce_approval_history() RETURNS TRIGGER
    LANGUAGE plpgsql
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

CREATE TRIGGER approval_history
    BEFORE UPDATE ON approvals
    FOR EACH ROW EXECUTE FUNCTION enforce_approval_history();

-- One row per (model, environment) that has ever had an active deployment.
-- Writers of active deployments update it first: the row lock serializes
-- them under READ COMMITTED, and under REPEATABLE READ or SERIALIZABLE the
-- second writer gets a serialization failure (40001) and is retried, where an
-- advisory lock would let it sum over a snapshot taken before the wait.
CREATE TABLE deployment_traffic_locks (
    model_id UUID NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
    environment_id INTEGER NOT NULL REFERENCES environments(environment_id) ON DELETE CASCADE,
    last_change_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, environment_id)
);

CREATE INDEX idx_deployment_traffic_locks_environment ON deployment_traffic_locks(environment_id);

COMMENT ON TABLE deployment_traffic_locks IS 'Serializes changes to the active traffic of a model in an environment';

-- enforce_deployment_rules guards every deployment that is, or becomes,
-- active: its version must not be deprecated or archived; in a production
-- environment a compliance-required model needs an approved compliance
-- approval that has not expired; and the active traffic of the model in the
-- environment must not exceed 100 percent.
-- Its queries are planned for each call (force_custom_plan): PL/pgSQL
-- otherwise settles on a generic plan made while deployments was small, and
-- a bulk load then sums by scanning the whole table for every row it adds.
CREATE FUNCTION enforce_deployment_rules() RETURNS TRIGGER
    LANGUAGE plpgsql
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

    -- FOR SHARE: a concurrent archive of the version, or a change of the
    -- model's compliance flag or of the environment's type, waits for this
    -- transaction or is seen by it.
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
        -- FOR SHARE holds the approval until this transaction ends, so a
        -- concurrent revocation waits for it or is seen by it.
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

    -- A NULL traffic_percentage (the column allows it) counts as all of it.
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

CREATE TRIGGER deployment_rules
    BEFORE INSERT OR UPDATE OF status, version_id, environment_id, traffic_percentage ON deployments
    FOR EACH ROW EXECUTE FUNCTION enforce_deployment_rules();

-- migrate:down
DROP TRIGGER deployment_rules ON deployments;
DROP TRIGGER approval_history ON approvals;
DROP FUNCTION enforce_approval_history();
DROP FUNCTION enforce_deployment_rules();
DROP TABLE deployment_traffic_locks;
DROP TRIGGER version_lifecycle ON model_versions;
DROP FUNCTION enforce_version_lifecycle();
DROP FUNCTION version_status_rank(TEXT);
