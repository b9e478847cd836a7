package cache

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Weighted is a bounded LRU cache whose values have a weight (bytes,
// entries): least recently used values are dropped while the total weight
// is over its bound, and when the number of values is. golang-lru bounds
// only the number, so the total is kept here, under one lock with the
// library's lock-free LRU (simplelru). It is safe for concurrent use.
type Weighted[K comparable, V any] struct {
	mu        sync.Mutex
	lru       *simplelru.LRU[K, V]
	weight    func(V) int
	maxWeight int
	total     int
}

// NewWeighted returns a cache of at most maxValues values weighing at most
// maxWeight together (one value heavier than that alone is kept). It
// panics if maxValues is below 1, a programming error.
func NewWeighted[K comparable, V any](maxValues, maxWeight int, weight func(V) int) *Weighted[K, V] {
	c := &Weighted[K, V]{weight: weight, maxWeight: maxWeight}
	l, err := simplelru.NewLRU(maxValues, func(_ K, v V) { c.total -= c.weight(v) }) // called with c.mu held
	if err != nil {
		panic(err)
	}
	c.lru = l
	return c
}

// Get returns the value of key.
func (c *Weighted[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Get(key)
}

// Add stores a value, dropping the least recently used ones while the
// cache weighs too much.
func (c *Weighted[K, V]) Add(key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key) // its weight leaves the total
	c.lru.Add(key, v)
	c.total += c.weight(v)
	for c.total > c.maxWeight && c.lru.Len() > 1 {
		c.lru.RemoveOldest()
	}
}

// Remove drops key.
func (c *Weighted[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
}

// Len returns how many values the cache holds.
func (c *Weighted[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Weight returns the total weight of the values held.
func (c *Weighted[K, V]) Weight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}
