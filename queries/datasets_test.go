package queries_test

import (
	"testing"
	"time"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// TestDatasets walks a dataset through create, read, list, update and delete.
func TestDatasets(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	clicks := res(q.DatasetCreate(ctx, registrydb.DatasetCreateParams{
		DatasetName: "clicks-2025", DisplayName: "Clicks 2025", StorageLocation: "s3://data/clicks/",
		StorageFormat: ptr("csv"), RowCount: regtest.Ptr[int64](1200), TeamID: &f.TeamID,
	})).must(t)
	// NULL for contains_pii and data_classification gives the defaults.
	if clicks.DatasetName != "clicks-2025" || deref(clicks.StorageFormat) != "csv" || deref(clicks.RowCount) != int64(1200) ||
		deref(clicks.ContainsPII) != false || deref(clicks.DataClassification) != "internal" || clicks.CreatedBy == nil {
		t.Errorf("DatasetCreate returned %+v", clicks)
	}
	res(q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: "zeta_events", DisplayName: "Zeta", StorageLocation: "s3://data/zeta/"})).must(t)
	_, err := q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: "clicks-2025", DisplayName: "x", StorageLocation: "s3://x/"})
	wantAlreadyExists(t, "second dataset named clicks-2025", err)

	if got := res(q.DatasetGetByID(ctx, clicks.DatasetID)).must(t); got.DatasetName != "clicks-2025" {
		t.Errorf("DatasetGetByID = %+v", got)
	}
	if got := res(q.DatasetGetByName(ctx, "fixture_data-2024")).must(t); got.DatasetID != f.DatasetID {
		t.Errorf("DatasetGetByName(fixture_data-2024) = %+v", got)
	}

	name := func(d registrydb.Dataset) string { return d.DatasetName }
	page := res(q.DatasetList(ctx, "", 2)).must(t)
	if got := field(page, name); !equal(got, []string{"clicks-2025", "fixture_data-2024"}) {
		t.Fatalf("DatasetList first page = %v", got)
	}
	page = res(q.DatasetList(ctx, page[1].DatasetName, 2)).must(t)
	if got := field(page, name); !equal(got, []string{"zeta_events"}) {
		t.Errorf("DatasetList second page = %v", got)
	}

	for _, c := range []struct {
		pattern string
		max     int32
		want    []string
	}{
		{"%-20__", 10, []string{"clicks-2025", "fixture_data-2024"}},
		{"%-20__", 1, []string{"clicks-2025"}},
		{`%\_%`, 10, []string{"fixture_data-2024", "zeta_events"}},
		{"zeta%", 10, []string{"zeta_events"}},
		{"%none%", 10, []string{}},
	} {
		if got := res(q.DatasetListNamesLike(ctx, c.pattern, c.max)).must(t); !equal(got, c.want) {
			t.Errorf("DatasetListNamesLike(%q, %d) = %v, want %v", c.pattern, c.max, got, c.want)
		}
	}

	refreshed := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	upd := res(q.DatasetUpdate(ctx, registrydb.DatasetUpdateParams{
		DatasetID: clicks.DatasetID, RowCount: regtest.Ptr[int64](5000), ContainsPII: regtest.Ptr(true), LastUpdatedAt: &refreshed,
	})).must(t)
	if deref(upd.RowCount) != int64(5000) || deref(upd.ContainsPII) != true || upd.LastUpdatedAt == nil || !upd.LastUpdatedAt.Equal(refreshed) ||
		deref(upd.StorageFormat) != "csv" || deref(upd.DataClassification) != "internal" {
		t.Errorf("DatasetUpdate = %+v", upd)
	}
	upd = res(q.DatasetUpdate(ctx, registrydb.DatasetUpdateParams{DatasetID: clicks.DatasetID, DataClassification: ptr("restricted")})).must(t)
	if deref(upd.DataClassification) != "restricted" || deref(upd.RowCount) != int64(5000) {
		t.Errorf("DatasetUpdate(classification) = %+v", upd)
	}

	// The fixture's dataset trained the fixture's run: refused.
	_, err = q.DatasetDelete(ctx, f.DatasetID)
	wantConstraint(t, "DatasetDelete of a dataset a run used", err, "run_datasets_dataset_id_fkey")
	n, err := q.DatasetDelete(ctx, clicks.DatasetID)
	wantRows(t, "DatasetDelete(clicks-2025)", n, err, 1)
	_, err = q.DatasetGetByID(ctx, clicks.DatasetID)
	wantNotFound(t, "deleted dataset", err)
}

