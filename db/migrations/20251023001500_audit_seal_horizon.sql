-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- audit_transactions_finished_before says whether every transaction of this
-- database that got its id before xmax (a pg_current_xact_id()) has ended:
-- until then one of them may still commit an audit_id below the seal
-- horizon. Only this database's transactions count, so a long job in
-- another database of the server does not hold the seal up; prepared
-- transactions (not sessions any more) count too. Ids are 32 bits there, so
-- they compare by age, which is wraparound-safe.
CREATE FUNCTION audit_transactions_finished_before(xmax BIGINT) RETURNS BOOLEAN
    LANGUAGE sql STABLE
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

REVOKE EXECUTE ON FUNCTION audit_transactions_finished_before(BIGINT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_transactions_finished_before(BIGINT) TO registry_admin;

-- migrate:down
DROP FUNCTION audit_transactions_finished_before(BIGINT);
