-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Experiments group related training runs (exercise Challenge 1).
CREATE TABLE experiments (
    experiment_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    experiment_name TEXT UNIQUE NOT NULL,
    model_id UUID REFERENCES models(model_id) ON DELETE CASCADE,
    description TEXT,
    created_by TEXT DEFAULT CURRENT_USER,
    created_by_user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_experiments_model ON experiments(model_id);
CREATE INDEX idx_experiments_created_by_user ON experiments(created_by_user_id);

COMMENT ON TABLE experiments IS 'Named groups of related training runs';

CREATE TRIGGER link_experiments_created_by
    BEFORE INSERT OR UPDATE OF created_by ON experiments
    FOR EACH ROW EXECUTE FUNCTION link_user('created_by', 'created_by_user_id');

CREATE TABLE training_runs (
    run_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    version_id UUID NOT NULL REFERENCES model_versions(version_id) ON DELETE CASCADE,

    -- Run identification
    run_name TEXT,
    experiment_name TEXT,
    experiment_id UUID REFERENCES experiments(experiment_id) ON DELETE SET NULL,

    -- Status
    status TEXT NOT NULL DEFAULT 'queued',

    -- Metrics
    accuracy NUMERIC(5,4),
    precision_score NUMERIC(5,4),
    recall_score NUMERIC(5,4),
    f1_score NUMERIC(5,4),
    loss NUMERIC(10,5),

    -- Custom metrics (JSONB for flexibility)
    custom_metrics JSONB DEFAULT '{}'::jsonb,

    -- Hyperparameters
    hyperparameters JSONB DEFAULT '{}'::jsonb,

    -- Compute resources
    compute_target TEXT,
    instance_type TEXT,
    gpu_count INTEGER DEFAULT 0,
    gpu_type TEXT,
    gpu_hours NUMERIC(10,2) DEFAULT 0,
    cpu_hours NUMERIC(10,2) DEFAULT 0,
    estimated_cost_usd NUMERIC(10,2),

    -- Execution details
    started_by TEXT,
    started_at TIMESTAMP WITH TIME ZONE,
    completed_at TIMESTAMP WITH TIME ZONE,
    duration_seconds INTEGER,
    exit_code INTEGER,

    -- Artifacts
    logs_uri TEXT,
    tensorboard_uri TEXT,
    checkpoint_uri TEXT,

    -- Feature engineering
    feature_store_snapshot TEXT,
    feature_count INTEGER,

    -- Metadata
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    notes TEXT,

    CONSTRAINT valid_status CHECK (
        status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timeout')
    ),
    CONSTRAINT valid_metrics CHECK (
        (accuracy IS NULL OR (accuracy >= 0 AND accuracy <= 1)) AND
        (precision_score IS NULL OR (precision_score >= 0 AND precision_score <= 1)) AND
        (recall_score IS NULL OR (recall_score >= 0 AND recall_score <= 1)) AND
        (f1_score IS NULL OR (f1_score >= 0 AND f1_score <= 1))
    ),
    CONSTRAINT valid_gpu_count CHECK (gpu_count >= 0),
    CONSTRAINT completed_timestamp CHECK (
        (status IN ('succeeded', 'failed', 'cancelled', 'timeout') AND completed_at IS NOT NULL)
        OR (status IN ('queued', 'running') AND completed_at IS NULL)
    ),
    -- Addition: a run cannot finish before it started.
    CONSTRAINT completed_after_started CHECK (
        completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at
    )
);

-- The lineage queries list a version's runs newest first: this index serves
-- both the foreign key (ON DELETE CASCADE from model_versions) and that order.
CREATE INDEX idx_training_version ON training_runs(version_id, created_at DESC);
CREATE INDEX idx_training_status ON training_runs(status);
CREATE INDEX idx_training_created ON training_runs(created_at DESC);
CREATE INDEX idx_training_experiment ON training_runs(experiment_name);
CREATE INDEX idx_training_experiment_id ON training_runs(experiment_id);
CREATE INDEX idx_training_metrics ON training_runs USING GIN (custom_metrics);
CREATE INDEX idx_training_hyperparams ON training_runs USING GIN (hyperparameters);

COMMENT ON TABLE training_runs IS 'Individual training job executions';
COMMENT ON COLUMN training_runs.custom_metrics IS 'Flexible JSONB field for arbitrary metrics';
COMMENT ON COLUMN training_runs.hyperparameters IS 'Training hyperparameters as JSON';
COMMENT ON COLUMN training_runs.experiment_id IS 'The experiment grouping this run; experiment_name is kept as text';

-- migrate:down
DROP TABLE training_runs;
DROP TABLE experiments;
