package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketify/ticketify/eventstore"
)

// GroupLag is how far a consumer group (a projector or a reactor) is
// behind the log: commits not yet consumed, and the age of the oldest of
// them (0 when caught up).
type GroupLag struct {
	Group   string
	Reactor bool
	Commits int64
	Age     time.Duration
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
	for _, p := range r.projectors {
		groups = append(groups, GroupLag{Group: p.Name()})
	}
	for _, re := range r.reactors {
		groups = append(groups, GroupLag{Group: re.Name(), Reactor: true})
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

// ParkedCount counts the parked events, by consumer group.
func (r *Runtime) ParkedCount(ctx context.Context) (map[string]int, error) {
	parked, err := r.Parked(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, p := range parked {
		out[p.Projector]++
	}
	return out, nil
}
