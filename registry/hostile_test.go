package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
)

// Hostile input: values a careless or malicious client could send, written
// through the generated queries (in registry.WithTx, as the command does).
// Each one is either stored and read back byte for byte through the generated
// Get query, or refused with a clear error; either way no other row of any
// registry table changes.

// PostgreSQL's answers to input it refuses (SQLSTATE).
const (
	sqlstateBadEncoding    = "22021" // character_not_in_repertoire: NUL byte, invalid UTF-8
	sqlstateBadJSONEscape  = "22P05" // untranslatable_character: \u0000 in JSON
	sqlstateBadJSON        = "22P02" // invalid_text_representation: not JSON
	sqlstateIndexRowTooBig = "54000" // program_limit_exceeded: value too big for a btree index
)

// refusalMessages is what each refusal must say, so that it is clear.
var refusalMessages = map[string]string{
	sqlstateBadEncoding:    `invalid byte sequence for encoding "UTF8"`,
	sqlstateBadJSONEscape:  "unsupported Unicode escape sequence",
	sqlstateBadJSON:        "invalid input syntax for type json",
	sqlstateIndexRowTooBig: "index row",
}

// oneMegabyte is exactly 1 MiB of valid UTF-8 mixing the characters the other
// cases try one at a time, in a fixed pseudo-random order (it does not
// compress to nothing, so it really is stored out of line).
var oneMegabyte = func() string {
	pieces := []string{"a", "Z", "0", " ", "'", `"`, `\`, "$$", ";", "--", "%", "_", "\n", "\t",
		"é", "e\u0301", "\u202e", "\u200b", "語", "🤖", "👩‍👩‍👧", "\x7f", "\x1b"}
	r := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < 1<<20-8 {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	for b.Len() < 1<<20 {
		b.WriteByte('x')
	}
	return b.String()
}()

type hostileValue struct {
	name  string
	value string
	// refused is the SQLSTATE PostgreSQL must refuse the value with; empty
	// when the value must be stored and read back byte for byte.
	refused string
}

// hostileStrings are tried in every free-text column.
var hostileStrings = []hostileValue{
	{"sql injection", `'; DROP TABLE models; --`, ""},
	{"sql injection with comment", `x' OR '1'='1' /* */; DELETE FROM model_versions; --`, ""},
	{"dollar quotes", `$$; DROP TABLE models; $$ $tag$ $1 $2`, ""},
	{"escaped quote", `\x27; DROP TABLE models; -- \x00 \u0000`, ""},
	{"quotes", `"double" 'single' ''doubled'' ‘curly’ “curly” ` + "`backtick`", ""},
	{"backslashes", `C:\path\to\file \\ \n \t \' \" \`, ""},
	{"psql meta-commands", "\\gexec \\! rm -rf / \\copy models to '/tmp/x'", ""},
	{"format verbs and templates", `%s %d %v %!x(MISSING) %% {{.Password}} ${HOME} $(id) ` + "`id`", ""},
	{"like wildcards", `100% _match_ [a-z]* .* ^$`, ""},
	{"control characters", "tab\tnewline\ncr\rbell\x07backspace\x08esc\x1b[31mred\x1b[0m del\x7f", ""},
	{"right-to-left override", "invoice\u202egpj.exe", ""},
	{"combining characters", "e\u0301 vs \u00e9, Z\u0337\u0322a\u0334l\u0338g\u0335o\u0336", ""},
	{"emoji and ZWJ sequences", "🤖🔥 👩‍👩‍👧‍👦 🇺🇳 🏳️‍🌈", ""},
	{"zero-width and BOM", "\ufeffzero\u200bwidth\u200cjoiner\u200d\u2060", ""},
	{"non-BMP and CJK", "語 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎", ""},
	{"empty", "", ""},
	{"one megabyte", oneMegabyte, ""},
	{"NUL byte", "before\x00after", sqlstateBadEncoding},
	{"only NUL", "\x00", sqlstateBadEncoding},
	{"invalid UTF-8", "bad \xff\xfe bytes", sqlstateBadEncoding},
	{"UTF-8 surrogate", "cesu \xed\xa0\x80 surrogate", sqlstateBadEncoding},
	{"overlong UTF-8", "overlong \xc0\xaf slash", sqlstateBadEncoding},
	{"truncated UTF-8", "truncated \xe2\x82", sqlstateBadEncoding},
}

// pgJSONString quotes s the way PostgreSQL prints a jsonb string, so that
// a document built from it reads back byte for byte.
func pgJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// deepArrays and deepObjects are documents nested depth levels deep, in
// jsonb's own layout (so that they read back byte for byte).
func deepArrays(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

func deepObjects(depth int) string {
	return strings.Repeat(`{"a": `, depth-1) + "{}" + strings.Repeat("}", depth-1)
}

// hostileJSON are tried in every JSONB column: every hostile string as a
// value and as a key, and documents hostile as JSON.
var hostileJSON = func() []hostileValue {
	var out []hostileValue
	for _, h := range hostileStrings {
		refused := h.refused
		if strings.Contains(h.value, "\x00") {
			// Quoted, a NUL is the escape \u0000, which jsonb refuses.
			refused = sqlstateBadJSONEscape
		}
		out = append(out,
			hostileValue{h.name + " as value", `{"v": ` + pgJSONString(h.value) + `}`, refused},
			hostileValue{h.name + " as key", `{` + pgJSONString(h.value) + `: "k"}`, refused})
	}
	return append(out,
		hostileValue{"raw NUL byte in a string", "{\"v\": \"a\x00b\"}", sqlstateBadEncoding},
		hostileValue{"lone surrogate escape", `{"v": "\ud800"}`, sqlstateBadJSON},
		hostileValue{"not JSON: sql injection", `'; DROP TABLE models; --`, sqlstateBadJSON},
		hostileValue{"not JSON: trailing garbage", `{"v": 1}; DROP TABLE models`, sqlstateBadJSON},
		hostileValue{"arrays nested 10,000 deep", deepArrays(10_000), ""},
		hostileValue{"objects nested 10,000 deep", deepObjects(10_000), ""},
	)
}()

// tableDigests returns an md5 of the rows of every registry table but
// audit_log (every write adds to it), leaving out one row: the one the
// attempt wrote (skip.id in skip.table, by its key column).
func tableDigests(t *testing.T, pool *pgxpool.Pool, skip rowRef) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND c.relname <> 'audit_log' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 15 {
		t.Fatalf("only %d registry tables: %v", len(tables), tables)
	}
	out := map[string]string{}
	for _, table := range tables {
		sql := `SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'no rows') || ' ' || count(*) FROM ` +
			pgx.Identifier{table}.Sanitize() + ` t`
		var args []any
		if skip.table == table && skip.id != uuid.Nil {
			sql += ` WHERE t.` + pgx.Identifier{skip.key}.Sanitize() + ` <> $1`
			args = append(args, skip.id)
		}
		var digest string
		if err := pool.QueryRow(ctx, sql, args...).Scan(&digest); err != nil {
			t.Fatalf("digest of %s: %v", table, err)
		}
		out[table] = digest
	}
	return out
}

type rowRef struct {
	table, key string
	id         uuid.UUID
}

func sameDigests(t *testing.T, before, after map[string]string) {
	t.Helper()
	for table, d := range before {
		if after[table] != d {
			t.Errorf("table %s changed: %s, was %s", table, after[table], d)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d tables, was %d", len(after), len(before))
	}
}

// checkRefusal asserts err is PostgreSQL's refusal with code, and says so clearly.
func checkRefusal(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("want SQLSTATE %s, got %v", code, err)
	}
	if pgErr.Code != code || !strings.Contains(err.Error(), refusalMessages[code]) {
		t.Fatalf("want SQLSTATE %s saying %q, got %s: %v", code, refusalMessages[code], pgErr.Code, err)
	}
	if len(err.Error()) > 500 {
		t.Errorf("the refusal is %d bytes long, it echoes the value", len(err.Error()))
	}
}

// hostileField writes a value into one column of a new row and reads it back.
type hostileField struct {
	name  string
	table string // the table written
	key   string // its primary key column
	json  bool   // a JSONB column: tried with hostileJSON
	// write creates a row holding v in the column, in the transaction of q,
	// and returns its key; n makes the row's other unique columns unique.
	write func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error)
	// read returns the column of the row through the generated Get query.
	read func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error)
	// exceptions are values this column refuses although others store them.
	exceptions map[string]string
}

