package mlregcli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/schemas"
)

func (a *app) checkCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run every integrity check (exit 1 on an error-level finding)",
		Long: `check runs the registry's integrity checks in one read-only REPEATABLE READ
transaction, so all of them describe the same moment of the registry; it
changes nothing. It exits 1 when a check finds an error, 0 otherwise
(warnings are printed but do not fail).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, format, "text", "json"); err != nil {
				return err
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			report, err := integrity.RunSnapshot(cmd.Context(), pool)
			if err != nil {
				return err
			}
			if format == "json" {
				if err := schemas.WriteJSON(a.out, newCheckDocument(report)); err != nil {
					return err
				}
			} else {
				printFindings(a.out, report)
			}
			if !report.OK() {
				return errFindings
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// formatOf refuses a --format value the command does not write.
func formatOf(cmd *cobra.Command, value string, allowed ...string) error {
	for _, v := range allowed {
		if value == v {
			return nil
		}
	}
	want := strings.Join(allowed[:len(allowed)-1], ", ")
	if len(allowed) > 1 {
		want += " or "
	}
	want += allowed[len(allowed)-1]
	return usagef("unknown format %q for %s (want %s)", value, strings.TrimPrefix(cmd.CommandPath(), "mlreg "), want)
}

func printFindings(w io.Writer, r integrity.Report) {
	if len(r.Findings) == 0 {
		fmt.Fprintf(w, "check: %d checks, no findings\n", r.Checks)
		return
	}
	color := colorOn(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCHECK\tSUBJECT\tDETAIL")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", color.severity(f.Severity), f.Check, f.Subject, f.Detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "check: %d checks, %s (%s, %s)\n", r.Checks, plural(len(r.Findings), "finding"),
		plural(r.Errors, "error"), plural(r.Warnings(), "warning"))
}

// plural is "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// palette colours a terminal's output, unless NO_COLOR is set
// (https://no-color.org) or the terminal is dumb; elsewhere it is plain.
type palette bool

func colorOn(w io.Writer) palette {
	return palette(isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb")
}

// severity pads before colouring, so that tabwriter's columns, which count
// the escape codes, stay aligned.
func (p palette) severity(s string) string {
	if !p {
		return s
	}
	code := "33" // yellow: warning
	if s == integrity.SeverityError {
		code = "31" // red
	}
	return fmt.Sprintf("\033[%sm%-7s\033[0m", code, s)
}
