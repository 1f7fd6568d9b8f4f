-- mlreg export: every row of a table a page at a time, keyset on its
-- primary key, either all of them (@all_rows) or those of the given keys
-- (the rows one model reaches, which package importer works out table by
-- table). The tables that grow with the registry have two queries, ...All
-- and ...By<key>, so that the keyed one reaches its rows by an index. The
-- rows are the tables' own, so that mlreg import jsonl writes them back
-- through the ...ImportManyCopyFrom queries unchanged.

-- name: TeamExport :many
SELECT * FROM teams
WHERE team_id > @after_id AND (@all_rows::boolean OR team_id = ANY(@team_ids::uuid[]))
ORDER BY team_id
LIMIT @max_rows;

-- name: UserExport :many
SELECT * FROM users
WHERE user_id > @after_id AND (@all_rows::boolean OR user_id = ANY(@user_ids::uuid[]))
ORDER BY user_id
LIMIT @max_rows;

-- name: EnvironmentExport :many
SELECT * FROM environments
WHERE environment_id > @after_id AND (@all_rows::boolean OR environment_id = ANY(@environment_ids::integer[]))
ORDER BY environment_id
LIMIT @max_rows;

-- name: TagExport :many
SELECT * FROM tags
WHERE tag_id > @after_id AND (@all_rows::boolean OR tag_id = ANY(@tag_ids::uuid[]))
ORDER BY tag_id
LIMIT @max_rows;

-- name: ModelExport :many
SELECT * FROM models
WHERE model_id > @after_id AND (@all_rows::boolean OR model_id = ANY(@model_ids::uuid[]))
ORDER BY model_id
LIMIT @max_rows;

-- name: ModelVersionExportAll :many
SELECT * FROM model_versions
WHERE version_id > @after_id
ORDER BY version_id
LIMIT @max_rows;

-- name: ModelVersionExportByModels :many
SELECT * FROM model_versions
WHERE model_id = ANY(@model_ids::uuid[]) AND version_id > @after_id
ORDER BY version_id
LIMIT @max_rows;

-- name: DatasetExport :many
SELECT * FROM datasets
WHERE dataset_id > @after_id AND (@all_rows::boolean OR dataset_id = ANY(@dataset_ids::uuid[]))
ORDER BY dataset_id
LIMIT @max_rows;

-- name: ExperimentExport :many
-- The given experiments and those of the given models.
SELECT * FROM experiments
WHERE experiment_id > @after_id
  AND (@all_rows::boolean OR experiment_id = ANY(@experiment_ids::uuid[]) OR model_id = ANY(@model_ids::uuid[]))
ORDER BY experiment_id
LIMIT @max_rows;

-- name: TrainingRunExportAll :many
SELECT * FROM training_runs
WHERE run_id > @after_id
ORDER BY run_id
LIMIT @max_rows;

-- name: TrainingRunExportByVersions :many
SELECT * FROM training_runs
WHERE version_id = ANY(@version_ids::uuid[]) AND run_id > @after_id
ORDER BY run_id
LIMIT @max_rows;

-- name: RunDatasetExportAll :many
SELECT * FROM run_datasets
WHERE (run_id, dataset_id, dataset_role) > (@after_run_id::uuid, @after_dataset_id::uuid, @after_role::text)
ORDER BY run_id, dataset_id, dataset_role
LIMIT @max_rows;

-- name: RunDatasetExportByRuns :many
SELECT * FROM run_datasets
WHERE run_id = ANY(@run_ids::uuid[])
  AND (run_id, dataset_id, dataset_role) > (@after_run_id::uuid, @after_dataset_id::uuid, @after_role::text)
ORDER BY run_id, dataset_id, dataset_role
LIMIT @max_rows;

-- name: DeploymentExportAll :many
SELECT * FROM deployments
WHERE deployment_id > @after_id
ORDER BY deployment_id
LIMIT @max_rows;

-- name: DeploymentExportByVersions :many
SELECT * FROM deployments
WHERE version_id = ANY(@version_ids::uuid[]) AND deployment_id > @after_id
ORDER BY deployment_id
LIMIT @max_rows;

-- name: ApprovalExport :many
SELECT * FROM approvals
WHERE approval_id > @after_id AND (@all_rows::boolean OR version_id = ANY(@version_ids::uuid[]))
ORDER BY approval_id
LIMIT @max_rows;

-- name: ModelTagExport :many
SELECT * FROM model_tags
WHERE (model_id, tag_id) > (@after_model_id::uuid, @after_tag_id::uuid)
  AND (@all_rows::boolean OR model_id = ANY(@model_ids::uuid[]))
ORDER BY model_id, tag_id
LIMIT @max_rows;

-- name: DatasetTagExport :many
SELECT * FROM dataset_tags
WHERE (dataset_id, tag_id) > (@after_dataset_id::uuid, @after_tag_id::uuid)
  AND (@all_rows::boolean OR dataset_id = ANY(@dataset_ids::uuid[]))
ORDER BY dataset_id, tag_id
LIMIT @max_rows;

-- name: ModelAliasExport :many
-- Every period of every alias, the closed ones too, as plain columns
-- (valid_during is their range).
SELECT alias_id, model_id, alias, version_id, valid_from, valid_until, set_by
FROM model_aliases
WHERE alias_id > @after_id AND (@all_rows::boolean OR model_id = ANY(@model_ids::uuid[]))
ORDER BY alias_id
LIMIT @max_rows;
