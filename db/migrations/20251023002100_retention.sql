-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Retention as code (exercise Part 8.2: keep deployments 2 years, training
-- runs 1 year). The policy lives in retention_policies; retention_candidates
-- says what it expires at a moment; retention_apply removes exactly those
-- rows, records the run in retention_runs, and is the only way the record is
-- written. The audit trail keeps every removed row (its DELETE holds the
-- whole row), under the actor and the login that ran retention.

-- retention_apply runs as registry_retention_owner, which cannot log in:
-- it deletes expired runs and deployments (which a registry_admin may do
-- anyway) and writes the record of the run (which nobody else may). Same
-- rules as 20251023001600 for an existing role of that name.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_retention_owner') THEN
        BEGIN
            CREATE ROLE registry_retention_owner NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_retention_owner' AND (rolcanlogin OR rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role registry_retention_owner exists and can log in, is a superuser or bypasses row security: refusing to let it own registry functions';
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'registry_retention_owner', 'MEMBER') THEN
        GRANT registry_retention_owner TO CURRENT_USER;
    END IF;
END;
$$;

-- The policy. The exercise's periods are built in
-- (retention_built_in_periods: inactive deployments 2 years, training runs
-- 1 year); rows of retention_policies change them for the whole registry
-- (scope 'default'), an environment or a model. A period left NULL defers to
-- the less specific policy: for a deployment, its model's, else its
-- environment's, else the registry's default, else the built-in one; for a
-- training run, its model's, else the registry's default, else the built-in
-- one (a run belongs to no environment, so an environment policy has no run
-- period). Periods are at least a day: a slip of the finger ('0') must not
-- expire everything that just ended.
CREATE FUNCTION retention_built_in_periods()
    RETURNS TABLE (keep_inactive_deployments INTERVAL, keep_training_runs INTERVAL)
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$ SELECT INTERVAL '2 years', INTERVAL '1 year' $$;

COMMENT ON FUNCTION retention_built_in_periods() IS 'The exercise''s retention periods (Part 8.2), used where no policy row sets one';

CREATE TABLE retention_policies (
    policy_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope TEXT NOT NULL,
    environment_id INTEGER REFERENCES environments(environment_id) ON DELETE CASCADE,
    model_id UUID REFERENCES models(model_id) ON DELETE CASCADE,
    keep_inactive_deployments INTERVAL,
    keep_training_runs INTERVAL,
    CONSTRAINT retention_policy_scope CHECK (
        (scope = 'default' AND environment_id IS NULL AND model_id IS NULL
            AND (keep_inactive_deployments IS NOT NULL OR keep_training_runs IS NOT NULL))
        OR (scope = 'environment' AND environment_id IS NOT NULL AND model_id IS NULL
            AND keep_inactive_deployments IS NOT NULL AND keep_training_runs IS NULL)
        OR (scope = 'model' AND model_id IS NOT NULL AND environment_id IS NULL
            AND (keep_inactive_deployments IS NOT NULL OR keep_training_runs IS NOT NULL))
    ),
    CONSTRAINT retention_period_at_least_a_day CHECK (
        keep_inactive_deployments >= INTERVAL '1 day' AND keep_training_runs >= INTERVAL '1 day'
    ),
    CONSTRAINT retention_policy_environment_once UNIQUE (environment_id),
    CONSTRAINT retention_policy_model_once UNIQUE (model_id)
);

CREATE UNIQUE INDEX retention_policy_default_once ON retention_policies (scope) WHERE scope = 'default';

COMMENT ON TABLE retention_policies IS 'Retention periods of the registry (scope default), an environment or a model, over the built-in ones';
COMMENT ON COLUMN retention_policies.keep_inactive_deployments IS 'Keep an inactive or failed deployment this long after it was undeployed (deployed, if never undeployed); NULL defers';
COMMENT ON COLUMN retention_policies.keep_training_runs IS 'Keep a finished run of a retired version this long after it completed and was recorded; NULL defers';

-- Changes to the policy are audited like every registry change: shortening
-- a period removes history sooner.
CREATE OR REPLACE FUNCTION audited_tables() RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT ARRAY['teams', 'users', 'environments', 'models', 'model_versions', 'datasets',
        'experiments', 'training_runs', 'run_datasets', 'deployments', 'approvals', 'tags',
        'model_tags', 'dataset_tags', 'model_aliases', 'retention_policies']
$$;

