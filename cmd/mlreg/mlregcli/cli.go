// Package mlregcli is the mlreg command: its cobra commands, flags and
// output. The registry's logic lives in the library packages it calls
// (lineage, integrity, seed, migrate, ...); this package parses, connects,
// calls and prints. Run is what cmd/mlreg's main calls; another program can
// embed the same commands through it.
package mlregcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlplatform/model-registry/registry"
)

// Exit statuses: the contract the README documents.
const (
	exitOK       = 0
	exitFindings = 1 // the job ran and found errors (check, audit verify)
	exitCannot   = 2 // it could not run: bad input, unknown names, no database
)

// errFindings makes a command exit 1 after printing its report.
var errFindings = errors.New("found errors")

// usageError is bad input: reported in one line with exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Run runs mlreg with args (without the program name) and returns its exit
// status. SIGINT and SIGTERM cancel the command, which stops what it
// started (a throwaway server included) and exits 2.
func Run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunContext(ctx, args, stdout, stderr)
}

// RunContext is Run under the caller's context.
func RunContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return (&app{out: stdout, errOut: stderr}).run(ctx, args)
}

// run executes args and turns the outcome into an exit status, printing
// the error, if any, in one line.
func (a *app) run(ctx context.Context, args []string) int {
	stderr := a.errOut
	err := a.execute(ctx, args)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFindings):
		return exitFindings
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "mlreg: interrupted")
		return exitCannot
	}
	fmt.Fprintln(stderr, "mlreg: "+a.redact(foldSuggestions(err.Error())))
	return exitCannot
}

// execute runs the command line args and returns its error, unprinted.
func (a *app) execute(ctx context.Context, args []string) error {
	if a.getenv == nil {
		a.getenv = os.Getenv
	}
	if len(args) == 0 {
		return usagef("no command given; `mlreg help` lists them")
	}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	return root.ExecuteContext(ctx)
}

// app holds the global flags every command sees.
type app struct {
	out, errOut    io.Writer
	getenv         func(string) string // os.Getenv unless a test says otherwise
	databaseURL    string
	actor          string
	connectTimeout time.Duration
	timeoutGiven   bool     // by flag or environment: it overrides the URL's connect_timeout
	otherURLs      []string // URLs besides --database-url a command connects to (import --from)
	clearProgress  func()   // clears a progress bar before an error is printed
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mlreg",
		Short: "The ML model registry's command: migrate, seed, check, lineage, impact, audit, stats",
		Long: `mlreg runs the registry's jobs against the PostgreSQL database named by
--database-url or DATABASE_URL.

Exit status: 0 success; 1 the job ran and found errors (check, audit
verify); 2 it could not run (bad flags or values, unknown names, no or
unreachable database). Passwords are never printed.`,
		Version:           version(),
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
		PersistentPreRunE: a.resolveGlobals,
	}
	root.SetVersionTemplate("mlreg {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%s: %v", cmd.CommandPath(), err)
	})
	flags := root.PersistentFlags()
	flags.StringVar(&a.databaseURL, "database-url", "", "PostgreSQL URL of the registry (default: $DATABASE_URL)")
	flags.StringVar(&a.actor, "actor", "", "who the audit trail records for changes (default: $MLREG_ACTOR, else your login name)")
	flags.DurationVar(&a.connectTimeout, "connect-timeout", 0, "give up connecting after this long (default: $MLREG_CONNECT_TIMEOUT, else 10s)")
	root.AddCommand(
		a.migrateCommand(), a.seedCommand(), a.checkCommand(), a.lineageCommand(), a.impactCommand(),
		a.erdCommand(), a.auditCommand(), a.statsCommand(), a.demoCommand(), a.benchCommand(),
		a.importCommand(), a.exportCommand(), a.retentionCommand(), a.scheduleCommand(),
	)
	return root
}

// resolveGlobals fills the global flags left unset from the environment
// and checks them; it runs before every command.
func (a *app) resolveGlobals(cmd *cobra.Command, _ []string) error {
	// The root's own flag set: a command may have a flag of the same name
	// (audit log --actor filters by actor) that shadows the global one.
	flags := cmd.Root().PersistentFlags()
	if err := rejectEmptyFlags(cmd); err != nil {
		return err
	}
	if !flags.Changed("database-url") {
		a.databaseURL = a.getenv("DATABASE_URL")
	}
	if !flags.Changed("actor") {
		a.actor = a.getenv("MLREG_ACTOR")
		if a.actor == "" {
			a.actor = loginName()
		}
	}
	a.timeoutGiven = flags.Changed("connect-timeout")
	if !a.timeoutGiven {
		a.connectTimeout = registry.DefaultConnectTimeout
		if env := a.getenv("MLREG_CONNECT_TIMEOUT"); env != "" {
			a.timeoutGiven = true
			d, err := time.ParseDuration(env)
			if err != nil || d <= 0 {
				return usagef("MLREG_CONNECT_TIMEOUT %q is not a positive duration (like 10s)", env)
			}
			a.connectTimeout = d
		}
	}
	if a.connectTimeout <= 0 {
		return usagef("--connect-timeout must be positive")
	}
	if err := validText("--actor", a.actor); err != nil {
		return err
	}
	if strings.TrimSpace(a.actor) == "" {
		return usagef("--actor must not be blank")
	}
	return nil
}

func loginName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// rejectEmptyFlags refuses a flag given with an empty value (--at ”):
// taken as absent, it would silently mean something else.
func rejectEmptyFlags(cmd *cobra.Command) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err == nil && f.Value.Type() == "string" && f.Value.String() == "" {
			err = usagef("--%s was given an empty value", f.Name)
		}
	})
	return err
}

// validText refuses what the database would refuse with a raw 22021:
// text that is not UTF-8, or holds a NUL.
func validText(what, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return usagef("%s %s is not valid UTF-8 text", what, printable(s))
	}
	return nil
}

// group makes cmd a group of subcommands: run bare or with an unknown
// subcommand, it is a usage error listing them (help is -h).
func group(cmd *cobra.Command, subcommands ...*cobra.Command) *cobra.Command {
	cmd.AddCommand(subcommands...)
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		name := strings.TrimPrefix(cmd.CommandPath(), "mlreg ")
		if len(args) > 0 {
			return usagef("unknown %s subcommand %q (want %s)", name, args[0], strings.Join(names, ", "))
		}
		return usagef("%s needs a subcommand: %s", name, strings.Join(names, ", "))
	}
	return cmd
}

// noArgs is cobra.NoArgs for a command without subcommands, with a message
// that names the stray argument.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", strings.TrimPrefix(cmd.CommandPath(), "mlreg "), args[0])
	}
	return nil
}

// foldSuggestions puts cobra's "Did you mean this?" list of an unknown
// command on the error's line; any other line break is escaped by redact.
func foldSuggestions(msg string) string {
	first, rest, found := strings.Cut(msg, "\n\nDid you mean this?\n")
	if !found {
		return msg
	}
	return first + " (did you mean " + strings.Join(strings.Fields(rest), ", ") + "?)"
}