func derefString(p *string) string {
	if p == nil {
		return "<NULL>"
	}
	return *p
}

var hostileFields = []hostileField{
	{
		name: "models.description", table: "models", key: "model_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			m, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: fmt.Sprintf("hostile-%d", n), DisplayName: "Hostile", Description: &v, TeamID: &f.TeamID})
			return m.ModelID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			m, err := q.ModelGetByID(ctx, id)
			return derefString(m.Description), err
		},
	},
	{
		name: "models.display_name", table: "models", key: "model_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			m, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: fmt.Sprintf("hostile-%d", n), DisplayName: v})
			return m.ModelID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			m, err := q.ModelGetByID(ctx, id)
			return m.DisplayName, err
		},
	},
	{
		name: "model_versions.description", table: "model_versions", key: "version_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			mv, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{ModelID: f.ModelID, Semver: fmt.Sprintf("2.0.%d", n),
				Description: &v, ArtifactURI: "s3://hostile/", Framework: "onnx", RegisteredBy: "fixture-user"})
			return mv.VersionID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			mv, err := q.ModelVersionGetByID(ctx, id)
			return derefString(mv.Description), err
		},
	},
	{
		name: "training_runs.notes", table: "training_runs", key: "run_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			r, err := q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: f.VersionID, RunName: regtest.Ptr(fmt.Sprintf("hostile-%d", n)), Notes: &v})
			return r.RunID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			r, err := q.TrainingRunGetByID(ctx, id)
			return derefString(r.Notes), err
		},
	},
	{
		name: "training_runs.hyperparameters", table: "training_runs", key: "run_id", json: true,
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			r, err := q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: f.VersionID, RunName: regtest.Ptr(fmt.Sprintf("hostile-%d", n)), Hyperparameters: json.RawMessage(v)})
			return r.RunID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			r, err := q.TrainingRunGetByID(ctx, id)
			return string(r.Hyperparameters), err
		},
	},
	{
		name: "approvals.approval_notes", table: "approvals", key: "approval_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			a, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: "technical", RequestedBy: "fixture-user"})
			if err != nil {
				return uuid.Nil, err
			}
			a, err = q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovedBy: regtest.Ptr("fixture-user"), ApprovalNotes: &v, ApprovalID: a.ApprovalID})
			return a.ApprovalID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			a, err := q.ApprovalGetByID(ctx, id)
			return derefString(a.ApprovalNotes), err
		},
	},
	{
		name: "approvals.compliance_checklist", table: "approvals", key: "approval_id", json: true,
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			a, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: "compliance",
				RequestedBy: "fixture-user", ComplianceChecklist: json.RawMessage(v)})
			return a.ApprovalID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			a, err := q.ApprovalGetByID(ctx, id)
			return string(a.ComplianceChecklist), err
		},
	},
	{
		// Inactive, so that the traffic rules (and their lock row) stay out of it.
		name: "deployments.deployment_notes", table: "deployments", key: "deployment_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			d, err := q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: f.VersionID, EnvironmentName: "dev",
				DeployedBy: "fixture-user", Status: regtest.Ptr("inactive"), DeploymentNotes: &v})
			return d.DeploymentID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			d, err := q.DeploymentGetByID(ctx, id)
			return derefString(d.DeploymentNotes), err
		},
	},
	{
		name: "datasets.description", table: "datasets", key: "dataset_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			d, err := q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: fmt.Sprintf("hostile-%d", n), DisplayName: "Hostile",
				Description: &v, StorageLocation: "s3://hostile/"})
			return d.DatasetID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			d, err := q.DatasetGetByID(ctx, id)
			return derefString(d.Description), err
		},
	},
	{
		// tag_value is in two btree indexes (unique_tag, idx_tags_value): a
		// megabyte does not fit an index entry, even compressed.
		name: "tags.tag_value", table: "tags", key: "tag_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			tag, err := q.TagCreate(ctx, registrydb.TagCreateParams{TagCategory: "custom", TagValue: v})
			return tag.TagID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			tag, err := q.TagGetByID(ctx, id)
			return tag.TagValue, err
		},
		exceptions: map[string]string{"one megabyte": sqlstateIndexRowTooBig},
	},
	{
		name: "tags.tag_description", table: "tags", key: "tag_id",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, n int, v string) (uuid.UUID, error) {
			tag, err := q.TagCreate(ctx, registrydb.TagCreateParams{TagCategory: "custom", TagValue: fmt.Sprintf("hostile-%d", n), TagDescription: &v})
			return tag.TagID, err
		},
		read: func(ctx context.Context, q *registrydb.Queries, id uuid.UUID) (string, error) {
			tag, err := q.TagGetByID(ctx, id)
			return derefString(tag.TagDescription), err
		},
	},
}