CREATE TRIGGER audit_insert AFTER INSERT ON retention_policies REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('policy_id');
CREATE TRIGGER audit_update AFTER UPDATE ON retention_policies REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('policy_id');
CREATE TRIGGER audit_delete AFTER DELETE ON retention_policies REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('policy_id');
CREATE TRIGGER audit_truncate AFTER TRUNCATE ON retention_policies
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('policy_id');

-- The record of every retention run: who ran it (actor and login), when
-- (its transaction's start, as the audit trail's tx_time), its transaction
-- (the trail's txid: the DELETEs of the run are the trail's rows with both),
-- and how many rows of each table it removed. retention_run_models breaks the
-- counts down by model, with the oldest creation time among the rows and,
-- for deployments, the latest undeployment (NULL: one was never undeployed):
-- what a lineage report of a past moment needs to say that retention removed
-- rows it would have shown, even once the trail's months holding the DELETEs
-- are retired.
CREATE TABLE retention_runs (
    retention_run_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    applied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    txid BIGINT NOT NULL DEFAULT txid_current(),
    actor TEXT NOT NULL DEFAULT registry_actor(),
    db_user TEXT NOT NULL DEFAULT session_user,
    training_runs_removed BIGINT NOT NULL,
    run_datasets_removed BIGINT NOT NULL,
    deployments_removed BIGINT NOT NULL
);

CREATE INDEX idx_retention_runs_txid ON retention_runs (txid);

COMMENT ON TABLE retention_runs IS 'Every retention_apply: when, its transaction, who ran it, and the rows it removed per table';

CREATE TABLE retention_run_models (
    retention_run_id BIGINT NOT NULL REFERENCES retention_runs(retention_run_id),
    model_id UUID NOT NULL,
    model_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    rows_removed BIGINT NOT NULL,
    first_born_at TIMESTAMP WITH TIME ZONE,
    last_ended_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (retention_run_id, model_id, table_name),
    CONSTRAINT valid_retention_table CHECK (table_name IN ('training_runs', 'run_datasets', 'deployments'))
);

CREATE INDEX idx_retention_run_models_model ON retention_run_models (model_id);

COMMENT ON TABLE retention_run_models IS 'Rows a retention run removed, per model and table (model_id is not a foreign key: the record outlives the model)';
COMMENT ON COLUMN retention_run_models.first_born_at IS 'Oldest creation among the rows: a run''s created_at, a deployment''s deployed_at';
COMMENT ON COLUMN retention_run_models.last_ended_at IS 'Deployments: the latest undeployed_at, NULL when one was never undeployed; other tables NULL';

CREATE FUNCTION refuse_retention_record_change() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    RAISE EXCEPTION 'the record of retention runs is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER retention_runs_append_only BEFORE UPDATE OR DELETE ON retention_runs
    FOR EACH ROW EXECUTE FUNCTION refuse_retention_record_change();
CREATE TRIGGER retention_runs_no_truncate BEFORE TRUNCATE ON retention_runs
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_retention_record_change();
CREATE TRIGGER retention_run_models_append_only BEFORE UPDATE OR DELETE ON retention_run_models
    FOR EACH ROW EXECUTE FUNCTION refuse_retention_record_change();
CREATE TRIGGER retention_run_models_no_truncate BEFORE TRUNCATE ON retention_run_models
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_retention_record_change();

-- retention_candidates lists every row retention would remove at p_now, one
-- row each: the row's table and key (as the audit trail keys it; a dataset
-- link also by its role, its primary key), its model and version, the
-- environment of a deployment, when the row was created (born_at) and ended
-- (a deployment's undeployed_at, a run's completed_at), the moment its keep
-- period counts from (kept_since), the period and the policy that set it.
--
-- A deployment expires when it is inactive or failed (never active or
-- degraded: those serve traffic and the deployment rules count them) and
-- its undeployed_at, or its deployed_at if it was never undeployed, lies
-- more than its period before p_now.
--
-- A training run expires when it finished (succeeded, failed, cancelled,
-- timeout), both its completion and its record (created_at: an import of
-- old runs keeps them a full period) lie more than its period before p_now,
-- and its version no longer needs its lineage: the version is deprecated or
-- archived (not registered, validated or deployed), no alias names it now,
-- and no deployment of it is active or degraded. Its dataset links go with
-- it. Versions, approvals, datasets and every other table are never
-- removed: the governance rules read versions, approvals and serving
-- deployments, which this leaves alone.
--
-- Periods are counted on the UTC calendar, so every session agrees.
CREATE FUNCTION retention_candidates(p_now TIMESTAMP WITH TIME ZONE)
    RETURNS TABLE (table_name TEXT, row_key JSONB, model_id UUID, model_name TEXT, version_id UUID, semver TEXT,
                   environment_name TEXT, born_at TIMESTAMP WITH TIME ZONE, ended_at TIMESTAMP WITH TIME ZONE,
                   kept_since TIMESTAMP WITH TIME ZONE, keep INTERVAL, policy TEXT)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
