package retention_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/retention"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const day = 24 * time.Hour

// world builds a registry's history row by row, as the superuser: rows
// with dates in the past, the way an import of history writes them.
type world struct {
	t       *testing.T
	pool    *pgxpool.Pool
	dataset uuid.UUID
	n       int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, pool: pgtest.NewPool(t)}
	w.dataset = w.id(`INSERT INTO datasets (dataset_name, display_name, storage_location)
		VALUES ('retention-data', 'Retention data', 's3://retention/') RETURNING dataset_id`)
	return w
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.pool.Exec(context.Background(), sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

func (w *world) id(sql string, args ...any) uuid.UUID {
	w.t.Helper()
	var id uuid.UUID
	if err := w.pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

func (w *world) model(name string) uuid.UUID {
	w.t.Helper()
	return w.id(`INSERT INTO models (model_name, display_name) VALUES ($1, $1) RETURNING model_id`, name)
}

// version registers a version of model and moves it to status (the
// lifecycle lets a status skip ahead).
func (w *world) version(model uuid.UUID, status string) uuid.UUID {
	w.t.Helper()
	w.n++
	v := w.id(`INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by, registered_at)
		VALUES ($1, $2, 's3://v', 'onnx', 'importer', now() - interval '5 years') RETURNING version_id`,
		model, fmt.Sprintf("1.%d.0", w.n))
	if status != "registered" {
		w.exec(`UPDATE model_versions SET status = $1 WHERE version_id = $2`, status, v)
	}
	return v
}

// run records a run of version created `created` ago and, when status is
// a finished one, completed `completed` ago, reading the world's dataset.
func (w *world) run(version uuid.UUID, status string, created, completed time.Duration) uuid.UUID {
	w.t.Helper()
	now := time.Now()
	var started, done *time.Time
	if status != "queued" {
		s := now.Add(-created)
		started = &s
	}
	if status != "queued" && status != "running" {
		d := now.Add(-completed)
		done = &d
		if d.Before(*started) {
			started = &d
		}
	}
	r := w.id(`INSERT INTO training_runs (version_id, run_name, status, created_at, started_at, completed_at)
		VALUES ($1, 'r', $2, $3, $4, $5) RETURNING run_id`, version, status, now.Add(-created), started, done)
	w.exec(`INSERT INTO run_datasets (run_id, dataset_id, dataset_role) VALUES ($1, $2, 'training')`, r, w.dataset)
	return r
}

// deployment deploys version to env `deployed` ago; with status inactive or
// failed it ends `undeployed` ago (0: never undeployed). A serving one is
// active, or degraded after it.
func (w *world) deployment(version uuid.UUID, env, status string, deployed, undeployed time.Duration) uuid.UUID {
	w.t.Helper()
	now := time.Now()
	initial := status
	if status == "degraded" {
		initial = "active"
	}
	var until *time.Time
	if undeployed > 0 {
		u := now.Add(-undeployed)
		until = &u
	}
	d := w.id(`INSERT INTO deployments (version_id, environment_id, deployed_by, status, deployed_at, undeployed_at, traffic_percentage)
		SELECT $1, environment_id, 'importer', $3, $4, $5, 10 FROM environments WHERE environment_name = $2
		RETURNING deployment_id`, version, env, initial, now.Add(-deployed), until)
	if status != initial {
		w.exec(`UPDATE deployments SET status = $1 WHERE deployment_id = $2`, status, d)
	}
	return d
}

// exists reports whether table still has the row keyed by column = id.
func (w *world) exists(table, column string, id uuid.UUID) bool {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()+" WHERE "+pgx.Identifier{column}.Sanitize()+" = $1", id).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n > 0
}

// links counts the dataset links of run.
func (w *world) links(run uuid.UUID) int {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(context.Background(), "SELECT count(*) FROM run_datasets WHERE run_id = $1", run).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// row is one entity the test expects retention to keep or remove.
type row struct {
	what  string
	table string // training_runs or deployments
	id    uuid.UUID
}

func (r row) column() string {
	if r.table == "training_runs" {
		return "run_id"
	}
	return "deployment_id"
}

// wantKeptAndRemoved runs retention dry, then for real, and checks each
// row: kept ones are there with (for runs) their dataset link; removed ones
// are gone, with their link, and were in the report, with the policy named;
// the dry run listed the same rows.
func wantKeptAndRemoved(t *testing.T, w *world, kept, removed []row, policies map[uuid.UUID]string) retention.Report {
	t.Helper()
	plan, err := retention.Plan(context.Background(), w.pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	report, err := retention.Apply(context.Background(), w.pool, "retention-test")
	if err != nil {
		t.Fatal(err)
	}
	if planned, applied := keys(plan.Rows), keys(report.Rows); planned != applied {
		t.Errorf("the dry run listed\n%s\nthe run removed\n%s", planned, applied)
	}
	reported := map[uuid.UUID]retention.Row{}
	for _, r := range report.Rows {
		var key map[string]string
		if err := json.Unmarshal(r.RowKey, &key); err != nil {
			t.Fatal(err)
		}
		switch r.Table {
		case "training_runs":
			reported[uuid.MustParse(key["run_id"])] = r
		case "deployments":
			reported[uuid.MustParse(key["deployment_id"])] = r
		}
	}
	for _, r := range kept {
		if !w.exists(r.table, r.column(), r.id) {
			t.Errorf("%s: removed, want kept", r.what)
		}
		if r.table == "training_runs" && w.links(r.id) != 1 {
			t.Errorf("%s: its dataset link was removed", r.what)
		}
		if _, ok := reported[r.id]; ok {
			t.Errorf("%s: reported removed", r.what)
		}
	}
	for _, r := range removed {
		if w.exists(r.table, r.column(), r.id) {
			t.Errorf("%s: kept, want removed", r.what)
		}
		if r.table == "training_runs" && w.links(r.id) != 0 {
			t.Errorf("%s: its dataset link is left", r.what)
		}
		got, ok := reported[r.id]
		if !ok {
			t.Errorf("%s: removed but not reported", r.what)
		} else if want, ok := policies[r.id]; ok && got.Policy != want {
			t.Errorf("%s: policy %q, want %q", r.what, got.Policy, want)
		}
	}
	if len(reported) != len(removed) {
		t.Errorf("reported %d runs and deployments removed, want %d:\n%s", len(reported), len(removed), keys(report.Rows))
	}
	return report
}

// keys lists rows by table and key, one a line.
func keys(rows []retention.Row) string {
	var listed []string
	for _, r := range rows {
		listed = append(listed, r.Table+" "+string(r.RowKey))
	}
	return strings.Join(listed, "\n")
}

// TestRetentionRules: with the built-in periods (inactive deployments 2
// years, runs 1 year), each kind of expired row is removed and each kind of
// protected row is kept.
//
// Old code (seen failing): without the version-status condition the runs
// of deployed, registered and validated versions went; without the alias
// and serving conditions those of aliased and served versions; measuring
// runs from completed_at alone removed the imported run.
func TestRetentionRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	m := w.model("retention-rules")
	other := w.model("retention-rules-alias")
	archived := w.version(m, "archived")
	deprecated := w.version(m, "deprecated")
	year := 365 * day
	old, recent := 400*day, 300*day

	// A version that served and then was deprecated still serves: its runs
	// stay. Deployed before its version retired (the gate refuses it after).
	served := w.version(m, "validated")
	w.deployment(served, "staging", "active", 3*year, 0)
	servedDegraded := w.version(m, "validated")
	w.deployment(servedDegraded, "dev", "degraded", 3*year, 0)
	w.exec(`UPDATE model_versions SET status = 'deprecated' WHERE version_id IN ($1, $2)`, served, servedDegraded)
	// An alias names one archived version now; another's alias moved on.
	aliased := w.version(other, "archived")
	unaliased := w.version(other, "archived")
	q := registrydb.New(w.pool)
	for _, v := range []uuid.UUID{unaliased, aliased} {
		if _, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: other, Alias: "champion", VersionID: v}); err != nil {
			t.Fatal(err)
		}
	}
	approval := w.id(`INSERT INTO approvals (version_id, approval_type, requested_by) VALUES ($1, 'compliance', 'x') RETURNING approval_id`, archived)

	kept := []row{
		{"run of a deployed version", "training_runs", w.run(w.version(m, "deployed"), "succeeded", old, old)},
		{"run of a registered version", "training_runs", w.run(w.version(m, "registered"), "succeeded", old, old)},
		{"run of a validated version", "training_runs", w.run(w.version(m, "validated"), "failed", old, old)},
		{"run of a version an alias names", "training_runs", w.run(aliased, "succeeded", old, old)},
		{"run of a deprecated version still active somewhere", "training_runs", w.run(served, "succeeded", old, old)},
		{"run of a deprecated version still degraded somewhere", "training_runs", w.run(servedDegraded, "succeeded", old, old)},
		{"run still running", "training_runs", w.run(archived, "running", old, 0)},
		{"run still queued", "training_runs", w.run(archived, "queued", old, 0)},
		{"run completed long ago but recorded recently (an import)", "training_runs", w.run(archived, "succeeded", recent, old)},
		{"run younger than a year", "training_runs", w.run(archived, "succeeded", recent, recent)},
		{"active deployment deployed 3 years ago", "deployments", w.deployment(w.version(m, "validated"), "dev", "active", 3*year, 0)},
		{"degraded deployment deployed 3 years ago", "deployments", w.deployment(w.version(m, "validated"), "staging", "degraded", 3*year, 0)},
		{"inactive deployment undeployed 1 year ago", "deployments", w.deployment(archived, "staging", "inactive", 3*year, year)},
		{"failed deployment deployed 1 year ago", "deployments", w.deployment(archived, "dev", "failed", year, 0)},
	}
	removed := []row{
		{"succeeded run of an archived version", "training_runs", w.run(archived, "succeeded", old, old)},
		{"failed run of a deprecated version", "training_runs", w.run(deprecated, "failed", old, old)},
		{"cancelled run of an archived version", "training_runs", w.run(archived, "cancelled", old, old)},
		{"timed-out run of an archived version", "training_runs", w.run(archived, "timeout", old, old)},
		{"run of a version an alias named once", "training_runs", w.run(unaliased, "succeeded", old, old)},
		{"inactive deployment undeployed 3 years ago", "deployments", w.deployment(archived, "staging", "inactive", 4*year, 3*year)},
		{"failed deployment deployed 3 years ago, never undeployed", "deployments", w.deployment(deprecated, "dev", "failed", 3*year, 0)},
	}
	policies := map[uuid.UUID]string{}
	for _, r := range removed {
		policies[r.id] = "built-in"
	}
	var versionsBefore, aliasesBefore int
	if err := w.pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM model_versions), (SELECT count(*) FROM model_aliases)").Scan(&versionsBefore, &aliasesBefore); err != nil {
		t.Fatal(err)
	}
	report := wantKeptAndRemoved(t, w, kept, removed, policies)
	if report.Removed != (retention.Counts{TrainingRuns: 5, RunDatasets: 5, Deployments: 2}) {
		t.Errorf("counts %+v", report.Removed)
	}
	// Versions, aliases and approvals are never removed.
	var versionsAfter, aliasesAfter int
	if err := w.pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM model_versions), (SELECT count(*) FROM model_aliases)").Scan(&versionsAfter, &aliasesAfter); err != nil {
		t.Fatal(err)
	}
	if versionsAfter != versionsBefore || aliasesAfter != aliasesBefore || !w.exists("approvals", "approval_id", approval) {
		t.Errorf("versions %d -> %d, aliases %d -> %d, approval kept %v", versionsBefore, versionsAfter, aliasesBefore, aliasesAfter,
			w.exists("approvals", "approval_id", approval))
	}
	// A second run finds nothing left to remove.
	again, err := retention.Apply(ctx, w.pool, "retention-test")
	if err != nil || len(again.Rows) != 0 || again.Run == nil || again.Run.ID != report.Run.ID+1 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
}

