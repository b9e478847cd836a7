package mongostore

import (
	"container/list"
	"slices"
	"sync"

	"github.com/ticketify/ticketify/eventstore"
)

// streamCache remembers, per stream, the commits read so far and the latest
// revision, least recently used first out. It is only an accelerator: a stale
// entry makes an append fail with a conflict, which drops the entry.
type streamCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type cachedStream struct {
	name    string
	commits []eventstore.StoredCommit // nil when only the revision is known
	rev     eventstore.Revision
}

func newStreamCache(max int) *streamCache {
	return &streamCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

// commits returns a copy of the cached commits of a stream.
func (c *streamCache) commits(stream string) []eventstore.StoredCommit {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[stream]; ok {
		c.order.MoveToFront(e)
		return slices.Clone(e.Value.(*cachedStream).commits)
	}
	return nil
}

// revision returns the cached revision of a stream.
func (c *streamCache) revision(stream string) (eventstore.Revision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[stream]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cachedStream).rev, true
	}
	return eventstore.NoStream, false
}

func (c *streamCache) put(stream string, commits []eventstore.StoredCommit, rev eventstore.Revision) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max < 0 {
		return
	}
	if e, ok := c.items[stream]; ok {
		cs := e.Value.(*cachedStream)
		cs.commits, cs.rev = commits, rev
		c.order.MoveToFront(e)
		return
	}
	c.items[stream] = c.order.PushFront(&cachedStream{name: stream, commits: commits, rev: rev})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cachedStream).name)
	}
}

// appended records a commit this process appended: the revision moves on and,
// when the commits before it are cached, the commit joins them.
func (c *streamCache) appended(sc eventstore.StoredCommit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max < 0 {
		return
	}
	e, ok := c.items[sc.Stream]
	if !ok {
		c.items[sc.Stream] = c.order.PushFront(&cachedStream{name: sc.Stream, rev: sc.Revision()})
		return
	}
	cs := e.Value.(*cachedStream)
	if int64(len(cs.commits)) == sc.Seq-1 && cs.commits != nil {
		cs.commits = append(cs.commits, sc)
	} else {
		cs.commits = nil
	}
	cs.rev = sc.Revision()
	c.order.MoveToFront(e)
}

func (c *streamCache) forget(stream string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[stream]; ok {
		c.order.Remove(e)
		delete(c.items, stream)
	}
}
