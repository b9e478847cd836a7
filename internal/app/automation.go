package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/projections"
)

// inactivityOf loads what the auto-close rule looks at: the ticket's
// lifecycle and messages.
func (a *App) inactivityOf(ctx context.Context, id domain.TicketID) (eventstore.History, []domain.Event, error) {
	h, err := a.store.Load(ctx, ticket.Stream(id))
	if err != nil {
		return h, nil, err
	}
	msgs, err := a.store.Load(ctx, ticket.MessagesStream(id))
	if err != nil {
		return h, nil, err
	}
	return h, msgs.Events, nil
}

// RunAutomation performs the automated step due for a ticket now, if any —
// a staff reminder, the auto-close warning or close, a close request's
// expiry — and reports whether it did. It decides on the ticket's streams
// and its server's current settings; the command id names the step and its
// occurrence (ticket.Inactivity.Occurrence), so a crash and a retry, or two
// processes at once, append it once.
func (a *App) RunAutomation(ctx context.Context, id domain.TicketID) (bool, error) {
	h, msgs, err := a.inactivityOf(ctx, id)
	if err != nil {
		return false, err
	}
	t := ticket.FromHistory(h.Events)
	if !t.Exists() || t.Status() != ticket.StatusOpen {
		return false, nil
	}
	s, err := a.Settings(ctx, t.Guild())
	if err != nil {
		return false, err
	}
	if !s.BotPresent() {
		return false, nil // nobody could read a warning: nothing closes while the bot is away
	}
	rule := s.AutomationFor(t.Category())
	now := a.clock()
	in := ticket.InactivityOf(h.Events, msgs)
	planned, because := t.DecideAutomation(in, rule, now)
	if planned == nil {
		return false, nil
	}
	step, _ := in.Next(rule)
	m := a.meta(Meta{CommandID: fmt.Sprintf("inactivity/%s/%s/%s", id, step, in.Occurrence(step)),
		Actor: domain.Actor{Source: domain.SourceAutomation, Because: because}}, t.Guild(), "", now)
	acted := false
	res, err := a.store.Update(ctx, ticket.Stream(id), m, func(h eventstore.History) ([]domain.Event, error) {
		// Decided again on the stream as it is now: a "Keep open" pressed
		// in between wins.
		t = ticket.FromHistory(h.Events)
		again := ticket.InactivityOf(h.Events, msgs)
		if s2, _ := again.Next(rule); s2 != step || again.Occurrence(step) != in.Occurrence(step) {
			return nil, nil
		}
		evs, _ := t.DecideAutomation(again, rule, now)
		acted = evs != nil
		return evs, nil
	})
	if err != nil {
		return false, fmt.Errorf("ticket %s: %w", id, err)
	}
	if (step == ticket.StepClose || step == ticket.StepExpireRequest) && (acted || res.AlreadyStored) {
		return acted, a.release(ctx, t, "closed: "+because, Meta{CommandID: m.CommandID})
	}
	return acted, nil
}

// RequestClose records staff asking the opener to agree to close; after,
// when not zero, closes the ticket if nobody answers in time.
func (a *App) RequestClose(ctx context.Context, id domain.TicketID, by ticket.Participant, reason string, after time.Duration, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.RequestClose(by, reason, after, now)
	})
	return err
}

// AnswerCloseRequest records the answer to close request n; accepting
// closes the ticket.
func (a *App) AnswerCloseRequest(ctx context.Context, id domain.TicketID, by ticket.Participant, n int, accept bool, m Meta) error {
	t, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.AnswerCloseRequest(by, n, accept, now)
	})
	if err != nil || !accept {
		return err
	}
	return a.release(ctx, t, "closed: close request accepted", m)
}

// Rate records the opener's rating of their closed ticket.
func (a *App) Rate(ctx context.Context, id domain.TicketID, by ticket.Participant, stars int, comment string, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.Rate(by, stars, comment, now)
	})
	return err
}

// KeepOpen records someone pressing "Keep open" on an auto-close warning.
func (a *App) KeepOpen(ctx context.Context, id domain.TicketID, by ticket.Participant, m Meta) error {
	h, msgs, err := a.inactivityOf(ctx, id)
	if err != nil {
		return err
	}
	now := a.clock()
	_, err = a.store.Update(ctx, ticket.Stream(id), a.meta(m, ticket.FromHistory(h.Events).Guild(), "", now),
		func(h eventstore.History) ([]domain.Event, error) {
			return ticket.FromHistory(h.Events).KeepOpen(by, ticket.InactivityOf(h.Events, msgs), now)
		})
	if err != nil {
		return fmt.Errorf("ticket %s: %w", id, err)
	}
	return nil
}

// CloseForLeaving closes the tickets a member opened in a server they left,
// when the server asks for it (guild.Settings.CloseOnLeave). Rejoining
// reopens nothing. left identifies the departure (its event's id), so a
// redelivery closes nothing twice.
func (a *App) CloseForLeaving(ctx context.Context, g domain.GuildID, u domain.UserID, left string) (int, error) {
	s, err := a.Settings(ctx, g)
	if err != nil {
		return 0, err
	}
	if !s.CloseOnLeave() {
		return 0, nil
	}
	h, err := a.store.Load(ctx, member.Stream(g, u))
	if err != nil {
		return 0, err
	}
	closed := 0
	for _, r := range member.FromHistory(g, u, h.Events).Reservations() {
		m := Meta{CommandID: fmt.Sprintf("opener-left/%s/%s", r.Ticket, left),
			Actor: domain.Actor{Source: domain.SourceAutomation, Because: "the opener left the server"}}
		decided := false
		t, err := a.updateTicket(ctx, r.Ticket, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
			evs := t.CloseForLeaving(u, now)
			decided = evs != nil
			return evs, nil
		})
		if err != nil {
			return closed, err
		}
		if decided {
			closed++
			if err := a.release(ctx, t, "closed: the opener left", m); err != nil {
				return closed, err
			}
		}
	}
	return closed, nil
}

