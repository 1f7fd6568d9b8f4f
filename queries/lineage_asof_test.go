package queries_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestLineageRunsNewestByModel: the newest per_version runs of each
// version, in LineageRunsByModel's order, while LineageVersionsByModel
// counts them all.
func TestLineageRunsNewestByModel(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	var newest []uuid.UUID
	for _, name := range []string{"second", "third"} {
		r := res(q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: f.VersionID, RunName: ptr(name)})).must(t)
		newest = append([]uuid.UUID{r.RunID}, newest...)
	}
	rows := res(q.LineageRunsNewestByModel(ctx, registrydb.LineageRunsNewestByModelParams{ModelID: f.ModelID, PerVersion: 2})).must(t)
	if got := field(rows, func(r registrydb.LineageRunsNewestByModelRow) uuid.UUID { return r.RunID }); !equal(got, newest) {
		t.Errorf("LineageRunsNewestByModel(2) = %v, want the two newest %v", got, newest)
	}
	all := res(q.LineageRunsByModel(ctx, f.ModelID, nil)).must(t)
	if len(all) != 3 || all[0].RunID != newest[0] || all[2].RunID != f.RunID {
		t.Errorf("LineageRunsByModel = %d rows, want the three runs newest first", len(all))
	}
	versions := res(q.LineageVersionsByModel(ctx, f.ModelID, nil)).must(t)
	if len(versions) != 1 || versions[0].RunsTotal != 3 {
		t.Errorf("LineageVersionsByModel runs_total = %+v, want 3", versions)
	}
}

// TestLineageAsOf rebuilds a deployment's traffic and an approval deleted
// since from the audit trail, each value tagged audit, and says how far the
// trail reaches (LineageTrailCoverage).
func TestLineageAsOf(t *testing.T) {
	t.Parallel()
	ctx, pool, q, f := setup(t)
	now := func() time.Time {
		var ts time.Time
		must(t, pool.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&ts))
		return ts
	}
	before := now()
	res(q.DeploymentShiftTraffic(ctx, ptr32(30), f.DeploymentID)).must(t)
	shifted := now()
	wantRows(t, "ApprovalDelete", res(q.ApprovalDelete(ctx, f.ApprovalID)).must(t), nil, 1)
	after := now()

	type deployment struct {
		Traffic *int32 `json:"traffic_percentage"`
	}
	rowsAt := func(at time.Time) map[string][]registrydb.LineageAsOfRow {
		byTable := map[string][]registrydb.LineageAsOfRow{}
		for _, r := range res(q.LineageAsOf(ctx, at, f.ModelID)).must(t) {
			byTable[r.TableName] = append(byTable[r.TableName], r)
		}
		return byTable
	}
	for _, c := range []struct {
		at        time.Time
		traffic   int32
		approvals int
	}{{before, 100, 1}, {shifted, 30, 1}, {after, 30, 0}} {
		rows := rowsAt(c.at)
		if len(rows["deployments"]) != 1 || len(rows["approvals"]) != c.approvals || len(rows["model_versions"]) != 1 {
			t.Fatalf("at %s: %d deployments, %d approvals, %d versions; want 1, %d, 1", c.at, len(rows["deployments"]),
				len(rows["approvals"]), len(rows["model_versions"]), c.approvals)
		}
		var d deployment
		var asOf map[string]string
		must(t, json.Unmarshal(rows["deployments"][0].RowAt, &d))
		must(t, json.Unmarshal(rows["deployments"][0].FieldAsOf, &asOf))
		if d.Traffic == nil || *d.Traffic != c.traffic || asOf["traffic_percentage"] != "audit" || rows["deployments"][0].Presence != "audit" {
			t.Errorf("at %s: traffic %v (%s), want %d from the audit trail", c.at, d.Traffic, asOf["traffic_percentage"], c.traffic)
		}
	}
	// Before the fixture existed, none of it did.
	if rows := rowsAt(before.Add(-time.Hour)); len(rows["model_versions"])+len(rows["deployments"]) != 0 {
		t.Errorf("an hour before the fixture: %v", rows)
	}
	cov := res(q.LineageTrailCoverage(ctx)).must(t)
	if !cov.HasRows || cov.CompleteSince.After(before) || cov.HasRetired {
		t.Errorf("LineageTrailCoverage = %+v, want a trail from before %s and nothing retired", cov, before)
	}
}
