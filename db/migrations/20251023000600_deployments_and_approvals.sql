-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE TABLE deployments (
    deployment_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    version_id UUID NOT NULL REFERENCES model_versions(version_id) ON DELETE RESTRICT,
    environment_id INTEGER NOT NULL REFERENCES environments(environment_id),

    -- Deployment details
    deployment_name TEXT,
    endpoint_url TEXT,
    serving_framework TEXT,  -- torchserve, tfserving, triton, etc.

    -- Service configuration
    replicas INTEGER DEFAULT 1,
    instance_type TEXT,
    gpu_enabled BOOLEAN DEFAULT FALSE,
    auto_scaling_enabled BOOLEAN DEFAULT FALSE,
    min_replicas INTEGER,
    max_replicas INTEGER,

    -- SLO targets
    target_latency_p50_ms NUMERIC(8,2),
    target_latency_p95_ms NUMERIC(8,2),
    target_latency_p99_ms NUMERIC(8,2),
    target_availability_percent NUMERIC(5,2),
    target_throughput_qps NUMERIC(10,2),

    -- Actual metrics (updated periodically)
    actual_latency_p50_ms NUMERIC(8,2),
    actual_latency_p95_ms NUMERIC(8,2),
    actual_latency_p99_ms NUMERIC(8,2),
    actual_availability_percent NUMERIC(5,2),
    actual_throughput_qps NUMERIC(10,2),

    -- Deployment lifecycle
    deployed_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    deployed_by TEXT NOT NULL,
    undeployed_at TIMESTAMP WITH TIME ZONE,
    undeployed_by TEXT,
    status TEXT NOT NULL DEFAULT 'active',

    -- Traffic routing
    traffic_percentage INTEGER DEFAULT 100,

    -- Cost tracking
    monthly_cost_usd NUMERIC(12,2),

    -- Metadata
    deployment_notes TEXT,

    deployed_by_user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,

    CONSTRAINT unique_env_deployment UNIQUE (environment_id, version_id, deployed_at),
    CONSTRAINT valid_status_deployment CHECK (
        status IN ('active', 'degraded', 'inactive', 'failed')
    ),
    CONSTRAINT valid_replicas CHECK (
        replicas >= 1 AND
        (min_replicas IS NULL OR min_replicas >= 1) AND
        (max_replicas IS NULL OR max_replicas >= min_replicas)
    ),
    CONSTRAINT valid_traffic CHECK (
        traffic_percentage >= 0 AND traffic_percentage <= 100
    ),
    CONSTRAINT valid_availability CHECK (
        target_availability_percent IS NULL OR
        (target_availability_percent >= 0 AND target_availability_percent <= 100)
    )
);

-- Deviation: idx_deployments_env dropped (leading column of unique_env_deployment
-- serves the environment_id foreign key).
CREATE INDEX idx_deployments_version ON deployments(version_id);
CREATE INDEX idx_deployments_status ON deployments(status);
CREATE INDEX idx_deployments_date ON deployments(deployed_at DESC);
CREATE INDEX idx_deployments_active ON deployments(environment_id, status)
    WHERE status = 'active';
CREATE INDEX idx_deployments_deployed_by_user ON deployments(deployed_by_user_id);

COMMENT ON TABLE deployments IS 'Model version deployments to environments';
COMMENT ON COLUMN deployments.traffic_percentage IS 'For canary/blue-green deployments';

CREATE TRIGGER link_deployments_deployed_by
    BEFORE INSERT OR UPDATE OF deployed_by ON deployments
    FOR EACH ROW EXECUTE FUNCTION link_user('deployed_by', 'deployed_by_user_id');

CREATE TABLE approvals (
    approval_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    version_id UUID NOT NULL REFERENCES model_versions(version_id) ON DELETE CASCADE,

    -- Approval type
    approval_type TEXT NOT NULL,
    required_for_env TEXT,  -- e.g., 'production'

    -- Status
    status TEXT NOT NULL DEFAULT 'pending',

    -- Approver info
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    approved_by TEXT,
    approved_at TIMESTAMP WITH TIME ZONE,
    rejected_by TEXT,
    rejected_at TIMESTAMP WITH TIME ZONE,

    -- Details
    approval_notes TEXT,
    rejection_reason TEXT,

    -- Evidence/attestation
    compliance_checklist JSONB,
    risk_assessment_score NUMERIC(3,1),

    -- Expiration
    expires_at TIMESTAMP WITH TIME ZONE,

    requested_by_user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,

    CONSTRAINT valid_approval_type CHECK (
        approval_type IN ('compliance', 'security', 'legal', 'business', 'technical')
    ),
    CONSTRAINT valid_approval_status CHECK (
        status IN ('pending', 'approved', 'rejected', 'expired')
    ),
    CONSTRAINT approval_xor CHECK (
        (status = 'approved' AND approved_by IS NOT NULL AND approved_at IS NOT NULL AND rejected_by IS NULL)
        OR (status = 'rejected' AND rejected_by IS NOT NULL AND rejected_at IS NOT NULL AND approved_by IS NULL)
        OR (status IN ('pending', 'expired'))
    )
);

CREATE INDEX idx_approvals_version ON approvals(version_id);
CREATE INDEX idx_approvals_status ON approvals(status);
CREATE INDEX idx_approvals_type ON approvals(approval_type);
CREATE INDEX idx_approvals_pending ON approvals(version_id, status) WHERE status = 'pending';
CREATE INDEX idx_approvals_requested_by_user ON approvals(requested_by_user_id);

COMMENT ON TABLE approvals IS 'Approval workflows for model deployments';
COMMENT ON COLUMN approvals.compliance_checklist IS 'JSONB checklist items';

CREATE TRIGGER link_approvals_requested_by
    BEFORE INSERT OR UPDATE OF requested_by ON approvals
    FOR EACH ROW EXECUTE FUNCTION link_user('requested_by', 'requested_by_user_id');

-- migrate:down
DROP TABLE approvals;
DROP TABLE deployments;
