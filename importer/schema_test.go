package importer_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mlplatform/model-registry/importer"
)

// The report schema, schemas/v1/import-report.json, checked against every
// report the tests make (checkSchema is called by mustImport and refusal).
// The root module takes no JSON Schema library: schemaErrors is a validator
// of the keywords the schema uses, and fails on any other, so a keyword added
// to the schema is not silently ignored here.

var (
	schemaOnce sync.Once
	schemaDoc  map[string]any
	schemaErr  error
)

func reportSchema(t *testing.T) map[string]any {
	t.Helper()
	schemaOnce.Do(func() {
		b, err := os.ReadFile("../schemas/v1/import-report.json")
		if err != nil {
			schemaErr = err
			return
		}
		schemaErr = json.Unmarshal(b, &schemaDoc)
	})
	if schemaErr != nil {
		t.Fatalf("schema: %v", schemaErr)
	}
	return schemaDoc
}

// checkSchema fails the test if the report does not match the schema.
func checkSchema(t *testing.T, r importer.Report) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	root := reportSchema(t)
	if errs := schemaErrors(root, root, doc, "$"); len(errs) > 0 {
		t.Errorf("the report does not match schemas/v1/import-report.json:\n  %s\n%s", strings.Join(errs, "\n  "), b)
	}
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func typeMatches(want string, v any) bool {
	got := jsonType(v)
	return got == want || want == "number" && got == "integer"
}

var knownKeywords = map[string]bool{
	"$schema": true, "$id": true, "title": true, "description": true, "$defs": true, "$ref": true, "type": true,
	"const": true, "enum": true, "properties": true, "required": true, "additionalProperties": true, "items": true,
	"propertyNames": true, "minLength": true, "minimum": true, "minItems": true, "anyOf": true,
}

func schemaErrors(root, s map[string]any, v any, path string) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !knownKeywords[k] {
			fail("schema keyword %q is not one this validator knows", k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			fail("no $defs %s", name)
			return errs
		}
		errs = append(errs, schemaErrors(root, def, v, path)...)
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch x := t.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, e := range x {
				types = append(types, e.(string))
			}
		}
		matched := false
		for _, want := range types {
			matched = matched || typeMatches(want, v)
		}
		if !matched {
			fail("%s, want %v", jsonType(v), types)
			return errs
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		fail("%v, want the constant %v", v, c)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || x == v
		}
		if !found {
			fail("%v is not one of %v", v, e)
		}
	}
	if n, ok := s["minLength"].(float64); ok {
		if str, isStr := v.(string); isStr && float64(len([]rune(str))) < n {
			fail("%q is shorter than %v", str, n)
		}
	}
	if n, ok := s["minimum"].(float64); ok {
		if f, isNum := v.(float64); isNum && f < n {
			fail("%v is below %v", f, n)
		}
	}
	if branches, ok := s["anyOf"].([]any); ok {
		var all []string
		matched := false
		for _, b := range branches {
			e := schemaErrors(root, b.(map[string]any), v, path)
			matched = matched || len(e) == 0
			all = append(all, e...)
		}
		if !matched {
			fail("matches no anyOf branch: %s", strings.Join(all, "; "))
		}
	}
	if arr, ok := v.([]any); ok {
		if n, ok := s["minItems"].(float64); ok && float64(len(arr)) < n {
			fail("%d items, want at least %v", len(arr), n)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				errs = append(errs, schemaErrors(root, items, x, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, has := obj[r.(string)]; !has {
					fail("no %q", r)
				}
			}
		}
		for k, x := range obj {
			if names, ok := s["propertyNames"].(map[string]any); ok {
				errs = append(errs, schemaErrors(root, names, k, path+" key "+k)...)
			}
			if p, ok := props[k].(map[string]any); ok {
				errs = append(errs, schemaErrors(root, p, x, path+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("property %q is not in the schema", k)
				}
			case map[string]any:
				errs = append(errs, schemaErrors(root, ap, x, path+"."+k)...)
			}
		}
	}
	return errs
}

// TestSchemaValidatorCatchesMismatches shows the validator failing: a
// report with a property, a type and a table the schema does not allow.
func TestSchemaValidatorCatchesMismatches(t *testing.T) {
	t.Parallel()
	root := reportSchema(t)
	good := importer.Report{FormatVersion: 1, Source: importer.SourceInfo{Kind: "mlflow"}, Actor: "a",
		Entities: map[string]*importer.EntityReport{}, NameMappings: []importer.NameMapping{}, Warnings: []importer.Warning{}}
	b, _ := json.Marshal(good)
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	if errs := schemaErrors(root, root, doc, "$"); len(errs) != 0 {
		t.Fatalf("a minimal report: %v", errs)
	}
	for name, mutate := range map[string]func(map[string]any){
		"extra property": func(d map[string]any) { d["extra"] = 1 },
		"empty string":   func(d map[string]any) { d["error"] = "" },
		"null list":      func(d map[string]any) { d["warnings"] = nil },
		"unknown table":  func(d map[string]any) { d["entities"] = map[string]any{"runs": map[string]any{}} },
		"wrong kind":     func(d map[string]any) { d["source"].(map[string]any)["kind"] = "csv" },
		"missing":        func(d map[string]any) { delete(d, "committed") },
		"other version":  func(d map[string]any) { d["format_version"] = 2 },
	} {
		var d map[string]any
		_ = json.Unmarshal(b, &d)
		mutate(d)
		if errs := schemaErrors(root, root, d, "$"); len(errs) == 0 {
			t.Errorf("%s: the validator accepted it", name)
		}
	}
}
