-- name: SessionSetActor :exec
-- Names who acts in this transaction (registry.actor), for the audit trail.
SELECT set_config('registry.actor', @actor::text, true);
