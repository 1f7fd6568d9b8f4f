package mlregcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/mlplatform/model-registry/lineage"
)

// Fuzz targets over every parser of user input in mlreg. `make fuzz` runs
// each for a bounded time; `go test` runs their seeds and testdata/fuzz/.
//
// None touches a database: the URL they give points at a closed port (its
// password must never be printed), and the commands that would wait for a
// server (migrate and demo wait 30 s for one) are left out.

const (
	fuzzPassword = "secret"
	closedURL    = "postgres://u:" + fuzzPassword + "@127.0.0.1:1/x?sslmode=disable&connect_timeout=5"
	closedWhere  = "cannot connect to database at 127.0.0.1:1/x"
)

// FuzzRun: run with any arguments never panics, exits 0, 1 or 2, prints
// either the usage or exactly one line on stderr, and never the password.
func FuzzRun(f *testing.F) {
	for _, args := range [][]string{
		{}, {"-h"}, {"--help"}, {"help"}, {"frobnicate"}, {"--actor"}, {"--actor", "", "check"}, {"--actor=x", "check", "extra"},
		{"check"}, {"check", "--format", "json"}, {"check", "--format=xml"}, {"check", "-format"}, {"check", "--", "x"},
		{"lineage"}, {"lineage", "fraud-detector"}, {"lineage", "a", "b"}, {"lineage", "--", "-x"},
		{"lineage", "m", "--version", "1.2"}, {"lineage", "m", "--version=1.0.0-rc1"}, {"lineage", "m", "--at", "yesterday"},
		{"lineage", "m", "--at", "2026-03-01"}, {"lineage", "m", "--format", "openlineage", "--namespace", ""},
		{"lineage", "m", "--format", "dot"}, {"lineage", "m", "-h"}, {"lineage", "m", "--bogus"},
		{"impact"}, {"impact", "d", "--format", "yaml"}, {"impact", "'; DROP TABLE models; --"},
		{"erd"}, {"erd", "--format", "png"}, {"erd", "x"},
		{"audit"}, {"audit", "frob"}, {"audit", "verify"}, {"audit", "verify", "x"}, {"audit", "seal", "--wait", "-5s"},
		{"audit", "seal", "--wait", "forever"}, {"audit", "log", "--limit", "0"}, {"audit", "log", "--limit", "99999999999999999999"},
		{"audit", "log", "--since", "2026-13-45"}, {"audit", "log", "--table", "models", "--actor", "x", "--format", "json"},
		{"seed", "x"}, {"seed", "--rand-seed", "3"}, {"seed", "--scale", "bogus"}, {"seed", "--scale", "tiny", "--rand-seed", "-1"},
		{"seed", "--scale", " TINY ", "--rand-seed", "18446744073709551615"}, {"seed", "--scale", "tiny", "--rand-seed", "1e3"},
		{"---x"}, {"-=x"}, {"check", "-="}, {"-\x1b[2J"}, {"check", "-\u202e"}, {"lineage", "-\xff"}, // raw in flag errors before the fix
	} {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00") // a real command line holds no NUL
		if joined == "" {
			args = nil
		}
		for _, a := range args {
			lower := strings.ToLower(a)
			switch {
			case strings.Contains(a, fuzzPassword): // echoed back legitimately
				return
			case strings.Contains(a, "database-url"): // could point at a real server
				return
			case a == "migrate" || a == "demo": // wait 30 s for the closed port
				return
			case strings.Contains(lower, "medium") || strings.Contains(lower, "large"): // seconds of generation
				return
			}
		}
		var stdout, stderr strings.Builder
		code := RunContext(context.Background(), append([]string{"--database-url", closedURL}, args...), &stdout, &stderr)
		if code < 0 || code > 2 {
			t.Fatalf("run(%q) = %d", args, code)
		}
		if strings.Contains(stdout.String(), fuzzPassword) || strings.Contains(stderr.String(), fuzzPassword) {
			t.Fatalf("run(%q) printed the password: stdout %q stderr %q", args, stdout.String(), stderr.String())
		}
		errOut := stderr.String()
		if code == 2 {
			if !strings.HasPrefix(errOut, "mlreg: ") || !strings.HasSuffix(errOut, "\n") || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("run(%q): want one line on stderr, got %q", args, errOut)
			}
			if !terminalSafe(errOut) {
				t.Fatalf("run(%q): stderr could rewrite the terminal: %q", args, errOut)
			}
		}
	})
}

