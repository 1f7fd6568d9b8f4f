package mlregcli

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/mlplatform/model-registry/internal/dbconn"
)

// userinfo matches the user:password@ part of any URL in a message, up to
// the last '@' before white space: a password written unescaped may hold '@'
// or '/' (postgres://u:p@ss@host/db has the password p@ss).
var userinfo = regexp.MustCompile(`(//[^/@\s:]*):\S*@`)

// redact makes an error message fit for its one line of stderr: it removes
// the password of the database URL wherever it appears (as the parsed
// configuration has it, and percent-encoded as the URL has it), the
// userinfo of any URL, and escapes the characters that would break the
// line or rewrite the terminal.
func (a *app) redact(msg string) string {
	for _, secret := range a.secrets() {
		msg = dbconn.ScrubSecret(msg, secret)
	}
	return printable(userinfo.ReplaceAllString(msg, "$1:***@"))
}

// secrets are the forms the database password may take in a message.
func (a *app) secrets() []string {
	var out []string
	for _, dsn := range append([]string{a.databaseURL}, a.otherURLs...) {
		if dsn == "" {
			continue
		}
		if cfg, err := pgx.ParseConfig(dsn); err == nil && cfg.Password != "" {
			out = append(out, cfg.Password, url.QueryEscape(cfg.Password), url.PathEscape(cfg.Password))
		}
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok && p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// printable escapes control characters, format characters (such as a
// right-to-left override) and invalid UTF-8 the way Go quotes them.
func printable(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}
