package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// roundNumeric is the value a NUMERIC(p, scale) column stores for v, read
// back as a float64: pgx sends v as its shortest decimal, and PostgreSQL
// rounds that half away from zero to scale digits.
func roundNumeric(v float64, scale int) float64 {
	var buf [40]byte
	text := strconv.AppendFloat(buf[:0], math.Abs(v), 'f', -1, 64)
	dot := bytes.IndexByte(text, '.')
	if dot < 0 || len(text)-dot-1 <= scale {
		return v
	}
	roundUp := text[dot+1+scale] >= '5'
	// The digits kept, without the point, as a decimal to increment.
	digits := append(append([]byte{'0'}, text[:dot]...), text[dot+1:dot+1+scale]...)
	if roundUp {
		for i := len(digits) - 1; i >= 0; i-- {
			if digits[i] < '9' {
				digits[i]++
				break
			}
			digits[i] = '0'
		}
	}
	point := len(digits) - scale
	out := append(append(append([]byte{}, digits[:point]...), '.'), digits[point:]...)
	r, _ := strconv.ParseFloat(string(out), 64)
	return math.Copysign(r, v)
}

// metricJSON is a metric value as custom_metrics holds it: a JSON number,
// or for the values JSON has no number for, the strings "NaN", "Infinity"
// and "-Infinity".
func metricJSON(v float64) any {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return v
}

// jsonObject encodes a map of strings and finite floats (metricJSON's
// values) as a JSON object, keys sorted, without reflection: a run's
// custom_metrics are made once per imported run.
func jsonObject(m map[string]any) json.RawMessage {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := make([]byte, 0, 2+24*len(keys))
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		switch v := m[k].(type) {
		case string:
			b = appendJSONString(b, v)
		case float64:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		default:
			panic(fmt.Sprintf("jsonObject: %T", v))
		}
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Text that is not UTF-8 goes
// through encoding/json, which replaces what it cannot spell.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// sameJSON compares two JSON documents by value, as jsonb does: key order,
// spacing and number spelling do not count. A NULL (nil) equals only NULL.
func sameJSON(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func same[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// millis converts MLflow's epoch milliseconds to a time, microsecond
// precision like timestamptz.
func millis(ms *int64) *time.Time {
	if ms == nil {
		return nil
	}
	t := time.UnixMilli(*ms).UTC()
	return &t
}
