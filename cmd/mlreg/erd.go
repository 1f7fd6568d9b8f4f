package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// erdExcluded are public tables that are not part of the data model.
var erdExcluded = map[string]bool{"schema_migrations": true} // dbmate's bookkeeping

// cmdErd prints the connected database's public schema as a Mermaid
// erDiagram, read from the catalog (so it shows the schema as migrated, not
// as anyone remembers it). `make erd` puts it in docs/model-registry-schema.md.
func cmdErd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("erd", flag.ContinueOnError)
	format := fs.String("format", "mermaid", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return usagef("erd takes no arguments")
	}
	if *format != "mermaid" {
		return usagef("unknown format %q for erd (want mermaid)", *format)
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	s, err := readSchema(ctx, registrydb.New(pool))
	if err != nil {
		return err
	}
	return renderERDMermaid(e.out, s)
}

// erdSchema is the part of the catalog the diagram shows.
type erdSchema struct {
	tables  []string                                       // sorted
	columns map[string][]registrydb.CatalogTableColumnsRow // by table, in column order
	fks     []erdForeignKey                                // sorted
}

// erdForeignKey is one foreign-key constraint (one or more columns).
type erdForeignKey struct {
	name, table, referenced string
	columns                 []string
	notNull                 bool // every referencing column is NOT NULL
	deleteRule              string
}

func readSchema(ctx context.Context, q *registrydb.Queries) (erdSchema, error) {
	s := erdSchema{columns: map[string][]registrydb.CatalogTableColumnsRow{}}
	tables, err := q.CatalogTables(ctx)
	if err != nil {
		return s, err
	}
	for _, t := range tables {
		if !erdExcluded[t] {
			s.tables = append(s.tables, t)
		}
	}
	sort.Strings(s.tables)
	cols, err := q.CatalogTableColumns(ctx)
	if err != nil {
		return s, err
	}
	for _, c := range cols {
		s.columns[c.TableName] = append(s.columns[c.TableName], c)
	}
	for _, cs := range s.columns {
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].OrdinalPosition < cs[j].OrdinalPosition })
	}
	rows, err := q.CatalogForeignKeys(ctx)
	if err != nil {
		return s, err
	}
	// Rows come one per column, a key's columns in position order.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.TableName != b.TableName {
			return a.TableName < b.TableName
		}
		if a.ConstraintName != b.ConstraintName {
			return a.ConstraintName < b.ConstraintName
		}
		return a.Position < b.Position
	})
	for _, r := range rows {
		if erdExcluded[r.TableName] || erdExcluded[r.ReferencedTable] {
			continue
		}
		n := len(s.fks)
		if n == 0 || s.fks[n-1].table != r.TableName || s.fks[n-1].name != r.ConstraintName {
			s.fks = append(s.fks, erdForeignKey{name: r.ConstraintName, table: r.TableName,
				referenced: r.ReferencedTable, notNull: true, deleteRule: r.DeleteRule})
			n++
		}
		fk := &s.fks[n-1]
		fk.columns = append(fk.columns, r.ColumnName)
		fk.notNull = fk.notNull && r.NotNull
	}
	// Relationships by table, then the columns they are labelled by.
	sort.SliceStable(s.fks, func(i, j int) bool {
		a, b := s.fks[i], s.fks[j]
		if a.table != b.table {
			return a.table < b.table
		}
		if la, lb := strings.Join(a.columns, ","), strings.Join(b.columns, ","); la != lb {
			return la < lb
		}
		return a.referenced < b.referenced
	})
	return s, nil
}

// erdType is a column's type as one Mermaid word: the catalog's typname
// (int4, timestamptz, ...), with arrays (_text) written text[].
func erdType(c registrydb.CatalogTableColumnsRow) string {
	if strings.HasPrefix(c.TypeName, "_") {
		return c.TypeName[1:] + "[]"
	}
	return c.TypeName
}

// renderERDMermaid writes entities (columns with PK and FK markers, an FK's
// comment naming its target and delete rule) and one relationship per
// foreign key: }o--|| when the key is NOT NULL, }o--o| when it may be NULL.
func renderERDMermaid(w io.Writer, s erdSchema) error {
	fkOf := map[string][]string{} // "table.column" -> "referenced_table ON DELETE rule"
	for _, fk := range s.fks {
		for _, c := range fk.columns {
			key := fk.table + "." + c
			fkOf[key] = append(fkOf[key], fmt.Sprintf("%s ON DELETE %s", fk.referenced, fk.deleteRule))
		}
	}
	fmt.Fprintln(w, "erDiagram")
	for _, t := range s.tables {
		cols := s.columns[t]
		if len(cols) == 0 {
			fmt.Fprintf(w, "  %s\n", t)
			continue
		}
		fmt.Fprintf(w, "  %s {\n", t)
		for _, c := range cols {
			var keys []string
			if c.IsPrimaryKey {
				keys = append(keys, "PK")
			}
			refs := fkOf[t+"."+c.ColumnName]
			if len(refs) > 0 {
				keys = append(keys, "FK")
			}
			line := fmt.Sprintf("    %s %s", erdType(c), c.ColumnName)
			if len(keys) > 0 {
				line += " " + strings.Join(keys, ", ")
			}
			if len(refs) > 0 {
				line += ` "` + strings.Join(refs, "; ") + `"`
			}
			fmt.Fprintln(w, line)
		}
		fmt.Fprintln(w, "  }")
	}
	for _, fk := range s.fks {
		card := "}o--o|"
		if fk.notNull {
			card = "}o--||"
		}
		fmt.Fprintf(w, "  %s %s %s : \"%s\"\n", fk.table, card, fk.referenced, strings.Join(fk.columns, ", "))
	}
	return nil
}
