-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER update_models_updated_at
    BEFORE UPDATE ON models
    FOR EACH ROW
    EXECUTE FUNCTION update_updated_at_column();

COMMENT ON FUNCTION update_updated_at_column() IS 'Automatically update updated_at timestamp';

-- Deviation: the exercise picked the most recently registered version; this
-- view picks the highest semantic version (10.0.0 above 9.0.0, 1.0.0 above
-- 1.0.0-rc1), whatever the order of registration.
CREATE VIEW vw_latest_model_versions AS
SELECT DISTINCT ON (m.model_id)
    m.model_id,
    m.model_name,
    m.display_name AS model_display_name,
    mv.version_id,
    mv.semver,
    mv.status AS version_status,
    mv.framework,
    mv.registered_at,
    mv.artifact_uri
FROM models m
INNER JOIN model_versions mv ON m.model_id = mv.model_id
WHERE mv.status != 'archived'
ORDER BY m.model_id, mv.semver_key DESC;

COMMENT ON VIEW vw_latest_model_versions IS 'Latest non-archived version per model';

CREATE VIEW vw_production_deployments AS
SELECT
    m.model_name,
    m.display_name AS model_display_name,
    mv.semver,
    e.environment_name,
    d.endpoint_url,
    d.status AS deployment_status,
    d.deployed_at,
    d.deployed_by,
    d.traffic_percentage,
    d.actual_latency_p95_ms,
    d.actual_availability_percent
FROM deployments d
INNER JOIN model_versions mv ON d.version_id = mv.version_id
INNER JOIN models m ON mv.model_id = m.model_id
INNER JOIN environments e ON d.environment_id = e.environment_id
WHERE e.environment_type = 'production'
  AND d.status = 'active'
ORDER BY m.model_name, d.deployed_at DESC;

COMMENT ON VIEW vw_production_deployments IS 'Active production deployments';

-- migrate:down
DROP VIEW vw_production_deployments;
DROP VIEW vw_latest_model_versions;
DROP TRIGGER update_models_updated_at ON models;
DROP FUNCTION update_updated_at_column();
