package analytics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/domain/usage"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Projector builds the daily analytics.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// PerGuild implements projections.PerGuild: it can be split by guild.
func (Projector) PerGuild() {}

// Version implements projections.Projector. Raising it rebuilds the
// analytics over all history, which back-fills a newly added metric.
// 3: the first response within support hours, for tickets answered before.
// 4: tags posted (an answer too, for the first response).
func (Projector) Version() int { return 4 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{"analytics"} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	coll, err := t.Conn.Collection(ctx, t.Collection("analytics"))
	if err != nil {
		return nil, err
	}
	return &applier{store: t.Store, docs: projections.NewDocs(coll, t), part: t.Partition}, nil
}

type applier struct {
	store *eventstore.Store
	docs  *projections.Docs // *day, *days, *ticketState
	part  projections.Partition
}

func load[T any](ctx context.Context, a *applier, id string, zero func() *T) (*T, error) {
	return projections.Load(ctx, a.docs, id, zero)
}

func dayID(guild, d string) string { return "d/" + guild + "/" + d }

func chunkID(guild, d string, n int64) string { return fmt.Sprintf("d/%s/%s/%d", guild, d, n) }

func (a *applier) index(ctx context.Context, guild string) (*days, error) {
	return load(ctx, a, "g/"+guild, func() *days { return &days{ID: "g/" + guild, Days: []string{}, Net: []int{}} })
}

// day returns a day's document, listing the day in the guild's index.
func (a *applier) day(ctx context.Context, guild, d string) (*day, error) {
	dd, err := load(ctx, a, dayID(guild, d), func() *day {
		return &day{ID: dayID(guild, d), Guild: guild, Day: d, Chunks: []int64{}, Commands: mongodb.SortedMap[int]{}}
	})
	if err != nil {
		return nil, err
	}
	idx, err := a.index(ctx, guild)
	if err != nil {
		return nil, err
	}
	if i, found := slices.BinarySearch(idx.Days, d); !found {
		idx.Days = slices.Insert(idx.Days, i, d)
		idx.Net = slices.Insert(idx.Net, i, 0)
		a.docs.Changed(idx.ID)
	}
	return dd, nil
}

// setContribution puts a ticket's contribution to a day (nil: none) and
// keeps the day's chunk list and the guild's backlog in step.
func (a *applier) setContribution(ctx context.Context, guild, d string, number int64, ticketID string, x *contribution) error {
	dd, err := a.day(ctx, guild, d)
	if err != nil {
		return err
	}
	n := number / ChunkTickets
	id := chunkID(guild, d, n)
	ch, err := load(ctx, a, id, func() *dayChunk { return &dayChunk{ID: id, Tickets: mongodb.SortedMap[contribution]{}} })
	if err != nil {
		return err
	}
	cur, had := ch.Tickets[ticketID]
	switch {
	case x == nil && !had:
		return nil
	case x != nil && had && sameContribution(cur, *x):
		return nil
	case x == nil:
		delete(ch.Tickets, ticketID)
	default:
		ch.Tickets[ticketID] = *x
	}
	a.docs.Changed(id)
	if i, found := slices.BinarySearch(dd.Chunks, n); !found {
		dd.Chunks = slices.Insert(dd.Chunks, i, n)
		a.docs.Changed(dd.ID)
	}
	var after int
	if x != nil {
		after = x.net()
	}
	if delta := after - cur.net(); delta != 0 {
		idx, err := a.index(ctx, guild)
		if err != nil {
			return err
		}
		i, _ := slices.BinarySearch(idx.Days, d)
		idx.Net[i] += delta
		a.docs.Changed(idx.ID)
	}
	return nil
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	if !a.part.Owns(e.Guild) {
		return nil // an event of no guild: the first partition's
	}
	if strings.HasPrefix(e.Stream, "usage/") {
		return a.usage(ctx, e)
	}
	if g, ok := strings.CutPrefix(e.Stream, "guild/"); ok {
		return a.hours(ctx, e, g)
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
		a.docs.Changed(st.ID)
	}
	return a.contribute(ctx, st)
}

// hours keeps a server's support hours, guarded by its stream's version.
func (a *applier) hours(ctx context.Context, e projections.Event, g string) error {
	h, err := load(ctx, a, "h/"+g, func() *hoursDoc { return &hoursDoc{ID: "h/" + g} })
	if err != nil {
		return err
	}
	events, err := projections.Pending(ctx, a.store, e, h.V)
	if err != nil || len(events) == 0 {
		return err
	}
	for _, ev := range events {
		if set, ok := ev.Event.(guild.SupportHoursSet); ok {
			h.Hours = set.Hours
		}
	}
	h.V = e.Version
	a.docs.Changed(h.ID)
	return nil
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
		a.docs.Changed(d.ID)
	}
	return nil
}

