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
//	}))
package receiver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/stackwebhook/stackwebhook"
)

// DefaultMaxBodyBytes is the largest body Handler reads unless
// WithMaxBodyBytes says otherwise. Svix sends at most 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

type config struct {
	maxBody int64
	logger  *slog.Logger
}

// Option configures Handler.
type Option func(*config)

// WithMaxBodyBytes sets the largest body Handler reads; a larger one is
// answered 413 without being verified. n must be positive: Handler panics
// otherwise, as a configuration error.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithLogger makes Handler log every request it refuses, and every error fn
// returns, at level Warn (Error for fn's errors). It logs the status, the
// reason and the svix-id header; never the secret, the signature or the body.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

type messageIDKey struct{}

// MessageID returns the svix-id of the message that fn was called for: the
// key to make fn idempotent, since Svix retries a message with the same id.
// It returns "" outside fn.
func MessageID(ctx context.Context) string {
	id, _ := ctx.Value(messageIDKey{}).(string)
	return id
}

// Handler returns an http.Handler that answers:
//
//   - 405, with Allow: POST, to any other method;
//   - 413 to a body over the limit (DefaultMaxBodyBytes unless WithMaxBodyBytes);
//   - 401 when verification fails (any stackwebhook verification error);
//   - 400 when the body is signed but is not a Stack payload (ErrInvalidPayload)
//     or cannot be read;
//   - 500 when fn returns an error, so that Svix retries the message;
//   - 204 when fn returns nil.
//
// fn is called only for requests that passed every check, with the typed
// event (*stackwebhook.UnknownEvent for types this package does not know) and
// the request's context, from which MessageID returns the svix-id. Handler
// panics if wh or fn is nil, or if an option is invalid.
func Handler(wh *stackwebhook.Webhook, fn func(ctx context.Context, ev stackwebhook.Event) error, opts ...Option) http.Handler {
	c := config{maxBody: DefaultMaxBodyBytes}
	for _, opt := range opts {
		opt(&c)
	}
	if wh == nil || fn == nil || c.maxBody <= 0 {
		panic("receiver.Handler: nil Webhook or function, or a limit that is not positive")
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
	ev, err := h.wh.VerifyEvent(body, r.Header)
	if err != nil {
		if errors.Is(err, stackwebhook.ErrInvalidPayload) {
			h.refuse(ctx, w, r, http.StatusBadRequest, payloadReason(err))
		} else {
			h.refuse(ctx, w, r, http.StatusUnauthorized, err.Error())
		}
		return
	}
	if err := h.fn(context.WithValue(ctx, messageIDKey{}, messageID(r)), ev); err != nil {
		if h.cfg.logger != nil {
			h.cfg.logger.LogAttrs(ctx, slog.LevelError, "stackwebhook: handler failed; Svix will retry",
				slog.String("event_type", logValue(ev.EventType())), slog.String("svix_id", logValue(messageID(r))), slog.String("error", err.Error()))
		}
		http.Error(w, "handler failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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
