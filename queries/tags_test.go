package queries_test

import (
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// seededTags is how many tags the migrations create.
const seededTags = 17

// TestTags walks a tag through create, read, update and delete; deleting a
// tag detaches it from its models and datasets.
func TestTags(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	gpu := res(q.TagCreate(ctx, registrydb.TagCreateParams{TagCategory: "custom", TagValue: "gpu-heavy", TagDescription: ptr("Needs a GPU to serve")})).must(t)
	if gpu.TagCategory != "custom" || gpu.TagValue != "gpu-heavy" || deref(gpu.TagDescription) != "Needs a GPU to serve" || gpu.CreatedAt == nil {
		t.Errorf("TagCreate returned %+v", gpu)
	}
	_, err := q.TagCreate(ctx, registrydb.TagCreateParams{TagCategory: "custom", TagValue: "gpu-heavy"})
	wantAlreadyExists(t, "second custom/gpu-heavy", err)

	if got := res(q.TagGetByID(ctx, gpu.TagID)).must(t); got.TagValue != "gpu-heavy" {
		t.Errorf("TagGetByID = %+v", got)
	}
	if got := res(q.TagGetByCategoryValue(ctx, "custom", "gpu-heavy")).must(t); got.TagID != gpu.TagID {
		t.Errorf("TagGetByCategoryValue = %+v", got)
	}
	_, err = q.TagGetByCategoryValue(ctx, "domain", "gpu-heavy")
	wantNotFound(t, "TagGetByCategoryValue(domain, gpu-heavy)", err)

	upd := res(q.TagUpdate(ctx, ptr("Served on GPUs only"), gpu.TagID)).must(t)
	if deref(upd.TagDescription) != "Served on GPUs only" || upd.TagValue != "gpu-heavy" {
		t.Errorf("TagUpdate = %+v", upd)
	}
	if got := res(q.TagGetByID(ctx, gpu.TagID)).must(t); deref(got.TagDescription) != "Served on GPUs only" {
		t.Errorf("description read back = %v", deref(got.TagDescription))
	}

	// The fixture's tag is on its model and its dataset.
	n, err := q.TagDelete(ctx, f.TagID)
	wantRows(t, "TagDelete(domain/nlp)", n, err, 1)
	_, err = q.TagGetByID(ctx, f.TagID)
	wantNotFound(t, "deleted tag", err)
	if tags := res(q.ModelTagListByModel(ctx, f.ModelID)).must(t); len(tags) != 0 {
		t.Errorf("model still has %d tags after its only tag was deleted", len(tags))
	}
	if tags := res(q.DatasetTagListByDataset(ctx, f.DatasetID)).must(t); len(tags) != 0 {
		t.Errorf("dataset still has %d tags after its only tag was deleted", len(tags))
	}
}

// TestTagUpsert creates a tag, returns the same row for the same key, and
// keeps a description that the upsert does not give.
func TestTagUpsert(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	nlp := res(q.TagUpsert(ctx, registrydb.TagUpsertParams{TagCategory: "domain", TagValue: "nlp"})).must(t)
	if nlp.TagID != f.TagID || deref(nlp.TagDescription) != "Natural Language Processing" {
		t.Errorf("upsert of the seeded domain/nlp without a description = %+v", nlp)
	}
	nlp = res(q.TagUpsert(ctx, registrydb.TagUpsertParams{TagCategory: "domain", TagValue: "nlp", TagDescription: ptr("Text models")})).must(t)
	if nlp.TagID != f.TagID || deref(nlp.TagDescription) != "Text models" {
		t.Errorf("upsert of domain/nlp with a description = %+v", nlp)
	}

	params := registrydb.TagUpsertParams{TagCategory: "region", TagValue: "eu", TagDescription: ptr("Europe")}
	first := res(q.TagUpsert(ctx, params)).must(t)
	second := res(q.TagUpsert(ctx, params)).must(t)
	if second.TagID != first.TagID || deref(second.TagDescription) != "Europe" {
		t.Errorf("second upsert of region/eu = %+v, want %+v", second, first)
	}
	all := res(q.TagList(ctx, registrydb.TagListParams{MaxRows: 100})).must(t)
	if len(all) != seededTags+1 {
		t.Errorf("%d tags, want the %d seeded and region/eu", len(all), seededTags)
	}
}

// TestTagInsertManyCopyFrom loads tags through COPY and reads them back.
func TestTagInsertManyCopyFrom(t *testing.T) {
	t.Parallel()
	ctx, _, q, _ := setup(t)

	rows := []registrydb.TagInsertManyCopyFromParams{
		{TagCategory: "project", TagValue: "apollo", TagDescription: ptr("Project Apollo")},
		{TagCategory: "project", TagValue: "gemini"},
		{TagCategory: "customer", TagValue: "acme", TagDescription: ptr("ACME Corp")},
	}
	n := res(q.TagInsertManyCopyFrom(ctx, rows)).must(t)
	if n != int64(len(rows)) {
		t.Fatalf("TagInsertManyCopyFrom copied %d rows, want %d", n, len(rows))
	}
	for _, r := range rows {
		got := res(q.TagGetByCategoryValue(ctx, r.TagCategory, r.TagValue)).must(t)
		if deref(got.TagDescription) != deref(r.TagDescription) || got.CreatedAt == nil {
			t.Errorf("copied %s/%s read back as %+v", r.TagCategory, r.TagValue, got)
		}
	}
	// COPY is all or nothing: a duplicate aborts the whole batch.
	_, err := q.TagInsertManyCopyFrom(ctx, []registrydb.TagInsertManyCopyFromParams{
		{TagCategory: "project", TagValue: "mercury"}, {TagCategory: "project", TagValue: "apollo"},
	})
	wantAlreadyExists(t, "COPY of a duplicate tag", err)
	_, err = q.TagGetByCategoryValue(ctx, "project", "mercury")
	wantNotFound(t, "tag copied in the failed batch", err)
}

// TestTagListPages pages through every tag, five at a time, in
// (category, value) order.
func TestTagListPages(t *testing.T) {
	t.Parallel()
	ctx, _, q, _ := setup(t)
	res(q.TagCreate(ctx, registrydb.TagCreateParams{TagCategory: "custom", TagValue: "zeta"})).must(t)
	res(q.TagCreate(ctx, registrydb.TagCreateParams{TagCategory: "custom", TagValue: "alpha"})).must(t)

	type key struct{ category, value string }
	var got []key
	p := registrydb.TagListParams{MaxRows: 5}
	for pages := 0; pages < 10; pages++ {
		page := res(q.TagList(ctx, p)).must(t)
		if len(page) == 0 {
			break
		}
		if len(page) > 5 {
			t.Fatalf("page of %d tags, limit 5", len(page))
		}
		for _, tag := range page {
			got = append(got, key{tag.TagCategory, tag.TagValue})
		}
		p.AfterCategory, p.AfterValue = page[len(page)-1].TagCategory, page[len(page)-1].TagValue
	}
	if len(got) != seededTags+2 {
		t.Fatalf("pages hold %d tags, want %d", len(got), seededTags+2)
	}
	// "custom" is the first category; within it alpha comes before zeta.
	if got[0] != (key{"custom", "alpha"}) || got[1] != (key{"custom", "zeta"}) || got[2].category != "domain" {
		t.Errorf("first tags = %v, want custom/alpha, custom/zeta, then domain", got[:3])
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.category > b.category || (a.category == b.category && a.value >= b.value) {
			t.Errorf("tags %v and %v out of order (or repeated across pages)", a, b)
		}
	}
	all := res(q.TagList(ctx, registrydb.TagListParams{MaxRows: 100})).must(t)
	if len(all) != len(got) {
		t.Errorf("one page of 100 holds %d tags, the pages of 5 %d", len(all), len(got))
	}
}
