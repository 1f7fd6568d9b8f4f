-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- What the audit trail cost a write (mlreg bench, audit_*_vs_untracked; see
-- docs/scaling.md, round two) went mostly to calls of SQL functions that
-- pin search_path: such a function is never inlined, so each call starts an
-- executor for its one SELECT and sets and restores search_path around it.
-- registry_actor() (which calls registry_transaction_token()) cost about
-- 20 us a call, several times each audited statement (the trigger's actor,
-- its warning check, the actor column defaults); audit_row_key() was called
-- for every audited row, and to_jsonb twice a row.
--
-- The two actor functions keep their logic and become PL/pgSQL, whose
-- expressions are planned once a session: about 4 us a call.
CREATE OR REPLACE FUNCTION registry_transaction_token() RETURNS TEXT
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    RETURN pg_backend_pid()::text || ':' || (extract(epoch FROM now()) * 1000000)::bigint::text;
END;
$$;

CREATE OR REPLACE FUNCTION registry_actor() RETURNS TEXT
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    RETURN CASE WHEN current_setting('registry.actor_scope', TRUE) = public.registry_transaction_token()
                THEN COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user::text)
                ELSE session_user::text END;
END;
$$;

-- audit_changes writes the same rows as before (one per changed row, the
-- actor, the key, the whole row for INSERT and DELETE, the changed columns
-- only for UPDATE) after the same checks, but:
-- - builds each row's JSON once: the planner pulled the subquery of
--   to_jsonb up and computed it for every use (OFFSET 0 keeps it apart);
-- - builds the key inline, not through audit_row_key a row: for one key
--   column (every audited table but the link tables) jsonb_build_object,
--   else audit_row_key's own expression, a subquery over the key columns
--   (TG_ARGV counts from 0);
-- - reads the actor and the transaction's token once a statement.
-- The check of the table against audited_tables() stays a call: the
-- function is IMMUTABLE, so it is folded into the cached plan of the check
-- and costs nothing a statement.
CREATE OR REPLACE FUNCTION audit_changes() RETURNS TRIGGER
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    key_columns TEXT[] := TG_ARGV;
    -- The key column of a table with a one-column key, else NULL.
    key_column TEXT := CASE WHEN TG_NARGS = 1 THEN TG_ARGV[0] END;
    v_token TEXT := public.registry_transaction_token();
    v_actor TEXT := public.registry_actor();
BEGIN
    -- It runs as its owner: only on the registry's own tables, never on a
    -- table a caller made (a temporary one could forge rows or run code).
    IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> ALL (public.audited_tables()) THEN
        RAISE EXCEPTION 'audit_changes runs only on the registry''s tables, not on %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF COALESCE(current_setting('registry.actor', TRUE), '') <> ''
       AND current_setting('registry.actor_scope', TRUE) IS DISTINCT FROM v_token THEN
        RAISE WARNING 'registry.actor "%" ignored: it was not set by registry_set_actor() in this transaction; the audit names the database user %',
            current_setting('registry.actor', TRUE), session_user;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.audit_log (actor, table_name, action, row_key)
        VALUES (v_actor, TG_TABLE_NAME, 'TRUNCATE', '{}');
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.audit_log (actor, table_name, action, row_key, new_row)
        SELECT v_actor, TG_TABLE_NAME, 'INSERT', CASE WHEN key_column IS NOT NULL THEN jsonb_build_object(key_column, r.j -> key_column)
                   ELSE (SELECT jsonb_object_agg(k, r.j -> k) FROM unnest(key_columns) AS k) END, r.j
          FROM (SELECT to_jsonb(n) AS j FROM new_rows n OFFSET 0) r;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO public.audit_log (actor, table_name, action, row_key, old_row)
        SELECT v_actor, TG_TABLE_NAME, 'DELETE', CASE WHEN key_column IS NOT NULL THEN jsonb_build_object(key_column, r.j -> key_column)
                   ELSE (SELECT jsonb_object_agg(k, r.j -> k) FROM unnest(key_columns) AS k) END, r.j
          FROM (SELECT to_jsonb(o) AS j FROM old_rows o OFFSET 0) r;
    ELSE
        -- Old and new rows meet on their keys: a row whose key changed
        -- gives a DELETE-like and an INSERT-like half, as before.
        INSERT INTO public.audit_log (actor, table_name, action, row_key, old_row, new_row)
        SELECT v_actor, TG_TABLE_NAME, 'UPDATE', c.row_key, c.old_changed, c.new_changed
          FROM (
            SELECT COALESCE(o.key, n.key) AS row_key,
                   (SELECT jsonb_object_agg(oe.key, oe.value) FROM jsonb_each(o.j) oe
                     WHERE n.j IS NULL OR n.j -> oe.key IS DISTINCT FROM oe.value) AS old_changed,
                   (SELECT jsonb_object_agg(ne.key, ne.value) FROM jsonb_each(n.j) ne
                     WHERE o.j IS NULL OR o.j -> ne.key IS DISTINCT FROM ne.value) AS new_changed
              FROM (SELECT r.j, CASE WHEN key_column IS NOT NULL THEN jsonb_build_object(key_column, r.j -> key_column)
                   ELSE (SELECT jsonb_object_agg(k, r.j -> k) FROM unnest(key_columns) AS k) END AS key
                      FROM (SELECT to_jsonb(o) AS j FROM old_rows o OFFSET 0) r) o
              FULL JOIN (SELECT r.j, CASE WHEN key_column IS NOT NULL THEN jsonb_build_object(key_column, r.j -> key_column)
                   ELSE (SELECT jsonb_object_agg(k, r.j -> k) FROM unnest(key_columns) AS k) END AS key
                      FROM (SELECT to_jsonb(n) AS j FROM new_rows n OFFSET 0) r) n
                ON o.key = n.key
          ) c
         WHERE c.new_changed IS NOT NULL OR c.old_changed IS NOT NULL;
    END IF;
    RETURN NULL;
