package mongolog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Consumer groups keep two kinds of documents in the subscriptions
// collection, both addressed by _id (the only filter FerretDB indexes):
//
//   - "cp/<topic>/<group>": the checkpoint, the next record to deliver.
//     Only the lease holder writes it.
//   - "lease/<topic>/<group>/<epoch>": leases. Taking over a group inserts the
//     next epoch, so of several processes racing for it exactly one insert
//     succeeds; FerretDB has no atomic read-modify-write, inserts are.
//
// WARNING: these _id formats are the storage format of every checkpoint.

// SubscriptionsCollection holds checkpoints and leases.
const SubscriptionsCollection = "subscriptions"

// Checkpoint is where a consumer group stands in a topic (the log's own
// notion, eventstore.Checkpoint): the next record to deliver is record Index
// of the commit at Position.
type Checkpoint = eventstore.Checkpoint

type checkpointDoc struct {
	ID        string    `bson:"_id"`
	Topic     string    `bson:"topic"`
	Group     string    `bson:"group"`
	Position  int64     `bson:"pos"`
	Index     int       `bson:"idx"`
	Event     int64     `bson:"event"`
	UpdatedAt time.Time `bson:"updated_at"`
}

type leaseDoc struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
}

// Checkpoints reads and writes consumer group checkpoints and leases.
type Checkpoints struct {
	coll *mongo.Collection
}

// OpenCheckpoints prepares the subscriptions collection.
func OpenCheckpoints(ctx context.Context, conn *mongodb.Conn) (*Checkpoints, error) {
	coll, err := conn.Collection(ctx, SubscriptionsCollection)
	if err != nil {
		return nil, fmt.Errorf("open checkpoints: %w", err)
	}
	return &Checkpoints{coll: coll}, nil
}

func checkpointKey(topic, group string) string { return "cp/" + topic + "/" + group }
func leaseKey(topic, group string, epoch int64) string {
	return fmt.Sprintf("lease/%s/%s/%012d", topic, group, epoch)
}

// Load returns a group's checkpoint; a group never seen starts at the
// beginning of the log.
func (c *Checkpoints) Load(ctx context.Context, topic, group string) (Checkpoint, error) {
	d, err := mongodb.FindByID[checkpointDoc](ctx, c.coll, checkpointKey(topic, group))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("load checkpoint %s/%s: %w", topic, group, err)
	}
	if d == nil {
		return Checkpoint{Position: 1}, nil
	}
	return Checkpoint{Position: d.Position, Index: d.Index, Event: d.Event}, nil
}

// Save stores a group's checkpoint.
func (c *Checkpoints) Save(ctx context.Context, topic, group string, cp Checkpoint) error {
	d := checkpointDoc{ID: checkpointKey(topic, group), Topic: topic, Group: group,
		Position: cp.Position, Index: cp.Index, Event: cp.Event, UpdatedAt: time.Now().UTC()}
	_, err := c.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if mongodb.IsDuplicateKey(err) { // a racing first insert by another process: it exists now
		_, err = c.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	}
	if err != nil {
		return fmt.Errorf("save checkpoint %s/%s: %w", topic, group, mongodb.Classify(err))
	}
	return nil
}

// Reset moves a group's checkpoint back to the beginning (for rebuilds).
func (c *Checkpoints) Reset(ctx context.Context, topic, group string) error {
	return c.Save(ctx, topic, group, Checkpoint{Position: 1})
}

func (c *Checkpoints) lease(ctx context.Context, topic, group string, epoch int64) (*leaseDoc, error) {
	return mongodb.FindByID[leaseDoc](ctx, c.coll, leaseKey(topic, group, epoch))
}

// latestEpoch finds the newest lease epoch from a known one (epochs are dense).
func (c *Checkpoints) latestEpoch(ctx context.Context, topic, group string, known int64) (int64, *leaseDoc, error) {
	e := known
	for {
		d, err := c.lease(ctx, topic, group, e+1)
		if err != nil {
			return 0, nil, err
		}
		if d == nil {
			break
		}
		e++
	}
	if e == 0 {
		return 0, nil, nil
	}
	d, err := c.lease(ctx, topic, group, e)
	return e, d, err
}

