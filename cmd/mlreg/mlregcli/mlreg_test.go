package mlregcli

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/synth"
	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// mlreg runs the command in-process and returns its exit code and output.
func mlreg(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := RunContext(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func seeded(t *testing.T) string {
	t.Helper()
	url := pgtest.NewURL(t)
	if code, _, stderr := mlreg(t, "--database-url", url, "seed"); code != 0 {
		t.Fatalf("seed: exit %d: %s", code, stderr)
	}
	return url
}

// dial opens a connection of the test's own to url, closed when it ends.
func dial(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// exec runs SQL on the database directly, as an administrator would.
func exec(t *testing.T, url, sql string) {
	t.Helper()
	if _, err := dial(t, url).Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func snapshot(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	conn := dial(t, url)
	var s string
	err := conn.QueryRow(ctx, `SELECT concat_ws('|',
		(SELECT json_agg(m ORDER BY model_name) FROM models m),
		(SELECT json_agg(v ORDER BY version_id) FROM model_versions v),
		(SELECT json_agg(r ORDER BY run_id) FROM training_runs r),
		(SELECT json_agg(d ORDER BY deployment_id) FROM deployments d),
		(SELECT json_agg(a ORDER BY approval_id) FROM approvals a),
		(SELECT count(*) FROM run_datasets), (SELECT count(*) FROM model_tags), (SELECT count(*) FROM dataset_tags),
		(SELECT count(*) FROM teams), (SELECT count(*) FROM users), (SELECT count(*) FROM datasets))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeedTwiceChangesNothing(t *testing.T) {
	url := seeded(t)
	before := snapshot(t, url)
	code, out, stderr := mlreg(t, "--database-url", url, "seed")
	if code != 0 {
		t.Fatalf("second seed: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "(0 new rows)") {
		t.Errorf("second seed output: %q", out)
	}
	if after := snapshot(t, url); after != before {
		t.Fatal("the second seed changed the registry")
	}
}

func TestSeedFailureLeavesNothing(t *testing.T) {
	url := pgtest.NewURL(t)
	// A user holding alice's email makes the seed fail after it has created teams.
	exec(t, url, `INSERT INTO users (username, email) VALUES ('impostor', 'alice@example.com')`)
	code, _, stderr := mlreg(t, "--database-url", url, "seed")
	if code != 2 || !strings.Contains(stderr, "nothing was loaded") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("seed over a conflicting user: exit %d, stderr %q", code, stderr)
	}
	if teams := rowCounts(t, url).Teams; teams != 0 {
		t.Fatalf("teams after a failed seed: %d", teams)
	}
}

func TestCheckPassesOnSeedAndFailsOnCorruption(t *testing.T) {
	url := seeded(t)
	code, out, stderr := mlreg(t, "--database-url", url, "check")
	if code != 0 {
		t.Fatalf("check on the seeded registry: exit %d\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, "models-without-versions") || !strings.Contains(out, "0 errors") {
		t.Errorf("check output lacks the expected warning:\n%s", out)
	}

	// Rows that bypassed the constraints, as a restored dump or a load with
	// triggers disabled would leave them.
	exec(t, url, `
		SET session_replication_role = replica;
		INSERT INTO model_versions (model_id, semver, artifact_uri, framework, registered_by)
		VALUES (gen_random_uuid(), '9.9.9', 's3://ghost/', 'onnx', 'nobody');
		INSERT INTO deployments (version_id, environment_id, deployed_by, traffic_percentage)
		SELECT version_id, (SELECT environment_id FROM environments WHERE environment_name = 'prod-us'), 'mallory', 50
		FROM model_versions WHERE semver = '2.0.0';
		UPDATE approvals SET status = 'approved', approved_by = 'x', approved_at = now(), expires_at = now() - interval '1 day'
		WHERE approval_type = 'legal';`)
	code, out, _ = mlreg(t, "--database-url", url, "check", "--format", "json")
	if code != 1 {
		t.Fatalf("check on corrupted data: exit %d, want 1\n%s", code, out)
	}
	var report struct {
		OK       bool
		Findings []integrity.Finding
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("check --format json: %v\n%s", err, out)
	}
	found := map[string]bool{}
	for _, f := range report.Findings {
		found[f.Check] = true
	}
	for _, want := range []string{"orphaned-versions", "traffic-over-100-percent", "approved-past-expiry"} {
		if !found[want] {
			t.Errorf("check did not report %s: %+v", want, report.Findings)
		}
	}
	if report.OK {
		t.Error("report says ok with error findings")
	}
}

func TestLineage(t *testing.T) {
	url := seeded(t)
	code, out, stderr := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var l lineage.Report
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Versions) != 2 || l.Versions[0].Semver != "10.0.0-beta" || l.Versions[1].Semver != "2.0.0" {
		t.Fatalf("versions not in semantic order: %+v", l.Versions)
	}
	v2 := l.Versions[1]
	if len(v2.Runs) != 1 || len(v2.Runs[0].Datasets) != 3 || len(v2.Deployments) != 3 || len(v2.Approvals) != 3 {
		t.Fatalf("2.0.0 lineage: %+v", v2)
	}
	for _, format := range []string{"text", "dot", "mermaid"} {
		code, out, _ := mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--format", format)
		if code != 0 || !strings.Contains(out, "transaction-logs") {
			t.Errorf("--format %s: exit %d\n%s", format, code, out)
		}
	}
	// In 2000 the registry did not have the model's versions yet.
	code, out, _ = mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--at", "2000-01-01", "--format", "json")
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || len(l.Versions) != 0 || l.At == nil {
		t.Fatalf("--at 2000-01-01: exit %d, %+v", code, l)
	}
	code, _, stderr = mlreg(t, "--database-url", url, "lineage", "fraud-detector", "--version", "2.0.0", "--at", "2000-01-01")
	if code != 2 || !strings.Contains(stderr, `model "fraud-detector" had no version 2.0.0 at 2000-01-01T00:00:00Z`) {
		t.Fatalf("--version 2.0.0 --at 2000-01-01: exit %d, %q", code, stderr)
	}
}

func TestImpact(t *testing.T) {
	url := seeded(t)
	code, out, stderr := mlreg(t, "--database-url", url, "impact", "transaction-logs", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var im lineage.ImpactReport
	if err := json.Unmarshal([]byte(out), &im); err != nil {
		t.Fatal(err)
	}
	if !im.ContainsPII || len(im.Runs) != 2 || len(im.ActiveDeployments) != 4 {
		t.Fatalf("impact of transaction-logs: %+v", im)
	}
}

// TestBadInput: one line on stderr, exit 2, no stack trace, no password.
func TestBadInput(t *testing.T) {
	url := seeded(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown model", []string{"--database-url", url, "lineage", "fraud-detektor"}, `no model named "fraud-detektor" (closest: fraud-detector)`},
		{"unknown dataset", []string{"--database-url", url, "impact", "transaction-log"}, `no dataset named "transaction-log" (closest: transaction-logs)`},
		{"bad semver", []string{"--database-url", url, "lineage", "fraud-detector", "--version", "2.0"}, `--version "2.0": want`},
		{"bad format", []string{"--database-url", url, "check", "--format", "xml"}, `unknown format "xml"`},
		{"bad time", []string{"--database-url", url, "lineage", "fraud-detector", "--at", "yesterday"}, `--at "yesterday": want`},
		{"unknown command", []string{"--database-url", url, "frobnicate"}, `unknown command "frobnicate"`},
		{"no database", []string{"check"}, "no database"},
		{"empty database URL", []string{"--database-url", "", "check"}, "--database-url was given an empty value"},
		{"closed port", []string{"--database-url", "postgres://admin:s3cret-pw@127.0.0.1:1/registry", "check"}, "cannot connect to database at 127.0.0.1:1/registry"},
		{"malformed url", []string{"--database-url", "postgres://admin:s3cret-pw@127.0.0.1:notaport/x", "check"}, "database URL is malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := mlreg(t, c.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not contain %q", stderr, c.want)
			}
			if strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "goroutine") {
				t.Errorf("want one line, got %q", stderr)
			}
			if strings.Contains(stderr, "s3cret-pw") {
				t.Errorf("password printed: %q", stderr)
			}
		})
	}
}

// rowCounts reads every table's row count through the generated ReportRowCounts.
func rowCounts(t *testing.T, url string) registrydb.ReportRowCountsRow {
	t.Helper()
	counts, err := registrydb.New(dial(t, url)).ReportRowCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

func TestSeedScaleTiny(t *testing.T) {
	url := pgtest.NewURL(t)
	before := rowCounts(t, url)
	code, out, stderr := mlreg(t, "--database-url", url, "seed", "--scale", "tiny", "--rand-seed", "1")
	if code != 0 {
		t.Fatalf("seed --scale tiny: exit %d: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr is not a terminal, yet seed wrote to it: %q", stderr)
	}
	g, err := synth.New(synth.Sizes["tiny"], 1)
	if err != nil {
		t.Fatal(err)
	}
	got := rowCounts(t, url)
	want := map[string][2]int64{
		"teams":          {got.Teams, int64(len(g.Teams()))},
		"users":          {got.Users, int64(len(g.Users()))},
		"models":         {got.Models, int64(len(g.Models()))},
		"model_versions": {got.ModelVersions, int64(len(g.Versions()))},
		"datasets":       {got.Datasets, int64(len(g.Datasets()))},
		"experiments":    {got.Experiments, int64(len(g.Experiments()))},
		"approvals":      {got.Approvals, int64(len(g.Approvals()))},
		"training_runs":  {got.TrainingRuns, 1_000},
		"run_datasets":   {got.RunDatasets, 3_000},
		"environments":   {got.Environments, before.Environments}, // the migrations' are reused
		"tags":           {got.Tags, before.Tags + int64(len(synth.WantedTags))},
	}
	for table, c := range want {
		if c[0] != c[1] {
			t.Errorf("%s: %d rows, want %d", table, c[0], c[1])
		}
	}
	if got.Deployments == 0 || got.ModelTags == 0 || got.DatasetTags == 0 {
		t.Errorf("no deployments or tags: %+v", got)
	}
	// The summary names every table with the rows the database has.
	for table, n := range map[string]int64{"training_runs": got.TrainingRuns, "run_datasets": got.RunDatasets,
		"deployments": got.Deployments, "approvals": got.Approvals, "model_tags": got.ModelTags} {
		if !regexp.MustCompile(`(?m)^\s+` + table + `\s+` + strconv.FormatInt(n, 10) + `\s`).MatchString(out) {
			t.Errorf("summary lacks %s %d:\n%s", table, n, out)
		}
	}
	total := got.Teams + got.Users + got.Models + got.ModelVersions + got.Datasets + got.Experiments + got.Approvals +
		got.TrainingRuns + got.RunDatasets + got.Deployments + got.ModelTags + got.DatasetTags + int64(len(synth.WantedTags))
	if !regexp.MustCompile(`(?m)^seed: ` + strconv.FormatInt(total, 10) + ` rows in [0-9.]+ s \([0-9]+ rows/s\)$`).MatchString(out) {
		t.Errorf("summary lacks the total of %d rows:\n%s", total, out)
	}

	// Clean under every integrity check, warnings included.
	code, out, stderr = mlreg(t, "--database-url", url, "check")
	if code != 0 || !strings.Contains(out, "no findings") {
		t.Fatalf("check on a scale-seeded registry: exit %d\n%s%s", code, out, stderr)
	}

	// A second load is refused in one line and changes nothing.
	code, _, stderr = mlreg(t, "--database-url", url, "seed", "--scale", "tiny")
	if code != 2 || !strings.Contains(stderr, "already has 40 models") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("second seed --scale: exit %d, stderr %q", code, stderr)
	}
	if after := rowCounts(t, url); after != got {
		t.Fatalf("the refused seed changed the registry: %+v, was %+v", after, got)
	}
}

func TestSeedScaleSameSeedSameRegistry(t *testing.T) {
	load := func(seed string) string {
		url := pgtest.NewURL(t)
		if code, _, stderr := mlreg(t, "--database-url", url, "seed", "--scale", "tiny", "--rand-seed", seed); code != 0 {
			t.Fatalf("seed --scale tiny --rand-seed %s: exit %d: %s", seed, code, stderr)
		}
		return snapshot(t, url)
	}
	a, b := load("1"), load("1")
	if a != b {
		t.Fatal("two loads with rand seed 1 differ")
	}
	if c := load("2"); c == a {
		t.Fatal("rand seeds 1 and 2 gave the same registry")
	}
}

func TestSeedScaleBadInput(t *testing.T) {
	url := "postgres://nobody@127.0.0.1:1/none" // never reached: the arguments are refused first
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--scale", "bogus"}, `seed: unknown size "bogus" (want tiny, small, medium or large)`},
		{[]string{"--scale", "tiny", "--rand-seed", "1.5"}, `seed: --rand-seed "1.5" is not an integer`},
		{[]string{"--scale", "tiny", "--rand-seed", "seven"}, `seed: --rand-seed "seven" is not an integer`},
		{[]string{"--rand-seed", "3"}, "seed: --rand-seed goes with --scale"},
		{[]string{"--scale"}, "flag needs an argument"},
		{[]string{"--scale", "tiny", "extra"}, `seed takes no arguments, got "extra"`},
	}
	for _, c := range cases {
		code, _, stderr := mlreg(t, append([]string{"--database-url", url, "seed"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("seed %v: exit %d, stderr %q, want exit 2 and one line with %q", c.args, code, stderr, c.want)
		}
	}
}

// TestSeedScaleCancelLeavesNothing cancels the load once training runs are
// in (as Ctrl-C would): the one transaction leaves no synthetic row behind.
func TestSeedScaleCancelLeavesNothing(t *testing.T) {
	url := pgtest.NewURL(t)
	before := rowCounts(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen []string
	pool, err := registry.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	_, err = seed.Scale(ctx, pool, synth.Sizes["tiny"], seed.ScaleOptions{Seed: 1, Actor: "test",
		Progress: func(table string, done, total int64) {
			seen = append(seen, table)
			if table == "training_runs" && done > 0 {
				cancel()
			}
		}})
	if err == nil || !strings.Contains(err.Error(), "nothing was loaded") {
		t.Fatalf("cancelled seed: %v", err)
	}
	if !slices.Contains(seen, "approvals") || slices.Contains(seen, "deployments") {
		t.Fatalf("not cancelled half-way: loaded %v", seen)
	}
	if after := rowCounts(t, url); after != before {
		t.Fatalf("a cancelled seed left rows: %+v, was %+v", after, before)
	}
}

func TestSeedProgressBar(t *testing.T) {
	var buf bytes.Buffer
	bar := &progressBar{w: &buf, label: "seed tiny", start: time.Now()}
	bar.update("training_runs", 50, 200)
	bar.update("training_runs", 60, 200) // within 100ms: not redrawn
	bar.update("dataset_tags", 200, 200) // the last one always is
	bar.clear()
	out := buf.String()
	if strings.Count(out, "\r") != 3 || !strings.Contains(out, " 25% training_runs") || !strings.Contains(out, "100% dataset_tags") ||
		!strings.HasSuffix(out, "\r\033[K") || strings.Contains(out, "\n") {
		t.Errorf("progress bar drew %q", out)
	}
	var none bytes.Buffer
	(&progressBar{w: &none}).clear()
	if none.Len() != 0 {
		t.Errorf("clearing a bar never drawn wrote %q", none.String())
	}
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestConcurrentSeeds: four `mlreg seed` at once on one new registry all
// succeed and leave the rows of one seed (before: 3 of 4 failed with
// "already exists", although seed is documented as idempotent).
func TestConcurrentSeeds(t *testing.T) {
	url := pgtest.NewURL(t)
	type result struct {
		code   int
		stderr string
	}
	results := make([]result, 4)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i].code, _, results[i].stderr = mlreg(t, "--database-url", url, "seed")
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("seed %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	once := seeded(t)
	if got, want := snapshotCounts(t, url), snapshotCounts(t, once); got != want {
		t.Fatalf("four seeds at once left %s, one seed leaves %s", got, want)
	}
}

// snapshotCounts is the row count of every table the sample seed fills.
func snapshotCounts(t *testing.T, url string) string {
	t.Helper()
	var s string
	err := dial(t, url).QueryRow(context.Background(), `SELECT concat_ws(',',
		(SELECT count(*) FROM teams), (SELECT count(*) FROM users), (SELECT count(*) FROM models),
		(SELECT count(*) FROM model_versions), (SELECT count(*) FROM datasets), (SELECT count(*) FROM experiments),
		(SELECT count(*) FROM training_runs), (SELECT count(*) FROM run_datasets), (SELECT count(*) FROM deployments),
		(SELECT count(*) FROM approvals), (SELECT count(*) FROM model_tags), (SELECT count(*) FROM dataset_tags),
		(SELECT count(*) FROM model_aliases))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
