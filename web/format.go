package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"citylink/db"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

// timeLayout is how times are shown to staff, in their tenant's zone.
const timeLayout = "2006-01-02 15:04:05 MST"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// queryInt64 reads a positive integer query parameter; anything else is 0.
func queryInt64(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func parseID(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// pathID reads the {id} path value; a malformed id finds nothing.
func pathID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, db.ErrNotFound
	}
	return n, nil
}

// tenantLocation is the tenant's time zone, UTC when it is unknown.
func tenantLocation(t db.Tenant) *time.Location {
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// nonEmptyQuery makes query parameters of the named values that are set.
func nonEmptyQuery(values map[string]string) url.Values {
	q := url.Values{}
	for name, v := range values {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}
