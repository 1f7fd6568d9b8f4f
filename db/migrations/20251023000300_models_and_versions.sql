-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE TABLE models (
    model_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    model_name TEXT UNIQUE NOT NULL,
    display_name TEXT NOT NULL,
    description TEXT,
    objective TEXT,

    -- Ownership
    team_id UUID REFERENCES teams(team_id) ON DELETE SET NULL,
    primary_contact TEXT,
    secondary_contact TEXT,

    -- Business classification
    business_unit TEXT,
    risk_level TEXT DEFAULT 'medium',
    compliance_required BOOLEAN DEFAULT FALSE,

    -- Metadata
    github_repo TEXT,
    documentation_url TEXT,

    -- Timestamps
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    created_by TEXT DEFAULT CURRENT_USER,
    created_by_user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,

    CONSTRAINT valid_risk_level CHECK (
        risk_level IN ('low', 'medium', 'high', 'critical')
    ),
    CONSTRAINT valid_model_name CHECK (
        model_name ~ '^[a-z0-9-]+$'  -- Kebab-case only
    )
);

-- Deviation: idx_models_name dropped (duplicate of the UNIQUE constraint).
CREATE INDEX idx_models_team ON models(team_id);
CREATE INDEX idx_models_risk ON models(risk_level);
CREATE INDEX idx_models_created ON models(created_at DESC);
CREATE INDEX idx_models_created_by_user ON models(created_by_user_id);

COMMENT ON TABLE models IS 'Central catalog of ML models';
COMMENT ON COLUMN models.model_name IS 'Unique identifier (kebab-case)';
COMMENT ON COLUMN models.risk_level IS 'Business risk classification';
COMMENT ON COLUMN models.compliance_required IS 'Requires approval workflow';
COMMENT ON COLUMN models.created_by_user_id IS 'The users row created_by names, if any';

CREATE TRIGGER link_models_created_by
    BEFORE INSERT OR UPDATE OF created_by ON models
    FOR EACH ROW EXECUTE FUNCTION link_user('created_by', 'created_by_user_id');

-- semver_sort_key maps a semantic version to text that sorts, in the "C"
-- collation, in semantic-version order: numeric major, minor and patch
-- (zero-padded), and a pre-release ('-x') before its release ('~').
-- It returns NULL for text that is not a valid version, so that the
-- valid_semver CHECK, not a cast error, reports bad input.
CREATE FUNCTION semver_sort_key(version TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT lpad(m[1], 9, '0') || '.' || lpad(m[2], 9, '0') || '.' || lpad(m[3], 9, '0')
           || COALESCE('-' || m[4], '~')
    FROM regexp_match(version, '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(?:-([a-z0-9]+))?$') AS m
$$;

COMMENT ON FUNCTION semver_sort_key(TEXT) IS 'Sort key giving semantic-version order under COLLATE "C"';

CREATE TABLE model_versions (
    version_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    model_id UUID NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,

    -- Version info
    semver TEXT NOT NULL,  -- Semantic versioning: 1.2.3
    version_alias TEXT,     -- e.g., "latest", "stable"
    description TEXT,

    -- Artifacts
    git_commit TEXT,
    git_branch TEXT,
    artifact_uri TEXT NOT NULL,  -- S3, GCS, Azure Blob location
    artifact_size_mb NUMERIC(10,2),
    checksum_sha256 TEXT,

    -- Framework and environment
    framework TEXT NOT NULL,
    framework_version TEXT,
    python_version TEXT,
    cuda_version TEXT,

    -- Status
    status TEXT NOT NULL DEFAULT 'registered',

    -- Metadata
    registered_by TEXT NOT NULL,
    registered_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    promoted_to_production_at TIMESTAMP WITH TIME ZONE,
    deprecated_at TIMESTAMP WITH TIME ZONE,
    deprecation_reason TEXT,

    -- Performance benchmark (optional)
    benchmark_accuracy NUMERIC(5,4),
    benchmark_latency_ms NUMERIC(8,2),
    benchmark_throughput_qps NUMERIC(10,2),

    registered_by_user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    semver_key TEXT COLLATE "C" GENERATED ALWAYS AS (semver_sort_key(semver)) STORED,

    CONSTRAINT unique_model_version UNIQUE (model_id, semver),
    CONSTRAINT valid_status CHECK (
        status IN ('registered', 'validated', 'deployed', 'deprecated', 'archived')
    ),
    CONSTRAINT valid_framework CHECK (
        framework IN ('pytorch', 'tensorflow', 'sklearn', 'xgboost', 'jax',
                     'lightgbm', 'catboost', 'onnx', 'huggingface')
    ),
    -- Deviation: no leading zeros and at most 9 digits a part (semver.org forbids
    -- leading zeros; the bound keeps semver_sort_key exact).
    CONSTRAINT valid_semver CHECK (
        semver ~ '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[a-z0-9]+)?$'
    ),
    CONSTRAINT valid_checksum CHECK (
        checksum_sha256 IS NULL OR LENGTH(checksum_sha256) = 64
    )
);

-- Deviation: idx_versions_model dropped (leading column of unique_model_version);
-- idx_versions_semver ordered versions as text, replaced by the semantic key.
CREATE INDEX idx_versions_status ON model_versions(status);
CREATE INDEX idx_versions_semver ON model_versions(model_id, semver_key DESC);
CREATE INDEX idx_versions_registered ON model_versions(registered_at DESC);
CREATE INDEX idx_versions_framework ON model_versions(framework);
CREATE INDEX idx_versions_registered_by_user ON model_versions(registered_by_user_id);

COMMENT ON TABLE model_versions IS 'Versioned artifacts for ML models';
COMMENT ON COLUMN model_versions.semver IS 'Semantic version (major.minor.patch)';
COMMENT ON COLUMN model_versions.artifact_uri IS 'Cloud storage location (s3://, gs://, etc.)';
COMMENT ON COLUMN model_versions.semver_key IS 'semver_sort_key(semver): order by it for semantic-version order';

CREATE TRIGGER link_model_versions_registered_by
    BEFORE INSERT OR UPDATE OF registered_by ON model_versions
    FOR EACH ROW EXECUTE FUNCTION link_user('registered_by', 'registered_by_user_id');

-- migrate:down
DROP TABLE model_versions;
DROP FUNCTION semver_sort_key(TEXT);
DROP TABLE models;
