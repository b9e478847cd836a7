// Package retention keeps the retention jobs: one per closed ticket, due when
// its guild's retention period (default and at most 90 days) has passed.
// The application's retention (app.Retention) reads the due ones (Reader)
// and decides and performs each deletion: destroying the ticket's data keys
// — every copy of the messages, answers and reasons becomes unreadable,
// backups included — and appending ticket.transcript_expired.v1, the
// deletion receipt the audit timeline shows. Reopening a ticket before then
// cancels its job.
package retention

import (
	"context"
	"fmt"
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
const Name = "retention"

// job is a closed ticket waiting for its retention to pass. Only closed,
// unexpired tickets have one, so the runner's scan stays small.
type job struct {
	ID       string    `bson:"_id"` // ticket id
	Guild    string    `bson:"guild"`
	ClosedAt time.Time `bson:"closed_at"`
	Due      time.Time `bson:"due"` // closed_at + the guild's retention
}

// guard is the apply-once state of a stream, kept apart from the jobs; a
// guild's guard also holds its retention.
type guard struct {
	ID   string `bson:"_id"` // the stream
	V    int64  `bson:"v"`
	Days int    `bson:"days,omitempty"` // guild streams: 0 is the default
}

func (g *guard) days() int {
	if g.Days == 0 {
		return guild.DefaultRetentionDays
	}
	return g.Days
}

// Projector keeps the jobs.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// Version implements projections.Projector.
func (Projector) Version() int { return 1 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{"retention_jobs", "retention_guards"} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	jobs, err := t.Conn.Collection(ctx, t.Collection("retention_jobs"),
		mongo.IndexModel{Keys: bson.D{{Key: "due", Value: 1}}, Options: options.Index().SetName("due")},
		mongo.IndexModel{Keys: bson.D{{Key: "guild", Value: 1}}, Options: options.Index().SetName("guild")})
	if err != nil {
		return nil, err
	}
	guards, err := t.Conn.Collection(ctx, t.Collection("retention_guards"))
	if err != nil {
		return nil, err
	}
	return &applier{store: t.Store, jobsColl: jobs, jobs: projections.NewDocs(jobs, t), guards: projections.NewDocs(guards, t)}, nil
}

type applier struct {
	store    *eventstore.Store
	jobsColl *mongo.Collection
	jobs     *projections.Docs // by ticket
	guards   *projections.Docs // by stream
}

func (a *applier) guardOf(ctx context.Context, stream string) (*guard, error) {
	return projections.Load(ctx, a.guards, stream, func() *guard { return &guard{ID: stream} })
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	_, messages, isTicket := projections.TicketStream(e.Stream)
	isGuild := strings.HasPrefix(e.Stream, "guild/")
	if (!isTicket || messages) && !isGuild {
		return nil
	}
	g, err := a.guardOf(ctx, e.Stream)
	if err != nil {
		return err
	}
	events, err := projections.Pending(ctx, a.store, e, g.V)
	if err != nil || len(events) == 0 {
		return err
	}
	for _, ev := range events {
		if g, err = a.guardOf(ctx, e.Stream); err != nil { // again: a reschedule flushes
			return err
		}
		if err := a.fold(ctx, g, ev); err != nil {
			return err
		}
	}
	if g, err = a.guardOf(ctx, e.Stream); err != nil {
		return err
	}
	g.V = e.Version
	a.guards.Changed(e.Stream)
	return nil
}

func (a *applier) fold(ctx context.Context, g *guard, e projections.Event) error {
	switch x := e.Event.(type) {
	case ticket.Closed:
		return a.schedule(ctx, x.Ticket, e.Guild, x.At)
	case ticket.ChannelLost:
		if x.WasOpen {
			return a.schedule(ctx, x.Ticket, e.Guild, x.At)
		}
	case ticket.Reopened:
		a.jobs.Delete(string(x.Ticket))
	case ticket.TranscriptExpired:
		a.jobs.Delete(string(x.Ticket))
	case guild.RetentionSet:
		g.Days = x.Days
		a.guards.Changed(g.ID)
		return a.reschedule(ctx, x.Guild.String(), g.days())
	}
	return nil
}

func (a *applier) schedule(ctx context.Context, id domain.TicketID, guildID string, closed time.Time) error {
	gg, err := a.guardOf(ctx, "guild/"+guildID)
	if err != nil {
		return err
	}
	closed = closed.UTC()
	a.jobs.Put(string(id), &job{ID: string(id), Guild: guildID, ClosedAt: closed, Due: closed.AddDate(0, 0, gg.days())})
	return nil
}

// reschedule moves a guild's jobs when its retention changes: it writes
// what is buffered, then recomputes every stored job of the guild.
func (a *applier) reschedule(ctx context.Context, guildID string, days int) error {
	if err := a.Flush(ctx); err != nil {
		return err
	}
	cur, err := a.jobsColl.Find(ctx, bson.D{{Key: "guild", Value: guildID}})
	if err != nil {
		return fmt.Errorf("retention: jobs of guild %s: %w", guildID, mongodb.Classify(err))
	}
	var jobs []job
	if err := cur.All(ctx, &jobs); err != nil {
		return fmt.Errorf("retention: jobs of guild %s: %w", guildID, mongodb.Classify(err))
	}
	for _, j := range jobs {
		j.Due = j.ClosedAt.AddDate(0, 0, days)
		a.jobs.Put(j.ID, &j)
	}
	return nil
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	if err := a.guards.Flush(ctx); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	if err := a.jobs.Flush(ctx); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	return nil
}

// Reader reads the due jobs of the live generation: the candidates the
// application's retention (app.Retention) decides on.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
}

// NewReader returns a reader of the jobs' live generation.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	return &Reader{target: target}
}

// Due lists the tickets whose job is due at now, earliest first, at most
// limit (a query on the one secondary index, due).
func (r *Reader) Due(ctx context.Context, now time.Time, limit int) ([]domain.TicketID, error) {
	t, err := r.target(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := t.Conn.DB.Collection(t.Collection("retention_jobs")).Find(ctx,
		bson.D{{Key: "due", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, mongodb.Classify(err)
	}
	var jobs []job
	if err := cur.All(ctx, &jobs); err != nil {
		return nil, mongodb.Classify(err)
	}
	ids := make([]domain.TicketID, len(jobs))
	for i, j := range jobs {
		ids[i] = domain.TicketID(j.ID)
	}
	return ids, nil
}
