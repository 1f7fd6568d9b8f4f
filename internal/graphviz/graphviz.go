// Package graphviz holds what the DOT renderings (lineage's graph, erd's
// diagrams) share of Graphviz's language: its quoted strings.
package graphviz

import "strings"

// labelQuoter escapes a label: DOT's only escape in a quoted string is \"
// for a quote; a label's backslashes start Graphviz's own escapes (\n, \l,
// \N for the node's name...), so a backslash is doubled; Graphviz reads
// HTML entities (&amp;) in every label, so & is &amp;; and a line break is
// Graphviz's \n (\r for a carriage return).
var labelQuoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "&", "&amp;", "\n", `\n`, "\r", `\r`)

// idQuoter escapes a name (a node's, a port's): Graphviz reads no
// entities in names, so & stays as it is; a backslash is doubled, so that
// none escapes the closing quote; a carriage return is dropped.
var idQuoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")

// Label is s as a DOT quoted string that Graphviz draws as s.
func Label(s string) string { return `"` + labelQuoter.Replace(s) + `"` }

// ID is name as a DOT quoted identifier (a node's name, a port): the same
// name always gives the same identifier, and a quote, & or < in it is
// read as part of the name.
func ID(name string) string { return `"` + idQuoter.Replace(name) + `"` }
