package queries_test

import (
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// TestUsers walks a user through create, read, list, update and delete.
func TestUsers(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	ann := res(q.UserCreate(ctx, registrydb.UserCreateParams{
		Username: "ann", Email: "ann@example.com", DisplayName: ptr("Ann"), TeamID: &f.TeamID,
	})).must(t)
	if ann.Username != "ann" || ann.Email != "ann@example.com" || deref(ann.DisplayName) != "Ann" ||
		ann.TeamID == nil || *ann.TeamID != f.TeamID || !ann.IsActive {
		t.Errorf("UserCreate returned %+v", ann)
	}
	_, err := q.UserCreate(ctx, registrydb.UserCreateParams{Username: "ann2", Email: "fixture@example.com"})
	wantAlreadyExists(t, "user with the fixture user's email", err)

	if got := res(q.UserGetByID(ctx, ann.UserID)).must(t); got.Username != "ann" {
		t.Errorf("UserGetByID = %+v", got)
	}
	if got := res(q.UserGetByUsername(ctx, "ann")).must(t); got.UserID != ann.UserID {
		t.Errorf("UserGetByUsername(ann) = %s, want %s", got.UserID, ann.UserID)
	}
	_, err = q.UserGetByUsername(ctx, "nobody")
	wantNotFound(t, "UserGetByUsername(nobody)", err)

	res(q.UserCreate(ctx, registrydb.UserCreateParams{Username: "bob", Email: "bob@example.com"})).must(t)
	name := func(u registrydb.User) string { return u.Username }
	page := res(q.UserList(ctx, "", 2)).must(t)
	if got := field(page, name); !equal(got, []string{"ann", "bob"}) {
		t.Fatalf("UserList first page = %v, want [ann bob]", got)
	}
	page = res(q.UserList(ctx, page[1].Username, 2)).must(t)
	if got := field(page, name); !equal(got, []string{"fixture-user"}) {
		t.Errorf("UserList after bob = %v, want [fixture-user]", got)
	}

	upd := res(q.UserUpdate(ctx, registrydb.UserUpdateParams{UserID: ann.UserID, IsActive: regtest.Ptr(false), Email: ptr("ann@corp.example.com")})).must(t)
	if upd.IsActive || upd.Email != "ann@corp.example.com" || deref(upd.DisplayName) != "Ann" || upd.TeamID == nil {
		t.Errorf("UserUpdate(is_active, email) = %+v", upd)
	}
	if got := res(q.UserGetByID(ctx, ann.UserID)).must(t); got.IsActive {
		t.Error("is_active read back after the update is still true")
	}
}

// TestUserDeleteKeepsWhoColumns deletes the fixture's user: rows naming it
// keep the text, and lose the link.
func TestUserDeleteKeepsWhoColumns(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	// The fixture created the user before the model, so the model is linked.
	if m := res(q.ModelGetByID(ctx, f.ModelID)).must(t); m.CreatedByUserID == nil || *m.CreatedByUserID != f.UserID {
		t.Fatalf("fixture model created_by_user_id = %v, want %s", deref(m.CreatedByUserID), f.UserID)
	}
	n, err := q.UserDelete(ctx, f.UserID)
	wantRows(t, "UserDelete", n, err, 1)
	_, err = q.UserGetByID(ctx, f.UserID)
	wantNotFound(t, "deleted user", err)
	m := res(q.ModelGetByID(ctx, f.ModelID)).must(t)
	if m.CreatedByUserID != nil || deref(m.CreatedBy) != "fixture-user" {
		t.Errorf("model after its creator was deleted: created_by %v, created_by_user_id %v", deref(m.CreatedBy), deref(m.CreatedByUserID))
	}
	n, err = q.UserDelete(ctx, f.UserID)
	wantRows(t, "UserDelete again", n, err, 0)
}

// TestUserUpsertByUsernameIsIdempotent upserts one username three times.
func TestUserUpsertByUsernameIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	params := registrydb.UserUpsertByUsernameParams{Username: "carol", Email: "carol@example.com", TeamID: &f.TeamID}
	first := res(q.UserUpsertByUsername(ctx, params)).must(t)
	second := res(q.UserUpsertByUsername(ctx, params)).must(t)
	if second.UserID != first.UserID || second.Email != "carol@example.com" || !second.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("second upsert = %+v, want %+v", second, first)
	}
	params.Email, params.DisplayName, params.TeamID = "carol@corp.example.com", ptr("Carol"), nil
	third := res(q.UserUpsertByUsername(ctx, params)).must(t)
	if third.UserID != first.UserID || third.Email != "carol@corp.example.com" || deref(third.DisplayName) != "Carol" || third.TeamID != nil {
		t.Errorf("upsert with new details = %+v", third)
	}
	if all := res(q.UserList(ctx, "", 100)).must(t); len(all) != 2 {
		t.Errorf("%d users, want the fixture's and carol", len(all))
	}
}
