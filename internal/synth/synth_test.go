package synth

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// migrationEnvironments are the environments the migrations create.
var migrationEnvironments = []Environment{
	{1, "dev", "development"}, {2, "qa", "development"}, {3, "staging", "staging"},
	{4, "staging-eu", "staging"}, {5, "staging-us", "staging"}, {6, "canary", "canary"},
	{7, "prod", "production"}, {8, "prod-eu", "production"}, {9, "prod-us", "production"},
	{10, "prod-apac", "production"},
}

func testTags() []Tag {
	var tags []Tag
	for i, cv := range [][2]string{{"domain", "nlp"}, {"domain", "computer-vision"}, {"domain", "time-series"},
		{"domain", "recommendation"}, {"domain", "tabular"}, {"use-case", "classification"}, {"use-case", "regression"},
		{"use-case", "generation"}, {"use-case", "detection"}, {"use-case", "segmentation"}, {"priority", "critical"},
		{"priority", "high"}, {"priority", "medium"}, {"priority", "low"}, {"project", "synthetic-registry"},
		{"region", "us"}, {"region", "eu"}, {"region", "apac"}} {
		tags = append(tags, Tag{ID: uuid.UUID{byte(i + 1)}, Category: cv[0], Value: cv[1]})
	}
	return tags
}

// generated is every row a generator produces, runs and links included.
type generated struct {
	g           *Generator
	runs        []registrydb.TrainingRunInsertManyCopyFromParams
	links       []registrydb.RunDatasetInsertManyCopyFromParams
	deployments []registrydb.DeploymentInsertManyCopyFromParams
	modelTags   []registrydb.ModelTagInsertManyCopyFromParams
	datasetTags []registrydb.DatasetTagInsertManyCopyFromParams
}

