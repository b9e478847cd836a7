// Package cache holds the two wrappers over github.com/hashicorp/golang-lru/v2
// that Ticketify's readers and adapters share where that library's plain
// lru.Cache (bounded by a number of entries, used directly elsewhere) is not
// enough: Timed, whose entries remember when they were stored, for caches
// with an expiry; and Weighted, bounded by the total weight of its values
// (bytes, entries) as well.
//
// Why not the library's expirable.LRU: it starts a goroutine per cache that
// never ends (a ticker at a hundredth of the TTL: every 20 ms for a 2 s TTL),
// and it reads the wall clock, while some of our expiries are judged by an
// injected clock (tests travel in time) or by the value (a grace period for
// stale entries, a shorter life for a negative answer).
package cache

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Timed is a bounded LRU cache whose entries are fresh for a time. It is
// safe for concurrent use. Entries are dropped when the cache is full (least
// recently used first) or replaced; an expired entry is merely not returned
// by Get.
type Timed[K comparable, V any] struct {
	lru   *lru.Cache[K, entry[V]]
	fresh time.Duration
	now   func() time.Time
}

type entry[V any] struct {
	v  V
	at time.Time
}

// NewTimed returns a cache of at most size entries, each fresh for the
// given time by the clock now (time.Now when nil). It panics if size is
// below 1, a programming error.
func NewTimed[K comparable, V any](size int, fresh time.Duration, now func() time.Time) *Timed[K, V] {
	l, err := lru.New[K, entry[V]](size)
	if err != nil {
		panic(err)
	}
	if now == nil {
		now = time.Now
	}
	return &Timed[K, V]{lru: l, fresh: fresh, now: now}
}

// Get returns the value of key if it was stored less than the freshness ago.
func (c *Timed[K, V]) Get(key K) (V, bool) {
	v, age, ok := c.GetWithAge(key)
	if !ok || age >= c.fresh {
		var zero V
		return zero, false
	}
	return v, true
}

// GetWithAge returns the value of key and how long ago it was stored,
// however long, for callers that judge freshness themselves.
func (c *Timed[K, V]) GetWithAge(key K) (v V, age time.Duration, ok bool) {
	e, ok := c.lru.Get(key)
	if !ok {
		return v, 0, false
	}
	return e.v, c.now().Sub(e.at), true
}

// Add stores a value as of now.
func (c *Timed[K, V]) Add(key K, v V) { c.AddAt(key, v, c.now()) }

// AddAt stores a value as of the given time (when it was read, say).
func (c *Timed[K, V]) AddAt(key K, v V, at time.Time) { c.lru.Add(key, entry[V]{v: v, at: at}) }

// Remove drops key.
func (c *Timed[K, V]) Remove(key K) { c.lru.Remove(key) }

// Len returns how many entries the cache holds, fresh or not.
func (c *Timed[K, V]) Len() int { return c.lru.Len() }
