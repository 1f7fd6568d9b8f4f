package sourcestore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Synthetic store shape: each run is the run of one model version, so that
// every run is one the importer brings in (a run no version names stays in
// MLflow); a model per RunsPerModel runs, an experiment and a dataset per
// RunsPerExperiment runs.
const (
	RunsPerModel      = 100
	RunsPerExperiment = 1000
	// MetricsPerRun and ParamsPerRun are the benchmark's 10 and 5.
	MetricsPerRun = 10
	ParamsPerRun  = 5
)

var syntheticMetrics = [MetricsPerRun]string{
	"accuracy", "precision_score", "recall_score", "f1_score", "loss",
	"val_loss", "auc", "rmse", "mae", "epoch_seconds",
}

var syntheticParams = [ParamsPerRun]string{"learning_rate", "batch_size", "optimizer", "epochs", "dropout"}

// SyntheticCounts says what Synthetic wrote.
type SyntheticCounts struct {
	Experiments, Runs, RegisteredModels, ModelVersions, Datasets, Aliases int
	Rows                                                                  int64 // every row of every table
}

// SyntheticRunID is the run id of synthetic run i.
func SyntheticRunID(i int) string { return fmt.Sprintf("5e%030x", i+1) }

// SyntheticModelName is the name of synthetic registered model m.
func SyntheticModelName(m int) string { return fmt.Sprintf("Synthetic Model %04d", m) }