// generate collects the streamed rows too; each streamed row is copied
// (with what it points to) since the generator reuses its chunks.
func generate(t *testing.T, size Size, seed uint64, chunk int) generated {
	t.Helper()
	g, err := New(size, seed)
	if err != nil {
		t.Fatal(err)
	}
	out := generated{g: g}
	err = g.Runs(chunk, func(rows []registrydb.TrainingRunInsertManyCopyFromParams) error {
		if len(rows) > chunk {
			t.Fatalf("chunk of %d rows, want at most %d", len(rows), chunk)
		}
		for _, r := range rows {
			out.runs = append(out.runs, deepCopy(t, r))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = g.RunDatasets(chunk, func(rows []registrydb.RunDatasetInsertManyCopyFromParams) error {
		for _, r := range rows {
			out.links = append(out.links, deepCopy(t, r))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.deployments, err = g.Deployments(migrationEnvironments); err != nil {
		t.Fatal(err)
	}
	out.modelTags, out.datasetTags = g.ModelTags(testTags()), g.DatasetTags(testTags())
	return out
}

func deepCopy[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var c T
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// digest hashes every row as JSON, table by table.
func (x generated) digest(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	for _, table := range []any{x.g.Teams(), x.g.Users(), x.g.Models(), x.g.Versions(), x.g.Datasets(),
		x.g.Experiments(), x.g.Approvals(), x.runs, x.links, x.deployments, x.modelTags, x.datasetTags} {
		writeJSON(t, h, table)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func writeJSON(t *testing.T, h hash.Hash, v any) {
	t.Helper()
	if err := json.NewEncoder(h).Encode(v); err != nil {
		t.Fatal(err)
	}
}

func TestParseSize(t *testing.T) {
	for _, name := range SizeNames() {
		s, err := ParseSize(name)
		if err != nil || s.Name != name {
			t.Errorf("ParseSize(%q) = %+v, %v", name, s, err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("size %s: %v", name, err)
		}
	}
	if s, err := ParseSize(" Small "); err != nil || s.Name != "small" {
		t.Errorf("ParseSize tolerates case and spaces: %+v, %v", s, err)
	}
	_, err := ParseSize("bogus")
	if err == nil || err.Error() != `unknown size "bogus" (want tiny, small, medium or large)` {
		t.Errorf("ParseSize(bogus): %v", err)
	}
	large := Sizes["large"]
	if large.Models < 10_000 || large.Versions < 100_000 || large.Runs < 1_000_000 || large.RunDatasets < 3_000_000 {
		t.Errorf("large is too small: %+v", large)
	}
	if small, medium := Sizes["small"], Sizes["medium"]; medium.Runs != 10*small.Runs || medium.Models != 10*small.Models {
		t.Errorf("medium is not 10x small: %+v %+v", small, medium)
	}
	if _, err := New(Size{Teams: 1, Users: 1, Models: 2, Versions: 1, Datasets: 10, Runs: 1, RunDatasets: 1}, 1); err == nil {
		t.Error("New accepted fewer versions than models")
	}
}

func TestDeterministic(t *testing.T) {
	size := Sizes["tiny"]
	a := generate(t, size, 1, 1000).digest(t)
	if b := generate(t, size, 1, 37).digest(t); a != b {
		t.Fatal("the same seed (in other chunk sizes) gave other rows")
	}
	if c := generate(t, size, 2, 1000).digest(t); a == c {
		t.Fatal("seeds 1 and 2 gave the same rows")
	}
}

func TestInvariantsTiny(t *testing.T)  { checkInvariants(t, generate(t, Sizes["tiny"], 1, 500)) }
func TestInvariantsSmall(t *testing.T) { checkInvariants(t, generate(t, Sizes["small"], 42, 10_000)) }

var (
	semverPattern   = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[a-z0-9]+)?$`)
	modelPattern    = regexp.MustCompile(`^[a-z0-9-]+$`)
	datasetPattern  = regexp.MustCompile(`^[a-z0-9_-]+$`)
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	emailPattern    = regexp.MustCompile(`(?i)^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`)
	frameworks      = []string{"pytorch", "tensorflow", "sklearn", "xgboost", "jax", "lightgbm", "catboost", "onnx", "huggingface"}
	formats         = []string{"parquet", "csv", "json", "avro", "tfrecord", "hdf5", "arrow"}
	classifications = []string{"public", "internal", "confidential", "restricted"}
)

// semverLess orders semantic versions as semver_sort_key does.
func semverLess(a, b string) bool {
	key := func(s string) string {
		m := semverPattern.FindStringSubmatch(s)
		k := ""
		for _, n := range m[1:4] {
			k += fmt.Sprintf("%09s.", n)
		}
		if m[4] == "" {
			return k + "~"
		}
		return k + m[4]
	}
	return key(a) < key(b)
}

// scaled reports whether x has at most digits decimals (numeric(p, digits)).
func scaled(x *float64, digits int) bool {
	if x == nil {
		return true
	}
	s := strconv.FormatFloat(*x, 'f', -1, 64)
	i := strings.IndexByte(s, '.')
	return i < 0 || len(s)-i-1 <= digits
}

// wholeSeconds reports whether the times survive PostgreSQL unchanged
// (whole seconds here, where it keeps microseconds).
func wholeSeconds(times ...*time.Time) bool {
	for _, tm := range times {
		if tm != nil && tm.Nanosecond() != 0 {
			return false
		}
	}
	return true
}

func checkInvariants(t *testing.T, x generated) {
	g, size := x.g, x.g.Size()
	counts := map[string][2]int{
		"teams": {len(g.Teams()), size.Teams}, "users": {len(g.Users()), size.Users},
		"models": {len(g.Models()), size.Models}, "versions": {len(g.Versions()), size.Versions},
		"datasets": {len(g.Datasets()), size.Datasets}, "runs": {len(x.runs), size.Runs},
		"run_datasets": {len(x.links), size.RunDatasets},
	}
	for table, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%s: %d rows, want %d", table, c[0], c[1])
		}
	}
	ids := map[uuid.UUID]string{}
	unique := func(kind string, id uuid.UUID) {
		if id.Version() != 4 || id.Variant() != uuid.RFC4122 {
			t.Errorf("%s id %s is not a version 4 UUID", kind, id)
		}
		if other, dup := ids[id]; dup {
			t.Errorf("%s id %s also names a %s", kind, id, other)
		}
		ids[id] = kind
	}
	names := map[string]bool{}
	uniqueName := func(kind, name string) {
		if names[kind+"/"+name] {
			t.Errorf("duplicate %s name %q", kind, name)
		}
		names[kind+"/"+name] = true
	}

	teams := map[uuid.UUID]bool{}
	for _, tm := range g.Teams() {
		unique("team", tm.TeamID)
		uniqueName("team", tm.TeamName)
		teams[tm.TeamID] = true
		if !emailPattern.MatchString(*tm.TeamEmail) {
			t.Errorf("team email %q", *tm.TeamEmail)
		}
	}
	users := map[string]bool{}
	for _, u := range g.Users() {
		unique("user", u.UserID)
		uniqueName("user", u.Username)
		uniqueName("email", u.Email)
		users[u.Username] = true
		if !usernamePattern.MatchString(u.Username) || !emailPattern.MatchString(u.Email) || !teams[*u.TeamID] {
			t.Errorf("user %+v", u)
		}
	}
	models := map[uuid.UUID]registrydb.ModelInsertManyCopyFromParams{}
	for _, m := range g.Models() {
		unique("model", m.ModelID)
		uniqueName("model", m.ModelName)
		models[m.ModelID] = m
		if !modelPattern.MatchString(m.ModelName) || !slices.Contains([]string{"low", "medium", "high", "critical"}, *m.RiskLevel) ||
			!teams[*m.TeamID] || !users[*m.CreatedBy] || m.UpdatedAt.Before(*m.CreatedAt) {
			t.Errorf("model %+v", m)
		}
	}
	datasets := map[uuid.UUID]registrydb.DatasetInsertManyCopyFromParams{}
	for _, d := range g.Datasets() {
		unique("dataset", d.DatasetID)
		uniqueName("dataset", d.DatasetName)
		datasets[d.DatasetID] = d
		if !datasetPattern.MatchString(d.DatasetName) || !slices.Contains(formats, *d.StorageFormat) ||
			!slices.Contains(classifications, *d.DataClassification) || d.FreshnessSLAHours != nil ||
			!scaled(d.StorageSizeGb, 2) || !teams[*d.TeamID] {
			t.Errorf("dataset %+v", d)
		}
	}
	experiments := map[uuid.UUID]registrydb.ExperimentInsertManyCopyFromParams{}
	for _, e := range g.Experiments() {
		unique("experiment", e.ExperimentID)
		uniqueName("experiment", e.ExperimentName)
		experiments[e.ExperimentID] = e
		if _, ok := models[*e.ModelID]; !ok {
			t.Errorf("experiment %s of no model", e.ExperimentName)
		}
	}

	// Versions: valid, unique and registered in semantic order per model,
	// with the lifecycle's timestamps.
	versions := map[uuid.UUID]registrydb.ModelVersionInsertManyCopyFromParams{}
	byModel := map[uuid.UUID][]registrydb.ModelVersionInsertManyCopyFromParams{}
	statuses := map[string]int{}
	for _, v := range g.Versions() {
		unique("version", v.VersionID)
		versions[v.VersionID] = v
		statuses[v.Status]++
		if _, ok := models[v.ModelID]; !ok {
			t.Fatalf("version %s of no model", v.Semver)
		}
		if !wholeSeconds(v.RegisteredAt, v.PromotedToProductionAt, v.DeprecatedAt) {
			t.Errorf("version %s: times finer than PostgreSQL keeps", v.Semver)
		}
		if !semverPattern.MatchString(v.Semver) || !slices.Contains(frameworks, v.Framework) ||
			len(*v.ChecksumSHA256) != 64 || !users[v.RegisteredBy] || !scaled(v.BenchmarkAccuracy, 4) ||
			*v.BenchmarkAccuracy >= 10 || !scaled(v.ArtifactSizeMb, 2) {
			t.Errorf("version %+v", v)
		}
		switch v.Status {
		case "registered", "validated":
			if v.PromotedToProductionAt != nil || v.DeprecatedAt != nil {
				t.Errorf("%s version %s has lifecycle times", v.Status, v.Semver)
			}
		case "deployed":
			if v.PromotedToProductionAt == nil || v.DeprecatedAt != nil {
				t.Errorf("deployed version %s: promoted %v deprecated %v", v.Semver, v.PromotedToProductionAt, v.DeprecatedAt)
			}
		case "deprecated", "archived":
			if v.DeprecatedAt == nil || v.DeprecationReason == nil ||
				v.PromotedToProductionAt != nil && !v.PromotedToProductionAt.Before(*v.DeprecatedAt) {
				t.Errorf("%s version %s: promoted %v deprecated %v", v.Status, v.Semver, v.PromotedToProductionAt, v.DeprecatedAt)
			}
		default:
			t.Errorf("version status %q", v.Status)
		}
		byModel[v.ModelID] = append(byModel[v.ModelID], v)
	}
	for _, s := range []string{"registered", "validated", "deployed", "deprecated", "archived"} {
		if statuses[s] == 0 {
			t.Errorf("no %s version", s)
		}
	}
	for id, vs := range byModel {
		seen := map[string]bool{}
		deployed := 0
		for i, v := range vs {
			if seen[v.Semver] {
				t.Errorf("model %s: semver %s twice", models[id].ModelName, v.Semver)
			}
			seen[v.Semver] = true
			if i > 0 && (!semverLess(vs[i-1].Semver, v.Semver) || !vs[i-1].RegisteredAt.Before(*v.RegisteredAt)) {
				t.Errorf("model %s: %s registered after %s", models[id].ModelName, vs[i-1].Semver, v.Semver)
			}
			if v.Status == "deployed" {
				deployed++
			}
		}
		if deployed > 1 {
			t.Errorf("model %s: %d deployed versions", models[id].ModelName, deployed)
		}
	}

	// Approvals: CHECK approval_xor, and approved before anything uses them.
	approved := map[uuid.UUID][]registrydb.ApprovalInsertManyCopyFromParams{}
	for _, a := range g.Approvals() {
		unique("approval", a.ApprovalID)
		if _, ok := versions[a.VersionID]; !ok {
			t.Errorf("approval of no version")
		}
		ok := slices.Contains([]string{"compliance", "security", "legal", "business", "technical"}, a.ApprovalType)
		switch a.Status {
		case "approved":
			ok = ok && a.ApprovedBy != nil && a.ApprovedAt != nil && a.RejectedBy == nil && a.ApprovedAt.After(*a.RequestedAt)
			approved[a.VersionID] = append(approved[a.VersionID], a)
			if a.ExpiresAt != nil && !a.ExpiresAt.After(time.Now()) {
				t.Errorf("approval approved past its expiry %v", a.ExpiresAt)
			}
		case "rejected":
			ok = ok && a.RejectedBy != nil && a.RejectedAt != nil && a.ApprovedBy == nil
		case "pending", "expired":
		default:
			ok = false
		}
		if !wholeSeconds(a.RequestedAt, a.ApprovedAt, a.RejectedAt, a.ExpiresAt) {
			t.Errorf("approval: times finer than PostgreSQL keeps")
		}
		if !ok || !scaled(a.RiskAssessmentScore, 1) || *a.RiskAssessmentScore >= 100 {
			t.Errorf("approval %+v", a)
		}
	}

	// Runs: CHECK completed_timestamp, completed_after_started, valid_metrics.
	runVersion := map[uuid.UUID]uuid.UUID{}
	runStatuses := map[string]int{}
	for _, r := range x.runs {
		unique("run", r.RunID)
		runVersion[r.RunID] = r.VersionID
		runStatuses[r.Status]++
		if _, ok := versions[r.VersionID]; !ok {
			t.Fatalf("run of no version")
		}
		if e, ok := experiments[*r.ExperimentID]; !ok || e.ExperimentName != *r.ExperimentName || *e.ModelID != versions[r.VersionID].ModelID {
			t.Errorf("run %s: experiment %v of another model", *r.RunName, r.ExperimentName)
		}
		terminal := slices.Contains([]string{"succeeded", "failed", "cancelled", "timeout"}, r.Status)
		running := r.Status == "queued" || r.Status == "running"
		if !(terminal && r.CompletedAt != nil || running && r.CompletedAt == nil) ||
			r.CompletedAt != nil && (r.StartedAt == nil || r.CompletedAt.Before(*r.StartedAt)) {
			t.Errorf("run %s: status %s started %v completed %v", *r.RunName, r.Status, r.StartedAt, r.CompletedAt)
		}
		for _, m := range []*float64{r.Accuracy, r.PrecisionScore, r.RecallScore, r.F1Score} {
			if m != nil && (*m < 0 || *m > 1 || !scaled(m, 4)) {
				t.Errorf("run %s: metric %v", *r.RunName, *m)
			}
		}
		if !wholeSeconds(r.CreatedAt, r.StartedAt, r.CompletedAt) {
			t.Errorf("run %s: times finer than PostgreSQL keeps", *r.RunName)
		}
		if *r.GPUCount < 0 || !scaled(r.GPUHours, 2) || !scaled(r.Loss, 5) || !scaled(r.EstimatedCostUSD, 2) || !users[*r.StartedBy] {
			t.Errorf("run %+v", r)
		}
		if !json.Valid(r.Hyperparameters) {
			t.Errorf("run %s: hyperparameters %s", *r.RunName, r.Hyperparameters)
		}
	}
	for _, s := range []string{"succeeded", "failed", "cancelled", "timeout", "running", "queued"} {
		if runStatuses[s] == 0 && size.Runs >= 10_000 {
			t.Errorf("no %s run", s)
		}
	}

	// Deployments: one active per model and environment, approvals first.
	envs := map[int32]Environment{}
	for _, e := range migrationEnvironments {
		envs[e.ID] = e
	}
	traffic := map[string]int32{}
	pairs := map[string]bool{}
	liveInProduction := map[uuid.UUID]bool{}
	for i, d := range x.deployments {
		if i > 0 && d.Status != "active" && x.deployments[i-1].Status == "active" {
			t.Errorf("deployment %d is past, after live ones", i)
		}
		unique("deployment", d.DeploymentID)
		v, ok := versions[d.VersionID]
		env, envOK := envs[d.EnvironmentID]
		if !ok || !envOK {
			t.Fatalf("deployment of no version or environment")
		}
		key := fmt.Sprint(d.EnvironmentID, d.VersionID, d.DeployedAt.UnixNano())
		if pairs[key] {
			t.Errorf("unique_env_deployment violated")
		}
		pairs[key] = true
		if *d.TrafficPercentage < 0 || *d.TrafficPercentage > 100 || *d.Replicas < 1 ||
			d.TargetAvailabilityPercent != nil && *d.TargetAvailabilityPercent > 100 || !users[d.DeployedBy] {
			t.Errorf("deployment %+v", d)
		}
		if d.Status != "active" {
			if d.Status != "inactive" || d.UndeployedAt == nil || !d.UndeployedAt.After(*d.DeployedAt) {
				t.Errorf("past deployment %+v", d)
			}
			continue
		}
		if d.UndeployedAt != nil {
			t.Errorf("active deployment undeployed")
		}
		if v.Status == "deprecated" || v.Status == "archived" {
			t.Errorf("active deployment of %s version %s", v.Status, v.Semver)
		}
		traffic[fmt.Sprint(v.ModelID, d.EnvironmentID)] += *d.TrafficPercentage
		if env.Type != "production" {
			continue
		}
		liveInProduction[d.VersionID] = true
		if v.Status != "deployed" {
			t.Errorf("version %s in production is %s", v.Semver, v.Status)
		}
		found := false
		for _, a := range approved[d.VersionID] {
			found = found || a.ApprovalType == "compliance" && a.ApprovedAt.Before(*d.DeployedAt)
		}
		if !found {
			t.Errorf("model %s %s is live in %s without a compliance approval approved before it",
				models[v.ModelID].ModelName, v.Semver, env.Name)
		}
	}
	for key, sum := range traffic {
		if sum > 100 {
			t.Errorf("active traffic %d%% for model/environment %s", sum, key)
		}
	}
	for _, v := range g.Versions() {
		if v.Status == "deployed" && !liveInProduction[v.VersionID] {
			t.Errorf("deployed version %s is not live in production", v.Semver)
		}
	}

	// Links: distinct datasets per run, no PII behind production.
	linked := map[[2]uuid.UUID]bool{}
	perRun := map[uuid.UUID]int{}
	for _, l := range x.links {
		d, ok := datasets[l.DatasetID]
		if _, runOK := runVersion[l.RunID]; !ok || !runOK {
			t.Fatalf("link to no run or dataset")
		}
		key := [2]uuid.UUID{l.RunID, l.DatasetID}
		if linked[key] {
			t.Errorf("run %s uses dataset %s twice", l.RunID, d.DatasetName)
		}
		linked[key] = true
		perRun[l.RunID]++
		if !slices.Contains([]string{"training", "validation", "test", "calibration"}, l.DatasetRole) {
			t.Errorf("role %q", l.DatasetRole)
		}
		if *d.ContainsPII && liveInProduction[runVersion[l.RunID]] {
			t.Errorf("PII dataset %s trains a version live in production", d.DatasetName)
		}
	}
	if len(perRun) != len(x.runs) {
		t.Errorf("%d of %d runs have datasets", len(perRun), len(x.runs))
	}

	tagged := map[[2]uuid.UUID]bool{}
	for _, mt := range x.modelTags {
		if tagged[[2]uuid.UUID{mt.ModelID, mt.TagID}] {
			t.Error("model tagged twice")
		}
		tagged[[2]uuid.UUID{mt.ModelID, mt.TagID}] = true
	}
	if len(x.modelTags) < len(g.Models()) || len(x.datasetTags) < len(g.Datasets()) {
		t.Errorf("%d model tags, %d dataset tags", len(x.modelTags), len(x.datasetTags))
	}
}

func TestDeploymentsNeedEnvironments(t *testing.T) {
	g, err := New(Sizes["tiny"], 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Deployments(migrationEnvironments[:6]); err == nil || !strings.Contains(err.Error(), "production") {
		t.Errorf("deployments without a production environment: %v", err)
	}
	// The fewest environments: one of each required type.
	few := []Environment{{1, "dev", "development"}, {3, "staging", "staging"}, {7, "prod", "production"}}
	d, err := g.Deployments(few)
	if err != nil || len(d) == 0 {
		t.Fatalf("%d deployments, %v", len(d), err)
	}
}
