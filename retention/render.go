package retention

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes a heading (the run, or the dry run, and the counts), the
// periods in force, and a table of the rows.
func WriteText(w io.Writer, r Report) error {
	outcome := "nothing has expired"
	if r.Removed.Total() > 0 {
		outcome = "removed " + r.Removed.String()
		if r.DryRun {
			outcome = "would remove " + r.Removed.String()
		}
	}
	var err error
	if r.DryRun {
		_, err = fmt.Fprintf(w, "retention dry run at %s: %s\n", fmtTime(r.At), outcome)
	} else {
		_, err = fmt.Fprintf(w, "retention run %d at %s by %s (database user %s): %s\n", r.Run.ID, fmtTime(r.Run.AppliedAt),
			printable(r.Run.Actor), printable(r.Run.DBUser), outcome)
	}
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "periods: %s\n", r.Policies); err != nil {
		return err
	}
	if len(r.Rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tMODEL\tVERSION\tENVIRONMENT\tKEPT SINCE (UTC)\tKEEP\tEXPIRED (UTC)\tPOLICY\tKEY")
	for _, row := range r.Rows {
		env := "-"
		if row.Environment != nil {
			env = *row.Environment
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Table, row.Model, row.Version, env, fmtTime(row.KeptSince),
			row.Keep, fmtTime(row.ExpiredAt), row.Policy, printable(string(row.RowKey)))
	}
	return tw.Flush()
}

// String is the counts in words: "2 training runs, 1 dataset link".
func (c Counts) String() string {
	var parts []string
	for _, n := range []struct {
		n    int64
		what string
	}{{c.TrainingRuns, "training run"}, {c.RunDatasets, "dataset link"}, {c.Deployments, "inactive deployment"}} {
		switch {
		case n.n == 1:
			parts = append(parts, "1 "+n.what)
		case n.n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n.n, n.what))
		}
	}
	if len(parts) == 0 {
		return "no rows"
	}
	return strings.Join(parts, ", ")
}

// String is the periods in force, most general first: "built-in: inactive
// deployments 2 years, training runs 1 year; model fraud-detector: training
// runs 3 years".
func (p Policies) String() string {
	parts := []string{"built-in: " + p.BuiltIn.String()}
	for _, rule := range p.Rules {
		scope := rule.Scope
		switch {
		case rule.Environment != nil:
			scope = "environment " + *rule.Environment
		case rule.Model != nil:
			scope = "model " + *rule.Model
		}
		parts = append(parts, scope+": "+rule.Periods.String())
	}
	return strings.Join(parts, "; ")
}

// String is the periods that are set.
func (p Periods) String() string {
	var parts []string
	if p.InactiveDeployments != nil {
		parts = append(parts, "inactive deployments "+*p.InactiveDeployments)
	}
	if p.TrainingRuns != nil {
		parts = append(parts, "training runs "+*p.TrainingRuns)
	}
	return strings.Join(parts, ", ")
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// printable escapes control characters, which an actor's or a database
// user's name may hold, so that each row stays on its line.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			q := fmt.Sprintf("%q", string(r))
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
