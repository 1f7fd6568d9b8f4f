-- The importer's queries (package importer: mlreg import training-runs,
-- mlflow and jsonl). The ...ImportManyCopyFrom queries name every column of
-- their table but the generated ones, so that an export read back through
-- them reproduces the rows, ids and timestamps included. Lookups take arrays
-- of keys: one round trip for a chunk of rows, never one per row. Where a
-- table's ...InsertManyCopyFrom (mlreg seed --scale) already names every
-- column (teams, model_tags, dataset_tags), the importer uses that one.

-- name: UserImportManyCopyFrom :copyfrom
INSERT INTO users (user_id, username, email, display_name, team_id, is_active, created_at)
VALUES (@user_id, @username, @email, @display_name, @team_id, @is_active, @created_at);

-- name: EnvironmentImportManyCopyFrom :copyfrom
-- environment_id is supplied (a SERIAL): EnvironmentSequenceSync moves the
-- sequence past it afterwards.
INSERT INTO environments (environment_id, environment_name, environment_type, description, priority)
VALUES (@environment_id, @environment_name, @environment_type, @description, @priority);

-- name: ModelImportManyCopyFrom :copyfrom
INSERT INTO models (
    model_id, model_name, display_name, description, objective, team_id,
    primary_contact, secondary_contact, business_unit, risk_level, compliance_required,
    github_repo, documentation_url, created_at, updated_at, created_by, created_by_user_id
) VALUES (
    @model_id, @model_name, @display_name, @description, @objective, @team_id,
    @primary_contact, @secondary_contact, @business_unit, @risk_level, @compliance_required,
    @github_repo, @documentation_url, @created_at, @updated_at, @created_by, @created_by_user_id
);

-- name: ModelVersionImportManyCopyFrom :copyfrom
-- Every column but semver_key (generated). The version_lifecycle trigger
-- keeps lifecycle dates an INSERT carries and fills missing ones.
INSERT INTO model_versions (
    version_id, model_id, semver, version_alias, description, git_commit, git_branch,
    artifact_uri, artifact_size_mb, checksum_sha256, framework, framework_version,
    python_version, cuda_version, status, registered_by, registered_at,
    promoted_to_production_at, deprecated_at, deprecation_reason,
    benchmark_accuracy, benchmark_latency_ms, benchmark_throughput_qps, registered_by_user_id
) VALUES (
    @version_id, @model_id, @semver, @version_alias, @description, @git_commit, @git_branch,
    @artifact_uri, @artifact_size_mb, @checksum_sha256, @framework, @framework_version,
    @python_version, @cuda_version, @status, @registered_by, @registered_at,
    @promoted_to_production_at, @deprecated_at, @deprecation_reason,
    @benchmark_accuracy, @benchmark_latency_ms, @benchmark_throughput_qps, @registered_by_user_id
);

-- name: DatasetImportManyCopyFrom :copyfrom
INSERT INTO datasets (
    dataset_id, dataset_name, display_name, description, storage_location, storage_format,
    storage_size_gb, schema_url, schema_version, data_version, data_steward, team_id,
    freshness_sla_hours, last_updated_at, row_count, column_count, contains_pii,
    data_classification, retention_days, created_at, created_by
) VALUES (
    @dataset_id, @dataset_name, @display_name, @description, @storage_location, @storage_format,
    @storage_size_gb, @schema_url, @schema_version, @data_version, @data_steward, @team_id,
    @freshness_sla_hours, @last_updated_at, @row_count, @column_count, @contains_pii,
    @data_classification, @retention_days, @created_at, @created_by
);

-- name: ExperimentImportManyCopyFrom :copyfrom
INSERT INTO experiments (experiment_id, experiment_name, model_id, description, created_by, created_by_user_id, created_at)
VALUES (@experiment_id, @experiment_name, @model_id, @description, @created_by, @created_by_user_id, @created_at);

