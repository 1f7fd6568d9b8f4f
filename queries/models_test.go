package queries_test

import (
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// TestModels walks a model through create, read, list, update and delete.
func TestModels(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	anomaly := res(q.ModelCreate(ctx, registrydb.ModelCreateParams{
		ModelName: "anomaly-detector", DisplayName: "Anomaly Detector", TeamID: &f.TeamID, Objective: ptr("flag outliers"),
	})).must(t)
	// NULL for the defaulted columns gives the schema defaults.
	if anomaly.ModelName != "anomaly-detector" || deref(anomaly.RiskLevel) != "medium" || deref(anomaly.ComplianceRequired) != false ||
		anomaly.CreatedBy == nil || anomaly.TeamID == nil || *anomaly.TeamID != f.TeamID {
		t.Errorf("ModelCreate returned %+v", anomaly)
	}
	res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "zeta-ranker", DisplayName: "Zeta Ranker"})).must(t)

	if got := res(q.ModelGetByID(ctx, anomaly.ModelID)).must(t); got.ModelName != "anomaly-detector" || deref(got.Objective) != "flag outliers" {
		t.Errorf("ModelGetByID = %+v", got)
	}
	if got := res(q.ModelGetByName(ctx, "anomaly-detector")).must(t); got.ModelID != anomaly.ModelID {
		t.Errorf("ModelGetByName = %+v", got)
	}

	name := func(m registrydb.Model) string { return m.ModelName }
	page := res(q.ModelList(ctx, "", 2)).must(t)
	if got := field(page, name); !equal(got, []string{"anomaly-detector", "fixture-model"}) {
		t.Fatalf("ModelList first page = %v", got)
	}
	page = res(q.ModelList(ctx, page[1].ModelName, 2)).must(t)
	if got := field(page, name); !equal(got, []string{"zeta-ranker"}) {
		t.Errorf("ModelList second page = %v, want [zeta-ranker]", got)
	}

	for _, c := range []struct {
		pattern string
		max     int32
		want    []string
	}{
		{"%detector%", 10, []string{"anomaly-detector"}},
		{"%-%", 10, []string{"anomaly-detector", "fixture-model", "zeta-ranker"}},
		{"%-%", 2, []string{"anomaly-detector", "fixture-model"}},
		{"fixture%", 10, []string{"fixture-model"}},
		{"%nothing%", 10, []string{}},
	} {
		if got := res(q.ModelListNamesLike(ctx, c.pattern, c.max)).must(t); !equal(got, c.want) {
			t.Errorf("ModelListNamesLike(%q, %d) = %v, want %v", c.pattern, c.max, got, c.want)
		}
	}

	before := res(q.ModelGetByID(ctx, anomaly.ModelID)).must(t)
	upd := res(q.ModelUpdate(ctx, registrydb.ModelUpdateParams{ModelID: anomaly.ModelID, RiskLevel: ptr("critical"), ComplianceRequired: regtest.Ptr(true)})).must(t)
	if deref(upd.RiskLevel) != "critical" || deref(upd.ComplianceRequired) != true || deref(upd.Objective) != "flag outliers" || upd.DisplayName != "Anomaly Detector" {
		t.Errorf("ModelUpdate(risk, compliance) = %+v", upd)
	}
	if !upd.UpdatedAt.After(*before.UpdatedAt) {
		t.Errorf("updated_at %v did not move past %v", upd.UpdatedAt, before.UpdatedAt)
	}

	// A model with a version but no deployment goes, its version with it.
	v := res(q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
		ModelID: anomaly.ModelID, Semver: "0.1.0", ArtifactURI: "s3://anomaly/0.1.0/", Framework: "sklearn", RegisteredBy: "fixture-user",
	})).must(t)
	n, err := q.ModelDelete(ctx, anomaly.ModelID)
	wantRows(t, "ModelDelete(anomaly-detector)", n, err, 1)
	_, err = q.ModelGetByName(ctx, "anomaly-detector")
	wantNotFound(t, "deleted model", err)
	_, err = q.ModelVersionGetByID(ctx, v.VersionID)
	wantNotFound(t, "version of the deleted model", err)

	// The fixture's model has a deployment: refused.
	_, err = q.ModelDelete(ctx, f.ModelID)
	wantConstraint(t, "ModelDelete(fixture-model)", err, "deployments_version_id_fkey")
}