func fold(st *ticketState, e projections.Event) {
	switch ev := e.Event.(type) {
	case ticket.Opened:
		st.Guild, st.Opener, st.Number = ev.Guild.String(), ev.Opener.String(), ev.Number
		st.Facts = append(st.Facts, fact{Kind: "opened", At: stored(ev.At)})
	case ticket.Claimed:
		st.Facts = append(st.Facts, fact{Kind: "claimed", At: stored(e.OccurredAt), By: ev.By.String()})
	case ticket.Transferred: // the one it is handed to claims it
		st.Facts = append(st.Facts, fact{Kind: "claimed", At: stored(e.OccurredAt), By: ev.To.String()})
	case ticket.Closed:
		if ev.By.IsZero() {
			st.Facts = append(st.Facts, fact{Kind: "closed", At: stored(ev.At), Cause: string(ev.Cause)})
			break
		}
		st.Facts = append(st.Facts, fact{Kind: "closed", At: stored(ev.At), By: ev.By.String()})
	case ticket.CloseRequestAnswered:
		outcome := "denied"
		if ev.Accepted {
			outcome = "accepted"
		}
		st.Facts = append(st.Facts, fact{Kind: "close-request", At: stored(ev.At), Cause: outcome})
	case ticket.Rated:
		st.Facts = append(st.Facts, fact{Kind: "rated", At: stored(ev.At), Cause: strconv.Itoa(ev.Stars)})
	case ticket.CloseRequestExpired:
		st.Facts = append(st.Facts, fact{Kind: "close-request", At: stored(ev.At), Cause: "expired"})
	case ticket.ChannelLost:
		if ev.WasOpen {
			st.Facts = append(st.Facts, fact{Kind: "closed", At: stored(ev.At)})
		}
	case ticket.Reopened:
		st.Facts = append(st.Facts, fact{Kind: "reopened", At: stored(ev.At), By: ev.By.String()})
	case ticket.RepliedFromDashboard:
		answered(st, ev.By.String(), stored(ev.At)) // the bot posts it for them
	case ticket.TagPosted:
		st.Facts = append(st.Facts, fact{Kind: "tag", At: stored(ev.At), By: ev.By.String(), Cause: ev.Tag})
		answered(st, ev.By.String(), stored(ev.At)) // the bot posts it for them
	case ticket.MessagePosted:
		if !ev.Bot {
			answered(st, ev.Author.String(), stored(ev.At))
		}
	}
}

// answered keeps each author's earliest message.
func answered(st *ticketState, who string, at time.Time) {
	if prev, ok := st.Answers[who]; !ok || at.Before(prev) {
		st.Answers[who] = at
	}
}

// stored is a time as the ticket's state document keeps it (BSON dates
// have millisecond precision). Durations are computed from the state, which
// is sometimes still in memory and sometimes read back: rounding on the way
// in makes both give the same milliseconds, live and rebuilt alike.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

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
	var rated fact // the latest rating
	staff := map[string]bool{}
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
		case "rated":
			rated = f
		case "tag":
			x := c(f.At)
			if x.Tags == nil {
				x.Tags = mongodb.SortedMap[int]{}
			}
			x.Tags[f.Cause]++
		case "close-request":
			x := c(f.At)
			if x.CloseRequests == nil {
				x.CloseRequests = mongodb.SortedMap[int]{}
			}
			x.CloseRequests[f.Cause]++
		case "closed":
			x := c(f.At)
			x.Closed++
			if f.By != "" {
				if x.ClosedBy == nil {
					x.ClosedBy = mongodb.SortedMap[int]{}
				}
				x.ClosedBy[f.By]++
			}
			if f.Cause != "" {
				if x.AutoClosed == nil {
					x.AutoClosed = mongodb.SortedMap[int]{}
				}
				x.AutoClosed[f.Cause]++
			}
			if firstClose.IsZero() {
				firstClose = f.At
				if !opened.IsZero() {
					x.Resolution = max(1, f.At.Sub(opened).Milliseconds())
				}
			}
		}
	}
	for _, f := range st.Facts {
		if (f.Kind == "claimed" || f.Kind == "closed") && f.By != "" && f.By != st.Opener {
			staff[f.By] = true
		}
	}
	if stars, err := strconv.Atoi(rated.Cause); err == nil && rated.Kind == "rated" {
		x := c(rated.At)
		x.Rating = stars
		for who := range staff {
			x.RatedStaff = append(x.RatedStaff, who)
		}
		slices.Sort(x.RatedStaff)
	}
	var first time.Time
	for who, at := range st.Answers {
		if who != st.Opener && !at.Before(opened) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if !first.IsZero() && !opened.IsZero() {
		x := c(first)
		x.FirstResponse = max(1, first.Sub(opened).Milliseconds())
		h, err := load(ctx, a, "h/"+st.Guild, func() *hoursDoc { return &hoursDoc{ID: "h/" + st.Guild} })
		if err != nil {
			return err
		}
		x.FirstResponseInHours = x.FirstResponse
		if loc, err := time.LoadLocation(h.Hours.Zone); err == nil && h.Hours.Enabled() {
			x.FirstResponseInHours = h.Hours.Within(opened, first, loc).Milliseconds()
		}
	}
	days := make([]string, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	slices.Sort(days)
	for _, d := range days {
		if err := a.setContribution(ctx, st.Guild, d, st.Number, ticketID, byDay[d]); err != nil {
			return err
		}
	}
	for _, d := range st.Days {
		if byDay[d] == nil {
			if err := a.setContribution(ctx, st.Guild, d, st.Number, ticketID, nil); err != nil {
				return err
			}
		}
	}
	if !slices.Equal(st.Days, days) {
		st.Days = days
		a.docs.Changed(st.ID)
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
	return a.Opened == b.Opened && a.Closed == b.Closed && a.Reopened == b.Reopened && a.FirstResponse == b.FirstResponse && a.FirstResponseInHours == b.FirstResponseInHours &&
		a.Resolution == b.Resolution && eq(a.Claimed, b.Claimed) && eq(a.ClosedBy, b.ClosedBy) && eq(a.AutoClosed, b.AutoClosed) && eq(a.CloseRequests, b.CloseRequests) &&
		a.Rating == b.Rating && slices.Equal(a.RatedStaff, b.RatedStaff) && eq(a.Tags, b.Tags)
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	if err := a.docs.Flush(ctx); err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	return nil
}
