package benchmark

import (
	"strings"
	"testing"
	"time"
)

// TestPercentile: nearest rank, so p99 of 100 samples is the 99th, not the maximum.
func TestPercentile(t *testing.T) {
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Duration(i+1) * time.Millisecond
	}
	for p, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.95: 95 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p*100, got, want)
		}
	}
	if got := percentile(ds[:1], 0.99); got != time.Millisecond {
		t.Errorf("p99 of one sample = %v", got)
	}
}

// TestSplitPassword: psql gets the URL without its password (a command
// line is readable by every user of the machine through ps) and the
// password apart, for PGPASSWORD.
func TestSplitPassword(t *testing.T) {
	for _, c := range []struct{ in, url, password string }{
		{"postgres://u:s3cret@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", "s3cret"},
		{"postgres://u:p%40ss%2Fw@h/db", "postgres://u@h/db", "p@ss/w"},
		{"postgres://u@h/db", "postgres://u@h/db", ""},
		{"postgres://h/db", "postgres://h/db", ""},
	} {
		url, password, err := splitPassword(c.in)
		if err != nil || url != c.url || password != c.password {
			t.Errorf("splitPassword(%q) = %q, %q, %v; want %q, %q", c.in, url, password, err, c.url, c.password)
		}
	}
	if _, _, err := splitPassword("postgres://u:secret@[::1"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("a malformed URL: %v", err)
	}
}
