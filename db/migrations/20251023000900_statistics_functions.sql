-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- The exercise's Part 6 statistics queries, as functions so that the typed
-- query layer can call them (sqlc does not know the pg_stat views), and with
-- the views' real column names: pg_stat_user_indexes has relname and
-- indexrelname, not tablename and indexname.

CREATE FUNCTION registry_index_usage()
RETURNS TABLE (table_name TEXT, index_name TEXT, idx_scan BIGINT, idx_tup_read BIGINT, idx_tup_fetch BIGINT)
LANGUAGE sql STABLE
AS $$
    SELECT relname::text, indexrelname::text, idx_scan, idx_tup_read, idx_tup_fetch
    FROM pg_stat_user_indexes
    WHERE schemaname = current_schema()
$$;

COMMENT ON FUNCTION registry_index_usage() IS 'Part 6.1: how often each index of the registry was used';

CREATE FUNCTION registry_sequential_scans()
RETURNS TABLE (table_name TEXT, seq_scan BIGINT, seq_tup_read BIGINT, avg_rows_per_scan BIGINT)
LANGUAGE sql STABLE
AS $$
    SELECT relname::text, seq_scan, seq_tup_read, seq_tup_read / seq_scan
    FROM pg_stat_user_tables
    WHERE schemaname = current_schema() AND seq_scan > 0
$$;

COMMENT ON FUNCTION registry_sequential_scans() IS 'Part 6.1: tables read by sequential scans, candidates for an index';

CREATE FUNCTION registry_table_sizes()
RETURNS TABLE (table_name TEXT, total_bytes BIGINT, table_bytes BIGINT, index_bytes BIGINT)
LANGUAGE sql STABLE
AS $$
    SELECT c.relname::text, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
           pg_total_relation_size(c.oid) - pg_relation_size(c.oid)
    FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
$$;

COMMENT ON FUNCTION registry_table_sizes() IS 'Part 6.3: table and index sizes in bytes';

-- migrate:down
DROP FUNCTION registry_table_sizes();
DROP FUNCTION registry_sequential_scans();
DROP FUNCTION registry_index_usage();
