// Package receiver is the net/http side of stackwebhook: a handler that
// reads a webhook's raw body through a size limit, verifies its signature,
// decodes it into a typed event, and calls your function with it, answering
// with the status codes a Svix sender understands.
//
//	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.Handle("POST /webhooks/stack", receiver.Handler(wh, func(ctx context.Context, ev stackwebhook.Event) error {
//		switch e := ev.(type) {
//		case *stackwebhook.UserCreated:
//			return db.InsertUser(ctx, receiver.MessageID(ctx), e.Data)
//		}
//		return nil // acknowledge what you do not handle
//	}, receiver.WithDeduplication(receiver.NewMemoryStore())))
//
// With WithDeduplication each message is applied once however often Svix
// delivers it (package sqlstore shares the records across a fleet). To
// apply messages to a SQL database, sqlstore.TxHandler does better: the
// writes and the record of each message commit in one transaction, so that
// no crash applies one twice. WithObserver reports every request's outcome
// and latency, for metrics. By default a payload that drifts from Stack's
// schema is handed over as far as it decodes, instead of being refused for
// ever.
package receiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// DefaultMaxBodyBytes is the largest body Handler reads unless
// WithMaxBodyBytes says otherwise. Svix sends at most 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

type config struct {
	maxBody   int64
	logger    *slog.Logger
	store     Store
	namespace string
	lease     time.Duration
	retention time.Duration
	strict    bool
	observe   func(context.Context, Report)
	// set reports which of the options that only Handler takes were given.
	dedupSet, leaseSet bool
}

// Option configures Handler.
type Option func(*config)

// WithMaxBodyBytes sets the largest body Handler reads; a larger one is
// answered 413 without being verified. n must be positive: Handler panics
// otherwise, as a configuration error.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithLogger makes Handler log every request it refuses, and every error fn
// returns, at level Warn (Error for fn's errors and store failures), and
// payload departures at Warn. It logs the status, the reason, the message
// id and JSON paths, each bounded and escaped; never the secret, the
// signature or the body.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithDeduplication makes Handler apply each message once: it claims the
// message's id in store before calling fn, and records it as done when fn
// returns nil. A delivery of an id already done is answered 204 without
// calling fn (Svix stops retrying); one whose id another delivery is
// processing at that moment, here or in another process sharing store, is
// answered 409 with Retry-After; fn's error releases the claim (500: the
// next attempt runs fn again). If the store fails, fn is not called and the
// answer is 503: a message is never processed without deduplication once it
// is configured.
//
// Exactly once holds as far as HTTP allows. If the store fails after fn
// succeeded, Handler keeps trying to record the message as done for up to
// 10 seconds before it answers; if the store is still down then, it answers
// 204 (the message was applied) and logs the failure, and the claim blocks
// the id until its lease passes: a duplicate delivered after that would be
// applied again. fn's own effects and the store are not one transaction;
// fn that must be exact beyond this should also record Message.ID with its
// effects.
//
// While fn runs, the claim is renewed every third of the lease if store
// implements Extender (both stores of this module do); fn's context is
// cancelled, with the cause ErrClaimLost, as soon as the claim can no
// longer be held (a renewal found it taken, or the store stayed down until
// the lease passed), so that fn stops before another delivery applies the
// message again.
func WithDeduplication(store Store) Option {
	return func(c *config) { c.store, c.dedupSet = store, true }
}

// WithNamespace prefixes the ids Handler stores with ns and a colon, so
// that several endpoints (or tenants) can share one store. ns may not hold
// a colon (Handler panics): "a:b" with the id "msg_1" and "a" with the id
// "b:msg_1" would be one key, and a message of one endpoint would be taken
// for another's, already applied.
func WithNamespace(ns string) Option { return func(c *config) { c.namespace = ns } }

// maxLoggedDepartures is how many departures' paths one log line names.
const maxLoggedDepartures = 10

// MaxMessageIDBytes is the longest message id Handler accepts (Svix's are
// about 30 bytes): a longer one is refused with 400 before any store sees
// it, so that a signed request cannot make the store keep kilobytes a key.
const MaxMessageIDBytes = 256

