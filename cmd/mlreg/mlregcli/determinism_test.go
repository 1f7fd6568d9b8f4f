package mlregcli

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// TestSeededAlikeReportAlike: two registries seeded alike give the same
// reports. Challenge 2's "latest run" and the lineage's run order rest on
// created_at: the seed gives each run of a version its own time, and ties
// are broken by name, never left to the plan.
func TestSeededAlikeReportAlike(t *testing.T) {
	ctx := context.Background()
	a, b := seeded(t), seeded(t)
	for _, url := range []string{a, b} {
		var ties []string
		rows, err := dial(t, url).Query(ctx, `SELECT mv.semver, count(*) FROM training_runs r JOIN model_versions mv USING (version_id)
			GROUP BY mv.version_id, mv.semver, r.created_at HAVING count(*) > 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var semver string
			var n int
			if err := rows.Scan(&semver, &n); err != nil {
				t.Fatal(err)
			}
			ties = append(ties, fmt.Sprintf("%s: %d runs", semver, n))
		}
		if len(ties) > 0 {
			t.Errorf("runs of one version created at the same instant: %v", ties)
		}
	}
	production := func(url string) string {
		rows, err := registrydb.New(dial(t, url)).ReportProductionModels(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%s %s %s %s %s %v %v %s", r.ModelName, r.Semver, r.EnvironmentName, r.ApprovalStatus,
				derefString(r.RunName), deref(r.Accuracy), deref(r.F1Score), r.DatasetsUsed))
		}
		return strings.Join(out, "\n")
	}
	if pa, pb := production(a), production(b); pa != pb || !strings.Contains(pa, "sentiment-bert-lr-sweep") {
		t.Errorf("Challenge 2 differs between registries seeded alike, or does not pick the latest run:\n%s\n---\n%s", pa, pb)
	}
	// Lineage, ids and times aside.
	volatile := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\d[T ][0-9:.]+(Z|[+-]\d\d:\d\d)?`)
	for _, model := range []string{"sentiment-classifier", "fraud-detector", "product-recommender"} {
		for _, format := range []string{"text", "json", "dot", "mermaid"} {
			report := func(url string) string {
				code, out, stderr := mlreg(t, "--database-url", url, "lineage", model, "--format", format)
				if code != 0 {
					t.Fatalf("%s: %s", model, stderr)
				}
				return volatile.ReplaceAllString(out, "X")
			}
			if ra, rb := report(a), report(b); ra != rb {
				t.Errorf("lineage %s --format %s differs between registries seeded alike:\n%s\n---\n%s", model, format, ra, rb)
			}
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