// TestHostileValuesInFreeTextAndJSON writes every hostile value into every
// free-text and JSONB column listed in hostileFields.
func TestHostileValuesInFreeTextAndJSON(t *testing.T) {
	for _, field := range hostileFields {
		t.Run(field.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool := pgtest.NewPool(t)
			f := regtest.Build(t, registrydb.New(pool))
			values := hostileStrings
			if field.json {
				values = hostileJSON
			}
			stored, refused := 0, 0
			for n, h := range values {
				want := h.refused
				if code, ok := field.exceptions[h.name]; ok {
					want = code
				}
				t.Run(h.name, func(t *testing.T) {
					before := tableDigests(t, pool, rowRef{})
					var id uuid.UUID
					err := registry.WithTx(ctx, pool, registry.TxOptions{Actor: "hostile-test"}, func(q *registrydb.Queries) error {
						var err error
						id, err = field.write(ctx, q, f, n, h.value)
						return err
					})
					if want != "" {
						checkRefusal(t, err, want)
						sameDigests(t, before, tableDigests(t, pool, rowRef{}))
						refused++
						return
					}
					if err != nil {
						t.Fatalf("want it stored, got %v", err)
					}
					got, err := field.read(ctx, registrydb.New(pool), id)
					if err != nil {
						t.Fatalf("reading it back: %v", err)
					}
					if got != h.value {
						t.Fatalf("read back %d bytes differing from the %d written (first difference at byte %d)", len(got), len(h.value), firstDifference(got, h.value))
					}
					sameDigests(t, before, tableDigests(t, pool, rowRef{field.table, field.key, id}))
					stored++
				})
			}
			if stored+refused != len(values) || stored == 0 || refused == 0 {
				t.Errorf("%d values stored and %d refused of %d", stored, refused, len(values))
			}
		})
	}
}

