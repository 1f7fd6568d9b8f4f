package mlregcli

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/openlineage"
)

// moment commits sql (if any) in a transaction of its own and returns a time
// after its commit and before the next change: the clock of the database.
func moment(t *testing.T, url, sql string) time.Time {
	t.Helper()
	if sql != "" {
		exec(t, url, sql)
	}
	var at time.Time
	if err := dial(t, url).QueryRow(context.Background(), "SELECT clock_timestamp()").Scan(&at); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	return at
}

// lineageAt is `lineage MODEL --format json --at T` decoded.
func lineageAt(t *testing.T, url, model string, at time.Time, args ...string) lineage.Report {
	t.Helper()
	code, out, stderr := mlreg(t, append([]string{"--database-url", url, "lineage", model, "--format", "json", "--at", at.Format(time.RFC3339Nano)}, args...)...)
	if code != 0 {
		t.Fatalf("--at %s: exit %d: %s", at.Format(time.RFC3339Nano), code, stderr)
	}
	var l lineage.Report
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return l
}

// stateAt is what the test expects of fraud-detector 2.0.0 and 10.0.0-beta at a moment.
type stateAt struct {
	name          string
	at            time.Time
	canaryTraffic int32  // 10.0.0-beta's canary deployment
	canaryStatus  string // "" when not live
	prodEU        bool   // 2.0.0 live in prod-eu
	security      string // 2.0.0's security approval
	betaStatus    string // 10.0.0-beta's status
	trialStatus   string // its run's status, "" when the run did not exist yet
	trialAccuracy float64
	versions      int
}

