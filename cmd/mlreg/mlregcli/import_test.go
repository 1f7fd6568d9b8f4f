package mlregcli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/sourcestore"
)

// legacySource is a database holding Exercise 01's table and its 20 rows,
// plus extra rows given as SQL.
func legacySource(t *testing.T, extra ...string) string {
	t.Helper()
	url := pgtest.NewEmptyURL(t)
	conn := dial(t, url)
	if err := sourcestore.CreateLegacy(context.Background(), conn, pgx.Identifier{"training_runs"}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range extra {
		exec(t, url, sql)
	}
	return url
}

// mxnetRow is a legacy run in a framework the registry does not know.
const mxnetRow = `INSERT INTO training_runs (run_id, model_name, framework, experiment_name, status, dataset, compute_target)
	VALUES ('00000000-0000-4000-8000-00000000e0e0', 'old-mxnet-model', 'mxnet', 'exp-mxnet', 'queued', 'some-data', 'on-premise-cpu')`

// importJSON runs an import with --format json, checks the exit code and
// validates the report against schemas/v1/import-report.json.
func importJSON(t *testing.T, wantCode int, args ...string) importer.Report {
	t.Helper()
	code, out, errOut := mlreg(t, append(args, "--format", "json")...)
	if code != wantCode {
		t.Fatalf("%v: exit %d, want %d: %s", args, code, wantCode, errOut)
	}
	validate(t, schemaCompiler(t, nil), importer.ReportSchema, []byte(out))
	var r importer.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestImportTrainingRuns: Exercise 01's table through the command: a dry run
// writes nothing and reports what the real run does; a row the registry
// cannot hold refuses the whole import (exit 1, listed by run id, nothing
// written) unless --skip-invalid; importing again writes nothing; every
// report follows its schema; the text report lists the refused row.
func TestImportTrainingRuns(t *testing.T) {
	registryURL := pgtest.NewURL(t)
	source := legacySource(t, mxnetRow)
	base := []string{"--database-url", registryURL, "--actor", "importer-test", "import", "training-runs", "--from", source}

	before := snapshotCounts(t, registryURL)
	refused := importJSON(t, 1, base...)
	if refused.Committed || len(refused.Entities["training_runs"].Refused) != 1 ||
		refused.Entities["training_runs"].Refused[0].Source != "00000000-0000-4000-8000-00000000e0e0" {
		t.Fatalf("the mxnet row should refuse the import: %+v", refused.Entities["training_runs"])
	}
	if after := snapshotCounts(t, registryURL); after != before {
		t.Fatalf("a refused import wrote rows: %s -> %s", before, after)
	}
	code, out, errOut := mlreg(t, base...)
	if code != 1 || !strings.Contains(out, "refused  training_runs 00000000-0000-4000-8000-00000000e0e0: ") ||
		strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "--skip-invalid") {
		t.Fatalf("text report of a refusal: exit %d\n%s\n%s", code, out, errOut)
	}

	dry := importJSON(t, 0, append(base, "--dry-run", "--skip-invalid")...)
	if after := snapshotCounts(t, registryURL); after != before {
		t.Fatalf("a dry run wrote rows: %s -> %s", before, after)
	}
	real := importJSON(t, 0, append(base, "--skip-invalid")...)
	if !real.Committed || real.Entities["training_runs"].Imported != 20 || len(real.Entities["training_runs"].Refused) != 1 {
		t.Fatalf("the real run: %+v", real.Entities["training_runs"])
	}
	if dry.Entities["training_runs"].Imported != real.Entities["training_runs"].Imported || dry.Entities["models"].Imported != real.Entities["models"].Imported {
		t.Errorf("the dry run reported %+v, the real run %+v", dry.Entities, real.Entities)
	}
	var auditRows, actorRows int
	if err := dial(t, registryURL).QueryRow(context.Background(),
		"SELECT count(*), count(*) FILTER (WHERE actor = 'importer-test') FROM audit_log").Scan(&auditRows, &actorRows); err != nil {
		t.Fatal(err)
	}
	if auditRows == 0 || actorRows != auditRows {
		t.Errorf("audit rows: %d, by the importer's actor: %d", auditRows, actorRows)
	}
	again := importJSON(t, 0, append(base, "--skip-invalid")...)
	if again.Entities["training_runs"].AlreadyPresent != 20 || again.Entities["training_runs"].Imported != 0 {
		t.Errorf("importing again: %+v", again.Entities["training_runs"])
	}
	var auditAfter int
	if err := dial(t, registryURL).QueryRow(context.Background(), "SELECT count(*) FROM audit_log").Scan(&auditAfter); err != nil {
		t.Fatal(err)
	}
	if auditAfter != auditRows {
		t.Errorf("importing again wrote %d audit rows", auditAfter-auditRows)
	}
	if code, _, errOut := mlreg(t, "--database-url", registryURL, "check"); code != 0 {
		t.Errorf("check after the import: exit %d: %s", code, errOut)
	}
}

// TestImportMLflow: both layouts of an MLflow store through the command,
// the awkward fixture: a deleted version is skipped and listed as
// NAME/VERSION, the report follows its schema, check passes after.
func TestImportMLflow(t *testing.T) {
	for _, v := range sourcestore.Variants {
		t.Run(v.String(), func(t *testing.T) {
			ctx := context.Background()
			source := pgtest.NewEmptyURL(t)
			conn := dial(t, source)
			if err := sourcestore.CreateMLflow(ctx, conn, v); err != nil {
				t.Fatal(err)
			}
			if err := sourcestore.FillAwkward(ctx, conn, v); err != nil {
				t.Fatal(err)
			}
			registryURL := pgtest.NewURL(t)
			r := importJSON(t, 0, "--database-url", registryURL, "import", "mlflow", "--from", source, "--skip-invalid")
			if !r.Committed || r.Entities["models"].Imported == 0 || r.Entities["model_versions"].Imported == 0 {
				t.Fatalf("import: %+v", r.Entities)
			}
			skipped := false
			for _, n := range r.Entities["model_versions"].Skipped {
				skipped = skipped || strings.Contains(n.Source, "/") && strings.Contains(n.Reason, "Deleted_Internal")
			}
			if !skipped {
				t.Errorf("no deleted version listed as NAME/VERSION: %+v", r.Entities["model_versions"].Skipped)
			}
			if code, _, errOut := mlreg(t, "--database-url", registryURL, "check"); code != 0 {
				t.Errorf("check after the import: exit %d: %s", code, errOut)
			}
		})
	}
}

// TestExportImportRoundTrip: mlreg export, then mlreg import jsonl of the
// file into an empty registry, gives the same export back.
func TestExportImportRoundTrip(t *testing.T) {
	source := seeded(t)
	file := filepath.Join(t.TempDir(), "registry.jsonl")
	if code, _, errOut := mlreg(t, "--database-url", source, "export", "--format", "jsonl", "--output", file); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	target := pgtest.NewURL(t)
	r := importJSON(t, 0, "--database-url", target, "import", "jsonl", "--from", file)
	if !r.Committed {
		t.Fatalf("import jsonl: %+v", r)
	}
	code, again, errOut := mlreg(t, "--database-url", target, "export", "--format", "jsonl")
	if code != 0 {
		t.Fatalf("export of the copy: exit %d: %s", code, errOut)
	}
	first, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(withoutHeader(first), withoutHeader([]byte(again))) {
		t.Errorf("the copy exports differently:\n%.2000s\n---\n%.2000s", first, again)
	}
}

// TestExportOutputFile: --output writes a new file readable by its owner
// only (it holds the registry); an export that fails leaves the file that
// was there as it was, permissions included, and no half-written file
// beside it. The old code created the file first and removed it on
// failure, so a failed export destroyed the earlier one.
func TestExportOutputFile(t *testing.T) {
	source := seeded(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "registry.jsonl")
	if code, _, errOut := mlreg(t, "--database-url", source, "export", "--output", file); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the new export: %v; want mode 0600", modeOf(info, err))
	}
	if err := os.Chmod(file, 0o640); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := mlreg(t, "--database-url", source, "export", "--model", "no-such-model", "--output", file)
	if code == 0 || !strings.Contains(errOut, "no-such-model") {
		t.Fatalf("export of a model that does not exist: exit %d: %q", code, errOut)
	}
	after, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("a failed export changed the earlier file: %v, %d bytes before, %d after", err, len(before), len(after))
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("the earlier file after a failed export: %v; want mode 0640", modeOf(info, err))
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("files beside the export after a failed one: %v, %v", entries, err)
	}
	if code, _, errOut := mlreg(t, "--database-url", source, "export", "--output", file); code != 0 {
		t.Fatalf("export over the earlier file: exit %d: %s", code, errOut)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("an export over an earlier file: %v; want its mode 0640 kept", modeOf(info, err))
	}
}

