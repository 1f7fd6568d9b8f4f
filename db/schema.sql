SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: btree_gist; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;


--
-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION btree_gist IS 'support for indexing common datatypes in GiST';


--
-- Name: audit_changes(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: audit_log_add_partitions(timestamp with time zone, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_log_add_partitions(from_time timestamp with time zone, months integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    this_month DATE := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    first_month DATE;
    last_month DATE;
    month_start DATE;
    part TEXT;
    created INTEGER := 0;
    moving BOOLEAN;
BEGIN
    IF from_time IS NULL OR months IS NULL OR NOT isfinite(from_time) OR months < 1 OR months > 26 THEN
        RAISE EXCEPTION 'audit_log_add_partitions(%, %): give a finite time and 1 to 26 months', from_time, months
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    first_month := date_trunc('month', from_time AT TIME ZONE 'UTC')::date;
    last_month := (first_month + make_interval(months => months - 1))::date;
    IF first_month < (this_month - INTERVAL '1 month')::date OR last_month > (this_month + INTERVAL '24 months')::date THEN
        RAISE EXCEPTION 'audit_log_add_partitions(%, %): partitions go from last month (%) to 24 months ahead (%), not % to %',
            from_time, months, to_char(this_month - INTERVAL '1 month', 'YYYY-MM'), to_char(this_month + INTERVAL '24 months', 'YYYY-MM'),
            to_char(first_month, 'YYYY-MM'), to_char(last_month, 'YYYY-MM')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Attaching a partition locks audit_log, which every audited write
    -- needs: wait briefly, never behind a long transaction.
    PERFORM set_config('lock_timeout', '2s', true);
    moving := EXISTS (
        SELECT 1 FROM public.audit_log_default d
         WHERE d.tx_time >= (first_month::timestamp AT TIME ZONE 'UTC')
           AND d.tx_time < ((last_month + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC'));
    IF moving THEN
        EXECUTE 'LOCK TABLE public.audit_log IN ACCESS EXCLUSIVE MODE';
        EXECUTE 'ALTER TABLE public.audit_log DETACH PARTITION public.audit_log_default';
        EXECUTE 'ALTER TABLE public.audit_log_default RENAME TO audit_log_default_moving';
        EXECUTE 'CREATE TABLE public.audit_log_default PARTITION OF public.audit_log DEFAULT';
        EXECUTE 'CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log_default
            FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_audit_change()';
    END IF;
    FOR i IN 0 .. months - 1 LOOP
        month_start := (first_month + make_interval(months => i))::date;
        part := format('audit_log_%s', to_char(month_start, 'YYYY_MM'));
        IF to_regclass(format('public.%I', part)) IS NULL THEN
            EXECUTE format('CREATE TABLE public.%I PARTITION OF public.audit_log FOR VALUES FROM (%L) TO (%L)',
                part, (month_start::timestamp AT TIME ZONE 'UTC'),
                ((month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC'));
            EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.%I
                FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_audit_change()', part);
            created := created + 1;
        END IF;
    END LOOP;
    IF moving THEN
        EXECUTE 'INSERT INTO public.audit_log (audit_id, tx_time, clock_time, txid, actor, db_user, table_name, action, row_key, old_row, new_row)
            OVERRIDING SYSTEM VALUE
            SELECT audit_id, tx_time, clock_time, txid, actor, db_user, table_name, action, row_key, old_row, new_row
            FROM public.audit_log_default_moving';
        EXECUTE 'DROP TABLE public.audit_log_default_moving';
    END IF;
    RETURN created;
END;
$$;


--
-- Name: audit_log_retire_month(date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_log_retire_month(month_start date) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    this_month DATE := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    part TEXT;
    ids INT8MULTIRANGE;
    n BIGINT;
BEGIN
    IF month_start IS NULL OR month_start <> date_trunc('month', month_start)::date
       OR month_start > (this_month - INTERVAL '2 months')::date THEN
        RAISE EXCEPTION 'audit_log_retire_month(%): give the first day of a month that ended over a month ago', month_start
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    part := format('audit_log_%s', to_char(month_start, 'YYYY_MM'));
    IF to_regclass(format('public.%I', part)) IS NULL THEN
        RAISE EXCEPTION 'audit_log_retire_month(%): audit_log has no partition % (rows of months without one stay in audit_log_default)', month_start, part
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('lock_timeout', '2s', true);
    LOCK TABLE public.audit_chain IN EXCLUSIVE MODE;
    SELECT count(*), COALESCE(range_agg(int8range(a.audit_id, a.audit_id + 1)), '{}'::int8multirange) INTO n, ids
      FROM public.audit_log a
     WHERE a.tx_time >= (month_start::timestamp AT TIME ZONE 'UTC')
       AND a.tx_time < ((month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC');
    IF EXISTS (
        SELECT 1 FROM public.audit_log a LEFT JOIN public.audit_chain c ON c.audit_id = a.audit_id
         WHERE a.tx_time >= (month_start::timestamp AT TIME ZONE 'UTC')
           AND a.tx_time < ((month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC')
           AND (c.audit_id IS NULL OR c.row_hash <> sha256(c.prev_hash || convert_to(public.audit_row_content(a), 'UTF8')))) THEN
        RAISE EXCEPTION 'audit_log_retire_month(%): rows of the month are not sealed or no longer match their links; seal and verify first', month_start
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO public.audit_retention (month_start, audit_ids, row_count) VALUES (month_start, ids, n);
    EXECUTE format('ALTER TABLE public.audit_log DETACH PARTITION public.%I', part);
    EXECUTE format('DROP TABLE public.%I', part);
    RETURN n;
END;
$$;


SET default_tablespace = '';

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    audit_id bigint NOT NULL,
    tx_time timestamp with time zone DEFAULT now() NOT NULL,
    clock_time timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    txid bigint DEFAULT txid_current() NOT NULL,
    actor text NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL,
    table_name text NOT NULL,
    action text NOT NULL,
    row_key jsonb NOT NULL,
    old_row jsonb,
    new_row jsonb,
    CONSTRAINT valid_audit_action CHECK ((action = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text, 'TRUNCATE'::text])))
)
PARTITION BY RANGE (tx_time);


--
-- Name: TABLE audit_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_log IS 'Append-only trail of every change to the registry tables';


--
-- Name: COLUMN audit_log.actor; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.actor IS 'registry.actor of the transaction, else the database user';


--
-- Name: COLUMN audit_log.row_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.row_key IS 'Primary key of the changed row ({} for TRUNCATE)';


--
-- Name: COLUMN audit_log.old_row; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.old_row IS 'Row before: whole for DELETE, changed columns only for UPDATE';


--
-- Name: COLUMN audit_log.new_row; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.new_row IS 'Row after: whole for INSERT, changed columns only for UPDATE';


--
-- Name: audit_row_content(public.audit_log); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_row_content(a public.audit_log) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT jsonb_build_array(
        a.audit_id, to_char(a.tx_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        to_char(a.clock_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), a.txid,
        a.actor, a.db_user, a.table_name, a.action, a.row_key, a.old_row, a.new_row)::text
$$;


--
-- Name: audit_row_key(jsonb, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_row_key(r jsonb, key_columns text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT jsonb_object_agg(k, r -> k) FROM unnest(key_columns) AS k WHERE r IS NOT NULL
$$;


--
-- Name: audit_seal(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_seal(up_to_id bigint) RETURNS TABLE(sealed bigint, head_id bigint, head_hash text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    prev BYTEA;
    link BYTEA;
    last_id BIGINT;
    horizon BIGINT;
    n BIGINT := 0;
    a public.audit_log;
BEGIN
    IF up_to_id IS NULL THEN
        RAISE EXCEPTION 'audit_seal needs the id to seal up to' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    LOCK TABLE public.audit_chain IN EXCLUSIVE MODE;
    horizon := LEAST(up_to_id, COALESCE(pg_sequence_last_value('public.audit_log_audit_id_seq'::regclass), 0));
    SELECT c.audit_id, c.row_hash INTO last_id, prev FROM public.audit_chain c ORDER BY c.audit_id DESC LIMIT 1;
    prev := COALESCE(prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    FOR a IN SELECT * FROM public.audit_log l
              WHERE l.audit_id > COALESCE(last_id, 0) AND l.audit_id <= horizon
              ORDER BY l.audit_id LOOP
        link := sha256(prev || convert_to(public.audit_row_content(a), 'UTF8'));
        INSERT INTO public.audit_chain (audit_id, prev_hash, row_hash) VALUES (a.audit_id, prev, link);
        prev := link;
        last_id := a.audit_id;
        n := n + 1;
    END LOOP;
    INSERT INTO public.audit_seals (up_to_id, head_id, head_hash, sealed)
    VALUES (horizon, last_id, CASE WHEN last_id IS NOT NULL THEN prev END, n);
    RETURN QUERY SELECT n, last_id, encode(prev, 'hex');
END;
$$;


--
-- Name: audit_seal_now(interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_seal_now(p_wait interval, p_partition_months integer) RETURNS TABLE(sealed bigint, head_id bigint, head_hash text, partitions_added integer)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_horizon BIGINT;
    v_xmax BIGINT;
    v_deadline TIMESTAMP WITH TIME ZONE;
    v_sealed BIGINT;
    v_head_id BIGINT;
    v_head_hash TEXT;
    v_added INTEGER := 0;
BEGIN
    IF p_wait IS NULL OR p_wait <= INTERVAL '0' OR p_wait > INTERVAL '1 hour'
       OR p_partition_months IS NULL OR p_partition_months < 1 OR p_partition_months > 24 THEN
        RAISE EXCEPTION 'audit_seal_now(%, %): give a wait of up to an hour and 1 to 24 months of partitions', p_wait, p_partition_months
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit_seal_now needs a READ COMMITTED transaction, not %: the seal must read rows committed while it waited',
            current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    v_horizon := COALESCE(pg_sequence_last_value('public.audit_log_audit_id_seq'::regclass), 0);
    v_xmax := pg_current_xact_id()::text::bigint;
    v_deadline := clock_timestamp() + p_wait;
    LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN public.audit_transactions_finished_before(v_xmax);
        IF clock_timestamp() >= v_deadline THEN
            RAISE EXCEPTION 'audit seal: transactions older than the seal horizon still run after %; seal again later', p_wait
                USING ERRCODE = 'lock_not_available';
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    SELECT s.sealed, s.head_id, s.head_hash INTO v_sealed, v_head_id, v_head_hash
      FROM public.audit_seal(v_horizon) s;
    BEGIN
        v_added := public.audit_log_add_partitions(now(), p_partition_months);
    EXCEPTION WHEN lock_not_available THEN
        RAISE WARNING 'audit seal: audit_log partitions not added (%); the next seal tries again', SQLERRM;
    END;
    RETURN QUERY SELECT v_sealed, COALESCE(v_head_id, 0::bigint), v_head_hash, v_added;
END;
$$;


--
-- Name: FUNCTION audit_seal_now(p_wait interval, p_partition_months integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_seal_now(p_wait interval, p_partition_months integer) IS 'mlreg audit seal in one call: waits for older transactions, seals, adds partitions (for pg_cron)';


--
-- Name: audit_trail_status(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_trail_status() RETURNS TABLE(audit_rows bigint, sealed_links bigint, head_id bigint, unsealed_rows bigint, seals bigint, retired_rows bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT (SELECT count(*) FROM public.audit_log),
           (SELECT count(*) FROM public.audit_chain),
           COALESCE((SELECT max(c.audit_id) FROM public.audit_chain c), 0),
           (SELECT count(*) FROM public.audit_log l
             WHERE l.audit_id > COALESCE((SELECT max(c.audit_id) FROM public.audit_chain c), 0)),
           (SELECT count(*) FROM public.audit_seals),
           COALESCE((SELECT sum(r.row_count) FROM public.audit_retention r), 0)::bigint
$$;


--
-- Name: FUNCTION audit_trail_status(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_trail_status() IS 'Rows, links, head, unsealed rows, seals and retired rows of the audit trail';


--
-- Name: audit_transactions_finished_before(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_transactions_finished_before(xmax bigint) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT NOT EXISTS (
        SELECT 1 FROM pg_stat_activity a
        WHERE a.datname = current_database()
          AND a.pid <> pg_backend_pid()
          AND a.backend_xid IS NOT NULL
          AND age(a.backend_xid) > age(((xmax % 4294967296)::text)::xid)
    ) AND NOT EXISTS (
        SELECT 1 FROM pg_prepared_xacts p
        WHERE p.database = current_database()
          AND age(p.transaction) > age(((xmax % 4294967296)::text)::xid)
    )
$$;


--
-- Name: audit_verify(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_verify() RETURNS TABLE(audit_id bigint, last_id bigint, row_count bigint, problem text)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
WITH links AS (
    SELECT c.audit_id, c.prev_hash, c.row_hash, lag(c.row_hash) OVER (ORDER BY c.audit_id) AS previous_hash
      FROM public.audit_chain c
), retired AS (
    SELECT COALESCE(range_agg(r), '{}'::int8multirange) AS ids
      FROM public.audit_retention rr, unnest(rr.audit_ids) AS r
), horizon AS (
    SELECT GREATEST((SELECT max(c.audit_id) FROM public.audit_chain c),
                    (SELECT max(s.up_to_id) FROM public.audit_seals s)) AS id
), checked AS (
    SELECT COALESCE(l.audit_id, a.audit_id) AS id,
           CASE
               WHEN l.audit_id IS NOT NULL
                    AND l.prev_hash <> COALESCE(l.previous_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                   THEN 'chain link was altered: its prev_hash is not the previous link''s hash'
               WHEN l.audit_id IS NOT NULL AND a.audit_id IS NULL AND NOT l.audit_id <@ (SELECT ids FROM retired)
                   THEN 'audit row was removed: the chain links it but audit_log no longer has it'
               WHEN l.audit_id IS NOT NULL AND a.audit_id IS NOT NULL
                    AND l.row_hash <> sha256(l.prev_hash || convert_to(public.audit_row_content(a), 'UTF8'))
                   THEN 'audit row was altered: its content no longer matches its hash'
               WHEN l.audit_id IS NULL AND a.audit_id <= (SELECT id FROM horizon)
                   THEN 'audit row was added after it was sealed: it has no link in the chain'
           END AS problem
      FROM links l
      FULL JOIN public.audit_log a ON a.audit_id = l.audit_id
), numbered AS (
    SELECT ch.id, ch.problem, row_number() OVER (ORDER BY ch.id) AS n FROM checked ch
), islands AS (
    SELECT nb.id, nb.problem, nb.n - row_number() OVER (PARTITION BY nb.problem ORDER BY nb.id) AS island
      FROM numbered nb
     WHERE nb.problem IS NOT NULL
)
SELECT * FROM (
    SELECT min(i.id), max(i.id), count(*), i.problem FROM islands i GROUP BY i.problem, i.island
    UNION ALL
    SELECT s.head_id, s.head_id, 1::bigint,
           format('chain was rewritten: a seal recorded head hash %s at audit_id %s, the chain has %s there',
                  encode(s.head_hash, 'hex'), s.head_id, COALESCE(encode(c.row_hash, 'hex'), 'no link'))
      FROM (SELECT DISTINCT se.head_id, se.head_hash FROM public.audit_seals se WHERE se.head_id IS NOT NULL) s
      LEFT JOIN public.audit_chain c ON c.audit_id = s.head_id
     WHERE c.row_hash IS DISTINCT FROM s.head_hash
) v
ORDER BY 1, 4
$$;


--
-- Name: audited_tables(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audited_tables() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT ARRAY['teams', 'users', 'environments', 'models', 'model_versions', 'datasets',
        'experiments', 'training_runs', 'run_datasets', 'deployments', 'approvals', 'tags',
        'model_tags', 'dataset_tags', 'model_aliases', 'retention_policies']
$$;


--
-- Name: enforce_approval_history(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enforce_approval_history() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: enforce_deployment_rules(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enforce_deployment_rules() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
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


--
-- Name: enforce_environment_governance(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enforce_environment_governance() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: enforce_model_governance(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enforce_model_governance() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: enforce_version_history(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enforce_version_history() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: enforce_version_lifecycle(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enforce_version_lifecycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: keep_alias_history(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.keep_alias_history() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: link_user(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.link_user() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    row_json JSONB := to_jsonb(NEW);
BEGIN
    IF row_json->>TG_ARGV[1] IS NULL AND row_json->>TG_ARGV[0] IS NOT NULL THEN
        NEW := jsonb_populate_record(NEW,
            jsonb_build_object(TG_ARGV[1], user_id_for(row_json->>TG_ARGV[0])));
    END IF;
    RETURN NEW;
END
$$;


--
-- Name: FUNCTION link_user(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.link_user() IS 'Links a text "who" column to users: link_user(text_column, id_column)';


--
-- Name: registry_actor(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_actor() RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN CASE WHEN current_setting('registry.actor_scope', TRUE) = public.registry_transaction_token()
                THEN COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user::text)
                ELSE session_user::text END;
END;
$$;


SET default_table_access_method = heap;

--
-- Name: model_aliases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.model_aliases (
    alias_id bigint NOT NULL,
    model_id uuid NOT NULL,
    alias text NOT NULL,
    version_id uuid NOT NULL,
    valid_during tstzrange DEFAULT tstzrange(clock_timestamp(), NULL::timestamp with time zone) NOT NULL,
    valid_from timestamp with time zone GENERATED ALWAYS AS (lower(valid_during)) STORED NOT NULL,
    valid_until timestamp with time zone GENERATED ALWAYS AS (upper(valid_during)) STORED,
    set_by text DEFAULT public.registry_actor() NOT NULL,
    CONSTRAINT valid_alias CHECK ((alias ~ '^[a-z][a-z0-9_-]{0,62}$'::text))
);


--
-- Name: TABLE model_aliases; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.model_aliases IS 'Named pointers to a model version, with their history';


--
-- Name: COLUMN model_aliases.valid_during; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.model_aliases.valid_during IS 'When the alias pointed at this version; upper bound open while it still does';


--
-- Name: move_model_alias(uuid, text, uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.move_model_alias(p_model_id uuid, p_alias text, p_version_id uuid) RETURNS public.model_aliases
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
$_$;


--
-- Name: refuse_audit_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refuse_audit_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;


--
-- Name: refuse_retention_record_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refuse_retention_record_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION 'the record of retention runs is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;


--
-- Name: registry_admin_or_owner(regclass); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_admin_or_owner(rel regclass) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT pg_has_role(current_user, 'registry_admin', 'USAGE')
        OR pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = rel), 'USAGE')
$$;


--
-- Name: FUNCTION registry_admin_or_owner(rel regclass); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.registry_admin_or_owner(rel regclass) IS 'Whether the current role is registry_admin or owns the table: who may lower governance';


--
-- Name: registry_cron_database(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_cron_database() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT a.datname::text FROM pg_catalog.pg_stat_activity a
    WHERE a.application_name = 'pg_cron scheduler' AND a.usesysid = 10 AND a.datname IS NOT NULL
    ORDER BY a.backend_start
    LIMIT 1
$$;


--
-- Name: FUNCTION registry_cron_database(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.registry_cron_database() IS 'The database pg_cron keeps its jobs in, NULL when pg_cron does not run';


--
-- Name: registry_index_usage(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_index_usage() RETURNS TABLE(table_name text, index_name text, idx_scan bigint, idx_tup_read bigint, idx_tup_fetch bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT relname::text, indexrelname::text, idx_scan, idx_tup_read, idx_tup_fetch
    FROM pg_stat_user_indexes
    WHERE schemaname = 'public'
$$;


--
-- Name: FUNCTION registry_index_usage(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.registry_index_usage() IS 'Part 6.1: how often each index of the registry was used';


--
-- Name: registry_sequential_scans(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_sequential_scans() RETURNS TABLE(table_name text, seq_scan bigint, seq_tup_read bigint, avg_rows_per_scan bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT relname::text, seq_scan, seq_tup_read, seq_tup_read / seq_scan
    FROM pg_stat_user_tables
    WHERE schemaname = 'public' AND seq_scan > 0
$$;


--
-- Name: FUNCTION registry_sequential_scans(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.registry_sequential_scans() IS 'Part 6.1: tables read by sequential scans, candidates for an index';


--
-- Name: registry_set_actor(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_set_actor(actor text) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM set_config('registry.actor_scope', public.registry_transaction_token(), true);
    RETURN set_config('registry.actor', COALESCE(actor, ''), true);
END;
$$;


--
-- Name: FUNCTION registry_set_actor(actor text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.registry_set_actor(actor text) IS 'Names who acts in this transaction (the audit actor); the only way registry.actor counts';


--
-- Name: registry_table_sizes(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_table_sizes() RETURNS TABLE(table_name text, total_bytes bigint, table_bytes bigint, index_bytes bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT c.relname::text, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
           pg_total_relation_size(c.oid) - pg_relation_size(c.oid)
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
$$;


--
-- Name: FUNCTION registry_table_sizes(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.registry_table_sizes() IS 'Part 6.3: table and index sizes in bytes';


--
-- Name: registry_transaction_token(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.registry_transaction_token() RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN pg_backend_pid()::text || ':' || (extract(epoch FROM now()) * 1000000)::bigint::text;
END;
$$;


--
-- Name: FUNCTION registry_transaction_token(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.registry_transaction_token() IS 'Names the current transaction: backend pid and start time in microseconds';


--
-- Name: remove_model_alias(uuid, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.remove_model_alias(p_model_id uuid, p_alias text) RETURNS SETOF public.model_aliases
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
$_$;


--
-- Name: restore_model_alias_period(bigint, uuid, text, uuid, timestamp with time zone, timestamp with time zone, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.restore_model_alias_period(p_alias_id bigint, p_model_id uuid, p_alias text, p_version_id uuid, p_valid_from timestamp with time zone, p_valid_until timestamp with time zone, p_set_by text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: retention_apply(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.retention_apply() RETURNS TABLE(table_name text, row_key jsonb, model_id uuid, model_name text, version_id uuid, semver text, environment_name text, born_at timestamp with time zone, ended_at timestamp with time zone, kept_since timestamp with time zone, keep interval, policy text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: FUNCTION retention_apply(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.retention_apply() IS 'Removes what retention_candidates(now()) lists, records the run, returns the rows removed';


--
-- Name: retention_built_in_periods(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.retention_built_in_periods() RETURNS TABLE(keep_inactive_deployments interval, keep_training_runs interval)
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$ SELECT INTERVAL '2 years', INTERVAL '1 year' $$;


--
-- Name: FUNCTION retention_built_in_periods(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.retention_built_in_periods() IS 'The exercise''s retention periods (Part 8.2), used where no policy row sets one';


--
-- Name: retention_candidates(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.retention_candidates(p_now timestamp with time zone) RETURNS TABLE(table_name text, row_key jsonb, model_id uuid, model_name text, version_id uuid, semver text, environment_name text, born_at timestamp with time zone, ended_at timestamp with time zone, kept_since timestamp with time zone, keep interval, policy text)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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


--
-- Name: FUNCTION retention_candidates(p_now timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.retention_candidates(p_now timestamp with time zone) IS 'Every row retention would remove at the moment given, with the period and policy that expire it';


--
-- Name: semver_sort_key(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.semver_sort_key(version text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
    SELECT lpad(m[1], 9, '0') || '.' || lpad(m[2], 9, '0') || '.' || lpad(m[3], 9, '0')
           || COALESCE('-' || m[4], '~')
    FROM regexp_match(version, '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(?:-([a-z0-9]+))?$') AS m
$_$;


--
-- Name: FUNCTION semver_sort_key(version text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.semver_sort_key(version text) IS 'Sort key giving semantic-version order under COLLATE "C"';


--
-- Name: update_updated_at_column(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.update_updated_at_column() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$;


--
-- Name: FUNCTION update_updated_at_column(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.update_updated_at_column() IS 'Automatically update updated_at timestamp';


--
-- Name: user_id_for(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.user_id_for(who text) RETURNS uuid
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$ SELECT user_id FROM users WHERE username = who OR email = who LIMIT 1 $$;


--
-- Name: FUNCTION user_id_for(who text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.user_id_for(who text) IS 'User whose username or email is the given text, NULL if none';


--
-- Name: version_has_history(uuid, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.version_has_history(p_version_id uuid, p_status text) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT p_status IS DISTINCT FROM 'registered'
        OR EXISTS (SELECT 1 FROM public.approvals a WHERE a.version_id = p_version_id AND a.status <> 'pending')
        OR EXISTS (SELECT 1 FROM public.model_aliases ma WHERE ma.version_id = p_version_id)
$$;


--
-- Name: FUNCTION version_has_history(p_version_id uuid, p_status text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.version_has_history(p_version_id uuid, p_status text) IS 'Whether a version left registered, has a decided approval or an alias period';


--
-- Name: version_status_rank(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.version_status_rank(status text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT array_position(ARRAY['registered', 'validated', 'deployed', 'deprecated', 'archived'], status)
$$;


--
-- Name: approvals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.approvals (
    approval_id uuid DEFAULT gen_random_uuid() NOT NULL,
    version_id uuid NOT NULL,
    approval_type text NOT NULL,
    required_for_env text,
    status text DEFAULT 'pending'::text NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamp with time zone DEFAULT now(),
    approved_by text,
    approved_at timestamp with time zone,
    rejected_by text,
    rejected_at timestamp with time zone,
    approval_notes text,
    rejection_reason text,
    compliance_checklist jsonb,
    risk_assessment_score numeric(3,1),
    expires_at timestamp with time zone,
    requested_by_user_id uuid,
    CONSTRAINT approval_xor CHECK ((((status = 'approved'::text) AND (approved_by IS NOT NULL) AND (approved_at IS NOT NULL) AND (rejected_by IS NULL)) OR ((status = 'rejected'::text) AND (rejected_by IS NOT NULL) AND (rejected_at IS NOT NULL) AND (approved_by IS NULL)) OR (status = ANY (ARRAY['pending'::text, 'expired'::text])))),
    CONSTRAINT valid_approval_status CHECK ((status = ANY (ARRAY['pending'::text, 'approved'::text, 'rejected'::text, 'expired'::text]))),
    CONSTRAINT valid_approval_type CHECK ((approval_type = ANY (ARRAY['compliance'::text, 'security'::text, 'legal'::text, 'business'::text, 'technical'::text])))
);


--
-- Name: TABLE approvals; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.approvals IS 'Approval workflows for model deployments';


--
-- Name: COLUMN approvals.compliance_checklist; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.approvals.compliance_checklist IS 'JSONB checklist items';


--
-- Name: audit_chain; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_chain (
    audit_id bigint NOT NULL,
    prev_hash bytea NOT NULL,
    row_hash bytea NOT NULL,
    sealed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE audit_chain; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_chain IS 'Hash chain over audit_log, appended by audit_seal';


--
-- Name: audit_log_audit_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_log ALTER COLUMN audit_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_audit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: audit_log_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log_default (
    audit_id bigint NOT NULL,
    tx_time timestamp with time zone DEFAULT now() NOT NULL,
    clock_time timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    txid bigint DEFAULT txid_current() NOT NULL,
    actor text NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL,
    table_name text NOT NULL,
    action text NOT NULL,
    row_key jsonb NOT NULL,
    old_row jsonb,
    new_row jsonb,
    CONSTRAINT valid_audit_action CHECK ((action = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text, 'TRUNCATE'::text])))
);


--
-- Name: audit_retention; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_retention (
    retention_id bigint NOT NULL,
    retired_at timestamp with time zone DEFAULT now() NOT NULL,
    month_start date NOT NULL,
    audit_ids int8multirange NOT NULL,
    row_count bigint NOT NULL,
    actor text DEFAULT public.registry_actor() NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL
);


--
-- Name: TABLE audit_retention; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_retention IS 'Months of audit_log retired on purpose, with the audit ids they held';


--
-- Name: audit_retention_retention_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_retention ALTER COLUMN retention_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_retention_retention_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: audit_seals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_seals (
    seal_id bigint NOT NULL,
    sealed_at timestamp with time zone DEFAULT now() NOT NULL,
    up_to_id bigint NOT NULL,
    head_id bigint,
    head_hash bytea,
    sealed bigint NOT NULL,
    actor text DEFAULT public.registry_actor() NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL
);


--
-- Name: TABLE audit_seals; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_seals IS 'Every audit_seal: its horizon, the head it left and who sealed';


--
-- Name: audit_seals_seal_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_seals ALTER COLUMN seal_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_seals_seal_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: dataset_tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dataset_tags (
    dataset_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    tagged_at timestamp with time zone DEFAULT now(),
    tagged_by text DEFAULT CURRENT_USER
);


--
-- Name: TABLE dataset_tags; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.dataset_tags IS 'Many-to-many: datasets to tags';


--
-- Name: datasets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.datasets (
    dataset_id uuid DEFAULT gen_random_uuid() NOT NULL,
    dataset_name text NOT NULL,
    display_name text NOT NULL,
    description text,
    storage_location text NOT NULL,
    storage_format text,
    storage_size_gb numeric(12,2),
    schema_url text,
    schema_version text,
    data_version text,
    data_steward text,
    team_id uuid,
    freshness_sla_hours integer,
    last_updated_at timestamp with time zone,
    row_count bigint,
    column_count integer,
    contains_pii boolean DEFAULT false,
    data_classification text DEFAULT 'internal'::text,
    retention_days integer,
    created_at timestamp with time zone DEFAULT now(),
    created_by text DEFAULT CURRENT_USER,
    CONSTRAINT valid_classification CHECK ((data_classification = ANY (ARRAY['public'::text, 'internal'::text, 'confidential'::text, 'restricted'::text]))),
    CONSTRAINT valid_dataset_name CHECK ((dataset_name ~ '^[a-z0-9_-]+$'::text)),
    CONSTRAINT valid_freshness CHECK (((freshness_sla_hours IS NULL) OR (freshness_sla_hours > 0))),
    CONSTRAINT valid_storage_format CHECK ((storage_format = ANY (ARRAY['parquet'::text, 'csv'::text, 'json'::text, 'avro'::text, 'tfrecord'::text, 'hdf5'::text, 'arrow'::text])))
);


--
-- Name: TABLE datasets; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.datasets IS 'Catalog of datasets used for ML training';


--
-- Name: COLUMN datasets.contains_pii; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.datasets.contains_pii IS 'Personally Identifiable Information present';


--
-- Name: COLUMN datasets.data_classification; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.datasets.data_classification IS 'Security classification level';


--
-- Name: deployment_traffic_locks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deployment_traffic_locks (
    model_id uuid NOT NULL,
    environment_id integer NOT NULL,
    last_change_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE deployment_traffic_locks; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.deployment_traffic_locks IS 'Serializes changes to the active traffic of a model in an environment';


--
-- Name: deployments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deployments (
    deployment_id uuid DEFAULT gen_random_uuid() NOT NULL,
    version_id uuid NOT NULL,
    environment_id integer NOT NULL,
    deployment_name text,
    endpoint_url text,
    serving_framework text,
    replicas integer DEFAULT 1,
    instance_type text,
    gpu_enabled boolean DEFAULT false,
    auto_scaling_enabled boolean DEFAULT false,
    min_replicas integer,
    max_replicas integer,
    target_latency_p50_ms numeric(8,2),
    target_latency_p95_ms numeric(8,2),
    target_latency_p99_ms numeric(8,2),
    target_availability_percent numeric(5,2),
    target_throughput_qps numeric(10,2),
    actual_latency_p50_ms numeric(8,2),
    actual_latency_p95_ms numeric(8,2),
    actual_latency_p99_ms numeric(8,2),
    actual_availability_percent numeric(5,2),
    actual_throughput_qps numeric(10,2),
    deployed_at timestamp with time zone DEFAULT now(),
    deployed_by text NOT NULL,
    undeployed_at timestamp with time zone,
    undeployed_by text,
    status text DEFAULT 'active'::text NOT NULL,
    traffic_percentage integer DEFAULT 100,
    monthly_cost_usd numeric(12,2),
    deployment_notes text,
    deployed_by_user_id uuid,
    CONSTRAINT valid_availability CHECK (((target_availability_percent IS NULL) OR ((target_availability_percent >= (0)::numeric) AND (target_availability_percent <= (100)::numeric)))),
    CONSTRAINT valid_replicas CHECK (((replicas >= 1) AND ((min_replicas IS NULL) OR (min_replicas >= 1)) AND ((max_replicas IS NULL) OR (max_replicas >= min_replicas)))),
    CONSTRAINT valid_status_deployment CHECK ((status = ANY (ARRAY['active'::text, 'degraded'::text, 'inactive'::text, 'failed'::text]))),
    CONSTRAINT valid_traffic CHECK (((traffic_percentage >= 0) AND (traffic_percentage <= 100)))
);


--
-- Name: TABLE deployments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.deployments IS 'Model version deployments to environments';


--
-- Name: COLUMN deployments.traffic_percentage; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.deployments.traffic_percentage IS 'For canary/blue-green deployments';


--
-- Name: environments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.environments (
    environment_id integer NOT NULL,
    environment_name text NOT NULL,
    environment_type text NOT NULL,
    description text,
    priority integer DEFAULT 0,
    CONSTRAINT valid_env_name CHECK ((environment_name ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text)),
    CONSTRAINT valid_env_type CHECK ((environment_type = ANY (ARRAY['development'::text, 'staging'::text, 'production'::text, 'canary'::text, 'shadow'::text])))
);


--
-- Name: TABLE environments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.environments IS 'Deployment environments for ML models';


--
-- Name: environments_environment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.environments_environment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: environments_environment_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.environments_environment_id_seq OWNED BY public.environments.environment_id;


--
-- Name: experiments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.experiments (
    experiment_id uuid DEFAULT gen_random_uuid() NOT NULL,
    experiment_name text NOT NULL,
    model_id uuid,
    description text,
    created_by text DEFAULT CURRENT_USER,
    created_by_user_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE experiments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.experiments IS 'Named groups of related training runs';


--
-- Name: model_alias_locks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.model_alias_locks (
    model_id uuid NOT NULL,
    alias text NOT NULL,
    last_change_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE model_alias_locks; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.model_alias_locks IS 'Serializes moves of one alias of a model';


--
-- Name: model_aliases_alias_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.model_aliases ALTER COLUMN alias_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.model_aliases_alias_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: model_tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.model_tags (
    model_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    tagged_at timestamp with time zone DEFAULT now(),
    tagged_by text DEFAULT CURRENT_USER
);


--
-- Name: TABLE model_tags; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.model_tags IS 'Many-to-many: models to tags';


--
-- Name: model_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.model_versions (
    version_id uuid DEFAULT gen_random_uuid() NOT NULL,
    model_id uuid NOT NULL,
    semver text NOT NULL,
    version_alias text,
    description text,
    git_commit text,
    git_branch text,
    artifact_uri text NOT NULL,
    artifact_size_mb numeric(10,2),
    checksum_sha256 text,
    framework text NOT NULL,
    framework_version text,
    python_version text,
    cuda_version text,
    status text DEFAULT 'registered'::text NOT NULL,
    registered_by text NOT NULL,
    registered_at timestamp with time zone DEFAULT now(),
    promoted_to_production_at timestamp with time zone,
    deprecated_at timestamp with time zone,
    deprecation_reason text,
    benchmark_accuracy numeric(5,4),
    benchmark_latency_ms numeric(8,2),
    benchmark_throughput_qps numeric(10,2),
    registered_by_user_id uuid,
    semver_key text GENERATED ALWAYS AS (public.semver_sort_key(semver)) STORED COLLATE pg_catalog."C",
    CONSTRAINT valid_checksum CHECK (((checksum_sha256 IS NULL) OR (length(checksum_sha256) = 64))),
    CONSTRAINT valid_framework CHECK ((framework = ANY (ARRAY['pytorch'::text, 'tensorflow'::text, 'sklearn'::text, 'xgboost'::text, 'jax'::text, 'lightgbm'::text, 'catboost'::text, 'onnx'::text, 'huggingface'::text]))),
    CONSTRAINT valid_semver CHECK ((semver ~ '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[a-z0-9]+)?$'::text)),
    CONSTRAINT valid_status CHECK ((status = ANY (ARRAY['registered'::text, 'validated'::text, 'deployed'::text, 'deprecated'::text, 'archived'::text])))
);


--
-- Name: TABLE model_versions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.model_versions IS 'Versioned artifacts for ML models';


--
-- Name: COLUMN model_versions.semver; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.model_versions.semver IS 'Semantic version (major.minor.patch)';


--
-- Name: COLUMN model_versions.artifact_uri; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.model_versions.artifact_uri IS 'Cloud storage location (s3://, gs://, etc.)';


--
-- Name: COLUMN model_versions.semver_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.model_versions.semver_key IS 'semver_sort_key(semver): order by it for semantic-version order';


--
-- Name: models; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.models (
    model_id uuid DEFAULT gen_random_uuid() NOT NULL,
    model_name text NOT NULL,
    display_name text NOT NULL,
    description text,
    objective text,
    team_id uuid,
    primary_contact text,
    secondary_contact text,
    business_unit text,
    risk_level text DEFAULT 'medium'::text,
    compliance_required boolean DEFAULT false,
    github_repo text,
    documentation_url text,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now(),
    created_by text DEFAULT CURRENT_USER,
    created_by_user_id uuid,
    CONSTRAINT valid_model_name CHECK ((model_name ~ '^[a-z0-9-]+$'::text)),
    CONSTRAINT valid_risk_level CHECK ((risk_level = ANY (ARRAY['low'::text, 'medium'::text, 'high'::text, 'critical'::text])))
);


--
-- Name: TABLE models; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.models IS 'Central catalog of ML models';


--
-- Name: COLUMN models.model_name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.models.model_name IS 'Unique identifier (kebab-case)';


--
-- Name: COLUMN models.risk_level; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.models.risk_level IS 'Business risk classification';


--
-- Name: COLUMN models.compliance_required; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.models.compliance_required IS 'Requires approval workflow';


--
-- Name: COLUMN models.created_by_user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.models.created_by_user_id IS 'The users row created_by names, if any';


--
-- Name: retention_policies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.retention_policies (
    policy_id bigint NOT NULL,
    scope text NOT NULL,
    environment_id integer,
    model_id uuid,
    keep_inactive_deployments interval,
    keep_training_runs interval,
    CONSTRAINT retention_period_at_least_a_day CHECK (((keep_inactive_deployments >= '1 day'::interval) AND (keep_training_runs >= '1 day'::interval))),
    CONSTRAINT retention_policy_scope CHECK ((((scope = 'default'::text) AND (environment_id IS NULL) AND (model_id IS NULL) AND ((keep_inactive_deployments IS NOT NULL) OR (keep_training_runs IS NOT NULL))) OR ((scope = 'environment'::text) AND (environment_id IS NOT NULL) AND (model_id IS NULL) AND (keep_inactive_deployments IS NOT NULL) AND (keep_training_runs IS NULL)) OR ((scope = 'model'::text) AND (model_id IS NOT NULL) AND (environment_id IS NULL) AND ((keep_inactive_deployments IS NOT NULL) OR (keep_training_runs IS NOT NULL)))))
);


--
-- Name: TABLE retention_policies; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.retention_policies IS 'Retention periods of the registry (scope default), an environment or a model, over the built-in ones';


--
-- Name: COLUMN retention_policies.keep_inactive_deployments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.retention_policies.keep_inactive_deployments IS 'Keep an inactive or failed deployment this long after it was undeployed (deployed, if never undeployed); NULL defers';


--
-- Name: COLUMN retention_policies.keep_training_runs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.retention_policies.keep_training_runs IS 'Keep a finished run of a retired version this long after it completed and was recorded; NULL defers';


--
-- Name: retention_policies_policy_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.retention_policies ALTER COLUMN policy_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.retention_policies_policy_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: retention_run_models; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.retention_run_models (
    retention_run_id bigint NOT NULL,
    model_id uuid NOT NULL,
    model_name text NOT NULL,
    table_name text NOT NULL,
    rows_removed bigint NOT NULL,
    first_born_at timestamp with time zone,
    last_ended_at timestamp with time zone,
    CONSTRAINT valid_retention_table CHECK ((table_name = ANY (ARRAY['training_runs'::text, 'run_datasets'::text, 'deployments'::text])))
);


--
-- Name: TABLE retention_run_models; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.retention_run_models IS 'Rows a retention run removed, per model and table (model_id is not a foreign key: the record outlives the model)';


--
-- Name: COLUMN retention_run_models.first_born_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.retention_run_models.first_born_at IS 'Oldest creation among the rows: a run''s created_at, a deployment''s deployed_at';


--
-- Name: COLUMN retention_run_models.last_ended_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.retention_run_models.last_ended_at IS 'Deployments: the latest undeployed_at, NULL when one was never undeployed; other tables NULL';


--
-- Name: retention_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.retention_runs (
    retention_run_id bigint NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    txid bigint DEFAULT txid_current() NOT NULL,
    actor text DEFAULT public.registry_actor() NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL,
    training_runs_removed bigint NOT NULL,
    run_datasets_removed bigint NOT NULL,
    deployments_removed bigint NOT NULL
);


--
-- Name: TABLE retention_runs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.retention_runs IS 'Every retention_apply: when, its transaction, who ran it, and the rows it removed per table';


--
-- Name: retention_runs_retention_run_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.retention_runs ALTER COLUMN retention_run_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.retention_runs_retention_run_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: run_datasets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.run_datasets (
    run_id uuid NOT NULL,
    dataset_id uuid NOT NULL,
    dataset_role text NOT NULL,
    sample_count bigint,
    usage_percentage numeric(5,2),
    CONSTRAINT valid_dataset_role CHECK ((dataset_role = ANY (ARRAY['training'::text, 'validation'::text, 'test'::text, 'calibration'::text]))),
    CONSTRAINT valid_usage_percent CHECK (((usage_percentage IS NULL) OR ((usage_percentage >= (0)::numeric) AND (usage_percentage <= (100)::numeric))))
);


--
-- Name: TABLE run_datasets; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.run_datasets IS 'Many-to-many: training runs to datasets';


--
-- Name: COLUMN run_datasets.dataset_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.run_datasets.dataset_role IS 'How dataset was used (train/val/test)';


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);


--
-- Name: tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tags (
    tag_id uuid DEFAULT gen_random_uuid() NOT NULL,
    tag_category text NOT NULL,
    tag_value text NOT NULL,
    tag_description text,
    created_at timestamp with time zone DEFAULT now(),
    CONSTRAINT valid_tag_category CHECK ((tag_category = ANY (ARRAY['domain'::text, 'use-case'::text, 'framework'::text, 'team'::text, 'project'::text, 'customer'::text, 'region'::text, 'priority'::text, 'status'::text, 'custom'::text])))
);


--
-- Name: TABLE tags; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.tags IS 'Flexible tagging system for categorization';


--
-- Name: teams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.teams (
    team_id uuid DEFAULT gen_random_uuid() NOT NULL,
    team_name text NOT NULL,
    team_email text,
    department text,
    cost_center text,
    manager_name text,
    created_at timestamp with time zone DEFAULT now(),
    CONSTRAINT valid_email CHECK ((team_email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'::text))
);


--
-- Name: TABLE teams; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.teams IS 'Organizational teams owning ML models';


--
-- Name: COLUMN teams.cost_center; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.teams.cost_center IS 'For tracking ML infrastructure costs';


--
-- Name: training_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.training_runs (
    run_id uuid DEFAULT gen_random_uuid() NOT NULL,
    version_id uuid NOT NULL,
    run_name text,
    experiment_name text,
    experiment_id uuid,
    status text DEFAULT 'queued'::text NOT NULL,
    accuracy numeric(5,4),
    precision_score numeric(5,4),
    recall_score numeric(5,4),
    f1_score numeric(5,4),
    loss numeric(10,5),
    custom_metrics jsonb DEFAULT '{}'::jsonb,
    hyperparameters jsonb DEFAULT '{}'::jsonb,
    compute_target text,
    instance_type text,
    gpu_count integer DEFAULT 0,
    gpu_type text,
    gpu_hours numeric(10,2) DEFAULT 0,
    cpu_hours numeric(10,2) DEFAULT 0,
    estimated_cost_usd numeric(10,2),
    started_by text,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    duration_seconds integer,
    exit_code integer,
    logs_uri text,
    tensorboard_uri text,
    checkpoint_uri text,
    feature_store_snapshot text,
    feature_count integer,
    created_at timestamp with time zone DEFAULT now(),
    notes text,
    CONSTRAINT completed_after_started CHECK (((completed_at IS NULL) OR (started_at IS NULL) OR (completed_at >= started_at))),
    CONSTRAINT completed_timestamp CHECK ((((status = ANY (ARRAY['succeeded'::text, 'failed'::text, 'cancelled'::text, 'timeout'::text])) AND (completed_at IS NOT NULL)) OR ((status = ANY (ARRAY['queued'::text, 'running'::text])) AND (completed_at IS NULL)))),
    CONSTRAINT valid_gpu_count CHECK ((gpu_count >= 0)),
    CONSTRAINT valid_metrics CHECK ((((accuracy IS NULL) OR ((accuracy >= (0)::numeric) AND (accuracy <= (1)::numeric))) AND ((precision_score IS NULL) OR ((precision_score >= (0)::numeric) AND (precision_score <= (1)::numeric))) AND ((recall_score IS NULL) OR ((recall_score >= (0)::numeric) AND (recall_score <= (1)::numeric))) AND ((f1_score IS NULL) OR ((f1_score >= (0)::numeric) AND (f1_score <= (1)::numeric))))),
    CONSTRAINT valid_status CHECK ((status = ANY (ARRAY['queued'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text, 'timeout'::text])))
);


--
-- Name: TABLE training_runs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.training_runs IS 'Individual training job executions';


--
-- Name: COLUMN training_runs.experiment_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.training_runs.experiment_id IS 'The experiment grouping this run; experiment_name is kept as text';


--
-- Name: COLUMN training_runs.custom_metrics; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.training_runs.custom_metrics IS 'Flexible JSONB field for arbitrary metrics';


--
-- Name: COLUMN training_runs.hyperparameters; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.training_runs.hyperparameters IS 'Training hyperparameters as JSON';


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    user_id uuid DEFAULT gen_random_uuid() NOT NULL,
    username text NOT NULL,
    email text NOT NULL,
    display_name text,
    team_id uuid,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT valid_user_email CHECK ((email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'::text)),
    CONSTRAINT valid_username CHECK ((username ~ '^[a-z0-9][a-z0-9._-]*$'::text))
);


--
-- Name: TABLE users; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.users IS 'People who own, register, deploy and approve models';


--
-- Name: COLUMN users.username; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.username IS 'Login name; matches the text columns created_by, started_by and the like';


--
-- Name: vw_latest_model_versions; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.vw_latest_model_versions WITH (security_invoker='true') AS
 SELECT m.model_id,
    m.model_name,
    m.display_name AS model_display_name,
    mv.version_id,
    mv.semver,
    mv.status AS version_status,
    mv.framework,
    mv.registered_at,
    mv.artifact_uri
   FROM (public.models m
     CROSS JOIN LATERAL ( SELECT v.version_id,
            v.semver,
            v.status,
            v.framework,
            v.registered_at,
            v.artifact_uri
           FROM public.model_versions v
          WHERE ((v.model_id = m.model_id) AND (v.status <> 'archived'::text))
          ORDER BY v.semver_key DESC
         LIMIT 1) mv);


--
-- Name: VIEW vw_latest_model_versions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.vw_latest_model_versions IS 'Latest non-archived version per model';


--
-- Name: vw_production_deployments; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.vw_production_deployments WITH (security_invoker='true') AS
 SELECT m.model_name,
    m.display_name AS model_display_name,
    mv.semver,
    e.environment_name,
    d.endpoint_url,
    d.status AS deployment_status,
    d.deployed_at,
    d.deployed_by,
    d.traffic_percentage,
    d.actual_latency_p95_ms,
    d.actual_availability_percent
   FROM (((public.deployments d
     JOIN public.model_versions mv ON ((d.version_id = mv.version_id)))
     JOIN public.models m ON ((mv.model_id = m.model_id)))
     JOIN public.environments e ON ((d.environment_id = e.environment_id)))
  WHERE ((e.environment_type = 'production'::text) AND (d.status = 'active'::text))
  ORDER BY m.model_name, d.deployed_at DESC;


--
-- Name: VIEW vw_production_deployments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.vw_production_deployments IS 'Active production deployments';


--
-- Name: audit_log_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ATTACH PARTITION public.audit_log_default DEFAULT;


--
-- Name: environments environment_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.environments ALTER COLUMN environment_id SET DEFAULT nextval('public.environments_environment_id_seq'::regclass);


--
-- Name: approvals approvals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_pkey PRIMARY KEY (approval_id);


--
-- Name: audit_chain audit_chain_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_chain
    ADD CONSTRAINT audit_chain_pkey PRIMARY KEY (audit_id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (audit_id, tx_time);


--
-- Name: audit_log_default audit_log_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log_default
    ADD CONSTRAINT audit_log_default_pkey PRIMARY KEY (audit_id, tx_time);


--
-- Name: audit_retention audit_retention_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_retention
    ADD CONSTRAINT audit_retention_pkey PRIMARY KEY (retention_id);


--
-- Name: audit_seals audit_seals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_seals
    ADD CONSTRAINT audit_seals_pkey PRIMARY KEY (seal_id);


--
-- Name: dataset_tags dataset_tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dataset_tags
    ADD CONSTRAINT dataset_tags_pkey PRIMARY KEY (dataset_id, tag_id);


--
-- Name: datasets datasets_dataset_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.datasets
    ADD CONSTRAINT datasets_dataset_name_key UNIQUE (dataset_name);


--
-- Name: datasets datasets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.datasets
    ADD CONSTRAINT datasets_pkey PRIMARY KEY (dataset_id);


--
-- Name: deployment_traffic_locks deployment_traffic_locks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployment_traffic_locks
    ADD CONSTRAINT deployment_traffic_locks_pkey PRIMARY KEY (model_id, environment_id);


--
-- Name: deployments deployments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployments
    ADD CONSTRAINT deployments_pkey PRIMARY KEY (deployment_id);


--
-- Name: environments environments_environment_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.environments
    ADD CONSTRAINT environments_environment_name_key UNIQUE (environment_name);


--
-- Name: environments environments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.environments
    ADD CONSTRAINT environments_pkey PRIMARY KEY (environment_id);


--
-- Name: experiments experiments_experiment_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.experiments
    ADD CONSTRAINT experiments_experiment_name_key UNIQUE (experiment_name);


--
-- Name: experiments experiments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.experiments
    ADD CONSTRAINT experiments_pkey PRIMARY KEY (experiment_id);


--
-- Name: model_alias_locks model_alias_locks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_alias_locks
    ADD CONSTRAINT model_alias_locks_pkey PRIMARY KEY (model_id, alias);


--
-- Name: model_aliases model_aliases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_aliases
    ADD CONSTRAINT model_aliases_pkey PRIMARY KEY (alias_id);


--
-- Name: model_tags model_tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_tags
    ADD CONSTRAINT model_tags_pkey PRIMARY KEY (model_id, tag_id);


--
-- Name: model_versions model_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_versions
    ADD CONSTRAINT model_versions_pkey PRIMARY KEY (version_id);


--
-- Name: model_versions model_versions_version_model_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_versions
    ADD CONSTRAINT model_versions_version_model_key UNIQUE (version_id, model_id);


--
-- Name: models models_model_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.models
    ADD CONSTRAINT models_model_name_key UNIQUE (model_name);


--
-- Name: models models_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.models
    ADD CONSTRAINT models_pkey PRIMARY KEY (model_id);


--
-- Name: model_aliases one_version_per_alias; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_aliases
    ADD CONSTRAINT one_version_per_alias EXCLUDE USING gist (model_id WITH =, alias WITH =, valid_during WITH &&);


--
-- Name: retention_policies retention_policies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_policies
    ADD CONSTRAINT retention_policies_pkey PRIMARY KEY (policy_id);


--
-- Name: retention_policies retention_policy_environment_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_policies
    ADD CONSTRAINT retention_policy_environment_once UNIQUE (environment_id);


--
-- Name: retention_policies retention_policy_model_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_policies
    ADD CONSTRAINT retention_policy_model_once UNIQUE (model_id);


--
-- Name: retention_run_models retention_run_models_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_run_models
    ADD CONSTRAINT retention_run_models_pkey PRIMARY KEY (retention_run_id, model_id, table_name);


--
-- Name: retention_runs retention_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_runs
    ADD CONSTRAINT retention_runs_pkey PRIMARY KEY (retention_run_id);


--
-- Name: run_datasets run_datasets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.run_datasets
    ADD CONSTRAINT run_datasets_pkey PRIMARY KEY (run_id, dataset_id, dataset_role);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: tags tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tags
    ADD CONSTRAINT tags_pkey PRIMARY KEY (tag_id);


--
-- Name: teams teams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams
    ADD CONSTRAINT teams_pkey PRIMARY KEY (team_id);


--
-- Name: teams teams_team_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams
    ADD CONSTRAINT teams_team_name_key UNIQUE (team_name);


--
-- Name: training_runs training_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.training_runs
    ADD CONSTRAINT training_runs_pkey PRIMARY KEY (run_id);


--
-- Name: deployments unique_env_deployment; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployments
    ADD CONSTRAINT unique_env_deployment UNIQUE (environment_id, version_id, deployed_at);


--
-- Name: model_versions unique_model_version; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_versions
    ADD CONSTRAINT unique_model_version UNIQUE (model_id, semver);


--
-- Name: tags unique_tag; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tags
    ADD CONSTRAINT unique_tag UNIQUE (tag_category, tag_value);


--
-- Name: users users_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (user_id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: idx_audit_log_actor_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_audit_log_actor_time ON ONLY public.audit_log USING btree (actor, tx_time);


--
-- Name: audit_log_default_actor_tx_time_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_default_actor_tx_time_idx ON public.audit_log_default USING btree (actor, tx_time);


--
-- Name: idx_audit_log_table_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_audit_log_table_time ON ONLY public.audit_log USING btree (table_name, tx_time);


--
-- Name: audit_log_default_table_name_tx_time_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_default_table_name_tx_time_idx ON public.audit_log_default USING btree (table_name, tx_time);


--
-- Name: idx_audit_log_tx_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_audit_log_tx_time ON ONLY public.audit_log USING btree (tx_time);


--
-- Name: audit_log_default_tx_time_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_default_tx_time_idx ON public.audit_log_default USING btree (tx_time);


--
-- Name: idx_approvals_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_approvals_pending ON public.approvals USING btree (version_id, status) WHERE (status = 'pending'::text);


--
-- Name: idx_approvals_requested_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_approvals_requested_by_user ON public.approvals USING btree (requested_by_user_id);


--
-- Name: idx_approvals_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_approvals_status ON public.approvals USING btree (status);


--
-- Name: idx_approvals_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_approvals_type ON public.approvals USING btree (approval_type);


--
-- Name: idx_approvals_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_approvals_version ON public.approvals USING btree (version_id);


--
-- Name: idx_dataset_tags_tag; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_dataset_tags_tag ON public.dataset_tags USING btree (tag_id);


--
-- Name: idx_datasets_classification; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_datasets_classification ON public.datasets USING btree (data_classification);


--
-- Name: idx_datasets_team; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_datasets_team ON public.datasets USING btree (team_id);


--
-- Name: idx_datasets_updated; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_datasets_updated ON public.datasets USING btree (last_updated_at DESC);


--
-- Name: idx_deployment_traffic_locks_environment; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_deployment_traffic_locks_environment ON public.deployment_traffic_locks USING btree (environment_id);


--
-- Name: idx_deployments_active; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_deployments_active ON public.deployments USING btree (environment_id, status) WHERE (status = 'active'::text);


--
-- Name: idx_deployments_date; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_deployments_date ON public.deployments USING btree (deployed_at DESC);


--
-- Name: idx_deployments_deployed_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_deployments_deployed_by_user ON public.deployments USING btree (deployed_by_user_id);


--
-- Name: idx_deployments_serving; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_deployments_serving ON public.deployments USING btree (environment_id, version_id) WHERE (status = ANY (ARRAY['active'::text, 'degraded'::text]));


--
-- Name: idx_deployments_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_deployments_status ON public.deployments USING btree (status);


--
-- Name: idx_deployments_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_deployments_version ON public.deployments USING btree (version_id);


--
-- Name: idx_environments_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_environments_type ON public.environments USING btree (environment_type);


--
-- Name: idx_experiments_created_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_experiments_created_by_user ON public.experiments USING btree (created_by_user_id);


--
-- Name: idx_experiments_model; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_experiments_model ON public.experiments USING btree (model_id);


--
-- Name: idx_model_aliases_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_model_aliases_version ON public.model_aliases USING btree (version_id, model_id);


--
-- Name: idx_model_tags_tag; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_model_tags_tag ON public.model_tags USING btree (tag_id);


--
-- Name: idx_models_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_models_created ON public.models USING btree (created_at DESC);


--
-- Name: idx_models_created_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_models_created_by_user ON public.models USING btree (created_by_user_id);


--
-- Name: idx_models_risk; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_models_risk ON public.models USING btree (risk_level);


--
-- Name: idx_models_team; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_models_team ON public.models USING btree (team_id);


--
-- Name: idx_retention_run_models_model; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_retention_run_models_model ON public.retention_run_models USING btree (model_id);


--
-- Name: idx_retention_runs_txid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_retention_runs_txid ON public.retention_runs USING btree (txid);


--
-- Name: idx_run_datasets_dataset; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_run_datasets_dataset ON public.run_datasets USING btree (dataset_id);


--
-- Name: idx_tags_value; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_tags_value ON public.tags USING btree (tag_value);


--
-- Name: idx_training_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_training_created ON public.training_runs USING btree (created_at DESC);


--
-- Name: idx_training_experiment; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_training_experiment ON public.training_runs USING btree (experiment_name);


--
-- Name: idx_training_experiment_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_training_experiment_id ON public.training_runs USING btree (experiment_id);


--
-- Name: idx_training_hyperparams; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_training_hyperparams ON public.training_runs USING gin (hyperparameters);


--
-- Name: idx_training_metrics; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_training_metrics ON public.training_runs USING gin (custom_metrics);


--
-- Name: idx_training_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_training_status ON public.training_runs USING btree (status);


--
-- Name: idx_training_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_training_version ON public.training_runs USING btree (version_id, created_at DESC);


--
-- Name: idx_users_team; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_users_team ON public.users USING btree (team_id);


--
-- Name: idx_versions_framework; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_versions_framework ON public.model_versions USING btree (framework);


--
-- Name: idx_versions_latest; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_versions_latest ON public.model_versions USING btree (model_id, semver_key DESC) WHERE (status <> 'archived'::text);


--
-- Name: idx_versions_registered; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_versions_registered ON public.model_versions USING btree (registered_at DESC);


--
-- Name: idx_versions_registered_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_versions_registered_by_user ON public.model_versions USING btree (registered_by_user_id);


--
-- Name: idx_versions_semver; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_versions_semver ON public.model_versions USING btree (model_id, semver_key DESC);


--
-- Name: idx_versions_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_versions_status ON public.model_versions USING btree (status);


--
-- Name: retention_policy_default_once; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX retention_policy_default_once ON public.retention_policies USING btree (scope) WHERE (scope = 'default'::text);


--
-- Name: audit_log_default_actor_tx_time_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.idx_audit_log_actor_time ATTACH PARTITION public.audit_log_default_actor_tx_time_idx;


--
-- Name: audit_log_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.audit_log_pkey ATTACH PARTITION public.audit_log_default_pkey;


--
-- Name: audit_log_default_table_name_tx_time_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.idx_audit_log_table_time ATTACH PARTITION public.audit_log_default_table_name_tx_time_idx;


--
-- Name: audit_log_default_tx_time_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.idx_audit_log_tx_time ATTACH PARTITION public.audit_log_default_tx_time_idx;


--
-- Name: model_aliases alias_history; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER alias_history BEFORE INSERT OR DELETE OR UPDATE ON public.model_aliases FOR EACH ROW EXECUTE FUNCTION public.keep_alias_history();


--
-- Name: approvals approval_history; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER approval_history BEFORE DELETE OR UPDATE ON public.approvals FOR EACH ROW EXECUTE FUNCTION public.enforce_approval_history();


--
-- Name: audit_chain audit_chain_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_chain_append_only BEFORE DELETE OR UPDATE ON public.audit_chain FOR EACH ROW EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: audit_chain audit_chain_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON public.audit_chain FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: approvals audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.approvals REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('approval_id');


--
-- Name: dataset_tags audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.dataset_tags REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id', 'tag_id');


--
-- Name: datasets audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.datasets REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id');


--
-- Name: deployments audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.deployments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('deployment_id');


--
-- Name: environments audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.environments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('environment_id');


--
-- Name: experiments audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.experiments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('experiment_id');


--
-- Name: model_aliases audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.model_aliases REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('alias_id');


--
-- Name: model_tags audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.model_tags REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id', 'tag_id');


--
-- Name: model_versions audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.model_versions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('version_id');


--
-- Name: models audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.models REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id');


--
-- Name: retention_policies audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.retention_policies REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('policy_id');


--
-- Name: run_datasets audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.run_datasets REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id', 'dataset_id');


--
-- Name: tags audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.tags REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('tag_id');


--
-- Name: teams audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.teams REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('team_id');


--
-- Name: training_runs audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.training_runs REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id');


--
-- Name: users audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_delete AFTER DELETE ON public.users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('user_id');


--
-- Name: approvals audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.approvals REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('approval_id');


--
-- Name: dataset_tags audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.dataset_tags REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id', 'tag_id');


--
-- Name: datasets audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.datasets REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id');


--
-- Name: deployments audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.deployments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('deployment_id');


--
-- Name: environments audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.environments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('environment_id');


--
-- Name: experiments audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.experiments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('experiment_id');


--
-- Name: model_aliases audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.model_aliases REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('alias_id');


--
-- Name: model_tags audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.model_tags REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id', 'tag_id');


--
-- Name: model_versions audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.model_versions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('version_id');


--
-- Name: models audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.models REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id');


--
-- Name: retention_policies audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.retention_policies REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('policy_id');


--
-- Name: run_datasets audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.run_datasets REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id', 'dataset_id');


--
-- Name: tags audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.tags REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('tag_id');


--
-- Name: teams audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.teams REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('team_id');


--
-- Name: training_runs audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.training_runs REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id');


--
-- Name: users audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_insert AFTER INSERT ON public.users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('user_id');


--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: audit_log audit_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: audit_log_default audit_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log_default FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: audit_retention audit_retention_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_retention_append_only BEFORE DELETE OR UPDATE ON public.audit_retention FOR EACH ROW EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: audit_retention audit_retention_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_retention_no_truncate BEFORE TRUNCATE ON public.audit_retention FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: audit_seals audit_seals_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_seals_append_only BEFORE DELETE OR UPDATE ON public.audit_seals FOR EACH ROW EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: audit_seals audit_seals_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON public.audit_seals FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_audit_change();


--
-- Name: approvals audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.approvals FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('approval_id');


--
-- Name: dataset_tags audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.dataset_tags FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id', 'tag_id');


--
-- Name: datasets audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.datasets FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id');


--
-- Name: deployments audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.deployments FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('deployment_id');


--
-- Name: environments audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.environments FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('environment_id');


--
-- Name: experiments audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.experiments FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('experiment_id');


--
-- Name: model_aliases audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.model_aliases FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('alias_id');


--
-- Name: model_tags audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.model_tags FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id', 'tag_id');


--
-- Name: model_versions audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.model_versions FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('version_id');


--
-- Name: models audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.models FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id');


--
-- Name: retention_policies audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.retention_policies FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('policy_id');


--
-- Name: run_datasets audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.run_datasets FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id', 'dataset_id');


--
-- Name: tags audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.tags FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('tag_id');


--
-- Name: teams audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.teams FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('team_id');


--
-- Name: training_runs audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.training_runs FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id');


--
-- Name: users audit_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_truncate AFTER TRUNCATE ON public.users FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('user_id');


--
-- Name: approvals audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.approvals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('approval_id');


--
-- Name: dataset_tags audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.dataset_tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id', 'tag_id');


--
-- Name: datasets audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.datasets REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('dataset_id');


--
-- Name: deployments audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.deployments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('deployment_id');


--
-- Name: environments audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.environments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('environment_id');


--
-- Name: experiments audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.experiments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('experiment_id');


--
-- Name: model_aliases audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.model_aliases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('alias_id');


--
-- Name: model_tags audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.model_tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id', 'tag_id');


--
-- Name: model_versions audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.model_versions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('version_id');


--
-- Name: models audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.models REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('model_id');


--
-- Name: retention_policies audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.retention_policies REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('policy_id');


--
-- Name: run_datasets audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.run_datasets REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id', 'dataset_id');


--
-- Name: tags audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('tag_id');


--
-- Name: teams audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.teams REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('team_id');


--
-- Name: training_runs audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.training_runs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('run_id');


--
-- Name: users audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_update AFTER UPDATE ON public.users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_changes('user_id');


--
-- Name: deployments deployment_rules; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER deployment_rules BEFORE INSERT OR UPDATE OF status, version_id, environment_id, traffic_percentage ON public.deployments FOR EACH ROW EXECUTE FUNCTION public.enforce_deployment_rules();


--
-- Name: environments environment_governance; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER environment_governance BEFORE DELETE OR UPDATE OF environment_type ON public.environments FOR EACH ROW EXECUTE FUNCTION public.enforce_environment_governance();


--
-- Name: approvals link_approvals_requested_by; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER link_approvals_requested_by BEFORE INSERT OR UPDATE OF requested_by ON public.approvals FOR EACH ROW EXECUTE FUNCTION public.link_user('requested_by', 'requested_by_user_id');


--
-- Name: deployments link_deployments_deployed_by; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER link_deployments_deployed_by BEFORE INSERT OR UPDATE OF deployed_by ON public.deployments FOR EACH ROW EXECUTE FUNCTION public.link_user('deployed_by', 'deployed_by_user_id');


--
-- Name: experiments link_experiments_created_by; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER link_experiments_created_by BEFORE INSERT OR UPDATE OF created_by ON public.experiments FOR EACH ROW EXECUTE FUNCTION public.link_user('created_by', 'created_by_user_id');


--
-- Name: model_versions link_model_versions_registered_by; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER link_model_versions_registered_by BEFORE INSERT OR UPDATE OF registered_by ON public.model_versions FOR EACH ROW EXECUTE FUNCTION public.link_user('registered_by', 'registered_by_user_id');


--
-- Name: models link_models_created_by; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER link_models_created_by BEFORE INSERT OR UPDATE OF created_by ON public.models FOR EACH ROW EXECUTE FUNCTION public.link_user('created_by', 'created_by_user_id');


--
-- Name: models model_governance; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER model_governance BEFORE DELETE OR UPDATE OF compliance_required ON public.models FOR EACH ROW EXECUTE FUNCTION public.enforce_model_governance();


--
-- Name: retention_run_models retention_run_models_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER retention_run_models_append_only BEFORE DELETE OR UPDATE ON public.retention_run_models FOR EACH ROW EXECUTE FUNCTION public.refuse_retention_record_change();


--
-- Name: retention_run_models retention_run_models_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER retention_run_models_no_truncate BEFORE TRUNCATE ON public.retention_run_models FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_retention_record_change();


--
-- Name: retention_runs retention_runs_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER retention_runs_append_only BEFORE DELETE OR UPDATE ON public.retention_runs FOR EACH ROW EXECUTE FUNCTION public.refuse_retention_record_change();


--
-- Name: retention_runs retention_runs_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER retention_runs_no_truncate BEFORE TRUNCATE ON public.retention_runs FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_retention_record_change();


--
-- Name: models update_models_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_models_updated_at BEFORE UPDATE ON public.models FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();


--
-- Name: model_versions version_history; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER version_history BEFORE DELETE ON public.model_versions FOR EACH ROW EXECUTE FUNCTION public.enforce_version_history();


--
-- Name: model_versions version_lifecycle; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER version_lifecycle BEFORE INSERT OR UPDATE OF status, model_id, promoted_to_production_at, deprecated_at ON public.model_versions FOR EACH ROW EXECUTE FUNCTION public.enforce_version_lifecycle();


--
-- Name: approvals approvals_requested_by_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_requested_by_user_id_fkey FOREIGN KEY (requested_by_user_id) REFERENCES public.users(user_id) ON DELETE SET NULL;


--
-- Name: approvals approvals_version_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_version_id_fkey FOREIGN KEY (version_id) REFERENCES public.model_versions(version_id) ON DELETE CASCADE;


--
-- Name: dataset_tags dataset_tags_dataset_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dataset_tags
    ADD CONSTRAINT dataset_tags_dataset_id_fkey FOREIGN KEY (dataset_id) REFERENCES public.datasets(dataset_id) ON DELETE CASCADE;


--
-- Name: dataset_tags dataset_tags_tag_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dataset_tags
    ADD CONSTRAINT dataset_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags(tag_id) ON DELETE CASCADE;


--
-- Name: datasets datasets_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.datasets
    ADD CONSTRAINT datasets_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id) ON DELETE SET NULL;


--
-- Name: deployment_traffic_locks deployment_traffic_locks_environment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployment_traffic_locks
    ADD CONSTRAINT deployment_traffic_locks_environment_id_fkey FOREIGN KEY (environment_id) REFERENCES public.environments(environment_id) ON DELETE CASCADE;


--
-- Name: deployment_traffic_locks deployment_traffic_locks_model_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployment_traffic_locks
    ADD CONSTRAINT deployment_traffic_locks_model_id_fkey FOREIGN KEY (model_id) REFERENCES public.models(model_id) ON DELETE CASCADE;


--
-- Name: deployments deployments_deployed_by_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployments
    ADD CONSTRAINT deployments_deployed_by_user_id_fkey FOREIGN KEY (deployed_by_user_id) REFERENCES public.users(user_id) ON DELETE SET NULL;


--
-- Name: deployments deployments_environment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployments
    ADD CONSTRAINT deployments_environment_id_fkey FOREIGN KEY (environment_id) REFERENCES public.environments(environment_id);


--
-- Name: deployments deployments_version_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployments
    ADD CONSTRAINT deployments_version_id_fkey FOREIGN KEY (version_id) REFERENCES public.model_versions(version_id) ON DELETE RESTRICT;


--
-- Name: experiments experiments_created_by_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.experiments
    ADD CONSTRAINT experiments_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES public.users(user_id) ON DELETE SET NULL;


--
-- Name: experiments experiments_model_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.experiments
    ADD CONSTRAINT experiments_model_id_fkey FOREIGN KEY (model_id) REFERENCES public.models(model_id) ON DELETE CASCADE;


--
-- Name: model_alias_locks model_alias_locks_model_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_alias_locks
    ADD CONSTRAINT model_alias_locks_model_id_fkey FOREIGN KEY (model_id) REFERENCES public.models(model_id) ON DELETE CASCADE;


--
-- Name: model_aliases model_aliases_model_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_aliases
    ADD CONSTRAINT model_aliases_model_id_fkey FOREIGN KEY (model_id) REFERENCES public.models(model_id) ON DELETE CASCADE;


--
-- Name: model_aliases model_aliases_version_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_aliases
    ADD CONSTRAINT model_aliases_version_fk FOREIGN KEY (version_id, model_id) REFERENCES public.model_versions(version_id, model_id) ON DELETE CASCADE;


--
-- Name: model_tags model_tags_model_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_tags
    ADD CONSTRAINT model_tags_model_id_fkey FOREIGN KEY (model_id) REFERENCES public.models(model_id) ON DELETE CASCADE;


--
-- Name: model_tags model_tags_tag_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_tags
    ADD CONSTRAINT model_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags(tag_id) ON DELETE CASCADE;


--
-- Name: model_versions model_versions_model_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_versions
    ADD CONSTRAINT model_versions_model_id_fkey FOREIGN KEY (model_id) REFERENCES public.models(model_id) ON DELETE CASCADE;


--
-- Name: model_versions model_versions_registered_by_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_versions
    ADD CONSTRAINT model_versions_registered_by_user_id_fkey FOREIGN KEY (registered_by_user_id) REFERENCES public.users(user_id) ON DELETE SET NULL;


--
-- Name: models models_created_by_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.models
    ADD CONSTRAINT models_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES public.users(user_id) ON DELETE SET NULL;


--
-- Name: models models_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.models
    ADD CONSTRAINT models_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id) ON DELETE SET NULL;


--
-- Name: retention_policies retention_policies_environment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_policies
    ADD CONSTRAINT retention_policies_environment_id_fkey FOREIGN KEY (environment_id) REFERENCES public.environments(environment_id) ON DELETE CASCADE;


--
-- Name: retention_policies retention_policies_model_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_policies
    ADD CONSTRAINT retention_policies_model_id_fkey FOREIGN KEY (model_id) REFERENCES public.models(model_id) ON DELETE CASCADE;


--
-- Name: retention_run_models retention_run_models_retention_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_run_models
    ADD CONSTRAINT retention_run_models_retention_run_id_fkey FOREIGN KEY (retention_run_id) REFERENCES public.retention_runs(retention_run_id);


--
-- Name: run_datasets run_datasets_dataset_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.run_datasets
    ADD CONSTRAINT run_datasets_dataset_id_fkey FOREIGN KEY (dataset_id) REFERENCES public.datasets(dataset_id) ON DELETE RESTRICT;


--
-- Name: run_datasets run_datasets_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.run_datasets
    ADD CONSTRAINT run_datasets_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.training_runs(run_id) ON DELETE CASCADE;


--
-- Name: training_runs training_runs_experiment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.training_runs
    ADD CONSTRAINT training_runs_experiment_id_fkey FOREIGN KEY (experiment_id) REFERENCES public.experiments(experiment_id) ON DELETE SET NULL;


--
-- Name: training_runs training_runs_version_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.training_runs
    ADD CONSTRAINT training_runs_version_id_fkey FOREIGN KEY (version_id) REFERENCES public.model_versions(version_id) ON DELETE CASCADE;


--
-- Name: users users_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id) ON DELETE SET NULL;


--
-- PostgreSQL database dump complete
--



--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20251023000100'),
    ('20251023000200'),
    ('20251023000300'),
    ('20251023000400'),
    ('20251023000500'),
    ('20251023000600'),
    ('20251023000700'),
    ('20251023000800'),
    ('20251023000900'),
    ('20251023001000'),
    ('20251023001100'),
    ('20251023001200'),
    ('20251023001300'),
    ('20251023001400'),
    ('20251023001500'),
    ('20251023001600'),
    ('20251023001700'),
    ('20251023001800'),
    ('20251023001900'),
    ('20251023002100'),
    ('20251023002200'),
    ('20251023002300'),
    ('20251023002900'),
    ('20251023003000'),
    ('20251023003100'),
    ('20251023003200');