WITH default_policy AS (
    SELECT COALESCE(p.keep_inactive_deployments, b.keep_inactive_deployments) AS keep_inactive_deployments,
           CASE WHEN p.keep_inactive_deployments IS NOT NULL THEN 'default' ELSE 'built-in' END AS deployments_policy,
           COALESCE(p.keep_training_runs, b.keep_training_runs) AS keep_training_runs,
           CASE WHEN p.keep_training_runs IS NOT NULL THEN 'default' ELSE 'built-in' END AS runs_policy
    FROM public.retention_built_in_periods() b
    LEFT JOIN public.retention_policies p ON p.scope = 'default'
),
deployment_ages AS (
    SELECT d.deployment_id, m.model_id, m.model_name, v.version_id, v.semver, e.environment_name,
           d.deployed_at AS born_at, d.undeployed_at AS ended_at,
           COALESCE(d.undeployed_at, d.deployed_at) AS kept_since,
           COALESCE(mp.keep_inactive_deployments, ep.keep_inactive_deployments, dp.keep_inactive_deployments) AS keep,
           CASE WHEN mp.keep_inactive_deployments IS NOT NULL THEN 'model ' || m.model_name
                WHEN ep.keep_inactive_deployments IS NOT NULL THEN 'environment ' || e.environment_name
                ELSE dp.deployments_policy END AS policy
    FROM public.deployments d
    JOIN public.model_versions v ON v.version_id = d.version_id
    JOIN public.models m ON m.model_id = v.model_id
    JOIN public.environments e ON e.environment_id = d.environment_id
    CROSS JOIN default_policy dp
    LEFT JOIN public.retention_policies mp ON mp.scope = 'model' AND mp.model_id = m.model_id
    LEFT JOIN public.retention_policies ep ON ep.scope = 'environment' AND ep.environment_id = d.environment_id
    WHERE d.status IN ('inactive', 'failed')
),
run_ages AS (
    SELECT r.run_id, m.model_id, m.model_name, v.version_id, v.semver,
           r.created_at AS born_at, r.completed_at AS ended_at,
           GREATEST(r.created_at, r.completed_at) AS kept_since,
           COALESCE(mp.keep_training_runs, dp.keep_training_runs) AS keep,
           CASE WHEN mp.keep_training_runs IS NOT NULL THEN 'model ' || m.model_name ELSE dp.runs_policy END AS policy
    FROM public.training_runs r
    JOIN public.model_versions v ON v.version_id = r.version_id
    JOIN public.models m ON m.model_id = v.model_id
    CROSS JOIN default_policy dp
    LEFT JOIN public.retention_policies mp ON mp.scope = 'model' AND mp.model_id = m.model_id
    WHERE r.status IN ('succeeded', 'failed', 'cancelled', 'timeout')
      AND v.status IN ('deprecated', 'archived')
      AND NOT EXISTS (SELECT 1 FROM public.model_aliases a
                       WHERE a.version_id = v.version_id AND upper_inf(a.valid_during))
      AND NOT EXISTS (SELECT 1 FROM public.deployments d
                       WHERE d.version_id = v.version_id AND d.status IN ('active', 'degraded'))
),
expired_deployments AS (
    SELECT * FROM deployment_ages x
    WHERE x.kept_since < ((p_now AT TIME ZONE 'UTC') - x.keep) AT TIME ZONE 'UTC'
),
expired_runs AS (
    SELECT * FROM run_ages x
    WHERE x.kept_since < ((p_now AT TIME ZONE 'UTC') - x.keep) AT TIME ZONE 'UTC'
)
SELECT 'deployments'::text, jsonb_build_object('deployment_id', x.deployment_id), x.model_id, x.model_name,
       x.version_id, x.semver, x.environment_name, x.born_at, x.ended_at, x.kept_since, x.keep, x.policy
FROM expired_deployments x
UNION ALL
SELECT 'training_runs'::text, jsonb_build_object('run_id', x.run_id), x.model_id, x.model_name,
       x.version_id, x.semver, NULL::text, x.born_at, x.ended_at, x.kept_since, x.keep, x.policy
