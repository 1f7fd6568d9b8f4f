package importer

import (
	"fmt"
	"testing"
)

// syntheticStore is an MLflow store in memory, shaped like
// sourcestore.Synthetic's: n runs, each one version's, 10 metrics, 5
// params, a logged model and a dataset input.
func syntheticStore(n int) *mlStore {
	s := &mlStore{layout: LayoutMLflowCurrent, experiments: map[int64]*mlExperiment{}, runs: map[string]*mlRun{}, runCount: int64(n)}
	models := max(1, n/100)
	for e := 1; e <= max(1, n/1000); e++ {
		s.experiments[int64(e)] = &mlExperiment{id: int64(e), workspace: "default", name: fmt.Sprint("exp ", e), key: fmt.Sprint("exp ", e), usedBy: map[*bModel]bool{}}
		s.expCount++
	}
	for m := 0; m < models; m++ {
		name := fmt.Sprintf("Synthetic Model %04d", m)
		s.models = append(s.models, &mlModel{workspace: "default", name: name, key: name, tags: map[string]string{}})
	}
	start, end := int64(1_700_000_000_000), int64(1_700_000_600_000)
	keys := []string{"accuracy", "precision_score", "recall_score", "f1_score", "loss", "val_loss", "auc", "rmse", "mae", "epoch_seconds"}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("5e%030x", i+1)
		exp := int64(i%max(1, n/1000) + 1)
		status, stage, ready, user := "FINISHED", "None", "READY", "alice"
		r := &mlRun{uuid: id, status: &status, start: &start, end: &end, userID: &user, experimentID: &exp}
		for k, key := range keys {
			r.metrics = append(r.metrics, mlMetric{key: key, value: float64(k) / 11.3})
		}
		for p := 0; p < 5; p++ {
			r.params = append(r.params, mlParam{key: fmt.Sprint("param", p), value: "0.001"})
		}
		r.tags.gitCommit = "3f2a9c1e5b7d4f60a8e9c0b1d2e3f4a5b6c7d8e9"
		r.tags.logModel = `[{"run_id": "` + id + `", "artifact_path": "model", "flavors": {"python_function": {"loader_module": "mlflow.sklearn", "python_version": "3.11.4", "env": {"conda": "conda.yaml"}}, "sklearn": {"sklearn_version": "1.3.0", "code": null}}, "mlflow_version": "2.9.2"}]`
		s.runs[id] = r
		name := fmt.Sprintf("Synthetic Model %04d", i%models)
		source := "runs:/" + id + "/model"
		created := start + int64(i)
		v := &mlVersion{workspace: "default", name: name, version: int64(i/models + 1), creation: &created, stage: &stage, status: &ready,
			source: &source, runID: &id, userID: &user, tags: map[string]string{}}
		v.key = fmt.Sprintf("%s/%d", name, v.version)
		s.versions = append(s.versions, v)
		ctx := "training"
		s.inputs = append(s.inputs, mlInput{run: id, name: "data", digest: "d1", sourceType: "s3", source: `{"uri": "s3://x/data.parquet"}`, experimentID: exp, context: &ctx})
	}
	return s
}

const benchRuns = 10_000

// BenchmarkMapMLflow maps a 10,000-run store (the CPU the import spends
// between reading the source and writing the registry).
func BenchmarkMapMLflow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := syntheticStore(benchRuns)
		r := newReport(SourceMLflow, Options{})
		b.StartTimer()
		mapMLflow(s, &r, Options{})
	}
}