// formatsOf are the --format values each command takes, and the arguments
// that make the rest of its command line valid.
var formatsOf = []struct {
	args    []string
	name    string
	formats []string
}{
	{[]string{"check"}, "check", []string{"text", "json"}},
	{[]string{"impact", "d"}, "impact", []string{"text", "json"}},
	{[]string{"lineage", "m"}, "lineage", []string{"text", "json", "dot", "mermaid", "openlineage"}},
	{[]string{"audit", "log"}, "audit log", []string{"text", "json"}},
	{[]string{"erd"}, "erd", []string{"mermaid", "dot"}},
	{[]string{"stats"}, "stats", []string{"text", "json"}},
	{[]string{"retention"}, "retention", []string{"text", "json"}},
	{[]string{"export"}, "export", []string{"jsonl"}},
	{[]string{"import", "training-runs", "--from", closedURL}, "import training-runs", []string{"text", "json"}},
	{[]string{"import", "mlflow", "--from", closedURL}, "import mlflow", []string{"text", "json"}},
}

// FuzzFormat: a command takes exactly its documented --format values; it
// refuses any other with a one-line error quoting the value, before
// connecting.
func FuzzFormat(f *testing.F) {
	for i, c := range formatsOf {
		for _, format := range append(c.formats, "", "xml", "JSON", "json ", " text", "text\n", "te\u200bxt", "dot\x00", "mermaid,json") {
			f.Add(uint8(i), format)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, format string) {
		c := formatsOf[int(which)%len(formatsOf)]
		args := append([]string{"--database-url", closedURL}, c.args...)
		err := (&app{out: io.Discard, errOut: io.Discard}).execute(context.Background(), append(args, "--format="+format))
		valid := false
		for _, v := range c.formats {
			valid = valid || v == format
		}
		if valid {
			// An import reaches for its source first: "source: cannot connect ...".
			if err == nil || !strings.HasPrefix(strings.TrimPrefix(err.Error(), "source: "), closedWhere) {
				t.Fatalf("%s --format=%q: want %q, got %v", c.name, format, closedWhere, err)
			}
			return
		}
		var ue usageError
		want := fmt.Sprintf("unknown format %q for %s (want ", format, c.name)
		if format == "" {
			want = "--format was given an empty value"
		}
		if !errors.As(err, &ue) || !strings.HasPrefix(ue.msg, want) || strings.Contains(ue.msg, "\n") {
			t.Fatalf("%s --format=%q: want a usage error starting %q, got %v", c.name, format, want, err)
		}
	})
}

// FuzzParseTime: parseTime accepts exactly RFC 3339 and plain dates, gives
// the same instant as time.Parse, and refuses the rest in one line quoting
// the input.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-01", "2026-03-01T12:00:00Z", "2026-03-01T12:00:00.123456789+05:30", "2026-03-01T12:00:00-00:00",
		"0000-01-01", "9999-12-31T23:59:59.999999999Z", "2026-02-29", "2024-02-29", "2026-13-01", "2026-3-1", "20260301",
		"yesterday", "", " 2026-03-01", "2026-03-01 ", "2026-03-01\n", "2026-03-01T12:00:00", "2026-03-01T24:00:00Z",
		"2026-03-01T12:00:60Z", "2026-03-01t12:00:00z", "2026-03-01T12:00:00+24:00", "１９９９-01-01", "2026-03-01T12:00:00Z\x00",
		"-0001-01-01", "+2026-03-01", "2026-03-01T12:00:00.Z", "2026-03-01T12:00:00,5Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime("--at", s)
		rfc, rfcErr := time.Parse(time.RFC3339, s)
		day, dayErr := time.Parse("2006-01-02", s)
		switch {
		case rfcErr == nil:
			if err != nil || !got.Equal(rfc) {
				t.Fatalf("parseTime(%q) = %v, %v; time.Parse RFC 3339 = %v", s, got, err, rfc)
			}
		case dayErr == nil:
			if err != nil || !got.Equal(day) || got.Location() != time.UTC {
				t.Fatalf("parseTime(%q) = %v, %v; want midnight UTC %v", s, got, err, day)
			}
		default:
			var ue usageError
			if !errors.As(err, &ue) || !strings.HasPrefix(ue.msg, fmt.Sprintf("--at %q: want ", s)) || strings.Contains(ue.msg, "\n") {
				t.Fatalf("parseTime(%q): want a one-line usage error quoting it, got %v", s, err)
			}
			return
		}
		// What lineage --at prints (RFC 3339) reads back as the same instant.
		if again, err := parseTime("--at", got.Format(time.RFC3339Nano)); err != nil || !again.Equal(got) {
			t.Fatalf("parseTime(%q) = %v, which does not read back: %v, %v", s, got, again, err)
		}
	})
}

