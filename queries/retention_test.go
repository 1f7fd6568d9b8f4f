package queries_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// TestRetentionQueries: in one transaction, RetentionCandidates at the
// transaction's start (RetentionClock) and RetentionApply return the same
// rows, value for value; RetentionRunOfTransaction reads the run's record;
// the periods and the policy are read back; LineageRetentionRemovals finds
// the run for a moment before it and not after.
func TestRetentionQueries(t *testing.T) {
	t.Parallel()
	ctx, pool, q, f := setup(t)
	if p := res(q.RetentionBuiltInPeriods(ctx)).must(t); p.KeepInactiveDeployments != "2 years" || p.KeepTrainingRuns != "1 year" {
		t.Fatalf("built-in periods %+v", p)
	}
	for _, sql := range []string{
		`INSERT INTO retention_policies (scope, model_id, keep_inactive_deployments) VALUES ('model', $1, '3 years')`,
		`INSERT INTO model_versions (version_id, model_id, semver, artifact_uri, framework, registered_by, status)
		 VALUES ('00000000-0000-0000-0000-0000000000a1', $1, '0.0.1', 's3://old', 'onnx', 'importer', 'archived')`,
		`INSERT INTO training_runs (version_id, run_name, status, created_at, started_at, completed_at)
		 SELECT version_id, 'old', 'succeeded', now() - interval '2 years', now() - interval '2 years', now() - interval '2 years'
		 FROM model_versions WHERE model_id = $1 AND semver = '0.0.1'`,
		`INSERT INTO deployments (version_id, environment_id, deployed_by, status, deployed_at, undeployed_at)
		 SELECT v.version_id, e.environment_id, 'x', 'failed', now() - interval '5 years', now() - interval '4 years'
		 FROM model_versions v, environments e WHERE v.model_id = $1 AND v.semver = '0.0.1' AND e.environment_name = 'staging'`,
	} {
		_, err := pool.Exec(ctx, sql, f.ModelID)
		must(t, err)
	}
	policy := res(q.RetentionPolicyList(ctx)).must(t)
	if len(policy) != 1 || policy[0].Scope != "model" || policy[0].ModelName != f.ModelName || policy[0].EnvironmentName != "" ||
		policy[0].KeepInactiveDeployments != "3 years" || policy[0].KeepTrainingRuns != "" {
		t.Fatalf("policy %+v", policy)
	}
	before := time.Now()
	var candidates []registrydb.RetentionCandidatesRow
	var applied []registrydb.RetentionApplyRow
	var record registrydb.RetentionRun
	err := registry.WithTx(ctx, pool, registry.TxOptions{TxOptions: pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, Actor: "queries"},
		func(q *registrydb.Queries) error {
			now, err := q.RetentionClock(ctx)
			if err != nil {
				return err
			}
			if candidates, err = q.RetentionCandidates(ctx, now); err != nil {
				return err
			}
			if applied, err = q.RetentionApply(ctx); err != nil {
				return err
			}
			record, err = q.RetentionRunOfTransaction(ctx)
			return err
		})
	must(t, err)
	if len(candidates) != 2 || len(applied) != 2 {
		t.Fatalf("candidates %+v, applied %+v", candidates, applied)
	}
	for i := range candidates {
		c, a := candidates[i], applied[i]
		if c.TableName != a.TableName || string(c.RowKey) != string(a.RowKey) || c.ModelID != a.ModelID || c.ModelName != a.ModelName ||
			c.VersionID != a.VersionID || c.Semver != a.Semver || c.EnvironmentName != a.EnvironmentName || !c.KeptSince.Equal(a.KeptSince) ||
			c.Keep != a.Keep || !c.ExpiredAt.Equal(a.ExpiredAt) || c.Policy != a.Policy {
			t.Errorf("row %d: candidate %+v, applied %+v", i, candidates[i], applied[i])
		}
	}
	tables := map[string]string{}
	for _, r := range applied {
		tables[r.TableName] = r.Policy
	}
	if len(tables) != 2 || tables["deployments"] != "model "+f.ModelName || tables["training_runs"] != "built-in" {
		t.Errorf("tables and policies removed: %v", tables)
	}
	if record.Actor != "queries" || record.TrainingRunsRemoved != 1 || record.DeploymentsRemoved != 1 || record.RunDatasetsRemoved != 0 {
		t.Errorf("record %+v", record)
	}
	removals := res(q.LineageRetentionRemovals(ctx, f.ModelID, before)).must(t)
	if len(removals) != 1 || removals[0].TableName != "training_runs" || removals[0].RowsRemoved != 1 || !removals[0].InTrail ||
		removals[0].RetentionRunID != record.RetentionRunID {
		// The failed deployment ended four years before: not live then.
		t.Errorf("removals before the run: %+v", removals)
	}
	if after := res(q.LineageRetentionRemovals(ctx, f.ModelID, time.Now())).must(t); len(after) != 0 {
		t.Errorf("removals after the run: %+v", after)
	}
}
