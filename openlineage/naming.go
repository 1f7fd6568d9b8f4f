package openlineage

import (
	"net"
	"net/url"
	"strings"
)

// DatasetName names a dataset by its storage location the way the
// OpenLineage naming conventions do (https://openlineage.io/docs/spec/naming),
// so that the runs of other producers that read or write the same data meet
// ours in a lineage backend:
//
//	s3://bucket/key (s3a, s3n)                 s3://bucket              key
//	gs://bucket/key                            gs://bucket              key
//	abfss://container@account.dfs.../path      abfss://container@account.dfs...  path
//	wasbs://container@account.../path          wasbs://container@account...      path
//	hdfs://host:port/path                      hdfs://host:port         /path
//	dbfs:/path, dbfs://workspace/path          dbfs, dbfs://workspace   /path
//	file:///path, /path                        file                     /path
//	file://host/path                           file://host              /path
//	postgres(ql)://host[:port]/db/schema/table postgres://host:port     db.schema.table (port 5432 by default)
//	mysql://host[:port]/db/table               mysql://host:port        db.table (port 3306 by default)
//	kafka://host:port/topic                    kafka://host:port        topic
//	bigquery:project.dataset.table             bigquery                 project.dataset.table
//
// Object keys lose their leading and trailing slash (a prefix s3://b/dir/
// and s3://b/dir are one dataset); file system paths keep their leading one.
// ok is false when the location is none of these: the caller then names the
// dataset in the registry's own namespace (see Events).
func DatasetName(location string) (namespace, name string, ok bool) {
	if strings.HasPrefix(location, "/") {
		return "file", cleanPath(location), true
	}
	if rest, found := strings.CutPrefix(location, "bigquery:"); found && !strings.HasPrefix(rest, "//") && rest != "" {
		return "bigquery", rest, true
	}
	if rest, found := strings.CutPrefix(location, "dbfs:/"); found && !strings.HasPrefix(rest, "/") {
		return "dbfs", "/" + strings.TrimSuffix(rest, "/"), true
	}
	for _, scheme := range []string{"abfss", "wasbs"} {
		if strings.HasPrefix(strings.ToLower(location), scheme+"://") {
			return azureName(scheme, location)
		}
	}
	u, err := url.Parse(location)
	if err != nil || u.Scheme == "" || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", false
	}
	path := u.Path
	key := strings.Trim(path, "/")
	switch scheme := strings.ToLower(u.Scheme); scheme {
	case "s3", "s3a", "s3n", "gs":
		if scheme != "gs" {
			scheme = "s3"
		}
		if u.Host == "" || key == "" {
			return "", "", false
		}
		return scheme + "://" + u.Host, key, true
	case "hdfs":
		if u.Host == "" || key == "" {
			return "", "", false
		}
		return "hdfs://" + u.Host, cleanPath(path), true
	case "dbfs":
		if u.Host == "" || key == "" {
			return "", "", false
		}
		return "dbfs://" + u.Host, cleanPath(path), true
	case "file":
		if key == "" {
			return "", "", false
		}
		if u.Host == "" || u.Host == "localhost" {
			return "file", cleanPath(path), true
		}
		return "file://" + u.Host, cleanPath(path), true
	case "postgres", "postgresql":
		return tableName("postgres", u, "5432", 3)
	case "mysql":
		return tableName("mysql", u, "3306", 2)
	case "kafka":
		if u.Host == "" || u.Port() == "" || key == "" || strings.Contains(key, "/") {
			return "", "", false
		}
		return "kafka://" + u.Host, key, true
	}
	return "", "", false
}

// azureName names abfss:// and wasbs:// locations, whose authority is
// container@account (which url.Parse would take for user information).
func azureName(scheme, location string) (string, string, bool) {
	rest := strings.TrimPrefix(location[len(scheme):], "://")
	authority, path, found := strings.Cut(rest, "/")
	key := strings.Trim(path, "/")
	if !found || key == "" || !strings.Contains(authority, "@") || strings.ContainsAny(authority, "?#") {
		return "", "", false
	}
	return scheme + "://" + authority, key, true
}

// tableName names a table of a database server: host:port (the default
// port when none is given) and the path's parts (database/schema/table, or
// database.schema.table) joined by dots.
func tableName(scheme string, u *url.URL, defaultPort string, parts int) (string, string, bool) {
	host := u.Hostname()
	if host == "" {
		return "", "", false
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	}
	segments := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segments) == 1 {
		segments = strings.Split(segments[0], ".")
	}
	if len(segments) != parts {
		return "", "", false
	}
	for _, s := range segments {
		if s == "" {
			return "", "", false
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port), strings.Join(segments, "."), true
}

// cleanPath is a file system path without a trailing slash.
func cleanPath(p string) string {
	if len(p) > 1 {
		return strings.TrimSuffix(p, "/")
	}
	return p
}