// TestRetentionPolicies: a model's period wins over its environment's,
// which wins over the registry's default, which wins over the built-in
// one; a period left NULL defers to the next; the report names the policy.
//
// Old code (seen failing): with the environment's period taken before the
// model's, the deployment the model keeps 10 years went.
func TestRetentionPolicies(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	long := w.model("retention-keeps-long")
	plain := w.model("retention-plain")
	longArchived := w.version(long, "archived")
	plainArchived := w.version(plain, "archived")
	w.exec(`INSERT INTO retention_policies (scope, model_id, keep_inactive_deployments, keep_training_runs) VALUES ('model', $1, '10 years', '3 years')`, long)
	w.exec(`INSERT INTO retention_policies (scope, environment_id, keep_inactive_deployments)
		SELECT 'environment', environment_id, '30 days' FROM environments WHERE environment_name = 'dev'`)
	w.exec(`INSERT INTO retention_policies (scope, environment_id, keep_inactive_deployments)
		SELECT 'environment', environment_id, '5 years' FROM environments WHERE environment_name = 'staging'`)
	w.exec(`INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '200 days')`)

	kept := []row{
		{"run the model keeps 3 years", "training_runs", w.run(longArchived, "succeeded", 400*day, 400*day)},
		{"deployment of the model in dev (model 10 years over dev's 30 days)", "deployments", w.deployment(longArchived, "dev", "inactive", 1000*day, 900*day)},
		{"deployment in staging (5 years over the built-in 2)", "deployments", w.deployment(plainArchived, "staging", "inactive", 1200*day, 1000*day)},
		{"run younger than the default's 200 days", "training_runs", w.run(plainArchived, "succeeded", 100*day, 100*day)},
		{"deployment in prod-us undeployed 1 year ago (built-in 2 years: the default row defers)", "deployments", w.deployment(plainArchived, "prod-us", "inactive", 400*day, 365*day)},
	}
	removed := []row{
		{"run older than the default's 200 days", "training_runs", w.run(plainArchived, "succeeded", 250*day, 250*day)},
		{"run the model keeps 3 years, 4 years old", "training_runs", w.run(longArchived, "succeeded", 1500*day, 1500*day)},
		{"deployment in dev undeployed 60 days ago", "deployments", w.deployment(plainArchived, "dev", "inactive", 100*day, 60*day)},
		{"deployment in prod-us undeployed 3 years ago", "deployments", w.deployment(plainArchived, "prod-us", "failed", 1200*day, 1100*day)},
	}
	policies := map[uuid.UUID]string{
		removed[0].id: "default", removed[1].id: "model retention-keeps-long",
		removed[2].id: "environment dev", removed[3].id: "built-in",
	}
	report := wantKeptAndRemoved(t, w, kept, removed, policies)
	var rules []string
	for _, p := range report.Policies.Rules {
		rules = append(rules, fmt.Sprintf("%s %v %v %v %v", p.Scope, deref(p.Environment), deref(p.Model), deref(p.InactiveDeployments), deref(p.TrainingRuns)))
	}
	want := []string{"default - - - 200 days", "environment dev - 30 days -", "environment staging - 5 years -",
		"model - retention-keeps-long 10 years 3 years"}
	if !slices.Equal(rules, want) {
		t.Errorf("policies %q, want %q", rules, want)
	}
	if got := report.Policies.String(); !strings.HasPrefix(got, "built-in: inactive deployments 2 years, training runs 1 year; default: training runs 200 days") {
		t.Errorf("policies in words: %s", got)
	}
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

// TestRetentionPolicyRows: the policy's table refuses what would make it
// ambiguous or dangerous, and accepts the rest.
func TestRetentionPolicyRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	m := w.model("retention-policy-rows")
	refused := map[string]string{
		"a run period for an environment":      `INSERT INTO retention_policies (scope, environment_id, keep_inactive_deployments, keep_training_runs) VALUES ('environment', 1, '1 year', '1 year')`,
		"an environment rule without a period": `INSERT INTO retention_policies (scope, environment_id) VALUES ('environment', 1)`,
		"a model rule without a period":        fmt.Sprintf(`INSERT INTO retention_policies (scope, model_id) VALUES ('model', '%s')`, m),
		"a period of zero":                     fmt.Sprintf(`INSERT INTO retention_policies (scope, model_id, keep_training_runs) VALUES ('model', '%s', '0')`, m),
		"a period under a day":                 `INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '23 hours')`,
		"a negative period":                    `INSERT INTO retention_policies (scope, keep_inactive_deployments) VALUES ('default', '-2 years')`,
		"a default naming a model":             fmt.Sprintf(`INSERT INTO retention_policies (scope, model_id, keep_training_runs) VALUES ('default', '%s', '2 years')`, m),
		"an unknown scope":                     `INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('team', '2 years')`,
	}
	for what, sql := range refused {
		var ce *registry.ConstraintError
		if _, err := w.pool.Exec(ctx, sql); !errors.As(registry.MapError(err), &ce) {
			t.Errorf("%s: want a constraint violation, got %v", what, err)
		}
	}
	w.exec(`INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '2 years')`)
	w.exec(fmt.Sprintf(`INSERT INTO retention_policies (scope, model_id, keep_training_runs) VALUES ('model', '%s', '1 mon')`, m))
	for what, sql := range map[string]string{
		"a second default":           `INSERT INTO retention_policies (scope, keep_training_runs) VALUES ('default', '3 years')`,
		"a second rule of the model": fmt.Sprintf(`INSERT INTO retention_policies (scope, model_id, keep_training_runs) VALUES ('model', '%s', '3 years')`, m),
	} {
		if _, err := w.pool.Exec(ctx, sql); !errors.Is(registry.MapError(err), registry.ErrAlreadyExists) {
			t.Errorf("%s: want a unique violation, got %v", what, err)
		}
	}
	// A model's rule goes with the model.
	w.exec(`DELETE FROM models WHERE model_id = $1`, m)
	var n int
	if err := w.pool.QueryRow(ctx, "SELECT count(*) FROM retention_policies WHERE scope = 'model'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("model rules after the model's deletion: %d, %v", n, err)
	}
}