FROM expired_runs x
UNION ALL
SELECT 'run_datasets'::text, jsonb_build_object('run_id', rd.run_id, 'dataset_id', rd.dataset_id, 'dataset_role', rd.dataset_role),
       x.model_id, x.model_name, x.version_id, x.semver, NULL::text, x.born_at, x.ended_at, x.kept_since, x.keep, x.policy
FROM expired_runs x
JOIN public.run_datasets rd ON rd.run_id = x.run_id
ORDER BY 1, 4, 6, 10, 2
$$;

COMMENT ON FUNCTION retention_candidates(TIMESTAMP WITH TIME ZONE) IS 'Every row retention would remove at the moment given, with the period and policy that expire it';

-- retention_apply removes what retention_candidates(now()) lists, in the
-- caller's transaction, and returns the rows it removed (the candidates'
-- columns) after recording the run in retention_runs and
-- retention_run_models. The DELETEs fire the audit triggers: the trail
-- keeps each removed row whole, under the transaction's actor and login.
--
-- Concurrent changes cannot slip a protected row in: it first locks the
-- versions whose runs expire (FOR UPDATE, which a status change, an alias
-- moved to the version, a new deployment or a deployment returning to
-- service waits for, each locking the version row), then their expired runs
-- (no dataset link can be added to them), and only then reads the candidates
-- again and deletes, each statement seeing what was committed before it. A
-- deployment changed since is rechecked by its DELETE and left alone if it
-- no longer expires. This holds in READ COMMITTED only, where each statement
-- reads afresh; under REPEATABLE READ or SERIALIZABLE it refuses to run.
-- Locks wait at most 5 seconds.
CREATE FUNCTION retention_apply()
    RETURNS TABLE (table_name TEXT, row_key JSONB, model_id UUID, model_name TEXT, version_id UUID, semver TEXT,
                   environment_name TEXT, born_at TIMESTAMP WITH TIME ZONE, ended_at TIMESTAMP WITH TIME ZONE,
                   kept_since TIMESTAMP WITH TIME ZONE, keep INTERVAL, policy TEXT)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    v_versions UUID[];
    v_runs UUID[];
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'retention_apply needs a READ COMMITTED transaction, not %: it locks what protects a row, then reads again',
            current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM set_config('lock_timeout', '5s', true);
    -- One retention run at a time.
    PERFORM pg_advisory_xact_lock(hashtextextended('retention_apply', 0));

    SELECT COALESCE(array_agg(x.version_id), '{}') INTO v_versions FROM (
        SELECT v.version_id FROM public.model_versions v
         WHERE v.version_id IN (SELECT c.version_id FROM public.retention_candidates(now()) c
                                 WHERE c.table_name = 'training_runs')
         ORDER BY v.version_id
           FOR UPDATE) x;
    SELECT COALESCE(array_agg(x.run_id), '{}') INTO v_runs FROM (
        SELECT r.run_id FROM public.training_runs r
         WHERE r.run_id IN (SELECT (c.row_key ->> 'run_id')::uuid FROM public.retention_candidates(now()) c
                             WHERE c.table_name = 'training_runs' AND c.version_id = ANY (v_versions))
         ORDER BY r.run_id
           FOR UPDATE) x;

    RETURN QUERY
    WITH candidates AS MATERIALIZED (
        SELECT c.* FROM public.retention_candidates(now()) c
        WHERE c.table_name = 'deployments' OR (c.row_key ->> 'run_id')::uuid = ANY (v_runs)
    ),
    removed_links AS (
        DELETE FROM public.run_datasets rd USING candidates c
        WHERE c.table_name = 'run_datasets'
          AND rd.run_id = (c.row_key ->> 'run_id')::uuid
          AND rd.dataset_id = (c.row_key ->> 'dataset_id')::uuid
          AND rd.dataset_role = c.row_key ->> 'dataset_role'
        RETURNING c.*
    ),
    removed_runs AS (
        DELETE FROM public.training_runs r USING candidates c
        WHERE c.table_name = 'training_runs' AND r.run_id = (c.row_key ->> 'run_id')::uuid
        RETURNING c.*
    ),
    removed_deployments AS (
        DELETE FROM public.deployments d USING candidates c
        WHERE c.table_name = 'deployments' AND d.deployment_id = (c.row_key ->> 'deployment_id')::uuid
          AND d.status IN ('inactive', 'failed')
          AND COALESCE(d.undeployed_at, d.deployed_at) = c.kept_since
        RETURNING c.*
    ),
    removed AS (
        SELECT * FROM removed_links
        UNION ALL SELECT * FROM removed_runs
        UNION ALL SELECT * FROM removed_deployments
    ),
    run_record AS (
        INSERT INTO public.retention_runs (training_runs_removed, run_datasets_removed, deployments_removed)
        SELECT count(*) FILTER (WHERE r.table_name = 'training_runs'),
               count(*) FILTER (WHERE r.table_name = 'run_datasets'),
               count(*) FILTER (WHERE r.table_name = 'deployments')
        FROM removed r
        RETURNING retention_run_id
    ),
    model_records AS (
        INSERT INTO public.retention_run_models (retention_run_id, model_id, model_name, table_name, rows_removed,
                                                 first_born_at, last_ended_at)
        SELECT (SELECT rr.retention_run_id FROM run_record rr), r.model_id, r.model_name, r.table_name, count(*),
               min(r.born_at),
               CASE WHEN r.table_name = 'deployments' AND bool_and(r.ended_at IS NOT NULL) THEN max(r.ended_at) END
        FROM removed r
        GROUP BY r.model_id, r.model_name, r.table_name
    )
    SELECT r.* FROM removed r
    ORDER BY 1, 4, 6, 10, 2;
