package mlregcli

import (
	"context"
	"strings"
	"testing"

	"github.com/mlplatform/model-registry/internal/pgtest"
)

// TestHelpGoesToStdout: -h, --help and `help CMD` print the command's help
// on stdout and exit 0, without a database (before: stderr and exit 2, and
// `lineage -h` answered "no database"); every flag is described.
func TestHelpGoesToStdout(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"}, {"lineage", "-h"}, {"lineage", "--help"}, {"help", "lineage"},
		{"audit", "log", "-h"}, {"check", "--help"}, {"migrate", "down", "-h"}, {"seed", "-h"},
	} {
		code, out, errOut := mlreg(t, args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d, stderr %q, stdout %.200q", args, code, errOut, out)
			continue
		}
		if len(args) > 1 || args[0] != "help" {
			for _, line := range strings.Split(out, "\n") {
				trimmed := strings.TrimSpace(line)
				if strings.HasPrefix(trimmed, "--") && !strings.Contains(strings.Join(strings.Fields(trimmed)[1:], " "), " ") &&
					len(strings.Fields(trimmed)) < 3 {
					t.Errorf("%v: flag without a description: %q", args, line)
				}
			}
		}
	}
	code, out, _ := mlreg(t, "help", "lineage")
	for _, flag := range []string{"--format", "--version", "--at", "--namespace", "--database-url", "--actor", "--connect-timeout"} {
		if code != 0 || !strings.Contains(out, flag) {
			t.Errorf("help lineage lacks %s", flag)
		}
	}
}

// TestVersionFlag: --version prints the build's version on stdout, exit 0.
func TestVersionFlag(t *testing.T) {
	code, out, errOut := mlreg(t, "--version")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "mlreg ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestCompletion: shell completion scripts for the usual shells.
func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "complete", "zsh": "#compdef mlreg", "fish": "complete -c mlreg", "powershell": "Register-ArgumentCompleter"} {
		code, out, errOut := mlreg(t, "completion", shell)
		if code != 0 || errOut != "" || !strings.Contains(out, marker) {
			t.Errorf("completion %s: exit %d, stderr %q, %d bytes without %q", shell, code, errOut, len(out), marker)
		}
	}
}

// TestFlagsAnywhere: a command's flags before or after its argument, and the
// global flags after the command name too (before, `check --database-url`
// was "flag provided but not defined" and `lineage MODEL --database-url`
// answered "no database").
func TestFlagsAnywhere(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	url := seeded(t)
	for _, args := range [][]string{
		{"--database-url", url, "check"},
		{"check", "--database-url", url},
		{"check", "--database-url=" + url, "--format", "json"},
		{"lineage", "fraud-detector", "--database-url", url, "--format", "json"},
		{"lineage", "--format", "json", "--database-url", url, "fraud-detector"},
		{"impact", "--database-url", url, "transaction-logs", "--format=json"},
		{"audit", "verify", "--database-url", url},
		{"check", "--actor", "someone", "--database-url", url},
	} {
		if code, _, errOut := mlreg(t, args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
}

// TestEmptyAndInvalidValues: a flag given an empty value, and names or an
// actor that are not UTF-8, are refused in one line naming them, exit 2,
// before any connection (before: taken as absent, or a raw 22021).
func TestEmptyAndInvalidValues(t *testing.T) {
	const closed = "postgres://u:pw@127.0.0.1:1/x"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lineage", "m", "--at", ""}, "--at was given an empty value"},
		{[]string{"lineage", "m", "--version", ""}, "--version was given an empty value"},
		{[]string{"seed", "--scale", ""}, "--scale was given an empty value"},
		{[]string{"audit", "log", "--since="}, "--since was given an empty value"},
		{[]string{"--actor", "", "check"}, "--actor was given an empty value"},
		{[]string{"--actor", "bad\xffactor", "check"}, `--actor bad\xffactor is not valid UTF-8 text`},
		{[]string{"lineage", "fraud\xfe"}, `model name fraud\xfe is not valid UTF-8 text`},
		{[]string{"impact", "bad\x00name"}, `dataset name bad\x00name is not valid UTF-8 text`},
	} {
		code, _, errOut := mlreg(t, append([]string{"--database-url", closed}, c.args...)...)
		if code != 2 || errOut != "mlreg: "+c.want+"\n" {
			t.Errorf("%q: exit %d, stderr %q, want %q", c.args, code, errOut, "mlreg: "+c.want)
		}
	}
}

// TestUnmigratedDatabase: on a database without the registry's schema, each
// command says to migrate, in one line, exit 2 (before: a raw "relation ...
// does not exist (SQLSTATE 42P01)", and erd an empty diagram with exit 0).
func TestUnmigratedDatabase(t *testing.T) {
	url := pgtest.NewEmptyURL(t)
	for _, args := range [][]string{{"check"}, {"lineage", "m"}, {"impact", "d"}, {"seed"}, {"audit", "verify"}, {"audit", "log"}, {"erd"}} {
		code, out, errOut := mlreg(t, append([]string{"--database-url", url}, args...)...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "mlreg migrate up") {
			t.Errorf("%v on an empty database: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// TestNewerDatabase: a database migrated by a newer release (a migration
// this one does not know) is refused by every command, migrate included,
// and left as it was.
func TestNewerDatabase(t *testing.T) {
	url := pgtest.NewURL(t)
	exec(t, url, "INSERT INTO schema_migrations (version) VALUES ('29991231000000')")
	for _, args := range [][]string{{"check"}, {"migrate", "up"}, {"migrate", "down"}, {"migrate", "status"}} {
		code, _, errOut := mlreg(t, append([]string{"--database-url", url}, args...)...)
		if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "newer release") || !strings.Contains(errOut, "29991231000000") {
			t.Errorf("%v on a newer database: exit %d, stderr %q", args, code, errOut)
		}
	}
	var n int
	if err := dial(t, url).QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		t.Fatalf("schema_migrations: %d, %v", n, err)
	}
}

// TestMigrateDownGuardsTheAuditTrail: rolling back the migration that holds
// the audit trail is refused while the trail has rows, naming them; --force
// goes ahead.
func TestMigrateDownGuardsTheAuditTrail(t *testing.T) {
	url := seeded(t) // the seed wrote audit rows
	// Roll back to the audit trail's migration, keeping it.
	for {
		code, out, errOut := mlreg(t, "--database-url", url, "migrate", "down")
		if code != 0 {
			if !strings.Contains(errOut, "audit_log (") || !strings.Contains(errOut, "--force") || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("migrate down: exit %d, stderr %q", code, errOut)
			}
			break
		}
		if strings.Contains(out, "audit_log") {
			t.Fatalf("rolled back the audit trail without --force: %s", out)
		}
	}
	var rows int
	if err := dial(t, url).QueryRow(context.Background(), "SELECT count(*) FROM audit_log").Scan(&rows); err != nil || rows == 0 {
		t.Fatalf("the audit trail after the refusal: %d rows, %v", rows, err)
	}
	if code, _, errOut := mlreg(t, "--database-url", url, "migrate", "down", "--force"); code != 0 {
		t.Fatalf("migrate down --force: exit %d: %s", code, errOut)
	}
}