// TestRetentionDryRunIsTheRun: the dry run lists exactly what the run then
// removes, row for row and value for value; the audit trail holds each
// removed row whole under the run's transaction, actor and login, and the
// record of the run counts them, per table and per model.
func TestRetentionDryRunIsTheRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	for _, name := range []string{"retention-dry-a", "retention-dry-b"} {
		m := w.model(name)
		archived := w.version(m, "archived")
		w.version(m, "deployed")
		for i := 0; i < 3; i++ {
			w.run(archived, "succeeded", time.Duration(400+i)*day, time.Duration(400+i)*day)
			w.deployment(archived, []string{"dev", "staging", "canary"}[i], "inactive", time.Duration(1000+i)*day, time.Duration(800+i)*day)
		}
		w.run(archived, "succeeded", 10*day, 10*day) // kept
	}
	// Whole rows before the run, by table and key.
	before := map[string]string{}
	rows, err := w.pool.Query(ctx, `
		SELECT 'training_runs', jsonb_build_object('run_id', run_id)::text, to_jsonb(r)::text FROM training_runs r
		UNION ALL SELECT 'deployments', jsonb_build_object('deployment_id', deployment_id)::text, to_jsonb(d)::text FROM deployments d
		UNION ALL SELECT 'run_datasets', jsonb_build_object('run_id', run_id, 'dataset_id', dataset_id, 'dataset_role', dataset_role)::text, to_jsonb(rd)::text FROM run_datasets rd`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, key, whole string
		if err := rows.Scan(&table, &key, &whole); err != nil {
			t.Fatal(err)
		}
		before[table+" "+key] = whole
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}

	plan, err := retention.Plan(ctx, w.pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.DryRun || plan.Run != nil || plan.Removed != (retention.Counts{TrainingRuns: 6, RunDatasets: 6, Deployments: 6}) {
		t.Fatalf("dry run: %+v", plan)
	}
	// The dry run removed nothing.
	again, err := retention.Plan(ctx, w.pool, nil)
	if err != nil || len(again.Rows) != len(plan.Rows) {
		t.Fatalf("second dry run: %d rows, %v", len(again.Rows), err)
	}
	run, err := retention.Apply(ctx, w.pool, "dry-run-test")
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Rows) != len(plan.Rows) {
		t.Fatalf("the run removed %d rows, the dry run listed %d", len(run.Rows), len(plan.Rows))
	}
	for i := range plan.Rows {
		p, r := plan.Rows[i], run.Rows[i]
		// Expiry is the same moment plus the same period; only the moment
		// the dry run and the run count from differ.
		if p.Table != r.Table || string(p.RowKey) != string(r.RowKey) || p.ModelID != r.ModelID || p.Model != r.Model ||
			p.VersionID != r.VersionID || p.Version != r.Version || deref(p.Environment) != deref(r.Environment) ||
			!p.KeptSince.Equal(r.KeptSince) || p.Keep != r.Keep || !p.ExpiredAt.Equal(r.ExpiredAt) || p.Policy != r.Policy {
			t.Errorf("row %d: dry run %+v, run %+v", i, p, r)
		}
	}
	if run.Removed != plan.Removed || run.Run == nil || run.Run.Actor != "dry-run-test" || run.Run.DBUser != "postgres" {
		t.Errorf("run: removed %+v, record %+v", run.Removed, run.Run)
	}

	// The audit trail: one DELETE per removed row, whole, in the run's
	// transaction, under its actor and login.
	trail, err := w.pool.Query(ctx, `
		SELECT table_name, CASE WHEN table_name = 'run_datasets'
		                        THEN row_key || jsonb_build_object('dataset_role', old_row -> 'dataset_role') ELSE row_key END::text,
		       old_row::text, actor, db_user
		FROM audit_log WHERE action = 'DELETE' AND txid = $1 AND tx_time = $2`, run.Run.TxID, run.Run.AppliedAt)
	if err != nil {
		t.Fatal(err)
	}
	deleted := map[string]bool{}
	for trail.Next() {
		var table, key, old, actor, dbUser string
		if err := trail.Scan(&table, &key, &old, &actor, &dbUser); err != nil {
			t.Fatal(err)
		}
		deleted[table+" "+key] = true
		if actor != "dry-run-test" || dbUser != "postgres" {
			t.Errorf("DELETE of %s %s by %s as %s", table, key, actor, dbUser)
		}
		var a, b any
		_ = json.Unmarshal([]byte(old), &a)
		_ = json.Unmarshal([]byte(before[table+" "+key]), &b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("the trail's %s %s is not the row as it was:\n%s\n%s", table, key, old, before[table+" "+key])
		}
	}
	if trail.Err() != nil {
		t.Fatal(trail.Err())
	}
	for _, r := range plan.Rows {
		var key any
		_ = json.Unmarshal(r.RowKey, &key)
		canonical, _ := json.Marshal(key)
		found := false
		for d := range deleted {
			var k any
			table, rest, _ := strings.Cut(d, " ")
			_ = json.Unmarshal([]byte(rest), &k)
			c, _ := json.Marshal(k)
			if table == r.Table && string(c) == string(canonical) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %s: listed, but the trail has no DELETE of it in the run", r.Table, r.RowKey)
		}
	}
	if len(deleted) != len(plan.Rows) {
		t.Errorf("the trail holds %d DELETEs of the run, the dry run listed %d rows", len(deleted), len(plan.Rows))
	}

	// The record, per model.
	var perModel string
	err = w.pool.QueryRow(ctx, `SELECT string_agg(model_name || ' ' || table_name || ' ' || rows_removed, ', ' ORDER BY model_name, table_name)
		FROM retention_run_models WHERE retention_run_id = $1`, run.Run.ID).Scan(&perModel)
	want := "retention-dry-a deployments 3, retention-dry-a run_datasets 3, retention-dry-a training_runs 3, " +
		"retention-dry-b deployments 3, retention-dry-b run_datasets 3, retention-dry-b training_runs 3"
	if err != nil || perModel != want {
		t.Errorf("record per model: %q, %v", perModel, err)
	}
}

