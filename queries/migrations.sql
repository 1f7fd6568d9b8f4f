-- name: MigrationLock :exec
-- Waits for, then holds for the session, the lock that lets one `mlreg
-- migrate` at a time change a database. It needs no table, so it works on
-- an empty database before the first migration.
SELECT pg_advisory_lock(hashtext('mlreg migrate'));

-- name: MigrationUnlock :one
-- Releases the migration lock; false when this session did not hold it.
SELECT pg_advisory_unlock(hashtext('mlreg migrate')) AS released;
