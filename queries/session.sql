-- name: SessionSetActor :exec
-- Names who acts in this transaction (registry.actor), for the audit trail.
SELECT set_config('registry.actor', @actor::text, true);

-- name: Ping :one
-- The cheapest round trip there is: the floor `mlreg bench` measures
-- lookups against.
SELECT 1::integer AS one;
