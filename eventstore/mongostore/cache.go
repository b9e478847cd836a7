package mongostore

import (
	"slices"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/ticketify/ticketify/eventstore"
)

// streamCache remembers, per stream, the commits read so far and the latest
// revision, least recently used first out. It is only an accelerator: a stale
// entry makes an append fail with a conflict, which drops the entry.
//
// The LRU is golang-lru's simplelru, which has no lock of its own: appended
// reads an entry and writes it back, and the one mutex here makes that a
// single step.
type streamCache struct {
	mu      sync.Mutex
	streams *simplelru.LRU[string, cachedStream] // nil: caching is off
}

type cachedStream struct {
	commits []eventstore.StoredCommit // nil when only the revision is known
	rev     eventstore.Revision
}

// newStreamCache returns a cache of at most max streams; a negative max
// turns caching off.
func newStreamCache(max int) *streamCache {
	if max < 0 {
		return &streamCache{}
	}
	streams, err := simplelru.NewLRU[string, cachedStream](max, nil)
	if err != nil {
		panic(err) // max is 0: Config.withDefaults makes it 20,000
	}
	return &streamCache{streams: streams}
}

// commits returns a copy of the cached commits of a stream.
func (c *streamCache) commits(stream string) []eventstore.StoredCommit {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams == nil {
		return nil
	}
	if cs, ok := c.streams.Get(stream); ok {
		return slices.Clone(cs.commits)
	}
	return nil
}

// revision returns the cached revision of a stream.
func (c *streamCache) revision(stream string) (eventstore.Revision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams == nil {
		return eventstore.NoStream, false
	}
	if cs, ok := c.streams.Get(stream); ok {
		return cs.rev, true
	}
	return eventstore.NoStream, false
}

func (c *streamCache) put(stream string, commits []eventstore.StoredCommit, rev eventstore.Revision) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams == nil {
		return
	}
	c.streams.Add(stream, cachedStream{commits: commits, rev: rev})
}

// appended records a commit this process appended: the revision moves on and,
// when the commits before it are cached, the commit joins them.
func (c *streamCache) appended(sc eventstore.StoredCommit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams == nil {
		return
	}
	cs, ok := c.streams.Get(sc.Stream)
	if !ok {
		c.streams.Add(sc.Stream, cachedStream{rev: sc.Revision()})
		return
	}
	if int64(len(cs.commits)) == sc.Seq-1 && cs.commits != nil {
		cs.commits = append(cs.commits, sc)
	} else {
		cs.commits = nil
	}
	cs.rev = sc.Revision()
	c.streams.Add(sc.Stream, cs)
}

func (c *streamCache) forget(stream string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams == nil {
		return
	}
	c.streams.Remove(stream)
}
