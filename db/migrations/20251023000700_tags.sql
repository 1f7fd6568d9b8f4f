-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE TABLE tags (
    tag_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tag_category TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    tag_description TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),

    CONSTRAINT unique_tag UNIQUE (tag_category, tag_value),
    CONSTRAINT valid_tag_category CHECK (
        tag_category IN ('domain', 'use-case', 'framework', 'team', 'project',
                        'customer', 'region', 'priority', 'status', 'custom')
    )
);

-- Deviation: idx_tags_category dropped (leading column of unique_tag).
CREATE INDEX idx_tags_value ON tags(tag_value);

COMMENT ON TABLE tags IS 'Flexible tagging system for categorization';

INSERT INTO tags (tag_category, tag_value, tag_description) VALUES
    ('domain', 'nlp', 'Natural Language Processing'),
    ('domain', 'computer-vision', 'Computer Vision'),
    ('domain', 'time-series', 'Time Series Analysis'),
    ('domain', 'recommendation', 'Recommendation Systems'),
    ('domain', 'tabular', 'Tabular Data Models'),
    ('use-case', 'classification', 'Classification task'),
    ('use-case', 'regression', 'Regression task'),
    ('use-case', 'generation', 'Generative models'),
    ('use-case', 'detection', 'Object/anomaly detection'),
    ('use-case', 'segmentation', 'Segmentation task'),
    ('priority', 'critical', 'Business-critical model'),
    ('priority', 'high', 'High priority'),
    ('priority', 'medium', 'Medium priority'),
    ('priority', 'low', 'Low priority'),
    ('status', 'experimental', 'Experimental/research'),
    ('status', 'production-ready', 'Production-ready'),
    ('status', 'deprecated', 'Deprecated, do not use');

CREATE TABLE model_tags (
    model_id UUID NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
    tag_id UUID NOT NULL REFERENCES tags(tag_id) ON DELETE CASCADE,
    tagged_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    tagged_by TEXT DEFAULT CURRENT_USER,

    PRIMARY KEY (model_id, tag_id)
);

-- Deviation: idx_model_tags_model dropped (leading column of the primary key).
CREATE INDEX idx_model_tags_tag ON model_tags(tag_id);

COMMENT ON TABLE model_tags IS 'Many-to-many: models to tags';

CREATE TABLE dataset_tags (
    dataset_id UUID NOT NULL REFERENCES datasets(dataset_id) ON DELETE CASCADE,
    tag_id UUID NOT NULL REFERENCES tags(tag_id) ON DELETE CASCADE,
    tagged_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    tagged_by TEXT DEFAULT CURRENT_USER,

    PRIMARY KEY (dataset_id, tag_id)
);

-- Deviation: idx_dataset_tags_dataset dropped (leading column of the primary key).
CREATE INDEX idx_dataset_tags_tag ON dataset_tags(tag_id);

COMMENT ON TABLE dataset_tags IS 'Many-to-many: datasets to tags';

CREATE TABLE run_datasets (
    run_id UUID NOT NULL REFERENCES training_runs(run_id) ON DELETE CASCADE,
    dataset_id UUID NOT NULL REFERENCES datasets(dataset_id) ON DELETE RESTRICT,
    dataset_role TEXT NOT NULL,  -- 'training', 'validation', 'test'
    sample_count BIGINT,
    usage_percentage NUMERIC(5,2),

    PRIMARY KEY (run_id, dataset_id, dataset_role),

    CONSTRAINT valid_dataset_role CHECK (
        dataset_role IN ('training', 'validation', 'test', 'calibration')
    ),
    CONSTRAINT valid_usage_percent CHECK (
        usage_percentage IS NULL OR (usage_percentage >= 0 AND usage_percentage <= 100)
    )
);

-- Deviation: idx_run_datasets_run dropped (leading column of the primary key).
CREATE INDEX idx_run_datasets_dataset ON run_datasets(dataset_id);

COMMENT ON TABLE run_datasets IS 'Many-to-many: training runs to datasets';
COMMENT ON COLUMN run_datasets.dataset_role IS 'How dataset was used (train/val/test)';

-- migrate:down
DROP TABLE run_datasets;
DROP TABLE dataset_tags;
DROP TABLE model_tags;
DROP TABLE tags;
