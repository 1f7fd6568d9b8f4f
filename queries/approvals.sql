-- name: ApprovalRequest :one
INSERT INTO approvals (version_id, approval_type, required_for_env, requested_by, expires_at, compliance_checklist, risk_assessment_score)
VALUES (@version_id, @approval_type, sqlc.narg('required_for_env'), @requested_by, sqlc.narg('expires_at'),
        sqlc.narg('compliance_checklist'), sqlc.narg('risk_assessment_score'))
RETURNING *;

-- name: ApprovalInsertManyCopyFrom :copyfrom
-- Bulk load through COPY (mlreg seed --scale) of approvals in their final
-- state: approved rows carry approved_by and approved_at, rejected rows
-- rejected_by and rejected_at (CHECK approval_xor).
INSERT INTO approvals (
    approval_id, version_id, approval_type, required_for_env, status,
    requested_by, requested_at, approved_by, approved_at, rejected_by, rejected_at,
    approval_notes, rejection_reason, risk_assessment_score, expires_at
) VALUES (
    @approval_id, @version_id, @approval_type, @required_for_env, @status,
    @requested_by, @requested_at, @approved_by, @approved_at, @rejected_by, @rejected_at,
    @approval_notes, @rejection_reason, @risk_assessment_score, @expires_at
);

-- name: ApprovalGetByID :one
SELECT * FROM approvals WHERE approval_id = @approval_id;

-- name: ApprovalListByVersion :many
SELECT * FROM approvals
WHERE version_id = @version_id
ORDER BY requested_at DESC, approval_id;

-- name: ApprovalListPending :many
-- The review queue, oldest request first; keyset on (requested_at, approval_id).
SELECT a.*, m.model_name, mv.semver
FROM approvals a
JOIN model_versions mv ON mv.version_id = a.version_id
JOIN models m ON m.model_id = mv.model_id
WHERE a.status = 'pending'
  AND (a.requested_at, a.approval_id) > (@after_requested_at::timestamptz, @after_id::uuid)
ORDER BY a.requested_at, a.approval_id
LIMIT @max_rows;

-- name: ApprovalApprove :one
-- Only a pending approval can be approved.
UPDATE approvals SET
    status = 'approved',
    approved_by = @approved_by,
    approved_at = NOW(),
    approval_notes = sqlc.narg('approval_notes'),
    expires_at = COALESCE(sqlc.narg('expires_at'), expires_at)
WHERE approval_id = @approval_id AND status = 'pending'
RETURNING *;

-- name: ApprovalReject :one
UPDATE approvals SET
    status = 'rejected',
    rejected_by = @rejected_by,
    rejected_at = NOW(),
    rejection_reason = @rejection_reason
WHERE approval_id = @approval_id AND status = 'pending'
RETURNING *;

-- name: ApprovalExpireDue :many
-- Marks every approval whose expires_at has passed as expired.
UPDATE approvals SET status = 'expired'
WHERE status IN ('pending', 'approved') AND expires_at <= NOW()
RETURNING *;

-- name: ApprovalDelete :execrows
DELETE FROM approvals WHERE approval_id = @approval_id;

-- name: ApprovalRevoke :one
-- Withdraws an approval that was granted: it expires now, with the reason.
-- A production deployment made under it before stays (mlreg check reports
-- it), and no new one can rely on it.
UPDATE approvals SET
    status = 'expired',
    expires_at = NOW(),
    rejection_reason = @reason
WHERE approval_id = @approval_id AND status = 'approved'
RETURNING *;
