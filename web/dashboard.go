package web

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"citylink/db"
	"citylink/views"
)

// chartDays is how many days the dashboard's chart covers, today included.
const chartDays = 30

// chartColors tell the chart's types apart; types beyond them share the
// last colour as "other". The colours are distinct for most colour vision.
var chartColors = []string{"#0b5cad", "#e66100", "#1a7f37", "#8250df", "#bf3989",
	"#9a6700", "#57606a"}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	loc := tenantLocation(tc.tenant)
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from := today.AddDate(0, 0, 1-chartDays)
	zone := loc.String()
	if loc == time.Local {
		zone = "UTC" // "Local" names no zone that Postgres knows
	}
	st, err := s.db.FindInboxStats(ctx, tc.tenant.ID, zone, today, from)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p := views.DashboardProps{
		Page:             s.page(r, tc, "Dashboard", ""),
		Today:            st.Today,
		Chart:            dayChart(st.Days, from),
		NotificationURL:  s.notificationURL(r, tc.tenant),
		NotificationsURL: tc.path("/notifications"),
		RequestsURL:      tc.path("/requests"),
	}
	if st.LastDelivery != nil {
		p.LastDelivery = st.LastDelivery.In(loc).Format(timeLayout)
	}
	hs, err := s.db.FindLastHandshake(ctx, tc.tenant.ID)
	switch {
	case err == nil:
		p.Handshake = &views.Handshake{
			At:      hs.ReceivedAt.In(loc).Format(timeLayout),
			Outcome: hs.Outcome,
			OK:      hs.Outcome == "accepted",
			URL:     tc.path("/requests/") + itoa(hs.ID),
		}
	case !errors.Is(err, db.ErrNotFound):
		s.fail(w, r, tc, err)
		return
	}
	if p.FollowUp, err = s.followUpView(ctx, tc); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.render(w, r, http.StatusOK, views.DashboardPage(p))
}

// TODO: the chart counts 30 days of rows on every view, from the index
// notifications_received: its cost grows with the month's volume, and the
// benchmark does not measure the dashboard. A daily summary table would
// make it constant.

// dayChart lays the counts out as one bar per day from from on, with the
// busiest types first in the legend.
func dayChart(counts []db.DayCount, from time.Time) views.Chart {
	c := views.Chart{Title: "Notifications per day and type, last 30 days"}
	totals := map[string]int{}
	for _, dc := range counts {
		totals[dc.Type] += dc.Count
	}
	types := make([]string, 0, len(totals))
	for t := range totals {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if totals[types[i]] != totals[types[j]] {
			return totals[types[i]] > totals[types[j]]
		}
		return types[i] < types[j]
	})
	series := map[string]int{}
	for i, t := range types {
		k := min(i, len(chartColors)-1)
		if k == len(c.Series) {
			name := t
			if i == len(chartColors)-1 && len(types) > len(chartColors) {
				name = "other"
			}
			c.Series = append(c.Series, views.ChartSeries{Type: name, Color: chartColors[k]})
		}
		series[t] = k
		c.Series[k].Total += totals[t]
	}

	index := map[string]int{}
	for i := range chartDays {
		day := from.AddDate(0, 0, i)
		index[day.Format(time.DateOnly)] = i
		c.Days = append(c.Days, views.ChartDay{
			Label: day.Format("Jan 2"), Counts: make([]int, len(c.Series)),
		})
	}
	for _, dc := range counts {
		i, ok := index[dc.Day.UTC().Format(time.DateOnly)]
		if !ok {
			continue
		}
		c.Days[i].Counts[series[dc.Type]] += dc.Count
		c.Days[i].Total += dc.Count
		c.Max = max(c.Max, c.Days[i].Total)
	}
	return c
}
