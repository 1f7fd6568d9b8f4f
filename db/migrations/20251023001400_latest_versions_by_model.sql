-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Same rows as before, found per model: each model's highest non-archived
-- version is one probe of idx_versions_semver, so a page of the view (WHERE
-- model_name > $1 ORDER BY model_name LIMIT n) reads n models and n versions.
-- The DISTINCT ON form sorted every version of every model first.
CREATE OR REPLACE VIEW vw_latest_model_versions AS
SELECT
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
CROSS JOIN LATERAL (
    SELECT v.version_id, v.semver, v.status, v.framework, v.registered_at, v.artifact_uri
    FROM model_versions v
    WHERE v.model_id = m.model_id AND v.status != 'archived'
    ORDER BY v.semver_key DESC
    LIMIT 1
) mv;

COMMENT ON VIEW vw_latest_model_versions IS 'Latest non-archived version per model';

-- migrate:down
CREATE OR REPLACE VIEW vw_latest_model_versions AS
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
