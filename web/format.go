package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// dateRange reads the from and to days of a filter in the tenant's zone;
// until is the start of the day after to, so that to includes its whole
// day. A day that cannot be read is left nil and named in problem, so that
// the page can say so and keep the rest of the filter.
func dateRange(from, to string, loc *time.Location) (since, until *time.Time, problem string) {
	var problems []string
	for _, d := range []struct {
		name, text string
		dst        **time.Time
		shift      int
	}{{"from", from, &since, 0}, {"to", to, &until, 1}} {
		if d.text == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.text, loc)
		if err != nil {
			problems = append(problems, "The "+d.name+" date must look like 2026-01-31.")
			continue
		}
		day = day.AddDate(0, 0, d.shift)
		*d.dst = &day
	}
	return since, until, strings.Join(problems, " ")
}

// nextPage cuts a list read with pageSize+1 rows to one page and returns
// the id to continue before, or 0 when this is the last page.
func nextPage[T any](rows []T, id func(T) int64) ([]T, int64) {
	if len(rows) <= pageSize {
		return rows, 0
	}
	rows = rows[:pageSize]
	return rows, id(rows[len(rows)-1])
}

// keptDate is a filter date as the form shows it again: the text when it
// was read, empty when it was not, so that links never carry a bad date.
func keptDate(text string, day *time.Time) string {
	if day == nil {
		return ""
	}
	return text
}