// WithLease sets how long a claim blocks other deliveries of its message
// (DefaultLease). An instance that crashes while processing blocks the id
// for at most that long. With a store that does not implement Extender,
// fn's context ends when the lease passes: fn must finish within it.
func WithLease(d time.Duration) Option { return func(c *config) { c.lease, c.leaseSet = d, true } }

// WithRetention sets how long a done id is remembered (DefaultRetention):
// at least as long as Svix may retry a message. It applies to
// WithDeduplication's store and to an Applier's records (Delivery.Retention).
func WithRetention(d time.Duration) Option { return func(c *config) { c.retention = d } }

// WithStrictPayloads answers 400 to a signed payload that departs from
// Stack's schema, as ParseEvent refuses it. The default hands fn the
// best-effort event (stackwebhook.ParseEventBestEffort) and the departures
// in Message: Svix retries every answer that is not 2xx and disables an
// endpoint that keeps failing, so one change on Stack's side would
// otherwise stop an integration until the receiver is updated.
func WithStrictPayloads() Option { return func(c *config) { c.strict = true } }

type messageKey struct{}

// Message is what Handler knows of the message fn is called for.
type Message struct {
	// ID is the id Verify checked (svix-id, or webhook-id when the svix-*
	// set was incomplete): the idempotency key. Svix keeps it on retries.
	ID string
	// Timestamp is the signed timestamp: when this attempt was signed,
	// not when the event happened. Svix signs every retry anew, so an
	// older event retried later carries the later timestamp: it cannot
	// order two events (Stack's payloads carry no version either). To
	// keep a copy of Stack's data in order, re-read what the event names
	// from Stack's API (examples/mirror does).
	Timestamp time.Time
	// Body is the raw body, as verified. fn must not modify it.
	Body []byte
	// Request is the request, its body already read: for PathValue when one
	// server routes several endpoints or tenants, or for other headers.
	Request *http.Request
	// Departures are the ways the payload departs from Stack's schema; nil
	// when it matches (always nil with WithStrictPayloads).
	Departures []*stackwebhook.PayloadError
}

// MessageFrom returns the message fn was called for; false outside fn.
func MessageFrom(ctx context.Context) (*Message, bool) {
	m, ok := ctx.Value(messageKey{}).(*Message)
	return m, ok
}

// MessageID returns the id of the message that fn was called for (the id
// Verify checked): the key to make fn idempotent. It returns "" outside fn.
func MessageID(ctx context.Context) string {
	if m, ok := MessageFrom(ctx); ok {
		return m.ID
	}
	return ""
}

// Handler returns an http.Handler that answers:
//
//   - 405, with Allow: POST, to any other method;
//   - 413 to a body over the limit (DefaultMaxBodyBytes unless WithMaxBodyBytes);
//   - 401 when verification fails (any stackwebhook verification error);
//   - 400 when the body cannot be read, when the message id is longer than
//     MaxMessageIDBytes, or when the body is signed but is not a Stack
//     payload: not a JSON object with a string type and an object data
//     (with WithStrictPayloads: any departure from Stack's schema);
//   - 204 without calling fn to Svix's ping (*stackwebhook.SvixPing, what
//     "send example" in Svix's App Portal sends), logged at Info;
//   - with WithDeduplication: 204 without calling fn for a message already
//     done, 409 with Retry-After for one being processed, 503 with
//     Retry-After when the store fails;
//   - 500 when fn returns an error, so that Svix retries the message;
//   - 204 when fn returns nil.
//
// fn is called only for requests that passed every check, with the typed
// event (*stackwebhook.UnknownEvent for types this package does not know,
// or whose identifying key departs) and the request's context, from which
// MessageFrom returns the whole Message. A panic in fn goes on up to
// net/http (after the claim is released). Handler panics if wh or fn is
// nil, or if an option is invalid.
//
// To apply messages to a SQL database in the same transaction as their
// record, exactly once, use sqlstore.TxHandler instead.
func Handler(wh *stackwebhook.Webhook, fn func(ctx context.Context, ev stackwebhook.Event) error, opts ...Option) http.Handler {
	c := newConfig(opts)
	if wh == nil || fn == nil {
		panic("receiver.Handler: nil Webhook or function")
	}
	var a Applier = funcApplier(fn)
	if c.store != nil {
		a = &claimApplier{fn: fn, store: c.store, lease: c.lease}
	}
	return &handler{wh: wh, apply: a, cfg: c}
}

