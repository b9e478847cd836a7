// Package timers schedules what happens to a ticket by itself: staff
// reminders, the auto-close warning and close, a close request's deadline. It folds each open ticket's inactivity (ticket.Inactivity) and
// its server's rules (guild.AutoCloseRules), asks the domain when the next
// step is due (Inactivity.Next), and files the ticket under that minute.
//
// A minute's tickets live in one document whose _id is the minute: the
// application's automation (app.Automation) reads the minutes that have
// passed since its last tick, one _id lookup each, so a tick costs what is
// due and never a scan (FerretDB scans for any other filter). It decides
// each candidate again from the ticket's streams; this only nominates.
//
// A due time is never filed before the event that set it (a rule switched
// on over month-old tickets files them under the minute of the switch), so
// a runner whose cursor passed that minute before the event existed still
// finds it (see app.Automation for the cursor).
package timers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Name is the projector's name and consumer group.
// WARNING: renaming it re-consumes the whole log.
const Name = "timers"

// Collections of a generation.
const (
	ticketsColl = "timer_tickets"
	guildsColl  = "timer_guilds"
	minutesColl = "timer_minutes"
)

// ticketDoc is an open ticket's inactivity and where it is filed.
type ticketDoc struct {
	ID     string            `bson:"_id"` // ticket id
	Guild  string            `bson:"guild"`
	Number int64             `bson:"number"`
	In     ticket.Inactivity `bson:"in"`
	Minute int64             `bson:"minute,omitempty"` // filed under; 0: nothing due
	V      int64             `bson:"v"`                // lifecycle stream applied
	MV     int64             `bson:"mv"`               // messages stream applied
}

// guildDoc is a server's rules and where its open tickets are listed (to
// re-file them when a rule changes): in chunks of OpenChunk ticket numbers,
// so that an open or a close rewrites one small chunk, never a list of every
// open ticket.
type guildDoc struct {
	ID     string               `bson:"_id"` // guild id
	Rules  guild.AutoCloseRules `bson:"rules"`
	Chunks []int64              `bson:"chunks,omitempty"` // sorted: chunks with open tickets
	V      int64                `bson:"v"`
}

// OpenChunk is how many ticket numbers share a chunk of a guild's open list.
const OpenChunk = 256

// openChunk lists the open tickets numbered [N·256, N·256+256) of a guild.
type openChunk struct {
	ID   string   `bson:"_id"` // "o/<guild>/<n>"
	Open []string `bson:"open"`
}

func chunkID(g string, n int64) string { return "o/" + g + "/" + strconv.FormatInt(n, 10) }

// listOpen adds a ticket to (or removes it from) its guild's open list.
func (a *applier) listOpen(ctx context.Context, g *guildDoc, t *ticketDoc, open bool) error {
	n := t.Number / OpenChunk
	c, err := projections.Load(ctx, a.guilds, chunkID(g.ID, n), func() *openChunk { return &openChunk{ID: chunkID(g.ID, n)} })
	if err != nil {
		return err
	}
	c.Open = slices.DeleteFunc(c.Open, func(x string) bool { return x == t.ID })
	if open {
		c.Open = append(c.Open, t.ID)
	}
	i, listed := slices.BinarySearch(g.Chunks, n)
	switch {
	case len(c.Open) == 0:
		a.guilds.Delete(c.ID)
		if listed {
			g.Chunks = slices.Delete(g.Chunks, i, i+1)
			a.guilds.Changed(g.ID)
		}
	default:
		a.guilds.Changed(c.ID)
		if !listed {
			g.Chunks = slices.Insert(g.Chunks, i, n)
			a.guilds.Changed(g.ID)
		}
	}
	return nil
}

// minuteDoc lists the tickets with a step due within one minute: after the
// minute before it starts, at the latest when it starts (MinuteOf).
type minuteDoc struct {
	ID      string   `bson:"_id"` // the minute (Minute, Unix time / 60) in decimal
	Tickets []string `bson:"tickets,omitempty"`
}

// Minute is a minute of the schedule: Unix time divided by 60. A due time
// is filed under the minute it falls at or before the start of: due 10:00:30
// is filed under 10:01, which a tick at 10:01 or later reads.
type Minute int64

// MinuteOf returns the minute a due time is filed under.
func MinuteOf(t time.Time) Minute {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return Minute((s + 59) / 60)
}

// Time is the start of the minute.
func (m Minute) Time() time.Time { return time.Unix(int64(m)*60, 0).UTC() }

// Passed is the last minute whose due times have all passed at now.
func Passed(now time.Time) Minute { return Minute(now.Unix() / 60) }

