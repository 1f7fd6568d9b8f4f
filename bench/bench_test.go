package main

import (
	"context"
	"os"
	"testing"
)

// BenchmarkPerCall is the per-call comparison as Go benchmarks, for benchstat:
//
//	cd bench && go test -run '^$' -bench PerCall -count 5 | benchstat -col /impl -
func BenchmarkPerCall(b *testing.B) {
	ctx := context.Background()
	impls, cleanup, err := setup(ctx, os.Getenv("BENCH_DATABASE_URL"))
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	seq := 0
	for _, op := range operations {
		for _, impl := range impls {
			b.Run("op="+op+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					if err := runOnce(ctx, impl, op, &seq); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestImplementationsAgree: the three implementations see the same rows, so
// the benchmark compares like with like.
func TestImplementationsAgree(t *testing.T) {
	ctx := context.Background()
	impls, cleanup, err := setup(ctx, os.Getenv("BENCH_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	seq := 0
	for _, impl := range impls {
		for _, op := range operations {
			if err := runOnce(ctx, impl, op, &seq); err != nil {
				t.Errorf("%s %s: %v", impl.name, op, err)
			}
		}
		if err := impl.get(ctx, "absent-model"); err == nil {
			t.Errorf("%s found a model that does not exist", impl.name)
		}
	}
}
