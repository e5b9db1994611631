package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the Prometheus metrics. It is meant for the
// operator's own listener (CITYLINK_METRICS_ADDR), not the public one:
// the counts say how busy each part of Citylink is.
func MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	return mux
}

var (
	hookRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "citylink_hook_requests_total",
		Help: "Requests to notification URLs, by what became of them.",
	}, []string{"result"})

	notificationsStored = promauto.NewCounter(prometheus.CounterOpts{
		Name: "citylink_notifications_stored_total",
		Help: "Notification messages committed to the database.",
	})

	commandsSent = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "citylink_commands_total",
		Help: "Commands sent to the platform, by outcome.",
	}, []string{"outcome"})
)
