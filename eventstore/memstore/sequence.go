package memstore

import (
	"context"
	"sync"
	"time"
)

// Sequence hands out numbers per key (ticket numbers per guild) like
// mongodb.Sequence: dense from 1, each claim naming its claimant, so that a
// command retried after a crash finds the number its first attempt took
// (Claimed). It satisfies app.Numbers.
type Sequence struct {
	mu     sync.Mutex
	claims map[string][]claim // by key, number n at index n-1
}

type claim struct {
	at       time.Time
	claimant string
}

// NewSequence returns a sequence with nothing claimed.
func NewSequence() *Sequence { return &Sequence{claims: map[string][]claim{}} }

// claimedLookback and maxClaimedWalk are mongodb.Sequence's: how much older
// than since a claim may be before Claimed stops walking back, and how many
// claims it reads at most.
const (
	claimedLookback = time.Minute
	maxClaimedWalk  = 100_000
)

// Claim takes the next number of key, from 1, for claimant.
func (s *Sequence) Claim(ctx context.Context, key, claimant string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Stamped with the wall clock, not the application's, as mongodb.Sequence does.
	s.claims[key] = append(s.claims[key], claim{at: time.Now().UTC(), claimant: claimant})
	return int64(len(s.claims[key])), nil
}

// Claimed finds the number claimant took, walking back from the newest
// claim to those made before since (when the claimant's first attempt
// began), less a minute for clocks that differ.
func (s *Sequence) Claimed(ctx context.Context, key, claimant string, since time.Time) (int64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.claims[key]
	last := int64(len(cs))
	for n := last; n >= 1 && last-n < maxClaimedWalk; n-- {
		c := cs[n-1]
		if c.claimant == claimant {
			return n, true, nil
		}
		if c.at.Before(since.Add(-claimedLookback)) {
			break
		}
	}
	return 0, false, nil
}

// ClaimThrough claims, for no claimant, every number of key up to n that is
// not claimed yet (after an import, so that the next number follows the
// imported ones).
func (s *Sequence) ClaimThrough(ctx context.Context, key string, n int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for int64(len(s.claims[key])) < n {
		s.claims[key] = append(s.claims[key], claim{at: time.Now().UTC()})
	}
	return nil
}