-- name: TrainingRunImportManyCopyFrom :copyfrom
INSERT INTO training_runs (
    run_id, version_id, run_name, experiment_name, experiment_id, status,
    accuracy, precision_score, recall_score, f1_score, loss, custom_metrics, hyperparameters,
    compute_target, instance_type, gpu_count, gpu_type, gpu_hours, cpu_hours, estimated_cost_usd,
    started_by, started_at, completed_at, duration_seconds, exit_code,
    logs_uri, tensorboard_uri, checkpoint_uri, feature_store_snapshot, feature_count,
    created_at, notes
) VALUES (
    @run_id, @version_id, @run_name, @experiment_name, @experiment_id, @status,
    @accuracy, @precision_score, @recall_score, @f1_score, @loss, @custom_metrics, @hyperparameters,
    @compute_target, @instance_type, @gpu_count, @gpu_type, @gpu_hours, @cpu_hours, @estimated_cost_usd,
    @started_by, @started_at, @completed_at, @duration_seconds, @exit_code,
    @logs_uri, @tensorboard_uri, @checkpoint_uri, @feature_store_snapshot, @feature_count,
    @created_at, @notes
);

-- name: RunDatasetImportManyCopyFrom :copyfrom
INSERT INTO run_datasets (run_id, dataset_id, dataset_role, sample_count, usage_percentage)
VALUES (@run_id, @dataset_id, @dataset_role, @sample_count, @usage_percentage);

-- name: DeploymentImportManyCopyFrom :copyfrom
-- The deployment_rules trigger checks each active row as it would any
-- other: a retired version, a missing approval or traffic over 100 percent
-- refuses the whole COPY.
INSERT INTO deployments (
    deployment_id, version_id, environment_id, deployment_name, endpoint_url, serving_framework,
    replicas, instance_type, gpu_enabled, auto_scaling_enabled, min_replicas, max_replicas,
    target_latency_p50_ms, target_latency_p95_ms, target_latency_p99_ms,
    target_availability_percent, target_throughput_qps,
    actual_latency_p50_ms, actual_latency_p95_ms, actual_latency_p99_ms,
    actual_availability_percent, actual_throughput_qps,
    deployed_at, deployed_by, undeployed_at, undeployed_by, status, traffic_percentage,
    monthly_cost_usd, deployment_notes, deployed_by_user_id
) VALUES (
    @deployment_id, @version_id, @environment_id, @deployment_name, @endpoint_url, @serving_framework,
    @replicas, @instance_type, @gpu_enabled, @auto_scaling_enabled, @min_replicas, @max_replicas,
    @target_latency_p50_ms, @target_latency_p95_ms, @target_latency_p99_ms,
    @target_availability_percent, @target_throughput_qps,
    @actual_latency_p50_ms, @actual_latency_p95_ms, @actual_latency_p99_ms,
    @actual_availability_percent, @actual_throughput_qps,
    @deployed_at, @deployed_by, @undeployed_at, @undeployed_by, @status, @traffic_percentage,
    @monthly_cost_usd, @deployment_notes, @deployed_by_user_id
);

-- name: ApprovalImportManyCopyFrom :copyfrom
INSERT INTO approvals (
    approval_id, version_id, approval_type, required_for_env, status, requested_by, requested_at,
    approved_by, approved_at, rejected_by, rejected_at, approval_notes, rejection_reason,
    compliance_checklist, risk_assessment_score, expires_at, requested_by_user_id
) VALUES (
    @approval_id, @version_id, @approval_type, @required_for_env, @status, @requested_by, @requested_at,
    @approved_by, @approved_at, @rejected_by, @rejected_at, @approval_notes, @rejection_reason,
    @compliance_checklist, @risk_assessment_score, @expires_at, @requested_by_user_id
);

-- name: TagImportManyCopyFrom :copyfrom
INSERT INTO tags (tag_id, tag_category, tag_value, tag_description, created_at)
VALUES (@tag_id, @tag_category, @tag_value, @tag_description, @created_at);