// TestDatasetUpsertByNameIsIdempotent upserts one dataset three times.
func TestDatasetUpsertByNameIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	params := registrydb.DatasetUpsertByNameParams{
		DatasetName: "labels", DisplayName: "Labels", StorageLocation: "s3://data/labels/v1/", CreatedBy: ptr("alice"),
	}
	first := res(q.DatasetUpsertByName(ctx, params)).must(t)
	second := res(q.DatasetUpsertByName(ctx, params)).must(t)
	if second.DatasetID != first.DatasetID || second.StorageLocation != "s3://data/labels/v1/" || !second.CreatedAt.Equal(*first.CreatedAt) {
		t.Errorf("second upsert = %+v, want %+v", second, first)
	}
	params.StorageLocation, params.ContainsPII, params.CreatedBy = "s3://data/labels/v2/", regtest.Ptr(true), ptr("bob")
	third := res(q.DatasetUpsertByName(ctx, params)).must(t)
	if third.DatasetID != first.DatasetID || third.StorageLocation != "s3://data/labels/v2/" || deref(third.ContainsPII) != true ||
		deref(third.CreatedBy) != "alice" {
		t.Errorf("upsert with new details = %+v (created_by must stay alice)", third)
	}
	fx := res(q.DatasetUpsertByName(ctx, registrydb.DatasetUpsertByNameParams{
		DatasetName: "fixture_data-2024", DisplayName: "Fixture Data", StorageLocation: "s3://fixture/data/",
	})).must(t)
	if fx.DatasetID != f.DatasetID {
		t.Errorf("upsert of the fixture's dataset: id %s, want %s", fx.DatasetID, f.DatasetID)
	}
	if all := res(q.DatasetList(ctx, "", 100)).must(t); len(all) != 2 {
		t.Errorf("%d datasets, want 2", len(all))
	}
}

// TestDatasetTags attaches, lists and detaches tags, and finds datasets by tag.
func TestDatasetTags(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	other := res(q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: "reviews", DisplayName: "Reviews", StorageLocation: "s3://data/reviews/"})).must(t)
	tabular := res(q.TagGetByCategoryValue(ctx, "domain", "tabular")).must(t)
	prod := res(q.TagGetByCategoryValue(ctx, "status", "production-ready")).must(t)
	for _, id := range []registrydb.Tag{prod, tabular, {TagID: f.TagID}, tabular} { // the second tabular is a no-op
		must(t, q.DatasetTagAttach(ctx, registrydb.DatasetTagAttachParams{DatasetID: other.DatasetID, TagID: id.TagID, TaggedBy: ptr("bob")}))
	}

	tags := res(q.DatasetTagListByDataset(ctx, other.DatasetID)).must(t)
	type tv struct{ category, value string }
	got := field(tags, func(r registrydb.DatasetTagListByDatasetRow) tv { return tv{r.TagCategory, r.TagValue} })
	if !equal(got, []tv{{"domain", "nlp"}, {"domain", "tabular"}, {"status", "production-ready"}}) {
		t.Fatalf("DatasetTagListByDataset = %v", got)
	}
	if deref(tags[0].TaggedBy) != "bob" || tags[0].TaggedAt == nil {
		t.Errorf("tagged_by/at = %v/%v", deref(tags[0].TaggedBy), tags[0].TaggedAt)
	}

	names := func(category, value, after string, max int32) []string {
		rows := res(q.DatasetListByTag(ctx, registrydb.DatasetListByTagParams{TagCategory: category, TagValue: value, AfterName: after, MaxRows: max})).must(t)
		return field(rows, func(d registrydb.Dataset) string { return d.DatasetName })
	}
	if p := names("domain", "nlp", "", 1); !equal(p, []string{"fixture_data-2024"}) {
		t.Errorf("DatasetListByTag(domain/nlp) first page = %v", p)
	}
	if p := names("domain", "nlp", "fixture_data-2024", 1); !equal(p, []string{"reviews"}) {
		t.Errorf("DatasetListByTag(domain/nlp) second page = %v", p)
	}
	if p := names("domain", "tabular", "", 10); !equal(p, []string{"reviews"}) {
		t.Errorf("DatasetListByTag(domain/tabular) = %v", p)
	}

	n, err := q.DatasetTagDetach(ctx, other.DatasetID, tabular.TagID)
	wantRows(t, "DatasetTagDetach", n, err, 1)
	n, err = q.DatasetTagDetach(ctx, other.DatasetID, tabular.TagID)
	wantRows(t, "DatasetTagDetach again", n, err, 0)
	if p := names("domain", "tabular", "", 10); len(p) != 0 {
		t.Errorf("DatasetListByTag(domain/tabular) after the detach = %v", p)
	}
	if tags := res(q.DatasetTagListByDataset(ctx, other.DatasetID)).must(t); len(tags) != 2 {
		t.Errorf("%d tags after the detach, want 2", len(tags))
	}
}