END;
$$;

-- migrate:down
-- The definitions of 20251023001900_audit_trail_owner_and_verify.
CREATE OR REPLACE FUNCTION audit_changes() RETURNS TRIGGER
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    key_columns TEXT[] := TG_ARGV;
    v_actor TEXT := public.registry_actor();
BEGIN
    -- It runs as its owner: only on the registry's own tables, never on a
    -- table a caller made (a temporary one could forge rows or run code).
    IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> ALL (public.audited_tables()) THEN
        RAISE EXCEPTION 'audit_changes runs only on the registry''s tables, not on %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF COALESCE(current_setting('registry.actor', TRUE), '') <> ''
       AND current_setting('registry.actor_scope', TRUE) IS DISTINCT FROM public.registry_transaction_token() THEN
        RAISE WARNING 'registry.actor "%" ignored: it was not set by registry_set_actor() in this transaction; the audit names the database user %',
            current_setting('registry.actor', TRUE), session_user;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.audit_log (actor, table_name, action, row_key)
        VALUES (v_actor, TG_TABLE_NAME, 'TRUNCATE', '{}');
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.audit_log (actor, table_name, action, row_key, new_row)
        SELECT v_actor, TG_TABLE_NAME, 'INSERT', public.audit_row_key(to_jsonb(n), key_columns), to_jsonb(n)
          FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO public.audit_log (actor, table_name, action, row_key, old_row)
        SELECT v_actor, TG_TABLE_NAME, 'DELETE', public.audit_row_key(to_jsonb(o), key_columns), to_jsonb(o)
          FROM old_rows o;
    ELSE
        INSERT INTO public.audit_log (actor, table_name, action, row_key, old_row, new_row)
        SELECT v_actor, TG_TABLE_NAME, 'UPDATE', c.row_key, c.old_changed, c.new_changed
          FROM (
            SELECT COALESCE(public.audit_row_key(o.j, key_columns), public.audit_row_key(n.j, key_columns)) AS row_key,
                   (SELECT jsonb_object_agg(oe.key, oe.value) FROM jsonb_each(o.j) oe
                     WHERE n.j IS NULL OR n.j -> oe.key IS DISTINCT FROM oe.value) AS old_changed,
                   (SELECT jsonb_object_agg(ne.key, ne.value) FROM jsonb_each(n.j) ne
                     WHERE o.j IS NULL OR o.j -> ne.key IS DISTINCT FROM ne.value) AS new_changed
              FROM (SELECT to_jsonb(o) AS j FROM old_rows o) o
              FULL JOIN (SELECT to_jsonb(n) AS j FROM new_rows n) n
                ON public.audit_row_key(o.j, key_columns) = public.audit_row_key(n.j, key_columns)
          ) c
         WHERE c.new_changed IS NOT NULL OR c.old_changed IS NOT NULL;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION registry_actor() RETURNS TEXT
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT CASE WHEN current_setting('registry.actor_scope', TRUE) = public.registry_transaction_token()
                THEN COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user::text)
                ELSE session_user::text END
$$;

CREATE OR REPLACE FUNCTION registry_transaction_token() RETURNS TEXT
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT pg_backend_pid()::text || ':' || (extract(epoch FROM now()) * 1000000)::bigint::text
$$;
