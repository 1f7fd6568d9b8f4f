package graphviz

import "testing"

func TestQuote(t *testing.T) {
	for in, want := range map[string][2]string{ // label, id
		"plain":       {`"plain"`, `"plain"`},
		`a"b`:         {`"a\"b"`, `"a\"b"`},
		`a\nb`:        {`"a\\nb"`, `"a\\nb"`},
		"a&amp;b":     {`"a&amp;amp;b"`, `"a&amp;b"`},
		"line\nbreak": {`"line\nbreak"`, `"line\nbreak"`},
		"cr\rlf":      {`"cr\rlf"`, `"crlf"`},
	} {
		if got := Label(in); got != want[0] {
			t.Errorf("Label(%q) = %s, want %s", in, got, want[0])
		}
		if got := ID(in); got != want[1] {
			t.Errorf("ID(%q) = %s, want %s", in, got, want[1])
		}
	}
}
