package erd_test

import (
	"context"
	"testing"

	"github.com/mlplatform/model-registry/erd"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/registry"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestEveryTableHasAnArea: each table of the migrated schema is drawn with
// its columns on exactly one area's diagram, and no area names a table the
// schema lacks; a migration that adds a table fails here until the table
// is given an area in erd.Areas.
func TestEveryTableHasAnArea(t *testing.T) {
	s, err := erd.Read(context.Background(), registry.New(pgtest.NewPool(t)))
	if err != nil {
		t.Fatal(err)
	}
	areaOf := map[string]string{}
	for _, a := range erd.Areas() {
		if a.Name == "" || a.Name == "overview" || a.Title == "" || len(a.Tables) == 0 {
			t.Errorf("area %+v: want a name other than overview, a title and tables", a)
		}
		for _, tb := range a.Tables {
			if other, dup := areaOf[tb]; dup {
				t.Errorf("table %s is in areas %s and %s", tb, other, a.Name)
			}
			areaOf[tb] = a.Name
		}
	}
	tables := map[string]bool{}
	for _, tb := range s.Tables() {
		tables[tb] = true
		if areaOf[tb] == "" {
			t.Errorf("table %s is in no area: add it to erd.Areas", tb)
		}
	}
	for tb, a := range areaOf {
		if !tables[tb] {
			t.Errorf("area %s lists %s, which the schema does not have", a, tb)
		}
	}
}
