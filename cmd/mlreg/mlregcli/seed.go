package mlregcli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/seed"
)

func (a *app) seedCommand() *cobra.Command {
	var scale, randSeed string
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Load the sample registry, or a synthetic one with --scale",
		Long: `seed loads the exercise's sample registry; loading it again changes nothing.

With --scale tiny|small|medium|large it loads a synthetic registry instead
(small: 500 models, 5,000 versions, 50,000 training runs) through COPY, in one
transaction, the same rows for the same --rand-seed; it refuses a registry
that already has models.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scale == "" {
				if cmd.Flags().Changed("rand-seed") {
					return usagef("seed: --rand-seed goes with --scale")
				}
				return a.seedSample(cmd)
			}
			size, err := seed.ParseSize(scale)
			if err != nil {
				return usagef("seed: %v", err)
			}
			n := uint64(1)
			if cmd.Flags().Changed("rand-seed") {
				if n, err = parseSeed(randSeed); err != nil {
					return usagef("seed: --rand-seed %q is not an integer", randSeed)
				}
			}
			return a.seedScale(cmd, size, n)
		},
	}
	cmd.Flags().StringVar(&scale, "scale", "", "load a synthetic registry of this size: tiny, small, medium or large")
	cmd.Flags().StringVar(&randSeed, "rand-seed", "1", "seed of the synthetic registry's random numbers (any 64-bit integer)")
	return cmd
}

func (a *app) seedSample(cmd *cobra.Command) error {
	ctx := cmd.Context()
	pool, err := a.pool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	var created int
	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: a.actor}, func(q *registrydb.Queries) error {
		var err error
		created, err = seed.Sample(ctx, q)
		return err
	})
	if err != nil {
		return fmt.Errorf("seed: %w (nothing was loaded)", err)
	}
	fmt.Fprintf(a.out, "seed: sample registry loaded (%d new rows)\n", created)
	return nil
}

// parseSeed accepts any integer that fits 64 bits, signed or not.
func parseSeed(s string) (uint64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return uint64(n), nil
	}
	return strconv.ParseUint(s, 10, 64)
}

func (a *app) seedScale(cmd *cobra.Command, size seed.Size, randSeed uint64) error {
	ctx := cmd.Context()
	pool, err := a.pool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	opts := seed.ScaleOptions{Seed: randSeed, Actor: a.actor}
	bar := newProgressBar(a.errOut, "seed "+size.Name)
	if bar != nil {
		opts.Progress = bar.update
	}
	res, err := seed.Scale(ctx, pool, size, opts)
	bar.clear()
	var refused *seed.HasModelsError
	if errors.As(err, &refused) {
		return usagef("seed --scale: %v", refused)
	}
	if err != nil {
		return fmt.Errorf("seed --scale: %w", err)
	}
	printSeedSummary(a.out, size, randSeed, res)
	return nil
}

func printSeedSummary(w io.Writer, size seed.Size, randSeed uint64, res seed.ScaleResult) {
	fmt.Fprintf(w, "seed: synthetic registry %q (rand seed %d), one transaction\n", size.Name, randSeed)
	fmt.Fprintf(w, "  %-14s %10s %9s %10s\n", "TABLE", "ROWS", "SECONDS", "ROWS/S")
	var total int64
	line := func(table string, rows int64, d time.Duration) {
		fmt.Fprintf(w, "  %-14s %10d %9.2f %10.0f\n", table, rows, d.Seconds(), float64(rows)/max(d.Seconds(), 1e-9))
	}
	for _, c := range res.Tables {
		line(c.Table, c.Rows, c.Elapsed)
		total += c.Rows
	}
	line("total", total, res.Elapsed)
	fmt.Fprintf(w, "seed: %d rows in %.1f s (%.0f rows/s)\n", total, res.Elapsed.Seconds(), float64(total)/max(res.Elapsed.Seconds(), 1e-9))
}

// progressBar redraws one line on a terminal, at most ten times a second.
type progressBar struct {
	w     io.Writer
	label string
	start time.Time
	last  time.Time
	drawn bool
}

// newProgressBar returns a bar on w when w is a terminal, else nil (a nil
// bar's clear does nothing).
func newProgressBar(w io.Writer, label string) *progressBar {
	if !isTerminal(w) {
		return nil
	}
	return &progressBar{w: w, label: label, start: time.Now()}
}

func (p *progressBar) update(table string, done, total int64) {
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last, p.drawn = now, true
	const width = 30
	filled := int(float64(width) * float64(done) / float64(max(total, 1)))
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %-14s %d/%d rows %5.1fs\033[K", p.label,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/max(total, 1),
		table, done, total, now.Sub(p.start).Seconds())
}

func (p *progressBar) clear() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// isTerminal reports whether w is a terminal a person watches.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
