package web

import (
	"net/http"
	"slices"

	"citylink/db"
	"citylink/views"
)

// requestOutcomes are the outcomes the requests log filters by.
var requestOutcomes = []string{"accepted", "rejected", "error"}

// answerLen bounds our answer as the requests log shows it.
const answerLen = 80

// handleHookRequests is the log of every request to the notification URL,
// newest first, with what Citylink answered.
func (s *Server) handleHookRequests(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	f := db.HookRequestFilter{BeforeID: queryInt64(r, "before"), Limit: pageSize + 1}
	if o := r.URL.Query().Get("outcome"); slices.Contains(requestOutcomes, o) {
		f.Outcome = o
	}
	reqs, err := s.db.FindHookRequests(r.Context(), tc.tenant.ID, f)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p := views.RequestsProps{
		Page:     s.page(r, tc, "Requests", "requests"),
		Outcome:  f.Outcome,
		Outcomes: requestOutcomes,
	}
	reqs, before := nextPage(reqs, func(hr db.HookRequest) int64 { return hr.ID })
	if before != 0 {
		q := r.URL.Query()
		q.Set("before", itoa(before))
		p.NextURL = tc.path("/requests?") + q.Encode()
	}
	loc := tenantLocation(tc.tenant)
	for _, hr := range reqs {
		p.Rows = append(p.Rows, views.RequestRow{
			ID:           hr.ID,
			URL:          tc.path("/requests/") + itoa(hr.ID),
			ReceivedAt:   hr.ReceivedAt.In(loc).Format(timeLayout),
			RemoteAddr:   hr.RemoteAddr,
			Kind:         hr.RequestKind,
			Outcome:      hr.Outcome,
			AnswerStatus: hr.AnswerStatus,
			Answer:       clipTo(hr.AnswerBody, answerLen),
			Repeat:       hr.RepeatOf != nil,
		})
	}
	s.render(w, r, http.StatusOK, views.RequestsPage(p))
}
