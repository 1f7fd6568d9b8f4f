package stats

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the report as four tables: sizes and upkeep of each
// table (partitions folded into their table), sequential scans of the
// tables that grow, the indexes used, and those never used.
func WriteText(w io.Writer, r Report) error {
	since := "since the database was created"
	if r.StatisticsSince != nil {
		since = "since " + stamp(*r.StatisticsSince) + " (the last statistics reset)"
	}
	fmt.Fprintf(w, "Statistics at %s, counted %s.\n\n", stamp(r.CollectedAt), since)

	fmt.Fprintln(w, "Tables, largest first (a partitioned table's figures are its partitions' sums)")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tTOTAL\tTABLE\tINDEXES\tROWS\tDEAD ROWS\tLAST VACUUM\tLAST ANALYZE")
	for _, t := range r.Tables {
		if t.PartitionOf != nil {
			continue
		}
		name := t.Name
		if t.Partitioned {
			name += " (" + plural(partitionsOf(r, t.Name), "partition") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", name, Bytes(t.TotalBytes), Bytes(t.TableBytes),
			Bytes(t.IndexBytes), t.LiveRows, t.DeadRows, latest(t.LastVacuum, t.LastAutovacuum),
			latest(t.LastAnalyze, t.LastAutoanalyze))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nSequential scans of the tables that grow (many rows a scan: a query may lack an index)")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tSCANS\tROWS READ\tROWS A SCAN")
	n := 0
	for _, t := range r.Tables {
		if !t.Grows || t.PartitionOf != nil || t.SeqScans == 0 {
			continue
		}
		n++
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", t.Name, t.SeqScans, t.SeqRowsRead, *t.AvgRowsPerSeqScan)
	}
	if n == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nIndexes used, most scans first")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tINDEX\tSIZE\tSCANS\tTUPLES READ\tTUPLES FETCHED")
	n = 0
	for _, i := range r.Indexes {
		if i.NeverUsed {
			continue
		}
		n++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", i.Table, i.Name, Bytes(i.Bytes), i.Scans, i.TuplesRead, i.TuplesFetched)
	}
	if n == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nIndexes never used")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tINDEX\tSIZE\tVERDICT")
	n, candidates := 0, 0
	for _, i := range r.Indexes {
		if !i.NeverUsed {
			continue
		}
		n++
		var verdict string
		switch {
		case i.BacksConstraint != nil:
			verdict = "keep: enforces " + *i.BacksConstraint
		case len(i.ServesForeignKeys) > 0:
			verdict = "keep: deletes of a parent row probe it (" + strings.Join(i.ServesForeignKeys, ", ") + ")"
		default:
			candidates++
			verdict = "drop candidate: no scan, no constraint, no foreign key"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", i.Table, i.Name, Bytes(i.Bytes), verdict)
	}
	if n == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nstats: %d tables, %d indexes, %d never used (%d drop candidates)\n",
		topLevel(r), len(r.Indexes), n, candidates)
	return err
}

func partitionsOf(r Report, table string) int {
	n := 0
	for _, t := range r.Tables {
		if t.PartitionOf != nil && *t.PartitionOf == table {
			n++
		}
	}
	return n
}

func topLevel(r Report) int {
	n := 0
	for _, t := range r.Tables {
		if t.PartitionOf == nil {
			n++
		}
	}
	return n
}

// latest is the later of a manual and an automatic run, "never" if neither.
func latest(manual, auto *time.Time) string {
	switch {
	case manual == nil && auto == nil:
		return "never"
	case manual == nil || (auto != nil && auto.After(*manual)):
		return stamp(*auto) + " (auto)"
	default:
		return stamp(*manual)
	}
}

// plural is "1 partition", "2 partitions".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Bytes writes a size in pg_size_pretty's style: bytes below 10 kB, else
// the largest unit (kB, MB, GB, TB, PB; each 1024 of the one before) that keeps
// the figure below 10240, rounded half up.
func Bytes(n int64) string {
	const limit = 10 * 1024
	if n < limit {
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"kB", "MB", "GB", "TB", "PB"}
	for k, u := range units {
		div := int64(1) << (10 * (k + 1))
		v := n / div
		if n%div >= div/2 { // half up, without overflowing near the top of int64
			v++
		}
		if v < limit || k == len(units)-1 {
			return fmt.Sprintf("%d %s", v, u)
		}
	}
	panic("unreachable")
}
