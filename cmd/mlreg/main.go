// Command mlreg runs the registry's daily jobs on the generated queries:
// migrate, seed, check, lineage, impact, erd, audit and demo.
//
// Exit status: 0 success; 1 the job ran and found errors (check, audit
// verify); 2 it could not run (bad arguments, unknown names, no database).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"syscall"
)

const usage = `usage: mlreg [--database-url URL] [--actor NAME] COMMAND [ARGS]

commands:
  migrate [up|down|status]   apply the embedded migrations
  seed                       load the sample registry (idempotent)
  seed --scale SIZE [--rand-seed N]
                             load a synthetic registry (tiny, small, medium or large)
                             through COPY in one transaction, deterministic for a seed
                             (default 1); refused when the registry has models
  check [--format text|json] run the integrity checks
  lineage MODEL [--version SEMVER] [--at TIME] [--format text|json|dot|mermaid|openlineage]
                [--namespace NS]  (openlineage: the job namespace, default mlreg)
  impact DATASET [--format text|json]
  demo                       all of the above on a throwaway database
  bench [--size tiny|small|medium|large] [--json] [--lookups N] [--keep]
                             measure against baselines in the same run (throwaway
                             server, or scratch databases on DATABASE_URL's server)
  erd [--format mermaid]     the database's schema as an entity-relationship diagram
  audit verify               check the audit hash chain (exit 1 at the first broken link)
  audit seal [--wait 30s]    chain the audit rows written since the last seal
  audit log [--table T] [--actor A] [--since TIME] [--limit N] [--format text|json]

DATABASE_URL is read when --database-url is not given.`

// usageError is bad input: reported in one line with exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errFindings makes check exit 1 after printing its report.
var errFindings = errors.New("integrity check found errors")

// env is what every subcommand gets.
type env struct {
	databaseURL string
	actor       string
	out         io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := dispatch(ctx, args, stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFindings):
		return 1
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stderr, usage)
		return 2
	default:
		fmt.Fprintln(stderr, "mlreg: "+redact(err.Error()))
		return 2
	}
}

func dispatch(ctx context.Context, args []string, out io.Writer) error {
	global := flag.NewFlagSet("mlreg", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	e := env{out: out}
	global.StringVar(&e.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "")
	global.StringVar(&e.actor, "actor", defaultActor(), "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	rest := global.Args()
	if len(rest) == 0 {
		return flag.ErrHelp
	}
	cmd, cmdArgs := rest[0], rest[1:]
	if cmd != "demo" && cmd != "bench" && e.databaseURL == "" {
		return usagef("no database: set DATABASE_URL or pass --database-url")
	}
	switch cmd {
	case "migrate":
		return cmdMigrate(e, cmdArgs)
	case "seed":
		return cmdSeed(ctx, e, cmdArgs)
	case "check":
		return cmdCheck(ctx, e, cmdArgs)
	case "lineage":
		return cmdLineage(ctx, e, cmdArgs)
	case "impact":
		return cmdImpact(ctx, e, cmdArgs)
	case "erd":
		return cmdErd(ctx, e, cmdArgs)
	case "audit":
		return cmdAudit(ctx, e, cmdArgs)
	case "demo":
		return cmdDemo(ctx, e, cmdArgs)
	case "bench":
		return cmdBench(ctx, e, cmdArgs)
	}
	return usagef("unknown command %q (want migrate, seed, check, lineage, impact, erd, audit, demo or bench)", cmd)
}

func defaultActor() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// parseFlags parses a subcommand's flags, allowing them after positional
// arguments (mlreg lineage MODEL --format json), and returns the positionals.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
