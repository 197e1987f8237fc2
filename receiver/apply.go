package receiver

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// An Applier applies a verified, decoded message: the last step of a
// handler made by HandlerFor. Handler's own appliers call fn, with or
// without a Store; sqlstore.TxHandler's applies the message and records it
// in one database transaction.
//
// Apply is called with the request's context, from which MessageFrom
// returns the message. It must be safe for concurrent use.
type Applier interface {
	Apply(ctx context.Context, d Delivery) Result
}

// A Delivery is what an Applier is handed besides the context.
type Delivery struct {
	// Key identifies the message in a store: its id, prefixed with the
	// namespace and a colon when WithNamespace was given.
	Key string
	// Event is the decoded event.
	Event stackwebhook.Event
	// Retention is how long a record of the message must be kept
	// (WithRetention).
	Retention time.Duration
}

// A Result is what an Applier did.
type Result struct {
	// Outcome is one of Applied, Duplicate, Busy, FnFailed or StoreFailed.
	Outcome Outcome
	// RetryAfter is, for Busy, how long until the other delivery's claim
	// ends.
	RetryAfter time.Duration
	// Err is the error of FnFailed or StoreFailed; for Applied, a failure
	// to record a message that was applied (logged, answered 204).
	Err error
}

// An Outcome is how a handler ended a request, in its Report and an
// Applier's Result.
type Outcome int

// The outcomes, with the status each is answered with.
const (
	Applied          Outcome = iota + 1 // fn succeeded (and the message was recorded): 204
	Duplicate                           // already applied; fn not called: 204
	Busy                                // another delivery is applying it: 409 with Retry-After
	Refused                             // a check failed (Report.Reason says which): 4xx
	FnFailed                            // fn returned an error or panicked: 500
	StoreFailed                         // the store or database failed; fn not applied: 503 with Retry-After
	PingAcknowledged                    // Svix's ping ("send example"): 204, fn not called
)

var outcomeNames = [...]string{"", "applied", "duplicate", "busy", "refused", "fn_failed", "store_failed", "ping"}

// String returns the outcome's name ("applied", "duplicate", "busy",
// "refused", "fn_failed", "store_failed", "ping"): a label value for
// metrics, without spaces.
func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

