package mlregcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/importer"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/schemas"
)

// importFlags are the flags every import takes.
type importFlags struct {
	from        string
	format      string
	dryRun      bool
	skipInvalid bool
}

func (f *importFlags) register(cmd *cobra.Command, fromHelp string) {
	flags := cmd.Flags()
	flags.StringVar(&f.from, "from", "", fromHelp)
	flags.StringVar(&f.format, "format", "text", "report format: text or json")
	flags.BoolVar(&f.dryRun, "dry-run", false, "read, map and validate, print the report, write nothing")
	flags.BoolVar(&f.skipInvalid, "skip-invalid", false, "import the rows the registry can hold and list the others, instead of refusing the import")
	_ = cmd.MarkFlagRequired("from")
}

func (a *app) importCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Move an existing registry in: Exercise 01's training_runs table, an MLflow store, an export",
		Long: `import reads a source (only reads it, in one read-only transaction) and
writes the registry in one transaction under --actor, so the audit trail says
who imported what. It is all or nothing: a source row the registry cannot
hold is listed with its reason and nothing is written (exit 1), unless
--skip-invalid imports the rest. Importing the same source again changes
nothing; a source that gained rows adds only those. After writing, it
compares counts with the source and runs the integrity checks; a failure
rolls the import back. docs/import.md has every mapping rule.`,
	}
	return group(cmd, a.importTrainingRunsCommand(), a.importMLflowCommand(), a.importJSONLCommand())
}

func (a *app) importTrainingRunsCommand() *cobra.Command {
	var f importFlags
	var table string
	cmd := &cobra.Command{
		Use:   "training-runs --from SOURCE_URL",
		Short: "Import Exercise 01's flat training_runs table",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := importer.ParseTable(table); err != nil {
				return usagef("--table %q: %v", table, err)
			}
			return a.runImport(cmd, f, func(ctx context.Context, source, dst registry.TxBeginner, opts importer.Options) (importer.Report, error) {
				return importer.TrainingRuns(ctx, source, dst, table, opts)
			})
		},
	}
	f.register(cmd, "PostgreSQL URL of the database holding the table")
	cmd.Flags().StringVar(&table, "table", importer.DefaultTable, "the table to read, schema-qualified if need be")
	return cmd
}

func (a *app) importMLflowCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "mlflow --from SOURCE_URL",
		Short: "Import an MLflow backend store on PostgreSQL (MLflow 2.x or current)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runImport(cmd, f, importer.MLflow)
		},
	}
	f.register(cmd, "PostgreSQL URL of the MLflow backend store")
	return cmd
}

func (a *app) importJSONLCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "jsonl --from FILE",
		Short: "Import an export of mlreg export (- reads standard input) into an empty registry",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, f.format, "text", "json"); err != nil {
				return err
			}
			in, err := openInput(f.from)
			if err != nil {
				return err
			}
			defer in.Close()
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			report, err := importer.JSONL(cmd.Context(), in, pool, a.importOptions(f))
			return a.finishImport(report, err, f.format)
		},
	}
	f.register(cmd, "the export file, or - for standard input")
	return cmd
}

func openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	in, err := os.Open(path)
	if err != nil {
		return nil, usagef("--from: %v", err)
	}
	return in, nil
}

// importFunc is one of the importer's database sources.
type importFunc func(ctx context.Context, source, registryDB registry.TxBeginner, opts importer.Options) (importer.Report, error)

// runImport connects to the source and the registry and runs imp.
func (a *app) runImport(cmd *cobra.Command, f importFlags, imp importFunc) error {
	if err := formatOf(cmd, f.format, "text", "json"); err != nil {
		return err
	}
	a.otherURLs = append(a.otherURLs, f.from) // its password is kept out of every message too
	ctx := cmd.Context()
	cfg, err := registry.ParsePoolConfig(f.from)
	if err != nil {
		return usagef("--from: %v", err)
	}
	if a.timeoutGiven {
		cfg.ConnConfig.ConnectTimeout = a.connectTimeout
	}
	source, err := registry.Connect(ctx, cfg)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer source.Close()
	pool, err := a.pool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	report, err := imp(ctx, source, pool, a.importOptions(f))
	return a.finishImport(report, err, f.format)
}

