-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- The actor of a transaction. registry.actor is honoured only when
-- registry_set_actor() set it in the current transaction: it records a token
-- of the transaction (backend and start time) next to it, and
-- registry_actor() compares the token. A plain SET registry.actor (session
-- level, kept by a pooled connection for every later transaction) or a
-- set_config() of it alone is ignored, and the database user is the actor.
CREATE FUNCTION registry_transaction_token() RETURNS TEXT
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT pg_backend_pid()::text || ':' || (extract(epoch FROM now()) * 1000000)::bigint::text
$$;

COMMENT ON FUNCTION registry_transaction_token() IS 'Names the current transaction: backend pid and start time in microseconds';

CREATE FUNCTION registry_set_actor(actor TEXT) RETURNS TEXT
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
BEGIN
    PERFORM set_config('registry.actor_scope', public.registry_transaction_token(), true);
    RETURN set_config('registry.actor', COALESCE(actor, ''), true);
END;
$$;

COMMENT ON FUNCTION registry_set_actor(TEXT) IS 'Names who acts in this transaction (the audit actor); the only way registry.actor counts';

CREATE OR REPLACE FUNCTION registry_actor() RETURNS TEXT
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT CASE WHEN current_setting('registry.actor_scope', TRUE) = public.registry_transaction_token()
                THEN COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user::text)
                ELSE session_user::text END
$$;

GRANT EXECUTE ON FUNCTION registry_transaction_token(), registry_set_actor(TEXT) TO PUBLIC;

-- The trail belongs to registry_audit_owner, which cannot log in: audit_log
-- (and each partition), audit_chain, and the tables below. Its functions run
-- as it: audit_changes writes rows for every writer, audit_seal appends
-- links for the admin (who may no longer INSERT into audit_chain),
-- audit_log_add_partitions creates partitions (which needs the parent's
-- owner and CREATE on the schema).
GRANT CREATE ON SCHEMA public TO registry_audit_owner;
GRANT EXECUTE ON FUNCTION refuse_audit_change() TO registry_audit_owner;
ALTER TABLE audit_log OWNER TO registry_audit_owner;
DO $$
DECLARE
    p REGCLASS;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'public.audit_log'::regclass LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO registry_audit_owner', p);
    END LOOP;
END;
$$;
ALTER TABLE audit_chain OWNER TO registry_audit_owner;

-- One row per seal: what it sealed up to, the head it left, who sealed.
-- audit_verify reports a row without a link below the highest horizon, and a
-- chain whose link at a recorded head no longer has the recorded hash.
CREATE TABLE audit_seals (
    seal_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sealed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    up_to_id BIGINT NOT NULL,
    head_id BIGINT,
    head_hash BYTEA,
    sealed BIGINT NOT NULL,
    actor TEXT NOT NULL DEFAULT registry_actor(),
    db_user TEXT NOT NULL DEFAULT session_user
);

COMMENT ON TABLE audit_seals IS 'Every audit_seal: its horizon, the head it left and who sealed';

-- One row per month of the trail retired by audit_log_retire_month: the ids
-- it held, so that verify tells their missing rows from removed ones.
CREATE TABLE audit_retention (
    retention_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    retired_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    month_start DATE NOT NULL,
    audit_ids INT8MULTIRANGE NOT NULL,
    row_count BIGINT NOT NULL,
    actor TEXT NOT NULL DEFAULT registry_actor(),
    db_user TEXT NOT NULL DEFAULT session_user
);

COMMENT ON TABLE audit_retention IS 'Months of audit_log retired on purpose, with the audit ids they held';

CREATE TRIGGER audit_seals_append_only
    BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_seals_no_truncate
    BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_retention_append_only
    BEFORE UPDATE OR DELETE ON audit_retention
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_retention_no_truncate
    BEFORE TRUNCATE ON audit_retention
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

ALTER TABLE audit_seals OWNER TO registry_audit_owner;
ALTER TABLE audit_retention OWNER TO registry_audit_owner;

-- audit_changes as before, now run as the trail's owner, and saying so when
-- it ignores a registry.actor that was not set for the transaction.
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

