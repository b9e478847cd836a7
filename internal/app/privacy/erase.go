package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/privacy"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/projections/subjects"
)

// Keys is what erasure needs of the keyring.
type Keys interface {
	Scopes(ctx context.Context, subject domain.UserID) ([]domain.Scope, error)
	DestroySubject(ctx context.Context, subject domain.UserID, now time.Time) (int, error)
	DestroyScope(ctx context.Context, scope domain.Scope, now time.Time) (int, error)
}

// Eraser erases a person's or a server's personal data by destroying the
// keys it is sealed under — in the log, the subject index, replicas and
// backups alike — and records a receipt that makes the projections scrub
// their decrypted copies. Every step is idempotent, and the request is
// recorded first, so an erasure interrupted midway is finished by
// ResumePending (at every start).
type Eraser struct {
	App   *app.App
	Keys  Keys
	Index *subjects.Reader
	// Sync waits until the projections (the subject index) have applied the
	// log, so a server's erasure sees all its tickets.
	Sync func(ctx context.Context) error
	// DeleteSessions deletes a person's dashboard sessions and tokens.
	DeleteSessions func(ctx context.Context, user domain.UserID) error
	// Forget drops what caches remember of a person (names).
	Forget func(user domain.UserID)
	Clock  func() time.Time
	Logger *slog.Logger
	// Erased, when set, is told of each erasure carried out: "user" or
	// "guild" (for metrics).
	Erased func(kind string)
}

// Receipt is what an erasure did.
type Receipt struct {
	Request string
	Tickets int
	Keys    int
}

// EraseUser erases a person's data everywhere.
func (x *Eraser) EraseUser(ctx context.Context, user domain.UserID, m app.Meta) (Receipt, error) {
	if user.IsZero() {
		return Receipt{}, domain.Refuse(domain.ErrInvalid, "privacy.erase_user_missing")
	}
	return x.erase(ctx, "user:"+user.String(), m)
}

// EraseGuild erases the personal data of every ticket of a server.
func (x *Eraser) EraseGuild(ctx context.Context, g domain.GuildID, m app.Meta) (Receipt, error) {
	if g.IsZero() {
		return Receipt{}, domain.Refuse(domain.ErrInvalid, "privacy.erase_guild_missing")
	}
	return x.erase(ctx, "guild:"+g.String(), m)
}

func (x *Eraser) erase(ctx context.Context, subject string, m app.Meta) (Receipt, error) {
	id, err := x.App.RequestErasure(ctx, subject, m)
	if err != nil {
		return Receipt{}, fmt.Errorf("erasure of %s: %w", subject, err)
	}
	return x.finish(ctx, privacy.Request{ID: id, Subject: subject})
}

// ResumePending finishes every erasure requested and not finished (a
// process that died midway). It returns how many it finished.
func (x *Eraser) ResumePending(ctx context.Context) (int, error) {
	pending, err := x.App.PendingErasures(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, r := range pending {
		if _, err := x.finish(ctx, r); err != nil {
			return done, err
		}
		x.Logger.Info("an interrupted erasure was finished", "request", r.ID)
		done++
	}
	return done, nil
}

var automation = app.Meta{Actor: domain.Actor{Source: domain.SourceAutomation, Because: "an erasure was requested"}}

func (x *Eraser) finish(ctx context.Context, r privacy.Request) (Receipt, error) {
	kind, id, _ := strings.Cut(r.Subject, ":")
	now := x.Clock()
	var receipt domain.Event
	var out Receipt
	switch kind {
	case "user":
		user, err := domain.ParseUserID(id)
		if err != nil {
			return out, err
		}
		scopes, err := x.Keys.Scopes(ctx, user)
		if err != nil {
			return out, err
		}
		if _, err := x.Keys.DestroySubject(ctx, user, now); err != nil {
			return out, fmt.Errorf("erasure of %s: %w", r.Subject, err)
		}
		if x.DeleteSessions != nil {
			if err := x.DeleteSessions(ctx, user); err != nil {
				return out, fmt.Errorf("erasure of %s: sessions: %w", r.Subject, err)
			}
		}
		if x.Forget != nil {
			x.Forget(user)
		}
		var tickets []domain.TicketID
		for _, s := range scopes {
			if t, ok := strings.CutPrefix(string(s), "ticket:"); ok {
				tickets = append(tickets, domain.TicketID(t))
			}
		}
		receipt = privacy.UserErased{Request: r.ID, User: user, Tickets: tickets, Keys: len(scopes), At: now}
		out = Receipt{Request: r.ID, Tickets: len(tickets), Keys: len(scopes)}
	case "guild":
		g, err := domain.ParseGuildID(id)
		if err != nil {
			return out, err
		}
		tickets, err := x.guildTickets(ctx, g)
		if err != nil {
			return out, err
		}
		keys := 0
		for _, t := range tickets {
			n, err := x.Keys.DestroyScope(ctx, domain.TicketScope(t), now)
			if err != nil {
				return out, fmt.Errorf("erasure of %s: %w", r.Subject, err)
			}
			keys += n
		}
		receipt = privacy.GuildErased{Request: r.ID, Guild: g, Tickets: tickets, Keys: keys, At: now}
		out = Receipt{Request: r.ID, Tickets: len(tickets), Keys: keys}
	default:
		return out, fmt.Errorf("erasure %s: unknown subject %q", r.ID, r.Subject)
	}
	err := x.App.CompleteErasure(ctx, receipt, r.ID, automation)
	if errors.Is(err, domain.ErrConflict) { // finished meanwhile by another process
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if user, uerr := domain.ParseUserID(id); kind == "user" && uerr == nil && x.Forget != nil {
		// The names projection drops the name when it applies the erasure; a
		// page read between the Forget above and then cached the name again,
		// for a minute. Forgotten once more, once the projections have it.
		if x.Sync != nil {
			if err := x.Sync(ctx); err != nil {
				return out, fmt.Errorf("erasure of %s: waiting for the views: %w", r.Subject, err)
			}
		}
		x.Forget(user)
	}
	if x.Erased != nil {
		x.Erased(kind)
	}
	return out, nil
}

// guildTickets lists a server's tickets from the events that name it.
func (x *Eraser) guildTickets(ctx context.Context, g domain.GuildID) ([]domain.TicketID, error) {
	if x.Sync != nil {
		if err := x.Sync(ctx); err != nil {
			return nil, err
		}
	}
	var out []domain.TicketID
	err := x.Index.Each(ctx, "guild:"+g.String(), func(rec subjects.Record) error {
		if id, ok := strings.CutPrefix(rec.Stream, "ticket/"); ok && rec.Type == "ticket.opened.v1" && !strings.Contains(id, "/") {
			out = append(out, domain.TicketID(id))
		}
		return nil
	})
	slices.Sort(out)
	return slices.Compact(out), err
}
