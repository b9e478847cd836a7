package mongodb

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Sequence hands out increasing numbers per key (ticket numbers per guild)
// by inserting a claim document per number: of two processes claiming the
// same number one insert fails and tries the next, so no number is given
// twice — without the atomic read-modify-write FerretDB lacks. A claim
// names its claimant (a ticket), so a command retried after a crash finds
// the number its first attempt took instead of taking another (Claimed).
type Sequence struct {
	coll *mongo.Collection
	mu   sync.Mutex
	next map[string]int64
}

// SequencesCollection holds number claims.
const SequencesCollection = "sequences"

// OpenSequence prepares the claims collection.
func OpenSequence(ctx context.Context, c *Conn) (*Sequence, error) {
	coll, err := c.Collection(ctx, SequencesCollection)
	if err != nil {
		return nil, err
	}
	return &Sequence{coll: coll, next: map[string]int64{}}, nil
}

func claimKey(key string, n int64) string { return fmt.Sprintf("%s/%012d", key, n) }

// claimDoc is one claimed number.
type claimDoc struct {
	ID       string    `bson:"_id"`
	At       time.Time `bson:"at"`
	Claimant string    `bson:"claimant,omitempty"`
}

// Claim takes the next number of key, from 1, for claimant.
func (s *Sequence) Claim(ctx context.Context, key, claimant string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.next[key]
	if !ok {
		last, err := s.last(ctx, key)
		if err != nil {
			return 0, err
		}
		n = last + 1
	}
	for {
		_, err := s.coll.InsertOne(ctx, claimDoc{ID: claimKey(key, n), At: time.Now().UTC(), Claimant: claimant})
		if err == nil {
			s.next[key] = n + 1
			return n, nil
		}
		if !IsDuplicateKey(err) {
			return 0, fmt.Errorf("claim %s number %d: %w", key, n, Classify(err))
		}
		n++ // another process claimed it
	}
}

// claimedLookback is how much older than since a claim may look (clocks of
// several processes differ) before Claimed stops walking back.
const claimedLookback = time.Minute

// maxClaimedWalk bounds how many claims Claimed reads.
const maxClaimedWalk = 100_000

// Claimed finds the number claimant took, walking back from the newest
// claim to those made before since (when the claimant's first attempt
// began): only numbers claimed since then can be its.
func (s *Sequence) Claimed(ctx context.Context, key, claimant string, since time.Time) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, err := s.last(ctx, key)
	if err != nil {
		return 0, false, err
	}
	for n := last; n >= 1 && last-n < maxClaimedWalk; n-- {
		c, err := FindByID[claimDoc](ctx, s.coll, claimKey(key, n))
		if err != nil {
			return 0, false, fmt.Errorf("claims of %s: %w", key, err)
		}
		if c == nil {
			continue
		}
		if c.Claimant == claimant {
			return n, true, nil
		}
		if c.At.Before(since.Add(-claimedLookback)) {
			break
		}
	}
	return 0, false, nil
}

// ClaimThrough claims every number of key up to n that is not claimed yet
// (after an import, so that the next number follows the imported ones).
func (s *Sequence) ClaimThrough(ctx context.Context, key string, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, err := s.last(ctx, key)
	if err != nil {
		return err
	}
	for i := last + 1; i <= n; i++ {
		_, err := s.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: claimKey(key, i)}, {Key: "at", Value: time.Now().UTC()}})
		if err != nil && !IsDuplicateKey(err) {
			return fmt.Errorf("claim %s number %d: %w", key, i, Classify(err))
		}
	}
	delete(s.next, key)
	return nil
}

// last finds the highest claimed number (claims are dense).
func (s *Sequence) last(ctx context.Context, key string) (int64, error) {
	return LastDense(0, func(n int64) (bool, error) {
		err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: claimKey(key, n)}}).Err()
		if err == mongo.ErrNoDocuments {
			return false, nil
		}
		return err == nil, Classify(err)
	})
}

// LastDense finds the last existing number after known (which exists, or is
// 0) among dense numbers — existence is monotonic — by a galloping binary
// search: about 2·log2(distance) calls of exists.
func LastDense(known int64, exists func(int64) (bool, error)) (int64, error) {
	lo, step, hi := known, int64(1), int64(-1)
	for hi < 0 {
		ok, err := exists(lo + step)
		if err != nil {
			return 0, err
		}
		if ok {
			lo, step = lo+step, step*2
		} else {
			hi = lo + step
		}
	}
	for hi-lo > 1 { // lo exists (or is known), hi does not
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}