-- audit_seal: as before, plus three things. The sealer lock is a table lock
-- on audit_chain in EXCLUSIVE mode, which only the trail's owner can take
-- (it was an advisory lock, which any role could take first and hold); the
-- horizon is clamped to the last audit id handed out; each seal is recorded
-- in audit_seals.
CREATE OR REPLACE FUNCTION audit_seal(up_to_id BIGINT)
    RETURNS TABLE (sealed BIGINT, head_id BIGINT, head_hash TEXT)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
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

-- audit_log_add_partitions creates the monthly partitions from the month of
-- from_time for the given number of months, within sane bounds: from last
-- month to 24 months ahead (at most 26 partitions a call). Rows written
-- while their month had no partition (before the first seal, say) sit in the
-- default partition, and a month's partition cannot be created while they
-- do: they move to it, unchanged (their hashes stay valid). That detaches
-- the default partition, attaches a new one and inserts the old one's rows
-- again through audit_log, under an ACCESS EXCLUSIVE lock on audit_log that
-- holds audited writes for as long as the copy takes (normally the rows of
-- the days before the first seal).
CREATE OR REPLACE FUNCTION audit_log_add_partitions(from_time TIMESTAMP WITH TIME ZONE, months INTEGER)
    RETURNS INTEGER
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
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

-- Retention: a month of the trail goes only through this function, which
-- records the audit ids it held (audit_retention), after checking that every
-- row of the month is sealed and still matches its link. The chain keeps its
-- links, so verify still checks that they follow on from each other. Not the
-- admin's: the migrator (a member of registry_audit_owner) or a superuser
-- runs it. A month dropped any other way is reported as removed.
CREATE FUNCTION audit_log_retire_month(month_start DATE) RETURNS BIGINT
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
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

-- audit_verify reports every disagreement between the trail and the chain,
-- as ranges of consecutive audit ids with one problem each (audit_id to
-- last_id, row_count ids), in id order; no row when they agree:
-- - a link whose prev_hash is not the previous link's hash (the first link's
--   is 32 zero bytes): links are never removed, retention included;
-- - a linked row that is gone, unless audit_log_retire_month retired it;
-- - a linked row whose content no longer matches its hash;
-- - a row without a link at or below the highest seal horizon;
-- - a recorded seal head whose link no longer has the recorded hash.
-- Rows written after the last seal are not checked (they have no link yet).
DROP FUNCTION audit_verify();
CREATE FUNCTION audit_verify()
    RETURNS TABLE (audit_id BIGINT, last_id BIGINT, row_count BIGINT, problem TEXT)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
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

-- What the trail holds, for a client about to drop it (mlreg migrate down):
-- rows, links, the head, unsealed rows, seals and retired rows.
CREATE FUNCTION audit_trail_status()
    RETURNS TABLE (audit_rows BIGINT, sealed_links BIGINT, head_id BIGINT, unsealed_rows BIGINT, seals BIGINT, retired_rows BIGINT)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT (SELECT count(*) FROM public.audit_log),
           (SELECT count(*) FROM public.audit_chain),
           COALESCE((SELECT max(c.audit_id) FROM public.audit_chain c), 0),
           (SELECT count(*) FROM public.audit_log l
             WHERE l.audit_id > COALESCE((SELECT max(c.audit_id) FROM public.audit_chain c), 0)),
           (SELECT count(*) FROM public.audit_seals),
           COALESCE((SELECT sum(r.row_count) FROM public.audit_retention r), 0)::bigint
$$;

COMMENT ON FUNCTION audit_trail_status() IS 'Rows, links, head, unsealed rows, seals and retired rows of the audit trail';

ALTER FUNCTION audit_changes() OWNER TO registry_audit_owner;
ALTER FUNCTION audit_seal(BIGINT) OWNER TO registry_audit_owner;
ALTER FUNCTION audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) OWNER TO registry_audit_owner;
ALTER FUNCTION audit_log_retire_month(DATE) OWNER TO registry_audit_owner;