// HandlerFor returns a handler that makes every check of Handler, in the
// same order and with the same answers, then hands each verified, decoded
// message to a, and answers with the Result's Outcome: 204 for Applied and
// Duplicate, 409 with Retry-After for Busy, 500 for FnFailed, 503 with
// Retry-After for StoreFailed. It is how sqlstore.TxHandler is built; a
// applies and records a message itself, so WithDeduplication and WithLease
// do not apply, and are refused with ErrOptionNotApplicable, as is a nil
// wh or a. It panics if an option is invalid, like Handler.
func HandlerFor(wh *stackwebhook.Webhook, a Applier, opts ...Option) (http.Handler, error) {
	c := newConfig(opts)
	if c.dedupSet || c.leaseSet {
		return nil, fmt.Errorf("%w: WithDeduplication and WithLease belong to Handler; an Applier records messages itself", ErrOptionNotApplicable)
	}
	if wh == nil || a == nil {
		return nil, fmt.Errorf("%w: a nil Webhook or Applier", ErrOptionNotApplicable)
	}
	return &handler{wh: wh, apply: a, cfg: c}, nil
}

// ErrOptionNotApplicable: HandlerFor (or sqlstore.TxHandler) was given an
// option that only Handler takes, or nothing to verify or apply with.
var ErrOptionNotApplicable = errors.New("receiver: option not applicable")

func newConfig(opts []Option) config {
	c := config{maxBody: DefaultMaxBodyBytes, lease: DefaultLease, retention: DefaultRetention}
	for _, opt := range opts {
		opt(&c)
	}
	if c.maxBody <= 0 || c.lease <= 0 || c.retention <= 0 {
		panic("receiver: a body limit, lease or retention that is not positive")
	}
	if strings.Contains(c.namespace, ":") {
		panic("receiver: a namespace may not hold a colon: its keys could collide with another's")
	}
	return c
}

type handler struct {
	wh    *stackwebhook.Webhook
	apply Applier
	cfg   config
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	var rep Report
	finish := func() { h.finish(ctx, w, r, rep, time.Since(start)) }
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rep.refuse(http.StatusMethodNotAllowed, RefusedMethod, "method "+r.Method)
		finish()
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			rep.refuse(http.StatusRequestEntityTooLarge, RefusedBodyTooLarge, "body over the limit")
		} else {
			rep.refuse(http.StatusBadRequest, RefusedBodyUnreadable, "reading the body failed")
		}
		finish()
		return
	}
	headers := stackwebhook.MultiValueHeaders(r.Header) // a split signature header read whole
	if err := h.wh.Verify(body, headers); err != nil {
		rep.refuse(http.StatusUnauthorized, verifyRefusal(err), err.Error())
		finish()
		return
	}
	id, timestamp, _, _ := stackwebhook.ReadHeaders(headers)
	rep.MessageID = id
	if len(id) > MaxMessageIDBytes {
		rep.refuse(http.StatusBadRequest, RefusedIDTooLong, "message id over "+strconv.Itoa(MaxMessageIDBytes)+" bytes")
		finish()
		return
	}
	msg := &Message{ID: id, Body: body, Request: r}
	if ts, err := strconv.ParseInt(timestamp, 10, 64); err == nil { // Verify parsed it
		msg.Timestamp = time.Unix(ts, 0)
	}
	var ev stackwebhook.Event
	if h.cfg.strict {
		ev, err = stackwebhook.ParseEvent(body)
	} else {
		ev, msg.Departures, err = stackwebhook.ParseEventBestEffort(body)
	}
	if err != nil {
		rep.refuse(http.StatusBadRequest, RefusedPayload, payloadReason(err))
		finish()
		return
	}
	rep.EventType = ev.EventType()
	rep.Departures = departures(msg.Departures)
	rep.UnknownType = !stackwebhook.KnownType(rep.EventType)
	if _, ping := ev.(*stackwebhook.SvixPing); ping {
		// Svix's "send example" from its App Portal: verified, not a Stack
		// event. Acknowledged, so that the dashboard shows it delivered.
		rep.Outcome = PingAcknowledged
		finish()
		return
	}
	if len(msg.Departures) > 0 && h.cfg.logger != nil {
		// The first few paths and the count: the line stays short whatever
		// the body (the list itself holds at most MaxDepartures and a count).
		paths := make([]string, 0, min(len(msg.Departures), maxLoggedDepartures))
		for _, d := range msg.Departures[:min(len(msg.Departures), maxLoggedDepartures)] {
			paths = append(paths, logValue(d.Path))
		}
		h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "stackwebhook: the payload departs from Stack's schema; handled as far as decoded",
			slog.String("event_type", logValue(rep.EventType)), slog.String("svix_id", logValue(id)), slog.Any("paths", paths),
			slog.Int("departures", len(msg.Departures)))
	}
	key := id
	if h.cfg.namespace != "" {
		key = h.cfg.namespace + ":" + id
	}
	panicked := true
	defer func() {
		if panicked { // on its way up to net/http: counted and logged first
			rep.Outcome, rep.Err = FnFailed, errPanic
			finish()
		}
	}()
	res := h.apply.Apply(context.WithValue(ctx, messageKey{}, msg), Delivery{Key: key, Event: ev, Retention: h.cfg.retention})
	panicked = false
	rep.Outcome, rep.RetryAfter, rep.Err = res.Outcome, res.RetryAfter, res.Err
	finish()
}

