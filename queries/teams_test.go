package queries_test

import (
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestTeams walks a team through create, read, list, update and delete.
func TestTeams(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	alpha := res(q.TeamCreate(ctx, registrydb.TeamCreateParams{
		TeamName: "alpha", TeamEmail: ptr("alpha@example.com"), Department: ptr("research"),
	})).must(t)
	if alpha.TeamName != "alpha" || deref(alpha.TeamEmail) != "alpha@example.com" ||
		deref(alpha.Department) != "research" || alpha.CostCenter != nil || alpha.CreatedAt == nil {
		t.Errorf("TeamCreate returned %+v", alpha)
	}
	_, err := q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "alpha"})
	wantAlreadyExists(t, "second team named alpha", err)

	byID := res(q.TeamGetByID(ctx, alpha.TeamID)).must(t)
	byName := res(q.TeamGetByName(ctx, "alpha")).must(t)
	if byID.TeamName != "alpha" || byName.TeamID != alpha.TeamID {
		t.Errorf("TeamGetByID %+v, TeamGetByName %+v; want team %s", byID, byName, alpha.TeamID)
	}

	// Keyset pages of two: alpha, beta | fixture-team | nothing.
	res(q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: "beta"})).must(t)
	name := func(t registrydb.Team) string { return t.TeamName }
	page := res(q.TeamList(ctx, "", 2)).must(t)
	if got := field(page, name); !equal(got, []string{"alpha", "beta"}) {
		t.Fatalf("TeamList first page = %v, want [alpha beta]", got)
	}
	page = res(q.TeamList(ctx, page[1].TeamName, 2)).must(t)
	if got := field(page, name); !equal(got, []string{"fixture-team"}) {
		t.Fatalf("TeamList after beta = %v, want [fixture-team]", got)
	}
	if page = res(q.TeamList(ctx, "fixture-team", 2)).must(t); len(page) != 0 {
		t.Errorf("TeamList after the last team = %v, want none", field(page, name))
	}

	// TeamUpdate changes only the columns given.
	upd := res(q.TeamUpdate(ctx, registrydb.TeamUpdateParams{TeamID: alpha.TeamID, CostCenter: ptr("cc-42")})).must(t)
	if deref(upd.CostCenter) != "cc-42" || deref(upd.Department) != "research" || deref(upd.TeamEmail) != "alpha@example.com" {
		t.Errorf("TeamUpdate(cost_center) = %+v", upd)
	}
	if again := res(q.TeamGetByID(ctx, alpha.TeamID)).must(t); deref(again.CostCenter) != "cc-42" {
		t.Errorf("cost_center after update, read back = %v", deref(again.CostCenter))
	}
	_, err = q.TeamUpdate(ctx, registrydb.TeamUpdateParams{TeamID: f.ModelID, CostCenter: ptr("x")})
	wantNotFound(t, "TeamUpdate of an unknown id", err)

	// TeamDelete: the team's model, dataset and user stay, without a team.
	n, err := q.TeamDelete(ctx, f.TeamID)
	wantRows(t, "TeamDelete", n, err, 1)
	_, err = q.TeamGetByID(ctx, f.TeamID)
	wantNotFound(t, "deleted team", err)
	if m := res(q.ModelGetByID(ctx, f.ModelID)).must(t); m.TeamID != nil {
		t.Errorf("model of the deleted team: team_id = %v, want NULL", *m.TeamID)
	}
	if d := res(q.DatasetGetByID(ctx, f.DatasetID)).must(t); d.TeamID != nil {
		t.Errorf("dataset of the deleted team: team_id = %v, want NULL", *d.TeamID)
	}
	if u := res(q.UserGetByID(ctx, f.UserID)).must(t); u.TeamID != nil {
		t.Errorf("user of the deleted team: team_id = %v, want NULL", *u.TeamID)
	}
	n, err = q.TeamDelete(ctx, f.TeamID)
	wantRows(t, "TeamDelete again", n, err, 0)
}

// TestTeamUpsertByNameIsIdempotent upserts the same team twice (same id, same
// row), then with new details (same id, details replaced).
func TestTeamUpsertByNameIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	params := registrydb.TeamUpsertByNameParams{TeamName: "platform", TeamEmail: ptr("platform@example.com"), Department: ptr("eng")}
	first := res(q.TeamUpsertByName(ctx, params)).must(t)
	second := res(q.TeamUpsertByName(ctx, params)).must(t)
	if second.TeamID != first.TeamID || deref(second.Department) != "eng" || !second.CreatedAt.Equal(*first.CreatedAt) {
		t.Errorf("second upsert = %+v, want the first row %+v unchanged", second, first)
	}

	params.Department, params.ManagerName = ptr("infra"), ptr("Ada")
	third := res(q.TeamUpsertByName(ctx, params)).must(t)
	if third.TeamID != first.TeamID || deref(third.Department) != "infra" || deref(third.ManagerName) != "Ada" ||
		deref(third.TeamEmail) != "platform@example.com" {
		t.Errorf("upsert with new details = %+v", third)
	}

	// An existing team keeps its id; the details are those upserted.
	fixture := res(q.TeamUpsertByName(ctx, registrydb.TeamUpsertByNameParams{TeamName: "fixture-team", Department: ptr("ml")})).must(t)
	if fixture.TeamID != f.TeamID || fixture.TeamEmail != nil || deref(fixture.Department) != "ml" {
		t.Errorf("upsert of fixture-team = %+v, want id %s, no email, department ml", fixture, f.TeamID)
	}
	if all := res(q.TeamList(ctx, "", 100)).must(t); len(all) != 2 {
		t.Errorf("%d teams after four upserts of two names, want 2", len(all))
	}
}
