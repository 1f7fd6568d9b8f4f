package openlineage

import "testing"

func TestRegistryNamespace(t *testing.T) {
	for _, c := range []struct {
		host string
		port uint16
		db   string
		want string
	}{
		{"db.example.com", 5432, "registry", "mlreg://db.example.com:5432/registry"},
		{"", 5433, "registry", "mlreg://localhost:5433/registry"},
		{"/var/run/postgresql", 5432, "registry", "mlreg://localhost:5432/registry"},
		{"::1", 5432, "registry", "mlreg://[::1]:5432/registry"}, // an IPv6 address is bracketed, as in any URI
	} {
		if got := RegistryNamespace(c.host, c.port, c.db); got != c.want {
			t.Errorf("RegistryNamespace(%q, %d, %q) = %s, want %s", c.host, c.port, c.db, got, c.want)
		}
	}
}