func minuteID(m Minute) string { return strconv.FormatInt(int64(m), 10) }

// Projector keeps the schedule.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// Version implements projections.Projector.
func (Projector) Version() int { return 1 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{ticketsColl, guildsColl, minutesColl} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	a := &applier{store: t.Store}
	for name, docs := range map[string]**projections.Docs{ticketsColl: &a.tickets, guildsColl: &a.guilds, minutesColl: &a.minutes} {
		coll, err := t.Conn.Collection(ctx, t.Collection(name))
		if err != nil {
			return nil, err
		}
		*docs = projections.NewDocs(coll, t)
	}
	return a, nil
}

type applier struct {
	store   *eventstore.Store
	tickets *projections.Docs // *ticketDoc by ticket id
	guilds  *projections.Docs // *guildDoc by guild id
	minutes *projections.Docs // *minuteDoc by minute
}

func (a *applier) ticketOf(ctx context.Context, id string) (*ticketDoc, error) {
	return projections.Load(ctx, a.tickets, id, func() *ticketDoc { return &ticketDoc{ID: id} })
}

func (a *applier) guildOf(ctx context.Context, id string) (*guildDoc, error) {
	return projections.Load(ctx, a.guilds, id, func() *guildDoc { return &guildDoc{ID: id} })
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	if id, messages, ok := projections.TicketStream(e.Stream); ok {
		if !moves(e.Event) {
			// Nothing to schedule: not even the apply-once guard is written.
			// The next event that matters reads the gap back (Pending) and
			// folds these as the no-ops they are, live and in a rebuild alike.
			return nil
		}
		return a.applyTicket(ctx, e, id, messages)
	}
	if g, ok := strings.CutPrefix(e.Stream, "guild/"); ok {
		return a.applyGuild(ctx, e, g)
	}
	return nil
}

// moves tells whether a ticket's event can change what is scheduled for it
// (see ticket.Inactivity.With): most events of a busy ticket — a bot's
// message, an edit, a claim, a rename — cannot.
func moves(e domain.Event) bool {
	switch e := e.(type) {
	case ticket.MessagePosted:
		return !e.Bot
	case ticket.Opened, ticket.CategoryChanged, ticket.Reopened, ticket.Closed, ticket.ChannelLost, ticket.KeptOpen,
		ticket.InactivityWarned, ticket.CloseRequested, ticket.CloseRequestAnswered, ticket.CloseRequestExpired, ticket.StaffReminded,
		ticket.TagPosted, ticket.RepliedFromDashboard: // a staff answer
		return true
	}
	return false
}

func (a *applier) applyTicket(ctx context.Context, e projections.Event, id string, messages bool) error {
	t, err := a.ticketOf(ctx, id)
	if err != nil {
		return err
	}
	applied := &t.V
	if messages {
		applied = &t.MV
	}
	events, err := projections.Pending(ctx, a.store, e, *applied)
	if err != nil || len(events) == 0 {
		return err
	}
	wasOpen := t.In.Open
	for _, ev := range events {
		t.In = t.In.With(ev.Event)
		if o, ok := ev.Event.(ticket.Opened); ok {
			t.Guild, t.Number = o.Guild.String(), o.Number
		}
	}
	*applied = e.Version
	a.tickets.Changed(id)
	if t.Guild == "" {
		return nil // messages of a ticket whose opening is not applied yet: filed when it is
	}
	g, err := a.guildOf(ctx, t.Guild)
	if err != nil {
		return err
	}
	if t.In.Open != wasOpen {
		if err := a.listOpen(ctx, g, t, t.In.Open); err != nil {
			return err
		}
	}
	return a.file(ctx, t, g.Rules, e.OccurredAt)
}

func (a *applier) applyGuild(ctx context.Context, e projections.Event, id string) error {
	g, err := a.guildOf(ctx, id)
	if err != nil {
		return err
	}
	events, err := projections.Pending(ctx, a.store, e, g.V)
	if err != nil || len(events) == 0 {
		return err
	}
	before := g.Rules
	for _, ev := range events {
		g.Rules = g.Rules.With(ev.Event)
	}
	g.V = e.Version
	a.guilds.Changed(id)
	if equalRules(before, g.Rules) {
		return nil
	}
	// A rule changed: every open ticket of the server is filed again, at
	// once — tickets already waiting follow the new rule.
	for _, n := range slices.Clone(g.Chunks) {
		c, err := projections.Load(ctx, a.guilds, chunkID(id, n), func() *openChunk { return &openChunk{ID: chunkID(id, n)} })
		if err != nil {
			return err
		}
		for _, tid := range slices.Clone(c.Open) {
			t, err := a.ticketOf(ctx, tid)
			if err != nil {
				return err
			}
			if err := a.file(ctx, t, g.Rules, e.OccurredAt); err != nil {
				return err
			}
		}
	}
	return nil
}