// TestLineageAtPointInTime changes deployments (traffic, status, an
// undeploy), an approval, a version's status and a run at known moments,
// and deletes a run, then reads fraud-detector's lineage at moments
// before, between and after the changes: every value must be the one it
// had then, from the audit trail, in every format; a moment before the trail
// begins says so, marking today's values.
func TestLineageAtPointInTime(t *testing.T) {
	url := seeded(t)
	seededAt := moment(t, url, "")
	t1 := moment(t, url, `UPDATE deployments SET traffic_percentage = 50
		WHERE environment_id = (SELECT environment_id FROM environments WHERE environment_name = 'canary')`)
	t2 := moment(t, url, `UPDATE approvals SET status = 'approved', approved_by = 'erin', approved_at = now()
		WHERE approval_type = 'security' AND version_id = (SELECT version_id FROM model_versions WHERE semver = '2.0.0');
		UPDATE deployments SET status = 'inactive', undeployed_at = now(), undeployed_by = 'erin'
		WHERE environment_id = (SELECT environment_id FROM environments WHERE environment_name = 'prod-eu')`)
	t3 := moment(t, url, `UPDATE deployments SET status = 'degraded', traffic_percentage = 5
		WHERE environment_id = (SELECT environment_id FROM environments WHERE environment_name = 'canary');
		UPDATE model_versions SET status = 'deployed' WHERE semver = '10.0.0-beta';
		UPDATE training_runs SET accuracy = 0.5 WHERE run_name = 'fraud-transformer-trial'`)
	t4 := moment(t, url, `DELETE FROM training_runs WHERE run_name = 'fraud-transformer-trial'`)
	states := []stateAt{
		{"seeded", seededAt, 10, "active", true, "pending", "validated", "succeeded", 0.991, 2},
		{"traffic shifted", t1, 50, "active", true, "pending", "validated", "succeeded", 0.991, 2},
		{"approved, prod-eu undeployed", t2, 50, "active", false, "approved", "validated", "succeeded", 0.991, 2},
		{"degraded, promoted, metric fixed", t3, 5, "degraded", false, "approved", "deployed", "succeeded", 0.5, 2},
		{"run deleted", t4, 5, "degraded", false, "approved", "deployed", "", 0, 2},
	}
	for _, s := range states {
		t.Run(s.name, func(t *testing.T) {
			l := lineageAt(t, url, "fraud-detector", s.at)
			if l.At == nil || !l.At.Equal(s.at) || l.Trail == nil || !l.Trail.Covers {
				t.Fatalf("at %v, trail %+v: want the moment and a trail that covers it", l.At, l.Trail)
			}
			if len(l.Versions) != s.versions {
				t.Fatalf("%d versions, want %d", len(l.Versions), s.versions)
			}
			beta, v2 := l.Versions[0], l.Versions[1]
			if beta.Semver != "10.0.0-beta" || v2.Semver != "2.0.0" {
				t.Fatalf("versions %s, %s", beta.Semver, v2.Semver)
			}
			certain(t, "10.0.0-beta", beta.AsOf)
			if beta.Status != s.betaStatus {
				t.Errorf("10.0.0-beta status %s, want %s", beta.Status, s.betaStatus)
			}
			var canary *lineage.Deployment
			for i, d := range beta.Deployments {
				certain(t, "deployment "+d.EnvironmentName, d.AsOf)
				if d.EnvironmentName == "canary" {
					canary = &beta.Deployments[i]
				}
			}
			if canary == nil || canary.Status != s.canaryStatus || canary.TrafficPercentage == nil || *canary.TrafficPercentage != s.canaryTraffic {
				t.Errorf("canary %+v, want %s at %d%%", canary, s.canaryStatus, s.canaryTraffic)
			}
			live := map[string]bool{}
			for _, d := range v2.Deployments {
				certain(t, "deployment "+d.EnvironmentName, d.AsOf)
				live[d.EnvironmentName] = true
				if d.Status != "active" || d.UndeployedAt != nil {
					t.Errorf("2.0.0 in %s: %s, undeployed %v: want active then", d.EnvironmentName, d.Status, d.UndeployedAt)
				}
			}
			if live["prod-eu"] != s.prodEU || !live["prod-us"] || !live["staging-us"] {
				t.Errorf("2.0.0 live in %v, want prod-eu %v", live, s.prodEU)
			}
			for _, a := range v2.Approvals {
				certain(t, "approval "+a.ApprovalType, a.AsOf)
				if a.ApprovalType == "security" && a.Status != s.security {
					t.Errorf("security approval %s, want %s", a.Status, s.security)
				}
			}
			if s.trialStatus == "" {
				if len(beta.Runs) != 0 || beta.RunsTotal != 0 {
					t.Errorf("runs %+v after the run's deletion", beta.Runs)
				}
			} else if len(beta.Runs) != 1 || beta.Runs[0].Status != s.trialStatus || beta.Runs[0].Accuracy == nil ||
				*beta.Runs[0].Accuracy != s.trialAccuracy || len(beta.Runs[0].Datasets) != 2 {
				t.Errorf("runs %+v, want the trial %s with accuracy %v and its 2 datasets", beta.Runs, s.trialStatus, s.trialAccuracy)
			} else {
				certain(t, "run", beta.Runs[0].AsOf)
			}
			checkFormatsAt(t, url, s)
		})
	}

	// Before the registry existed: no versions, and the trail says it does
	// not reach back that far.
	before := lineageAt(t, url, "fraud-detector", seededAt.Add(-time.Hour))
	if len(before.Versions) != 0 || before.Trail.Covers || before.Trail.CompleteSince == nil {
		t.Errorf("an hour before the seed: %d versions, trail %+v", len(before.Versions), before.Trail)
	}
	if code, out, _ := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--at", seededAt.Add(-time.Hour).Format(time.RFC3339Nano)); code != 0 ||
		!strings.Contains(out, "note: the audit trail does not reach back to that moment") {
		t.Errorf("text before the trail: exit %d\n%s", code, out)
	}
}

// certain fails unless the trail establishes every value of an entity.
func certain(t *testing.T, what string, a *lineage.AsOf) {
	t.Helper()
	if a == nil || a.Presence != lineage.FromAudit || len(a.Fields) == 0 {
		t.Errorf("%s: as_of %+v, want every value from the audit trail", what, a)
		return
	}
	for f, p := range a.Fields {
		if p != lineage.FromAudit {
			t.Errorf("%s: %s is %s, want audit", what, f, p)
		}
	}
}