END;
$$;

COMMENT ON FUNCTION retention_apply() IS 'Removes what retention_candidates(now()) lists, records the run, returns the rows removed';

-- Who may do what. The policy: readers see it, the admin changes it (and is
-- audited). The record: the admin reads it; only retention_apply writes it.
-- Retention itself: the admin, through retention_apply.
GRANT SELECT ON retention_policies TO registry_reader;
GRANT INSERT, UPDATE, DELETE ON retention_policies TO registry_admin;
GRANT SELECT ON retention_runs, retention_run_models TO registry_admin;
REVOKE EXECUTE ON FUNCTION refuse_retention_record_change(), retention_built_in_periods() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION retention_built_in_periods() TO registry_reader, registry_retention_owner;
REVOKE EXECUTE ON FUNCTION retention_candidates(TIMESTAMP WITH TIME ZONE), retention_apply() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION retention_candidates(TIMESTAMP WITH TIME ZONE), retention_apply() TO registry_admin;

-- retention_apply's own rights: read what decides a candidate, lock the
-- versions and runs it removes rows of (FOR UPDATE needs UPDATE on a
-- column, which it never uses to update), delete expired rows.
GRANT SELECT ON models, model_versions, model_aliases, environments, deployments, training_runs,
    run_datasets, retention_policies TO registry_retention_owner;
GRANT UPDATE (version_id) ON model_versions TO registry_retention_owner;
GRANT UPDATE (run_id) ON training_runs TO registry_retention_owner;
GRANT DELETE ON training_runs, run_datasets, deployments TO registry_retention_owner;
GRANT EXECUTE ON FUNCTION retention_candidates(TIMESTAMP WITH TIME ZONE) TO registry_retention_owner;
-- Changing an owner needs the new owner to have CREATE on the schema (for a
-- migrator that is not a superuser); it is taken back at once.
GRANT CREATE ON SCHEMA public TO registry_retention_owner;
ALTER TABLE retention_runs OWNER TO registry_retention_owner;
ALTER TABLE retention_run_models OWNER TO registry_retention_owner;
ALTER FUNCTION retention_apply() OWNER TO registry_retention_owner;
REVOKE CREATE ON SCHEMA public FROM registry_retention_owner;

-- migrate:down
DROP FUNCTION retention_apply();
DROP FUNCTION retention_candidates(TIMESTAMP WITH TIME ZONE);
DROP TABLE retention_run_models;
DROP TABLE retention_runs;
DROP FUNCTION refuse_retention_record_change();
DROP TABLE retention_policies;
DROP FUNCTION retention_built_in_periods();
CREATE OR REPLACE FUNCTION audited_tables() RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT ARRAY['teams', 'users', 'environments', 'models', 'model_versions', 'datasets',
        'experiments', 'training_runs', 'run_datasets', 'deployments', 'approvals', 'tags',
        'model_tags', 'dataset_tags', 'model_aliases']
$$;
REVOKE ALL ON models, model_versions, model_aliases, environments, deployments, training_runs, run_datasets
    FROM registry_retention_owner;
-- The role stays: other databases of the cluster may use it.
