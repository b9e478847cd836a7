package cache_test

import (
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/platform/cache"
)

func TestATimedEntryIsFreshForItsTimeByTheGivenClock(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := cache.NewTimed[string, int](10, time.Minute, func() time.Time { return now })
	c.Add("a", 1)
	now = now.Add(59 * time.Second)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("after 59 s: %d %v, want 1 true", v, ok)
	}
	now = now.Add(time.Second)
	if _, ok := c.Get("a"); ok {
		t.Fatal("after a minute the entry is still fresh")
	}
	if v, age, ok := c.GetWithAge("a"); !ok || v != 1 || age != time.Minute {
		t.Fatalf("GetWithAge: %d %s %v, want 1 1m0s true", v, age, ok)
	}
	c.AddAt("b", 2, now.Add(-2*time.Minute))
	if _, ok := c.Get("b"); ok {
		t.Fatal("an entry stored as of two minutes ago is fresh")
	}
	c.Remove("a")
	if _, _, ok := c.GetWithAge("a"); ok {
		t.Fatal("a removed entry is still there")
	}
}

func TestATimedCacheDropsTheLeastRecentlyUsedWhenFull(t *testing.T) {
	c := cache.NewTimed[int, int](2, time.Hour, nil)
	c.Add(1, 1)
	c.Add(2, 2)
	c.Get(1) // 2 is now the least recently used
	c.Add(3, 3)
	if _, ok := c.Get(2); ok || c.Len() != 2 {
		t.Fatalf("entry 2 survived a full cache (len %d)", c.Len())
	}
	if _, ok := c.Get(1); !ok {
		t.Fatal("the recently used entry 1 was dropped")
	}
}

func TestAWeightedCacheStaysWithinItsWeight(t *testing.T) {
	c := cache.NewWeighted[string, string](10, 10, func(s string) int { return len(s) })
	c.Add("a", "aaaa")
	c.Add("b", "bbbb")
	c.Get("a") // b is now the least recently used
	c.Add("c", "cccc")
	if _, ok := c.Get("b"); ok || c.Weight() != 8 || c.Len() != 2 {
		t.Fatalf("after 12 units in a cache of 10: b kept %v, weight %d, len %d", ok, c.Weight(), c.Len())
	}
	c.Add("a", "a") // replacing a value replaces its weight
	if c.Weight() != 5 {
		t.Fatalf("weight %d after replacing a, want 5", c.Weight())
	}
	c.Add("big", "twelve bytes")
	if v, ok := c.Get("big"); !ok || v != "twelve bytes" || c.Len() != 1 || c.Weight() != 12 {
		t.Fatalf("a value heavier than the bound: kept %v, len %d, weight %d", ok, c.Len(), c.Weight())
	}
	c.Remove("big")
	if c.Len() != 0 || c.Weight() != 0 {
		t.Fatalf("after Remove: len %d, weight %d", c.Len(), c.Weight())
	}
}

func TestAWeightedCacheIsBoundedInValuesToo(t *testing.T) {
	c := cache.NewWeighted[int, int](2, 100, func(int) int { return 1 })
	for i := range 3 {
		c.Add(i, i)
	}
	if _, ok := c.Get(0); ok || c.Len() != 2 || c.Weight() != 2 {
		t.Fatalf("3 values in a cache of 2: the oldest kept %v, len %d, weight %d", ok, c.Len(), c.Weight())
	}
}