func (a *app) importOptions(f importFlags) importer.Options {
	opts := importer.Options{Actor: a.actor, DryRun: f.dryRun, SkipInvalid: f.skipInvalid}
	if bar := newProgressBar(a.errOut, "import"); bar != nil {
		opts.Progress = func(stage string, done, total int64) {
			if total < 0 { // a source table still streaming
				total = done
			}
			bar.update(stage, done, total)
		}
		a.clearProgress = bar.clear
	}
	return opts
}

// finishImport prints the report of a finished or refused import: exit 0
// when it committed (or a dry run found nothing to refuse), 1 when it was
// refused (the report lists why), 2 when it could not run.
func (a *app) finishImport(report importer.Report, err error, format string) error {
	if a.clearProgress != nil {
		a.clearProgress()
	}
	var refused *importer.RefusedError
	if errors.As(err, &refused) {
		if perr := printImportReport(a.out, refused.Report, format); perr != nil {
			return perr
		}
		fmt.Fprintln(a.errOut, "mlreg: "+a.redact(refused.Error()))
		return errFindings
	}
	if err != nil {
		return err
	}
	return printImportReport(a.out, report, format)
}

func printImportReport(w io.Writer, r importer.Report, format string) error {
	if format == "json" {
		return schemas.WriteJSON(w, r)
	}
	mode := "committed"
	switch {
	case r.DryRun:
		mode = "dry run, nothing written"
	case !r.Committed:
		mode = "nothing written"
	}
	fmt.Fprintf(w, "import %s (%s) as %s\n", r.Source.Kind, mode, r.Actor)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ENTITY\tREAD\tIMPORTED\tPRESENT\tUPDATED\tSKIPPED\tREFUSED\t")
	for _, name := range r.EntityNames() {
		e := r.Entities[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, e.Read, e.Imported, e.AlreadyPresent, e.Updated, len(e.Skipped), len(e.Refused))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, name := range r.EntityNames() {
		e := r.Entities[name]
		for _, n := range e.Refused {
			fmt.Fprintf(w, "refused  %s %s: %s\n", name, printable(n.Source), printable(n.Reason))
		}
		for _, n := range e.Skipped {
			fmt.Fprintf(w, "skipped  %s %s: %s\n", name, printable(n.Source), printable(n.Reason))
		}
	}
	for _, m := range r.NameMappings {
		fmt.Fprintf(w, "renamed  %s %s -> %s (%s)\n", m.Entity, printable(m.Source), m.Name, m.Rule)
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "warning  %s %s: %s\n", warning.Entity, printable(warning.Source), printable(warning.Message))
	}
	if v := r.Validation; v != nil {
		state := "passed"
		if !v.OK {
			state = "FAILED"
		}
		fmt.Fprintf(w, "validation %s: %d counts compared, integrity %d checks, %d errors, %d warnings\n",
			state, len(v.Counts), v.Integrity.Checks, v.Integrity.Errors, v.Integrity.Warnings)
	}
	return nil
}

func (a *app) exportCommand() *cobra.Command {
	var format, model, output string
	cmd := &cobra.Command{
		Use:   "export --format jsonl",
		Short: "Write the registry (or one model and what it reaches) as JSON lines",
		Long: `export writes the registry as JSON lines, read in one REPEATABLE READ
snapshot: a header line, then one line per row of every table, ids
included. mlreg import jsonl reads it back into an empty registry with the
same rows. The audit trail is not exported: it records what happened here.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, format, "jsonl"); err != nil {
				return err
			}
			if err := validText("--model", model); err != nil {
				return err
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			export := func(w io.Writer) error { return importer.ExportJSONL(cmd.Context(), pool, w, model) }
			if output == "-" {
				err = export(a.out)
			} else {
				err = writeOutput(output, export)
			}
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			return nil
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&format, "format", "jsonl", "export format: jsonl")
	flags.StringVar(&model, "model", "", "export this model and what it reaches only")
	flags.StringVar(&output, "output", "-", "file to write (- is standard output)")
	return cmd
}

// writeOutput writes what write produces to path. A regular file is
// written beside path under a temporary name and renamed over it once
// complete and closed, so that a failed export leaves neither half a file
// nor the loss of the file that was there (an earlier export, kept with its
// permissions). Anything else (a device, a pipe) is written directly and
// never removed.
func writeOutput(path string, write func(io.Writer) error) error {
	mode := os.FileMode(0o600) // an export holds the whole registry
	if info, err := os.Stat(path); err == nil {
		if !info.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return usagef("--output: %v", err)
			}
			if err := write(f); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}
		mode = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return usagef("--output: %v", err)
	}
	defer os.Remove(tmp.Name()) // nothing half-written stays; a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
