-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- restore_model_alias_period writes only the history of an alias that has
-- none, or only periods this same transaction restored; it told those
-- apart by the rows' xmin. But a move or a removal in the same transaction
-- closes the alias's open period with an UPDATE, which gives that row the
-- transaction's xmin too: an alias with one period then looked new, and an
-- admin could prepend back-dated periods under any actor to a history it
-- may not extend (db/attack_test.go, TestAttackAliasRestoreExtendsAHistory).
-- move_model_alias and remove_model_alias both write the alias's lock row
-- (model_alias_locks) first, and the restore never does: a lock row this
-- transaction wrote means the alias was moved or removed in it, and the
-- restore is refused as for a history made earlier.
CREATE OR REPLACE FUNCTION restore_model_alias_period(p_alias_id BIGINT, p_model_id UUID, p_alias TEXT, p_version_id UUID,
    p_valid_from TIMESTAMP WITH TIME ZONE, p_valid_until TIMESTAMP WITH TIME ZONE, p_set_by TEXT)
    RETURNS VOID
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.model_aliases a
                WHERE a.model_id = p_model_id AND a.alias = p_alias AND a.xmin <> pg_current_xact_id()::xid)
       OR EXISTS (SELECT 1 FROM public.model_alias_locks l
                   WHERE l.model_id = p_model_id AND l.alias = p_alias AND l.xmin = pg_current_xact_id()::xid) THEN
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

-- migrate:down
-- The definition of 20251023002900_alias_history_restore.
CREATE OR REPLACE FUNCTION restore_model_alias_period(p_alias_id BIGINT, p_model_id UUID, p_alias TEXT, p_version_id UUID,
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
