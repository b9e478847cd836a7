package mongolog

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// MembersCollection holds one document per running process that consumes
// consumer groups: its heartbeat.
const MembersCollection = "subscription_members"

// Members shares partitioned consumer groups fairly between the processes
// that run them. Each process keeps a heartbeat document; from the number
// of live ones, N, a process holds at most ceil(P/N) of a projector's P
// partitions: it takes a free partition only below that share and lets one
// go (saving its checkpoint, releasing its lease) when above it — after
// another process starts, or comes back. A dead process's heartbeat and
// leases expire after the lease time, the others' shares grow, and they
// take its partitions over. No coordinator: the leases (one insert wins)
// keep two members off one partition; the shares only decide who tries.
//
// It is a balancer of a few lines over the leases the subscribers already
// keep, rather than an outside one (Kafka's group coordinator, a NATS KV
// election): the processes already share MongoDB, and the lease is what
// guards each partition whoever proposes the assignment.
type Members struct {
	coll  *mongo.Collection
	owner string
	ttl   time.Duration
	live  atomic.Int64

	mu   sync.Mutex
	held map[string]int // partitions held, by family (projector)
}

type memberDoc struct {
	ID    string    `bson:"_id"`
	Until time.Time `bson:"until"`
}

// OpenMembers prepares the heartbeat collection for the process owner.
func OpenMembers(ctx context.Context, conn *mongodb.Conn, owner string, ttl time.Duration) (*Members, error) {
	coll, err := conn.Collection(ctx, MembersCollection)
	if err != nil {
		return nil, fmt.Errorf("open members: %w", err)
	}
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	m := &Members{coll: coll, owner: owner, ttl: ttl, held: map[string]int{}}
	m.live.Store(1)
	return m, nil
}

// Run keeps the heartbeat until ctx ends, then removes it (so the others
// take the partitions this process gave back without waiting for it to
// expire).
func (m *Members) Run(ctx context.Context) {
	m.beat(ctx)
	t := time.NewTicker(m.ttl / 8) // a dead member is counted out within ttl + ttl/8
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, _ = m.coll.DeleteOne(c, bson.D{{Key: "_id", Value: m.owner}})
			cancel()
			return
		case <-t.C:
			m.beat(ctx)
		}
	}
}

// beat renews this process's heartbeat, counts the live ones and clears
// expired ones. On a failure the last count stands.
func (m *Members) beat(ctx context.Context) {
	now := time.Now().UTC()
	d := memberDoc{ID: m.owner, Until: now.Add(m.ttl)}
	if _, err := m.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return
	}
	// A handful of documents, one per process: counting them is no scan
	// worth an index.
	n, err := m.coll.CountDocuments(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$gt", Value: now}}}})
	if err == nil && n > 0 {
		m.live.Store(n)
	}
	_, _ = m.coll.DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: now.Add(-m.ttl)}}}})
}

// Live returns how many processes were alive at the last heartbeat.
func (m *Members) Live() int { return int(m.live.Load()) }

func (m *Members) share(partitions int) int {
	n := max(1, m.Live())
	return (partitions + n - 1) / n
}

// mayTake says whether this process may try to take one more partition of
// family (of partitions in all).
func (m *Members) mayTake(family string, partitions int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[family] < m.share(partitions)
}

// took and let go count the partitions held.
func (m *Members) took(family string) {
	m.mu.Lock()
	m.held[family]++
	m.mu.Unlock()
}

func (m *Members) letGo(family string) {
	m.mu.Lock()
	m.held[family]--
	m.mu.Unlock()
}

// shouldYield says whether this process holds more than its share of
// family and should let one partition go; true reserves that one (the
// caller lets go of it), so that several partitions asking at once do not
// all leave.
func (m *Members) shouldYield(family string, partitions int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held[family] <= m.share(partitions) {
		return false
	}
	m.held[family]--
	return true
}

// Held returns how many partitions of family this process holds.
func (m *Members) Held(family string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[family]
}