// semverSeeds are versions near the edges of the valid_semver CHECK.
var semverSeeds = []string{"0.0.0", "1.2.3", "10.0.0-beta", "1.0.0-rc1", "999999999.0.0", "1000000000.0.0", "01.0.0", "1.0",
	"1.0.0.0", "1.0.0-", "1.0.0-RC1", "1.0.0-rc.1", "1.0.0+build", "1.0.0\n", " 1.0.0", "１.0.0", "1.0.0-ß", "1.0.0-\u212a",
	"1.0.0-rc1\x00", "1.0.0-\xff", "v1.0.0", "-1.0.0", "1..0", "..", "0.0.0-0", "1.2.3-a-b"}

// validSemver spells out the valid_semver CHECK without a regular expression:
// three dot-separated numbers of at most nine digits without leading zeros,
// then optionally a hyphen and one or more of [a-z0-9].
func validSemver(s string) bool {
	core, pre, hasPre := strings.Cut(s, "-")
	if hasPre {
		if pre == "" {
			return false
		}
		for i := 0; i < len(pre); i++ {
			if c := pre[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 9 || len(p) > 1 && p[0] == '0' {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

// FuzzSemver: `lineage --version` accepts exactly what the valid_semver CHECK
// accepts (spelled out by validSemver), and refuses the rest before
// connecting, in one line quoting the value.
func FuzzSemver(f *testing.F) {
	for _, s := range semverSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := lineage.SemverPattern.MatchString(s), validSemver(s); got != want {
			t.Fatalf("lineage.SemverPattern.MatchString(%q) = %v, the CHECK says %v", s, got, want)
		}
		err := (&app{out: io.Discard, errOut: io.Discard}).execute(context.Background(), []string{"--database-url", closedURL, "lineage", "m", "--version=" + s})
		switch {
		case s == "":
			var ue usageError
			if !errors.As(err, &ue) || ue.msg != "--version was given an empty value" {
				t.Fatalf("--version='': want it refused as empty, got %v", err)
			}
		case validSemver(s):
			// An import reaches for its source first: "source: cannot connect ...".
			if err == nil || !strings.HasPrefix(strings.TrimPrefix(err.Error(), "source: "), closedWhere) {
				t.Fatalf("--version=%q: want %q, got %v", s, closedWhere, err)
			}
		default:
			var ue usageError
			if !errors.As(err, &ue) || !strings.HasPrefix(ue.msg, fmt.Sprintf("--version %q: want ", s)) || strings.Contains(ue.msg, "\n") {
				t.Fatalf("--version=%q: want a one-line usage error quoting it, got %v", s, err)
			}
		}
	})
}

// FuzzRedact: whatever surrounds a URL in a message, and whatever its user,
// password and host, redact leaves no trace of the password; when nothing
// around the URL looks like another one, it replaces exactly the password.
func FuzzRedact(f *testing.F) {
	for _, s := range [][5]string{
		{"cannot connect to ", "admin", "s3cret-pw", "127.0.0.1:5432", ": refused"},
		{`parse "`, "u", "p", "h", `": invalid port`},
		{"", "", "pw", "host", ""},
		{"failed to connect to `", "user", "päss-wörd", "[::1]:5432", "`"},
		{"x ", "u", "%40%2F%3A", "h", " y"},
		{"", "u", "a:b:c", "h:1", ""},
		{"a //b:c@d and ", "u", "pw", "h", " then //e:f@g"},
		{`parse "`, "u", "p@ss", "host:notaport", `": invalid port`}, // printed "ss@host" before the fix
		{"", "u", "pa/ss", "h", ""},                                  // printed whole before the fix
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, prefix, user, password, host, suffix string) {
		// A URL holds no white space, its user no ':', '/' or '@', its host no '/' or '@'.
		if password == "" || strings.ContainsAny(password, " \t\n\f\r") ||
			strings.ContainsAny(user, ":/@ \t\n\f\r") || strings.ContainsAny(host, "/@ \t\n\f\r") {
			return
		}
		url := "postgres://" + user + ":" + password + "@" + host + "/db"
		perfect := prefix + "postgres://" + user + ":***@" + host + "/db" + suffix
		if strings.Contains(perfect, password) || strings.Contains(printable(perfect), password) {
			return // the text of the password is also elsewhere in the message (or its escapes)
		}
		out := (&app{databaseURL: url}).redact(prefix + url + suffix)
		if strings.Contains(out, password) {
			t.Fatalf("redact(%q) = %q: the password %q is still there", prefix+url+suffix, out, password)
		}
		if !strings.Contains(prefix, "//") && !strings.Contains(suffix, "@") && out != printable(perfect) {
			t.Fatalf("redact(%q) = %q, want %q", prefix+url+suffix, out, printable(perfect))
		}
	})
}

// FuzzParseSeed: parseSeed (`seed --rand-seed N`) accepts exactly the
// decimal integers from -2^63 to 2^64-1 (math/big says which those are), a
// negative one as its 64-bit two's complement, and nothing else.
func FuzzParseSeed(f *testing.F) {
	for _, s := range []string{"0", "1", "-1", "+1", "42", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
		"18446744073709551616", "9223372036854775808", "007", "-0", "1e3", "1.5", "0x10", "1_000", " 1", "1 ", "", "-", "+", "１"} {
		f.Add(s)
	}
	lo := new(big.Int).Lsh(big.NewInt(-1), 63)                                 // -2^63
	hi := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(1)) // 2^64-1
	mod := new(big.Int).Lsh(big.NewInt(1), 64)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSeed(s)
		n, ok := new(big.Int).SetString(s, 10)
		if !ok || n.Cmp(lo) < 0 || n.Cmp(hi) > 0 {
			if err == nil {
				t.Fatalf("parseSeed(%q) = %d, want an error", s, got)
			}
			return
		}
		want := new(big.Int).Mod(n, mod).Uint64()
		if err != nil || got != want {
			t.Fatalf("parseSeed(%q) = %d, %v; want %d", s, got, err, want)
		}
	})
}