-- name: ModelAliasImportHistory :exec
-- One period of an alias's history as it was exported, id and set_by
-- included, through restore_model_alias_period (the alias rules refuse a
-- back-dated period from anything else, and a restore into an alias that
-- has a history already). A NULL valid_until is the alias's current period;
-- the identity moves past the ids written.
SELECT restore_model_alias_period(@alias_id::bigint, @model_id::uuid, @alias::text, @version_id::uuid,
    @valid_from::timestamptz, sqlc.narg('valid_until')::timestamptz, @set_by::text);

-- name: EnvironmentSequenceSync :exec
-- Moves environments' sequence past its highest id (never back), after
-- EnvironmentImportManyCopyFrom wrote ids of its own.
SELECT setval(pg_get_serial_sequence('environments', 'environment_id'), s.top)
FROM (SELECT max(environment_id) AS top FROM environments) s
WHERE s.top IS NOT NULL
  AND s.top > COALESCE(pg_sequence_last_value(pg_get_serial_sequence('environments', 'environment_id')::regclass), 0);

-- name: ModelImportLookup :many
-- The models an import may meet again: those with the ids it would give
-- and those holding the names it would use.
SELECT * FROM models
WHERE model_id = ANY(@model_ids::uuid[]) OR model_name = ANY(@model_names::text[]);

-- name: ModelVersionImportListByModels :many
-- Every version of the given models: the import matches its versions
-- against them and numbers new ones after them.
SELECT version_id, model_id, semver, status, description, git_commit
FROM model_versions
WHERE model_id = ANY(@model_ids::uuid[]);

-- name: ExperimentImportLookup :many
SELECT * FROM experiments
WHERE experiment_id = ANY(@experiment_ids::uuid[]) OR experiment_name = ANY(@experiment_names::text[]);

-- name: DatasetImportLookup :many
SELECT * FROM datasets
WHERE dataset_id = ANY(@dataset_ids::uuid[]) OR dataset_name = ANY(@dataset_names::text[]);

-- name: TrainingRunImportLookup :many
-- The runs already in the registry among those an import brings.
SELECT * FROM training_runs WHERE run_id = ANY(@run_ids::uuid[]);

-- name: RunDatasetImportListByRuns :many
SELECT * FROM run_datasets WHERE run_id = ANY(@run_ids::uuid[]);

-- name: TagImportLookup :many
-- The tags among the (category, value) pairs given, each as the text
-- category, a unit separator (U+001F, which no category holds), value.
SELECT t.* FROM unnest(@tag_keys::text[]) AS k(key)
JOIN tags t ON t.tag_category = split_part(k.key, chr(31), 1)
           AND t.tag_value = substr(k.key, strpos(k.key, chr(31)) + 1);

-- name: ModelTagImportListByModels :many
SELECT * FROM model_tags WHERE model_id = ANY(@model_ids::uuid[]);

-- name: ModelAliasImportListCurrent :many
-- The aliases the given models have now.
SELECT model_id, alias, version_id FROM model_aliases
WHERE model_id = ANY(@model_ids::uuid[]) AND upper_inf(valid_during);

-- name: ModelImportUpdate :exec
-- The columns an import owns on a model it created. An unchanged value is
-- written back as it was, which the audit trail does not record.
UPDATE models SET display_name = @display_name, description = sqlc.narg('description')
WHERE model_id = @model_id;

-- name: ModelVersionImportUpdate :exec
-- A version's status moves through the version_lifecycle trigger, which
-- refuses a move backwards and stamps the lifecycle dates.
UPDATE model_versions SET status = @status, description = sqlc.narg('description')
WHERE version_id = @version_id;

