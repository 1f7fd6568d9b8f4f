-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- audit_seal_now is `mlreg audit seal` (registry.SealAudit) as one SQL
-- call, for a scheduler that runs SQL (pg_cron): it reads the last audit id
-- handed out, takes a transaction id after it, waits up to p_wait until every
-- transaction of the database older than that one has ended (after which
-- every id up to the horizon is committed or gone for good), seals up to the
-- horizon, and then makes sure the audit_log partitions of this month and
-- the next p_partition_months - 1 exist.
--
-- pg_stat_activity is read once per transaction and kept (a snapshot of the
-- statistics): each look clears it first, or the wait would never see a
-- transaction end. The transaction id is its own (pg_current_xact_id), which
-- is newer than every id handed out before the horizon was read; waiting does
-- not hold any lock. The partitions come last, after the seal, so that the
-- lock on audit_log that adding one takes (it blocks every audited write) is
-- held only until the commit; a partition that cannot be added within its
-- lock timeout is reported as a warning and left to the next run, the seal
-- stands. It needs READ COMMITTED, where the seal reads rows committed during
-- the wait; under a snapshot taken before the wait it would skip them.
CREATE FUNCTION audit_seal_now(p_wait INTERVAL, p_partition_months INTEGER)
    RETURNS TABLE (sealed BIGINT, head_id BIGINT, head_hash TEXT, partitions_added INTEGER)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
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

COMMENT ON FUNCTION audit_seal_now(INTERVAL, INTEGER) IS 'mlreg audit seal in one call: waits for older transactions, seals, adds partitions (for pg_cron)';

-- The admin seals; the function runs with the caller's rights, which are
-- the ones `mlreg audit seal` uses: the sequence's last value,
-- audit_transactions_finished_before, audit_seal, audit_log_add_partitions.
REVOKE EXECUTE ON FUNCTION audit_seal_now(INTERVAL, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal_now(INTERVAL, INTEGER) TO registry_admin;

-- The database pg_cron keeps its jobs in (cron.database_name), NULL when
-- pg_cron does not run on the server: `mlreg schedule` schedules there. The
-- setting itself is for superusers only; the scheduler's session, in that
-- database, is in pg_stat_activity for every role to see (database and
-- application name): pg_cron's launcher names itself 'pg_cron scheduler' and
-- connects as the bootstrap superuser (oid 10), which no client session
-- that merely takes the name can be unless it is a superuser's.
CREATE FUNCTION registry_cron_database() RETURNS TEXT
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    SELECT a.datname::text FROM pg_catalog.pg_stat_activity a
    WHERE a.application_name = 'pg_cron scheduler' AND a.usesysid = 10 AND a.datname IS NOT NULL
    ORDER BY a.backend_start
    LIMIT 1
$$;

COMMENT ON FUNCTION registry_cron_database() IS 'The database pg_cron keeps its jobs in, NULL when pg_cron does not run';

REVOKE EXECUTE ON FUNCTION registry_cron_database() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_cron_database() TO registry_reader;

-- migrate:down
DROP FUNCTION registry_cron_database();
DROP FUNCTION audit_seal_now(INTERVAL, INTEGER);
