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
// delivers it (package sqlstore shares the records across a fleet); by
// default a payload that drifts from Stack's schema is handed over as far as
// it decodes, instead of being refused for ever.
package receiver

import (
	"context"
	"errors"
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
func WithDeduplication(store Store) Option { return func(c *config) { c.store = store } }

// WithNamespace prefixes the ids Handler stores with ns and a colon, so
// that several endpoints (or tenants) can share one store. ns may not hold
// a colon (Handler panics): "a:b" with the id "msg_1" and "a" with the id
// "b:msg_1" would be one key, and a message of one endpoint would be taken
// for another's, already applied.
func WithNamespace(ns string) Option { return func(c *config) { c.namespace = ns } }

// MaxMessageIDBytes is the longest message id Handler accepts (Svix's are
// about 30 bytes): a longer one is refused with 400 before any store sees
// it, so that a signed request cannot make the store keep kilobytes a key.
const MaxMessageIDBytes = 256

// WithLease sets how long a claim blocks other deliveries of its message
// (DefaultLease). An instance that crashes while processing blocks the id
// for at most that long. fn should finish well within it.
func WithLease(d time.Duration) Option { return func(c *config) { c.lease = d } }

// WithRetention sets how long a done id is remembered (DefaultRetention):
// at least as long as Svix may retry a message.
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
	// Timestamp is the signed timestamp: with it, fn can drop a
	// user.updated that arrives after a newer one.
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
//   - 400 when the body cannot be read, or is signed but is not a Stack
//     payload: not a JSON object with a string type and an object data
//     (with WithStrictPayloads: any departure from Stack's schema);
//   - with WithDeduplication: 204 without calling fn for a message already
//     done, 409 with Retry-After for one being processed, 503 with
//     Retry-After when the store fails;
//   - 500 when fn returns an error, so that Svix retries the message;
//   - 204 when fn returns nil.
//
// fn is called only for requests that passed every check, with the typed
// event (*stackwebhook.UnknownEvent for types this package does not know,
// or whose identifying key departs) and the request's context, from which
// MessageFrom returns the whole Message. Handler panics if wh or fn is nil,
// or if an option is invalid.
func Handler(wh *stackwebhook.Webhook, fn func(ctx context.Context, ev stackwebhook.Event) error, opts ...Option) http.Handler {
	c := config{maxBody: DefaultMaxBodyBytes, lease: DefaultLease, retention: DefaultRetention}
	for _, opt := range opts {
		opt(&c)
	}
	if wh == nil || fn == nil || c.maxBody <= 0 || c.lease <= 0 || c.retention <= 0 {
		panic("receiver.Handler: nil Webhook or function, or a limit, lease or retention that is not positive")
	}
	if strings.Contains(c.namespace, ":") {
		panic("receiver.Handler: a namespace may not hold a colon: its keys could collide with another's")
	}
	return &handler{wh: wh, fn: fn, cfg: c}
}

type handler struct {
	wh  *stackwebhook.Webhook
	fn  func(context.Context, stackwebhook.Event) error
	cfg config
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(ctx, w, r, http.StatusMethodNotAllowed, "method "+r.Method)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.refuse(ctx, w, r, http.StatusRequestEntityTooLarge, "body over the limit")
			return
		}
		h.refuse(ctx, w, r, http.StatusBadRequest, "reading the body failed")
		return
	}
	headers := stackwebhook.MultiValueHeaders(r.Header) // a split signature header read whole
	if err := h.wh.Verify(body, headers); err != nil {
		h.refuse(ctx, w, r, http.StatusUnauthorized, err.Error())
		return
	}
	msg := &Message{Body: body, Request: r}
	id, timestamp, _, _ := stackwebhook.ReadHeaders(headers)
	if len(id) > MaxMessageIDBytes {
		h.refuse(ctx, w, r, http.StatusBadRequest, "message id over "+strconv.Itoa(MaxMessageIDBytes)+" bytes")
		return
	}
	msg.ID = id
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
		h.refuse(ctx, w, r, http.StatusBadRequest, payloadReason(err))
		return
	}
	if _, ping := ev.(*stackwebhook.SvixPing); ping {
		// Svix's "send example" from its App Portal: verified, not a Stack
		// event. Acknowledged, so that the dashboard shows it delivered.
		if h.cfg.logger != nil {
			h.cfg.logger.LogAttrs(ctx, slog.LevelInfo, "stackwebhook: Svix ping acknowledged; nothing applied", slog.String("svix_id", logValue(id)))
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if len(msg.Departures) > 0 && h.cfg.logger != nil {
		paths := make([]string, 0, len(msg.Departures))
		for _, d := range msg.Departures {
			paths = append(paths, logValue(d.Path))
		}
		h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "stackwebhook: the payload departs from Stack's schema; handled as far as decoded",
			slog.String("event_type", logValue(ev.EventType())), slog.String("svix_id", logValue(id)), slog.Any("paths", paths))
	}
	ctx = context.WithValue(ctx, messageKey{}, msg)
	if h.cfg.store == nil {
		h.apply(ctx, w, ev, nil)
		return
	}
	key := id
	if h.cfg.namespace != "" {
		key = h.cfg.namespace + ":" + id
	}
	claim, err := h.cfg.store.Claim(ctx, key, h.cfg.lease)
	switch {
	case err != nil:
		h.logError(ctx, "stackwebhook: the deduplication store failed; not processed", id, err)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "deduplication store unavailable", http.StatusServiceUnavailable)
	case claim.State == Done:
		w.WriteHeader(http.StatusNoContent)
	case claim.State == InProgress:
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(claim.RetryAfter.Round(time.Second)/time.Second))))
		http.Error(w, "this message is being processed", http.StatusConflict)
	default:
		h.apply(ctx, w, ev, &claim)
	}
}