-- name: TrainingRunImportUpdate :exec
-- The columns a source run may change after it was imported (a run that
-- finished: status, end time, metrics).
UPDATE training_runs SET
    run_name = sqlc.narg('run_name'),
    status = @status,
    accuracy = sqlc.narg('accuracy'),
    precision_score = sqlc.narg('precision_score'),
    recall_score = sqlc.narg('recall_score'),
    f1_score = sqlc.narg('f1_score'),
    loss = sqlc.narg('loss'),
    custom_metrics = @custom_metrics,
    hyperparameters = @hyperparameters,
    compute_target = sqlc.narg('compute_target'),
    gpu_hours = sqlc.narg('gpu_hours'),
    cpu_hours = sqlc.narg('cpu_hours'),
    started_by = sqlc.narg('started_by'),
    started_at = sqlc.narg('started_at'),
    completed_at = sqlc.narg('completed_at'),
    duration_seconds = sqlc.narg('duration_seconds'),
    notes = sqlc.narg('notes')
WHERE run_id = @run_id;

-- name: RegistryKeyCounts :one
-- How many of the given keys each table holds: the import's check, before
-- it commits, that every row it mapped is in the registry. A composite key
-- comes as one text, its uuids in their 36-character form: run_datasets as
-- run_id|dataset_id|role, model_tags as model_id|tag_id, dataset_tags as
-- dataset_id|tag_id, current aliases as model_id|version_id|alias. Each
-- array is one function scan probing its table's primary key or joined to
-- it by hash: no join between two arrays for the planner to reorder.
SELECT
    (SELECT count(*) FROM teams WHERE team_id = ANY(@team_ids::uuid[]))::bigint AS teams,
    (SELECT count(*) FROM users WHERE user_id = ANY(@user_ids::uuid[]))::bigint AS users,
    (SELECT count(*) FROM environments WHERE environment_id = ANY(@environment_ids::integer[]))::bigint AS environments,
    (SELECT count(*) FROM models WHERE model_id = ANY(@model_ids::uuid[]))::bigint AS models,
    (SELECT count(*) FROM model_versions WHERE version_id = ANY(@version_ids::uuid[]))::bigint AS model_versions,
    (SELECT count(*) FROM datasets WHERE dataset_id = ANY(@dataset_ids::uuid[]))::bigint AS datasets,
    (SELECT count(*) FROM experiments WHERE experiment_id = ANY(@experiment_ids::uuid[]))::bigint AS experiments,
    (SELECT count(*) FROM training_runs WHERE run_id = ANY(@run_ids::uuid[]))::bigint AS training_runs,
    (SELECT count(*) FROM unnest(@link_keys::text[]) AS k(key)
       JOIN run_datasets rd ON rd.run_id = substr(k.key, 1, 36)::uuid AND rd.dataset_id = substr(k.key, 38, 36)::uuid
        AND rd.dataset_role = substr(k.key, 75))::bigint AS run_datasets,
    (SELECT count(*) FROM deployments WHERE deployment_id = ANY(@deployment_ids::uuid[]))::bigint AS deployments,
    (SELECT count(*) FROM approvals WHERE approval_id = ANY(@approval_ids::uuid[]))::bigint AS approvals,
    (SELECT count(*) FROM tags WHERE tag_id = ANY(@tag_ids::uuid[]))::bigint AS tags,
    (SELECT count(*) FROM unnest(@model_tag_keys::text[]) AS k(key)
       JOIN model_tags mt ON mt.model_id = substr(k.key, 1, 36)::uuid AND mt.tag_id = substr(k.key, 38, 36)::uuid)::bigint AS model_tags,
    (SELECT count(*) FROM unnest(@dataset_tag_keys::text[]) AS k(key)
       JOIN dataset_tags dt ON dt.dataset_id = substr(k.key, 1, 36)::uuid AND dt.tag_id = substr(k.key, 38, 36)::uuid)::bigint AS dataset_tags,
    (SELECT count(*) FROM unnest(@alias_keys::text[]) AS k(key)
       JOIN model_aliases a ON a.model_id = substr(k.key, 1, 36)::uuid AND a.version_id = substr(k.key, 38, 36)::uuid
        AND a.alias = substr(k.key, 75)
      WHERE upper_inf(a.valid_during))::bigint AS current_aliases,
    (SELECT count(*) FROM model_aliases WHERE alias_id = ANY(@alias_ids::bigint[]))::bigint AS alias_periods;