var errPanic = errors.New("fn panicked")

// finish answers with the report's outcome, logs it and hands it to the
// observer: the one place every request ends.
func (h *handler) finish(ctx context.Context, w http.ResponseWriter, r *http.Request, rep Report, latency time.Duration) {
	rep.Latency = latency
	if rep.Status == 0 { // a refusal has set its own
		rep.Status = rep.Outcome.status()
	}
	if rep.MessageID == "" { // refused before Verify: the id the request carries, unverified
		rep.MessageID = messageID(r)
	}
	if l := h.cfg.logger; l != nil {
		id := slog.String("svix_id", logValue(rep.MessageID))
		switch rep.Outcome {
		case Refused:
			l.LogAttrs(ctx, slog.LevelWarn, "stackwebhook: request refused", slog.Int("status", rep.Status), slog.String("refusal", string(rep.Refusal)), slog.String("reason", logValue(rep.Reason)), id)
		case PingAcknowledged:
			l.LogAttrs(ctx, slog.LevelInfo, "stackwebhook: Svix ping acknowledged; nothing applied", id)
		case FnFailed:
			l.LogAttrs(ctx, slog.LevelError, "stackwebhook: handler failed; Svix will retry", slog.String("event_type", logValue(rep.EventType)), id, errAttr(rep.Err))
		case StoreFailed:
			l.LogAttrs(ctx, slog.LevelError, "stackwebhook: the store failed; not processed, Svix will retry", id, errAttr(rep.Err))
		case Applied:
			if rep.Err != nil {
				l.LogAttrs(ctx, slog.LevelError, "stackwebhook: applied, but recording it as done failed", id, errAttr(rep.Err))
			}
		}
	}
	if h.cfg.observe != nil {
		h.cfg.observe(ctx, rep)
	}
	if rep.Outcome == FnFailed && rep.Err == errPanic {
		return // net/http answers a panicking handler itself
	}
	switch rep.Outcome {
	case Busy:
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(rep.RetryAfter.Round(time.Second)/time.Second))))
	case StoreFailed:
		w.Header().Set("Retry-After", "5")
	}
	if rep.Status == http.StatusNoContent {
		w.WriteHeader(rep.Status)
		return
	}
	http.Error(w, http.StatusText(rep.Status), rep.Status)
}

func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.String("error", "")
	}
	return slog.String("error", err.Error())
}

// payloadReason says where a payload is wrong without quoting any of it.
func payloadReason(err error) string {
	var pe *stackwebhook.PayloadError
	if errors.As(err, &pe) && pe.Path != "" {
		return "invalid payload at " + pe.Path
	}
	return "invalid payload"
}

// messageID is the id Verify checks (or checked): the idempotency key.
func messageID(r *http.Request) string {
	id, _, _, _ := stackwebhook.ReadHeaders(r.Header)
	return id
}
