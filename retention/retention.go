// Package retention applies the registry's retention policy (exercise Part
// 8.2: inactive deployments are kept 2 years, training runs 1 year; per
// environment or per model otherwise) and reports what it removes.
//
// The policy and the rules live in the database (migration
// 20251023002100_retention.sql): retention_candidates lists what expires at
// a moment, retention_apply removes exactly that and records the run. Plan
// is the dry run, Apply the real one; both report the rows in the same
// columns, from the same SQL. See docs/operations.md, "Retention".
package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/schemas"
)

// SchemaRetention is the $id of schemas/v1/retention.json.
const SchemaRetention = schemas.Base + "v1/retention.json"

// Report is what a retention run removed, or a dry run would remove;
// `mlreg retention --format json` writes it (schemas/v1/retention.json).
// Fields are only ever added within v1; an absent value is null.
type Report struct {
	Schema string `json:"schema"`
	// DryRun is true for Plan: nothing was removed.
	DryRun bool `json:"dry_run"`
	// At is the moment the periods count back from: the retention run's
	// transaction start, or the dry run's moment.
	At time.Time `json:"at"`
	// Run is the record of the retention run (retention_runs), null for a
	// dry run.
	Run      *Run     `json:"retention_run"`
	Policies Policies `json:"policies"`
	// Removed counts Rows by table: removed, or that would be for a dry run.
	Removed Counts `json:"removed"`
	Rows    []Row  `json:"rows"`
}

// Run is the record of one retention run.
type Run struct {
	ID        int64     `json:"id"`
	AppliedAt time.Time `json:"applied_at"`
	TxID      int64     `json:"txid"`
	Actor     string    `json:"actor"`
	DBUser    string    `json:"db_user"`
}

// Counts are rows per table.
type Counts struct {
	TrainingRuns int64 `json:"training_runs"`
	RunDatasets  int64 `json:"run_datasets"`
	Deployments  int64 `json:"deployments"`
}

// Total is the number of rows in all tables.
func (c Counts) Total() int64 { return c.TrainingRuns + c.RunDatasets + c.Deployments }

// Row is one row retention removes: its table and key (as the audit trail
// keys it; a dataset link also by its role), its model and version, the
// environment of a deployment, the moment its period counts from, the
// period, when it expired and the policy that set the period ("built-in",
// "default", "environment NAME" or "model NAME").
type Row struct {
	Table       string          `json:"table"`
	RowKey      json.RawMessage `json:"row_key"`
	Model       string          `json:"model"`
	ModelID     uuid.UUID       `json:"model_id"`
	Version     string          `json:"version"`
	VersionID   uuid.UUID       `json:"version_id"`
	Environment *string         `json:"environment"`
	KeptSince   time.Time       `json:"kept_since"`
	Keep        string          `json:"keep"`
	ExpiredAt   time.Time       `json:"expired_at"`
	Policy      string          `json:"policy"`
}

// Policies are the periods in force: the built-in ones and the policy's
// rows (retention_policies).
type Policies struct {
	BuiltIn Periods  `json:"built_in"`
	Rules   []Policy `json:"rules"`
}

// Periods are how long inactive deployments and training runs are kept, as
// PostgreSQL writes an interval ("2 years"); null where a rule defers.
type Periods struct {
	InactiveDeployments *string `json:"inactive_deployments"`
	TrainingRuns        *string `json:"training_runs"`
}

// Policy is one row of the policy: the registry's default, an
// environment's or a model's.
type Policy struct {
	Scope       string  `json:"scope"`
	Environment *string `json:"environment"`
	Model       *string `json:"model"`
	Periods
}

// Plan reports what retention would remove at *at, or now (the
// transaction's start) when at is nil, and removes nothing. It reads the
// candidates and the policy in one read-only snapshot.
func Plan(ctx context.Context, db registry.TxBeginner, at *time.Time) (Report, error) {
	var report Report
	opts := registry.TxOptions{TxOptions: pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}}
	err := registry.WithTx(ctx, db, opts, func(q *registrydb.Queries) error {
		moment, err := q.RetentionClock(ctx)
		if err != nil {
			return err
		}
		if at != nil {
			moment = *at
		}
		candidates, err := q.RetentionCandidates(ctx, moment)
		if err != nil {
			return err
		}
		rows := make([]Row, len(candidates))
		for i, c := range candidates {
			rows[i] = newRow(registrydb.RetentionApplyRow(c))
		}
		report, err = newReport(ctx, q, true, moment, nil, rows)
		return err
	})
	return report, explain(err)
}

