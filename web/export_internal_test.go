package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"citylink/db"
)

func TestCSVSafe_Guard(t *testing.T) {
	cells := []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "", "a=b", "'=x"}
	want := []string{"'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "plain", "", "a=b", "'=x"}
	if got := csvSafe(cells); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// exportServer serves an export of pages rows that fails reading page
// failAt (1 is the second page; 0 never fails).
func exportServer(t *testing.T, pages, failAt int) *httptest.Server {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	tc := &tenantCtx{tenant: db.Tenant{Slug: "acme"}}
	read := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		streamExport(s, w, r, tc, exportSpec[int64]{
			name: "numbers", format: "csv", columns: []string{"n"},
			csvRow: func(n int64) []string { return []string{strconv.FormatInt(n, 10)} },
			find: func(context.Context, int64) ([]int64, error) {
				read++
				if read-1 == failAt && failAt > 0 {
					return nil, errors.New("the database went away")
				}
				size := exportPage
				if read >= pages {
					size = 1
				}
				return make([]int64, size), nil
			},
			id: func(n int64) int64 { return n },
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestStreamExport_AbortsOnFailedPage(t *testing.T) {
	res, err := http.Get(exportServer(t, 3, 1).URL)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil {
		t.Errorf("got a whole file of %d bytes, want the connection cut", len(body))
	}
	if res.Header.Get("Content-Disposition") != `attachment; filename="numbers-acme.csv"` {
		t.Errorf("got %q, want the file name", res.Header.Get("Content-Disposition"))
	}
}

func TestStreamExport_Whole(t *testing.T) {
	res, err := http.Get(exportServer(t, 3, 0).URL)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if got, want := strings.Count(string(body), "\n"), 1+2*exportPage+1; got != want {
		t.Errorf("got %d lines, want %d", got, want)
	}
}