-- Least privilege: the writer draws no audit ids (its rows get theirs from
-- audit_changes; it had USAGE on every sequence), the admin links only
-- through audit_seal and reads the last id handed out (the seal horizon).
REVOKE USAGE ON SEQUENCE audit_log_audit_id_seq FROM registry_writer;
GRANT SELECT ON SEQUENCE audit_log_audit_id_seq TO registry_admin;
REVOKE INSERT ON audit_chain FROM registry_admin;
GRANT SELECT ON audit_seals, audit_retention TO registry_admin;
REVOKE EXECUTE ON FUNCTION audit_log_retire_month(DATE) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_verify(), audit_trail_status() TO registry_admin;

-- migrate:down
DROP FUNCTION audit_trail_status();
DROP FUNCTION audit_verify();
CREATE FUNCTION audit_verify()
    RETURNS TABLE (audit_id BIGINT, problem TEXT)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    r RECORD;
    prev BYTEA;
    first BOOLEAN := TRUE;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_log) AND EXISTS (SELECT 1 FROM audit_chain) THEN
        RETURN QUERY SELECT (SELECT max(c.audit_id) FROM audit_chain c),
            'audit_log is empty but the chain links sealed rows: the trail was removed'::text;
        RETURN;
    END IF;
    FOR r IN SELECT c.audit_id AS chain_id, c.prev_hash, c.row_hash, l AS row, l.audit_id AS log_id
               FROM audit_chain c
               FULL JOIN audit_log l ON l.audit_id = c.audit_id
              WHERE COALESCE(c.audit_id, l.audit_id) >= (SELECT min(l2.audit_id) FROM audit_log l2)
                AND COALESCE(c.audit_id, l.audit_id) <= (SELECT max(c2.audit_id) FROM audit_chain c2)
              ORDER BY COALESCE(c.audit_id, l.audit_id) LOOP
        IF r.chain_id IS NULL THEN
            RETURN QUERY SELECT r.log_id, 'audit row was added after it was sealed: it has no link in the chain'::text;
            RETURN;
        ELSIF r.log_id IS NULL THEN
            RETURN QUERY SELECT r.chain_id, 'audit row was removed: the chain links it but audit_log no longer has it'::text;
            RETURN;
        ELSIF NOT first AND r.prev_hash <> prev THEN
            RETURN QUERY SELECT r.chain_id, 'chain link was altered: its prev_hash is not the previous link''s hash'::text;
            RETURN;
        ELSIF r.row_hash <> sha256(r.prev_hash || convert_to(audit_row_content(r.row), 'UTF8')) THEN
            RETURN QUERY SELECT r.chain_id, 'audit row was altered: its content no longer matches its hash'::text;
            RETURN;
        END IF;
        prev := r.row_hash;
        first := FALSE;
    END LOOP;
END;
$$;
REVOKE EXECUTE ON FUNCTION audit_verify() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_verify() TO registry_admin;
GRANT INSERT ON audit_chain TO registry_admin;
REVOKE SELECT ON SEQUENCE audit_log_audit_id_seq FROM registry_admin;
GRANT USAGE ON SEQUENCE audit_log_audit_id_seq TO registry_writer;
ALTER FUNCTION audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER) OWNER TO CURRENT_USER;
ALTER FUNCTION audit_seal(BIGINT) OWNER TO CURRENT_USER;
ALTER FUNCTION audit_changes() OWNER TO CURRENT_USER;
DROP FUNCTION audit_log_retire_month(DATE);
CREATE OR REPLACE FUNCTION audit_log_add_partitions(from_time TIMESTAMP WITH TIME ZONE, months INTEGER)
    RETURNS INTEGER
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    month_start DATE;
    created INTEGER := 0;
    part TEXT;
