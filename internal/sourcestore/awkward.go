package sourcestore

import (
	"context"
	"fmt"
	"math"
)

// BaseTime is the epoch milliseconds the fixtures' times count from
// (2023-11-14T22:13:20Z).
const BaseTime int64 = 1_700_000_000_000

const hour = int64(3_600_000)

// Run ids of the awkward store (MLflow's 32 hex digits), for tests.
const (
	RunFraudArchived   = "a1000000000000000000000000000001" // Fraud Detector/1, FINISHED, sklearn, two dataset inputs
	RunFraudProduction = "a1000000000000000000000000000002" // Fraud Detector/2, FINISHED, xgboost, accuracy past NUMERIC(5,4)
	RunFraudRunning    = "a1000000000000000000000000000003" // Fraud Detector/3, RUNNING, pytorch, metric history
	RunFraudDeleted    = "a1000000000000000000000000000004" // only behind the Deleted_Internal version 4
	RunLowerFraud      = "a1000000000000000000000000000005" // fraud detector/1, FAILED, keras, no metrics
	RunChurnKilled     = "a1000000000000000000000000000006" // Modèle Churn ÉTÉ/1, KILLED, lightgbm, loss -Inf
	RunChurnScheduled  = "a1000000000000000000000000000007" // Modèle Churn ÉTÉ/2, SCHEDULED, transformers
	RunResnetNaN       = "a1000000000000000000000000000008" // resnet50/1, FINISHED, NaN and +Inf metrics, accuracy 1.5
	RunUnlinked        = "a1000000000000000000000000000009" // no version
	RunInDeletedExp    = "a100000000000000000000000000000a" // deleted, in a deleted experiment, no version
	RunTeamB           = "b1000000000000000000000000000001" // team-b/Fraud Detector/1 (current layout only)
	RunMissing         = "ffffffffffffffffffffffffffffffff" // Recommender (legacy)/1 names it; not in the store
)

// AwkwardCounts is what the awkward store holds, per layout.
type AwkwardCounts struct {
	Experiments, Runs, RegisteredModels, ModelVersions int
}

// Awkward returns the counts of the awkward store of the variant.
func Awkward(v Variant) AwkwardCounts {
	if v == MLflowCurrent {
		return AwkwardCounts{Experiments: 5, Runs: 11, RegisteredModels: 6, ModelVersions: 11}
	}
	return AwkwardCounts{Experiments: 4, Runs: 10, RegisteredModels: 5, ModelVersions: 10}
}

// logModelHistory is a run's mlflow.log-model.history tag: the models it
// logged, each with its flavors, as MLflow writes it.
func logModelHistory(run, flavor, versionKey, version string) string {
	return fmt.Sprintf(`[{"run_id": %q, "artifact_path": "model", "utc_time_created": "2023-11-15 01:00:00.000000", `+
		`"flavors": {"python_function": {"loader_module": "mlflow.%s", "python_version": "3.11.4", "env": {"conda": "conda.yaml"}}, `+
		`%q: {%q: %q, "code": null}}, "model_uuid": "0f2d6ab1c9e84e58a2f1c4d3b5a69788", "mlflow_version": "2.9.2"}]`,
		run, flavor, flavor, versionKey, version)
}

// filler inserts the fixture rows of one layout.
type filler struct {
	ctx context.Context
	db  DB
	v   Variant
	err error
}

func (f *filler) exec(sql string, args ...any) {
	if f.err != nil {
		return
	}
	if _, err := f.db.Exec(f.ctx, sql, args...); err != nil {
		f.err = fmt.Errorf("sourcestore: %s: %w", sql, err)
	}
}

func (f *filler) experiment(id int, workspace, name, stage string) {
	if f.v == MLflowCurrent {
		f.exec(`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace)
			VALUES ($1, $2, $3, $4, $5, $5, $6)`, id, name, fmt.Sprintf("mlflow-artifacts:/%d", id), stage, BaseTime+int64(id)*hour, workspace)
		return
	}
	f.exec(`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
		VALUES ($1, $2, $3, $4, $5, $5)`, id, name, fmt.Sprintf("mlflow-artifacts:/%d", id), stage, BaseTime+int64(id)*hour)
}

// run inserts a run; end < 0 leaves end_time NULL.
func (f *filler) run(id string, experiment int, name, user, status string, start, end int64, lifecycle string) {
	var endTime any
	if end >= 0 {
		endTime = BaseTime + end
	}
	f.exec(`INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time,
			source_version, lifecycle_stage, artifact_uri, experiment_id)
		VALUES ($1, $2, 'LOCAL', 'train.py', '', $3, $4, $5, $6, '', $7, $8, $9)`,
		id, name, user, status, BaseTime+start, endTime, lifecycle,
		fmt.Sprintf("mlflow-artifacts:/%d/%s/artifacts", experiment, id), experiment)
}

