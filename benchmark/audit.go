package benchmark

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/benchreport"
)

// auditRounds is how many times each write of measureAuditCost is timed,
// with and without the trail in alternation; the median counts.
const auditRounds = 5

// measureAuditCost times the same writes into training_runs with the audit
// trail and without it: a COPY of many rows, and one INSERT a row. Each
// write runs in a transaction that is rolled back, so that every round
// starts from the same table. The untracked baseline disables the
// audit_insert trigger inside that transaction only (ALTER TABLE is
// transactional, and the rollback restores it): nothing outside the
// measurement ever writes without the trail, and every other trigger,
// constraint and index of training_runs stays in both.
func (b *benchRun) measureAuditCost() error {
	copyRows := min(10_000, b.size.Runs)
	runs := b.auditBenchRuns(copyRows)
	copyRuns := func(q *registrydb.Queries) error {
		_, err := q.TrainingRunInsertManyCopyFrom(b.ctx, runs)
		return err
	}
	b.logf("audit trail: COPY of %d runs with and without it, %d rounds", copyRows, auditRounds)
	tracked, untracked, err := b.withAndWithoutTrail(copyRuns)
	if err != nil {
		return err
	}
	b.add(trailMeasurement("audit_copy_vs_untracked", "COPY of training runs", copyRows, tracked, untracked, 0.6))

	insertRows := min(500, max(100, b.size.Runs/20))
	insertRuns := func(q *registrydb.Queries) error {
		for _, r := range runs[:insertRows] {
			if _, err := q.TrainingRunCreate(b.ctx, registrydb.TrainingRunCreateParams{VersionID: r.VersionID, RunName: r.RunName}); err != nil {
				return err
			}
		}
		return nil
	}
	b.logf("audit trail: %d runs one INSERT each, with and without it, %d rounds", insertRows, auditRounds)
	if tracked, untracked, err = b.withAndWithoutTrail(insertRuns); err != nil {
		return err
	}
	b.add(trailMeasurement("audit_insert_vs_untracked", "one INSERT a training run", insertRows, tracked, untracked, 0.9))
	return nil
}

// auditBenchRuns is n new runs spread over the synthetic versions.
func (b *benchRun) auditBenchRuns(n int) []registrydb.TrainingRunInsertManyCopyFromParams {
	versions := b.gen.Versions()
	runs := make([]registrydb.TrainingRunInsertManyCopyFromParams, n)
	for i := range runs {
		name := fmt.Sprintf("bench-audit-%d", i)
		runs[i] = registrydb.TrainingRunInsertManyCopyFromParams{
			RunID: uuid.New(), VersionID: versions[i%len(versions)].VersionID, RunName: &name, Status: "queued"}
	}
	return runs
}

// withAndWithoutTrail runs write auditRounds times with the trail and
// without it, alternating, each in a rolled-back transaction, and returns
// the median time of each.
func (b *benchRun) withAndWithoutTrail(write func(q *registrydb.Queries) error) (tracked, untracked time.Duration, err error) {
	ds, err := alternate(auditRounds,
		func() (time.Duration, error) { return b.timedRolledBack(false, write) },
		func() (time.Duration, error) { return b.timedRolledBack(true, write) })
	if err != nil {
		return 0, 0, err
	}
	return ds[0][len(ds[0])/2], ds[1][len(ds[1])/2], nil
}

// timedRolledBack times write in a transaction that names the bench's actor
// (as every audited write does) and is then rolled back; untracked disables
// training_runs' audit_insert trigger in that transaction first, before the
// clock starts.
func (b *benchRun) timedRolledBack(untracked bool, write func(q *registrydb.Queries) error) (time.Duration, error) {
	tx, err := b.pool.Begin(b.ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(b.ctx)
	q := registrydb.New(tx)
	if err := q.SessionSetActor(b.ctx, b.actor); err != nil {
		return 0, err
	}
	if untracked {
		// A table name and a trigger name cannot be parameters.
		if _, err := tx.Exec(b.ctx, "ALTER TABLE training_runs DISABLE TRIGGER "+pgx.Identifier{"audit_insert"}.Sanitize()); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	if err := write(q); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// trailMeasurement reports rows/s with the trail against rows/s without it,
// met when the ratio reaches least.
func trailMeasurement(name, what string, rows int, tracked, untracked time.Duration, least float64) benchreport.Measurement {
	withRate, withoutRate := float64(rows)/tracked.Seconds(), float64(rows)/untracked.Seconds()
	return benchreport.Measurement{Name: name, Value: withRate, Unit: "rows/s",
		Baseline: what + " without the audit trail (its trigger disabled in the rolled-back transaction)", BaselineValue: withoutRate,
		Ratio: benchreport.Ratio(withRate, withoutRate), Target: fmt.Sprintf("with/without >= %.1f", least), Met: withRate >= least*withoutRate}
}

// alternate calls each of fns in turn, n rounds, each returning the time it
// measured itself, and returns each one's sorted durations.
func alternate(n int, fns ...func() (time.Duration, error)) ([][]time.Duration, error) {
	ds := make([][]time.Duration, len(fns))
	for j := range fns {
		ds[j] = make([]time.Duration, n)
	}
	for i := range n {
		for j, fn := range fns {
			d, err := fn()
			if err != nil {
				return nil, err
			}
			ds[j][i] = d
		}
	}
	for _, d := range ds {
		slices.Sort(d)
	}
	return ds, nil
}
