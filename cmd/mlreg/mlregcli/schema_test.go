package mlregcli

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlplatform/model-registry/schemas"
)

// schemaCompiler holds every schema of schemas.FS under its $id, with
// formats (uuid, date-time, uri) asserted, and extra resources by URL (the
// official OpenLineage schemas, for the openlineage build tag's test).
func schemaCompiler(t *testing.T, extra map[string][]byte) *jsonschema.Compiler {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	err := fs.WalkDir(schemas.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(schemas.FS, path)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("schemas/%s: %v", path, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		want := schemas.Base + path
		if strings.HasPrefix(path, "openlineage/") {
			want = schemas.FacetBase + strings.TrimPrefix(path, "openlineage/facets/"+schemas.FacetVersion+"/")
		}
		if id != want {
			t.Errorf("schemas/%s: $id %q, want %q", path, id, want)
		}
		return c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	for url, raw := range extra {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// validate checks one JSON document against the schema at url.
func validate(t *testing.T, c *jsonschema.Compiler, url string, doc []byte) {
	t.Helper()
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", url, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v\n%.2000s", err, doc)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("invalid against %s: %v\n%.3000s", url, err, doc)
	}
}

// TestJSONOutputsFollowTheirSchemas validates every JSON document mlreg
// writes against its schema in schemas/v1, with the document's "schema"
// naming it: lineage (now, --at, --runs), impact, check (clean and with
// error findings) and audit log.
func TestJSONOutputsFollowTheirSchemas(t *testing.T) {
	url := seeded(t)
	c := schemaCompiler(t, nil)
	// run runs one command, which must exit 0 (or 1 for check finding an
	// error: runWant), and validates its document.
	runWant := func(wantCode int, schema string, args ...string) {
		t.Helper()
		code, out, stderr := mlreg(t, append([]string{"--database-url", url}, args...)...)
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d: %s", args, code, wantCode, stderr)
		}
		if !strings.Contains(out, `"schema": "`+schemas.Base+"v1/"+schema+`"`) {
			t.Errorf("%v: the document does not name its schema %s:\n%.500s", args, schema, out)
		}
		validate(t, c, schemas.Base+"v1/"+schema, []byte(out))
	}
	run := func(schema string, args ...string) { t.Helper(); runWant(0, schema, args...) }
	for _, model := range []string{"fraud-detector", "sentiment-classifier", "churn-predictor"} {
		run("lineage.json", "lineage", model, "--format", "json")
		run("lineage.json", "lineage", model, "--format", "json", "--runs", "1")
		run("lineage.json", "lineage", model, "--format", "json", "--at", "2000-01-01")
		run("lineage.json", "lineage", model, "--format", "json", "--at", "2999-01-01T00:00:00.123456789Z")
	}
	run("impact.json", "impact", "transaction-logs", "--format", "json")
	run("impact.json", "impact", "customer-reviews-holdout", "--format", "json")
	run("check.json", "check", "--format", "json")
	run("audit-log.json", "audit", "log", "--format", "json", "--limit", "500")
	exec(t, url, `SET session_replication_role = replica;
		UPDATE approvals SET status = 'approved', approved_by = 'x', approved_at = now(), expires_at = now() - interval '1 day'
		WHERE approval_type = 'legal';
		DELETE FROM environments WHERE environment_name = 'prod-eu';`)
	runWant(1, "check.json", "check", "--format", "json")
	run("audit-log.json", "audit", "log", "--format", "json", "--table", "nothing-like-this")
}

// publishedFacets pins the bytes of every published facet schema version:
// a _schemaURL names a fixed version, so its file never changes. A change
// to a facet is a new version directory (and schemas.FacetVersion).
var publishedFacets = map[string]string{
	"openlineage/facets/1-0-0/DatasetUsageInputDatasetFacet.json": "5e9cd0f96967b8a9f09800d90273f15dfff4a82d9ad5de98c310578163469a05",
	"openlineage/facets/1-0-0/ModelVersionDatasetFacet.json":      "d686aae3c8527005424e62224c93b5b7e5142d7c1a2bf8be2c820bd6238bc93b",
	"openlineage/facets/1-0-0/RegistryDatasetFacet.json":          "1a2df54ee89cc81383ceac46c93947ce3d4e44aec53c6550484fe885c504d11d",
	"openlineage/facets/1-0-0/TrainingRunFacet.json":              "8ccac82c3465cf1c9a184ed7277a3d1096fb2fccb4ef7ade6ff9657ee6ff3e12",
}

// TestFacetSchemasArePublished fails when a published facet schema changed.
func TestFacetSchemasArePublished(t *testing.T) {
	entries, err := fs.Glob(schemas.FS, "openlineage/facets/*/*.json")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no facet schemas: %v", err)
	}
	for _, path := range entries {
		raw, _ := fs.ReadFile(schemas.FS, path)
		sum := fmt.Sprintf("%x", sha256.Sum256(raw))
		want, ok := publishedFacets[path]
		if !ok {
			t.Errorf("%s (sha256 %s) is not pinned in publishedFacets", path, sum)
		} else if sum != want {
			t.Errorf("%s changed (sha256 %s, published %s): publish a new version instead", path, sum, want)
		}
	}
	if len(publishedFacets) != len(entries) {
		t.Errorf("publishedFacets pins %d files, schemas has %d", len(publishedFacets), len(entries))
	}
}