func modeOf(info os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	return info.Mode().Perm().String()
}

// withoutHeader drops an export's first line (it names when it was made).
func withoutHeader(export []byte) []byte {
	_, rest, _ := bytes.Cut(export, []byte("\n"))
	return rest
}

// TestImportBadInput: bad flags and sources, one line and exit 2, nothing
// written, the source's password never printed.
func TestImportBadInput(t *testing.T) {
	registryURL := pgtest.NewURL(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "mlflow"}, `required flag(s) "from" not set`},
		{[]string{"import", "mlflow", "--from", "postgres://u:src-s3cret@127.0.0.1:1/mlflow", "--connect-timeout", "2s"}, "source: cannot connect to database at 127.0.0.1:1/mlflow"},
		{[]string{"import", "training-runs", "--from", "postgres://u:src-s3cret@127.0.0.1:1/x", "--table", "a.b.c.d"}, "--table"},
		{[]string{"import", "jsonl", "--from", "/does/not/exist.jsonl"}, "--from"},
		{[]string{"import", "frobnicate"}, "unknown import subcommand"},
		{[]string{"export", "--format", "csv"}, `unknown format "csv" for export`},
	} {
		code, _, errOut := mlreg(t, append([]string{"--database-url", registryURL}, c.args...)...)
		if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "src-s3cret") {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, code, errOut, c.want)
		}
	}
}
