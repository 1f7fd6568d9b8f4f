package queries_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// newestFirst orders runs as the run lists do: created_at, then run_id, descending.
func newestFirst(runs []registrydb.TrainingRun) []uuid.UUID {
	sorted := append([]registrydb.TrainingRun(nil), runs...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.CreatedAt.Equal(*b.CreatedAt) {
			return a.CreatedAt.After(*b.CreatedAt)
		}
		return bytes.Compare(a.RunID[:], b.RunID[:]) > 0
	})
	return runIDs(sorted)
}

func runIDs(runs []registrydb.TrainingRun) []uuid.UUID {
	return field(runs, func(r registrydb.TrainingRun) uuid.UUID { return r.RunID })
}

// farFuture is after every run: with uuid.Max it asks for the first page.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// TestTrainingRuns creates, reads, lists, annotates and deletes runs.
func TestTrainingRuns(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	run := res(q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{
		VersionID: f.VersionID, RunName: ptr("lr-sweep-1"), ExperimentID: &f.ExperimentID,
		Hyperparameters: json.RawMessage(`{"lr": 0.001, "epochs": 3}`), GPUCount: regtest.Ptr[int32](4), GPUType: ptr("a100"),
	})).must(t)
	// NULL for the defaulted columns gives queued, {} metrics and 0 hours.
	if run.Status != "queued" || deref(run.RunName) != "lr-sweep-1" || deref(run.GPUCount) != int32(4) || string(run.CustomMetrics) != "{}" ||
		deref(run.GPUHours) != 0.0 || run.StartedAt != nil || run.CompletedAt != nil || run.CreatedAt == nil {
		t.Errorf("TrainingRunCreate returned %+v", run)
	}
	var hp map[string]float64
	if err := json.Unmarshal(run.Hyperparameters, &hp); err != nil || !reflect.DeepEqual(hp, map[string]float64{"lr": 0.001, "epochs": 3}) {
		t.Errorf("hyperparameters = %s, %v", run.Hyperparameters, err)
	}
	if got := res(q.TrainingRunGetByID(ctx, run.RunID)).must(t); deref(got.RunName) != "lr-sweep-1" || got.VersionID != f.VersionID {
		t.Errorf("TrainingRunGetByID = %+v", got)
	}
	// A succeeded run needs its completion time (CHECK completed_timestamp).
	_, err := q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: f.VersionID, Status: ptr("succeeded")})
	wantConstraint(t, "succeeded run without completed_at", err, "completed_timestamp")

	upd := res(q.TrainingRunUpdateNotes(ctx, ptr("diverged after epoch 2"), run.RunID)).must(t)
	if deref(upd.Notes) != "diverged after epoch 2" || upd.Status != "queued" {
		t.Errorf("TrainingRunUpdateNotes = %+v", upd)
	}
	if got := res(q.TrainingRunGetByID(ctx, run.RunID)).must(t); deref(got.Notes) != "diverged after epoch 2" {
		t.Errorf("notes read back = %v", deref(got.Notes))
	}

	n, err := q.TrainingRunDelete(ctx, f.RunID)
	wantRows(t, "TrainingRunDelete", n, err, 1)
	_, err = q.TrainingRunGetByID(ctx, f.RunID)
	wantNotFound(t, "deleted run", err)
	if links := res(q.RunDatasetListByRun(ctx, f.RunID)).must(t); len(links) != 0 {
		t.Errorf("the deleted run still has %d dataset links", len(links))
	}
	n, err = q.TrainingRunDelete(ctx, f.RunID)
	wantRows(t, "TrainingRunDelete again", n, err, 0)
}

