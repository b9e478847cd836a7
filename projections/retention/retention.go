// Package retention deletes closed tickets' transcripts when their guild's
// retention period (default and at most 90 days) has passed. A projector
// keeps one job per closed ticket; the Runner performs the due ones by
// destroying the ticket's data keys — every copy of the messages, answers
// and reasons becomes unreadable, backups included — and appending
// ticket.transcript_expired.v1, the deletion receipt the audit timeline
// shows. Reopening a ticket before then cancels its job.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/platform/panics"
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

// Shredder destroys data keys (mongostore.Keyring).
type Shredder interface {
	DestroyScope(ctx context.Context, scope domain.Scope, now time.Time) (int, error)
}

// Runner performs due retention jobs.
type Runner struct {
	App    *app.App
	Keys   Shredder
	Target func(ctx context.Context) (projections.Target, error)
	Clock  func() time.Time
	Logger *slog.Logger
}

// RunDue expires every ticket whose retention has passed and returns how
// many it expired. Jobs survive restarts (they are projected from events),
// so a window missed while the program was down is caught up here. The job
// only nominates a ticket: the decision is the ticket's own, taken on its
// stream with the guild's current retention, so a projection that is
// behind can never expire a reopened ticket or one whose server extended
// its retention.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	t, err := r.Target(ctx)
	if err != nil {
		return 0, err
	}
	now := r.Clock()
	cur, err := t.Conn.DB.Collection(t.Collection("retention_jobs")).Find(ctx,
		bson.D{{Key: "due", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}}).SetLimit(runBatch))
	if err != nil {
		return 0, fmt.Errorf("retention jobs: %w", mongodb.Classify(err))
	}
	var jobs []job
	if err := cur.All(ctx, &jobs); err != nil {
		return 0, fmt.Errorf("retention jobs: %w", mongodb.Classify(err))
	}
	expired := 0
	for _, j := range jobs {
		done, err := r.expire(ctx, domain.TicketID(j.ID), now)
		if err != nil {
			return expired, fmt.Errorf("retention of ticket %s: %w", j.ID, err)
		}
		if done {
			expired++
		}
	}
	return expired, nil
}

// runBatch bounds one RunDue; Run goes on while batches come back full.
const runBatch = 500

func (r *Runner) expire(ctx context.Context, id domain.TicketID, now time.Time) (bool, error) {
	tk, err := r.App.Ticket(ctx, id)
	if err != nil {
		return false, err
	}
	s, err := r.App.Settings(ctx, tk.Guild())
	if err != nil {
		return false, err
	}
	days := s.RetentionDays()
	if tk.Status() != ticket.StatusClosed || tk.TranscriptExpired() || now.Before(tk.ExpiresAt(days)) {
		return false, nil // reopened, already done, or retention extended
	}
	// Keys first: if the process dies before the receipt, the job is still
	// there and both steps run again (each is idempotent).
	n, err := r.Keys.DestroyScope(ctx, domain.TicketScope(id), now)
	if err != nil {
		return false, err
	}
	because := fmt.Sprintf("retention: closed %s, this server keeps transcripts %d days", tk.ClosedAt().UTC().Format(time.DateOnly), days)
	err = r.App.ExpireTranscript(ctx, id, app.Meta{CommandID: "retention/" + string(id),
		Actor: domain.Actor{Source: domain.SourceAutomation, Because: because}})
	if err != nil && !errors.Is(err, domain.ErrUnchanged) {
		return false, err
	}
	if r.Logger != nil {
		r.Logger.Info("transcript expired", "ticket", id, "keys_destroyed", n)
	}
	return true, nil
}

// Run performs due jobs now and then every interval until ctx ends.
func (r *Runner) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			var n int
			err := panics.Call(func() (err error) { n, err = r.RunDue(ctx); return err })
			if err != nil && ctx.Err() == nil && r.Logger != nil {
				r.Logger.Error("retention", "err", err)
			}
			if err != nil || n < runBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
