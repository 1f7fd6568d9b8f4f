-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- One row per row changed in a registry table, written by the audit_*
-- triggers below and by nothing else. Partitioned by transaction time, one
-- partition a month, so old months are detached or dropped whole and queries
-- over a period read only its partitions.
CREATE TABLE audit_log (
    audit_id BIGINT GENERATED ALWAYS AS IDENTITY,
    tx_time TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    clock_time TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    txid BIGINT NOT NULL DEFAULT txid_current(),
    actor TEXT NOT NULL,
    db_user TEXT NOT NULL DEFAULT session_user,
    table_name TEXT NOT NULL,
    action TEXT NOT NULL,
    row_key JSONB NOT NULL,
    old_row JSONB,
    new_row JSONB,

    PRIMARY KEY (audit_id, tx_time),
    CONSTRAINT valid_audit_action CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'))
) PARTITION BY RANGE (tx_time);

CREATE INDEX idx_audit_log_table_time ON audit_log(table_name, tx_time);
CREATE INDEX idx_audit_log_actor_time ON audit_log(actor, tx_time);
CREATE INDEX idx_audit_log_tx_time ON audit_log(tx_time);

COMMENT ON TABLE audit_log IS 'Append-only trail of every change to the registry tables';
COMMENT ON COLUMN audit_log.actor IS 'registry.actor of the transaction, else the database user';
COMMENT ON COLUMN audit_log.row_key IS 'Primary key of the changed row ({} for TRUNCATE)';
COMMENT ON COLUMN audit_log.old_row IS 'Row before: whole for DELETE, changed columns only for UPDATE';
COMMENT ON COLUMN audit_log.new_row IS 'Row after: whole for INSERT, changed columns only for UPDATE';

-- Rows outside every monthly partition land here rather than fail a write.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

-- audit_log_add_partitions creates the monthly partitions from the month of
-- from_time for the given number of months, skipping those that exist and
-- those whose month already has rows in the default partition. `mlreg audit
-- seal` runs it; the migration creates none, so the schema is the same
-- whatever the month it is applied in.
CREATE FUNCTION audit_log_add_partitions(from_time TIMESTAMP WITH TIME ZONE, months INTEGER)
    RETURNS INTEGER
    LANGUAGE plpgsql
    AS $$
DECLARE
    month_start DATE;
    created INTEGER := 0;
    part TEXT;
BEGIN
    -- Attaching a partition locks audit_log, which every audited write
    -- needs: wait briefly, never behind a long transaction.
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

-- The trail cannot be rewritten through SQL, not even by the table owner.
CREATE FUNCTION refuse_audit_change() RETURNS TRIGGER
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();

-- TRUNCATE triggers are not inherited: each partition gets its own.
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log_default
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- The actor of the current transaction: what the application set with
-- set_config('registry.actor', ..., true), else the database user.
CREATE FUNCTION registry_actor() RETURNS TEXT
    LANGUAGE sql STABLE
    AS $$
    SELECT COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user::text)
$$;

-- audit_changes is the statement-level trigger behind every audit_* trigger:
-- one INSERT into audit_log per statement, from the transition tables, so a
-- COPY of a million rows costs one statement here, not a million.
-- TG_ARGV holds the table's primary-key columns. SECURITY DEFINER lets
-- writers that may not touch audit_log still be audited.
CREATE FUNCTION audit_changes() RETURNS TRIGGER
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    key_columns TEXT[] := TG_ARGV;
BEGIN
    -- It runs as its owner: only on the registry's own tables, never on a
    -- table a caller made (a temporary one could forge rows or run code).
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

-- The audited tables: the exercise's 14 and model_aliases.
CREATE FUNCTION audited_tables() RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT ARRAY['teams', 'users', 'environments', 'models', 'model_versions', 'datasets',
        'experiments', 'training_runs', 'run_datasets', 'deployments', 'approvals', 'tags',
        'model_tags', 'dataset_tags', 'model_aliases']
$$;

CREATE FUNCTION audit_row_key(r JSONB, key_columns TEXT[]) RETURNS JSONB
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_object_agg(k, r -> k) FROM unnest(key_columns) AS k WHERE r IS NOT NULL
$$;