// TestTrainingRunLists pages through a version's runs and an experiment's
// runs, newest first.
func TestTrainingRunLists(t *testing.T) {
	t.Parallel()
	ctx, pool, q, f := setup(t)

	sweep := res(q.ExperimentCreate(ctx, registrydb.ExperimentCreateParams{ExperimentName: "sweep", ModelID: &f.ModelID})).must(t)
	all := []registrydb.TrainingRun{res(q.TrainingRunGetByID(ctx, f.RunID)).must(t)}
	// Created in one transaction, the sweep's runs share created_at: run_id
	// alone orders them, and a page may end between two of them.
	var inSweep []registrydb.TrainingRun
	tx, err := pool.Begin(ctx)
	must(t, err)
	for i := 0; i < 4; i++ {
		r := res(q.WithTx(tx).TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: f.VersionID, ExperimentID: &sweep.ExperimentID})).must(t)
		all, inSweep = append(all, r), append(inSweep, r)
	}
	must(t, tx.Commit(ctx))
	if !inSweep[0].CreatedAt.Equal(*inSweep[3].CreatedAt) {
		t.Fatalf("runs of one transaction have different created_at")
	}
	// A run of another version is in neither list of the fixture's version.
	other := register(t, q, f.ModelID, "2.0.0")
	res(q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: other.VersionID})).must(t)

	byVersion := func(max int32) []uuid.UUID {
		var ids []uuid.UUID
		p := registrydb.TrainingRunListByVersionParams{VersionID: f.VersionID, BeforeCreatedAt: farFuture, BeforeRunID: uuid.Max, MaxRows: max}
		for pages := 0; pages < 10; pages++ {
			page := res(q.TrainingRunListByVersion(ctx, p)).must(t)
			if len(page) == 0 {
				break
			}
			ids = append(ids, runIDs(page)...)
			p.BeforeCreatedAt, p.BeforeRunID = *page[len(page)-1].CreatedAt, page[len(page)-1].RunID
		}
		return ids
	}
	want := newestFirst(all)
	if got := byVersion(2); !equal(got, want) {
		t.Errorf("TrainingRunListByVersion in pages of 2 = %v, want %v", got, want)
	}
	if got := byVersion(100); !equal(got, want) {
		t.Errorf("TrainingRunListByVersion in one page = %v, want %v", got, want)
	}

	wantSweep := newestFirst(inSweep)
	page := res(q.TrainingRunListByExperiment(ctx, registrydb.TrainingRunListByExperimentParams{
		ExperimentID: &sweep.ExperimentID, BeforeCreatedAt: farFuture, BeforeRunID: uuid.Max, MaxRows: 3,
	})).must(t)
	if got := runIDs(page); !equal(got, wantSweep[:3]) {
		t.Fatalf("TrainingRunListByExperiment first page = %v, want %v", got, wantSweep[:3])
	}
	page = res(q.TrainingRunListByExperiment(ctx, registrydb.TrainingRunListByExperimentParams{
		ExperimentID: &sweep.ExperimentID, BeforeCreatedAt: *page[2].CreatedAt, BeforeRunID: page[2].RunID, MaxRows: 3,
	})).must(t)
	if got := runIDs(page); !equal(got, wantSweep[3:]) {
		t.Errorf("TrainingRunListByExperiment second page = %v, want %v", got, wantSweep[3:])
	}
	fixtureExp := res(q.TrainingRunListByExperiment(ctx, registrydb.TrainingRunListByExperimentParams{
		ExperimentID: &f.ExperimentID, BeforeCreatedAt: farFuture, BeforeRunID: uuid.Max, MaxRows: 10,
	})).must(t)
	if got := runIDs(fixtureExp); !equal(got, []uuid.UUID{f.RunID}) {
		t.Errorf("runs of fixture-exp = %v, want the fixture's run", got)
	}
}

