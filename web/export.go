package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"citylink/db"
)

// exportPage is how many rows an export reads and writes at a time; only
// one page is ever in memory.
const exportPage = 500

// exportColumns are the CSV export's columns, in order.
var exportColumns = []string{"id", "received_at", "type", "data", "repeat_of", "request_id",
	"read_at"}

// exportRow is one line of the NDJSON export.
type exportRow struct {
	ID         int64           `json:"id"`
	ReceivedAt time.Time       `json:"received_at"`
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	RepeatOf   *int64          `json:"repeat_of"`
	RequestID  int64           `json:"request_id"`
	ReadAt     *time.Time      `json:"read_at"`
}

// handleNotificationsExport streams the filtered list as CSV or NDJSON,
// newest first, flushing after every page so that the browser sees the
// file grow. A failure halfway aborts the connection, so that a cut file
// is never taken for a whole one.
func (s *Server) handleNotificationsExport(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "ndjson" {
		s.fail(w, r, tc, badRequest("Choose the export format csv or ndjson."))
		return
	}
	_, f, problem := notificationFilter(r, tenantLocation(tc.tenant))
	if problem != "" {
		s.fail(w, r, tc, badRequest(problem))
		return
	}
	f.Limit = exportPage
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})

	name := "notifications-" + tc.tenant.Slug + "." + format
	contentType := "application/x-ndjson"
	if format == "csv" {
		contentType = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")

	out := bufio.NewWriterSize(w, 64<<10)
	write, err := exportWriter(out, format)
	rows := 0
	if err == nil {
		err = s.db.EachNotification(r.Context(), tc.tenant.ID, f, func(n db.Notification) error {
			if err := write(n); err != nil {
				return err
			}
			rows++
			if rows%exportPage == 0 {
				if err := out.Flush(); err != nil {
					return err
				}
				return rc.Flush()
			}
			return nil
		})
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "export notifications", "tenant", tc.tenant.ID,
			"path", loggedPath(r), "error", err)
		panic(http.ErrAbortHandler)
	}
}

// exportWriter returns the function writing one notification in format,
// after writing the CSV header.
func exportWriter(out *bufio.Writer, format string) (func(db.Notification) error, error) {
	if format == "ndjson" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return func(n db.Notification) error {
			return enc.Encode(exportRow{ID: n.ID, ReceivedAt: n.ReceivedAt.UTC(), Type: n.Type,
				Data: n.Data, RepeatOf: n.RepeatOf, RequestID: n.RequestID, ReadAt: n.ReadAt})
		}, nil
	}
	cw := csv.NewWriter(out)
	if err := cw.Write(exportColumns); err != nil {
		return nil, err
	}
	return func(n db.Notification) error {
		err := cw.Write([]string{
			strconv.FormatInt(n.ID, 10), n.ReceivedAt.UTC().Format(time.RFC3339Nano), n.Type,
			string(n.Data), optionalID(n.RepeatOf), strconv.FormatInt(n.RequestID, 10),
			optionalTime(n.ReadAt),
		})
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}, nil
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
