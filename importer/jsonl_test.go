package importer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/seed"
)

// richRegistry is a registry with a row in every table: the sample
// registry, regtest's linked fixture, an alias with a history, an
// environment and a tag of its own.
func richRegistry(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	reg := newRegistry(t)
	q := registrydb.New(reg)
	if _, err := seed.Sample(ctx, q); err != nil {
		t.Fatal(err)
	}
	f := regtest.Build(t, q)
	v2, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{ModelID: f.ModelID, Semver: "2.0.0",
		ArtifactURI: "s3://fixture/2.0.0/", Framework: "onnx", RegisteredBy: "fixture-user"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []registrydb.ModelVersion{v2, {VersionID: f.VersionID}} {
		if _, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: "champion", VersionID: v.VersionID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.EnvironmentCreate(ctx, registrydb.EnvironmentCreateParams{EnvironmentName: "edge-eu", EnvironmentType: "production"}); err != nil {
		t.Fatal(err)
	}
	tag, err := q.TagCreate(ctx, registrydb.TagCreateParams{TagCategory: "custom", TagValue: "owner=fixture-team"})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.ModelTagAttach(ctx, registrydb.ModelTagAttachParams{ModelID: f.ModelID, TagID: tag.TagID, TaggedBy: regtest.Ptr("fixture-user")}); err != nil {
		t.Fatal(err)
	}
	exec(t, reg, `UPDATE training_runs SET custom_metrics = '{"auc": 0.93, "big": 12345678901234567890}' WHERE run_id = $1`, f.RunID)
	return reg
}

// tableRows is every row of a table as JSON text, sorted: two registries
// hold the same rows when these are equal. Columns that cannot carry over
// are left out (see docs/import.md): the tag ids the migrations seed (a
// tag is its category and value).
func tableRows(t *testing.T, db *pgxpool.Pool, table string) []string {
	t.Helper()
	sql := "SELECT to_jsonb(x)::text FROM " + pgx.Identifier{table}.Sanitize() + " x ORDER BY 1"
	switch table {
	case "tags":
		sql = `SELECT (to_jsonb(x) - 'tag_id' - 'created_at')::text FROM tags x ORDER BY 1`
	case "model_tags", "dataset_tags":
		sql = `SELECT (to_jsonb(x) - 'tag_id' || jsonb_build_object('tag', t.tag_category || '/' || t.tag_value))::text
			FROM ` + table + ` x JOIN tags t USING (tag_id) ORDER BY 1`
	}
	rows, err := db.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// notCarried are the tables an export does not carry (see compareRegistries).
var notCarried = map[string]bool{
	"audit_log": true, "audit_chain": true, "audit_seals": true, "audit_retention": true, "schema_migrations": true,
	"deployment_traffic_locks": true, "model_alias_locks": true,
	// Retention's record says what was removed here; its policies are this
	// installation's settings (docs/import.md: what an export does not carry).
	"retention_runs": true, "retention_run_models": true, "retention_policies": true,
}

// compareRegistries compares every table of two registries but the audit
// trail's (audit_log, audit_chain, audit_seals, audit_retention), which
// record the import rather than the history, and the lock rows the rules
// write to serialize changes (deployment_traffic_locks: a row per model and
// environment that had an active deployment when one was written;
// model_alias_locks: a row per alias ever moved by move_model_alias, which
// a restore does not call).
func compareRegistries(t *testing.T, a, b *pgxpool.Pool) {
	t.Helper()
	tables, err := registrydb.New(a).CatalogTables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, table := range tables {
		if notCarried[table] {
			continue
		}
		ra, rb := tableRows(t, a, table), tableRows(t, b, table)
		if strings.Join(ra, "\n") != strings.Join(rb, "\n") {
			t.Errorf("%s differs:\nsource:\n  %s\nimported:\n  %s", table, strings.Join(ra, "\n  "), strings.Join(rb, "\n  "))
		}
		if len(ra) == 0 {
			t.Errorf("%s is empty in the source: the round trip does not test it", table)
		}
		compared++
	}
	if compared != 15 {
		t.Errorf("compared %d tables", compared)
	}
	// to_jsonb shows a SQL NULL and a JSON null alike: count the NULLs of
	// every jsonb column apart.
	nulls := func(db *pgxpool.Pool) []string {
		var out []string
		cols := queryStrings(t, db, `SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND data_type = 'jsonb' AND table_name NOT LIKE 'audit%' ORDER BY 1`)
		for _, c := range cols {
			table, col, _ := strings.Cut(c, ".")
			var n int
			if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE "+col+" IS NULL").Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s: %d NULL", c, n))
		}
		return out
	}
	if na, nb := nulls(a), nulls(b); strings.Join(na, ", ") != strings.Join(nb, ", ") {
		t.Errorf("jsonb NULLs differ:\nsource:   %s\nimported: %s", strings.Join(na, ", "), strings.Join(nb, ", "))
	}
}

// TestJSONLRoundTrip: an export imported into an empty registry
// reproduces every table's rows, ids included; importing it again writes
// nothing; a row that differs is refused.
func TestJSONLRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, dst := richRegistry(t), newRegistry(t)
	var buf bytes.Buffer
	if err := importer.ExportJSONL(ctx, src, &buf, ""); err != nil {
		t.Fatal(err)
	}
	export := buf.Bytes()
	var header importer.JSONLHeader
	line, _, _ := bufio.NewReader(bytes.NewReader(export)).ReadLine()
	if err := json.Unmarshal(line, &header); err != nil || header.Format != "mlreg-export" || header.Version != 1 || header.Model != nil {
		t.Errorf("header %s: %v", line, err)
	}

	// The target has the source's custom tag under an id of its own (two
	// registries seed their tags with ids of their own too): the model tag
	// follows it.
	exec(t, dst, `INSERT INTO tags (tag_category, tag_value) VALUES ('custom', 'owner=fixture-team')`)

	var progress progressLog
	r := mustImport(t)(importer.JSONL(ctx, bytes.NewReader(export), dst, importer.Options{Progress: progress.fn}))
	wantCounts(t, r, map[string]counts{
		"models": {read: 5, imported: 5}, "environments": {read: 11, imported: 1, present: 10},
		"tags": {read: 18, present: 18}, "model_tags": {read: 10, imported: 10}, "model_aliases": {read: 3, imported: 3},
	})
	for name, e := range r.Entities {
		if e.Read == 0 || len(e.Refused) != 0 || e.Imported == 0 && name != "tags" {
			t.Errorf("%s: %+v", name, countsOf(e))
		}
	}
	if progress.stages["write training_runs"][0] == 0 {
		t.Errorf("progress: %v", progress.stages)
	}
	compareRegistries(t, src, dst)

	// New aliases and environments get ids past the imported ones.
	q := registrydb.New(dst)
	if _, err := q.EnvironmentCreate(ctx, registrydb.EnvironmentCreateParams{EnvironmentName: "edge-us", EnvironmentType: "production"}); err != nil {
		t.Errorf("an environment after the import: %v", err)
	}
	m, _ := q.ModelGetByName(ctx, "fixture-model")
	v, _ := q.ModelVersionGetBySemver(ctx, "fixture-model", "2.0.0")
	if _, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: m.ModelID, Alias: "champion", VersionID: v.VersionID}); err != nil {
		t.Errorf("an alias move after the import: %v", err)
	}

	// Importing again writes nothing.
	dst2 := newRegistry(t)
	mustImport(t)(importer.JSONL(ctx, bytes.NewReader(export), dst2, importer.Options{}))
	audit := auditRows(t, dst2)
	again := mustImport(t)(importer.JSONL(ctx, bytes.NewReader(export), dst2, importer.Options{}))
	for name, e := range again.Entities {
		if e.Imported != 0 || e.AlreadyPresent != e.Read {
			t.Errorf("again %s: %+v", name, countsOf(e))
		}
	}
	if n := auditRows(t, dst2); n != audit {
		t.Errorf("importing again wrote %d audit rows", n-audit)
	}

	// A row that differs is refused, and nothing is written.
	exec(t, dst2, `UPDATE models SET description = 'edited' WHERE model_name = 'fixture-model'`)
	before := tableCounts(t, dst2)
	_, err := importer.JSONL(ctx, bytes.NewReader(export), dst2, importer.Options{})
	refused := refusal(t, err).Report.Entities["models"].Refused
	if len(refused) != 1 || !strings.Contains(refused[0].Reason, "(description, updated_at)") {
		t.Errorf("refused: %s", notes(refused))
	}
	if after := tableCounts(t, dst2); !equalCounts(before, after) {
		t.Error("a refused import changed the registry")
	}
}

