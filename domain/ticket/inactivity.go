package ticket

import (
	"fmt"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

// Inactivity is what the auto-close rule looks at: when the ticket was last
// active for the rule (opened, reopened, a message from its opener, "Keep
// open") and whether it waits on its opener. It is folded from the ticket's
// lifecycle and messages streams together, in any order — it keeps the
// latest times — so the application (deciding) and the timers projection
// (scheduling) fold it alike. Its fields are stored by that projection.
type Inactivity struct {
	Opener   domain.UserID `bson:"opener" json:"opener"`
	Category string        `bson:"category" json:"category"`
	Open     bool          `bson:"open" json:"open"`
	// Since is the latest activity: the period runs from it.
	Since time.Time `bson:"since" json:"since"`
	// LastHuman is when the latest message by a person (no bot) was
	// posted; WaitingOnOpener says it was not the opener's.
	LastHuman       time.Time `bson:"last_human" json:"last_human"`
	WaitingOnOpener bool      `bson:"waiting" json:"waiting"`
	// WarnedAt is the latest warning; it stands if it came after Since and
	// strictly after KeptAt, the latest "Keep open" (pressed on a warning,
	// it answers that warning even within the same instant).
	WarnedAt time.Time `bson:"warned_at" json:"warned_at"`
	KeptAt   time.Time `bson:"kept_at" json:"kept_at"`
	// Request is the unanswered close request's number and RequestDue its
	// deadline (zero: none, or no deadline).
	Request    int       `bson:"request,omitempty" json:"request,omitempty"`
	RequestDue time.Time `bson:"request_due,omitzero" json:"request_due,omitzero"`
	// OpenedAt is the latest open or reopen. WaitingForStaff says the
	// opener has had no answer since WaitingSince (the open, or their first
	// message after someone else's); a message by another person (not a
	// bot) is the answer. RemindedFor is the WaitingSince of the last staff
	// reminder: one per wait.
	OpenedAt        time.Time `bson:"opened_at" json:"opened_at"`
	WaitingForStaff bool      `bson:"waiting_staff,omitempty" json:"waiting_staff,omitempty"`
	WaitingSince    time.Time `bson:"waiting_since,omitzero" json:"waiting_since,omitzero"`
	RemindedFor     time.Time `bson:"reminded_for,omitzero" json:"reminded_for,omitzero"`
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// With folds one event of the ticket's streams.
func (in Inactivity) With(e domain.Event) Inactivity {
	switch e := e.(type) {
	case Opened:
		in.Opener, in.Category, in.Open = e.Opener, e.Category, true
		in.Since = later(in.Since, e.At)
		in = in.waitFrom(e.At)
	case CategoryChanged:
		in.Category = e.Category
	case Reopened:
		in.Open = true
		in.Since = later(in.Since, e.At)
		in = in.waitFrom(e.At)
	case StaffReminded:
		in.RemindedFor = later(in.RemindedFor, e.WaitingSince)
	case Closed:
		in.Open, in.Request, in.RequestDue = false, 0, time.Time{}
	case ChannelLost:
		if e.WasOpen {
			in.Open, in.Request, in.RequestDue = false, 0, time.Time{}
		}
	case CloseRequested:
		if e.N > in.Request {
			in.Request, in.RequestDue = e.N, e.Deadline
		}
	case CloseRequestAnswered:
		if e.N == in.Request {
			in.RequestDue = time.Time{}
		}
	case CloseRequestExpired:
		if e.N == in.Request {
			in.RequestDue = time.Time{}
		}
	case KeptOpen:
		in.Since = later(in.Since, e.At)
		in.KeptAt = later(in.KeptAt, e.At)
	case InactivityWarned:
		in.WarnedAt = later(in.WarnedAt, e.At)
	case MessagePosted:
		if !e.Bot {
			in = in.said(e.Author, e.At)
		}
	case TagPosted, RepliedFromDashboard: // the bot posts it, for the staff member who wrote or chose it
		by, at := staffAnswer(e)
		in = in.said(by, at)
	}
	return in
}

// said folds a person's message (not a bot's) at a time.
func (in Inactivity) said(author domain.UserID, at time.Time) Inactivity {
	if author == in.Opener {
		in.Since = later(in.Since, at)
	}
	if !at.Before(in.OpenedAt) { // what came before an open or reopen waits for nothing
		switch {
		case author != in.Opener:
			// An answer older than the wait (delivered late: a tag on the
			// lifecycle stream after a later message of the opener) ends
			// nothing; InactivityOf, which decides, folds in time order.
			if !at.Before(in.WaitingSince) {
				in.WaitingForStaff = false
			}
		case !in.WaitingForStaff:
			in.WaitingForStaff, in.WaitingSince = true, at
		}
	}
	if !at.Before(in.LastHuman) {
		in.LastHuman, in.WaitingOnOpener = at, author != in.Opener
	}
	return in
}

// waitFrom starts a wait for staff at an open or a reopen.
func (in Inactivity) waitFrom(at time.Time) Inactivity {
	if at.Before(in.OpenedAt) {
		return in
	}
	in.OpenedAt, in.WaitingForStaff, in.WaitingSince = at, true, at
	return in
}

// InactivityOf folds a ticket's lifecycle and messages events.
func InactivityOf(lifecycle, messages []domain.Event) Inactivity {
	var in Inactivity
	var answers []domain.Event // staff answers on the lifecycle stream
	for _, e := range lifecycle {
		if _, at := staffAnswer(e); !at.IsZero() {
			answers = append(answers, e)
			continue
		}
		in = in.With(e)
	}
	// A posted tag or a dashboard reply is a staff answer among the
	// messages: folded with them in the order they were said, not after
	// them all.
	for _, e := range messages {
		if m, ok := e.(MessagePosted); ok {
			for len(answers) > 0 {
				if _, at := staffAnswer(answers[0]); !at.Before(m.At) {
					break
				}
				in, answers = in.With(answers[0]), answers[1:]
			}
		}
		in = in.With(e)
	}
	for _, e := range answers {
		in = in.With(e)
	}
	return in
}

// staffAnswer tells who answered and when, for a lifecycle event that is a
// staff member's answer (a tag posted, a dashboard reply); zero otherwise.
func staffAnswer(e domain.Event) (domain.UserID, time.Time) {
	switch e := e.(type) {
	case TagPosted:
		return e.By, e.At
	case RepliedFromDashboard:
		return e.By, e.At
	}
	return 0, time.Time{}
}

// Step is what the auto-close rule asks of a ticket.
type Step int

// Steps of the auto-close rule.
const (
	StepNone          Step = iota // nothing, ever, as things stand
	StepWarn                      // post the warning
	StepClose                     // close
	StepExpireRequest             // close: a close request's deadline passed unanswered
	StepRemind                    // ping the staff roles: no staff answer for a while
)

func (s Step) String() string {
	switch s {
	case StepWarn:
		return "warn"
	case StepClose:
		return "close"
	case StepExpireRequest:
		return "expire-request"
	case StepRemind:
		return "remind"
	}
	return "none"
}

// warned reports whether a warning stands for the current idle period.
func (in Inactivity) warned() bool {
	return !in.WarnedAt.IsZero() && !in.WarnedAt.Before(in.Since) && in.WarnedAt.After(in.KeptAt)
}

// Next returns the next automated step and when it is due, whichever comes
// first: the staff reminder, a close request's deadline, the auto-close
// rule's step.
func (in Inactivity) Next(a guild.Automation) (Step, time.Time) {
	step, due := in.nextInactivity(a.AutoClose)
	if in.Open && !in.RequestDue.IsZero() && (step == StepNone || !due.Before(in.RequestDue)) {
		step, due = StepExpireRequest, in.RequestDue
	}
	if in.Open && a.RemindAfter > 0 && in.WaitingForStaff && !in.RemindedFor.Equal(in.WaitingSince) {
		if remind := in.WaitingSince.Add(a.RemindAfter); step == StepNone || remind.Before(due) {
			step, due = StepRemind, remind
		}
	}
	return step, due
}

// nextInactivity returns the auto-close rule's next step. A warning
// is due WarnBefore ahead of the deadline; the close at the deadline, but
// never sooner than WarnBefore after the warning, so that turning the rule on
// (or shortening it) over old tickets warns them all before any closes.
func (in Inactivity) nextInactivity(rule guild.AutoClose) (Step, time.Time) {
	if !in.Open || !rule.Enabled() || (rule.OnlyWaiting && !in.WaitingOnOpener) {
		return StepNone, time.Time{}
	}
	deadline := in.Since.Add(rule.After())
	if !in.warned() {
		return StepWarn, deadline.Add(-rule.WarnBefore())
	}
	return StepClose, later(deadline, in.WarnedAt.Add(rule.WarnBefore()))
}

// Occurrence names which occurrence of a step is due: the idle period of a
// warning or close, the close request, the wait a reminder is for. A step
// is performed once per occurrence (the application's command ids).
func (in Inactivity) Occurrence(step Step) string {
	switch step {
	case StepExpireRequest:
		return fmt.Sprintf("request-%d", in.Request)
	case StepRemind:
		return fmt.Sprint(in.WaitingSince.UnixMilli())
	}
	return fmt.Sprint(in.Since.UnixMilli())
}

// DecideAutomation decides what happens to the ticket by itself now:
// nothing, the auto-close warning, the auto-close, or closing on a close
// request's deadline; and says why in words for the audit timeline and the
// channel.
func (t Ticket) DecideAutomation(in Inactivity, a guild.Automation, now time.Time) (events []domain.Event, because string) {
	if !t.Exists() || t.status != StatusOpen {
		return nil, ""
	}
	rule := a.AutoClose
	step, due := in.Next(a)
	if step == StepNone || now.Before(due) {
		return nil, ""
	}
	if step == StepRemind {
		return []domain.Event{StaffReminded{Ticket: t.id, WaitingSince: in.WaitingSince, At: now}},
			fmt.Sprintf("no staff answer for %s", guild.Hours(now.Sub(in.WaitingSince).Truncate(time.Minute)))
	}
	if step == StepExpireRequest {
		return []domain.Event{CloseRequestExpired{Ticket: t.id, N: in.Request, At: now},
				Closed{Ticket: t.id, At: now, Cause: CauseCloseRequestExpired}},
			"no answer to the close request by its deadline"
	}
	idle := now.Sub(in.Since).Truncate(time.Minute)
	waiting := ""
	if rule.OnlyWaiting {
		waiting = ", waiting on the opener"
	}
	if step == StepWarn {
		closesAt := later(in.Since.Add(rule.After()), now.Add(rule.WarnBefore()))
		return []domain.Event{InactivityWarned{Ticket: t.id, ClosesAt: closesAt, Idle: in.Since, At: now}},
			fmt.Sprintf("no message from the opener for %s%s; auto-close after %s", guild.Hours(idle), waiting, guild.Hours(rule.After()))
	}
	return []domain.Event{Closed{Ticket: t.id, At: now, Cause: CauseInactivity}},
		fmt.Sprintf("inactive %s%s", guild.Hours(rule.After()), waiting)
}

// KeepOpen decides someone pressing "Keep open" on a warning: the opener,
// an added member or staff. It needs a warning standing.
func (t Ticket) KeepOpen(by Participant, in Inactivity, now time.Time) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actKeepOpen); err != nil {
		return nil, err
	}
	if !by.StaffFor(t.category) && !t.IsParticipant(by.User) {
		return nil, domain.Refuse(domain.ErrForbidden, "ticket.keep_open_not_allowed")
	}
	if !in.warned() {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.keep_open_not_closing")
	}
	return []domain.Event{KeptOpen{Ticket: t.id, By: by.User, At: now}}, nil
}

// CloseForLeaving decides the close of a ticket whose opener left the
// server, when the server asks for it. Another member's ticket, or a closed
// one, is left as it is.
func (t Ticket) CloseForLeaving(user domain.UserID, now time.Time) []domain.Event {
	if !t.Exists() || t.status != StatusOpen || t.opener != user {
		return nil
	}
	return []domain.Event{Closed{Ticket: t.id, At: now, Cause: CauseOpenerLeft}}
}
