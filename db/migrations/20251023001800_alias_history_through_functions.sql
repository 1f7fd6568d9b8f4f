-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- One row per (model, alias) ever moved: move_model_alias and
-- remove_model_alias lock it (an upsert, like deployment_traffic_locks) to
-- queue concurrent moves of one alias. An advisory lock did this before, but
-- any role may take any advisory key for as long as its session lasts; only
-- the functions' owner may lock these rows.
CREATE TABLE model_alias_locks (
    model_id UUID NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    last_change_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, alias)
);

COMMENT ON TABLE model_alias_locks IS 'Serializes moves of one alias of a model';

GRANT SELECT ON model_alias_locks TO registry_reader;

-- The alias history is written only through these two functions, which run
-- as registry_rules_owner: writers may call them but not INSERT, UPDATE or
-- DELETE model_aliases themselves, so a period starts when it is opened,
-- names the actor of the transaction that opened it, and ends when it is
-- closed. Under READ COMMITTED concurrent moves of one alias queue on the
-- lock row; under REPEATABLE READ or SERIALIZABLE the later one fails with
-- 40001, which registry.WithTx retries.
CREATE OR REPLACE FUNCTION move_model_alias(p_model_id UUID, p_alias TEXT, p_version_id UUID)
    RETURNS model_aliases
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    current_row public.model_aliases;
    new_row public.model_aliases;
    moved_at TIMESTAMP WITH TIME ZONE;
BEGIN
    -- model_aliases' own CHECK and foreign key, reported before the lock
    -- row is written (an alias too long for the lock's index would fail there).
    IF p_alias IS NULL OR p_alias !~ '^[a-z][a-z0-9_-]{0,62}$' THEN
        RAISE EXCEPTION 'new row for relation "model_aliases" violates check constraint "valid_alias"'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'valid_alias', TABLE = 'model_aliases';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.models m WHERE m.model_id = p_model_id) THEN
        RAISE EXCEPTION 'insert or update on table "model_aliases" violates foreign key constraint "model_aliases_model_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'model_aliases_model_id_fkey', TABLE = 'model_aliases';
    END IF;
    INSERT INTO public.model_alias_locks AS l (model_id, alias) VALUES (p_model_id, p_alias)
    ON CONFLICT (model_id, alias) DO UPDATE SET last_change_at = clock_timestamp();
    moved_at := clock_timestamp();
    SELECT * INTO current_row FROM public.model_aliases a
     WHERE a.model_id = p_model_id AND a.alias = p_alias AND upper_inf(a.valid_during)
       FOR UPDATE;
    IF FOUND AND current_row.version_id = p_version_id THEN
        RETURN current_row;
    END IF;
    IF FOUND THEN
        UPDATE public.model_aliases a SET valid_during = tstzrange(lower(a.valid_during), moved_at)
         WHERE a.alias_id = current_row.alias_id;
    END IF;
    INSERT INTO public.model_aliases (model_id, alias, version_id, valid_during, set_by)
    VALUES (p_model_id, p_alias, p_version_id, tstzrange(moved_at, NULL), public.registry_actor())
    RETURNING * INTO new_row;
    RETURN new_row;
END;
$$;

CREATE OR REPLACE FUNCTION remove_model_alias(p_model_id UUID, p_alias TEXT)
    RETURNS SETOF model_aliases
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    -- An alias that cannot exist names nothing: nothing to lock or close.
    IF p_alias IS NULL OR p_alias !~ '^[a-z][a-z0-9_-]{0,62}$'
       OR NOT EXISTS (SELECT 1 FROM public.models m WHERE m.model_id = p_model_id) THEN
        RETURN;
    END IF;
    INSERT INTO public.model_alias_locks AS l (model_id, alias) VALUES (p_model_id, p_alias)
    ON CONFLICT (model_id, alias) DO UPDATE SET last_change_at = clock_timestamp();
    RETURN QUERY
    UPDATE public.model_aliases a SET valid_during = tstzrange(lower(a.valid_during), clock_timestamp())
     WHERE a.model_id = p_model_id AND a.alias = p_alias AND upper_inf(a.valid_during)
    RETURNING *;
END;
$$;

-- The history is kept, for every role (the table owner included; only
-- disabling the trigger gets past it, and the audit trail records the rows):
-- a new period is open and starts now (no back-dating) and names the actor
-- of the transaction; a period may only be closed, at a moment already past;
-- a row goes only when its model or version is gone (the foreign keys'
-- cascades). That last test is on the data, not on pg_trigger_depth(), which
-- a caller's own trigger on a temporary table also raises.
CREATE OR REPLACE FUNCTION keep_alias_history() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM public.model_versions v WHERE v.version_id = OLD.version_id)
           AND EXISTS (SELECT 1 FROM public.models m WHERE m.model_id = OLD.model_id) THEN
            RAISE EXCEPTION 'alias history is kept: remove the alias (ModelAliasRemove) instead of deleting its rows'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- An empty range has no lower bound: valid_from's NOT NULL reports it.
        IF lower(NEW.valid_during) IS NOT NULL
           AND (NOT upper_inf(NEW.valid_during) OR lower(NEW.valid_during) < now()) THEN
            RAISE EXCEPTION 'alias history is kept: a period starts now and is open (move_model_alias), it cannot be back-dated or closed in advance'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.set_by := public.registry_actor();
        RETURN NEW;
    END IF;
    IF NOT upper_inf(OLD.valid_during)
       OR lower(NEW.valid_during) IS DISTINCT FROM lower(OLD.valid_during)
       OR upper_inf(NEW.valid_during) OR upper(NEW.valid_during) > clock_timestamp()
       OR (NEW.model_id, NEW.alias, NEW.version_id, NEW.set_by) IS DISTINCT FROM (OLD.model_id, OLD.alias, OLD.version_id, OLD.set_by) THEN
        RAISE EXCEPTION 'alias history is kept: a period can only be closed, at a moment already past'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER alias_history ON model_aliases;