BEGIN
    PERFORM set_config('lock_timeout', '2s', true);
    FOR i IN 0 .. months - 1 LOOP
        month_start := (date_trunc('month', from_time AT TIME ZONE 'UTC') + make_interval(months => i))::date;
        part := format('audit_log_%s', to_char(month_start, 'YYYY_MM'));
        IF to_regclass(part) IS NULL AND NOT EXISTS (
            SELECT 1 FROM audit_log_default
             WHERE tx_time >= (month_start::timestamp AT TIME ZONE 'UTC')
               AND tx_time < ((month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC')) THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
                part, (month_start::timestamp AT TIME ZONE 'UTC'),
                ((month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC'));
            EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change()', part);
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END;
$$;
CREATE OR REPLACE FUNCTION audit_seal(up_to_id BIGINT)
    RETURNS TABLE (sealed BIGINT, head_id BIGINT, head_hash TEXT)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    prev BYTEA;
    last_id BIGINT;
    n BIGINT := 0;
    a audit_log;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('audit_seal', 0));
    SELECT c.audit_id, c.row_hash INTO last_id, prev FROM audit_chain c ORDER BY c.audit_id DESC LIMIT 1;
    prev := COALESCE(prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    FOR a IN SELECT * FROM audit_log l
              WHERE l.audit_id > COALESCE(last_id, 0) AND l.audit_id <= up_to_id
              ORDER BY l.audit_id LOOP
        INSERT INTO audit_chain (audit_id, prev_hash, row_hash)
        VALUES (a.audit_id, prev, sha256(prev || convert_to(audit_row_content(a), 'UTF8')));
        prev := sha256(prev || convert_to(audit_row_content(a), 'UTF8'));
        last_id := a.audit_id;
        n := n + 1;
    END LOOP;
    RETURN QUERY SELECT n, last_id, encode(prev, 'hex');
END;
$$;
CREATE OR REPLACE FUNCTION audit_changes() RETURNS TRIGGER
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
DECLARE
    key_columns TEXT[] := TG_ARGV;
BEGIN
    IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> ALL (audited_tables()) THEN
        RAISE EXCEPTION 'audit_changes runs only on the registry''s tables, not on %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO audit_log (actor, table_name, action, row_key)
        VALUES (registry_actor(), TG_TABLE_NAME, 'TRUNCATE', '{}');
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (actor, table_name, action, row_key, new_row)
        SELECT registry_actor(), TG_TABLE_NAME, 'INSERT', audit_row_key(to_jsonb(n), key_columns), to_jsonb(n)
          FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (actor, table_name, action, row_key, old_row)
        SELECT registry_actor(), TG_TABLE_NAME, 'DELETE', audit_row_key(to_jsonb(o), key_columns), to_jsonb(o)
          FROM old_rows o;
    ELSE
        INSERT INTO audit_log (actor, table_name, action, row_key, old_row, new_row)
        SELECT registry_actor(), TG_TABLE_NAME, 'UPDATE', c.row_key, c.old_changed, c.new_changed
          FROM (
            SELECT COALESCE(audit_row_key(o.j, key_columns), audit_row_key(n.j, key_columns)) AS row_key,
                   (SELECT jsonb_object_agg(oe.key, oe.value) FROM jsonb_each(o.j) oe
                     WHERE n.j IS NULL OR n.j -> oe.key IS DISTINCT FROM oe.value) AS old_changed,
                   (SELECT jsonb_object_agg(ne.key, ne.value) FROM jsonb_each(n.j) ne
                     WHERE o.j IS NULL OR o.j -> ne.key IS DISTINCT FROM ne.value) AS new_changed
              FROM (SELECT to_jsonb(o) AS j FROM old_rows o) o
              FULL JOIN (SELECT to_jsonb(n) AS j FROM new_rows n) n
                ON audit_row_key(o.j, key_columns) = audit_row_key(n.j, key_columns)
          ) c
         WHERE c.new_changed IS NOT NULL OR c.old_changed IS NOT NULL;
    END IF;
    RETURN NULL;
END;
$$;
DROP TABLE audit_retention;
DROP TABLE audit_seals;
ALTER TABLE audit_chain OWNER TO CURRENT_USER;
DO $$
DECLARE
    p REGCLASS;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'public.audit_log'::regclass LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO CURRENT_USER', p);
    END LOOP;
END;
$$;
ALTER TABLE audit_log OWNER TO CURRENT_USER;
REVOKE EXECUTE ON FUNCTION refuse_audit_change() FROM registry_audit_owner;
REVOKE CREATE ON SCHEMA public FROM registry_audit_owner;
CREATE OR REPLACE FUNCTION registry_actor() RETURNS TEXT
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user::text)
$$;
DROP FUNCTION registry_set_actor(TEXT);
DROP FUNCTION registry_transaction_token();
