-- name: MigrationLock :exec
-- Waits for, then holds for the session, the lock that lets one `mlreg
-- migrate` at a time change a database. It needs no table, so it works on
-- an empty database before the first migration.
SELECT pg_advisory_lock(hashtext('mlreg migrate'));

-- name: MigrationUnlock :one
-- Releases the migration lock; false when this session did not hold it.
SELECT pg_advisory_unlock(hashtext('mlreg migrate')) AS released;

-- name: MigrationVersionsApplied :many
-- Every version recorded in dbmate's bookkeeping, oldest first.
SELECT version::text AS version FROM schema_migrations ORDER BY version;

-- name: MigrationVersionRecord :exec
INSERT INTO schema_migrations (version) VALUES (@version::text);

-- name: MigrationVersionForget :exec
DELETE FROM schema_migrations WHERE version = @version::text;

-- name: MigrationBookkeepingExists :one
-- Whether dbmate's schema_migrations table exists (a database never
-- migrated has none).
SELECT (to_regclass('public.schema_migrations') IS NOT NULL)::boolean AS present;

-- name: MigrationTableExists :one
-- Whether a table of that name (schema-qualified or on the search path) exists.
SELECT (to_regclass(@table_name::text) IS NOT NULL)::boolean AS present;
