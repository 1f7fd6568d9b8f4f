-- name: CatalogTables :many
-- The tables of the public schema, by name, read from pg_catalog as the
-- other Catalog queries are (for `mlreg erd`): ordinary and partitioned
-- tables, not the partitions of one, which belong to their parent. Catalog
-- columns are cast explicitly (name, char, int2) so sqlc types them plainly.
SELECT c.relname::text AS table_name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
ORDER BY c.relname;

-- name: CatalogTableColumns :many
-- Every column of those tables, in table order, with its type (typname, such
-- as int4 or timestamptz, or _text for text[], and the full format_type),
-- its nullability and whether it is part of the table's primary key.
SELECT c.relname::text AS table_name,
       a.attname::text AS column_name,
       a.attnum::int AS ordinal_position,
       t.typname::text AS type_name,
       format_type(a.atttypid, a.atttypmod)::text AS data_type,
       (NOT a.attnotnull)::bool AS is_nullable,
       EXISTS (
           SELECT 1
           FROM pg_catalog.pg_constraint pk
           WHERE pk.conrelid = c.oid
             AND pk.contype = 'p'
             AND a.attnum = ANY (pk.conkey)
       )::bool AS is_primary_key
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;

-- name: CatalogForeignKeys :many
-- One row per column of every foreign key of those tables, paired by
-- position with the column it references, with whether the referencing
-- column is NOT NULL and the key's ON DELETE rule. The copies PostgreSQL
-- makes of a key for each partition (conparentid set) are left out.
SELECT con.conname::text AS constraint_name,
       src.relname::text AS table_name,
       sa.attname::text AS column_name,
       dst.relname::text AS referenced_table,
       da.attname::text AS referenced_column,
       array_position(con.conkey, sa.attnum)::int AS position,
       sa.attnotnull::bool AS not_null,
       (CASE con.confdeltype
            WHEN 'a' THEN 'NO ACTION'
            WHEN 'r' THEN 'RESTRICT'
            WHEN 'c' THEN 'CASCADE'
            WHEN 'n' THEN 'SET NULL'
            WHEN 'd' THEN 'SET DEFAULT'
        END)::text AS delete_rule
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class src ON src.oid = con.conrelid
JOIN pg_catalog.pg_namespace ns ON ns.oid = src.relnamespace
JOIN pg_catalog.pg_class dst ON dst.oid = con.confrelid
JOIN pg_catalog.pg_attribute sa
  ON sa.attrelid = con.conrelid AND sa.attnum = ANY (con.conkey)
JOIN pg_catalog.pg_attribute da
  ON da.attrelid = con.confrelid
 AND da.attnum = con.confkey[array_position(con.conkey, sa.attnum)]
WHERE con.contype = 'f'
  AND con.conparentid = 0
  AND ns.nspname = 'public'
  AND NOT src.relispartition
ORDER BY src.relname, con.conname, array_position(con.conkey, sa.attnum);
