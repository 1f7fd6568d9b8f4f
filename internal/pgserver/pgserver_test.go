package pgserver

import (
	"strings"
	"testing"
)

// TestDatabaseURL swaps the database of a server URL and keeps the rest; a
// malformed URL is refused without repeating it, since it may hold a password.
func TestDatabaseURL(t *testing.T) {
	srv := &Server{URL: "postgres://u:secret@127.0.0.1:5432/postgres?sslmode=disable"}
	got, err := srv.DatabaseURL("scratch")
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://u:secret@127.0.0.1:5432/scratch?sslmode=disable"; got != want {
		t.Errorf("DatabaseURL(scratch) = %q, want %q", got, want)
	}

	bad := &Server{URL: "postgres://u:secret@127.0.0.1:port/postgres"}
	if _, err := bad.DatabaseURL("scratch"); err == nil {
		t.Error("DatabaseURL of a URL with a non-numeric port succeeded, want an error")
	} else if strings.Contains(err.Error(), "secret") {
		t.Errorf("DatabaseURL's error repeats the password: %v", err)
	}
}
