package mlregcli

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mlplatform/model-registry/internal/pgserver"
)

// Database URLs with passwords: whatever goes wrong with the URL (a closed
// port, a wrong password, a malformed URL), every command exits 2 with one
// line on stderr, and neither stream holds the password in any spelling.

// urlCommands are the commands that connect, with arguments the sample
// registry answers.
var urlCommands = [][]string{
	{"check"}, {"check", "--format", "json"},
	{"lineage", "fraud-detector"}, {"lineage", "fraud-detector", "--format", "json"},
	{"impact", "transaction-logs"}, {"impact", "transaction-logs", "--format", "json"},
	{"seed"}, {"migrate"}, {"audit", "verify"},
}

// badURL is a database URL that cannot work, the texts that must never be
// printed, and what stderr must say instead.
type badURL struct {
	name    string
	url     string
	secrets []string
	want    string
}

// spellings are the ways a password can appear: as given, and escaped for
// the userinfo or the query of a URL.
func spellings(password string) []string {
	return []string{password, url.PathEscape(password), url.QueryEscape(password),
		strings.TrimPrefix(url.UserPassword("u", password).String(), "u:")}
}

func TestDatabaseURLsWithPasswords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const (
		right  = "R1ght-pw/@:x%"
		wrong  = "Wr0ng-pw/@:x%"
		closed = "Cl0sed-pw/@:x%"
	)
	srv, err := pgserver.StartCluster(ctx, pgserver.ClusterOptions{Password: right})
	if err != nil {
		t.Fatalf("a cluster that checks passwords: %v", err)
	}
	t.Cleanup(func() { srv.Stop() })
	server, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}

	// (b) The right password connects: every command works.
	for _, args := range append([][]string{{"migrate"}, {"seed"}}, urlCommands...) {
		code, stdout, stderr := mlreg(t, append([]string{"--database-url", srv.URL}, args...)...)
		if code != 0 {
			t.Fatalf("%v with the right password: exit %d: %s", args, code, stderr)
		}
		for _, s := range spellings(right) {
			if strings.Contains(stdout+stderr, s) {
				t.Fatalf("%v printed the password (%q): %s%s", args, s, stdout, stderr)
			}
		}
	}

	withPassword := func(u url.URL, password string) string {
		u.User = url.UserPassword(u.User.Username(), password)
		return u.String()
	}
	closedPort := url.URL{Scheme: "postgres", User: url.User("admin"), Host: "127.0.0.1:1", Path: "/registry"}
	const (
		closedWant = "mlreg: cannot connect to database at 127.0.0.1:1/registry: "
		wrongWant  = `password authentication failed for user "postgres"`
		malformed  = "mlreg: database URL is malformed"
	)
	cases := []badURL{
		// (a) a closed port
		{"closed port", withPassword(closedPort, closed), spellings(closed), closedWant},
		{"closed port, password in the query", "postgres://admin@127.0.0.1:1/registry?password=" + url.QueryEscape(closed), spellings(closed), closedWant},
		{"closed port, keyword/value", "host=127.0.0.1 port=1 user=admin dbname=registry password='" + closed + "'", spellings(closed), closedWant},
		// (b) a wrong password against a server that checks it
		{"wrong password", withPassword(*server, wrong), spellings(wrong), wrongWant},
		{"wrong password, keyword/value", "host=127.0.0.1 port=" + server.Port() + " user=postgres dbname=postgres sslmode=disable password='" + wrong + "'",
			spellings(wrong), wrongWant},
		// (c) malformed
		{"unescaped @ and a bad port", "postgres://u:p@ss@host:notaport/db", []string{"p@ss", "ss@host"}, malformed},
		{"unescaped @ in the password", "postgres://u:ret99@x@127.0.0.1:1/db", []string{"ret99", "ret99@x"}, malformed},
		{"unescaped / in the password", "postgres://u:ab/cd@127.0.0.1:1/db", []string{"ab/cd", "cd@127"}, malformed},
		{"unclosed IPv6 bracket", "postgres://user:secret@[::1", []string{"secret"}, malformed},
		{"no scheme", "://secret", []string{"secret"}, malformed},
		{"space in the password", "postgres://user:sec ret@127.0.0.1:1/db", []string{"sec ret", "sec%20ret"}, malformed},
		{"bad escape in the password", "postgres://user:s3cr%zz@127.0.0.1:1/db", []string{"s3cr"}, malformed},
		{"port out of range", "postgres://user:secret@127.0.0.1:99999/db", []string{"secret"}, malformed},
		{"bad sslmode", "postgres://user:secret@127.0.0.1:1/db?sslmode=bogus", []string{"secret"}, malformed},
		{"keyword/value, bad port", "host=127.0.0.1 port=notaport user=u password=secret", []string{"secret"}, malformed},
	}

	// All at once: migrate waits 30 s for a server that does not answer.
	type result struct {
		code           int
		stdout, stderr string
	}
	results := make([][]result, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		results[i] = make([]result, len(urlCommands))
		for j, args := range urlCommands {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &results[i][j]
				r.code, r.stdout, r.stderr = mlreg(t, append([]string{"--database-url", c.url}, args...)...)
			}()
		}
	}
	wg.Wait()

	for i, c := range cases {
		for j, args := range urlCommands {
			t.Run(c.name+"/"+strings.Join(args, " "), func(t *testing.T) {
				r := results[i][j]
				want := c.want
				if args[0] == "migrate" && strings.HasPrefix(want, "mlreg: ") { // the same message, after the command's name
					want = "mlreg: migrate up: " + strings.TrimPrefix(want, "mlreg: ")
				}
				if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "mlreg: ") || !strings.HasSuffix(r.stderr, "\n") {
					t.Fatalf("exit %d, stderr %q: want exit 2 and one line", r.code, r.stderr)
				}
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q does not say %q", r.stderr, want)
				}
				if args[0] != "migrate" && r.stdout != "" {
					t.Errorf("stdout: %q", r.stdout)
				}
				for _, s := range c.secrets {
					if strings.Contains(r.stderr, s) || strings.Contains(r.stdout, s) {
						t.Errorf("printed %q: stderr %q, stdout %q", s, r.stderr, r.stdout)
					}
				}
			})
		}
	}
}

// TestDatabaseURLFromEnvironment: the URL in DATABASE_URL is kept as secret
// as the flag's.
func TestDatabaseURLFromEnvironment(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://admin:Env-s3cret@127.0.0.1:1/registry")
	for _, args := range urlCommands {
		if args[0] == "migrate" {
			continue // the flag's case above; 30 s of waiting
		}
		code, stdout, stderr := mlreg(t, args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
			!strings.HasPrefix(stderr, "mlreg: cannot connect to database at 127.0.0.1:1/registry: ") || strings.Contains(stderr, "Env-s3cret") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}
