-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Teams: organisational owners of models and datasets.
CREATE TABLE teams (
    team_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    team_name TEXT UNIQUE NOT NULL,
    team_email TEXT,
    department TEXT,
    cost_center TEXT,
    manager_name TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),

    -- Deviation: the exercise's [A-Z|a-z] accepted '|' in the top-level domain.
    CONSTRAINT valid_email CHECK (team_email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$')
);

-- Deviation: idx_teams_name dropped, the UNIQUE constraint on team_name is that index.

COMMENT ON TABLE teams IS 'Organizational teams owning ML models';
COMMENT ON COLUMN teams.cost_center IS 'For tracking ML infrastructure costs';

-- Environments: a lookup table, so adding one is an INSERT, not a migration.
CREATE TABLE environments (
    environment_id SERIAL PRIMARY KEY,
    environment_name TEXT UNIQUE NOT NULL,
    environment_type TEXT NOT NULL,
    description TEXT,
    priority INTEGER DEFAULT 0,

    CONSTRAINT valid_env_type CHECK (
        environment_type IN ('development', 'staging', 'production', 'canary', 'shadow')
    ),
    -- Deviation: the exercise pinned names to a fixed list, which defeats a lookup
    -- table; the type (which the governance rules key on) stays closed, the name
    -- only has to be kebab-case.
    CONSTRAINT valid_env_name CHECK (
        environment_name ~ '^[a-z0-9]+(-[a-z0-9]+)*$'
    )
);

CREATE INDEX idx_environments_type ON environments(environment_type);

COMMENT ON TABLE environments IS 'Deployment environments for ML models';

INSERT INTO environments (environment_name, environment_type, description, priority) VALUES
    ('dev', 'development', 'Local development environment', 0),
    ('qa', 'development', 'QA testing environment', 1),
    ('staging', 'staging', 'Staging environment for final testing', 2),
    ('staging-eu', 'staging', 'Staging environment - EU region', 2),
    ('staging-us', 'staging', 'Staging environment - US region', 2),
    ('canary', 'canary', 'Canary deployment for gradual rollout', 3),
    ('prod', 'production', 'Production environment', 4),
    ('prod-eu', 'production', 'Production - Europe', 4),
    ('prod-us', 'production', 'Production - United States', 4),
    ('prod-apac', 'production', 'Production - Asia Pacific', 4);

-- migrate:down
DROP TABLE environments;
DROP TABLE teams;