// TestModelUpsertByNameIsIdempotent upserts one model three times: the id
// and created_* stay, the catalogue fields follow the last upsert.
func TestModelUpsertByNameIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	params := registrydb.ModelUpsertByNameParams{ModelName: "churn", DisplayName: "Churn", RiskLevel: ptr("low"), CreatedBy: ptr("alice")}
	first := res(q.ModelUpsertByName(ctx, params)).must(t)
	second := res(q.ModelUpsertByName(ctx, params)).must(t)
	if second.ModelID != first.ModelID || second.DisplayName != "Churn" || deref(second.RiskLevel) != "low" || !second.CreatedAt.Equal(*first.CreatedAt) {
		t.Errorf("second upsert = %+v, want %+v", second, first)
	}
	params.DisplayName, params.RiskLevel, params.TeamID, params.CreatedBy = "Churn Predictor", ptr("high"), &f.TeamID, ptr("bob")
	third := res(q.ModelUpsertByName(ctx, params)).must(t)
	if third.ModelID != first.ModelID || third.DisplayName != "Churn Predictor" || deref(third.RiskLevel) != "high" ||
		third.TeamID == nil || deref(third.CreatedBy) != "alice" {
		t.Errorf("upsert with new details = %+v (created_by must stay alice)", third)
	}
	// The fixture's model keeps its id.
	fx := res(q.ModelUpsertByName(ctx, registrydb.ModelUpsertByNameParams{ModelName: "fixture-model", DisplayName: "Renamed"})).must(t)
	if fx.ModelID != f.ModelID || fx.DisplayName != "Renamed" {
		t.Errorf("upsert of fixture-model = %+v, want id %s", fx, f.ModelID)
	}
	if all := res(q.ModelList(ctx, "", 100)).must(t); len(all) != 2 {
		t.Errorf("%d models, want 2", len(all))
	}
}

// TestModelTags attaches, lists and detaches tags, and finds models by tag.
func TestModelTags(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	zeta := res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "zeta-ranker", DisplayName: "Zeta"})).must(t)
	res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "untagged", DisplayName: "Untagged"})).must(t)
	high := res(q.TagGetByCategoryValue(ctx, "priority", "high")).must(t)
	for _, tag := range []registrydb.Tag{high, {TagID: f.TagID}, high} { // the second high is a no-op
		must(t, q.ModelTagAttach(ctx, registrydb.ModelTagAttachParams{ModelID: zeta.ModelID, TagID: tag.TagID, TaggedBy: ptr("alice")}))
	}

	tags := res(q.ModelTagListByModel(ctx, zeta.ModelID)).must(t)
	type tv struct{ category, value string }
	got := field(tags, func(r registrydb.ModelTagListByModelRow) tv { return tv{r.TagCategory, r.TagValue} })
	if !equal(got, []tv{{"domain", "nlp"}, {"priority", "high"}}) {
		t.Fatalf("ModelTagListByModel = %v, want domain/nlp then priority/high", got)
	}
	if deref(tags[0].TaggedBy) != "alice" || tags[0].TaggedAt == nil {
		t.Errorf("tagged_by/at = %v/%v", deref(tags[0].TaggedBy), tags[0].TaggedAt)
	}

	// domain/nlp is on fixture-model and zeta-ranker: one per page.
	byTag := func(after string) []string {
		rows := res(q.ModelListByTag(ctx, registrydb.ModelListByTagParams{TagCategory: "domain", TagValue: "nlp", AfterName: after, MaxRows: 1})).must(t)
		return field(rows, func(m registrydb.Model) string { return m.ModelName })
	}
	if p1 := byTag(""); !equal(p1, []string{"fixture-model"}) {
		t.Errorf("ModelListByTag(domain/nlp) first page = %v", p1)
	}
	if p2 := byTag("fixture-model"); !equal(p2, []string{"zeta-ranker"}) {
		t.Errorf("ModelListByTag(domain/nlp) after fixture-model = %v", p2)
	}
	if p3 := byTag("zeta-ranker"); len(p3) != 0 {
		t.Errorf("ModelListByTag(domain/nlp) after zeta-ranker = %v", p3)
	}

	n, err := q.ModelTagDetach(ctx, zeta.ModelID, f.TagID)
	wantRows(t, "ModelTagDetach", n, err, 1)
	n, err = q.ModelTagDetach(ctx, zeta.ModelID, f.TagID)
	wantRows(t, "ModelTagDetach again", n, err, 0)
	if tags := res(q.ModelTagListByModel(ctx, zeta.ModelID)).must(t); len(tags) != 1 || tags[0].TagID != high.TagID {
		t.Errorf("tags after the detach = %+v, want priority/high only", tags)
	}
	rows := res(q.ModelListByTag(ctx, registrydb.ModelListByTagParams{TagCategory: "domain", TagValue: "nlp", MaxRows: 10})).must(t)
	if got := field(rows, func(m registrydb.Model) string { return m.ModelName }); !equal(got, []string{"fixture-model"}) {
		t.Errorf("ModelListByTag(domain/nlp) after the detach = %v", got)
	}
}
