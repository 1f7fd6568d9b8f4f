-- name: SessionSetActor :exec
-- Names who acts in this transaction (registry.actor), for the audit trail.
SELECT set_config('registry.actor', @actor::text, true);

-- name: Ping :one
-- The cheapest round trip there is: the floor `mlreg bench` measures
-- lookups against.
SELECT 1::integer AS one;

-- name: SessionSetWorkMem :exec
-- Raises work_mem for this transaction only: the integrity checks' hash
-- anti-joins over every run and link spill to disk at the 4MB default.
SELECT set_config('work_mem', @work_mem::text, true);
