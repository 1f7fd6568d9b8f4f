-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- An export (mlreg export) carries each alias's history; importing it
-- (mlreg import jsonl) into a registry must write those periods as they
-- were: back-dated, closed, under the actor who set them. The alias rules
-- refuse exactly that for everyone else, so a restore goes through this one
-- function, and only for an alias that has no history yet (none, or only
-- periods this same transaction restored): it can build a history, never
-- rewrite or extend one. The audit trail records each restored period under
-- the importer's actor and database user.
CREATE FUNCTION restore_model_alias_period(p_alias_id BIGINT, p_model_id UUID, p_alias TEXT, p_version_id UUID,
    p_valid_from TIMESTAMP WITH TIME ZONE, p_valid_until TIMESTAMP WITH TIME ZONE, p_set_by TEXT)
    RETURNS VOID
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.model_aliases a
                WHERE a.model_id = p_model_id AND a.alias = p_alias AND a.xmin <> pg_current_xact_id()::xid) THEN
        RAISE EXCEPTION 'alias % of model % has a history already: a restore writes only the history of an alias that has none', p_alias, p_model_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('registry.alias_restore', pg_current_xact_id()::text, true);
    INSERT INTO public.model_aliases (alias_id, model_id, alias, version_id, valid_during, set_by)
    OVERRIDING SYSTEM VALUE
    VALUES (p_alias_id, p_model_id, p_alias, p_version_id, tstzrange(p_valid_from, p_valid_until), p_set_by);
    PERFORM set_config('registry.alias_restore', '', true);
    -- Later moves draw ids past the restored ones.
    PERFORM setval('public.model_aliases_alias_id_seq', p_alias_id)
      FROM public.model_aliases_alias_id_seq s WHERE s.last_value < p_alias_id OR NOT s.is_called;
END;
$$;

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
        -- restore_model_alias_period writes an exported period as it was,
        -- set_by included; it marks its own transaction, and runs as the
        -- rules' owner, the one role besides the table's owner that may
        -- INSERT here.
        IF current_user = 'registry_rules_owner'
           AND current_setting('registry.alias_restore', true) = pg_current_xact_id()::text THEN
            RETURN NEW;
        END IF;
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

GRANT SELECT, UPDATE ON SEQUENCE model_aliases_alias_id_seq TO registry_rules_owner;
GRANT CREATE ON SCHEMA public TO registry_rules_owner;
ALTER FUNCTION restore_model_alias_period(BIGINT, UUID, TEXT, UUID, TIMESTAMP WITH TIME ZONE, TIMESTAMP WITH TIME ZONE, TEXT)
    OWNER TO registry_rules_owner;
REVOKE CREATE ON SCHEMA public FROM registry_rules_owner;
REVOKE EXECUTE ON FUNCTION restore_model_alias_period(BIGINT, UUID, TEXT, UUID, TIMESTAMP WITH TIME ZONE, TIMESTAMP WITH TIME ZONE, TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION restore_model_alias_period(BIGINT, UUID, TEXT, UUID, TIMESTAMP WITH TIME ZONE, TIMESTAMP WITH TIME ZONE, TEXT) TO registry_admin;

-- migrate:down
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
REVOKE SELECT, UPDATE ON SEQUENCE model_aliases_alias_id_seq FROM registry_rules_owner;
DROP FUNCTION restore_model_alias_period(BIGINT, UUID, TEXT, UUID, TIMESTAMP WITH TIME ZONE, TIMESTAMP WITH TIME ZONE, TEXT);
