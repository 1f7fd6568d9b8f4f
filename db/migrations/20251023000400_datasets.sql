-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE TABLE datasets (
    dataset_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    dataset_name TEXT UNIQUE NOT NULL,
    display_name TEXT NOT NULL,
    description TEXT,

    -- Storage
    storage_location TEXT NOT NULL,  -- S3, GCS, Azure, etc.
    storage_format TEXT,              -- parquet, csv, tfrecord, etc.
    storage_size_gb NUMERIC(12,2),

    -- Schema and versioning
    schema_url TEXT,
    schema_version TEXT,
    data_version TEXT,

    -- Ownership and governance
    data_steward TEXT,
    team_id UUID REFERENCES teams(team_id) ON DELETE SET NULL,

    -- Data quality
    freshness_sla_hours INTEGER,
    last_updated_at TIMESTAMP WITH TIME ZONE,
    row_count BIGINT,
    column_count INTEGER,

    -- Compliance
    contains_pii BOOLEAN DEFAULT FALSE,
    data_classification TEXT DEFAULT 'internal',
    retention_days INTEGER,

    -- Metadata
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    created_by TEXT DEFAULT CURRENT_USER,

    CONSTRAINT valid_freshness CHECK (freshness_sla_hours IS NULL OR freshness_sla_hours > 0),
    CONSTRAINT valid_storage_format CHECK (
        storage_format IN ('parquet', 'csv', 'json', 'avro', 'tfrecord', 'hdf5', 'arrow')
    ),
    CONSTRAINT valid_classification CHECK (
        data_classification IN ('public', 'internal', 'confidential', 'restricted')
    ),
    -- Deviation: the exercise's '[a-z0-9-_]' is an invalid range in PostgreSQL;
    -- a hyphen is literal only at the end of a bracket expression.
    CONSTRAINT valid_dataset_name CHECK (
        dataset_name ~ '^[a-z0-9_-]+$'
    )
);

-- Deviation: idx_datasets_name dropped (duplicate of the UNIQUE constraint).
CREATE INDEX idx_datasets_team ON datasets(team_id);
CREATE INDEX idx_datasets_updated ON datasets(last_updated_at DESC);
CREATE INDEX idx_datasets_classification ON datasets(data_classification);

COMMENT ON TABLE datasets IS 'Catalog of datasets used for ML training';
COMMENT ON COLUMN datasets.contains_pii IS 'Personally Identifiable Information present';
COMMENT ON COLUMN datasets.data_classification IS 'Security classification level';

-- migrate:down
DROP TABLE datasets;
