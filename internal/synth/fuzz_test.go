package synth

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// FuzzParseSize: ParseSize (`mlreg seed --scale SIZE`) accepts exactly the
// named sizes, whatever their case and surrounding white space, gives a size
// the generator can honour, and refuses the rest in one line quoting the
// input and listing the names.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"tiny", "small", "medium", "large", " Small ", "LARGE", "\ttiny\n", "", "huge", "tiny,small",
		"tinyy", "t\u0131ny", "\u212aarge", "smal\u200bl", "tiny\x00", "ｔｉｎｙ", "\xfftiny", "'; DROP TABLE models; --"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		size, err := ParseSize(s)
		name := strings.ToLower(strings.TrimSpace(s))
		if slices.Contains(SizeNames(), name) {
			if err != nil || size != Sizes[name] || size.Name != name {
				t.Fatalf("ParseSize(%q) = %+v, %v; want %s", s, size, err, name)
			}
			if err := size.Validate(); err != nil {
				t.Fatalf("ParseSize(%q) = %s, which New refuses: %v", s, name, err)
			}
			return
		}
		want := fmt.Sprintf("unknown size %q (want tiny, small, medium or large)", s)
		if err == nil || err.Error() != want || size != (Size{}) {
			t.Fatalf("ParseSize(%q) = %+v, %v; want the error %s", s, size, err, want)
		}
	})
}