CREATE TRIGGER alias_history
    BEFORE INSERT OR UPDATE OR DELETE ON model_aliases
    FOR EACH ROW EXECUTE FUNCTION keep_alias_history();

ALTER TABLE model_aliases ALTER COLUMN set_by SET DEFAULT registry_actor();

REVOKE INSERT, UPDATE, DELETE ON model_aliases FROM registry_writer;
REVOKE USAGE ON SEQUENCE model_aliases_alias_id_seq FROM registry_writer;
GRANT SELECT, INSERT ON model_aliases TO registry_rules_owner;
GRANT UPDATE (valid_during) ON model_aliases TO registry_rules_owner;
GRANT SELECT, INSERT, UPDATE ON model_alias_locks TO registry_rules_owner;
GRANT CREATE ON SCHEMA public TO registry_rules_owner;
ALTER FUNCTION move_model_alias(UUID, TEXT, UUID) OWNER TO registry_rules_owner;
ALTER FUNCTION remove_model_alias(UUID, TEXT) OWNER TO registry_rules_owner;
REVOKE CREATE ON SCHEMA public FROM registry_rules_owner;

-- migrate:down
ALTER FUNCTION remove_model_alias(UUID, TEXT) OWNER TO CURRENT_USER;
ALTER FUNCTION move_model_alias(UUID, TEXT, UUID) OWNER TO CURRENT_USER;
REVOKE ALL ON model_aliases FROM registry_rules_owner;
GRANT USAGE ON SEQUENCE model_aliases_alias_id_seq TO registry_writer;
GRANT INSERT, UPDATE, DELETE ON model_aliases TO registry_writer;
ALTER TABLE model_aliases ALTER COLUMN set_by SET DEFAULT COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user);
DROP TRIGGER alias_history ON model_aliases;
CREATE TRIGGER alias_history
    BEFORE UPDATE OR DELETE ON model_aliases
    FOR EACH ROW EXECUTE FUNCTION keep_alias_history();
CREATE OR REPLACE FUNCTION keep_alias_history() RETURNS TRIGGER
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF pg_trigger_depth() < 2 THEN
            RAISE EXCEPTION 'alias history is kept: remove the alias (ModelAliasRemove) instead of deleting its rows'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF NOT upper_inf(OLD.valid_during)
       OR lower(NEW.valid_during) <> lower(OLD.valid_during)
       OR (NEW.model_id, NEW.alias, NEW.version_id, NEW.set_by) IS DISTINCT FROM (OLD.model_id, OLD.alias, OLD.version_id, OLD.set_by) THEN
        RAISE EXCEPTION 'alias history is kept: a period can only be closed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE OR REPLACE FUNCTION remove_model_alias(p_model_id UUID, p_alias TEXT)
    RETURNS SETOF model_aliases
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('model_alias:' || p_model_id || ':' || p_alias, 0));
    RETURN QUERY
    UPDATE model_aliases SET valid_during = tstzrange(lower(valid_during), clock_timestamp())
     WHERE model_id = p_model_id AND alias = p_alias AND upper_inf(valid_during)
    RETURNING *;
END;
$$;
CREATE OR REPLACE FUNCTION move_model_alias(p_model_id UUID, p_alias TEXT, p_version_id UUID)
    RETURNS model_aliases
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    current_row model_aliases;
    new_row model_aliases;
    moved_at TIMESTAMP WITH TIME ZONE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('model_alias:' || p_model_id || ':' || p_alias, 0));
    moved_at := clock_timestamp();
    SELECT * INTO current_row FROM model_aliases
     WHERE model_id = p_model_id AND alias = p_alias AND upper_inf(valid_during)
       FOR UPDATE;
    IF FOUND AND current_row.version_id = p_version_id THEN
        RETURN current_row;
    END IF;
    IF FOUND THEN
        UPDATE model_aliases SET valid_during = tstzrange(lower(valid_during), moved_at)
         WHERE alias_id = current_row.alias_id;
    END IF;
    INSERT INTO model_aliases (model_id, alias, version_id, valid_during)
    VALUES (p_model_id, p_alias, p_version_id, tstzrange(moved_at, NULL))
    RETURNING * INTO new_row;
    RETURN new_row;
END;
$$;
DROP TABLE model_alias_locks;
