package queries_test

import (
	"bytes"
	"errors"
	"sort"
	"testing"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
)

// TestDeployments reads, lists and deletes deployments.
func TestDeployments(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	d := res(q.DeploymentGetByID(ctx, f.DeploymentID)).must(t)
	dev := res(q.EnvironmentGetByName(ctx, "dev")).must(t)
	if d.VersionID != f.VersionID || d.EnvironmentID != dev.EnvironmentID || d.Status != "active" ||
		deref(d.TrafficPercentage) != int32(100) || d.DeployedBy != "fixture-user" || d.UndeployedAt != nil {
		t.Errorf("DeploymentGetByID(fixture) = %+v", d)
	}
	_, err := q.DeploymentGetByID(ctx, uuid.New())
	wantNotFound(t, "DeploymentGetByID(random id)", err)
	_, err = q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: f.VersionID, EnvironmentName: "nowhere", DeployedBy: "x"})
	wantNotFound(t, "DeploymentCreate to an unknown environment", err)

	// Two more models, each with a version live in dev, and one in staging.
	deployed := map[uuid.UUID]string{f.DeploymentID: "fixture-model"}
	var staged registrydb.Deployment
	for _, name := range []string{"ranker", "scorer"} {
		m := res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: name, DisplayName: name})).must(t)
		v := register(t, q, m.ModelID, "3.1.4")
		dep := res(q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{
			VersionID: v.VersionID, EnvironmentName: "dev", DeployedBy: "fixture-user", EndpointURL: ptr("https://dev/" + name),
			Replicas: regtest.Ptr[int32](2),
		})).must(t)
		if dep.EnvironmentID != dev.EnvironmentID || deref(dep.Replicas) != int32(2) || deref(dep.TrafficPercentage) != int32(100) || dep.Status != "active" {
			t.Errorf("DeploymentCreate(%s to dev) = %+v", name, dep)
		}
		deployed[dep.DeploymentID] = name
		staged = res(q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: v.VersionID, EnvironmentName: "staging", DeployedBy: "fixture-user"})).must(t)
	}

	// Active in dev, keyset on deployment_id: pages of two, then one.
	want := make([]uuid.UUID, 0, len(deployed))
	for id := range deployed {
		want = append(want, id)
	}
	sort.Slice(want, func(i, j int) bool { return bytes.Compare(want[i][:], want[j][:]) < 0 })
	var got []uuid.UUID
	after := uuid.Nil
	for pages := 0; pages < 5; pages++ {
		page := res(q.DeploymentListActiveByEnvironment(ctx, registrydb.DeploymentListActiveByEnvironmentParams{EnvironmentName: "dev", AfterID: after, MaxRows: 2})).must(t)
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			if r.ModelName != deployed[r.DeploymentID] || r.Status != "active" {
				t.Errorf("active in dev: %s is %s %s %s, want model %s", r.DeploymentID, r.ModelName, r.Semver, r.Status, deployed[r.DeploymentID])
			}
			got = append(got, r.DeploymentID)
		}
		after = page[len(page)-1].DeploymentID
	}
	if !equal(got, want) {
		t.Errorf("DeploymentListActiveByEnvironment(dev) pages = %v, want %v", got, want)
	}
	if rows := res(q.DeploymentListActiveByEnvironment(ctx, registrydb.DeploymentListActiveByEnvironmentParams{EnvironmentName: "staging", AfterID: uuid.Nil, MaxRows: 10})).must(t); len(rows) != 2 {
		t.Errorf("%d active deployments in staging, want 2", len(rows))
	}

	// An undeployed deployment leaves the active list.
	res(q.DeploymentUndeploy(ctx, ptr("fixture-user"), f.DeploymentID)).must(t)
	rows := res(q.DeploymentListActiveByEnvironment(ctx, registrydb.DeploymentListActiveByEnvironmentParams{EnvironmentName: "dev", AfterID: uuid.Nil, MaxRows: 10})).must(t)
	for _, r := range rows {
		if r.DeploymentID == f.DeploymentID {
			t.Error("the undeployed fixture deployment is still listed as active")
		}
	}
	if len(rows) != 2 {
		t.Errorf("%d active deployments in dev after the undeploy, want 2", len(rows))
	}

	byVersion := res(q.DeploymentListByVersion(ctx, staged.VersionID)).must(t)
	if len(byVersion) != 2 || byVersion[0].DeployedAt.Before(*byVersion[1].DeployedAt) {
		t.Errorf("DeploymentListByVersion: %d rows, want 2 newest first", len(byVersion))
	}

	n, err := q.DeploymentDelete(ctx, staged.DeploymentID)
	wantRows(t, "DeploymentDelete", n, err, 1)
	_, err = q.DeploymentGetByID(ctx, staged.DeploymentID)
	wantNotFound(t, "deleted deployment", err)
	n, err = q.DeploymentDelete(ctx, staged.DeploymentID)
	wantRows(t, "DeploymentDelete again", n, err, 0)
}

