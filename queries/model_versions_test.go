package queries_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// register adds a version of the model, failing the test on an error.
func register(t *testing.T, q *registrydb.Queries, modelID uuid.UUID, semver string) registrydb.ModelVersion {
	t.Helper()
	return res(q.ModelVersionRegister(context.Background(), registrydb.ModelVersionRegisterParams{
		ModelID: modelID, Semver: semver, ArtifactURI: "s3://models/" + semver + "/", Framework: "pytorch", RegisteredBy: "fixture-user",
	})).must(t)
}

func semvers(vs []registrydb.ModelVersion) []string {
	return field(vs, func(v registrydb.ModelVersion) string { return v.Semver })
}

// TestModelVersions reads, lists and updates versions of the fixture's model
// (1.0.0) after registering 9.0.0, 10.0.0, 2.0.0-rc1 and 2.0.0.
func TestModelVersions(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	ids := map[string]uuid.UUID{"1.0.0": f.VersionID}
	for _, s := range []string{"9.0.0", "10.0.0", "2.0.0-rc1", "2.0.0"} {
		ids[s] = register(t, q, f.ModelID, s).VersionID
	}
	_, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
		ModelID: f.ModelID, Semver: "2.0.0", ArtifactURI: "s3://again/", Framework: "pytorch", RegisteredBy: "x",
	})
	wantAlreadyExists(t, "second 2.0.0 of the model", err)

	v := res(q.ModelVersionGetByID(ctx, ids["10.0.0"])).must(t)
	if v.Semver != "10.0.0" || v.ModelID != f.ModelID || v.Status != "registered" || v.ArtifactURI != "s3://models/10.0.0/" {
		t.Errorf("ModelVersionGetByID(10.0.0) = %+v", v)
	}
	_, err = q.ModelVersionGetByID(ctx, uuid.New())
	wantNotFound(t, "ModelVersionGetByID(random id)", err)

	// GetByIDs returns exactly the ids asked for that exist, newest first.
	got := res(q.ModelVersionGetByIDs(ctx, []uuid.UUID{ids["1.0.0"], uuid.New(), ids["10.0.0"], ids["2.0.0-rc1"]})).must(t)
	if s := semvers(got); !equal(s, []string{"10.0.0", "2.0.0-rc1", "1.0.0"}) {
		t.Errorf("ModelVersionGetByIDs = %v, want [10.0.0 2.0.0-rc1 1.0.0]", s)
	}
	if got := res(q.ModelVersionGetByIDs(ctx, []uuid.UUID{})).must(t); len(got) != 0 {
		t.Errorf("ModelVersionGetByIDs(no ids) = %v", semvers(got))
	}

	// Keyset pages of two, in semantic-version order.
	want := [][]string{{"10.0.0", "9.0.0"}, {"2.0.0", "2.0.0-rc1"}, {"1.0.0"}, {}}
	before := ""
	for i, w := range want {
		page := res(q.ModelVersionListByModel(ctx, registrydb.ModelVersionListByModelParams{ModelID: f.ModelID, BeforeSemverKey: before, MaxRows: 2})).must(t)
		if s := semvers(page); !equal(s, w) {
			t.Fatalf("ModelVersionListByModel page %d = %v, want %v", i+1, s, w)
		}
		if len(page) > 0 {
			before = *page[len(page)-1].SemverKey
		}
	}

	upd := res(q.ModelVersionUpdate(ctx, registrydb.ModelVersionUpdateParams{
		VersionID: ids["2.0.0"], Description: ptr("GA release"), BenchmarkAccuracy: regtest.Ptr(0.93),
	})).must(t)
	if deref(upd.Description) != "GA release" || deref(upd.BenchmarkAccuracy) != 0.93 || upd.VersionAlias != nil || upd.Semver != "2.0.0" {
		t.Errorf("ModelVersionUpdate = %+v", upd)
	}
	upd = res(q.ModelVersionUpdate(ctx, registrydb.ModelVersionUpdateParams{VersionID: ids["2.0.0"], VersionAlias: ptr("stable")})).must(t)
	if deref(upd.VersionAlias) != "stable" || deref(upd.Description) != "GA release" || deref(upd.BenchmarkAccuracy) != 0.93 {
		t.Errorf("ModelVersionUpdate(alias) = %+v", upd)
	}
	if got := res(q.ModelVersionGetBySemver(ctx, "fixture-model", "2.0.0")).must(t); got.VersionID != ids["2.0.0"] || deref(got.VersionAlias) != "stable" {
		t.Errorf("ModelVersionGetBySemver(2.0.0) = %+v", got)
	}
}

