package queries_test

import (
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestExperiments walks an experiment through create, read, list, update and
// delete; deleting one leaves its runs without it.
func TestExperiments(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	ab := res(q.ExperimentCreate(ctx, registrydb.ExperimentCreateParams{
		ExperimentName: "ab-test", ModelID: &f.ModelID, Description: ptr("A against B"), CreatedBy: ptr("fixture-user"),
	})).must(t)
	if ab.ExperimentName != "ab-test" || ab.ModelID == nil || *ab.ModelID != f.ModelID || deref(ab.Description) != "A against B" ||
		deref(ab.CreatedBy) != "fixture-user" || ab.CreatedByUserID == nil || *ab.CreatedByUserID != f.UserID {
		t.Errorf("ExperimentCreate returned %+v", ab)
	}
	// Without created_by the column takes the database user.
	loose := res(q.ExperimentCreate(ctx, registrydb.ExperimentCreateParams{ExperimentName: "zz-loose"})).must(t)
	if loose.ModelID != nil || loose.CreatedBy == nil || *loose.CreatedBy == "" {
		t.Errorf("ExperimentCreate without model or created_by = %+v", loose)
	}
	_, err := q.ExperimentCreate(ctx, registrydb.ExperimentCreateParams{ExperimentName: "ab-test"})
	wantAlreadyExists(t, "second experiment named ab-test", err)

	if got := res(q.ExperimentGetByID(ctx, ab.ExperimentID)).must(t); got.ExperimentName != "ab-test" {
		t.Errorf("ExperimentGetByID = %+v", got)
	}
	if got := res(q.ExperimentGetByName(ctx, "fixture-exp")).must(t); got.ExperimentID != f.ExperimentID {
		t.Errorf("ExperimentGetByName(fixture-exp) = %s, want %s", got.ExperimentID, f.ExperimentID)
	}

	name := func(e registrydb.Experiment) string { return e.ExperimentName }
	page := res(q.ExperimentList(ctx, "", 2)).must(t)
	if got := field(page, name); !equal(got, []string{"ab-test", "fixture-exp"}) {
		t.Fatalf("ExperimentList first page = %v", got)
	}
	page = res(q.ExperimentList(ctx, page[1].ExperimentName, 2)).must(t)
	if got := field(page, name); !equal(got, []string{"zz-loose"}) {
		t.Errorf("ExperimentList second page = %v, want [zz-loose]", got)
	}

	upd := res(q.ExperimentUpdate(ctx, registrydb.ExperimentUpdateParams{ExperimentID: loose.ExperimentID, ModelID: &f.ModelID})).must(t)
	if upd.ModelID == nil || *upd.ModelID != f.ModelID || upd.Description != nil {
		t.Errorf("ExperimentUpdate(model_id) = %+v", upd)
	}
	upd = res(q.ExperimentUpdate(ctx, registrydb.ExperimentUpdateParams{ExperimentID: loose.ExperimentID, Description: ptr("now tied")})).must(t)
	if deref(upd.Description) != "now tied" || upd.ModelID == nil {
		t.Errorf("ExperimentUpdate(description) = %+v", upd)
	}

	// The fixture's run belongs to fixture-exp; it stays, without it.
	n, err := q.ExperimentDelete(ctx, f.ExperimentID)
	wantRows(t, "ExperimentDelete", n, err, 1)
	_, err = q.ExperimentGetByID(ctx, f.ExperimentID)
	wantNotFound(t, "deleted experiment", err)
	if run := res(q.TrainingRunGetByID(ctx, f.RunID)).must(t); run.ExperimentID != nil {
		t.Errorf("run of the deleted experiment: experiment_id = %v, want NULL", *run.ExperimentID)
	}
	n, err = q.ExperimentDelete(ctx, f.ExperimentID)
	wantRows(t, "ExperimentDelete again", n, err, 0)
}

// TestExperimentUpsertByNameIsIdempotent upserts one name three times.
func TestExperimentUpsertByNameIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	params := registrydb.ExperimentUpsertByNameParams{ExperimentName: "sweep-lr", ModelID: &f.ModelID, Description: ptr("learning rates"), CreatedBy: ptr("alice")}
	first := res(q.ExperimentUpsertByName(ctx, params)).must(t)
	second := res(q.ExperimentUpsertByName(ctx, params)).must(t)
	if second.ExperimentID != first.ExperimentID || deref(second.Description) != "learning rates" || !second.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("second upsert = %+v, want %+v", second, first)
	}
	params.Description, params.CreatedBy = ptr("learning rates, wider"), ptr("bob")
	third := res(q.ExperimentUpsertByName(ctx, params)).must(t)
	if third.ExperimentID != first.ExperimentID || deref(third.Description) != "learning rates, wider" || deref(third.CreatedBy) != "alice" {
		t.Errorf("upsert with a new description = %+v (created_by must stay alice)", third)
	}
	// The fixture's experiment keeps its id.
	fx := res(q.ExperimentUpsertByName(ctx, registrydb.ExperimentUpsertByNameParams{ExperimentName: "fixture-exp", ModelID: &f.ModelID})).must(t)
	if fx.ExperimentID != f.ExperimentID {
		t.Errorf("upsert of fixture-exp: id %s, want %s", fx.ExperimentID, f.ExperimentID)
	}
	if all := res(q.ExperimentList(ctx, "", 100)).must(t); len(all) != 2 {
		t.Errorf("%d experiments, want 2", len(all))
	}
}
