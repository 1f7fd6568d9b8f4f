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