// TestRetentionWithNothingOld: a registry with nothing past its period
// loses nothing; the run is recorded, with nothing removed.
func TestRetentionWithNothingOld(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	m := w.model("retention-young")
	v := w.version(m, "archived")
	w.run(v, "succeeded", 100*day, 100*day)
	w.deployment(v, "dev", "inactive", 400*day, 300*day)
	before := contents(t, w.pool)
	plan, err := retention.Plan(ctx, w.pool, nil)
	if err != nil || len(plan.Rows) != 0 {
		t.Fatalf("dry run: %+v, %v", plan.Rows, err)
	}
	run, err := retention.Apply(ctx, w.pool, "nothing-old")
	if err != nil || len(run.Rows) != 0 || run.Removed.Total() != 0 || run.Run == nil {
		t.Fatalf("run: %+v, %v", run, err)
	}
	if after := contents(t, w.pool); after != before {
		t.Errorf("the registry changed:\n%s\n%s", before, after)
	}
	var runs, removed int64
	if err := w.pool.QueryRow(ctx, `SELECT count(*), sum(training_runs_removed + run_datasets_removed + deployments_removed)
		FROM retention_runs`).Scan(&runs, &removed); err != nil || runs != 1 || removed != 0 {
		t.Errorf("record: %d runs, %d removed, %v", runs, removed, err)
	}
	// A year on, the dry run sees the run expire; the deployment a year after.
	for _, c := range []struct {
		at   time.Time
		want retention.Counts
	}{
		{time.Now().Add(300 * day), retention.Counts{TrainingRuns: 1, RunDatasets: 1}},
		{time.Now().Add(500 * day), retention.Counts{TrainingRuns: 1, RunDatasets: 1, Deployments: 1}},
	} {
		plan, err := retention.Plan(ctx, w.pool, &c.at)
		if err != nil || plan.Removed != c.want || !plan.At.Equal(c.at) {
			t.Errorf("dry run at %s: %+v at %s, %v", c.at, plan.Removed, plan.At, err)
		}
	}
}

// contents is every row of the registry's tables, as text.
func contents(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var s string
	err := pool.QueryRow(context.Background(), `SELECT concat_ws('|',
		(SELECT json_agg(x ORDER BY x.run_id) FROM training_runs x),
		(SELECT json_agg(x ORDER BY x.deployment_id) FROM deployments x),
		(SELECT json_agg(x ORDER BY x.run_id, x.dataset_id) FROM run_datasets x),
		(SELECT json_agg(x ORDER BY x.version_id) FROM model_versions x),
		(SELECT json_agg(x ORDER BY x.approval_id) FROM approvals x),
		(SELECT json_agg(x ORDER BY x.alias_id) FROM model_aliases x),
		(SELECT json_agg(x ORDER BY x.model_id) FROM models x),
		(SELECT count(*) FROM audit_log))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
