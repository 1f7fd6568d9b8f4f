// Package erd draws the registry's schema as an entity-relationship
// diagram, read from the connected database's catalog, so it shows the
// schema as migrated, not as anyone remembers it.
package erd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// ErrNoTables is a database whose public schema has no table to draw.
var ErrNoTables = errors.New("the database has no tables in its public schema: migrate it first (mlreg migrate up)")

// excluded are public tables that are not part of the data model.
var excluded = map[string]bool{"schema_migrations": true} // dbmate's bookkeeping

// Schema is the part of the catalog a diagram shows: the public schema's
// tables, their columns and foreign keys.
type Schema struct {
	tables  []string                                       // sorted
	columns map[string][]registrydb.CatalogTableColumnsRow // by table, in column order
	fks     []ForeignKey                                   // sorted
}

// ForeignKey is one foreign-key constraint (one or more columns).
type ForeignKey struct {
	name, table, referenced string
	columns                 []string
	refColumns              []string // paired by position with columns
	notNull                 bool     // every referencing column is NOT NULL
	deleteRule              string
}

func Read(ctx context.Context, q *registrydb.Queries) (Schema, error) {
	s := Schema{columns: map[string][]registrydb.CatalogTableColumnsRow{}}
	tables, err := q.CatalogTables(ctx)
	if err != nil {
		return s, err
	}
	for _, t := range tables {
		if !excluded[t] {
			s.tables = append(s.tables, t)
		}
	}
	if len(s.tables) == 0 {
		return s, ErrNoTables
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
		if excluded[r.TableName] || excluded[r.ReferencedTable] {
			continue
		}
		n := len(s.fks)
		if n == 0 || s.fks[n-1].table != r.TableName || s.fks[n-1].name != r.ConstraintName {
			s.fks = append(s.fks, ForeignKey{name: r.ConstraintName, table: r.TableName,
				referenced: r.ReferencedTable, notNull: true, deleteRule: r.DeleteRule})
			n++
		}
		fk := &s.fks[n-1]
		fk.columns = append(fk.columns, r.ColumnName)
		fk.refColumns = append(fk.refColumns, r.ReferencedColumn)
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

// columnType is a column's type as one Mermaid word: the catalog's typname
// (int4, timestamptz, ...), with arrays (_text) written text[].
func columnType(c registrydb.CatalogTableColumnsRow) string {
	if strings.HasPrefix(c.TypeName, "_") {
		return c.TypeName[1:] + "[]"
	}
	return c.TypeName
}

// WriteMermaid writes entities (columns with PK and FK markers, an FK's
// comment naming its target and delete rule) and one relationship per
// foreign key: }o--|| when the key is NOT NULL, }o--o| when it may be NULL.
func WriteMermaid(w io.Writer, s Schema) error {
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
			line := fmt.Sprintf("    %s %s", columnType(c), c.ColumnName)
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
