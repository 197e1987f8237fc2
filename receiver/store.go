package receiver

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// A Store records which messages have been applied, so that Handler applies
// each message once however often Svix delivers it, in this process or in
// any other sharing the store. NewMemoryStore is the embedded one; package
// github.com/stackwebhook/stackwebhook/receiver/sqlstore keeps it in
// PostgreSQL or SQLite for a fleet.
//
// Each method must be safe for concurrent use, and atomic with respect to
// other processes sharing the store: two Claims of one key never both
// return Claimed while the first claim's lease runs.
type Store interface {
	// Claim takes key for processing until lease has passed, and returns
	// Claimed with a token of its own; or Done if key was completed within
	// its retention; or InProgress, with how long until the other claim's
	// lease ends. A claim whose lease has passed, or a completion whose
	// retention has, is taken over as if absent.
	Claim(ctx context.Context, key string, lease time.Duration) (Claim, error)
	// Complete records the claimed key as done for retention. It fails
	// with ErrClaimLost if the claim is no longer this one (its lease
	// passed and another delivery took the key).
	Complete(ctx context.Context, c Claim, retention time.Duration) error
	// Release gives up the claim, so that the next delivery processes the
	// message again. Releasing a claim that is no longer this one does
	// nothing.
	Release(ctx context.Context, c Claim) error
}

// An Extender is a Store that can renew a claim while fn runs, so that a
// slow fn keeps its message (see WithDeduplication). Both stores of this
// module are Extenders.
type Extender interface {
	// Extend makes the claim last lease from now. It fails with
	// ErrClaimLost if the claim is no longer this one.
	Extend(ctx context.Context, c Claim, lease time.Duration) error
}

// A Claim is the answer of Store.Claim.
type Claim struct {
	Key        string
	Token      string        // identifies this claim; set when State is Claimed
	State      ClaimState    //
	RetryAfter time.Duration // for InProgress: until the other claim's lease ends
}

// ClaimState says what Store.Claim found.
type ClaimState int

// The states of a Claim.
const (
	Claimed    ClaimState = iota + 1 // the caller processes the message
	Done                             // already applied: acknowledge, do nothing
	InProgress                       // another delivery is processing it now
)

// String returns the state's name ("claimed", "done", "in progress"), for
// logs and test failures.
func (s ClaimState) String() string {
	switch s {
	case Claimed:
		return "claimed"
	case Done:
		return "done"
	case InProgress:
		return "in progress"
	}
	return "ClaimState(" + strconv.Itoa(int(s)) + ")"
}

// Errors of the stores.
var (
	// ErrClaimLost: Complete found the key claimed by someone else, or
	// gone: the lease passed before fn returned.
	ErrClaimLost = errors.New("receiver: the claim was lost (its lease passed)")
	// ErrStoreFull: the memory store holds its maximum of entries or
	// bytes, none of them a completed message that could be evicted.
	ErrStoreFull = errors.New("receiver: the memory store is full of messages in progress")
)

// The defaults of WithDeduplication.
const (
	// DefaultRetention covers Svix's whole retry schedule (the last retry
	// comes about 28 hours after the first attempt) with room to spare.
	DefaultRetention = 72 * time.Hour
	// DefaultLease is how long a claim blocks other deliveries of its
	// message: longer than fn takes, shorter than Svix's first retry.
	DefaultLease = time.Minute
)
