package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// exportPage is how many rows an export reads and writes at a time; only
// one page is ever in memory.
const exportPage = 500

// exportSpec describes one streamed export of rows of type T.
type exportSpec[T any] struct {
	name    string           // the file name without its extension
	format  string           // "csv" or "ndjson"
	columns []string         // the CSV header
	csvRow  func(T) []string // a row's CSV cells, before the formula guard
	jsonRow func(T) any      // a row's NDJSON line; nil for a CSV-only export
	// find reads one page of at most exportPage rows, newest first, older
	// than the row whose id is before (0 for the first page).
	find func(ctx context.Context, before int64) ([]T, error)
	id   func(T) int64
}

// exportFormat reads the format parameter, which must be one of formats.
// It also refuses a filter with a date that could not be read (problem):
// unlike a page, which says so, a file without the date would quietly hold
// more than was asked for.
func exportFormat(r *http.Request, problem string, formats ...string) (string, error) {
	format := r.URL.Query().Get("format")
	if !slices.Contains(formats, format) {
		return "", badRequest("Choose the export format " + strings.Join(formats, " or ") + ".")
	}
	if problem != "" {
		return "", badRequest(problem)
	}
	return format, nil
}

// streamExport sends an export as a file to download, reading and writing
// one page at a time and flushing after each, so that the browser sees the
// file grow. The first page is read before anything is sent, so that a
// failing database still gets an error page; it then reports false. A
// failure after the header is sent aborts the connection, so that a cut
// file is never taken for a whole one.
func streamExport[T any](s *Server, w http.ResponseWriter, r *http.Request, tc *tenantCtx,
	x exportSpec[T]) (rows int, ok bool) {
	ctx := r.Context()
	page, err := x.find(ctx, 0)
	if err != nil {
		s.fail(w, r, tc, err)
		return 0, false
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	exportHeaders(w, x.name+"-"+tc.tenant.Slug+"."+x.format, x.format)

	out := bufio.NewWriterSize(w, 64<<10)
	write, flush, err := rowWriter(out, x)
	for err == nil {
		for _, row := range page {
			if err = write(row); err != nil {
				break
			}
		}
		rows += len(page)
		if err == nil {
			err = flush(rc)
		}
		if err != nil || len(page) < exportPage {
			break
		}
		page, err = x.find(ctx, x.id(page[len(page)-1]))
	}
	if err != nil {
		s.log.ErrorContext(ctx, "export", "tenant", tc.tenant.ID, "path", loggedPath(r),
			"error", err)
		panic(http.ErrAbortHandler)
	}
	return rows, true
}

func exportHeaders(w http.ResponseWriter, filename, format string) {
	contentType := "application/x-ndjson"
	if format == "csv" {
		contentType = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
}

// rowWriter returns the function writing one row in the export's format,
// after writing the CSV header, and the function sending a written page.
func rowWriter[T any](out *bufio.Writer, x exportSpec[T]) (
	write func(T) error, flush func(*http.ResponseController) error, err error) {
	send := func(rc *http.ResponseController) error {
		if err := out.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	if x.format == "ndjson" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return func(row T) error { return enc.Encode(x.jsonRow(row)) }, send, nil
	}
	cw := csv.NewWriter(out)
	write = func(row T) error { return cw.Write(csvSafe(x.csvRow(row))) }
	flush = func(rc *http.ResponseController) error {
		if cw.Flush(); cw.Error() != nil {
			return cw.Error()
		}
		return send(rc)
	}
	return write, flush, cw.Write(x.columns)
}

// csvSafe keeps a spreadsheet from running a cell as a formula: a cell
// that starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe. It changes cells in place and returns them.
func csvSafe(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

// auditExport records a finished export. The event is written even when
// the client has closed the connection as soon as the file was whole.
func (s *Server) auditExport(r *http.Request, tc *tenantCtx, action, target, format string,
	rows int, filter url.Values) {
	s.audit(context.WithoutCancel(r.Context()), r, tc, action, target, map[string]any{
		"format": format, "rows": rows, "filter": filter})
}

func optionalID(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func optionalTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
