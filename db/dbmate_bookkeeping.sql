-- dbmate's bookkeeping table, as dbmate creates it. It is not a migration:
-- dbmate (make migrate) and the migrate package create it before the first
-- migration. sqlc reads it so that the migrate package's queries on it are
-- generated and checked like every other.
CREATE TABLE IF NOT EXISTS schema_migrations (version varchar PRIMARY KEY);