// Lease is a held lease on a consumer group.
type Lease struct {
	c            *Checkpoints
	topic, group string
	owner        string
	epoch        int64
	ttl          time.Duration
}

// TryAcquire takes the group's lease if it is free, expired or already ours.
// It returns nil, nil when another member holds it.
func (c *Checkpoints) TryAcquire(ctx context.Context, topic, group, owner string, ttl time.Duration, knownEpoch int64) (*Lease, int64, error) {
	epoch, cur, err := c.latestEpoch(ctx, topic, group, knownEpoch)
	if err != nil {
		return nil, knownEpoch, fmt.Errorf("lease %s/%s: %w", topic, group, err)
	}
	now := time.Now()
	if cur != nil && cur.Owner != owner && cur.Until.After(now) {
		return nil, epoch, nil
	}
	d := leaseDoc{ID: leaseKey(topic, group, epoch+1), Owner: owner, Until: now.Add(ttl).UTC()}
	if _, err := c.coll.InsertOne(ctx, d); err != nil {
		if mongodb.IsDuplicateKey(err) {
			return nil, epoch + 1, nil // someone else took it first
		}
		return nil, epoch, fmt.Errorf("lease %s/%s: %w", topic, group, mongodb.Classify(err))
	}
	return &Lease{c: c, topic: topic, group: group, owner: owner, epoch: epoch + 1, ttl: ttl}, epoch + 1, nil
}

// ErrLeaseLost means another member took the group over.
var ErrLeaseLost = errors.New("consumer group lease lost")

// Renew extends the lease, or reports ErrLeaseLost when a newer epoch exists.
func (l *Lease) Renew(ctx context.Context) error {
	newer, err := l.c.lease(ctx, l.topic, l.group, l.epoch+1)
	if err != nil {
		return err
	}
	if newer != nil {
		return ErrLeaseLost
	}
	_, err = l.c.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: leaseKey(l.topic, l.group, l.epoch)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Now().Add(l.ttl).UTC()}}}})
	return mongodb.Classify(err)
}

// Hold takes a group's lease for owner, as TryAcquire, and keeps it —
// renewing it every ttl/4 — until release is called, which also releases
// it. held is false, and release nil, when another member holds the lease.
// For work on a group outside a subscriber: a catch-up, a rebuild.
func (c *Checkpoints) Hold(ctx context.Context, topic, group, owner string, ttl time.Duration) (release func(), held bool, err error) {
	lease, _, err := c.TryAcquire(ctx, topic, group, owner, ttl, 0)
	if err != nil || lease == nil {
		return nil, false, err
	}
	renewCtx, stop := context.WithCancel(ctx)
	go func() {
		for {
			select {
			case <-renewCtx.Done():
				return
			case <-time.After(ttl / 4):
				_ = lease.Renew(renewCtx) // a failed renewal is tried again at the next tick
			}
		}
	}()
	return func() {
		stop()
		_ = lease.Release(context.WithoutCancel(ctx))
	}, true, nil
}

// Release ends the lease at once so another member can take over.
func (l *Lease) Release(ctx context.Context) error {
	_, err := l.c.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: leaseKey(l.topic, l.group, l.epoch)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Unix(0, 0).UTC()}}}})
	return mongodb.Classify(err)
}

// logIDKey is the document naming this database's log (see LogID).
const logIDKey = "log-id"

// LogID returns the identity of this database's event log, made once at
// random: what a transport that carries the log names its streams after,
// so that two deployments sharing a broker never read each other's
// commits (positions alone would match across logs).
func (c *Checkpoints) LogID(ctx context.Context) (string, error) {
	type idDoc struct {
		ID  string `bson:"_id"`
		Log string `bson:"log"`
	}
	for range 2 {
		d, err := mongodb.FindByID[idDoc](ctx, c.coll, logIDKey)
		if err != nil {
			return "", fmt.Errorf("log id: %w", err)
		}
		if d != nil {
			return d.Log, nil
		}
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		_, err = c.coll.InsertOne(ctx, idDoc{ID: logIDKey, Log: hex.EncodeToString(b)})
		if err != nil && !mongodb.IsDuplicateKey(err) { // a duplicate: another process made it first
			return "", fmt.Errorf("log id: %w", mongodb.Classify(err))
		}
	}
	return "", errors.New("log id: not found after it was made")
}
