-- What `mlreg stats` reads besides the Part 6 reports (ReportIndexUsage,
-- ReportSequentialScans and ReportTableSizes in reports.sql, over the
-- functions of 20251023000900). These read the statistics views directly:
-- sqlc knows them, and types every column of theirs as nullable, so the
-- counters that are never NULL are cast (or COALESCEd) to say so, and the
-- times that are NULL until the first (auto)vacuum or analyze stay
-- nullable. The schema is named, as in the functions.

-- name: StatsTableMaintenance :many
-- Rows, dead rows and the last (auto)vacuum and (auto)analyze of each table
-- (each partition too, with the table it belongs to), most dead rows first.
SELECT s.relname::text AS table_name, parent.relname AS partition_of,
       COALESCE(s.n_live_tup, 0)::bigint AS live_rows, COALESCE(s.n_dead_tup, 0)::bigint AS dead_rows,
       COALESCE(s.n_mod_since_analyze, 0)::bigint AS rows_modified_since_analyze,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze
FROM pg_catalog.pg_stat_user_tables s
LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = s.relid
LEFT JOIN pg_catalog.pg_class parent ON parent.oid = i.inhparent AND parent.relkind = 'p'
WHERE s.schemaname = 'public'
ORDER BY 4 DESC, 1;

-- name: StatsIndexSizes :many
-- Every index with its size, the constraint it enforces (primary key,
-- unique or exclusion; NULL: none) and the foreign keys of its table whose
-- columns lead it (empty: none), largest first. An index that enforces a
-- constraint is needed even if no query reads it, and one that leads with a
-- foreign key's columns is what a delete of a parent row (CASCADE, SET NULL,
-- RESTRICT) probes instead of scanning the whole table.
SELECT t.relname::text AS table_name, ix.relname::text AS index_name,
       pg_catalog.pg_relation_size(ix.oid)::bigint AS index_bytes,
       con.conname AS backs_constraint, array_remove(array_agg(f.conname::text ORDER BY f.conname), NULL)::text[] AS serves_foreign_keys
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ix ON ix.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
LEFT JOIN pg_catalog.pg_constraint con
  ON con.conindid = ix.oid AND con.conrelid = t.oid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_catalog.pg_constraint f
  ON f.conrelid = t.oid AND f.contype = 'f'
 AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(f.conkey)] @> f.conkey
 AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(f.conkey)] <@ f.conkey
WHERE t.relnamespace = 'public'::regnamespace AND ix.relkind = 'i'
GROUP BY t.relname, ix.relname, ix.oid, con.conname
ORDER BY 3 DESC, 1, 2;

-- name: StatsSince :one
-- When the counters of this database were last reset (NULL: never, they
-- count from its creation); "never used" means never since then.
SELECT d.stats_reset
FROM pg_catalog.pg_stat_database d
WHERE d.datname = pg_catalog.current_database();

-- name: StatsSnapshot :exec
-- Makes the statistics this transaction reads one snapshot: every query of
-- the report sees the counters of the same moment.
SELECT set_config('stats_fetch_consistency', 'snapshot', true);