func firstDifference(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestHostileJSONDepthBoundaries pins what happens past 10,000 levels.
// PostgreSQL parses jsonb recursively: at max_stack_depth 2MB it takes about
// 14,500 nested arrays and refuses 100,000 with "stack depth limit exceeded"
// (SQLSTATE 54001). Go's encoding/json, which pgx uses to scan a jsonb column
// into json.RawMessage, stops at 10,000: a document 10,001 deep is written by
// the INSERT but its RETURNING row cannot be scanned, so the write fails in Go
// and WithTx rolls it back, leaving nothing.
func TestHostileJSONDepthBoundaries(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	f := regtest.Build(t, registrydb.New(pool))
	for _, c := range []struct {
		depth int
		check func(error) bool
	}{
		{10_001, func(err error) bool { return err != nil && strings.Contains(err.Error(), "exceeded max depth") }},
		{100_000, func(err error) bool {
			var pgErr *pgconn.PgError
			return errors.As(err, &pgErr) && pgErr.Code == "54001" && strings.Contains(pgErr.Message, "stack depth limit exceeded")
		}},
	} {
		before := tableDigests(t, pool, rowRef{})
		err := registry.WithTx(ctx, pool, registry.TxOptions{Actor: "hostile-test"}, func(q *registrydb.Queries) error {
			_, err := q.TrainingRunCreate(ctx, registrydb.TrainingRunCreateParams{VersionID: f.VersionID, Hyperparameters: json.RawMessage(deepArrays(c.depth))})
			return err
		})
		if !c.check(err) {
			t.Errorf("%d levels: unexpected outcome %v", c.depth, err)
		}
		sameDigests(t, before, tableDigests(t, pool, rowRef{}))
	}
}

// hostileName is a name column with a format CHECK.
type hostileName struct {
	name       string
	constraint string
	table      string
	write      func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, v string) error
	lookalikes []string // values close to valid ones, also refused
	// longValid is a megabyte the CHECK accepts; what refuses it instead
	// (SQLSTATE), or "" when the CHECK bounds the length.
	longValid, longValidRefused string
}