// apply calls fn, and records the outcome in the store when there is one.
// A panic in fn releases the claim (the next delivery processes the message
// at once, instead of getting 409 until the lease passes) and goes on up.
func (h *handler) apply(ctx context.Context, w http.ResponseWriter, ev stackwebhook.Event, claim *Claim) {
	id := MessageID(ctx)
	if claim != nil {
		defer func() {
			if p := recover(); p != nil {
				if err := h.cfg.store.Release(context.WithoutCancel(ctx), *claim); err != nil {
					h.logError(ctx, "stackwebhook: releasing the claim after a panic failed; the id waits for its lease", id, err)
				}
				panic(p)
			}
		}()
	}
	if err := h.fn(ctx, ev); err != nil {
		if claim != nil {
			if err := h.cfg.store.Release(context.WithoutCancel(ctx), *claim); err != nil {
				h.logError(ctx, "stackwebhook: releasing the claim failed; the id waits for its lease", id, err)
			}
		}
		if h.cfg.logger != nil {
			h.cfg.logger.LogAttrs(ctx, slog.LevelError, "stackwebhook: handler failed; Svix will retry",
				slog.String("event_type", logValue(ev.EventType())), slog.String("svix_id", logValue(id)), slog.String("error", err.Error()))
		}
		http.Error(w, "handler failed", http.StatusInternalServerError)
		return
	}
	if claim != nil {
		if err := h.complete(ctx, *claim); err != nil {
			h.logError(ctx, "stackwebhook: applied, but recording it as done failed", id, err)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// completeRetryFor is how long Handler keeps trying to record an applied
// message as done while the store fails: an outage shorter than this (and
// than the lease) costs a slower answer, not a second application.
const completeRetryFor = 10 * time.Second

// complete records the claim as done, retrying with backoff while the
// store fails, for at most completeRetryFor.
func (h *handler) complete(ctx context.Context, claim Claim) error {
	ctx = context.WithoutCancel(ctx) // the message was applied: record it even if the client left
	deadline := time.Now().Add(completeRetryFor)
	wait := 50 * time.Millisecond
	for {
		err := h.cfg.store.Complete(ctx, claim, h.cfg.retention)
		if err == nil || errors.Is(err, ErrClaimLost) || time.Now().Add(wait).After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

func (h *handler) logError(ctx context.Context, msg, id string, err error) {
	if h.cfg.logger != nil {
		h.cfg.logger.LogAttrs(ctx, slog.LevelError, msg, slog.String("svix_id", logValue(id)), slog.String("error", err.Error()))
	}
}

// refuse answers a request that failed a check, and logs why.
func (h *handler) refuse(ctx context.Context, w http.ResponseWriter, r *http.Request, code int, reason string) {
	if h.cfg.logger != nil {
		h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "stackwebhook: request refused",
			slog.Int("status", code), slog.String("reason", logValue(reason)), slog.String("svix_id", logValue(messageID(r))))
	}
	http.Error(w, http.StatusText(code), code)
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
