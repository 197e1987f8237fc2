package receiver

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// MemoryOption configures NewMemoryStore.
type MemoryOption func(*memoryStore)

// WithMaxEntries bounds how many message ids the memory store holds
// (default 100,000). When it is full, the oldest completed ids are evicted
// first; a delivery of an evicted id is processed again.
func WithMaxEntries(n int) MemoryOption { return func(s *memoryStore) { s.max = n } }

// WithMaxBytes bounds the memory the store's entries take (default 64
// MiB), counting each key's memory (its bytes, in whole 8 KiB pages above
// 32 KiB, as Go allocates it) and a fixed overhead an entry
// (entryOverhead, 160 bytes). Ids are bounded by Handler
// (MaxMessageIDBytes), but a store used directly is bounded here too: 2,000
// ids of 64 KiB cannot take 128 MiB. When it is full, the oldest completed
// ids are evicted first.
func WithMaxBytes(n int) MemoryOption { return func(s *memoryStore) { s.maxBytes = n } }

// entryOverhead approximates what an entry takes besides its key: the map
// slot, the entry, its token and its place in the queue of completed ids.
const entryOverhead = 160

// entrySize is what an entry of key is counted for: entryOverhead and the
// key's memory. A key over 32 KiB is a large object to Go's allocator,
// which takes whole 8 KiB pages for it (64 KiB and 5 bytes take 72 KiB);
// a smaller one takes a size class at most an eighth larger than it.
func entrySize(key string) int {
	n := len(key)
	if n > 32<<10 {
		n = (n + 8<<10 - 1) &^ (8<<10 - 1)
	}
	return n + entryOverhead
}

// WithMemoryClock sets the clock of the memory store (default time.Now),
// for tests.
func WithMemoryClock(now func() time.Time) MemoryOption { return func(s *memoryStore) { s.now = now } }

// NewMemoryStore returns a Store held in this process's memory: bounded in
// entries and bytes (WithMaxEntries, WithMaxBytes; the oldest completed ids
// are evicted first) and
// in time (an id is forgotten when its lease or retention has passed). It
// deduplicates within one process only: a fleet needs a shared store
// (package sqlstore). It panics if an option is invalid.
func NewMemoryStore(opts ...MemoryOption) Store {
	s := &memoryStore{max: 100_000, maxBytes: 64 << 20, now: time.Now, entries: map[string]*memEntry{}}
	for _, opt := range opts {
		opt(s)
	}
	if s.max <= 0 || s.maxBytes <= 0 || s.now == nil {
		panic("receiver.NewMemoryStore: a maximum that is not positive, or a nil clock")
	}
	return s
}

type memoryStore struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	bytes    int // the keys' bytes and entryOverhead for each entry
	now      func() time.Time
	entries  map[string]*memEntry
	done     []*memEntry // completed entries, oldest first (some deleted since: see gone)
	next     uint64      // the last token given
}

// memEntry is one id's claim. delete clears its key, so that a deleted
// entry still queued in done holds a few bytes, not its id.
type memEntry struct {
	key     string
	token   string
	done    bool
	expires time.Time
}

// gone reports whether e was deleted from the store since it was queued.
func (e *memEntry) gone() bool { return e.key == "" }

func (s *memoryStore) Claim(_ context.Context, key string, lease time.Duration) (Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.forgetExpired(now)
	if e, ok := s.entries[key]; ok {
		switch {
		case now.After(e.expires):
			s.delete(key)
		case e.done:
			return Claim{Key: key, State: Done}, nil
		default:
			return Claim{Key: key, State: InProgress, RetryAfter: e.expires.Sub(now)}, nil
		}
	}
	size := entrySize(key)
	if size > s.maxBytes {
		return Claim{}, ErrStoreFull
	}
	for len(s.entries) >= s.max || s.bytes+size > s.maxBytes {
		if !s.evictOne(now) {
			return Claim{}, ErrStoreFull
		}
	}
	s.next++
	token := strconv.FormatUint(s.next, 10)
	s.entries[key] = &memEntry{key: key, token: token, expires: now.Add(lease)}
	s.bytes += size
	return Claim{Key: key, Token: token, State: Claimed}, nil
}

// delete forgets key, and the bytes it took.
func (s *memoryStore) delete(key string) {
	if e, ok := s.entries[key]; ok {
		delete(s.entries, key)
		s.bytes -= entrySize(key)
		e.key = ""
	}
}

// pop removes the head of the queue of completed entries, clearing its
// slot: the slice's unused front must hold nothing.
func (s *memoryStore) pop() *memEntry {
	e := s.done[0]
	s.done[0] = nil
	s.done = s.done[1:]
	return e
}

// forgetExpired deletes the completed entries at the head of the queue
// whose retention has passed, and drops stale references, so that memory
// follows the retention and not only the maximum.
func (s *memoryStore) forgetExpired(now time.Time) {
	for len(s.done) > 0 {
		e := s.done[0]
		if !e.gone() && !now.After(e.expires) {
			return
		}
		if !e.gone() {
			s.delete(e.key)
		}
		s.pop()
	}
}

// evictOne deletes the oldest completed entry, and reports whether there
// was one.
func (s *memoryStore) evictOne(now time.Time) bool {
	for len(s.done) > 0 {
		if e := s.pop(); !e.gone() {
			s.delete(e.key)
			return true
		}
	}
	// No completed entry left: free expired claims, if any.
	freed := false
	for k, e := range s.entries {
		if now.After(e.expires) {
			s.delete(k)
			freed = true
		}
	}
	return freed
}

// held returns the entry of the claim c while it is still c's (not done,
// not taken over). The caller holds mu.
func (s *memoryStore) held(c Claim) (*memEntry, bool) {
	e, ok := s.entries[c.Key]
	return e, ok && !e.done && e.token == c.Token
}

func (s *memoryStore) Complete(_ context.Context, c Claim, retention time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.held(c)
	if !ok {
		return ErrClaimLost
	}
	e.done = true
	e.expires = s.now().Add(retention)
	if len(s.done) == cap(s.done) && len(s.done) > 0 {
		s.done = append([]*memEntry(nil), s.done...) // drop the popped prefix's memory
	}
	s.done = append(s.done, e)
	return nil
}

func (s *memoryStore) Release(_ context.Context, c Claim) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.held(c); ok {
		s.delete(c.Key)
	}
	return nil
}

func (s *memoryStore) Extend(_ context.Context, c Claim, lease time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.held(c)
	if !ok {
		return ErrClaimLost
	}
	e.expires = s.now().Add(lease)
	return nil
}