// metric logs a metric's history: each value at steps 0, 1, ..., the last
// one also in latest_metrics. MLflow stores NaN as 0 with is_nan, and
// ±Inf as ±math.MaxFloat64.
func (f *filler) metric(run, key string, values ...float64) {
	for step, v := range values {
		isNaN := math.IsNaN(v)
		stored := v
		switch {
		case isNaN:
			stored = 0
		case math.IsInf(v, 1):
			stored = math.MaxFloat64
		case math.IsInf(v, -1):
			stored = -math.MaxFloat64
		}
		ts := BaseTime + 2*hour + int64(step)*60_000
		f.exec(`INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ($1, $2, $3, $4, $5, $6)`,
			key, stored, ts, run, step, isNaN)
		if step == len(values)-1 {
			f.exec(`INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES ($1, $2, $3, $4, $5, $6)`,
				key, stored, ts, step, isNaN, run)
		}
	}
}

func (f *filler) param(run, key, value string) {
	f.exec(`INSERT INTO params (key, value, run_uuid) VALUES ($1, $2, $3)`, key, value, run)
}

func (f *filler) tag(run, key, value string) {
	f.exec(`INSERT INTO tags (key, value, run_uuid) VALUES ($1, $2, $3)`, key, value, run)
}

// input records that run used a dataset, with an mlflow.data.context tag
// unless context is "".
func (f *filler) input(run string, experiment int, name, digest, sourceType, source, context string) {
	datasetUUID := fmt.Sprintf("%08x-0000-4000-8000-%012x", experiment, hashString(name+"/"+digest))
	f.exec(`INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile)
		VALUES ($1, $2, $3, $4, $5, $6, '{"mlflow_colspec": []}', '{"num_rows": 1000}')
		ON CONFLICT DO NOTHING`, datasetUUID, experiment, name, digest, sourceType, source)
	inputUUID := fmt.Sprintf("%08x-1111-4000-8000-%012x", experiment, hashString(run+"/"+name+"/"+digest))
	f.exec(`INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) VALUES ($1, 'DATASET', $2, 'RUN', $3)`,
		inputUUID, datasetUUID, run)
	if context != "" {
		f.exec(`INSERT INTO input_tags (input_uuid, name, value) VALUES ($1, 'mlflow.data.context', $2)`, inputUUID, context)
	}
}

func (f *filler) registeredModel(workspace, name string, description any) {
	if f.v == MLflowCurrent {
		f.exec(`INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace) VALUES ($1, $2, $2, $3, $4)`,
			name, BaseTime+3*hour, description, workspace)
		return
	}
	f.exec(`INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES ($1, $2, $2, $3)`,
		name, BaseTime+3*hour, description)
}

// version registers version n of a model from run (nil: none), in a stage.
func (f *filler) version(workspace, name string, n int, stage, status string, run any, source, user string) {
	created := BaseTime + 4*hour + int64(n)*hour
	updated := created + 30*60_000
	desc := fmt.Sprintf("%s v%d", name, n)
	if f.v == MLflowCurrent {
		f.exec(`INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage,
				source, run_id, status, status_message, run_link, storage_location, workspace)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', '', $8, $11)`,
			name, n, created, updated, desc, user, stage, source, run, status, workspace)
		return
	}
	f.exec(`INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage,
			source, run_id, status, status_message, run_link)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', '')`,
		name, n, created, updated, desc, user, stage, source, run, status)
}

func (f *filler) modelTag(workspace, name, key, value string) {
	if f.v == MLflowCurrent {
		f.exec(`INSERT INTO registered_model_tags (key, value, name, workspace) VALUES ($1, $2, $3, $4)`, key, value, name, workspace)
		return
	}
	f.exec(`INSERT INTO registered_model_tags (key, value, name) VALUES ($1, $2, $3)`, key, value, name)
}

func (f *filler) versionTag(workspace, name string, n int, key, value string) {
	if f.v == MLflowCurrent {
		f.exec(`INSERT INTO model_version_tags (key, value, name, version, workspace) VALUES ($1, $2, $3, $4, $5)`, key, value, name, n, workspace)
		return
	}
	f.exec(`INSERT INTO model_version_tags (key, value, name, version) VALUES ($1, $2, $3, $4)`, key, value, name, n)
}

func (f *filler) alias(workspace, name, alias string, n int) {
	if f.v == MLflowCurrent {
		f.exec(`INSERT INTO registered_model_aliases (alias, version, name, workspace) VALUES ($1, $2, $3, $4)`, alias, n, name, workspace)
		return
	}
	f.exec(`INSERT INTO registered_model_aliases (alias, version, name) VALUES ($1, $2, $3)`, alias, n, name)
}