// Synthetic fills a store CreateMLflow made in layout v with n runs, each with
// MetricsPerRun metrics (in metrics and latest_metrics), ParamsPerRun
// params, three tags (git commit, user, logged model) and one dataset
// input, and each registered as a version of one of n/RunsPerModel models.
// Every table is loaded through COPY, rows made as they are sent. progress,
// if not nil, is told of each table loaded. The values are random from a
// fixed seed, so two stores of one n are alike.
func Synthetic(ctx context.Context, db DB, v Variant, n int, progress func(table string, rows int64)) (SyntheticCounts, error) {
	if n < 1 {
		return SyntheticCounts{}, fmt.Errorf("sourcestore: a synthetic store needs at least one run, not %d", n)
	}
	c := SyntheticCounts{
		Runs:             n,
		RegisteredModels: max(1, n/RunsPerModel),
		Experiments:      max(1, n/RunsPerExperiment),
	}
	c.Datasets, c.ModelVersions, c.Aliases = c.Experiments, n, c.RegisteredModels
	rng := rand.New(rand.NewPCG(42, 4242))
	copyRows := func(table string, columns []string, rows int, row func(i int) []any) error {
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == rows {
				return nil, nil
			}
			i++
			return row(i - 1), nil
		})
		written, err := db.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
		if err != nil {
			return fmt.Errorf("sourcestore: copying %s: %w", table, err)
		}
		c.Rows += written
		if progress != nil {
			progress(table, written)
		}
		return nil
	}
	runStart := func(i int) int64 { return BaseTime + int64(i)*60_000 }
	status := func(i int) string {
		switch i % 50 {
		case 7, 19:
			return "FAILED"
		case 23:
			return "KILLED"
		case 31:
			return "RUNNING"
		default:
			return "FINISHED"
		}
	}
	model := func(i int) int { return i % c.RegisteredModels }
	version := func(i int) int { return i/c.RegisteredModels + 1 }
	lastVersion := func(m int) int { // the highest version of model m
		return (n-1-m)/c.RegisteredModels + 1
	}
	experiment := func(i int) int { return i%c.Experiments + 1 }

	steps := []func() error{
		func() error {
			return copyRows("experiments", []string{"experiment_id", "name", "artifact_location", "lifecycle_stage", "creation_time", "last_update_time"},
				c.Experiments, func(e int) []any {
					return []any{int32(e + 1), fmt.Sprintf("synthetic experiment %d", e+1), fmt.Sprintf("mlflow-artifacts:/%d", e+1), "active", BaseTime, BaseTime}
				})
		},
		func() error {
			return copyRows("runs", []string{"run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id", "status",
				"start_time", "end_time", "source_version", "lifecycle_stage", "artifact_uri", "experiment_id"},
				n, func(i int) []any {
					var end any
					if s := status(i); s != "RUNNING" {
						end = runStart(i) + 30*60_000 + int64(rng.IntN(3_600_000))
					}
					id := SyntheticRunID(i)
					return []any{id, fmt.Sprintf("run-%d", i), "LOCAL", "train.py", "", fmt.Sprintf("user%d", i%200), status(i),
						runStart(i), end, "", "active", fmt.Sprintf("mlflow-artifacts:/%d/%s/artifacts", experiment(i), id), int32(experiment(i))}
				})
		},
		func() error {
			return copyRows("params", []string{"key", "value", "run_uuid"}, n*ParamsPerRun, func(k int) []any {
				i, p := k/ParamsPerRun, k%ParamsPerRun
				values := [ParamsPerRun]string{
					fmt.Sprintf("%.4g", 0.0001+rng.Float64()/100), fmt.Sprint(16 << rng.IntN(5)), []string{"adam", "sgd", "adamw"}[rng.IntN(3)],
					fmt.Sprint(10 + rng.IntN(90)), fmt.Sprintf("%.2f", rng.Float64()/2),
				}
				return []any{syntheticParams[p], values[p], SyntheticRunID(i)}
			})
		},
		func() error {
			values := make([]float64, MetricsPerRun)
			for m := range values {
				values[m] = rng.Float64()
			}
			metricRow := func(k int) (key string, value float64, ts int64, run string) {
				i, m := k/MetricsPerRun, k%MetricsPerRun
				v := values[(m+i)%MetricsPerRun] // a few distinct values, cheaply
				if m == 9 {
					v *= 300
				}
				return syntheticMetrics[m], v, runStart(i) + 60_000, SyntheticRunID(i)
			}
			if err := copyRows("metrics", []string{"key", "value", "timestamp", "run_uuid", "step", "is_nan"}, n*MetricsPerRun, func(k int) []any {
				key, v, ts, run := metricRow(k)
				return []any{key, v, ts, run, int64(0), false}
			}); err != nil {
				return err
			}
			return copyRows("latest_metrics", []string{"key", "value", "timestamp", "step", "is_nan", "run_uuid"}, n*MetricsPerRun, func(k int) []any {
				key, v, ts, run := metricRow(k)
				return []any{key, v, ts, int64(0), false, run}
			})
		},
		func() error {
			flavors := []struct{ flavor, key string }{{"sklearn", "sklearn_version"}, {"xgboost", "xgb_version"}, {"pytorch", "pytorch_version"}, {"lightgbm", "lgb_version"}}
			return copyRows("tags", []string{"key", "value", "run_uuid"}, n*3, func(k int) []any {
				i, t := k/3, k%3
				id := SyntheticRunID(i)
				switch t {
				case 0:
					return []any{"mlflow.source.git.commit", fmt.Sprintf("%040x", uint64(i)*2654435761), id}
				case 1:
					return []any{"mlflow.user", fmt.Sprintf("user%d", i%200), id}
				}
				fl := flavors[model(i)%len(flavors)]
				return []any{"mlflow.log-model.history", logModelHistory(id, fl.flavor, fl.key, "1.0.0"), id}
			})
		},
		func() error {
			return copyRows("datasets", []string{"dataset_uuid", "experiment_id", "name", "digest", "dataset_source_type", "dataset_source"},
				c.Datasets, func(d int) []any {
					return []any{fmt.Sprintf("00000000-0000-4000-8000-%012x", d+1), int32(d + 1), fmt.Sprintf("synthetic data %d", d+1),
						fmt.Sprintf("%08x", d+1), "s3", fmt.Sprintf(`{"uri": "s3://synthetic/data-%d.parquet"}`, d+1)}
				})
		},
		func() error {
			return copyRows("inputs", []string{"input_uuid", "source_type", "source_id", "destination_type", "destination_id"}, n, func(i int) []any {
				return []any{fmt.Sprintf("00000000-1111-4000-8000-%012x", i+1), "DATASET",
					fmt.Sprintf("00000000-0000-4000-8000-%012x", experiment(i)), "RUN", SyntheticRunID(i)}
			})
		},
		func() error {
			return copyRows("input_tags", []string{"input_uuid", "name", "value"}, n, func(i int) []any {
				return []any{fmt.Sprintf("00000000-1111-4000-8000-%012x", i+1), "mlflow.data.context", "training"}
			})
		},
		func() error {
			return copyRows("registered_models", []string{"name", "creation_time", "last_updated_time", "description"}, c.RegisteredModels, func(m int) []any {
				return []any{SyntheticModelName(m), BaseTime, BaseTime, fmt.Sprintf("Synthetic model %d", m)}
			})
		},
		func() error {
			return copyRows("model_versions", []string{"name", "version", "creation_time", "last_updated_time", "description", "user_id",
				"current_stage", "source", "run_id", "status", "status_message", "run_link"}, n, func(i int) []any {
				m, ver := model(i), version(i)
				stage := "None"
				switch {
				case ver == lastVersion(m):
					stage = "Production"
				case ver == 1:
					stage = "Archived"
				case ver%10 == 0:
					stage = "Staging"
				}
				id := SyntheticRunID(i)
				created := runStart(i) + 2*3_600_000
				return []any{SyntheticModelName(m), int32(ver), created, created, nil, fmt.Sprintf("user%d@example.com", i%200),
					stage, "runs:/" + id + "/model", id, "READY", "", ""}
			})
		},
		func() error {
			return copyRows("registered_model_aliases", []string{"alias", "version", "name"}, c.RegisteredModels, func(m int) []any {
				return []any{"champion", int32(lastVersion(m)), SyntheticModelName(m)}
			})
		},
	}
	// The foreign keys and indexes go while the rows load, and come back
	// after: one pass over each table instead of a check per row.
	links := mlflowLinks(v)
	for _, l := range links {
		drop := "ALTER TABLE " + l.table + " DROP CONSTRAINT " + l.name
		if strings.HasPrefix(l.add, "CREATE INDEX") {
			drop = "DROP INDEX " + l.name
		}
		if _, err := db.Exec(ctx, drop); err != nil {
			return c, fmt.Errorf("sourcestore: %s: %w", drop, err)
		}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return c, err
		}
	}
	for _, l := range links {
		if _, err := db.Exec(ctx, l.add); err != nil {
			return c, fmt.Errorf("sourcestore: %s: %w", l.add, err)
		}
	}
	if _, err := db.Exec(ctx, `SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), $1)`, c.Experiments+1); err != nil {
		return c, fmt.Errorf("sourcestore: %w", err)
	}
	return c, nil
}