// TestTrainingRunStartAndFinish takes runs from queued to running to an outcome.
func TestTrainingRunStartAndFinish(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	queued := func() registrydb.TrainingRun {
		return res(q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: f.VersionID, StartedBy: ptr("scheduler")})).must(t)
	}

	run := queued()
	started := res(q.TrainingRunStart(ctx, ptr("alice"), run.RunID)).must(t)
	if started.Status != "running" || started.StartedAt == nil || started.StartedAt.Before(*run.CreatedAt) || deref(started.StartedBy) != "alice" || started.CompletedAt != nil {
		t.Fatalf("TrainingRunStart = %+v", started)
	}
	_, err := q.TrainingRunStart(ctx, ptr("bob"), run.RunID)
	wantNotFound(t, "starting a running run", err)

	done := res(q.TrainingRunFinish(ctx, registrydb.TrainingRunFinishParams{
		RunID: run.RunID, Status: "succeeded", Accuracy: regtest.Ptr(0.9125), F1Score: regtest.Ptr(0.875), Loss: regtest.Ptr(0.25), ExitCode: regtest.Ptr[int32](0),
	})).must(t)
	if done.Status != "succeeded" || deref(done.Accuracy) != 0.9125 || deref(done.F1Score) != 0.875 || deref(done.Loss) != 0.25 ||
		deref(done.ExitCode) != int32(0) || done.CompletedAt == nil || done.CompletedAt.Before(*done.StartedAt) {
		t.Fatalf("TrainingRunFinish = %+v", done)
	}
	// duration_seconds is completed_at - started_at, rounded.
	if want := int32(math.Round(done.CompletedAt.Sub(*done.StartedAt).Seconds())); deref(done.DurationSeconds) != want {
		t.Errorf("duration_seconds = %v, want %d", deref(done.DurationSeconds), want)
	}
	if back := res(q.TrainingRunGetByID(ctx, run.RunID)).must(t); back.Status != "succeeded" || !back.CompletedAt.Equal(*done.CompletedAt) {
		t.Errorf("run read back = %s, completed %v", back.Status, back.CompletedAt)
	}
	_, err = q.TrainingRunFinish(ctx, registrydb.TrainingRunFinishParams{RunID: run.RunID, Status: "failed"})
	wantNotFound(t, "finishing a finished run", err)

	// Start without a name keeps started_by; a run cancelled while queued
	// has no start and so no duration.
	if s := res(q.TrainingRunStart(ctx, nil, queued().RunID)).must(t); deref(s.StartedBy) != "scheduler" {
		t.Errorf("TrainingRunStart(nil) started_by = %v, want scheduler", deref(s.StartedBy))
	}
	cancelled := res(q.TrainingRunFinish(ctx, registrydb.TrainingRunFinishParams{RunID: queued().RunID, Status: "cancelled", ExitCode: regtest.Ptr[int32](130)})).must(t)
	if cancelled.Status != "cancelled" || cancelled.CompletedAt == nil || cancelled.StartedAt != nil || cancelled.DurationSeconds != nil || deref(cancelled.ExitCode) != int32(130) {
		t.Errorf("cancelled queued run = %+v", cancelled)
	}
	_, err = q.TrainingRunStart(ctx, nil, cancelled.RunID)
	wantNotFound(t, "starting a cancelled run", err)
}

// TestTrainingRunInsertManyCopyFrom loads runs and their dataset links
// through COPY and reads them back.
func TestTrainingRunInsertManyCopyFrom(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	fixtureRun := res(q.TrainingRunGetByID(ctx, f.RunID)).must(t)
	t0 := fixtureRun.CreatedAt.Add(-10 * time.Hour).Truncate(time.Second)
	rows := make([]registrydb.TrainingRunInsertManyCopyFromParams, 3)
	for i := range rows {
		created := t0.Add(time.Duration(i) * time.Hour)
		rows[i] = registrydb.TrainingRunInsertManyCopyFromParams{
			RunID: uuid.New(), VersionID: f.VersionID, RunName: ptr([]string{"bulk-a", "bulk-b", "bulk-c"}[i]), Status: "succeeded",
			Accuracy: regtest.Ptr(0.5 + 0.125*float64(i)), Hyperparameters: json.RawMessage(`{"seed": 7}`),
			GPUCount: regtest.Ptr[int32](1), GPUHours: regtest.Ptr(1.5), CPUHours: regtest.Ptr(0.0), EstimatedCostUSD: regtest.Ptr(12.75),
			StartedBy: ptr("bulk"), StartedAt: &created, CompletedAt: regtest.Ptr(created.Add(30 * time.Minute)), CreatedAt: &created,
		}
	}
	if n := res(q.TrainingRunInsertManyCopyFrom(ctx, rows)).must(t); n != 3 {
		t.Fatalf("TrainingRunInsertManyCopyFrom copied %d rows, want 3", n)
	}
	for _, r := range rows {
		got := res(q.TrainingRunGetByID(ctx, r.RunID)).must(t)
		var hp map[string]int
		_ = json.Unmarshal(got.Hyperparameters, &hp)
		if deref(got.RunName) != *r.RunName || got.Status != "succeeded" || deref(got.Accuracy) != *r.Accuracy ||
			deref(got.EstimatedCostUSD) != 12.75 || !got.CreatedAt.Equal(*r.CreatedAt) || !got.CompletedAt.Equal(*r.CompletedAt) || hp["seed"] != 7 {
			t.Errorf("copied run %s read back as %+v", *r.RunName, got)
		}
	}
	// The copied runs were created before the fixture's run: they follow it.
	list := res(q.TrainingRunListByVersion(ctx, registrydb.TrainingRunListByVersionParams{VersionID: f.VersionID, BeforeCreatedAt: farFuture, BeforeRunID: uuid.Max, MaxRows: 10})).must(t)
	if got := runIDs(list); !equal(got, []uuid.UUID{f.RunID, rows[2].RunID, rows[1].RunID, rows[0].RunID}) {
		t.Errorf("runs after the copy = %v", got)
	}

	links := []registrydb.RunDatasetInsertManyCopyFromParams{
		{RunID: rows[0].RunID, DatasetID: f.DatasetID, DatasetRole: "training", SampleCount: regtest.Ptr[int64](1000)},
		{RunID: rows[0].RunID, DatasetID: f.DatasetID, DatasetRole: "test", SampleCount: regtest.Ptr[int64](100)},
		{RunID: rows[1].RunID, DatasetID: f.DatasetID, DatasetRole: "training"},
	}
	if n := res(q.RunDatasetInsertManyCopyFrom(ctx, links)).must(t); n != 3 {
		t.Fatalf("RunDatasetInsertManyCopyFrom copied %d rows, want 3", n)
	}
	got := res(q.RunDatasetListByRun(ctx, rows[0].RunID)).must(t)
	if len(got) != 2 || got[0].DatasetRole != "test" || deref(got[0].SampleCount) != int64(100) ||
		got[1].DatasetRole != "training" || deref(got[1].SampleCount) != int64(1000) || got[1].DatasetName != "fixture_data-2024" {
		t.Errorf("links of bulk-a = %+v", got)
	}
	if got := res(q.RunDatasetListByRun(ctx, rows[1].RunID)).must(t); len(got) != 1 || got[0].SampleCount != nil {
		t.Errorf("links of bulk-b = %+v", got)
	}
}

