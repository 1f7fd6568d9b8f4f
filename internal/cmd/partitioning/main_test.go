package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/seed"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// rowsOf reads every row of sql as text, in the query's order.
func rowsOf(t *testing.T, conn *pgx.Conn, sql string, args []any) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBothFormsAnswerAlike: the comparison is fair only if the plain and
// the partitioned form of each query return the same rows; they do, for
// many arguments, on the tiny registry, and the copies hold every run and
// link. Then the whole study runs and reports every query and write.
func TestBothFormsAnswerAlike(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	size, err := seed.ParseSize("tiny")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Scale(ctx, pool, size, seed.ScaleOptions{Seed: 1, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	// Three months' retention, so that the tiny registry (runs over eight
	// months) has whole partitions to drop.
	s := &study{pool: pool, calls: 3, log: io.Discard, keepMonths: 3}
	if err := s.build(ctx); err != nil {
		t.Fatal(err)
	}
	var plainRuns, partRuns, plainLinks, partLinks, inDefault int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM tr_plain), (SELECT count(*) FROM tr_part),
		(SELECT count(*) FROM rd_plain), (SELECT count(*) FROM rd_part), (SELECT count(*) FROM tr_part_default)`).
		Scan(&plainRuns, &partRuns, &plainLinks, &partLinks, &inDefault); err != nil {
		t.Fatal(err)
	}
	if plainRuns != s.runs || partRuns != s.runs || plainLinks != partLinks || plainLinks == 0 || inDefault != 0 || s.months < 2 {
		t.Fatalf("copies: runs %d/%d of %d, links %d/%d, %d in the default partition, %d months",
			plainRuns, partRuns, s.runs, plainLinks, partLinks, inDefault, s.months)
	}
	sm, err := s.samples(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	r := rand.New(rand.NewPCG(3, 4))
	for _, q := range s.queries(sm) {
		nonEmpty := 0
		for range 20 {
			args := q.args(r)
			plain, part := rowsOf(t, conn.Conn(), q.plain, args), rowsOf(t, conn.Conn(), q.part, args)
			if strings.Join(plain, "\n") != strings.Join(part, "\n") {
				t.Fatalf("%s with %v: plain and partitioned answers differ:\n%v\n%v", q.name, args, plain, part)
			}
			if len(plain) > 0 {
				nonEmpty++
			}
		}
		if nonEmpty == 0 {
			t.Errorf("%s: no argument drawn returned a row; the comparison shows nothing", q.name)
		}
	}
	conn.Release()

	var out bytes.Buffer
	if err := s.measure(ctx); err != nil {
		t.Fatal(err)
	}
	s.report(&out, size)
	for _, q := range s.queries(sm) {
		if !strings.Contains(out.String(), "| "+q.name) {
			t.Errorf("the report lacks %q:\n%s", q.name, out.String())
		}
	}
	if len(s.writes) != 2 || s.writes[1].rows == 0 || !strings.Contains(out.String(), "remove the runs older than 3 months") {
		t.Errorf("writes %+v\n%s", s.writes, out.String())
	}
	var partitions int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'tr_part'::regclass").Scan(&partitions); err != nil ||
		partitions >= s.months+1 {
		t.Errorf("tr_part has %d partitions after retention, had %d (%v)", partitions, s.months+1, err)
	}
	var left int64
	if err := pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM tr_plain) - (SELECT count(*) FROM tr_part)").Scan(&left); err != nil || left != 0 {
		t.Errorf("after the writes the copies differ by %d runs (%v)", left, err)
	}
}