func (o Outcome) status() int {
	switch o {
	case Applied, Duplicate, PingAcknowledged:
		return http.StatusNoContent
	case Busy:
		return http.StatusConflict
	case StoreFailed:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// A Report is what WithObserver's function is told of each request.
type Report struct {
	Outcome Outcome
	// Status is the HTTP status answered (for a panic in fn, 500, which
	// net/http's answer to a panicking handler amounts to).
	Status int
	// Reason says why a request was Refused: bounded, escaped, never the
	// secret, the signature or the body. It is text for a log line, and can
	// name a field path: for a metric's label use Refusal.
	Reason string
	// Refusal is why a request was Refused, as one of the Refused*
	// values: a bounded set, for a metric's label. "" for any other
	// outcome.
	Refusal Refusal
	// Departures are the ways a verified payload departed from what Stack
	// sends today, as decoded best-effort (the default; none with
	// WithStrictPayloads, which refuses them): a key missing, null or of
	// another kind, or one this release does not know. Each is a field
	// path without array indices and a kind, for a metric's labels; at most
	// MaxDepartures and a last one of kind DepartureMore. nil when the
	// payload is as Stack sends it.
	Departures []Departure
	// UnknownType is true when the payload's type is one this release does
	// not type (EventType holds it as sent: bound it before it becomes a
	// label): the sender sends an event this release does not know.
	UnknownType bool
	// EventType is the event's type once the body was decoded, else "".
	// It comes from a verified payload, but Stack can add types: bound the
	// label set of a metric yourself.
	EventType string
	// MessageID is the message's id: verified unless Outcome is Refused,
	// when it is whatever the request carried (possibly long; never logged
	// unbounded by this package).
	MessageID string
	// RetryAfter is, for Busy, how long the sender was told to wait.
	RetryAfter time.Duration
	// Err is the error of FnFailed or StoreFailed.
	Err error
	// Latency is the time from the request's arrival to its answer.
	Latency time.Duration
}

func (r *Report) refuse(status int, refusal Refusal, reason string) {
	r.Outcome, r.Status, r.Refusal, r.Reason = Refused, status, refusal, logValue(reason)
}

// A Refusal is the bounded reason of a Refused request (Report.Refusal),
// with the status it is answered with.
type Refusal string

// The refusals. The signature's are one for each of Verify's errors.
const (
	RefusedMethod         Refusal = "method_not_allowed" // not a POST: 405
	RefusedBodyTooLarge   Refusal = "body_too_large"     // over WithMaxBodyBytes: 413
	RefusedBodyUnreadable Refusal = "body_unreadable"    // the body could not be read: 400
	RefusedMissingHeaders Refusal = "missing_headers"    // stackwebhook.ErrMissingHeaders: 401
	RefusedInvalidHeaders Refusal = "invalid_headers"    // stackwebhook.ErrInvalidHeaders: 401
	RefusedTooOld         Refusal = "too_old"            // stackwebhook.ErrTimestampTooOld: 401
	RefusedTooNew         Refusal = "too_new"            // stackwebhook.ErrTimestampTooNew: 401
	RefusedNoMatch        Refusal = "no_match"           // stackwebhook.ErrNoMatchingSignature: 401
	RefusedNotVerified    Refusal = "not_verified"       // any other error of Verify: 401
	RefusedIDTooLong      Refusal = "id_too_long"        // a verified id over MaxMessageIDBytes: 400
	RefusedPayload        Refusal = "invalid_payload"    // a body that does not decode (strict mode, or not JSON): 400
)

// verifyRefusals map Verify's errors to refusals, in the order checked.
var verifyRefusals = [...]struct {
	err     error
	refusal Refusal
}{
	{stackwebhook.ErrMissingHeaders, RefusedMissingHeaders},
	{stackwebhook.ErrInvalidHeaders, RefusedInvalidHeaders},
	{stackwebhook.ErrTimestampTooOld, RefusedTooOld},
	{stackwebhook.ErrTimestampTooNew, RefusedTooNew},
	{stackwebhook.ErrNoMatchingSignature, RefusedNoMatch},
}

// verifyRefusal is the refusal of an error of Verify.
func verifyRefusal(err error) Refusal {
	for _, v := range verifyRefusals {
		if errors.Is(err, v.err) {
			return v.refusal
		}
	}
	return RefusedNotVerified
}

// WithObserver makes the handler call fn once for every request it
// answers, before answering, with its outcome and latency: the hook for
// metrics and traces (see the Prometheus example in the repository). fn
// runs on the request's goroutine: it must be quick, and safe for
// concurrent use.
func WithObserver(fn func(ctx context.Context, r Report)) Option {
	return func(c *config) { c.observe = fn }
}

// funcApplier calls fn, without deduplication.
type funcApplier func(context.Context, stackwebhook.Event) error

func (fn funcApplier) Apply(ctx context.Context, d Delivery) Result {
	if err := fn(ctx, d.Event); err != nil {
		return Result{Outcome: FnFailed, Err: err}
	}
	return Result{Outcome: Applied}
}

// claimApplier claims the message in a Store, calls fn while holding the
// claim, and records the outcome.
type claimApplier struct {
	fn    func(context.Context, stackwebhook.Event) error
	store Store
	lease time.Duration
}

func (a *claimApplier) Apply(ctx context.Context, d Delivery) Result {
	claimedAt := time.Now()
	claim, err := a.store.Claim(ctx, d.Key, a.lease)
	switch {
	case err != nil:
		return Result{Outcome: StoreFailed, Err: err}
	case claim.State == Done:
		return Result{Outcome: Duplicate}
	case claim.State == InProgress:
		return Result{Outcome: Busy, RetryAfter: claim.RetryAfter}
	}
	fnCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopHolding := a.hold(fnCtx, cancel, claim, claimedAt)
	defer func() {
		if p := recover(); p != nil {
			// The next delivery processes the message at once, instead of
			// getting 409 until the lease passes.
			stopHolding()
			_ = a.store.Release(context.WithoutCancel(ctx), claim)
			panic(p)
		}
	}()
	err = a.fn(fnCtx, d.Event)
	stopHolding()
	if err != nil {
		if relErr := a.store.Release(context.WithoutCancel(ctx), claim); relErr != nil {
			err = errors.Join(err, relErr)
		}
		return Result{Outcome: FnFailed, Err: err}
	}
	return Result{Outcome: Applied, Err: a.complete(ctx, claim, d.Retention)}
}

// hold keeps the claim while fn runs: it renews it every third of the
// lease when the store is an Extender, and cancels fn's context with
// ErrClaimLost once the claim can no longer be held. The returned function,
// called once, stops it and waits until it has.
func (a *claimApplier) hold(ctx context.Context, cancel context.CancelCauseFunc, claim Claim, claimedAt time.Time) (stop func()) {
	stopped := make(chan struct{})
	renewCtx, stopRenewing := context.WithCancel(ctx) // a renewal in flight ends with stop too
	go func() {
		defer close(stopped)
		heldUntil := claimedAt.Add(a.lease) // by this clock, measured from before the claim
		ext, renews := a.store.(Extender)
		for {
			wait := time.Until(heldUntil)
			if renews {
				wait = min(wait, max(a.lease/3, time.Millisecond)) // a lease of nanoseconds must not spin
			}
			t := time.NewTimer(max(wait, 0))
			select {
			case <-renewCtx.Done(): // stopped, or the request ended
				t.Stop()
				return
			case <-t.C:
			}
			if !renews || !time.Now().Before(heldUntil) {
				cancel(ErrClaimLost)
				return
			}
			at := time.Now()
			err := ext.Extend(renewCtx, claim, a.lease)
			switch {
			case err == nil:
				heldUntil = at.Add(a.lease)
			case errors.Is(err, ErrClaimLost):
				cancel(ErrClaimLost)
				return
			} // any other error: try again until heldUntil
		}
	}()
	return func() {
		stopRenewing()
		<-stopped
	}
}

// completeRetryFor is how long Handler keeps trying to record an applied
// message as done while the store fails: an outage shorter than this (and
// than the lease) costs a slower answer, not a second application.
const completeRetryFor = 10 * time.Second

// complete records the claim as done, retrying with backoff while the
// store fails, for at most completeRetryFor.
func (a *claimApplier) complete(ctx context.Context, claim Claim, retention time.Duration) error {
	ctx = context.WithoutCancel(ctx) // the message was applied: record it even if the client left
	deadline := time.Now().Add(completeRetryFor)
	wait := 50 * time.Millisecond
	for {
		err := a.store.Complete(ctx, claim, retention)
		if err == nil || errors.Is(err, ErrClaimLost) || time.Now().Add(wait).After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

// A Departure is one way a payload departed from Stack's schema, in
// bounded terms (Report.Departures).
type Departure struct {
	// Field is the JSON path of the key, with array indices removed
	// ("data.oauth_providers[].email"); a key that is not Stack's is cut
	// at 64 bytes and escaped.
	Field string
	Kind  DepartureKind
}

// A DepartureKind says how a field departed.
type DepartureKind string

// The kinds of departure.
const (
	DepartureMissing    DepartureKind = "missing"        // a key Stack always sends is absent
	DepartureNull       DepartureKind = "null"           // null where Stack never sends null
	DepartureWrongKind  DepartureKind = "wrong_kind"     // a value of another JSON kind
	DepartureUnexpected DepartureKind = "unexpected_key" // a key this release does not know
	DepartureInvalid    DepartureKind = "invalid"        // a value of the right kind that cannot be held (an integer out of range)
	DepartureMore       DepartureKind = "more"           // the departures past stackwebhook.MaxDepartures, not listed
)

// departures turns the decoder's departures into bounded ones.
func departures(list []*stackwebhook.PayloadError) []Departure {
	if len(list) == 0 {
		return nil
	}
	out := make([]Departure, 0, len(list))
	for _, pe := range list {
		d := Departure{Field: logValue(withoutIndices(pe.Path))}
		switch {
		case pe.Path == "":
			d.Kind = DepartureMore
		case pe.Problem == "missing":
			d.Kind = DepartureMissing
		case pe.Problem == stackwebhook.ProblemUnexpectedKey:
			d.Kind = DepartureUnexpected
		case strings.HasPrefix(pe.Problem, "expected ") && strings.HasSuffix(pe.Problem, ", got null"):
			d.Kind = DepartureNull
		case strings.HasPrefix(pe.Problem, "expected "):
			d.Kind = DepartureWrongKind
		default:
			d.Kind = DepartureInvalid
		}
		out = append(out, d)
	}
	return out
}

// withoutIndices replaces each array index of a path with [].
func withoutIndices(path string) string {
	if !strings.Contains(path, "[") {
		return path
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		b.WriteByte(path[i])
		if path[i] == '[' {
			for i+1 < len(path) && path[i+1] >= '0' && path[i+1] <= '9' {
				i++
			}
		}
	}
	return b.String()
}