// TestJSONLOneModel exports one model and the rows it reaches, which an
// empty registry takes whole.
func TestJSONLOneModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, dst := richRegistry(t), newRegistry(t)
	var buf bytes.Buffer
	if err := importer.ExportJSONL(ctx, src, &buf, "fraud-detector"); err != nil {
		t.Fatal(err)
	}
	r := mustImport(t)(importer.JSONL(ctx, &buf, dst, importer.Options{}))
	wantCounts(t, r, map[string]counts{"models": {read: 1, imported: 1}, "model_versions": {read: 2, imported: 2}, "training_runs": {read: 2, imported: 2}})
	const ofModel = `JOIN model_versions mv USING (version_id) JOIN models m ON m.model_id = mv.model_id WHERE m.model_name = 'fraud-detector'`
	for table, sql := range map[string]string{
		"model_versions": `SELECT to_jsonb(x)::text FROM model_versions x JOIN models m USING (model_id) WHERE m.model_name = 'fraud-detector' ORDER BY 1`,
		"training_runs":  `SELECT to_jsonb(x)::text FROM training_runs x ` + ofModel + ` ORDER BY 1`,
		"deployments":    `SELECT to_jsonb(x)::text FROM deployments x ` + ofModel + ` ORDER BY 1`,
		"approvals":      `SELECT to_jsonb(x)::text FROM approvals x ` + ofModel + ` ORDER BY 1`,
		"run_datasets":   `SELECT to_jsonb(x)::text FROM run_datasets x JOIN training_runs USING (run_id) ` + ofModel + ` ORDER BY 1`,
		"datasets": `SELECT DISTINCT to_jsonb(d)::text FROM datasets d JOIN run_datasets x USING (dataset_id) JOIN training_runs USING (run_id) ` +
			ofModel + ` ORDER BY 1`,
	} {
		want, got := queryStrings(t, src, sql), queryStrings(t, dst, sql)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) == 0 {
			t.Errorf("%s:\nsource:\n  %s\nimported:\n  %s", table, strings.Join(want, "\n  "), strings.Join(got, "\n  "))
		}
	}
	if n := len(queryStrings(t, dst, `SELECT model_name FROM models`)); n != 1 {
		t.Errorf("%d models imported, want fraud-detector alone", n)
	}
	if err := importer.ExportJSONL(ctx, src, &buf, "no-such-model"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("export of a missing model: %v", err)
	}
}

