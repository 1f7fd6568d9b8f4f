package mlregcli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/schemas"
	"github.com/mlplatform/model-registry/stats"
)

const statsSchemaFile = schemas.Base + "v1/stats.json"

// statsSchema is schemas/v1/stats.json as the other outputs' schemas are
// compiled (by its $id, formats asserted).
func statsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := schemaCompiler(t, nil).Compile(statsSchemaFile)
	if err != nil {
		t.Fatalf("compiling %s: %v", statsSchemaFile, err)
	}
	return s
}

func statsJSON(t *testing.T, url string) (string, any) {
	t.Helper()
	code, out, stderr := mlreg(t, "--database-url", url, "stats", "--format", "json")
	if code != 0 {
		t.Fatalf("stats --format json: exit %d: %s", code, stderr)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("stats --format json is not JSON: %v\n%s", err, out)
	}
	return out, doc
}

// statsFlushed waits until the statistics count what url's sessions did:
// exec's sessions report when they close (pgstat flushes at exit), which
// a new session can see only afterwards.
func statsFlushed(t *testing.T, url string, cond func(stats.Report) bool) stats.Report {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, out, _ := mlreg(t, "--database-url", url, "stats", "--format", "json")
		var r stats.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("stats --format json: %v\n%s", err, out)
		}
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("the statistics never showed what the test did:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestStatsJSONMatchesSchema: the report of a seeded, sealed, vacuumed
// registry (every nullable field both null and set somewhere) validates
// against schemas/v1/stats.json; documents that break the contract do not.
func TestStatsJSONMatchesSchema(t *testing.T) {
	url := seeded(t)
	schema := statsSchema(t)
	if code, _, stderr := mlreg(t, "--database-url", url, "audit", "seal"); code != 0 {
		t.Fatalf("audit seal: %s", stderr)
	}
	exec(t, url, "SELECT pg_stat_reset()") // sets statistics_since
	exec(t, url, "VACUUM teams")           // sets one last_vacuum
	exec(t, url, "SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off; SELECT count(*) FROM training_runs")
	statsFlushed(t, url, func(r stats.Report) bool {
		for _, tb := range r.Tables {
			if tb.Name == "teams" && tb.LastVacuum != nil {
				return r.StatisticsSince != nil
			}
		}
		return false
	})
	out, doc := statsJSON(t, url)
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("stats --format json does not match %s: %v\n%s", statsSchemaFile, err, out)
	}
	// Both branches of the nullable fields occur in the document.
	for _, want := range []string{`"last_vacuum": null`, `"partition_of": null`, `"partition_of": "audit_log"`,
		`"backs_constraint": null`, `"avg_rows_per_seq_scan": null`} {
		if !strings.Contains(out, want) {
			t.Errorf("the report has no %s", want)
		}
	}
	if !regexp.MustCompile(`"last_vacuum": "\d{4}-`).MatchString(out) || !regexp.MustCompile(`"statistics_since": "\d{4}-`).MatchString(out) {
		t.Errorf("the report has no set last_vacuum or statistics_since:\n%s", out)
	}

	broken := map[string]func(map[string]any){
		"a table without dead_rows": func(d map[string]any) { delete(statsFirstOf(d, "tables"), "dead_rows") },
		"an unknown field":          func(d map[string]any) { statsFirstOf(d, "indexes")["idx_scan"] = 1 },
		"tables null":               func(d map[string]any) { d["tables"] = nil },
		"an empty constraint name":  func(d map[string]any) { statsFirstOf(d, "indexes")["backs_constraint"] = "" },
		"a negative size":           func(d map[string]any) { statsFirstOf(d, "tables")["total_bytes"] = -1 },
		"a time that is no time":    func(d map[string]any) { d["collected_at"] = "yesterday" },
		"statistics_since missing":  func(d map[string]any) { delete(d, "statistics_since") },
	}
	for name, breakIt := range broken {
		var d map[string]any
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		breakIt(d)
		body, _ := json.Marshal(d)
		bad, err := jsonschema.UnmarshalJSON(strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(bad) == nil {
			t.Errorf("the schema accepts %s", name)
		}
	}
}

func statsFirstOf(d map[string]any, list string) map[string]any {
	return d[list].([]any)[0].(map[string]any)
}

// TestStatsText: the text report's four sections; a growing table scanned
// whole is listed under the sequential scans, a lookup table scanned whole
// is not; an index only a query would read, and none did, is a drop
// candidate, a primary key nobody read is kept.
func TestStatsText(t *testing.T) {
	url := pgtest.NewURL(t)
	exec(t, url, "SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;"+
		"SELECT count(*) FROM training_runs; SELECT count(*) FROM teams")
	statsFlushed(t, url, func(r stats.Report) bool {
		for _, tb := range r.Tables {
			if tb.Name == "training_runs" && tb.SeqScans > 0 {
				return true
			}
		}
		return false
	})
	code, out, stderr := mlreg(t, "--database-url", url, "stats")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, stderr)
	}
	section := func(title string) string {
		_, rest, found := strings.Cut(out, "\n"+title)
		if !found {
			t.Fatalf("no section %q in\n%s", title, out)
		}
		body, _, _ := strings.Cut(rest, "\n\n")
		return body
	}
	if !strings.HasPrefix(out, "Statistics at ") || !strings.Contains(out, "counted since the database was created") {
		t.Errorf("first line: %q", strings.SplitN(out, "\n", 2)[0])
	}
	tables := section("Tables, largest first")
	if !regexp.MustCompile(`(?m)^audit_log \(1 partition\) `).MatchString(tables) || !strings.Contains(tables, "\ntraining_runs ") {
		t.Errorf("tables section:\n%s", tables)
	}
	scans := section("Sequential scans of the tables that grow")
	if !regexp.MustCompile(`(?m)^training_runs\s+1\s+0\s+0$`).MatchString(scans) || strings.Contains(scans, "teams") {
		t.Errorf("sequential scans section (training_runs once, teams not listed):\n%s", scans)
	}
	never := section("Indexes never used")
	if !regexp.MustCompile(`(?m)^training_runs\s+idx_training_hyperparams\s+.*drop candidate`).MatchString(never) ||
		!regexp.MustCompile(`(?m)^teams\s+teams_pkey\s+.*keep: enforces teams_pkey$`).MatchString(never) ||
		!regexp.MustCompile(`(?m)^models\s+idx_models_team\s+.*keep: deletes of a parent row probe it \(models_team_id_fkey\)$`).MatchString(never) {
		t.Errorf("never-used section:\n%s", never)
	}
	if !regexp.MustCompile(`\nstats: \d+ tables, \d+ indexes, \d+ never used \(\d+ drop candidates\)\n$`).MatchString(out) {
		t.Errorf("last line of\n%s", out)
	}
}

// TestStatsBadInput: exit 2 and one line for what stats cannot do.
func TestStatsBadInput(t *testing.T) {
	url := pgtest.NewURL(t)
	empty := pgtest.NewEmptyURL(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--database-url", url, "stats", "--format", "dot"}, `unknown format "dot" for stats (want text or json)`},
		{[]string{"--database-url", url, "stats", "models"}, `stats takes no arguments`},
		{[]string{"--database-url", empty, "stats"}, `migrate`},
	} {
		code, out, stderr := mlreg(t, c.args...)
		if code != 2 || out != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want %q)", c.args[2:], code, out, stderr, c.want)
		}
	}
}