// Apply removes what has expired now, in one READ COMMITTED transaction
// under actor (the audit trail's actor of every DELETE and of the record),
// and reports what it removed and the record of the run.
func Apply(ctx context.Context, db registry.TxBeginner, actor string) (Report, error) {
	var report Report
	opts := registry.TxOptions{TxOptions: pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, Actor: actor}
	err := registry.WithTx(ctx, db, opts, func(q *registrydb.Queries) error {
		removed, err := q.RetentionApply(ctx)
		if err != nil {
			return err
		}
		record, err := q.RetentionRunOfTransaction(ctx)
		if err != nil {
			return fmt.Errorf("reading the record of the retention run: %w", err)
		}
		rows := make([]Row, len(removed))
		for i, r := range removed {
			rows[i] = newRow(r)
		}
		run := &Run{ID: record.RetentionRunID, AppliedAt: record.AppliedAt.UTC(), TxID: record.Txid, Actor: record.Actor, DBUser: record.DbUser}
		report, err = newReport(ctx, q, false, record.AppliedAt, run, rows)
		if err != nil {
			return err
		}
		recorded := Counts{TrainingRuns: record.TrainingRunsRemoved, RunDatasets: record.RunDatasetsRemoved, Deployments: record.DeploymentsRemoved}
		if recorded != report.Removed {
			return fmt.Errorf("retention run %d recorded %+v removed but returned %+v", record.RetentionRunID, recorded, report.Removed)
		}
		return nil
	})
	return report, explain(err)
}

func newRow(r registrydb.RetentionApplyRow) Row {
	row := Row{Table: r.TableName, RowKey: r.RowKey, Model: r.ModelName, ModelID: r.ModelID, Version: r.Semver,
		VersionID: r.VersionID, KeptSince: r.KeptSince.UTC(), Keep: r.Keep, ExpiredAt: r.ExpiredAt.UTC(), Policy: r.Policy}
	if r.EnvironmentName != "" {
		env := r.EnvironmentName
		row.Environment = &env
	}
	return row
}

// newReport assembles a report from its rows and the policy in force.
func newReport(ctx context.Context, q *registrydb.Queries, dryRun bool, at time.Time, run *Run, rows []Row) (Report, error) {
	r := Report{Schema: SchemaRetention, DryRun: dryRun, At: at.UTC(), Run: run, Rows: rows}
	for _, row := range rows {
		switch row.Table {
		case "training_runs":
			r.Removed.TrainingRuns++
		case "run_datasets":
			r.Removed.RunDatasets++
		case "deployments":
			r.Removed.Deployments++
		}
	}
	builtIn, err := q.RetentionBuiltInPeriods(ctx)
	if err != nil {
		return Report{}, err
	}
	r.Policies.BuiltIn = Periods{InactiveDeployments: &builtIn.KeepInactiveDeployments, TrainingRuns: &builtIn.KeepTrainingRuns}
	rules, err := q.RetentionPolicyList(ctx)
	if err != nil {
		return Report{}, err
	}
	r.Policies.Rules = make([]Policy, len(rules))
	for i, p := range rules {
		r.Policies.Rules[i] = Policy{Scope: p.Scope, Environment: orNil(p.EnvironmentName), Model: orNil(p.ModelName),
			Periods: Periods{InactiveDeployments: orNil(p.KeepInactiveDeployments), TrainingRuns: orNil(p.KeepTrainingRuns)}}
	}
	return r, nil
}

// orNil is nil for the queries' "" (none), else s.
func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// explain says in words why the database refused retention, when it is one
// of the refusals a user can act on.
func explain(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "42501": // insufficient_privilege
		return fmt.Errorf("retention needs the registry_admin role: %w", err)
	case "55P03": // lock_not_available
		return fmt.Errorf("retention waited too long for a lock (a long transaction holds a version, run or deployment it removes rows of); run it again later: %w", err)
	}
	return err
}
