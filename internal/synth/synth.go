// Package synth generates a synthetic model registry of a chosen size for
// `mlreg seed --scale`: teams, users, models, versions, datasets,
// experiments, approvals, training runs with their dataset links,
// deployments and tags, as rows of the generated ...CopyFrom parameters.
//
// Generation is deterministic: the same Size and seed give the same rows,
// byte for byte, whatever the machine or the clock. Every identifier is a
// version-4 UUID drawn from a math/rand/v2 PCG source, so rows can name each
// other without reading anything back, and every time lies a few years
// before Epoch or days after it.
//
// Teams, users, models, versions, datasets, experiments, approvals and
// deployments (a few per model) are planned in memory. Training runs and
// run-dataset links, the bulk of the rows, are produced in chunks by Runs
// and RunDatasets: run i draws from its own PCG stream, seeded from (seed, i),
// so neither needs the rows before it.
//
// The rows satisfy every CHECK constraint and trigger of the schema and
// every integrity check of `mlreg check`: semvers are unique per model and
// registered in semantic order; each version's status follows the lifecycle
// registered -> validated -> deployed -> deprecated -> archived with the
// matching timestamps; each model has at most one active deployment per
// environment (so active traffic never exceeds 100 percent); every version
// that was ever deployed to production has an approved compliance approval
// without expiry, requested and approved before that deployment; and the
// runs of versions live in production use no dataset containing PII.
// Datasets have no freshness SLA, so that none is ever reported stale.
package synth

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// Epoch anchors every generated time: history runs up to it, and the last
// deployments and runs of a model follow it by at most a few weeks.
var Epoch = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// Size is how many rows of each kind a synthetic registry has. Experiments,
// approvals, deployments and tag links follow from the others.
type Size struct {
	Name        string
	Teams       int
	Users       int
	Models      int
	Versions    int
	Datasets    int
	Runs        int
	RunDatasets int
}

// Sizes are the named sizes ParseSize accepts.
var Sizes = map[string]Size{
	"tiny":   {Name: "tiny", Teams: 4, Users: 24, Models: 40, Versions: 200, Datasets: 40, Runs: 1_000, RunDatasets: 3_000},
	"small":  {Name: "small", Teams: 20, Users: 200, Models: 500, Versions: 5_000, Datasets: 300, Runs: 50_000, RunDatasets: 150_000},
	"medium": {Name: "medium", Teams: 200, Users: 2_000, Models: 5_000, Versions: 50_000, Datasets: 3_000, Runs: 500_000, RunDatasets: 1_500_000},
	"large":  {Name: "large", Teams: 400, Users: 4_000, Models: 10_000, Versions: 100_000, Datasets: 5_000, Runs: 1_000_000, RunDatasets: 3_000_000},
}

// SizeNames lists the named sizes, smallest first.
func SizeNames() []string { return []string{"tiny", "small", "medium", "large"} }