-- Transition tables allow one event a trigger, hence three triggers a table.
DO $$
DECLARE
    t RECORD;
    event TEXT;
    ref TEXT;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('teams', ARRAY['team_id']), ('users', ARRAY['user_id']),
        ('environments', ARRAY['environment_id']), ('models', ARRAY['model_id']),
        ('model_versions', ARRAY['version_id']), ('datasets', ARRAY['dataset_id']),
        ('experiments', ARRAY['experiment_id']), ('training_runs', ARRAY['run_id']),
        ('run_datasets', ARRAY['run_id', 'dataset_id']), ('deployments', ARRAY['deployment_id']),
        ('approvals', ARRAY['approval_id']), ('tags', ARRAY['tag_id']),
        ('model_tags', ARRAY['model_id', 'tag_id']), ('dataset_tags', ARRAY['dataset_id', 'tag_id']),
        ('model_aliases', ARRAY['alias_id'])
    ) AS v(table_name, key_columns) LOOP
        FOREACH event IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
            ref := CASE event
                WHEN 'insert' THEN 'REFERENCING NEW TABLE AS new_rows'
                WHEN 'delete' THEN 'REFERENCING OLD TABLE AS old_rows'
                WHEN 'update' THEN 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                ELSE '' END;
            EXECUTE format(
                'CREATE TRIGGER %I AFTER %s ON %I %s FOR EACH STATEMENT EXECUTE FUNCTION audit_changes(%s)',
                'audit_' || event, upper(event), t.table_name, ref,
                (SELECT string_agg(quote_literal(k), ', ') FROM unnest(t.key_columns) AS k));
        END LOOP;
    END LOOP;
END;
$$;

-- The hash chain. audit_seal appends one link per audit row, in audit_id
-- order: row_hash = sha256(prev_hash || audit_row_content(row)). Links are
-- only appended (audit_chain refuses UPDATE and DELETE like audit_log), and
-- audit_verify recomputes them.
CREATE TABLE audit_chain (
    audit_id BIGINT PRIMARY KEY,
    prev_hash BYTEA NOT NULL,
    row_hash BYTEA NOT NULL,
    sealed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

COMMENT ON TABLE audit_chain IS 'Hash chain over audit_log, appended by audit_seal';

CREATE TRIGGER audit_chain_append_only
    BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();

CREATE TRIGGER audit_chain_no_truncate
    BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- audit_row_content is the text an audit row is hashed as. Times are written
-- in UTC and JSONB text is canonical, so every session hashes alike.
CREATE FUNCTION audit_row_content(a audit_log) RETURNS TEXT
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_build_array(
        a.audit_id, to_char(a.tx_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        to_char(a.clock_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), a.txid,
        a.actor, a.db_user, a.table_name, a.action, a.row_key, a.old_row, a.new_row)::text
$$;

-- audit_seal links every unsealed audit row with audit_id <= up_to_id, in
-- audit_id order. The caller picks up_to_id so that no transaction can still
-- commit a lower id (see `mlreg audit seal`). The first link of an empty chain
-- starts from 32 zero bytes.
CREATE FUNCTION audit_seal(up_to_id BIGINT)
    RETURNS TABLE (sealed BIGINT, head_id BIGINT, head_hash TEXT)
    LANGUAGE plpgsql
    AS $$
DECLARE
    prev BYTEA;
    last_id BIGINT;
    n BIGINT := 0;
    a audit_log;
BEGIN
    -- One sealer at a time.
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

-- audit_verify walks the chain and returns its first broken link, or no row
-- when every sealed audit row is unchanged, none is missing and none was
-- added among them. It starts at the oldest audit row still present and takes
-- that link's prev_hash as given, so dropping the oldest partitions (the
-- retention path) leaves a chain that still verifies from where it starts.
CREATE FUNCTION audit_verify()
    RETURNS TABLE (audit_id BIGINT, problem TEXT)
    LANGUAGE plpgsql STABLE
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

-- migrate:down
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['teams', 'users', 'environments', 'models', 'model_versions', 'datasets',
        'experiments', 'training_runs', 'run_datasets', 'deployments', 'approvals', 'tags',
        'model_tags', 'dataset_tags', 'model_aliases'] LOOP
        EXECUTE format('DROP TRIGGER audit_insert ON %I', t);
        EXECUTE format('DROP TRIGGER audit_update ON %I', t);
        EXECUTE format('DROP TRIGGER audit_delete ON %I', t);
        EXECUTE format('DROP TRIGGER audit_truncate ON %I', t);
    END LOOP;
END;
$$;
DROP FUNCTION audit_verify();
DROP FUNCTION audit_seal(BIGINT);
DROP FUNCTION audit_row_content(audit_log);
DROP TABLE audit_chain;
DROP FUNCTION audit_changes();
DROP FUNCTION audit_row_key(JSONB, TEXT[]);
DROP FUNCTION audited_tables();
DROP FUNCTION registry_actor();
DROP TABLE audit_log;
DROP FUNCTION refuse_audit_change();
DROP FUNCTION audit_log_add_partitions(TIMESTAMP WITH TIME ZONE, INTEGER);
