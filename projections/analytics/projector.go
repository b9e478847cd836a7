package analytics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/domain/usage"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Projector builds the daily analytics.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// Version implements projections.Projector. Raising it rebuilds the
// analytics over all history, which back-fills a newly added metric.
func (Projector) Version() int { return 1 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{"analytics"} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	coll, err := t.Conn.Collection(ctx, t.Collection("analytics"))
	if err != nil {
		return nil, err
	}
	return &applier{store: t.Store, coll: coll, docs: map[string]any{}, dirty: map[string]bool{}}, nil
}

type applier struct {
	store *eventstore.Store
	coll  *mongo.Collection
	docs  map[string]any // id → *day, *days, *ticketState
	dirty map[string]bool
}

func load[T any](ctx context.Context, a *applier, id string, fresh func() *T) (*T, error) {
	if d, ok := a.docs[id]; ok {
		return d.(*T), nil
	}
	d, err := mongodb.FindByID[T](ctx, a.coll, id)
	if err != nil {
		return nil, fmt.Errorf("analytics %s: %w", id, err)
	}
	if d == nil {
		d = fresh()
	}
	a.docs[id] = d
	return d, nil
}

func dayID(guild, d string) string { return "d/" + guild + "/" + d }

func (a *applier) day(ctx context.Context, guild, d string) (*day, error) {
	dd, err := load(ctx, a, dayID(guild, d), func() *day {
		return &day{ID: dayID(guild, d), Guild: guild, Day: d, Tickets: mongodb.SortedMap[contribution]{}, Commands: mongodb.SortedMap[int]{}}
	})
	if err != nil {
		return nil, err
	}
	idx, err := load(ctx, a, "g/"+guild, func() *days { return &days{ID: "g/" + guild, Days: []string{}} })
	if err != nil {
		return nil, err
	}
	if i, found := slices.BinarySearch(idx.Days, d); !found {
		idx.Days = slices.Insert(idx.Days, i, d)
		a.dirty[idx.ID] = true
	}
	return dd, nil
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	if strings.HasPrefix(e.Stream, "usage/") {
		return a.usage(ctx, e)
	}
	id, messages, ok := projections.TicketStream(e.Stream)
	if !ok {
		return nil
	}
	st, err := load(ctx, a, "t/"+id, func() *ticketState {
		return &ticketState{ID: "t/" + id, Facts: []fact{}, Answers: mongodb.SortedMap[time.Time]{}}
	})
	if err != nil {
		return err
	}
	applied := &st.V
	if messages {
		applied = &st.MV
	}
	events, err := projections.Pending(ctx, a.store, e, *applied)
	if err != nil {
		return err
	}
	for _, ev := range events {
		fold(st, ev)
	}
	if len(events) > 0 {
		*applied = e.Version
		a.dirty[st.ID] = true
	}
	return a.contribute(ctx, st)
}

// usage counts a command use, guarded by the day's usage stream version.
func (a *applier) usage(ctx context.Context, e projections.Event) error {
	u, ok := e.Event.(usage.CommandUsed)
	if !ok {
		return nil
	}
	d, err := a.day(ctx, u.Guild.String(), u.Day)
	if err != nil {
		return err
	}
	events, err := projections.Pending(ctx, a.store, e, d.UV)
	if err != nil {
		return err
	}
	for _, ev := range events {
		if used, ok := ev.Event.(usage.CommandUsed); ok {
			d.Commands[used.Command]++
		}
	}
	if len(events) > 0 {
		d.UV = e.Version
		a.dirty[d.ID] = true
	}
	return nil
}

func fold(st *ticketState, e projections.Event) {
	switch ev := e.Event.(type) {
	case ticket.Opened:
		st.Guild, st.Opener = ev.Guild.String(), ev.Opener.String()
		st.Facts = append(st.Facts, fact{Kind: "opened", At: ev.At.UTC()})
	case ticket.Claimed:
		st.Facts = append(st.Facts, fact{Kind: "claimed", At: e.OccurredAt.UTC(), By: ev.By.String()})
	case ticket.Closed:
		st.Facts = append(st.Facts, fact{Kind: "closed", At: ev.At.UTC(), By: ev.By.String()})
	case ticket.ChannelLost:
		if ev.WasOpen {
			st.Facts = append(st.Facts, fact{Kind: "closed", At: ev.At.UTC()})
		}
	case ticket.Reopened:
		st.Facts = append(st.Facts, fact{Kind: "reopened", At: ev.At.UTC(), By: ev.By.String()})
	case ticket.MessagePosted:
		if ev.Bot {
			return
		}
		who, at := ev.Author.String(), ev.At.UTC()
		if prev, ok := st.Answers[who]; !ok || at.Before(prev) {
			st.Answers[who] = at
		}
	}
}

// contribute rewrites the ticket's contribution to every day it touched.
func (a *applier) contribute(ctx context.Context, st *ticketState) error {
	if st.Guild == "" {
		return nil // messages seen before the opening; counted once it arrives
	}
	ticketID := strings.TrimPrefix(st.ID, "t/")
	byDay := map[string]*contribution{}
	c := func(at time.Time) *contribution {
		d := usage.Day(at)
		if byDay[d] == nil {
			byDay[d] = &contribution{}
		}
		return byDay[d]
	}
	var opened, firstClose time.Time
	for _, f := range st.Facts {
		switch f.Kind {
		case "opened":
			opened = f.At
			c(f.At).Opened++
		case "reopened":
			c(f.At).Reopened++
		case "claimed":
			x := c(f.At)
			if x.Claimed == nil {
				x.Claimed = mongodb.SortedMap[int]{}
			}
			x.Claimed[f.By]++
		case "closed":
			x := c(f.At)
			x.Closed++
			if f.By != "" {
				if x.ClosedBy == nil {
					x.ClosedBy = mongodb.SortedMap[int]{}
				}
				x.ClosedBy[f.By]++
			}
			if firstClose.IsZero() {
				firstClose = f.At
				if !opened.IsZero() {
					x.Resolution = max(1, f.At.Sub(opened).Milliseconds())
				}
			}
		}
	}
	var first time.Time
	for who, at := range st.Answers {
		if who != st.Opener && !at.Before(opened) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if !first.IsZero() && !opened.IsZero() {
		c(first).FirstResponse = max(1, first.Sub(opened).Milliseconds())
	}
	for d, x := range byDay {
		dd, err := a.day(ctx, st.Guild, d)
		if err != nil {
			return err
		}
		if cur, ok := dd.Tickets[ticketID]; !ok || !sameContribution(cur, *x) {
			dd.Tickets[ticketID] = *x
			a.dirty[dd.ID] = true
		}
	}
	return nil
}

func sameContribution(a, b contribution) bool {
	eq := func(x, y mongodb.SortedMap[int]) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		return true
	}
	return a.Opened == b.Opened && a.Closed == b.Closed && a.Reopened == b.Reopened && a.FirstResponse == b.FirstResponse &&
		a.Resolution == b.Resolution && eq(a.Claimed, b.Claimed) && eq(a.ClosedBy, b.ClosedBy)
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	replace := options.Replace().SetUpsert(true)
	for id := range a.dirty {
		if _, err := a.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, a.docs[id], replace); err != nil {
			return fmt.Errorf("write %s: %w", id, mongodb.Classify(err))
		}
		delete(a.dirty, id)
	}
	if len(a.docs) > 20_000 {
		clear(a.docs)
	}
	return nil
}
