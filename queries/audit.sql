-- name: AuditLogList :many
-- The audit trail, newest first, keyset on audit_id, optionally narrowed to
-- one table, one actor and a start time.
SELECT audit_id, tx_time, clock_time, actor, db_user, table_name, action, row_key, old_row, new_row
FROM audit_log
WHERE (sqlc.narg('table_name')::text IS NULL OR table_name = sqlc.narg('table_name'))
  AND (sqlc.narg('actor')::text IS NULL OR actor = sqlc.narg('actor'))
  AND (sqlc.narg('since')::timestamptz IS NULL OR tx_time >= sqlc.narg('since'))
  AND audit_id < @before_id
ORDER BY audit_id DESC
LIMIT @max_rows;

-- name: AuditLogLastID :one
-- The last audit_id handed out, committed or not: seal reads it before it
-- waits for the transactions that may still commit an id up to it.
SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('audit_log', 'audit_id')::regclass), 0)::bigint AS last_id;

-- name: AuditSnapshotXmax :one
-- A transaction id newer than every one handed out before it (this
-- statement's own): every transaction below it that still runs is one seal
-- must wait for.
SELECT pg_current_xact_id()::text::bigint AS xmax;

-- name: AuditTransactionsFinishedBefore :one
-- Whether every transaction of this database that got its id before xmax
-- has ended (see audit_transactions_finished_before).
SELECT audit_transactions_finished_before(@xmax::bigint)::boolean AS finished;

-- name: AuditAddPartitions :one
-- Creates the audit_log partitions of this month and the next ones.
SELECT audit_log_add_partitions(now(), @months::integer)::integer AS created;

-- name: AuditSeal :one
-- Appends a chain link for every unsealed audit row up to up_to_id.
SELECT s.sealed::bigint AS sealed, COALESCE(s.head_id, 0)::bigint AS head_id, s.head_hash::text AS head_hash
FROM audit_seal(@up_to_id::bigint) AS s;

-- name: AuditVerify :many
-- Every disagreement between the trail and the chain, as ranges of audit
-- ids (audit_id to last_id, row_count ids) with one problem each, in id
-- order; no row when they agree.
SELECT v.audit_id::bigint AS audit_id, v.problem::text AS problem,
       v.last_id::bigint AS last_id, v.row_count::bigint AS row_count
FROM audit_verify() AS v;

-- name: AuditTrailStatus :one
-- What the trail holds (for a client about to drop it, mlreg migrate down):
-- audit rows, chain links, the head id, rows not sealed yet, seals made and
-- rows retired on purpose.
SELECT s.audit_rows::bigint AS audit_rows, s.sealed_links::bigint AS sealed_links, s.head_id::bigint AS head_id,
       s.unsealed_rows::bigint AS unsealed_rows, s.seals::bigint AS seals, s.retired_rows::bigint AS retired_rows
FROM audit_trail_status() AS s;

-- name: AuditChainSummary :one
-- What verify covered: the sealed links from the oldest audit row kept, and
-- how many audit rows are not sealed yet. Ids are 0 and the hash empty when
-- there is nothing.
SELECT
    (SELECT count(*) FROM audit_chain c WHERE c.audit_id >= (SELECT min(l.audit_id) FROM audit_log l))::bigint AS sealed_links,
    COALESCE((SELECT min(l.audit_id) FROM audit_log l), 0)::bigint AS first_id,
    COALESCE((SELECT max(c.audit_id) FROM audit_chain c), 0)::bigint AS head_id,
    COALESCE((SELECT encode(c.row_hash, 'hex') FROM audit_chain c ORDER BY c.audit_id DESC LIMIT 1), '')::text AS head_hash,
    (SELECT count(*) FROM audit_log l WHERE l.audit_id > COALESCE((SELECT max(c.audit_id) FROM audit_chain c), 0))::bigint AS unsealed;
