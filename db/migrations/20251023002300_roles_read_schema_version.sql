-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Every mlreg command first checks that the database is migrated by its
-- release (schema_migrations), so that a command against an older or newer
-- schema stops with one line saying what to do. The registry's roles could
-- not read the table, so every command run as a registry_reader, _writer or
-- _admin login failed with "permission denied for table schema_migrations"
-- (found when `mlreg retention` and `mlreg schedule` ran as an admin login).
-- The versions applied are no secret.
GRANT SELECT ON schema_migrations TO registry_reader;

-- migrate:down
REVOKE SELECT ON schema_migrations FROM registry_reader;