// DueTickets lists the tickets the timers projection files under the
// minutes from one time to another: candidates, each decided again here.
type DueTickets interface {
	Due(ctx context.Context, from, to time.Time) ([]domain.TicketID, error)
}

// AutomationCursor keeps how far the automation has looked: the runner's
// own state, not a view.
type AutomationCursor interface {
	Load(ctx context.Context) (time.Time, error)
	Save(ctx context.Context, at time.Time) error
}

// CaughtUp tells whether the projections have applied the whole log.
type CaughtUp interface {
	WaitCaughtUp(ctx context.Context) error
}

// Automation performs the steps tickets take by themselves: it reads the
// minutes the timers projection filed tickets under since its cursor, up to
// now, and decides each ticket (RunAutomation). Work per tick is what is
// due, never a scan of the open tickets.
//
// The cursor moves only when the projections had applied the whole log just
// before the minutes were read, and then to AutomationSkew before that
// moment: an event already in the log was filed, and an event appended
// since has a due minute at or after its own time, which the next tick
// reads. A ticket that fails keeps the cursor where it is: the next tick
// tries again (every step is idempotent).
type Automation struct {
	App     *App
	Timers  DueTickets
	Cursor  AutomationCursor
	Synced  CaughtUp
	Clock   func() time.Time
	Logger  *slog.Logger
	Workers int // tickets decided at once; default 4

	// running makes the ticks of one process take turns: a tick started
	// while another is deciding would decide the same tickets again.
	running sync.Mutex
}

// AutomationSkew is how far behind "now" the cursor stays: longer than any
// append takes from reading the clock to committing.
const AutomationSkew = time.Minute

// AutomationFirstLook is how far back a first run looks.
const AutomationFirstLook = 7 * 24 * time.Hour

// RunDue performs every step due now and returns how many it performed.
func (r *Automation) RunDue(ctx context.Context) (int, error) {
	r.running.Lock()
	defer r.running.Unlock()
	now := r.Clock()
	from, err := r.Cursor.Load(ctx)
	if err != nil {
		return 0, fmt.Errorf("automation cursor: %w", err)
	}
	if from.IsZero() {
		from = now.Add(-AutomationFirstLook)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	caught := r.Synced.WaitCaughtUp(waitCtx) == nil
	cancel()
	ids, err := r.Timers.Due(ctx, from, now)
	if err != nil {
		return 0, fmt.Errorf("automation: %w", err)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	acted, err := r.decide(ctx, ids)
	if err != nil {
		return acted, err
	}
	if next := now.Add(-AutomationSkew); caught && next.After(from) {
		if err := r.Cursor.Save(ctx, next); err != nil {
			return acted, fmt.Errorf("automation cursor: %w", err)
		}
	}
	return acted, nil
}

// decide runs RunAutomation for every ticket, a few at once; it returns the
// first failure (a refusal is a decision, not a failure).
func (r *Automation) decide(ctx context.Context, ids []domain.TicketID) (int, error) {
	workers := r.Workers
	if workers <= 0 {
		workers = 4
	}
	var (
		mu    sync.Mutex
		acted int
		first error
		wg    sync.WaitGroup
		next  = make(chan domain.TicketID)
	)
	for range min(workers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				var did bool
				err := panics.Call(func() (err error) { did, err = r.App.RunAutomation(ctx, id); return err })
				var rule *domain.RuleError
				if errors.As(err, &rule) {
					err = nil
				}
				mu.Lock()
				if did {
					acted++
				}
				if err != nil && first == nil {
					first = fmt.Errorf("ticket %s: %w", id, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	return acted, first
}

// Run performs due steps now and then every interval until ctx ends; a
// failing or panicking run is logged and the next one goes on.
func (r *Automation) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var n int
		err := panics.Call(func() (err error) { n, err = r.RunDue(ctx); return err })
		if err != nil && ctx.Err() == nil && r.Logger != nil {
			r.Logger.Error("automation", "err", err)
		} else if n > 0 && r.Logger != nil {
			r.Logger.Info("automation ran", "steps", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// LeavingPolicy is the reactor that closes a departing member's tickets
// when their server asks for it: it reacts to the recorded
// member.left_guild.v1, so a departure recorded while it was down is acted
// on when it catches up, and a redelivery closes nothing twice.
type LeavingPolicy struct{ App *App }

// Name implements projections.Reactor.
// WARNING: renaming it makes it start over at the log's head.
func (LeavingPolicy) Name() string { return "leaving-policy" }

// React implements projections.Reactor.
func (p LeavingPolicy) React(ctx context.Context, e projections.Event) error {
	left, ok := e.Event.(member.LeftGuild)
	if !ok {
		return nil
	}
	_, err := p.App.CloseForLeaving(ctx, left.Guild, left.User, e.ID)
	var rule *domain.RuleError
	if errors.As(err, &rule) {
		return nil // a ticket refused (it moved on meanwhile): nothing to retry
	}
	return err
}