// TestDeploymentRollout deploys 1.1.0 next to the fixture's 1.0.0 in dev,
// shifts the traffic across and undeploys 1.0.0.
func TestDeploymentRollout(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	next := register(t, q, f.ModelID, "1.1.0")

	traffic := func(what string, d registrydb.Deployment, want int32) {
		t.Helper()
		if deref(d.TrafficPercentage) != want {
			t.Errorf("%s: traffic %v, want %d", what, deref(d.TrafficPercentage), want)
		}
		if back := res(q.DeploymentGetByID(ctx, d.DeploymentID)).must(t); deref(back.TrafficPercentage) != want {
			t.Errorf("%s: traffic read back %v, want %d", what, deref(back.TrafficPercentage), want)
		}
	}
	old := res(q.DeploymentShiftTraffic(ctx, regtest.Ptr[int32](90), f.DeploymentID)).must(t)
	traffic("1.0.0 down to 90", old, 90)
	canary := res(q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{
		VersionID: next.VersionID, EnvironmentName: "dev", DeployedBy: "fixture-user", TrafficPercentage: regtest.Ptr[int32](10),
	})).must(t)
	traffic("1.1.0 canary", canary, 10)
	traffic("1.0.0 down to 0", res(q.DeploymentShiftTraffic(ctx, regtest.Ptr[int32](0), f.DeploymentID)).must(t), 0)
	canary = res(q.DeploymentShiftTraffic(ctx, regtest.Ptr[int32](100), canary.DeploymentID)).must(t)
	traffic("1.1.0 up to 100", canary, 100)

	gone := res(q.DeploymentUndeploy(ctx, ptr("release-bot"), f.DeploymentID)).must(t)
	if gone.Status != "inactive" || deref(gone.TrafficPercentage) != int32(0) || gone.UndeployedAt == nil ||
		gone.UndeployedAt.Before(*gone.DeployedAt) || deref(gone.UndeployedBy) != "release-bot" {
		t.Errorf("DeploymentUndeploy = %+v", gone)
	}
	// An undeployed deployment neither moves traffic nor undeploys again.
	_, err := q.DeploymentShiftTraffic(ctx, regtest.Ptr[int32](50), f.DeploymentID)
	wantNotFound(t, "DeploymentShiftTraffic of an inactive deployment", err)
	_, err = q.DeploymentUndeploy(ctx, ptr("release-bot"), f.DeploymentID)
	wantNotFound(t, "second DeploymentUndeploy", err)
	// More than 100% is refused (by the CHECK, or a trigger that runs first).
	_, err = q.DeploymentShiftTraffic(ctx, regtest.Ptr[int32](101), canary.DeploymentID)
	if !errors.Is(registry.MapError(err), registry.ErrConstraint) {
		t.Errorf("traffic of 101%%: want a constraint violation, got %v", err)
	}
	traffic("1.1.0 after the refused shift", canary, 100)
}

// TestDeploymentStatusAndObservations marks a deployment degraded and back,
// and records what was observed of it.
func TestDeploymentStatusAndObservations(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	d := res(q.DeploymentSetStatus(ctx, "degraded", f.DeploymentID)).must(t)
	if d.Status != "degraded" || d.UndeployedAt != nil {
		t.Errorf("DeploymentSetStatus(degraded) = %s", d.Status)
	}
	// A degraded deployment still takes traffic shifts.
	if d = res(q.DeploymentShiftTraffic(ctx, regtest.Ptr[int32](40), f.DeploymentID)).must(t); deref(d.TrafficPercentage) != int32(40) || d.Status != "degraded" {
		t.Errorf("shift of a degraded deployment = %v %s", deref(d.TrafficPercentage), d.Status)
	}
	if d = res(q.DeploymentSetStatus(ctx, "active", f.DeploymentID)).must(t); d.Status != "active" {
		t.Errorf("DeploymentSetStatus(active) = %s", d.Status)
	}
	if back := res(q.DeploymentGetByID(ctx, f.DeploymentID)).must(t); back.Status != "active" {
		t.Errorf("status read back = %s", back.Status)
	}

	obs := registrydb.DeploymentUpdateObservedParams{
		DeploymentID: f.DeploymentID, ActualLatencyP50Ms: regtest.Ptr(12.5), ActualLatencyP95Ms: regtest.Ptr(40.25),
		ActualLatencyP99Ms: regtest.Ptr(88.75), ActualAvailabilityPercent: regtest.Ptr(99.95), ActualThroughputQPS: regtest.Ptr(1500.5),
	}
	res(q.DeploymentUpdateObserved(ctx, obs)).must(t)
	back := res(q.DeploymentGetByID(ctx, f.DeploymentID)).must(t)
	for _, c := range []struct {
		name      string
		got, want *float64
	}{
		{"p50", back.ActualLatencyP50Ms, obs.ActualLatencyP50Ms},
		{"p95", back.ActualLatencyP95Ms, obs.ActualLatencyP95Ms},
		{"p99", back.ActualLatencyP99Ms, obs.ActualLatencyP99Ms},
		{"availability", back.ActualAvailabilityPercent, obs.ActualAvailabilityPercent},
		{"throughput", back.ActualThroughputQPS, obs.ActualThroughputQPS},
	} {
		if c.got == nil || *c.got != *c.want {
			t.Errorf("observed %s read back = %v, want %v", c.name, deref(c.got), *c.want)
		}
	}
	// Observations not given are cleared: each call records one observation.
	d = res(q.DeploymentUpdateObserved(ctx, registrydb.DeploymentUpdateObservedParams{DeploymentID: f.DeploymentID, ActualLatencyP50Ms: regtest.Ptr(9.0)})).must(t)
	if deref(d.ActualLatencyP50Ms) != 9.0 || d.ActualLatencyP95Ms != nil {
		t.Errorf("second observation: p50 %v, p95 %v", deref(d.ActualLatencyP50Ms), deref(d.ActualLatencyP95Ms))
	}

	res(q.DeploymentUndeploy(ctx, ptr("fixture-user"), f.DeploymentID)).must(t)
	_, err := q.DeploymentSetStatus(ctx, "active", f.DeploymentID)
	wantNotFound(t, "DeploymentSetStatus of an undeployed deployment", err)
}
