package mlregcli

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/lineage"
)

// hostileArgs are names a user (or a script fed untrusted text) could pass
// to mlreg: none names a model or a dataset of the sample registry.
var hostileArgs = []struct{ name, value string }{
	{"sql injection", `'; DROP TABLE models; --`},
	{"sql injection with OR", `x' OR '1'='1`},
	{"dollar quotes", `$$; DROP TABLE models; $$`},
	{"escaped quote", `\x27; DELETE FROM models; --`},
	{"quotes", `"double" 'single' ` + "`backtick`"},
	{"backslashes", `C:\path\\to \n \'`},
	{"like wildcards", `fraud%_`},
	{"only a percent", `%`},
	{"format verbs", `%s %d %v %!x(MISSING)`},
	{"newline", "fraud-detector\nmlreg: all checks passed"},
	{"terminal escape", "\x1b[2J\x1b[31mred"},
	{"right-to-left override", "invoice\u202egpj.exe"},
	{"combining characters", "fraud-de\u0301tector"},
	{"emoji", "🤖🔥👩‍👩‍👧"},
	{"lookalike Cyrillic", "fr\u0430ud-detector"},
	{"zero-width space", "fraud-detector\u200b"},
	{"empty", ""},
	{"one megabyte", strings.Repeat("'; DROP TABLE models; -- ", 1<<20/25)},
}

// hostileBytes cannot be a valid name in any encoding PostgreSQL takes; a
// NUL cannot come from a real command line, only from a caller of run.
var hostileBytes = []struct{ name, value string }{
	{"invalid UTF-8", "fraud\xff\xfe"},
	{"truncated UTF-8", "fraud\xe2\x82"},
	{"NUL byte", "fraud\x00detector"},
}

// digests is an md5 of every table's rows, audit trail included: a command
// that only reads must change nothing at all.
func digests(t *testing.T, url string) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn := dial(t, url)
	rows, err := conn.Query(ctx, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var d string
		err := conn.QueryRow(ctx, `SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'no rows') || ' ' || count(*) FROM `+
			pgx.Identifier{table}.Sanitize()+` t`).Scan(&d)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = d
	}
	if len(out) < 15 || strings.HasPrefix(out["models"], "no rows") {
		t.Fatalf("not a seeded registry: %v", out)
	}
	return out
}

// terminalSafe reports whether s holds no character that could rewrite a
// terminal or reorder text: no control character but the final newline,
// no bidirectional override, no invisible format character.
func terminalSafe(s string) bool {
	s = strings.TrimSuffix(s, "\n")
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// TestHostileNamesAsArguments: lineage and impact of a hostile name exit 2
// with one terminal-safe line naming the unknown model or dataset, write
// nothing to stdout, and leave every table (audit trail included) unchanged.
func TestHostileNamesAsArguments(t *testing.T) {
	url := seeded(t)
	before := digests(t, url)
	for _, cmd := range []struct{ command, kind string }{{"lineage", "model"}, {"impact", "dataset"}} {
		for _, format := range []string{"text", "json"} {
			for _, h := range hostileArgs {
				t.Run(cmd.command+"/"+format+"/"+h.name, func(t *testing.T) {
					code, stdout, stderr := mlreg(t, "--database-url", url, cmd.command, "--format", format, h.value)
					want := fmt.Sprintf("mlreg: no %s named %q", cmd.kind, h.value)
					if code != 2 || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
						t.Fatalf("exit %d, stderr %.300q; want exit 2 and one line starting %.300q", code, stderr, want)
					}
					if rest := strings.TrimSuffix(strings.TrimPrefix(stderr, want), "\n"); rest != "" && !regexp.MustCompile(`^ \(closest: [a-z0-9_, -]+\)$`).MatchString(rest) {
						t.Errorf("unexpected tail %q", rest)
					}
					if !terminalSafe(stderr) {
						t.Errorf("stderr is not terminal-safe: %.300q", stderr)
					}
					if stdout != "" {
						t.Errorf("stdout: %.300q", stdout)
					}
				})
			}
			// Bytes PostgreSQL would refuse (22021): refused before asking it,
			// in one line naming the argument, exit 2.
			for _, h := range hostileBytes {
				t.Run(cmd.command+"/"+format+"/"+h.name, func(t *testing.T) {
					code, stdout, stderr := mlreg(t, "--database-url", url, cmd.command, "--format", format, h.value)
					want := "mlreg: " + cmd.kind + " name "
					if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, want) || !strings.HasSuffix(stderr, " is not valid UTF-8 text\n") {
						t.Fatalf("exit %d, stderr %q; want exit 2 and one line %q... is not valid UTF-8 text", code, stderr, want)
					}
					if !terminalSafe(stderr) || stdout != "" {
						t.Errorf("stderr %q, stdout %q", stderr, stdout)
					}
				})
			}
		}
	}
	// Hostile filters of audit log match nothing and print the header alone.
	for _, h := range hostileArgs {
		for _, flag := range []string{"--table", "--actor"} {
			if h.value == "" {
				continue // an empty filter means no filter
			}
			t.Run("audit log "+flag+"/"+h.name, func(t *testing.T) {
				code, stdout, stderr := mlreg(t, "--database-url", url, "audit", "log", flag, h.value)
				if code != 0 || stderr != "" || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "ID ") {
					t.Fatalf("exit %d, stdout %q, stderr %.300q; want the header alone", code, stdout, stderr)
				}
			})
		}
	}
	if after := digests(t, url); fmt.Sprint(after) != fmt.Sprint(before) {
		for table, d := range before {
			if after[table] != d {
				t.Errorf("table %s changed: %s, was %s", table, after[table], d)
			}
		}
	}
	// The registry still answers for the names it has.
	if code, out, stderr := mlreg(t, "--database-url", url, "lineage", "fraud-detector"); code != 0 || !strings.Contains(out, "transaction-logs") {
		t.Fatalf("lineage fraud-detector after the hostile names: exit %d %s", code, stderr)
	}
}

