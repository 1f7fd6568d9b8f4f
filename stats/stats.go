// Package stats reports what the registry's tables and indexes cost and how
// they are read, from PostgreSQL's statistics: the exercise's Parts 6.1
// (index usage, sequential scans) and 6.3 (table and index sizes), plus
// what running the registry for years needs besides: indexes never used,
// dead rows, and when each table was last vacuumed and analyzed.
//
// The counters are PostgreSQL's (pg_stat_user_tables, pg_stat_user_indexes):
// they count from the database's creation or its last statistics reset
// (Report.StatisticsSince), they are per server (a replica has its own),
// and a backend reports its counts when it goes idle, at most once a
// second, so the last second's work may not show yet.
package stats

import (
	"context"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// Growing are the tables that grow with use rather than with the
// organisation (docs/scaling.md, "What grows"): a sequential scan of one of
// them reads more every month, so the report lists theirs. The lookup
// tables (teams, environments, tags, ...) are small enough that the planner
// rightly scans them whole.
var Growing = []string{
	"approvals", "audit_chain", "audit_log", "deployments", "model_aliases", "model_versions",
	"run_datasets", "training_runs",
}

// Report is one reading of the statistics, all from one snapshot.
type Report struct {
	CollectedAt time.Time `json:"collected_at"`
	// StatisticsSince is when the database's counters were last reset;
	// nil: they count from its creation.
	StatisticsSince *time.Time `json:"statistics_since"`
	// Tables, largest first: every table, and every partition (with
	// PartitionOf set). A partitioned table's figures are its partitions'
	// sums.
	Tables []Table `json:"tables"`
	// Indexes, most used first, then by table and name.
	Indexes []Index `json:"indexes"`
}

// Table is one table's (or partition's) sizes, scans and upkeep.
type Table struct {
	Name string `json:"table"`
	// PartitionOf names the partitioned table this is a partition of.
	PartitionOf *string `json:"partition_of"`
	// Partitioned: the figures below are the sums of its partitions'.
	Partitioned bool `json:"partitioned"`
	// Grows: one of Growing (or a partition of one).
	Grows bool `json:"grows"`
	// TotalBytes is TableBytes plus IndexBytes; IndexBytes counts TOAST
	// too, as the exercise's Part 6.3 query does.
	TotalBytes int64 `json:"total_bytes"`
	TableBytes int64 `json:"table_bytes"`
	IndexBytes int64 `json:"index_bytes"`
	// LiveRows and DeadRows are PostgreSQL's estimates; dead rows are
	// those deleted or updated away that no vacuum has reclaimed yet.
	LiveRows                 int64 `json:"live_rows"`
	DeadRows                 int64 `json:"dead_rows"`
	RowsModifiedSinceAnalyze int64 `json:"rows_modified_since_analyze"`
	SeqScans                 int64 `json:"seq_scans"`
	SeqRowsRead              int64 `json:"seq_rows_read"`
	// AvgRowsPerSeqScan is nil when the table was never scanned whole.
	AvgRowsPerSeqScan *int64     `json:"avg_rows_per_seq_scan"`
	LastVacuum        *time.Time `json:"last_vacuum"`
	LastAutovacuum    *time.Time `json:"last_autovacuum"`
	LastAnalyze       *time.Time `json:"last_analyze"`
	LastAutoanalyze   *time.Time `json:"last_autoanalyze"`
}

// Index is one index's size and use.
type Index struct {
	Table         string `json:"table"`
	Name          string `json:"index"`
	Bytes         int64  `json:"bytes"`
	Scans         int64  `json:"scans"`
	TuplesRead    int64  `json:"tuples_read"`
	TuplesFetched int64  `json:"tuples_fetched"`
	// NeverUsed: no scan since StatisticsSince.
	NeverUsed bool `json:"never_used"`
	// BacksConstraint names the primary key, unique or exclusion
	// constraint the index enforces; such an index is needed even if no
	// query reads it. nil: none.
	BacksConstraint *string `json:"backs_constraint"`
	// ServesForeignKeys are the foreign keys of the table whose columns
	// lead the index: deleting a parent row (CASCADE, SET NULL, RESTRICT)
	// probes it, where it would otherwise scan the table, and such probes
	// are not always counted as scans of it.
	ServesForeignKeys []string `json:"serves_foreign_keys"`
}

// DropCandidate: never used, enforcing no constraint and serving no foreign
// key. Whether to drop it is still a judgement: a query that runs rarely
// (a yearly report) may need it, and a replica counts its own scans.
func (i Index) DropCandidate() bool {
	return i.NeverUsed && i.BacksConstraint == nil && len(i.ServesForeignKeys) == 0
}

// Collect reads the statistics in one read-only transaction whose
// statistics are one snapshot (stats_fetch_consistency = snapshot), so that
// every figure describes the same moment. It reads no registry table.
func Collect(ctx context.Context, db registry.TxBeginner) (Report, error) {
	var r Report
	readOnly := registry.TxOptions{TxOptions: pgx.TxOptions{AccessMode: pgx.ReadOnly}}
	err := registry.WithTx(ctx, db, readOnly, func(q *registrydb.Queries) error {
		if err := q.StatsSnapshot(ctx); err != nil {
			return err
		}
		var err error
		r, err = collect(ctx, q)
		return err
	})
	return r, err
}

func collect(ctx context.Context, q *registrydb.Queries) (Report, error) {
	r := Report{CollectedAt: time.Now().UTC(), Tables: []Table{}, Indexes: []Index{}}
	since, err := q.StatsSince(ctx)
	if err != nil {
		return r, err
	}
	r.StatisticsSince = since
	sizes, err := q.ReportTableSizes(ctx)
	if err != nil {
		return r, err
	}
	upkeep, err := q.StatsTableMaintenance(ctx)
	if err != nil {
		return r, err
	}
	scans, err := q.ReportSequentialScans(ctx)
	if err != nil {
		return r, err
	}
	usage, err := q.ReportIndexUsage(ctx)
	if err != nil {
		return r, err
	}
	indexSizes, err := q.StatsIndexSizes(ctx)
	if err != nil {
		return r, err
	}
	r.Tables = tables(sizes, upkeep, scans)
	r.Indexes = indexes(usage, indexSizes)
	return r, nil
}

// tables joins the three per-table readings by name and sums each
// partitioned table's partitions into it.
func tables(sizes []registrydb.ReportTableSizesRow, upkeep []registrydb.StatsTableMaintenanceRow,
	scans []registrydb.ReportSequentialScansRow) []Table {
	growing := map[string]bool{}
	for _, g := range Growing {
		growing[g] = true
	}
	byName := map[string]*Table{}
	get := func(name string) *Table {
		if t, ok := byName[name]; ok {
			return t
		}
		t := &Table{Name: name}
		byName[name] = t
		return t
	}
	for _, s := range sizes {
		t := get(s.TableName)
		t.TotalBytes, t.TableBytes, t.IndexBytes = s.TotalBytes, s.TableBytes, s.IndexBytes
	}
	for _, u := range upkeep {
		t := get(u.TableName)
		t.PartitionOf = u.PartitionOf
		t.LiveRows, t.DeadRows, t.RowsModifiedSinceAnalyze = u.LiveRows, u.DeadRows, u.RowsModifiedSinceAnalyze
		t.LastVacuum, t.LastAutovacuum, t.LastAnalyze, t.LastAutoanalyze = u.LastVacuum, u.LastAutovacuum, u.LastAnalyze, u.LastAutoanalyze
	}
	for _, s := range scans {
		t := get(s.TableName)
		t.SeqScans, t.SeqRowsRead = s.SeqScan, s.SeqTupRead
		avg := s.AvgRowsPerScan
		t.AvgRowsPerSeqScan = &avg
	}
	// A partitioned table holds no rows of its own: PostgreSQL reports zero
	// for it and the figures on each partition.
	for _, t := range byName {
		if t.PartitionOf == nil {
			continue
		}
		p := get(*t.PartitionOf)
		p.Partitioned = true
		p.TotalBytes += t.TotalBytes
		p.TableBytes += t.TableBytes
		p.IndexBytes += t.IndexBytes
		p.LiveRows += t.LiveRows
		p.DeadRows += t.DeadRows
		p.RowsModifiedSinceAnalyze += t.RowsModifiedSinceAnalyze
		p.SeqScans += t.SeqScans
		p.SeqRowsRead += t.SeqRowsRead
	}
	out := make([]Table, 0, len(byName))
	for _, t := range byName {
		if t.Partitioned {
			t.AvgRowsPerSeqScan = nil
			if t.SeqScans > 0 {
				avg := t.SeqRowsRead / t.SeqScans
				t.AvgRowsPerSeqScan = &avg
			}
		}
		t.Grows = growing[t.Name] || (t.PartitionOf != nil && growing[*t.PartitionOf])
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TotalBytes != out[j].TotalBytes {
			return out[i].TotalBytes > out[j].TotalBytes
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func indexes(usage []registrydb.ReportIndexUsageRow, sizes []registrydb.StatsIndexSizesRow) []Index {
	type key struct{ table, index string }
	bySize := map[key]registrydb.StatsIndexSizesRow{}
	for _, s := range sizes {
		bySize[key{s.TableName, s.IndexName}] = s
	}
	out := make([]Index, 0, len(usage))
	for _, u := range usage {
		s := bySize[key{u.TableName, u.IndexName}]
		out = append(out, Index{
			Table: u.TableName, Name: u.IndexName, Bytes: s.IndexBytes,
			Scans: u.IdxScan, TuplesRead: u.IdxTupRead, TuplesFetched: u.IdxTupFetch,
			NeverUsed: u.IdxScan == 0, BacksConstraint: s.BacksConstraint,
			ServesForeignKeys: nonNil(s.ServesForeignKeys),
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Scans != b.Scans {
			return a.Scans > b.Scans
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.Name < b.Name
	})
	return out
}

// nonNil makes a missing list an empty one, which JSON writes as [].
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