// checkFormatsAt checks that text, DOT, Mermaid and OpenLineage report the
// same moment's values.
func checkFormatsAt(t *testing.T, url string, s stateAt) {
	t.Helper()
	at := s.at.Format(time.RFC3339Nano)
	out := func(format string) string {
		code, out, stderr := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--at", at, "--format", format)
		if code != 0 {
			t.Fatalf("--format %s --at %s: exit %d: %s", format, at, code, stderr)
		}
		return out
	}
	canary := "deployed to canary [" + s.canaryStatus + ", " + strconv.Itoa(int(s.canaryTraffic)) + "% traffic]"
	for _, format := range []string{"text", "dot", "mermaid"} {
		o := out(format)
		if format == "mermaid" {
			o = strings.NewReplacer("#91;", "[", "#93;", "]", "#37;", "%").Replace(o)
		}
		if !strings.Contains(o, canary) || strings.Contains(o, "prod-eu") != s.prodEU || !strings.Contains(o, "as of "+s.at.UTC().Format(time.RFC3339Nano)) ||
			strings.Contains(o, "~") || (format == "text" && !strings.Contains(o, "approval security: "+s.security)) {
			t.Errorf("--format %s at %s: want %q, prod-eu %v, the moment in full and no marker:\n%s", format, s.name, canary, s.prodEU, o)
		}
	}
	// OpenLineage: the events up to the moment; every run was complete by then.
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(out("openlineage")), "\n") {
		var e openlineage.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if e.EventTime.After(s.at) {
			t.Errorf("event at %s after the moment %s", e.EventTime, s.at)
		}
		types = append(types, e.EventType)
	}
	want := 4
	if s.trialStatus == "" {
		want = 2
	}
	if len(types) != want {
		t.Errorf("openlineage at %s: events %v, want %d", s.name, types, want)
	}
}

// TestLineageAtBeyondTheTrail: values the trail cannot establish are marked,
// never passed off as the moment's: a run recorded with the triggers off,
// a change made with the triggers off, and a moment before the trail began.
func TestLineageAtBeyondTheTrail(t *testing.T) {
	url := seeded(t)
	t1 := moment(t, url, "")
	// An untracked change after t1: the trail's value for canary's traffic
	// (10) no longer joins up with today's (70).
	exec(t, url, `SET session_replication_role = replica;
		UPDATE deployments SET traffic_percentage = 70
		WHERE environment_id = (SELECT environment_id FROM environments WHERE environment_name = 'canary');
		INSERT INTO training_runs (version_id, run_name, status)
		SELECT version_id, 'ghost-run', 'queued' FROM model_versions WHERE semver = '2.0.0';`)
	t2 := moment(t, url, "")
	for i, at := range []time.Time{t1, t2} {
		l := lineageAt(t, url, "fraud-detector", at)
		var canary lineage.Deployment
		for _, d := range l.Versions[0].Deployments {
			if d.EnvironmentName == "canary" {
				canary = d
			}
		}
		if canary.AsOf.Of("traffic_percentage") != lineage.FromCurrent || canary.AsOf.Of("status") != lineage.FromAudit {
			t.Errorf("at %s: canary traffic %v as of %+v: want today's value marked current, status from the trail", at, canary.TrafficPercentage, canary.AsOf)
		}
		var ghost *lineage.Run
		for i, r := range l.Versions[1].Runs {
			if derefString(r.RunName) == "ghost-run" {
				ghost = &l.Versions[1].Runs[i]
			}
		}
		// Recorded (created_at) after t1: absent then; at t2 listed by its
		// own date, every value marked.
		if i == 0 && ghost != nil {
			t.Errorf("at %s, before it was recorded: %+v", at, ghost)
		}
		if i == 1 && (ghost == nil || ghost.AsOf.Presence != lineage.FromCurrent || ghost.AsOf.Of("status") != lineage.FromCurrent) {
			t.Errorf("at %s: the run recorded without the trail: %+v, want it listed by its own date, marked current", at, ghost)
		}
		code, out, _ := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--at", at.Format(time.RFC3339Nano))
		if code != 0 || !strings.Contains(out, "70%~ traffic") || (i == 1 && !strings.Contains(out, "run ghost-run~ [queued~]")) ||
			!strings.Contains(out, "note: ~ today's value") {
			t.Errorf("text at %s marks nothing:\n%s", at, out)
		}
	}
}