// TestHostileVersionsAndTimes: --version and --at refuse hostile values in
// Go, before the database, in one terminal-safe line naming the value.
func TestHostileVersionsAndTimes(t *testing.T) {
	url := "postgres://nobody:secret@127.0.0.1:1/none" // never reached
	for _, h := range append(hostileArgs, hostileBytes...) {
		if h.value == "" {
			continue // an empty --version or --at means none
		}
		for _, c := range []struct{ flag, want string }{{"--version", "--version %q"}, {"--at", "--at %q"}} {
			t.Run(c.flag+"/"+h.name, func(t *testing.T) {
				code, stdout, stderr := mlreg(t, "--database-url", url, "lineage", "fraud-detector", c.flag, h.value)
				want := "mlreg: " + fmt.Sprintf(c.want, h.value)
				if code != 2 || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
					t.Fatalf("exit %d, stderr %.300q; want exit 2 and one line starting %.300q", code, stderr, want)
				}
				if !terminalSafe(stderr) || strings.Contains(stderr, "secret") {
					t.Errorf("stderr %.300q", stderr)
				}
			})
		}
	}
}

// TestSemverPatternIsTheSchemaCheck: the --version check in Go is the
// valid_semver CHECK of model_versions, character for character, and the
// two regular expression engines agree on it for tricky versions.
func TestSemverPatternIsTheSchemaCheck(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var def string
	if err := conn.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'valid_semver'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^CHECK \(\(semver ~ '(.*)'::text\)\)$`).FindStringSubmatch(def)
	if m == nil || m[1] != lineage.SemverPattern.String() {
		t.Fatalf("valid_semver is %s; Go checks %s", def, lineage.SemverPattern.String())
	}
	versions := []string{"0.0.0", "1.2.3", "10.0.0-beta", "999999999.999999999.999999999", "1.0.0-rc1",
		"1000000000.0.0", "01.0.0", "1.0", "1.0.0-", "1.0.0-RC1", "1.0.0-rc.1", "1.0.0+b", "1.0.0\n", "\n1.0.0", " 1.0.0",
		"１.0.0", "1.0.0-ß", "1.0.0-\u0131", "1.0.0-a\u0301", "v1.0.0", "1.0.0-rc1; DROP TABLE models; --", "", "1.2.3-a-b", "1.2.3--"}
	versions = append(versions, semverSeeds...)
	for _, v := range versions {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			continue // PostgreSQL takes no such text; FuzzSemver covers Go's side
		}
		var db bool
		if err := conn.QueryRow(ctx, `SELECT $1::text ~ $2::text`, v, m[1]).Scan(&db); err != nil {
			t.Fatal(err)
		}
		if goOK := lineage.SemverPattern.MatchString(v); goOK != db {
			t.Errorf("%q: Go says %v, PostgreSQL says %v", v, goOK, db)
		}
	}
}