// FuzzPasswordNeverPrinted: whatever the password in the database URL
// (with @, /, :, % unescaped or not), what mlreg prints never holds it. A
// password that the same command prints anyway with a neutral password
// (a word of the message itself) proves nothing and is skipped.
func FuzzPasswordNeverPrinted(f *testing.F) {
	for _, p := range []string{"p@ssw0rd!", "ret99@x/y", "a/b/c/d/e", "s3cret:with:colons", "per%cent%zz", "@@@@@@@@", "//host:1/x", "[::1]:pw"} {
		f.Add(p)
	}
	run := func(password string) (string, int) {
		var out, errOut strings.Builder
		url := "postgres://u:" + password + "@127.0.0.1:1/x?sslmode=disable"
		code := RunContext(context.Background(), []string{"--database-url", url, "--connect-timeout", "2s", "check"}, &out, &errOut)
		return out.String() + errOut.String(), code
	}
	f.Fuzz(func(t *testing.T, password string) {
		if len(password) < 8 || strings.ContainsAny(password, " \t\r\n\x00") {
			return
		}
		neutral, _ := run("Neutral-Pw-0000")
		if strings.Contains(neutral, password) {
			return
		}
		printed, code := run(password)
		if code != 2 || strings.Contains(printed, password) {
			t.Fatalf("password %q: exit %d, printed %q", password, code, printed)
		}
	})
}