func queryStrings(t *testing.T, db *pgxpool.Pool, sql string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestJSONLValidationRollsBack: an export holding a row the integrity
// checks flag (an approval approved but past its expiry, which no trigger
// refuses on insert) is written, checked, found wanting and rolled back,
// the finding in the report.
func TestJSONLValidationRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, dst := richRegistry(t), newRegistry(t)
	exec(t, src, `UPDATE approvals SET status = 'approved', approved_by = 'carol', approved_at = now() - interval '2 days',
		expires_at = now() - interval '1 day' WHERE approval_type = 'compliance' AND status = 'pending'`)
	var buf bytes.Buffer
	if err := importer.ExportJSONL(ctx, src, &buf, ""); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, dst)
	_, err := importer.JSONL(ctx, &buf, dst, importer.Options{})
	refused := refusal(t, err)
	v := refused.Report.Validation
	if refused.Err == nil || !strings.Contains(err.Error(), "approved-past-expiry") || v == nil || v.OK || v.Integrity.Errors == 0 {
		t.Errorf("err %v, validation %+v", err, v)
	}
	for _, c := range v.Counts {
		if !c.OK {
			t.Errorf("count %+v", c)
		}
	}
	if refused.Report.Committed || refused.Report.Error == nil {
		t.Errorf("committed %v, error %v", refused.Report.Committed, refused.Report.Error)
	}
	if after := tableCounts(t, dst); !equalCounts(before, after) {
		t.Errorf("a rolled-back import changed the registry")
	}
}
