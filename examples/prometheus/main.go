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
// too_new) is told apart from a wrong secret (no_match).
//
// Drift on the sender's side shows within a scrape, without a refusal:
//
//	stackwebhook_payload_departures_total{event_type="user.updated",field="data.region",kind="unexpected_key"} 4
//	stackwebhook_unknown_events_total{event_type="session.created"} 2
//
// kind is one of receiver's DepartureKind values (missing, null,
// wrong_kind, unexpected_key, invalid, more); a type or field path that is
// not short and plain is counted as "invalid". event_type is one of the types
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
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/listen"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// metrics are the receiver's collectors.
type metrics struct {
	requests   *prometheus.CounterVec
	refusals   *prometheus.CounterVec
	departures *prometheus.CounterVec
	unknown    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
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
		departures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stackwebhook_payload_departures_total",
			Help: "Departures of verified payloads from what Stack sends today (handled as far as decoded), by event type, field path and kind.",
		}, []string{"event_type", "field", "kind"}),
		unknown: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stackwebhook_unknown_events_total",
			Help: "Verified events of a type this release does not know (acknowledged), by type.",
		}, []string{"event_type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stackwebhook_request_duration_seconds",
			Help:    "Time from a webhook request's arrival to its answer, by outcome.",
			Buckets: prometheus.DefBuckets,
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.refusals, m.departures, m.unknown, m.latency)
	return m
}

// label bounds a value that comes from a payload before it becomes a
// label: at most 64 bytes of letters, digits and ._-[] (Stack's types and
// field paths), else "invalid", so that no sender can grow the label set
// beyond what it sends.
func label(v string) string {
	if v == "" || len(v) > 64 {
		return "invalid"
	}
	for _, c := range []byte(v) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._-[]", c) >= 0) {
			return "invalid"
		}
	}
	return v
}

// observe is the WithObserver function.
func (m *metrics) observe(_ context.Context, r receiver.Report) {
	typ := r.EventType
	if r.UnknownType {
		typ = "other"
		m.unknown.WithLabelValues(label(r.EventType)).Inc()
	}
	for _, d := range r.Departures {
		m.departures.WithLabelValues(typ, label(d.Field), string(d.Kind)).Inc()
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
