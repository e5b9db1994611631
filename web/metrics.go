package web

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

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
