package queries_test

import (
	"sort"
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// seededEnvironments are the environments the migrations create.
var seededEnvironments = []string{"canary", "dev", "prod", "prod-apac", "prod-eu", "prod-us", "qa", "staging", "staging-eu", "staging-us"}

// TestEnvironments walks an environment through create, read, list, update
// and delete, next to the seeded ones.
func TestEnvironments(t *testing.T) {
	t.Parallel()
	ctx, _, q, _ := setup(t)

	shadow := res(q.EnvironmentCreate(ctx, registrydb.EnvironmentCreateParams{
		EnvironmentName: "shadow-eu", EnvironmentType: "shadow", Description: ptr("Mirrors prod-eu traffic"), Priority: regtest.Ptr[int32](3),
	})).must(t)
	if shadow.EnvironmentName != "shadow-eu" || shadow.EnvironmentType != "shadow" || deref(shadow.Priority) != int32(3) {
		t.Errorf("EnvironmentCreate returned %+v", shadow)
	}
	_, err := q.EnvironmentCreate(ctx, registrydb.EnvironmentCreateParams{EnvironmentName: "dev", EnvironmentType: "development"})
	wantAlreadyExists(t, "second environment named dev", err)

	if got := res(q.EnvironmentGetByID(ctx, shadow.EnvironmentID)).must(t); got.EnvironmentName != "shadow-eu" {
		t.Errorf("EnvironmentGetByID = %+v", got)
	}
	if got := res(q.EnvironmentGetByName(ctx, "shadow-eu")).must(t); got.EnvironmentID != shadow.EnvironmentID {
		t.Errorf("EnvironmentGetByName = %+v", got)
	}
	_, err = q.EnvironmentGetByID(ctx, -1)
	wantNotFound(t, "EnvironmentGetByID(-1)", err)

	// Pages of four concatenate to every environment in name order.
	want := append([]string{"shadow-eu"}, seededEnvironments...)
	sort.Strings(want)
	var got []string
	after := ""
	for pages := 0; pages < 10; pages++ {
		page := res(q.EnvironmentList(ctx, after, 4)).must(t)
		if len(page) == 0 {
			break
		}
		if len(page) > 4 {
			t.Fatalf("page of %d rows, limit 4", len(page))
		}
		got = append(got, field(page, func(e registrydb.Environment) string { return e.EnvironmentName })...)
		after = page[len(page)-1].EnvironmentName
	}
	if !equal(got, want) {
		t.Errorf("EnvironmentList pages = %v, want %v", got, want)
	}

	upd := res(q.EnvironmentUpdate(ctx, registrydb.EnvironmentUpdateParams{EnvironmentID: shadow.EnvironmentID, Priority: regtest.Ptr[int32](1)})).must(t)
	if deref(upd.Priority) != int32(1) || upd.EnvironmentType != "shadow" || deref(upd.Description) != "Mirrors prod-eu traffic" {
		t.Errorf("EnvironmentUpdate(priority) = %+v", upd)
	}
	upd = res(q.EnvironmentUpdate(ctx, registrydb.EnvironmentUpdateParams{EnvironmentID: shadow.EnvironmentID, EnvironmentType: ptr("canary")})).must(t)
	if upd.EnvironmentType != "canary" || deref(upd.Priority) != int32(1) {
		t.Errorf("EnvironmentUpdate(type) = %+v", upd)
	}

	// dev holds the fixture's deployment: refused. shadow-eu holds none.
	dev := res(q.EnvironmentGetByName(ctx, "dev")).must(t)
	_, err = q.EnvironmentDelete(ctx, dev.EnvironmentID)
	wantConstraint(t, "EnvironmentDelete(dev)", err, "deployments_environment_id_fkey")
	n, err := q.EnvironmentDelete(ctx, shadow.EnvironmentID)
	wantRows(t, "EnvironmentDelete(shadow-eu)", n, err, 1)
	_, err = q.EnvironmentGetByName(ctx, "shadow-eu")
	wantNotFound(t, "deleted environment", err)
}
