-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- The latest version of a model (ModelVersionGetLatest): the first entry of
-- this index for the model is the answer, so the lookup reads one index
-- entry and one heap row, as a primary-key lookup does. With
-- idx_versions_semver alone the archived versions had to be read and
-- filtered out, and the generic plan read every version of the model and
-- sorted them. (mlreg bench, lookup_latest_version_vs_pk; docs/scaling.md.)
-- squawk flags the lock held while the index builds: model_versions has
-- 100,000 rows at the benchmark's large size, built in well under a second,
-- and the transaction of a migration cannot build it CONCURRENTLY.
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX idx_versions_latest ON model_versions (model_id, semver_key DESC) WHERE status <> 'archived';

-- migrate:down
-- A migration's transaction cannot drop it CONCURRENTLY; the drop is brief.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX idx_versions_latest;
