package mlregcli

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/retention"
	"github.com/mlplatform/model-registry/schemas"
)

// expire adds to the seeded registry an archived version of fraud-detector
// (0.0.1) with a run that finished two years ago reading transaction-logs,
// and a staging deployment of it undeployed three years ago: rows the
// trail saw inserted now, dated in the past as an import of history is.
func expire(t *testing.T, url string) {
	t.Helper()
	exec(t, url, `
		INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by, status)
		SELECT model_id, '0.0.1', 's3://old', 'onnx', 'importer', 'archived' FROM models WHERE model_name = 'fraud-detector';
		INSERT INTO training_runs (version_id, run_name, status, created_at, started_at, completed_at)
		SELECT version_id, 'expired-run', 'succeeded', now() - interval '2 years', now() - interval '2 years', now() - interval '2 years'
		FROM model_versions WHERE semver = '0.0.1';
		INSERT INTO run_datasets (run_id, dataset_id, dataset_role)
		SELECT run_id, (SELECT dataset_id FROM datasets WHERE dataset_name = 'transaction-logs'), 'training'
		FROM training_runs WHERE run_name = 'expired-run';
		INSERT INTO deployments (version_id, environment_id, deployed_by, status, deployed_at, undeployed_at)
		SELECT version_id, (SELECT environment_id FROM environments WHERE environment_name = 'staging'), 'importer',
		       'inactive', now() - interval '4 years', now() - interval '3 years'
		FROM model_versions WHERE semver = '0.0.1'`)
}

// TestRetentionCommand: the dry run lists in JSON (following
// schemas/v1/retention.json) and text what the run then removes, and the
// run says what it removed and its record; a second run finds nothing. Bad
// flags are one line and exit 2.
func TestRetentionCommand(t *testing.T) {
	url := seeded(t)
	expire(t, url)
	c := schemaCompiler(t, nil)
	run := func(args ...string) (string, retention.Report) {
		t.Helper()
		code, out, stderr := mlreg(t, append([]string{"--database-url", url, "--actor", "keeper"}, append([]string{"retention"}, args...)...)...)
		if code != 0 {
			t.Fatalf("retention %v: exit %d: %s", args, code, stderr)
		}
		var r retention.Report
		if strings.Contains(strings.Join(args, " "), "json") {
			validate(t, c, retention.SchemaRetention, []byte(out))
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
		}
		return out, r
	}
	_, plan := run("--dry-run", "--format", "json")
	if !plan.DryRun || plan.Run != nil || plan.Removed != (retention.Counts{TrainingRuns: 1, RunDatasets: 1, Deployments: 1}) {
		t.Fatalf("dry run: %+v", plan)
	}
	text, _ := run("--dry-run")
	for _, want := range []string{"would remove 1 training run, 1 dataset link, 1 inactive deployment",
		"periods: built-in: inactive deployments 2 years, training runs 1 year", "fraud-detector", "staging", "built-in"} {
		if !strings.Contains(text, want) {
			t.Errorf("dry run text lacks %q:\n%s", want, text)
		}
	}
	_, done := run("--format", "json")
	if done.DryRun || done.Run == nil || done.Run.Actor != "keeper" || done.Removed != plan.Removed || len(done.Rows) != len(plan.Rows) {
		t.Fatalf("run: %+v", done)
	}
	for i := range plan.Rows {
		if plan.Rows[i].Table != done.Rows[i].Table || string(plan.Rows[i].RowKey) != string(done.Rows[i].RowKey) {
			t.Errorf("row %d: dry run %s %s, run %s %s", i, plan.Rows[i].Table, plan.Rows[i].RowKey, done.Rows[i].Table, done.Rows[i].RowKey)
		}
	}
	text, _ = run()
	if !strings.Contains(text, "by keeper") || !strings.Contains(text, "nothing has expired") {
		t.Errorf("second run:\n%s", text)
	}
	// Ten years on, the seeded deployments undeployed today would go too.
	_, later := run("--dry-run", "--at", time.Now().AddDate(10, 0, 0).Format("2006-01-02"), "--format", "json")
	if later.Removed.Deployments == 0 {
		t.Errorf("dry run ten years on: %+v", later.Removed)
	}

	for _, bad := range [][]string{
		{"--at", "2030-01-01"},
		{"--dry-run", "--at", "yesterday"},
		{"--format", "yaml"},
		{"extra"},
	} {
		code, out, stderr := mlreg(t, append([]string{"--database-url", url, "retention"}, bad...)...)
		if code != 2 || out != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "mlreg: ") {
			t.Errorf("retention %v: exit %d, out %q, err %q", bad, code, out, stderr)
		}
	}
	// A writer may not. Roles belong to the server: the name is the test's own.
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	writer := "retention_cli_" + hex.EncodeToString(suffix)
	exec(t, url, "CREATE ROLE "+writer+" LOGIN IN ROLE registry_writer")
	t.Cleanup(func() { exec(t, url, "DROP ROLE "+writer) })
	code, _, stderr := mlreg(t, "--database-url", withUser(t, url, writer), "retention")
	if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "needs the registry_admin role") {
		t.Errorf("retention as a writer: exit %d, %q", code, stderr)
	}
}