// TestModelVersionGetLatestUsesSemanticOrder registers each case's versions,
// the expected latest first, so that registration order cannot pass for
// semantic order.
func TestModelVersionGetLatestUsesSemanticOrder(t *testing.T) {
	t.Parallel()
	ctx, _, q, _ := setup(t)
	for i, c := range []struct {
		name     string
		versions []string
		want     string
	}{
		{"major-10-beats-9", []string{"10.0.0", "9.0.0"}, "10.0.0"},
		{"minor-10-beats-9", []string{"1.10.0", "1.9.0"}, "1.10.0"},
		{"patch-10-beats-2", []string{"0.0.10", "0.0.2"}, "0.0.10"},
		{"release-beats-rc", []string{"2.0.0", "2.0.0-rc1"}, "2.0.0"},
		{"rc-beats-older-release", []string{"2.0.0-rc1", "1.9.9"}, "2.0.0-rc1"},
		{"beta-beats-alpha", []string{"1.0.0-beta", "1.0.0-alpha"}, "1.0.0-beta"},
		{"single", []string{"0.1.0"}, "0.1.0"},
	} {
		m := res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: c.name, DisplayName: c.name})).must(t)
		for _, s := range c.versions {
			register(t, q, m.ModelID, s)
		}
		latest, err := q.ModelVersionGetLatest(ctx, c.name)
		if err != nil || latest.Semver != c.want || latest.ModelID != m.ModelID {
			t.Errorf("case %d %s: latest of %v = %q, %v; want %s", i, c.name, c.versions, latest.Semver, err, c.want)
		}
	}

	// Archived versions do not count; a model without versions has none.
	m := res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "archiving", DisplayName: "Archiving"})).must(t)
	ten := register(t, q, m.ModelID, "10.0.0")
	register(t, q, m.ModelID, "9.0.0")
	res(q.ModelVersionArchive(ctx, ten.VersionID)).must(t)
	if latest := res(q.ModelVersionGetLatest(ctx, "archiving")).must(t); latest.Semver != "9.0.0" {
		t.Errorf("latest with 10.0.0 archived = %s, want 9.0.0", latest.Semver)
	}
	res(q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "empty", DisplayName: "Empty"})).must(t)
	_, err := q.ModelVersionGetLatest(ctx, "empty")
	wantNotFound(t, "ModelVersionGetLatest of a model without versions", err)
}

// TestModelVersionSetStatus moves a version to validated, then deployed
// (stamping promoted_to_production_at once).
func TestModelVersionSetStatus(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	v := res(q.ModelVersionSetStatus(ctx, "validated", f.VersionID)).must(t)
	if v.Status != "validated" || v.PromotedToProductionAt != nil {
		t.Errorf("validated: status %s, promoted_to_production_at %v", v.Status, v.PromotedToProductionAt)
	}
	v = res(q.ModelVersionSetStatus(ctx, "deployed", f.VersionID)).must(t)
	if v.Status != "deployed" || v.PromotedToProductionAt == nil || v.PromotedToProductionAt.Before(*v.RegisteredAt) {
		t.Fatalf("deployed: status %s, promoted_to_production_at %v (registered %v)", v.Status, v.PromotedToProductionAt, v.RegisteredAt)
	}
	first := *v.PromotedToProductionAt
	v = res(q.ModelVersionSetStatus(ctx, "deployed", f.VersionID)).must(t)
	if !v.PromotedToProductionAt.Equal(first) {
		t.Errorf("deploying again moved promoted_to_production_at from %v to %v", first, v.PromotedToProductionAt)
	}
	if got := res(q.ModelVersionGetByID(ctx, f.VersionID)).must(t); got.Status != "deployed" {
		t.Errorf("status read back = %s", got.Status)
	}
	_, err := q.ModelVersionSetStatus(ctx, "validated", uuid.New())
	wantNotFound(t, "ModelVersionSetStatus of an unknown version", err)
}