// FillAwkward fills a store CreateMLflow made with the rows an importer
// gets wrong first: model names with spaces, capitals and accents, two that
// slug alike, runs in every status, NULL, NaN and infinite metrics, a
// metric past its column's range, a deleted version, a failed registration,
// a version whose run is on another server, runs no version names, dataset
// inputs with and without a context, aliases (one capitalised), model and
// version tags, and, in the current layout, a second workspace reusing a
// model and an experiment name.
func FillAwkward(ctx context.Context, db DB, v Variant) error {
	f := &filler{ctx: ctx, db: db, v: v}
	const ws = "default"

	f.experiment(1, ws, "Fraud Detection", "active")
	f.experiment(2, ws, "Churn — Été 2024", "active")
	f.experiment(3, ws, "abandoned", "deleted")

	f.run(RunFraudArchived, 1, "baseline", "alice", "FINISHED", hour, 2*hour, "active")
	f.metric(RunFraudArchived, "accuracy", 0.85, 0.91)
	f.metric(RunFraudArchived, "loss", 0.52, 0.31)
	f.metric(RunFraudArchived, "precision", 0.88)
	f.metric(RunFraudArchived, "recall_score", 0.92)
	f.metric(RunFraudArchived, "f1_score", 0.9)
	f.metric(RunFraudArchived, "val_loss", 0.35)
	f.param(RunFraudArchived, "learning_rate", "0.001")
	f.param(RunFraudArchived, "batch_size", "64")
	f.param(RunFraudArchived, "optimizer", "adam")
	f.tag(RunFraudArchived, "mlflow.source.git.commit", "3f2a9c1e5b7d4f60a8e9c0b1d2e3f4a5b6c7d8e9")
	f.tag(RunFraudArchived, "mlflow.source.git.branch", "main")
	f.tag(RunFraudArchived, "mlflow.user", "alice")
	f.tag(RunFraudArchived, "mlflow.log-model.history", logModelHistory(RunFraudArchived, "sklearn", "sklearn_version", "1.3.0"))
	f.input(RunFraudArchived, 1, "transactions 2024", "d1a2b3c4", "s3", `{"uri": "s3://data/transactions-2024.parquet"}`, "training")
	f.input(RunFraudArchived, 1, "transactions holdout", "e5f6a7b8", "s3", `{"uri": "s3://data/holdout.csv"}`, "eval")

	f.run(RunFraudProduction, 1, "tuned", "alice", "FINISHED", 3*hour, 4*hour, "active")
	f.metric(RunFraudProduction, "accuracy", 0.9345678)
	f.metric(RunFraudProduction, "loss", 0.2)
	f.param(RunFraudProduction, "max_depth", "6")
	f.tag(RunFraudProduction, "mlflow.source.git.commit", "9b8a7c6d5e4f30211a2b3c4d5e6f708192a3b4c5")
	f.tag(RunFraudProduction, "mlflow.log-model.history", logModelHistory(RunFraudProduction, "xgboost", "xgb_version", "2.0.0"))
	f.input(RunFraudProduction, 1, "transactions 2024", "f0e1d2c3", "s3", `{"uri": "s3://data/transactions-2024-v2.parquet"}`, "training")

	f.run(RunFraudRunning, 1, "deep", "bob", "RUNNING", 5*hour, -1, "active")
	f.metric(RunFraudRunning, "loss", 0.9, 0.8, 0.7, 0.6, 0.5)
	f.param(RunFraudRunning, "epochs", "100")
	f.tag(RunFraudRunning, "mlflow.log-model.history", logModelHistory(RunFraudRunning, "pytorch", "pytorch_version", "2.1.0"))
	f.input(RunFraudRunning, 1, "transactions holdout", "e5f6a7b8", "s3", `{"uri": "s3://data/holdout.csv"}`, "test")

	f.run(RunFraudDeleted, 1, "discarded", "alice", "FINISHED", 6*hour, 7*hour, "active")
	f.tag(RunFraudDeleted, "mlflow.log-model.history", logModelHistory(RunFraudDeleted, "sklearn", "sklearn_version", "1.3.0"))

	f.run(RunLowerFraud, 1, "keras try", "carol", "FAILED", 8*hour, 9*hour, "active")
	f.tag(RunLowerFraud, "mlflow.log-model.history", logModelHistory(RunLowerFraud, "keras", "keras_version", "2.15.0"))

	f.run(RunChurnKilled, 2, "gbm", "dave", "KILLED", 10*hour, 11*hour, "active")
	f.metric(RunChurnKilled, "accuracy", 0.7)
	f.metric(RunChurnKilled, "loss", math.Inf(-1))
	f.tag(RunChurnKilled, "mlflow.log-model.history", logModelHistory(RunChurnKilled, "lightgbm", "lgb_version", "4.1.0"))

	f.run(RunChurnScheduled, 2, "llm", "dave", "SCHEDULED", 12*hour, -1, "active")
	f.tag(RunChurnScheduled, "mlflow.log-model.history", logModelHistory(RunChurnScheduled, "transformers", "transformers_version", "4.35.0"))

	f.run(RunResnetNaN, 2, "resnet", "erin", "FINISHED", 13*hour, 14*hour, "active")
	f.metric(RunResnetNaN, "rmse", 0.4, math.NaN())
	f.metric(RunResnetNaN, "max_error", math.Inf(1))
	f.metric(RunResnetNaN, "accuracy", 1.5)
	f.metric(RunResnetNaN, "f1", 0.8)
	f.input(RunResnetNaN, 2, "ImageNet", "0a0b0c0d", "http", `{"url": "https://image-net.org/data/train.tar"}`, "")

	f.run(RunUnlinked, 1, "sweep-17", "alice", "FINISHED", 15*hour, 16*hour, "active")
	f.metric(RunUnlinked, "accuracy", 0.5)
	f.run(RunInDeletedExp, 3, "old", "alice", "FINISHED", 17*hour, 18*hour, "deleted")

	f.registeredModel(ws, "Fraud Detector", "Scores card transactions")
	f.modelTag(ws, "Fraud Detector", "domain", "tabular")
	f.modelTag(ws, "Fraud Detector", "owner", "risk-team")
	f.modelTag(ws, "Fraud Detector", "mlflow.internal.flag", "1")
	f.version(ws, "Fraud Detector", 1, "Archived", "READY", RunFraudArchived, "mlflow-artifacts:/1/"+RunFraudArchived+"/artifacts/model", "alice@example.com")
	f.version(ws, "Fraud Detector", 2, "Production", "READY", RunFraudProduction, "runs:/"+RunFraudProduction+"/model", "alice@example.com")
	f.version(ws, "Fraud Detector", 3, "None", "READY", RunFraudRunning, "runs:/"+RunFraudRunning+"/model", "bob@example.com")
	f.version(ws, "Fraud Detector", 4, "Deleted_Internal", "READY", RunFraudDeleted, "runs:/"+RunFraudDeleted+"/model", "alice@example.com")
	f.versionTag(ws, "Fraud Detector", 2, "validated_by", "bob")
	f.alias(ws, "Fraud Detector", "champion", 2)
	f.alias(ws, "Fraud Detector", "Challenger", 3)

	f.registeredModel(ws, "fraud detector", nil)
	f.version(ws, "fraud detector", 1, "Staging", "READY", RunLowerFraud, "runs:/"+RunLowerFraud+"/model", "carol@example.com")

	f.registeredModel(ws, "Modèle Churn ÉTÉ", "Prédit le churn")
	f.version(ws, "Modèle Churn ÉTÉ", 1, "None", "READY", RunChurnKilled, "runs:/"+RunChurnKilled+"/model", "dave@example.com")
	f.version(ws, "Modèle Churn ÉTÉ", 2, "None", "PENDING_REGISTRATION", RunChurnScheduled, "runs:/"+RunChurnScheduled+"/model", "dave@example.com")
	f.alias(ws, "Modèle Churn ÉTÉ", "prod", 1)

	f.registeredModel(ws, "resnet50", nil)
	f.modelTag(ws, "resnet50", "use-case", "classification")
	f.version(ws, "resnet50", 1, "Staging", "READY", RunResnetNaN, "s3://models/resnet50/1", "erin@example.com")
	f.versionTag(ws, "resnet50", 1, "framework", "pytorch")

	f.registeredModel(ws, "Recommender (legacy)", "From the old tracking server")
	f.version(ws, "Recommender (legacy)", 1, "Production", "READY", RunMissing, "s3://old-server/artifacts/rec/model", "frank@example.com")
	f.versionTag(ws, "Recommender (legacy)", 1, "framework", "catboost")
	f.version(ws, "Recommender (legacy)", 2, "None", "FAILED_REGISTRATION", nil, "", "frank@example.com")

	if v == MLflowCurrent {
		f.experiment(5, "team-b", "Fraud Detection", "active")
		f.run(RunTeamB, 5, "team b baseline", "gina", "FINISHED", 19*hour, 20*hour, "active")
		f.metric(RunTeamB, "accuracy", 0.8)
		f.tag(RunTeamB, "mlflow.log-model.history", logModelHistory(RunTeamB, "sklearn", "sklearn_version", "1.4.0"))
		f.registeredModel("team-b", "Fraud Detector", "Team B's own")
		f.version("team-b", "Fraud Detector", 1, "Production", "READY", RunTeamB, "runs:/"+RunTeamB+"/model", "gina@example.com")
	}
	f.exec(`SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), 10)`)
	return f.err
}

// hashString is FNV-1a, for stable made-up ids.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h & 0xffffffffffff
}
