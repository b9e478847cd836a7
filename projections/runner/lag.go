package runner

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// GroupLag is how far a consumer group (a projector or a reactor) is
// behind the log: commits not yet consumed, and the age of the oldest of
// them (0 when caught up).
type GroupLag struct {
	Group string
	// Family is the projector (or reactor) and Partition the share of the
	// guilds, for a group of a projector split by guild.
	Family    string
	Partition projections.Partition
	Reactor   bool
	Commits   int64
	Age       time.Duration
}

// Lag reads every consumer group's checkpoint against the log's head, for
// monitoring (one checkpoint read per group, and one commit read per group
// that is behind).
func (r *Runtime) Lag(ctx context.Context, now time.Time) ([]GroupLag, error) {
	_, head, err := r.cfg.Log.LastEvent(ctx, eventstore.DefaultTopic)
	if err != nil {
		return nil, err
	}
	var groups []GroupLag
	for _, g := range r.groups {
		groups = append(groups, GroupLag{Group: g.name, Family: g.p.Name(), Partition: g.part})
	}
	for _, re := range r.reactors {
		groups = append(groups, GroupLag{Group: re.Name(), Family: re.Name(), Partition: projections.Whole, Reactor: true})
	}
	for i, g := range groups {
		cp, err := r.cfg.Checkpoints.Load(ctx, eventstore.DefaultTopic, g.Group)
		if err != nil {
			return nil, err
		}
		behind := head - cp.Position + 1 // cp.Position is the next commit to consume
		if behind <= 0 {
			continue
		}
		groups[i].Commits = behind
		next, err := r.cfg.Log.ReadLog(ctx, eventstore.DefaultTopic, cp.Position, 1)
		if err != nil {
			return nil, fmt.Errorf("lag of %s: %w", g.Group, err)
		}
		if len(next) == 1 {
			groups[i].Age = max(0, now.Sub(next[0].At))
		}
	}
	return groups, nil
}

// ParkedCount counts the parked events, by consumer group (counted by the
// database: the parked documents are not read).
func (r *Runtime) ParkedCount(ctx context.Context) (map[string]int, error) {
	cur, err := r.parking.coll.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$projector"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, mongodb.Classify(err)
	}
	var rows []struct {
		Group string `bson:"_id"`
		N     int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, mongodb.Classify(err)
	}
	out := map[string]int{}
	for _, row := range rows {
		out[row.Group] = row.N
	}
	return out, nil
}