var hostileNames = []hostileName{
	{
		name: "models.model_name", constraint: "valid_model_name", table: "models",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, v string) error {
			_, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: v, DisplayName: "Hostile"})
			return err
		},
		lookalikes: []string{"Fraud-Detector", "fraud detector", "fraud_detector", "fraud-detector\n", "\nfraud-detector",
			"fr\u0430ud-detector" /* Cyrillic a */, "fraud\u2010detector" /* Unicode hyphen */, "ｆｒａｕｄ", "fraud-detector\u200b", "fraud-détector"},
		longValid: strings.Repeat("a-", 1<<19), longValidRefused: sqlstateIndexRowTooBig,
	},
	{
		name: "datasets.dataset_name", constraint: "valid_dataset_name", table: "datasets",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, v string) error {
			_, err := q.DatasetCreate(ctx, registrydb.DatasetCreateParams{DatasetName: v, DisplayName: "Hostile", StorageLocation: "s3://hostile/"})
			return err
		},
		lookalikes: []string{"Transaction-Logs", "transaction logs", "transaction.logs", "transaction-logs\n", "tr\u0430nsaction-logs", "../../etc/passwd"},
		longValid:  strings.Repeat("a_", 1<<19), longValidRefused: sqlstateIndexRowTooBig,
	},
	{
		name: "model_versions.semver", constraint: "valid_semver", table: "model_versions",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, v string) error {
			_, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{ModelID: f.ModelID, Semver: v,
				ArtifactURI: "s3://hostile/", Framework: "onnx", RegisteredBy: "fixture-user"})
			return err
		},
		lookalikes: []string{"1.0", "1.0.0.0", "01.0.0", "1.00.0", "v1.0.0", "1.0.0-", "1.0.0-RC1", "1.0.0-rc.1", "1.0.0+build", "1.0.0\n",
			" 1.0.0", "１.0.0", "1.0.0-rc1; DROP TABLE models; --", "1234567890.0.0", "-1.0.0", "1..0"},
		longValid: "1.0.0-" + strings.Repeat("a", 1<<20-6), longValidRefused: sqlstateIndexRowTooBig,
	},
	{
		name: "users.username", constraint: "valid_username", table: "users",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, v string) error {
			_, err := q.UserCreate(ctx, registrydb.UserCreateParams{Username: v, Email: "hostile@example.com"})
			return err
		},
		lookalikes: []string{"Alice", "alice bob", "-alice", ".alice", "alice\n", "\u0430lice", "alice@example.com"},
		longValid:  strings.Repeat("a.", 1<<19), longValidRefused: sqlstateIndexRowTooBig,
	},
	{
		name: "environments.environment_name", constraint: "valid_env_name", table: "environments",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, v string) error {
			_, err := q.EnvironmentCreate(ctx, registrydb.EnvironmentCreateParams{EnvironmentName: v, EnvironmentType: "development"})
			return err
		},
		lookalikes: []string{"Prod", "prod-", "-prod", "prod--us", "prod_us", "prod us", "prod\n", "pr\u043ed"},
		longValid:  strings.Repeat("ab-", 1<<18) + "ab", longValidRefused: sqlstateIndexRowTooBig,
	},
	{
		name: "model_aliases.alias", constraint: "valid_alias", table: "model_aliases",
		write: func(ctx context.Context, q *registrydb.Queries, f regtest.Fixture, v string) error {
			_, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: v, VersionID: f.VersionID})
			return err
		},
		lookalikes: []string{"Champion", "1champion", "champion\n", "ch\u0430mpion", "champion!", strings.Repeat("a", 64)},
		longValid:  "a" + strings.Repeat("b", 1<<20-1), longValidRefused: "", // the CHECK bounds it to 63 characters
	},
}

// TestHostileNamesRefusedByFormatChecks: a name column with a format CHECK
// refuses every hostile value with registry.ErrConstraint naming the CHECK,
// except the bytes PostgreSQL refuses before any CHECK (NUL, invalid UTF-8).
func TestHostileNamesRefusedByFormatChecks(t *testing.T) {
	for _, col := range hostileNames {
		t.Run(col.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool := pgtest.NewPool(t)
			f := regtest.Build(t, registrydb.New(pool))
			values := append([]hostileValue{}, hostileStrings...)
			for _, l := range col.lookalikes {
				values = append(values, hostileValue{"lookalike " + fmt.Sprintf("%+q", l), l, ""})
			}
			values = append(values, hostileValue{"one megabyte the CHECK accepts", col.longValid, col.longValidRefused})
			for _, h := range values {
				t.Run(h.name, func(t *testing.T) {
					before := tableDigests(t, pool, rowRef{})
					err := registry.WithTx(ctx, pool, registry.TxOptions{Actor: "hostile-test"}, func(q *registrydb.Queries) error {
						return col.write(ctx, q, f, h.value)
					})
					if h.refused != "" {
						checkRefusal(t, err, h.refused)
					} else {
						var ce *registry.ConstraintError
						if !errors.Is(err, registry.ErrConstraint) || !errors.As(err, &ce) {
							t.Fatalf("want registry.ErrConstraint, got %v", err)
						}
						if ce.Constraint != col.constraint || ce.Table != col.table || !strings.Contains(err.Error(), col.constraint) {
							t.Fatalf("want constraint %s of %s, got %q of %q: %v", col.constraint, col.table, ce.Constraint, ce.Table, err)
						}
						if len(err.Error()) > 500 || !utf8.ValidString(err.Error()) {
							t.Errorf("the refusal echoes the value: %d bytes", len(err.Error()))
						}
					}
					sameDigests(t, before, tableDigests(t, pool, rowRef{}))
				})
			}
		})
	}
}
