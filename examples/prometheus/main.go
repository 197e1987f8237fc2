// Command prometheus receives Stack's webhooks and exports, at /metrics,
// how each request ended and how long it took, through receiver's
// WithObserver hook and the Prometheus Go client.
//
//	stackwebhook_requests_total{outcome="applied",event_type="user.created",status="204"} 12
//	stackwebhook_refusals_total{refusal="too_old",status="401"} 3
//	stackwebhook_request_duration_seconds_bucket{outcome="applied",le="0.005"} 11
//
// outcome is one of receiver's Outcome names (applied, duplicate, busy,
// refused, fn_failed, store_failed, ping); refusal is one of receiver's
// Refusal values (missing_headers, invalid_headers, too_old, too_new,
// no_match, body_too_large, ...), so that a clock off by minutes (too_old,
// too_new) is told apart from a wrong secret (no_match). event_type is one of the types
// Stack sends today, "other" for a type added later, or "" when the body
// was not decoded (a refused request): a bounded label set, whatever a
// sender puts in a body.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/listen"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// metrics are the receiver's collectors.
type metrics struct {
	requests *prometheus.CounterVec
	refusals *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stackwebhook_requests_total",
			Help: "Webhook requests answered, by outcome, event type and status.",
		}, []string{"outcome", "event_type", "status"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stackwebhook_refusals_total",
			Help: "Webhook requests refused, by reason and status.",
		}, []string{"refusal", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stackwebhook_request_duration_seconds",
			Help:    "Time from a webhook request's arrival to its answer, by outcome.",
			Buckets: prometheus.DefBuckets,
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.refusals, m.latency)
	return m
}

// knownTypes are the event types that get a label of their own.
var knownTypes = map[string]bool{}

func init() {
	for _, t := range []string{
		stackwebhook.TypeUserCreated, stackwebhook.TypeUserUpdated, stackwebhook.TypeUserDeleted,
		stackwebhook.TypeTeamCreated, stackwebhook.TypeTeamUpdated, stackwebhook.TypeTeamDeleted,
		stackwebhook.TypeTeamMembershipCreated, stackwebhook.TypeTeamMembershipDeleted,
		stackwebhook.TypeTeamPermissionCreated, stackwebhook.TypeTeamPermissionDeleted,
		stackwebhook.TypeProjectPermissionCreated, stackwebhook.TypeProjectPermissionDeleted,
		stackwebhook.TypeIssueCreated, stackwebhook.TypeIssueRegressed, stackwebhook.TypeIssueResolved,
		stackwebhook.TypeIssueIgnored, stackwebhook.TypeIssueMerged,
		stackwebhook.TypeStackTest, stackwebhook.TypeSvixPing,
	} {
		knownTypes[t] = true
	}
}

// observe is the WithObserver function.
func (m *metrics) observe(_ context.Context, r receiver.Report) {
	typ := r.EventType
	if typ != "" && !knownTypes[typ] {
		typ = "other"
	}
	m.requests.WithLabelValues(r.Outcome.String(), typ, strconv.Itoa(r.Status)).Inc()
	if r.Outcome == receiver.Refused {
		m.refusals.WithLabelValues(string(r.Refusal), strconv.Itoa(r.Status)).Inc()
	}
	m.latency.WithLabelValues(r.Outcome.String()).Observe(r.Latency.Seconds())
}

// routes serves the webhook at POST /webhooks/stack and the metrics at
// GET /metrics.
func routes(wh *stackwebhook.Webhook, fn func(context.Context, stackwebhook.Event) error, reg *prometheus.Registry) http.Handler {
	m := newMetrics(reg)
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/stack", receiver.Handler(wh, fn,
		receiver.WithDeduplication(receiver.NewMemoryStore()), receiver.WithObserver(m.observe)))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

func main() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	log.Fatal(http.ListenAndServe(listen.Addr(), routes(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		log.Println("received", ev.EventType(), receiver.MessageID(ctx))
		return nil
	}, reg)))
}