// TestLineageAtShowsRetention: a report of a moment before retention removed
// rows lists them, marked removed by retention with the run and its date,
// in JSON (following schemas/v1/lineage.json) and text; a row deleted
// otherwise is not so marked. Once the trail's months with the run's
// DELETEs are retired, the record of retention runs still says, for a
// moment before, that retention removed rows of the model then.
//
// Old code (seen failing): without the match to the record, the removed
// run came back as any deleted row, unmarked; without the record's query,
// the report listed no retention run since the moment, in the trail or
// retired, and the text said nothing of them.
func TestLineageAtShowsRetention(t *testing.T) {
	url := seeded(t)
	expire(t, url)
	before := moment(t, url, "")
	exec(t, url, "DELETE FROM training_runs WHERE run_name = 'fraud-transformer-trial'") // not retention
	code, out, stderr := mlreg(t, "--database-url", url, "--actor", "keeper", "retention", "--format", "json")
	if code != 0 {
		t.Fatalf("retention: exit %d: %s", code, stderr)
	}
	var run retention.Report
	if err := json.Unmarshal([]byte(out), &run); err != nil || run.Run == nil {
		t.Fatalf("retention: %v\n%s", err, out)
	}
	c := schemaCompiler(t, nil)
	code, out, _ = mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--format", "json", "--at", before.Format(time.RFC3339Nano))
	if code != 0 {
		t.Fatalf("lineage --at: exit %d", code)
	}
	validate(t, c, schemas.Base+"v1/lineage.json", []byte(out))
	var l lineage.Report
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	want := lineage.Removal{RetentionRun: run.Run.ID, AppliedAt: run.Run.AppliedAt}
	var old *lineage.Version
	for i, v := range l.Versions {
		if v.Semver == "0.0.1" {
			old = &l.Versions[i]
		}
		for _, r := range v.Runs {
			if r.RunName != nil && *r.RunName == "fraud-transformer-trial" && r.AsOf.RemovedByRetention != nil {
				t.Errorf("the run deleted by hand is marked removed by retention: %+v", r.AsOf.RemovedByRetention)
			}
		}
	}
	if old == nil || len(old.Runs) != 1 || old.Runs[0].AsOf.RemovedByRetention == nil || *old.Runs[0].AsOf.RemovedByRetention != want ||
		len(old.Runs[0].Datasets) != 1 || old.Runs[0].Datasets[0].AsOf.RemovedByRetention == nil {
		t.Fatalf("0.0.1 at the moment before retention: %+v", old)
	}
	if old.AsOf.RemovedByRetention != nil {
		t.Errorf("the version is marked removed: retention keeps versions")
	}
	if len(l.Retention) != 1 || l.Retention[0] != (lineage.RetentionRemoval{RetentionRun: run.Run.ID, AppliedAt: run.Run.AppliedAt,
		TrainingRuns: 1, RunDatasets: 1, InTrail: true}) {
		t.Errorf("retention runs since the moment: %+v", l.Retention)
	}
	code, text, _ := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--at", before.Format(time.RFC3339Nano))
	day := run.Run.AppliedAt.Format("2006-01-02")
	for _, w := range []string{fmt.Sprintf("run expired-run [succeeded] accuracy - f1 - (removed by retention run %d on %s)", run.Run.ID, day),
		fmt.Sprintf("note: retention run %d on %s removed rows of this model the registry held at that moment (1 training run, 1 dataset link in all); they are shown above", run.Run.ID, day)} {
		if code != 0 || !strings.Contains(text, w) {
			t.Errorf("lineage --at text lacks %q:\n%s", w, text)
		}
	}
	// The staging deployment was not live at the moment (undeployed three
	// years before): not in the report, nor counted for it.
	if strings.Contains(text, "deployment") && strings.Contains(text, "staging [inactive") {
		t.Errorf("a deployment not live at the moment is listed:\n%s", text)
	}

	// A retention run whose DELETEs the trail no longer holds: its record,
	// written as a restore of history would, is all there is.
	exec(t, url, `
		INSERT INTO retention_runs (applied_at, txid, actor, db_user, training_runs_removed, run_datasets_removed, deployments_removed)
		VALUES ('2024-06-01T03:30:00Z', 1, 'nightly', 'scheduler', 7, 9, 2);
		INSERT INTO retention_run_models (retention_run_id, model_id, model_name, table_name, rows_removed, first_born_at, last_ended_at)
		SELECT r.retention_run_id, m.model_id, m.model_name, x.table_name, x.n, x.born::timestamptz, x.ended::timestamptz
		FROM retention_runs r, models m,
		     (VALUES ('training_runs', 7, '2022-01-01', NULL), ('run_datasets', 9, '2022-01-01', NULL),
		             ('deployments', 1, '2021-01-01', '2024-03-01')) AS x(table_name, n, born, ended)
		WHERE r.applied_at = '2024-06-01T03:30:00Z' AND m.model_name = 'fraud-detector'`)
	for _, tc := range []struct {
		at   string
		want []lineage.RetentionRemoval
	}{
		// Its deployment was undeployed on 2024-03-01: live at the first moment, not the second.
		{"2024-01-01T00:00:00Z", []lineage.RetentionRemoval{{TrainingRuns: 7, RunDatasets: 9, Deployments: 1}}},
		{"2024-04-01T00:00:00Z", []lineage.RetentionRemoval{{TrainingRuns: 7, RunDatasets: 9}}},
		{"2021-06-01T00:00:00Z", []lineage.RetentionRemoval{{Deployments: 1}}},
		{"2020-01-01T00:00:00Z", nil}, // before any of its rows
		{"2024-07-01T00:00:00Z", nil}, // after the run
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		l := lineageAt(t, url, "fraud-detector", at)
		var got []lineage.RetentionRemoval
		for _, r := range l.Retention {
			if r.RetentionRun == run.Run.ID {
				continue // the real run, after every one of these moments
			}
			if r.InTrail || !r.AppliedAt.Equal(time.Date(2024, 6, 1, 3, 30, 0, 0, time.UTC)) {
				t.Errorf("at %s: %+v", tc.at, r)
			}
			got = append(got, lineage.RetentionRemoval{TrainingRuns: r.TrainingRuns, RunDatasets: r.RunDatasets, Deployments: r.Deployments})
		}
		if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
			t.Errorf("at %s: retention runs %+v, want %+v", tc.at, got, tc.want)
		}
	}
	code, text, _ = mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--at", "2024-01-01")
	if w := "removed rows of this model the registry held at that moment (7 training runs, 9 dataset links, 1 deployment in all); " +
		"the audit trail no longer holds them (its months were retired), so they are missing above"; code != 0 || !strings.Contains(text, w) {
		t.Errorf("lineage --at 2024-01-01 lacks %q:\n%s", w, text)
	}
	code, out, _ = mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--format", "json", "--at", "2024-01-01")
	if code != 0 {
		t.Fatalf("lineage --at 2024-01-01: exit %d", code)
	}
	validate(t, c, schemas.Base+"v1/lineage.json", []byte(out))
}