// TestRunDatasets attaches, re-attaches, lists and detaches a run's datasets.
func TestRunDatasets(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	pii := res(q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: "customers", DisplayName: "Customers", StorageLocation: "s3://c/", ContainsPII: regtest.Ptr(true)})).must(t)

	attach := func(ds uuid.UUID, role string, count int64, pct float64) {
		must(t, q.RunDatasetAttach(ctx, registrydb.RunDatasetAttachParams{RunID: f.RunID, DatasetID: ds, DatasetRole: role, SampleCount: &count, UsagePercentage: &pct}))
	}
	attach(pii.DatasetID, "validation", 500, 10)
	attach(pii.DatasetID, "training", 4000, 80)
	attach(pii.DatasetID, "training", 4500, 90) // re-attaching updates the counts

	type link struct {
		role, dataset string
		count         int64
		pct           float64
		pii           bool
	}
	list := func() []link {
		return field(res(q.RunDatasetListByRun(ctx, f.RunID)).must(t), func(r registrydb.RunDatasetListByRunRow) link {
			c, p, pii := int64(-1), -1.0, false
			if r.SampleCount != nil {
				c = *r.SampleCount
			}
			if r.UsagePercentage != nil {
				p = *r.UsagePercentage
			}
			if r.ContainsPII != nil {
				pii = *r.ContainsPII
			}
			return link{r.DatasetRole, r.DatasetName, c, p, pii}
		})
	}
	// By role, then dataset name; the fixture attached its dataset without counts.
	want := []link{
		{"training", "customers", 4500, 90, true},
		{"training", "fixture_data-2024", -1, -1, false},
		{"validation", "customers", 500, 10, true},
	}
	if got := list(); !equal(got, want) {
		t.Fatalf("RunDatasetListByRun = %+v, want %+v", got, want)
	}

	n, err := q.RunDatasetDetach(ctx, registrydb.RunDatasetDetachParams{RunID: f.RunID, DatasetID: pii.DatasetID, DatasetRole: "training"})
	wantRows(t, "RunDatasetDetach", n, err, 1)
	n, err = q.RunDatasetDetach(ctx, registrydb.RunDatasetDetachParams{RunID: f.RunID, DatasetID: pii.DatasetID, DatasetRole: "training"})
	wantRows(t, "RunDatasetDetach again", n, err, 0)
	if got := list(); !equal(got, []link{want[1], want[2]}) {
		t.Errorf("links after the detach = %+v", got)
	}
}