// ParseSize returns the named size, or a one-line error listing the valid ones.
func ParseSize(name string) (Size, error) {
	if s, ok := Sizes[strings.ToLower(strings.TrimSpace(name))]; ok {
		return s, nil
	}
	names := SizeNames()
	return Size{}, fmt.Errorf("unknown size %q (want %s or %s)", name,
		strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// Validate reports a size the generator cannot honour.
func (s Size) Validate() error {
	switch {
	case s.Teams < 1 || s.Models < 1:
		return errors.New("a synthetic registry needs at least one team and one model")
	case s.Users < s.Teams:
		return errors.New("a synthetic registry needs at least one user per team")
	case s.Versions < s.Models:
		return errors.New("a synthetic registry needs at least one version per model")
	case s.Datasets < minDatasets:
		return fmt.Errorf("a synthetic registry needs at least %d datasets", minDatasets)
	case s.Runs < s.Versions:
		return errors.New("a synthetic registry needs at least one training run per version")
	case s.RunDatasets < s.Runs || s.RunDatasets > maxLinksPerRun*s.Runs:
		return fmt.Errorf("a synthetic registry needs 1 to %d dataset links per training run", maxLinksPerRun)
	}
	return nil
}

// Environment is an existing deployment environment the generator may deploy to.
type Environment struct {
	ID   int32
	Name string
	Type string
}

// RequiredEnvironmentTypes are the environment types Deployments needs at
// least one environment of; canary environments are used when present.
var RequiredEnvironmentTypes = []string{"development", "staging", "production"}

// Tag is an existing tag the generator may attach to models and datasets.
type Tag struct {
	ID       uuid.UUID
	Category string
	Value    string
}

// WantedTags are the tags the generator attaches beyond the domain,
// use-case and priority tags the migrations create; a loader creates those
// missing before calling ModelTags and DatasetTags.
var WantedTags = []struct{ Category, Value, Description string }{
	{"project", "synthetic-registry", "Generated by mlreg seed --scale"},
	{"region", "us", "Serves the United States"},
	{"region", "eu", "Serves Europe"},
	{"region", "apac", "Serves Asia Pacific"},
}

const (
	minDatasets    = 10 // the first 10 datasets never contain PII
	maxLinksPerRun = 5
	poolSafe       = 8 // datasets without PII in each model's pool
	poolAny        = 4 // further datasets of any kind in the pool
	day            = 24 * time.Hour

	streamPlan   = 1
	streamRun    = 2
	streamLink   = 3
	streamDeploy = 4
	streamTag    = 5
)

// Generator holds the planned rows of one synthetic registry.
type Generator struct {
	size Size
	seed uint64

	teams       []registrydb.TeamInsertManyCopyFromParams
	users       []registrydb.UserInsertManyCopyFromParams
	models      []registrydb.ModelInsertManyCopyFromParams
	versions    []registrydb.ModelVersionInsertManyCopyFromParams
	datasets    []registrydb.DatasetInsertManyCopyFromParams
	experiments []registrydb.ExperimentInsertManyCopyFromParams
	approvals   []registrydb.ApprovalInsertManyCopyFromParams

	mp          []modelPlan
	vp          []versionPlan
	teamUsers   [][]int32
	datasetArea []int8
	linksPerRun []uint8
}

type modelPlan struct {
	area         int
	team         int32
	firstVersion int32
	nVersions    int32
	firstExp     int32
	nExp         int32
	prod         int32 // index in versions of the version live in production; -1 none
	prod2        bool  // wants a second production environment
	pool         []int32
	// Deployment times, planned with the versions because the versions'
	// promoted_to_production_at and deprecated_at follow from them.
	devAt, devAtProd          time.Time
	stagingAt, prodAt         time.Time
	prevStagingAt, prevProdAt time.Time
	prod2Offset               time.Duration
	canaryAt, stagingNewestAt time.Time
	deployer                  string
}

type versionPlan struct {
	model    int32
	firstRun int64
	nRuns    int32
	liveProd bool // the version has active production deployments
	newest   bool
}

// New plans a synthetic registry of the given size from seed.
func New(size Size, seed uint64) (*Generator, error) {
	if err := size.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{size: size, seed: seed}
	r := rand.New(rand.NewPCG(seed, mix(streamPlan, 0)))
	g.planTeamsAndUsers(r)
	g.planDatasets(r)
	g.planModels(r)
	g.planRuns(r)
	return g, nil
}

// Size returns the size the generator was made with.
func (g *Generator) Size() Size { return g.size }

// Teams, Users, Models, Versions, Datasets, Experiments and Approvals return
// the planned rows, in load order. The slices are the generator's own.
func (g *Generator) Teams() []registrydb.TeamInsertManyCopyFromParams { return g.teams }
func (g *Generator) Users() []registrydb.UserInsertManyCopyFromParams { return g.users }
func (g *Generator) Models() []registrydb.ModelInsertManyCopyFromParams {
	return g.models
}
func (g *Generator) Versions() []registrydb.ModelVersionInsertManyCopyFromParams {
	return g.versions
}
func (g *Generator) Datasets() []registrydb.DatasetInsertManyCopyFromParams {
	return g.datasets
}
func (g *Generator) Experiments() []registrydb.ExperimentInsertManyCopyFromParams {
	return g.experiments
}
func (g *Generator) Approvals() []registrydb.ApprovalInsertManyCopyFromParams {
	return g.approvals
}

// mix derives the second PCG seed of a stream and index (splitmix64), so
// that neighbouring indexes get unrelated sequences.
func mix(stream, index uint64) uint64 {
	z := stream*0x9E3779B97F4A7C15 ^ index
	z += 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// newUUID draws a random (version 4, RFC 4122 variant) UUID from r.
func newUUID(r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[0:8], r.Uint64())
	binary.LittleEndian.PutUint64(u[8:16], r.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func ptr[T any](v T) *T { return &v }

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

// between returns a float in [lo, hi).
func between(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// within returns a duration in [lo, hi), in whole seconds like every
// generated time (PostgreSQL keeps microseconds, Go nanoseconds).
func within(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Int64N(int64((hi-lo)/time.Second)))*time.Second
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func hexString(r *rand.Rand, n int) string {
	b := make([]byte, (n+1)/2)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)[:n]
}

// distribute spreads total over bins, each getting at least lo and at most
// hi. A share skew of the extra units goes to bins chosen with a quadratic
// bias towards low indexes, the rest uniformly.
func distribute[T int32 | uint8](r *rand.Rand, total, bins, lo, hi int, skew float64) []T {
	out := make([]T, bins)
	for i := range out {
		out[i] = T(lo)
	}
	for extra := total - bins*lo; extra > 0; {
		var i int
		if r.Float64() < skew {
			u := r.Float64()
			i = int(u * u * float64(bins))
		} else {
			i = r.IntN(bins)
		}
		if int(out[i]) < hi {
			out[i]++
			extra--
		}
	}
	return out
}

type area struct {
	word, domain, useCase, unit string
	kinds, frameworks           []string
}

var areas = []area{
	{"sentiment", "nlp", "classification", "Customer Experience", []string{"classifier", "scorer"}, []string{"huggingface", "pytorch", "tensorflow"}},
	{"fraud", "tabular", "detection", "Risk", []string{"detector", "scorer"}, []string{"xgboost", "lightgbm", "catboost", "tensorflow"}},
	{"churn", "tabular", "classification", "Marketing", []string{"predictor", "classifier"}, []string{"xgboost", "lightgbm", "sklearn"}},
	{"demand", "time-series", "regression", "Supply Chain", []string{"forecaster", "predictor"}, []string{"lightgbm", "pytorch", "sklearn"}},
	{"product", "recommendation", "", "E-commerce", []string{"recommender", "ranker"}, []string{"pytorch", "tensorflow", "jax"}},
	{"defect", "computer-vision", "detection", "Manufacturing", []string{"detector", "inspector"}, []string{"pytorch", "onnx", "tensorflow"}},
	{"document", "nlp", "classification", "Operations", []string{"classifier", "router"}, []string{"huggingface", "pytorch"}},
	{"pricing", "tabular", "regression", "Revenue", []string{"optimizer", "estimator"}, []string{"xgboost", "catboost", "sklearn"}},
	{"anomaly", "time-series", "detection", "Platform", []string{"detector", "monitor"}, []string{"pytorch", "sklearn", "lightgbm"}},
	{"scene", "computer-vision", "segmentation", "Mobility", []string{"segmenter", "parser"}, []string{"pytorch", "jax", "onnx"}},
	{"reply", "nlp", "generation", "Customer Experience", []string{"generator", "summarizer"}, []string{"huggingface", "pytorch", "jax"}},
	{"credit", "tabular", "classification", "Risk", []string{"scorer", "classifier"}, []string{"xgboost", "lightgbm", "catboost"}},
}

var frameworkVersions = map[string][]string{
	"pytorch":     {"2.1.2", "2.2.1", "2.3.0", "2.4.1"},
	"tensorflow":  {"2.13.0", "2.14.1", "2.15.0"},
	"sklearn":     {"1.3.2", "1.4.1", "1.5.0"},
	"xgboost":     {"1.7.6", "2.0.3", "2.1.0"},
	"jax":         {"0.4.23", "0.4.28"},
	"lightgbm":    {"4.1.0", "4.3.0"},
	"catboost":    {"1.2.2", "1.2.5"},
	"onnx":        {"1.15.0", "1.16.1"},
	"huggingface": {"4.36.2", "4.40.1", "4.42.3"},
}

var servingFrameworks = map[string]string{
	"pytorch": "torchserve", "tensorflow": "tfserving", "huggingface": "triton", "onnx": "triton", "jax": "kserve",
}

type source struct {
	name, domain, format string
	piiProne             bool
}

var sources = []source{
	{"transaction-logs", "tabular", "parquet", true},
	{"customer-reviews", "nlp", "json", false},
	{"clickstream-events", "recommendation", "avro", true},
	{"sensor-readings", "time-series", "parquet", false},
	{"product-images", "computer-vision", "tfrecord", false},
	{"support-tickets", "nlp", "json", true},
	{"credit-applications", "tabular", "parquet", true},
	{"user-profiles", "recommendation", "parquet", true},
	{"sales-history", "time-series", "csv", false},
	{"fraud-labels", "tabular", "csv", false},
	{"street-scenes", "computer-vision", "hdf5", false},
	{"chat-transcripts", "nlp", "arrow", true},
}

var (
	firstNames = []string{"ada", "ben", "chen", "dara", "elif", "femi", "gita", "hugo", "ines", "jon", "kofi", "lena",
		"mateo", "nora", "omar", "priya", "quinn", "rosa", "sven", "tara", "umar", "vera", "wei", "yara"}
	lastNames = []string{"adams", "baker", "costa", "dubois", "evans", "fischer", "garcia", "haddad", "ito", "jensen",
		"kim", "lopez", "moreau", "novak", "okafor", "patel", "rossi", "schmidt", "tanaka", "weber"}
	teamKinds   = []string{"platform", "science", "analytics", "ml", "research", "modeling"}
	optimizers  = []string{"adam", "adamw", "sgd", "rmsprop"}
	gpuTypes    = []string{"a100", "h100", "t4", "v100", "l4"}
	instances   = []string{"m6i.xlarge", "c6i.2xlarge", "g5.xlarge", "g5.2xlarge", "p4d.24xlarge"}
	preReleases = []string{"alpha", "beta", "rc1", "rc2"}
)

func title(words ...string) string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		for _, part := range strings.Split(w, "-") {
			if part != "" {
				out = append(out, strings.ToUpper(part[:1])+part[1:])
			}
		}
	}
	return strings.Join(out, " ")
}

func (g *Generator) planTeamsAndUsers(r *rand.Rand) {
	created := Epoch.Add(-8 * 365 * day)
	for i := range g.size.Teams {
		a := areas[i%len(areas)]
		name := fmt.Sprintf("%s-%s-%03d", a.word, pick(r, teamKinds), i+1)
		g.teams = append(g.teams, registrydb.TeamInsertManyCopyFromParams{
			TeamID: newUUID(r), TeamName: name, TeamEmail: ptr(name + "@synthetic.example.com"),
			Department: ptr(a.unit), CostCenter: ptr(fmt.Sprintf("CC-%04d", 1000+r.IntN(9000))),
			ManagerName: ptr(title(pick(r, firstNames), pick(r, lastNames))),
			CreatedAt:   ptr(created.Add(within(r, 0, 90*day))),
		})
	}
	g.teamUsers = make([][]int32, g.size.Teams)
	for i := range g.size.Users {
		team := i
		if i >= g.size.Teams {
			team = r.IntN(g.size.Teams)
		}
		first, last := pick(r, firstNames), pick(r, lastNames)
		username := fmt.Sprintf("%s.%s.%04d", first, last, i+1)
		g.users = append(g.users, registrydb.UserInsertManyCopyFromParams{
			UserID: newUUID(r), Username: username, Email: username + "@synthetic.example.com",
			DisplayName: ptr(title(first, last)), TeamID: &g.teams[team].TeamID,
			CreatedAt: g.teams[team].CreatedAt.Add(within(r, day, 365*day)),
		})
		g.teamUsers[team] = append(g.teamUsers[team], int32(i))
	}
}

// member returns the username of a random member of team.
func (g *Generator) member(r *rand.Rand, team int32) string {
	return g.users[pick(r, g.teamUsers[team])].Username
}

func (g *Generator) planDatasets(r *rand.Rand) {
	g.datasetArea = make([]int8, g.size.Datasets)
	for i := range g.size.Datasets {
		si := r.IntN(len(sources))
		s := sources[si]
		g.datasetArea[i] = int8(si)
		piiRate := 0.05
		if s.piiProne {
			piiRate = 0.5
		}
		pii := i >= minDatasets && r.Float64() < piiRate
		class := "internal"
		switch u := r.Float64(); {
		case pii && u < 0.5:
			class = "restricted"
		case pii:
			class = "confidential"
		case u < 0.2:
			class = "public"
		case u > 0.85:
			class = "confidential"
		}
		team := int32(r.IntN(g.size.Teams))
		steward := g.users[pick(r, g.teamUsers[team])]
		name := fmt.Sprintf("%s-%04d", s.name, i+1)
		created := Epoch.Add(-within(r, 400*day, 5*365*day))
		g.datasets = append(g.datasets, registrydb.DatasetInsertManyCopyFromParams{
			DatasetID: newUUID(r), DatasetName: name, DisplayName: title(s.name) + fmt.Sprintf(" %04d", i+1),
			Description:     ptr(fmt.Sprintf("Synthetic %s data set", strings.ReplaceAll(s.name, "-", " "))),
			StorageLocation: fmt.Sprintf("s3://synthetic-datasets/%s/", name), StorageFormat: ptr(s.format),
			StorageSizeGb: ptr(round(between(r, 0.5, 5000), 2)), DataSteward: ptr(steward.Email),
			TeamID: &g.teams[team].TeamID, LastUpdatedAt: ptr(Epoch.Add(-within(r, time.Hour, 60*day))),
			RowCount: ptr(int64(1000 + r.IntN(500_000_000))), ColumnCount: ptr(int32(3 + r.IntN(400))),
			ContainsPII: ptr(pii), DataClassification: ptr(class),
			RetentionDays: ptr(int32(pick(r, []int{365, 730, 1095, 1825}))),
			CreatedAt:     ptr(created), CreatedBy: ptr(steward.Username),
		})
	}
}

// semvers returns n strictly increasing semantic versions, some of them
// pre-releases (2.0.0-rc1 before 2.0.0).
func semvers(r *rand.Rand, n int) []string {
	major, minor, patch := 1, 0, 0
	if r.Float64() < 0.4 {
		major, minor = 0, 1
	}
	out := []string{fmt.Sprintf("%d.%d.%d", major, minor, patch)}
	for len(out) < n {
		u := r.Float64()
		switch {
		case u < 0.08:
			major, minor, patch = major+1, 0, 0
		case u < 0.35:
			minor, patch = minor+1, 0
		default:
			patch++
		}
		release := fmt.Sprintf("%d.%d.%d", major, minor, patch)
		if patch == 0 && r.Float64() < 0.35 {
			// One or two pre-releases, in order, before the release.
			first := r.IntN(len(preReleases))
			for _, p := range preReleases[first:min(first+1+r.IntN(2), len(preReleases))] {
				if len(out) < n {
					out = append(out, release+"-"+p)
				}
			}
		}
		if len(out) < n {
			out = append(out, release)
		}
	}
	return out
}

func (g *Generator) planModels(r *rand.Rand) {
	perModel := distribute[int32](r, g.size.Versions, g.size.Models, 1, max(60, 3*g.size.Versions/g.size.Models), 0.3)
	nonPII := make([]int32, 0, g.size.Datasets)
	for i, d := range g.datasets {
		if !*d.ContainsPII {
			nonPII = append(nonPII, int32(i))
		}
	}
	g.mp = make([]modelPlan, g.size.Models)
	// Rows point into these slices (experiments at their model's ID), so
	// they are allocated once.
	g.models = make([]registrydb.ModelInsertManyCopyFromParams, 0, g.size.Models)
	g.versions = make([]registrydb.ModelVersionInsertManyCopyFromParams, 0, g.size.Versions)
	g.vp = make([]versionPlan, 0, g.size.Versions)
	for mi := range g.size.Models {
		ai := r.IntN(len(areas))
		a := areas[ai]
		m := &g.mp[mi]
		m.area, m.team = ai, int32(r.IntN(g.size.Teams))
		m.firstVersion, m.nVersions = int32(len(g.versions)), perModel[mi]
		kind := pick(r, a.kinds)
		name := fmt.Sprintf("%s-%s-%05d", a.word, kind, mi+1)
		framework := pick(r, a.frameworks)
		creator := g.member(r, m.team)
		m.deployer = g.member(r, m.team)
		risk := "low"
		switch u := r.Float64(); {
		case u < 0.1:
			risk = "critical"
		case u < 0.35:
			risk = "high"
		case u < 0.7:
			risk = "medium"
		}
		compliance := (risk == "critical" || risk == "high") && r.Float64() < 0.85 || risk == "medium" && r.Float64() < 0.2

		// The dataset pool: poolSafe datasets without PII, then any.
		m.pool = make([]int32, 0, poolSafe+poolAny)
		for len(m.pool) < poolSafe {
			if d := pick(r, nonPII); !slices.Contains(m.pool, d) {
				m.pool = append(m.pool, d)
			}
		}
		for tries := 0; len(m.pool) < poolSafe+poolAny && tries < 50; tries++ {
			if d := int32(r.IntN(g.size.Datasets)); !slices.Contains(m.pool, d) {
				m.pool = append(m.pool, d)
			}
		}

		// Versions, registered newest last, 7 to 30 days apart.
		n := int(m.nVersions)
		sv := semvers(r, n)
		reg := make([]time.Time, n)
		reg[n-1] = Epoch.Add(-within(r, day, 45*day))
		for i := n - 2; i >= 0; i-- {
			reg[i] = reg[i+1].Add(-within(r, 7*day, 30*day))
		}
		created := reg[0].Add(-within(r, day, 60*day))

		// The production version: one of the last three releases, for most models.
		prod := -1
		if r.Float64() < 0.85 {
			for i := n - 1 - r.IntN(min(n, 3)); i >= 0; i-- {
				if !strings.Contains(sv[i], "-") {
					prod = i
					break
				}
			}
		}
		m.prod = -1
		if prod >= 0 {
			m.prod = m.firstVersion + int32(prod)
			m.prod2 = r.Float64() < 0.4
			m.prod2Offset = within(r, time.Hour, 12*time.Hour)
			m.stagingAt = reg[prod].Add(within(r, day, 3*day))
			m.prodAt = reg[prod].Add(within(r, 4*day, 10*day))
			if prod > 0 {
				m.prevStagingAt = reg[prod-1].Add(within(r, day, 3*day))
				m.prevProdAt = reg[prod-1].Add(within(r, 4*day, 10*day))
			}
			if prod != n-1 {
				m.devAtProd = reg[prod].Add(within(r, time.Hour, 20*time.Hour))
			}
		}
		m.devAt = reg[n-1].Add(within(r, time.Hour, 20*time.Hour))

		statuses := make([]string, n)
		for i := range n {
			switch {
			case prod >= 0 && i < prod-1, prod < 0 && i < n-2:
				statuses[i] = "archived"
			case prod >= 0 && i == prod-1:
				statuses[i] = "deprecated"
			case i == prod:
				statuses[i] = "deployed"
			case r.Float64() < 0.5:
				statuses[i] = "validated"
			default:
				statuses[i] = "registered"
			}
		}
		if newest := n - 1; statuses[newest] == "validated" {
			if newest > prod && prod >= 0 {
				m.canaryAt = reg[newest].Add(within(r, 2*day, 3*day))
			} else if prod < 0 {
				m.stagingNewestAt = reg[newest].Add(within(r, day, 3*day))
			}
		}

		g.models = append(g.models, registrydb.ModelInsertManyCopyFromParams{
			ModelID: newUUID(r), ModelName: name, DisplayName: title(a.word, kind) + fmt.Sprintf(" %05d", mi+1),
			Description:    ptr(fmt.Sprintf("Synthetic %s model for %s", a.domain, strings.ToLower(a.unit))),
			Objective:      ptr(fmt.Sprintf("%s %s", title(a.word), pick(r, []string{"accuracy", "recall", "latency", "coverage"}))),
			TeamID:         &g.teams[m.team].TeamID,
			PrimaryContact: ptr(creator + "@synthetic.example.com"), BusinessUnit: ptr(a.unit),
			RiskLevel: ptr(risk), ComplianceRequired: ptr(compliance),
			GithubRepo:       ptr("https://github.com/synthetic-ml/" + name),
			DocumentationURL: ptr("https://docs.synthetic.example.com/models/" + name),
			CreatedAt:        ptr(created), UpdatedAt: ptr(reg[n-1]), CreatedBy: ptr(creator),
		})
		model := &g.models[mi]

		// Experiments.
		m.firstExp, m.nExp = int32(len(g.experiments)), int32(1+r.IntN(3))
		suffixes := []string{"baseline", "tuning", "ablation", "features", "distillation"}
		r.Shuffle(len(suffixes), func(i, j int) { suffixes[i], suffixes[j] = suffixes[j], suffixes[i] })
		for e := range int(m.nExp) {
			g.experiments = append(g.experiments, registrydb.ExperimentInsertManyCopyFromParams{
				ExperimentID: newUUID(r), ExperimentName: name + "-" + suffixes[e], ModelID: &model.ModelID,
				Description: ptr(fmt.Sprintf("%s experiments of %s", title(suffixes[e]), name)),
				CreatedBy:   ptr(g.member(r, m.team)), CreatedAt: created.Add(within(r, time.Hour, 2*day)),
			})
		}

		for i := range n {
			v := registrydb.ModelVersionInsertManyCopyFromParams{
				VersionID: newUUID(r), ModelID: model.ModelID, Semver: sv[i],
				Description: ptr(fmt.Sprintf("%s %s", title(a.word), sv[i])),
				GitCommit:   ptr(hexString(r, 40)), GitBranch: ptr("main"),
				ArtifactURI:    fmt.Sprintf("s3://synthetic-artifacts/%s/%s/", name, sv[i]),
				ArtifactSizeMb: ptr(round(between(r, 0.5, 8000), 2)), ChecksumSHA256: ptr(hexString(r, 64)),
				Framework: framework, FrameworkVersion: ptr(pick(r, frameworkVersions[framework])),
				PythonVersion: ptr(pick(r, []string{"3.10", "3.11", "3.12"})),
				Status:        statuses[i], RegisteredBy: g.member(r, m.team), RegisteredAt: ptr(reg[i]),
				BenchmarkAccuracy:  ptr(round(between(r, 0.6, 0.99), 4)),
				BenchmarkLatencyMs: ptr(round(between(r, 0.5, 400), 2)),
			}
			if strings.Contains(sv[i], "-") {
				v.GitBranch = ptr("release/" + strings.SplitN(sv[i], "-", 2)[0])
			}
			// A version that reached production was deprecated when the
			// next one got there.
			promoted := func(i int) time.Time {
				switch i {
				case prod:
					return m.prodAt
				case prod - 1:
					return m.prevProdAt
				}
				return reg[i].Add(5 * day)
			}
			switch {
			case i <= prod:
				v.PromotedToProductionAt = ptr(promoted(i))
				if i < prod {
					v.DeprecatedAt = ptr(promoted(i + 1))
					v.DeprecationReason = ptr("superseded by " + sv[i+1])
				}
			case statuses[i] == "archived":
				v.DeprecatedAt = ptr(reg[i+1].Add(5 * day))
				v.DeprecationReason = ptr("never promoted")
			}
			g.versions = append(g.versions, v)
			g.vp = append(g.vp, versionPlan{model: int32(mi), liveProd: i == prod, newest: i == n-1})
			g.planApprovals(r, compliance, i, prod, &v, model.CreatedBy)
		}
	}
}

// planApprovals adds the approvals of version i of a model. Versions that
// reached production carry an approved compliance approval without expiry
// (and, for compliance-required models, a security one), approved before
// their first production deployment.
func (g *Generator) planApprovals(r *rand.Rand, compliance bool, i, prod int, v *registrydb.ModelVersionInsertManyCopyFromParams, requester *string) {
	add := func(kind, env, status string) *registrydb.ApprovalInsertManyCopyFromParams {
		requested := v.RegisteredAt.Add(within(r, 6*time.Hour, day))
		g.approvals = append(g.approvals, registrydb.ApprovalInsertManyCopyFromParams{
			ApprovalID: newUUID(r), VersionID: v.VersionID, ApprovalType: kind, RequiredForEnv: ptr(env),
			Status: status, RequestedBy: *requester, RequestedAt: ptr(requested),
			RiskAssessmentScore: ptr(round(between(r, 1, 9.9), 1)),
		})
		a := &g.approvals[len(g.approvals)-1]
		switch status {
		case "approved":
			a.ApprovedBy = ptr(g.users[r.IntN(len(g.users))].Username)
			a.ApprovedAt = ptr(requested.Add(within(r, time.Hour, 48*time.Hour)))
			a.ApprovalNotes = ptr("checklist complete")
		case "rejected":
			a.RejectedBy = ptr(g.users[r.IntN(len(g.users))].Username)
			a.RejectedAt = ptr(requested.Add(within(r, time.Hour, 72*time.Hour)))
			a.RejectionReason = ptr(pick(r, []string{"latency regression", "bias review failed", "missing model card"}))
		}
		return a
	}
	switch {
	case prod >= 0 && (i == prod || i == prod-1):
		add("compliance", "production", "approved")
		if compliance {
			add("security", "production", "approved")
		}
	case i < prod:
		// Expired when the version was retired.
		a := add("compliance", "production", "expired")
		a.ExpiresAt = v.DeprecatedAt
	case v.Status == "validated":
		add("compliance", "production", "pending")
	case v.Status == "registered" && r.Float64() < 0.15:
		add("technical", "staging", "rejected")
	}
}

func (g *Generator) planRuns(r *rand.Rand) {
	perVersion := distribute[int32](r, g.size.Runs, g.size.Versions, 1, g.size.Runs, 0.2)
	var next int64
	for i := range g.vp {
		g.vp[i].firstRun, g.vp[i].nRuns = next, perVersion[i]
		next += int64(perVersion[i])
	}
	g.linksPerRun = distribute[uint8](r, g.size.RunDatasets, g.size.Runs, 1, maxLinksPerRun, 0)
}

// runValues backs the nullable fields of one run row, so that a chunk of
// rows costs one allocation rather than one per field.
type runValues struct {
	name, expName, gpuType, startedBy string
	expID                             uuid.UUID
	acc, prec, rec, f1, loss          float64
	gpuHours, cpuHours, cost          float64
	gpuCount, duration                int32
	started, completed, created       time.Time
}

var terminalStatuses = []struct {
	status string
	weight float64
}{{"succeeded", 0.8}, {"failed", 0.11}, {"cancelled", 0.05}, {"timeout", 0.04}}

// Runs calls fn with the training runs in chunks of at most chunk rows, in
// load order. The slice and what its rows point to are reused: fn must be
// done with them when it returns.
func (g *Generator) Runs(chunk int, fn func([]registrydb.TrainingRunInsertManyCopyFromParams) error) error {
	chunk = max(chunk, 1)
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	rows := make([]registrydb.TrainingRunInsertManyCopyFromParams, 0, chunk)
	vals := make([]runValues, chunk)
	var hp []byte
	for vi := range g.vp {
		v := &g.vp[vi]
		for j := range v.nRuns {
			if len(rows) == 0 {
				hp = hp[:0]
			}
			pcg.Seed(g.seed, mix(streamRun, uint64(v.firstRun)+uint64(j)))
			var row registrydb.TrainingRunInsertManyCopyFromParams
			row, hp = g.run(r, &vals[len(rows)], vi, int(j), hp)
			rows = append(rows, row)
			if len(rows) == chunk {
				if err := fn(rows); err != nil {
					return err
				}
				rows = rows[:0]
			}
		}
	}
	if len(rows) > 0 {
		return fn(rows)
	}
	return nil
}

func (g *Generator) run(r *rand.Rand, x *runValues, vi, j int, hp []byte) (registrydb.TrainingRunInsertManyCopyFromParams, []byte) {
	id := newUUID(r) // first, so that RunDatasets can draw it alone
	v := &g.vp[vi]
	m := &g.mp[v.model]
	version := &g.versions[vi]
	model := &g.models[v.model]
	exp := &g.experiments[m.firstExp+int32(r.IntN(int(m.nExp)))]
	*x = runValues{
		name:    fmt.Sprintf("%s-%s-r%d", model.ModelName, version.Semver, j+1),
		expName: exp.ExperimentName, expID: exp.ExperimentID, startedBy: g.member(r, m.team),
	}
	row := registrydb.TrainingRunInsertManyCopyFromParams{
		RunID: id, VersionID: version.VersionID, RunName: &x.name,
		ExperimentName: &x.expName, ExperimentID: &x.expID, StartedBy: &x.startedBy,
		CreatedAt: &x.created,
	}

	// Hyperparameters, written directly: encoding/json would sort a map and
	// cost more than the rest of the row.
	start := len(hp)
	hp = append(hp, `{"learning_rate": `...)
	hp = strconv.AppendFloat(hp, round(math.Pow(10, between(r, -5, -1)), 6), 'g', -1, 64)
	hp = append(hp, `, "batch_size": `...)
	hp = strconv.AppendInt(hp, int64(16<<r.IntN(6)), 10)
	hp = append(hp, `, "epochs": `...)
	hp = strconv.AppendInt(hp, int64(1+r.IntN(50)), 10)
	hp = append(hp, `, "optimizer": "`...)
	hp = append(hp, pick(r, optimizers)...)
	hp = append(hp, `", "dropout": `...)
	hp = strconv.AppendFloat(hp, round(between(r, 0, 0.5), 2), 'g', -1, 64)
	hp = append(hp, `, "seed": `...)
	hp = strconv.AppendInt(hp, int64(r.IntN(100000)), 10)
	hp = append(hp, '}')
	row.Hyperparameters = hp[start:len(hp):len(hp)]

	// Status: the last run of a model's newest version may still be going.
	status := "succeeded"
	if v.newest && j == int(v.nRuns)-1 && r.Float64() < 0.3 {
		status = pick(r, []string{"running", "queued"})
	} else {
		u := r.Float64()
		for _, s := range terminalStatuses {
			if u < s.weight {
				status = s.status
				break
			}
			u -= s.weight
		}
	}
	row.Status = status

	x.gpuCount = []int32{0, 1, 1, 2, 4, 8}[r.IntN(6)]
	row.GPUCount = &x.gpuCount
	if x.gpuCount > 0 {
		x.gpuType = pick(r, gpuTypes)
		row.GPUType = &x.gpuType
	}
	reg := *version.RegisteredAt
	duration := within(r, 10*time.Minute, 36*time.Hour)
	switch status {
	case "queued":
		x.created = reg.Add(-within(r, time.Minute, 12*time.Hour))
		return row, hp
	case "running":
		x.started = reg.Add(-within(r, time.Hour, 3*day))
		x.created = x.started.Add(-within(r, time.Second, 30*time.Minute))
		row.StartedAt = &x.started
		return row, hp
	case "cancelled", "timeout", "failed":
		duration = time.Duration(float64(duration) * between(r, 0.05, 0.9)).Truncate(time.Second)
	}
	x.started = reg.Add(-duration - within(r, time.Hour, 20*day))
	x.created = x.started.Add(-within(r, time.Second, 30*time.Minute))
	x.completed = x.started.Add(duration)
	x.duration = int32(duration / time.Second)
	row.StartedAt, row.CompletedAt, row.DurationSeconds = &x.started, &x.completed, &x.duration

	hours := duration.Hours()
	x.gpuHours = round(hours*float64(x.gpuCount), 2)
	x.cpuHours = round(hours*float64(2+r.IntN(15)), 2)
	x.cost = round(x.gpuHours*between(r, 1.2, 4.5)+x.cpuHours*0.05, 2)
	row.GPUHours, row.CPUHours, row.EstimatedCostUSD = &x.gpuHours, &x.cpuHours, &x.cost

	switch status {
	case "succeeded":
		x.acc = round(between(r, 0.6, 0.995), 4)
		x.prec = round(min(0.9999, x.acc*between(r, 0.92, 1.04)), 4)
		x.rec = round(min(0.9999, x.acc*between(r, 0.9, 1.03)), 4)
		x.f1 = round(2*x.prec*x.rec/(x.prec+x.rec), 4)
		x.loss = round((1-x.acc)*between(r, 0.5, 2.5), 5)
		row.Accuracy, row.PrecisionScore, row.RecallScore, row.F1Score, row.Loss = &x.acc, &x.prec, &x.rec, &x.f1, &x.loss
	case "failed":
		x.loss = round(between(r, 0.5, 9), 5)
		row.Loss = &x.loss
	}
	return row, hp
}

var linkRoles = [maxLinksPerRun]string{"training", "validation", "test", "training", "calibration"}

// RunDatasets calls fn with the run-dataset links in chunks of at most chunk
// rows, in the order of their runs. Each run uses 1 to 5 distinct datasets
// of its model's pool (training first, then validation, test, another
// training set, calibration); runs of a version live in production use none
// with PII. The slice is reused: fn must be done with it when it returns.
func (g *Generator) RunDatasets(chunk int, fn func([]registrydb.RunDatasetInsertManyCopyFromParams) error) error {
	chunk = max(chunk, 1)
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	rows := make([]registrydb.RunDatasetInsertManyCopyFromParams, 0, chunk+maxLinksPerRun)
	counts := make([]int64, chunk+maxLinksPerRun)
	var pool [poolSafe + poolAny]int32
	for vi := range g.vp {
		v := &g.vp[vi]
		m := &g.mp[v.model]
		candidates := m.pool
		if v.liveProd {
			candidates = candidates[:poolSafe]
		}
		for j := range v.nRuns {
			idx := uint64(v.firstRun) + uint64(j)
			pcg.Seed(g.seed, mix(streamRun, idx))
			runID := newUUID(r)
			pcg.Seed(g.seed, mix(streamLink, idx))
			p := pool[:copy(pool[:], candidates)]
			for k := range int(g.linksPerRun[idx]) {
				s := k + r.IntN(len(p)-k) // partial Fisher-Yates: distinct datasets
				p[k], p[s] = p[s], p[k]
				n := len(rows)
				counts[n] = int64(1000 + r.IntN(5_000_000))
				if k > 0 {
					counts[n] /= 5
				}
				rows = append(rows, registrydb.RunDatasetInsertManyCopyFromParams{
					RunID: runID, DatasetID: g.datasets[p[k]].DatasetID, DatasetRole: linkRoles[k], SampleCount: &counts[n],
				})
			}
			if len(rows) >= chunk {
				if err := fn(rows); err != nil {
					return err
				}
				rows = rows[:0]
			}
		}
	}
	if len(rows) > 0 {
		return fn(rows)
	}
	return nil
}

// Deployments returns the deployments of every model in the given
// environments, the past ones before the live ones. Each model deploys to one development, one staging
// and one or two production environments, and to a canary environment when
// there is one; per model and environment at most one deployment is active.
func (g *Generator) Deployments(envs []Environment) ([]registrydb.DeploymentInsertManyCopyFromParams, error) {
	byType := map[string][]Environment{}
	sorted := slices.Clone(envs)
	slices.SortFunc(sorted, func(a, b Environment) int { return strings.Compare(a.Name, b.Name) })
	for _, e := range sorted {
		byType[e.Type] = append(byType[e.Type], e)
	}
	for _, t := range RequiredEnvironmentTypes {
		if len(byType[t]) == 0 {
			return nil, fmt.Errorf("no %s environment to deploy to", t)
		}
	}
	r := rand.New(rand.NewPCG(g.seed, mix(streamDeploy, 0)))
	var out []registrydb.DeploymentInsertManyCopyFromParams
	for mi := range g.mp {
		m := &g.mp[mi]
		model := &g.models[mi]
		dev, staging := pick(r, byType["development"]), pick(r, byType["staging"])
		prods := []Environment{pick(r, byType["production"])}
		if m.prod2 && len(byType["production"]) > 1 {
			for {
				if e := pick(r, byType["production"]); e.ID != prods[0].ID {
					prods = append(prods, e)
					break
				}
			}
		}
		newest := m.firstVersion + m.nVersions - 1
		deploy := func(version int32, env Environment, at time.Time, traffic int32, until time.Time) {
			v := &g.versions[version]
			d := registrydb.DeploymentInsertManyCopyFromParams{
				DeploymentID: newUUID(r), VersionID: v.VersionID, EnvironmentID: env.ID,
				DeploymentName:   ptr(model.ModelName + "-" + env.Name),
				EndpointURL:      ptr(fmt.Sprintf("https://%s.%s.models.synthetic.example.com", model.ModelName, env.Name)),
				ServingFramework: ptr(servingFrameworks[v.Framework]),
				Replicas:         ptr(int32(1 + r.IntN(4))), InstanceType: ptr(pick(r, instances)),
				GPUEnabled: ptr(r.Float64() < 0.3), DeployedAt: ptr(at), DeployedBy: m.deployer,
				Status: "active", TrafficPercentage: ptr(traffic),
				MonthlyCostUSD: ptr(round(between(r, 50, 20000), 2)),
			}
			if d.ServingFramework == nil || *d.ServingFramework == "" {
				d.ServingFramework = ptr("seldon")
			}
			switch env.Type {
			case "production":
				d.TargetAvailabilityPercent = ptr(99.9)
				*d.Replicas += 2
			case "staging", "canary":
				d.TargetAvailabilityPercent = ptr(99.0)
			}
			if !until.IsZero() {
				d.Status, d.TrafficPercentage = "inactive", ptr(int32(0))
				d.UndeployedAt, d.UndeployedBy = ptr(until), ptr(m.deployer)
			}
			out = append(out, d)
		}
		if m.prod >= 0 {
			offsets := []time.Duration{0, m.prod2Offset}
			if m.prod > m.firstVersion {
				deploy(m.prod-1, staging, m.prevStagingAt, 100, m.stagingAt)
				for i, e := range prods {
					deploy(m.prod-1, e, m.prevProdAt.Add(offsets[i]), 100, m.prodAt.Add(offsets[i]))
				}
			}
			if m.prod != newest {
				deploy(m.prod, dev, m.devAtProd, 100, m.devAt)
			}
			deploy(m.prod, staging, m.stagingAt, 100, time.Time{})
			for i, e := range prods {
				deploy(m.prod, e, m.prodAt.Add(offsets[i]), 100, time.Time{})
			}
		}
		deploy(newest, dev, m.devAt, 100, time.Time{})
		if !m.stagingNewestAt.IsZero() {
			deploy(newest, staging, m.stagingNewestAt, 100, time.Time{})
		}
		if canaries := byType["canary"]; !m.canaryAt.IsZero() && len(canaries) > 0 {
			deploy(newest, pick(r, canaries), m.canaryAt, 10, time.Time{})
		}
	}
	// Past deployments first: the deployment_rules trigger checks only live
	// ones, and plans its traffic query when it first runs, so a table that
	// already holds the history gets it an index plan rather than a
	// sequential scan repeated for every live row.
	live := func(d registrydb.DeploymentInsertManyCopyFromParams) int {
		if d.Status == "active" {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b registrydb.DeploymentInsertManyCopyFromParams) int { return live(a) - live(b) })
	return out, nil
}

// ModelTags returns the tags of every model among the given tags: its
// domain, use case, risk level as priority, a region and the
// synthetic-registry project tag, where the tag exists.
func (g *Generator) ModelTags(tags []Tag) []registrydb.ModelTagInsertManyCopyFromParams {
	ids := tagIndex(tags)
	r := rand.New(rand.NewPCG(g.seed, mix(streamTag, 0)))
	var out []registrydb.ModelTagInsertManyCopyFromParams
	for mi, m := range g.mp {
		model := &g.models[mi]
		a := areas[m.area]
		wanted := [][2]string{{"domain", a.domain}, {"use-case", a.useCase}, {"priority", *model.RiskLevel},
			{"region", pick(r, []string{"us", "eu", "apac"})}, {"project", "synthetic-registry"}}
		for _, w := range wanted {
			if id, ok := ids[w]; ok {
				out = append(out, registrydb.ModelTagInsertManyCopyFromParams{
					ModelID: model.ModelID, TagID: id, TaggedAt: model.CreatedAt, TaggedBy: model.CreatedBy,
				})
			}
		}
	}
	return out
}

// DatasetTags returns the domain and project tags of every dataset, where
// the tag exists.
func (g *Generator) DatasetTags(tags []Tag) []registrydb.DatasetTagInsertManyCopyFromParams {
	ids := tagIndex(tags)
	var out []registrydb.DatasetTagInsertManyCopyFromParams
	for i := range g.datasets {
		d := &g.datasets[i]
		for _, w := range [][2]string{{"domain", sources[g.datasetArea[i]].domain}, {"project", "synthetic-registry"}} {
			if id, ok := ids[w]; ok {
				out = append(out, registrydb.DatasetTagInsertManyCopyFromParams{
					DatasetID: d.DatasetID, TagID: id, TaggedAt: d.CreatedAt, TaggedBy: d.CreatedBy,
				})
			}
		}
	}
	return out
}

func tagIndex(tags []Tag) map[[2]string]uuid.UUID {
	ids := make(map[[2]string]uuid.UUID, len(tags))
	for _, t := range tags {
		ids[[2]string{t.Category, t.Value}] = t.ID
	}
	return ids
}