func equalRules(a, b guild.AutoCloseRules) bool {
	if a.Server != b.Server || a.RemindAfterMinutes != b.RemindAfterMinutes || len(a.ByCategory) != len(b.ByCategory) {
		return false
	}
	for k, v := range a.ByCategory {
		if w, ok := b.ByCategory[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// file puts a ticket under the minute its next step is due, never before
// the minute of the event that moved it.
func (a *applier) file(ctx context.Context, t *ticketDoc, rules guild.AutoCloseRules, at time.Time) error {
	var minute Minute
	if step, due := t.In.Next(rules.Automation(t.In.Category)); step != ticket.StepNone {
		minute = max(MinuteOf(due), MinuteOf(at))
	}
	if int64(minute) == t.Minute {
		return nil
	}
	if t.Minute != 0 {
		old, err := projections.Load(ctx, a.minutes, minuteID(Minute(t.Minute)), func() *minuteDoc { return &minuteDoc{ID: minuteID(Minute(t.Minute))} })
		if err != nil {
			return err
		}
		old.Tickets = slices.DeleteFunc(old.Tickets, func(x string) bool { return x == t.ID })
		if len(old.Tickets) == 0 {
			a.minutes.Delete(old.ID)
		} else {
			a.minutes.Changed(old.ID)
		}
	}
	t.Minute = int64(minute)
	a.tickets.Changed(t.ID)
	if minute == 0 {
		return nil
	}
	m, err := projections.Load(ctx, a.minutes, minuteID(minute), func() *minuteDoc { return &minuteDoc{ID: minuteID(minute)} })
	if err != nil {
		return err
	}
	m.Tickets = append(m.Tickets, t.ID)
	a.minutes.Changed(m.ID)
	return nil
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	for _, d := range []*projections.Docs{a.tickets, a.guilds, a.minutes} {
		if err := d.Flush(ctx); err != nil {
			return fmt.Errorf("timers: %w", err)
		}
	}
	return nil
}

// Reader reads the schedule of the live generation.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
}

// NewReader returns a reader of the schedule's live generation.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	return &Reader{target: target}
}

// Due lists the tickets filed under the minutes from the one holding from
// to the last that has passed at to, one _id lookup per minute.
func (r *Reader) Due(ctx context.Context, from, to time.Time) ([]domain.TicketID, error) {
	t, err := r.target(ctx)
	if err != nil {
		return nil, err
	}
	coll := t.Conn.DB.Collection(t.Collection(minutesColl))
	var out []domain.TicketID
	for m := Passed(from); m <= Passed(to); m++ {
		d, err := mongodb.FindByID[minuteDoc](ctx, coll, minuteID(m))
		if err != nil {
			return nil, fmt.Errorf("timers: minute %d: %w", m, err)
		}
		if d != nil {
			for _, id := range d.Tickets {
				out = append(out, domain.TicketID(id))
			}
		}
	}
	return out, nil
}

// CursorCollection holds the automation's cursor. It is the runner's
// state, not part of a generation: a rebuild files every step under the
// same minute again, so the cursor stays valid.
const CursorCollection = "automation_cursor"

// Cursor stores how far the automation has looked (app.AutomationCursor).
type Cursor struct {
	coll *mongo.Collection
}

type cursorDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

// OpenCursor opens the cursor's collection.
func OpenCursor(ctx context.Context, conn *mongodb.Conn) (*Cursor, error) {
	coll, err := conn.Collection(ctx, CursorCollection)
	if err != nil {
		return nil, fmt.Errorf("automation cursor: %w", err)
	}
	return &Cursor{coll: coll}, nil
}

// Load returns the cursor, zero before the first run.
func (c *Cursor) Load(ctx context.Context) (time.Time, error) {
	d, err := mongodb.FindByID[cursorDoc](ctx, c.coll, "inactivity")
	if err != nil || d == nil {
		return time.Time{}, err
	}
	return d.At, nil
}

// Save moves the cursor.
func (c *Cursor) Save(ctx context.Context, at time.Time) error {
	_, err := c.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "inactivity"}}, cursorDoc{ID: "inactivity", At: at.UTC()}, options.Replace().SetUpsert(true))
	return mongodb.Classify(err)
}
