package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mlplatform/model-registry/integrity"
)

func cmdCheck(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	format := fs.String("format", "text", "")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("check takes no arguments, got %q", rest[0])
	}
	if *format != "text" && *format != "json" {
		return usagef("unknown format %q for check (want text or json)", *format)
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	report, err := integrity.RunSnapshot(ctx, pool)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"ok": report.OK(), "findings": report.Findings}); err != nil {
			return err
		}
	} else {
		printFindings(e.out, report)
	}
	if !report.OK() {
		return errFindings
	}
	return nil
}

func printFindings(w io.Writer, r integrity.Report) {
	if len(r.Findings) == 0 {
		fmt.Fprintf(w, "check: %d checks, no findings\n", r.Checks)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCHECK\tSUBJECT\tDETAIL")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Severity, f.Check, f.Subject, f.Detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "check: %d checks, %d findings (%d errors, %d warnings)\n", r.Checks, len(r.Findings), r.Errors, r.Warnings())
}
