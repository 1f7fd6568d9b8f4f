-- name: SessionSetActor :exec
-- Names who acts in this transaction, for the audit trail: registry.actor,
-- set by registry_set_actor(), which ties it to this transaction (a
-- registry.actor set any other way is ignored).
SELECT registry_set_actor(@actor::text);

-- name: Ping :one
-- The cheapest round trip there is: the floor `mlreg bench` measures
-- lookups against.
SELECT 1::integer AS one;

-- name: SessionSetWorkMem :exec
-- Raises work_mem for this transaction only: the integrity checks' hash
-- anti-joins over every run and link spill to disk at the 4MB default.
SELECT set_config('work_mem', @work_mem::text, true);

-- name: SessionLockSampleSeed :exec
-- Holds, until the transaction ends, the lock that lets one sample seed at
-- a time look for its rows and create the missing ones: two seeds at once
-- would both find a row missing and the second would fail on its unique key.
SELECT pg_advisory_xact_lock(hashtext('mlreg seed sample'));
