package ticket_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
)

var h72 = guild.AutoClose{AfterMinutes: 72 * 60}

func posted(by domain.UserID, at time.Time) ticket.MessagePosted {
	return ticket.MessagePosted{Ticket: tid, Author: by, At: at}
}

// decide folds the given events of both streams and asks the rule at now.
func decide(rule guild.AutoClose, lifecycle, messages []domain.Event, now time.Time) ([]domain.Event, string) {
	return ticket.FromHistory(lifecycle).DecideAutomation(ticket.InactivityOf(lifecycle, messages), guild.Automation{AutoClose: rule}, now)
}

func TestAutoCloseWarnsADayBeforeAndClosesAtTheDeadline(t *testing.T) {
	given := []domain.Event{opened}
	// 48 h without a message from the opener: the warning is due, not before.
	if evs, _ := decide(h72, given, nil, t0.Add(48*time.Hour-time.Minute)); evs != nil {
		t.Fatalf("a minute early: %#v", evs)
	}
	evs, because := decide(h72, given, nil, t0.Add(48*time.Hour))
	want := []domain.Event{ticket.InactivityWarned{Ticket: tid, ClosesAt: t0.Add(72 * time.Hour), Idle: t0, At: t0.Add(48 * time.Hour)}}
	if !reflect.DeepEqual(evs, want) || !strings.Contains(because, "48 h") {
		t.Fatalf("warning: %#v (%q)", evs, because)
	}
	warned := append(given, evs...)
	if evs, _ := decide(h72, warned, nil, t0.Add(72*time.Hour-time.Minute)); evs != nil {
		t.Fatalf("closed early: %#v", evs)
	}
	evs, because = decide(h72, warned, nil, t0.Add(72*time.Hour))
	if !reflect.DeepEqual(evs, []domain.Event{ticket.Closed{Ticket: tid, At: t0.Add(72 * time.Hour), Cause: ticket.CauseInactivity}}) || because != "inactive 72 h" {
		t.Fatalf("close: %#v (%q)", evs, because)
	}
}

func TestAMessageFromTheOpenerStartsThePeriodAgainAndOneFromStaffDoesNot(t *testing.T) {
	warn := ticket.InactivityWarned{Ticket: tid, ClosesAt: t0.Add(72 * time.Hour), Idle: t0, At: t0.Add(48 * time.Hour)}
	given := []domain.Event{opened, warn}
	fromOpener := []domain.Event{posted(opener, t0.Add(50*time.Hour))}
	if evs, _ := decide(h72, given, fromOpener, t0.Add(72*time.Hour)); evs != nil {
		t.Fatalf("the opener wrote, yet: %#v", evs)
	}
	// The new period runs from their message: warned again 48 h after it.
	if evs, _ := decide(h72, given, fromOpener, t0.Add(98*time.Hour)); len(evs) != 1 || reflect.TypeOf(evs[0]) != reflect.TypeOf(ticket.InactivityWarned{}) {
		t.Fatalf("no new warning: %#v", evs)
	}
	fromStaff := []domain.Event{posted(staffU, t0.Add(50*time.Hour)), ticket.MessagePosted{Ticket: tid, Author: 1, Bot: true, At: t0.Add(51 * time.Hour)}}
	if evs, _ := decide(h72, given, fromStaff, t0.Add(72*time.Hour)); len(evs) != 1 || reflect.TypeOf(evs[0]) != reflect.TypeOf(ticket.Closed{}) {
		t.Fatalf("staff and a bot wrote, the opener did not: %#v", evs)
	}
}

func TestNothingFiresWhileAutoCloseIsOffOrTheTicketIsClosed(t *testing.T) {
	far := t0.Add(365 * 24 * time.Hour)
	if evs, _ := decide(guild.AutoClose{}, []domain.Event{opened}, nil, far); evs != nil {
		t.Fatalf("off: %#v", evs)
	}
	if evs, _ := decide(h72, []domain.Event{opened, closed}, nil, far); evs != nil {
		t.Fatalf("closed: %#v", evs)
	}
	if step, _ := ticket.InactivityOf([]domain.Event{opened}, nil).Next(guild.Automation{}); step != ticket.StepNone {
		t.Fatalf("off: next step %v", step)
	}
}

func TestTurningAutoCloseOnOverOldTicketsWarnsBeforeAnyCloses(t *testing.T) {
	now := t0.Add(30 * 24 * time.Hour) // the ticket has been quiet for a month
	evs, _ := decide(h72, []domain.Event{opened}, nil, now)
	if len(evs) != 1 || evs[0].(ticket.InactivityWarned).ClosesAt != now.Add(24*time.Hour) {
		t.Fatalf("want a warning closing in 24 h: %#v", evs)
	}
	warned := append([]domain.Event{opened}, evs...)
	if evs, _ := decide(h72, warned, nil, now.Add(23*time.Hour)); evs != nil {
		t.Fatalf("closed before the warning's 24 h: %#v", evs)
	}
	if evs, _ := decide(h72, warned, nil, now.Add(24*time.Hour)); len(evs) != 1 {
		t.Fatalf("not closed after the warning's 24 h: %#v", evs)
	}
}

func TestOnlyWaitingClosesOnlyWhenTheLastWordIsNotTheOpeners(t *testing.T) {
	rule := guild.AutoClose{AfterMinutes: 72 * 60, OnlyWaiting: true}
	far := t0.Add(10 * 24 * time.Hour)
	openerLast := []domain.Event{posted(staffU, t0.Add(time.Hour)), posted(opener, t0.Add(2*time.Hour))}
	if evs, _ := decide(rule, []domain.Event{opened}, openerLast, far); evs != nil {
		t.Fatalf("the opener had the last word: %#v", evs)
	}
	staffLast := []domain.Event{posted(opener, t0.Add(time.Hour)), posted(staffU, t0.Add(2*time.Hour))}
	evs, because := decide(rule, []domain.Event{opened}, staffLast, far)
	if len(evs) != 1 || !strings.Contains(because, "waiting on the opener") {
		t.Fatalf("staff had the last word: %#v (%q)", evs, because)
	}
	// Folded in another order (messages replayed first), the same answer.
	if a, b := ticket.InactivityOf([]domain.Event{opened}, staffLast), ticket.InactivityOf(nil, append(append([]domain.Event{}, staffLast...), opened)); a.WaitingOnOpener != b.WaitingOnOpener {
		t.Fatalf("order matters: %+v vs %+v", a, b)
	}
}

func TestKeepOpen(t *testing.T) {
	warn := ticket.InactivityWarned{Ticket: tid, ClosesAt: t0.Add(72 * time.Hour), Idle: t0, At: t0.Add(48 * time.Hour)}
	at := t0.Add(49 * time.Hour)
	run(t, []scenario{
		{name: "the opener keeps a warned ticket open",
			given: []domain.Event{opened, warn},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.KeepOpen(owner, ticket.InactivityOf([]domain.Event{opened, warn}, nil), at)
			},
			then: []domain.Event{ticket.KeptOpen{Ticket: tid, By: opener, At: at}}},
		{name: "staff may too",
			given: []domain.Event{opened, warn},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.KeepOpen(staff, ticket.InactivityOf([]domain.Event{opened, warn}, nil), at)
			},
			then: []domain.Event{ticket.KeptOpen{Ticket: tid, By: staffU, At: at}}},
		{name: "a stranger may not",
			given: []domain.Event{opened, warn},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.KeepOpen(nobody, ticket.InactivityOf([]domain.Event{opened, warn}, nil), at)
			},
			err: domain.ErrForbidden},
		{name: "without a warning standing there is nothing to keep open",
			given: []domain.Event{opened, warn},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.KeepOpen(owner, ticket.InactivityOf([]domain.Event{opened, warn}, []domain.Event{posted(opener, at)}), at)
			},
			err: domain.ErrUnchanged},
		{name: "a ticket of another server is not here",
			given: []domain.Event{opened, warn},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.KeepOpen(ticket.Participant{User: opener, Guild: 999}, ticket.InactivityOf([]domain.Event{opened, warn}, nil), at)
			},
			err: ticket.ErrNotHere},
	})
	// Kept open: the period runs again from the button.
	kept := []domain.Event{opened, warn, ticket.KeptOpen{Ticket: tid, By: opener, At: at}}
	if step, due := ticket.InactivityOf(kept, nil).Next(guild.Automation{AutoClose: h72}); step != ticket.StepWarn || !due.Equal(at.Add(48*time.Hour)) {
		t.Fatalf("after keep open: %v at %v", step, due)
	}
}

func TestLeavingClosesOnlyTheLeaversOpenTickets(t *testing.T) {
	at := t0.Add(time.Hour)
	if got := ticket.FromHistory([]domain.Event{opened}).CloseForLeaving(opener, at); !reflect.DeepEqual(got, []domain.Event{ticket.Closed{Ticket: tid, At: at, Cause: ticket.CauseOpenerLeft}}) {
		t.Fatalf("the opener left: %#v", got)
	}
	if got := ticket.FromHistory([]domain.Event{opened}).CloseForLeaving(friend, at); got != nil {
		t.Fatalf("someone else left: %#v", got)
	}
	if got := ticket.FromHistory([]domain.Event{opened, closed}).CloseForLeaving(opener, at); got != nil {
		t.Fatalf("already closed: %#v", got)
	}
}

func TestCloseRequests(t *testing.T) {
	at := t0.Add(time.Hour)
	req := ticket.CloseRequested{Ticket: tid, N: 1, By: staffU, Deadline: at.Add(24 * time.Hour), At: at, Personal: ticket.CloseRequestPersonal{Reason: "solved?"}}
	run(t, []scenario{
		{name: "staff ask, with a deadline",
			given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.RequestClose(staff, "solved?", 24*time.Hour, at)
			},
			then: []domain.Event{req}},
		{name: "a member may not ask",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.RequestClose(owner, "", 0, at) },
			err:   domain.ErrForbidden},
		{name: "a closed ticket cannot be asked",
			given: []domain.Event{opened, closed},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.RequestClose(staff, "", 0, at) },
			err:   domain.ErrConflict},
		{name: "a deadline of a minute is refused",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.RequestClose(staff, "", time.Minute, at) },
			err:   domain.ErrInvalid},
		{name: "a second request replaces the first",
			given: []domain.Event{opened, req},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.RequestClose(staff, "", 0, at) },
			then:  []domain.Event{ticket.CloseRequested{Ticket: tid, N: 2, By: staffU, At: at}}},
		{name: "the opener accepts: the ticket closes",
			given: []domain.Event{opened, req},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AnswerCloseRequest(owner, 1, true, at) },
			then: []domain.Event{ticket.CloseRequestAnswered{Ticket: tid, N: 1, By: opener, Accepted: true, At: at},
				ticket.Closed{Ticket: tid, By: opener, At: at}}},
		{name: "the opener denies",
			given: []domain.Event{opened, req},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AnswerCloseRequest(owner, 1, false, at) },
			then:  []domain.Event{ticket.CloseRequestAnswered{Ticket: tid, N: 1, By: opener, At: at}}},
		{name: "someone else may not answer",
			given: []domain.Event{opened, req},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AnswerCloseRequest(nobody, 1, true, at) },
			err:   domain.ErrForbidden},
		{name: "a replaced request cannot be answered",
			given: []domain.Event{opened, req, ticket.CloseRequested{Ticket: tid, N: 2, By: staffU, At: at}},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AnswerCloseRequest(owner, 1, true, at) },
			err:   domain.ErrConflict},
		{name: "an answered request cannot be answered again",
			given: []domain.Event{opened, req, ticket.CloseRequestAnswered{Ticket: tid, N: 1, By: opener, At: at}},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AnswerCloseRequest(staff, 1, true, at) },
			err:   domain.ErrConflict},
	})
	// Unanswered by the deadline: it closes, saying why; answered, nothing happens.
	evs, because := decide(guild.AutoClose{}, []domain.Event{opened, req}, nil, req.Deadline)
	if len(evs) != 2 || evs[1].(ticket.Closed).Cause != ticket.CauseCloseRequestExpired || because == "" {
		t.Fatalf("at the deadline: %#v (%q)", evs, because)
	}
	if evs, _ := decide(guild.AutoClose{}, []domain.Event{opened, req}, nil, req.Deadline.Add(-time.Minute)); evs != nil {
		t.Fatalf("before the deadline: %#v", evs)
	}
	denied := []domain.Event{opened, req, ticket.CloseRequestAnswered{Ticket: tid, N: 1, By: opener, At: at}}
	if evs, _ := decide(guild.AutoClose{}, denied, nil, req.Deadline.Add(time.Hour)); evs != nil {
		t.Fatalf("denied, yet at the deadline: %#v", evs)
	}
	// The deadline comes before an auto-close step due later.
	if step, due := ticket.InactivityOf([]domain.Event{opened, req}, nil).Next(guild.Automation{AutoClose: h72}); step != ticket.StepExpireRequest || !due.Equal(req.Deadline) {
		t.Fatalf("next: %v at %v", step, due)
	}
}

func TestRatings(t *testing.T) {
	at := closed.At.Add(time.Hour)
	run(t, []scenario{
		{name: "the opener rates a closed ticket",
			given: []domain.Event{opened, closed},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rate(owner, 4, " quick! ", at) },
			then:  []domain.Event{ticket.Rated{Ticket: tid, By: opener, Stars: 4, At: at, Personal: ticket.RatedPersonal{Comment: "quick!"}}}},
		{name: "and may change it within 24 hours",
			given: []domain.Event{opened, closed, ticket.Rated{Ticket: tid, By: opener, Stars: 4, At: at}},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Rate(owner, 2, "", closed.At.Add(24*time.Hour))
			},
			then: []domain.Event{ticket.Rated{Ticket: tid, By: opener, Stars: 2, At: closed.At.Add(24 * time.Hour)}}},
		{name: "but not after",
			given: []domain.Event{opened, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Rate(owner, 2, "", closed.At.Add(24*time.Hour+time.Second))
			},
			err: domain.ErrConflict},
		{name: "staff may not rate",
			given: []domain.Event{opened, closed},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rate(staff, 5, "", at) },
			err:   domain.ErrForbidden},
		{name: "an open ticket is not rated",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rate(owner, 5, "", at) },
			err:   domain.ErrConflict},
		{name: "the opener rates from the direct message that asked them",
			given: []domain.Event{opened, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Rate(ticket.Participant{User: opener, Direct: true}, 3, "", at)
			},
			then: []domain.Event{ticket.Rated{Ticket: tid, By: opener, Stars: 3, At: at}}},
		{name: "anyone else's direct message finds no ticket",
			given: []domain.Event{opened, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Rate(ticket.Participant{User: staffU, Direct: true}, 5, "", at)
			},
			err: ticket.ErrNotHere},
		{name: "six stars do not exist",
			given: []domain.Event{opened, closed},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rate(owner, 6, "", at) },
			err:   domain.ErrInvalid},
	})
}

func TestStaffAreRemindedOnceAWaitWhenNobodyAnswers(t *testing.T) {
	remind := guild.Automation{RemindAfter: 30 * time.Minute}
	next := func(messages ...domain.Event) (ticket.Step, time.Time) {
		return ticket.InactivityOf([]domain.Event{opened}, messages).Next(remind)
	}
	if step, due := next(); step != ticket.StepRemind || !due.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("a new ticket: %v at %v", step, due)
	}
	// Staff answered: nothing to remind of, until the opener writes again.
	if step, _ := next(posted(staffU, t0.Add(10*time.Minute))); step != ticket.StepNone {
		t.Fatalf("answered, yet %v", step)
	}
	again := t0.Add(time.Hour)
	if step, due := next(posted(staffU, t0.Add(10*time.Minute)), posted(opener, again), posted(opener, again.Add(time.Minute))); step != ticket.StepRemind || !due.Equal(again.Add(30*time.Minute)) {
		t.Fatalf("waiting again since the opener's first new message: %v at %v", step, due)
	}
	// Reminded: not again for the same wait.
	lifecycle := []domain.Event{opened, ticket.StaffReminded{Ticket: tid, WaitingSince: t0, At: t0.Add(30 * time.Minute)}}
	if step, _ := ticket.InactivityOf(lifecycle, nil).Next(remind); step != ticket.StepNone {
		t.Fatalf("reminded twice: %v", step)
	}
	evs, because := ticket.FromHistory([]domain.Event{opened}).DecideAutomation(ticket.InactivityOf([]domain.Event{opened}, nil), remind, t0.Add(31*time.Minute))
	if len(evs) != 1 || !strings.Contains(because, "no staff answer for 31 min") {
		t.Fatalf("reminder: %#v (%q)", evs, because)
	}
}

func TestATagPostedByStaffIsTheirAnswer(t *testing.T) {
	at := t0.Add(10 * time.Minute)
	run(t, []scenario{
		{name: "staff post a saved answer",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.PostTag(staff, "refunds", at) },
			then:  []domain.Event{ticket.TagPosted{Ticket: tid, Tag: "refunds", By: staffU, At: at}}},
		{name: "a member may not",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.PostTag(owner, "refunds", at) },
			err:   domain.ErrForbidden},
		{name: "nor staff of another server",
			given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.PostTag(ticket.Participant{User: staffU, Staff: true, Guild: guildG + 1}, "refunds", at)
			},
			err: ticket.ErrNotHere},
	})
	remind := guild.Automation{RemindAfter: 30 * time.Minute}
	tagged := []domain.Event{opened, ticket.TagPosted{Ticket: tid, Tag: "refunds", By: staffU, At: at}}
	if step, _ := ticket.InactivityOf(tagged, nil).Next(remind); step != ticket.StepNone {
		t.Fatalf("a tag answered the opener, yet %v", step)
	}
	// Folded in the order things were said, whichever stream they are on:
	// the opener wrote before the tag (answered), or after it (waiting).
	if step, _ := ticket.InactivityOf(tagged, []domain.Event{posted(opener, at.Add(-time.Minute))}).Next(remind); step != ticket.StepNone {
		t.Fatalf("the tag came after the opener's message, yet %v", step)
	}
	later := at.Add(time.Minute)
	if step, due := ticket.InactivityOf(tagged, []domain.Event{posted(opener, later)}).Next(remind); step != ticket.StepRemind || !due.Equal(later.Add(30*time.Minute)) {
		t.Fatalf("the opener wrote after the tag: %v at %v", step, due)
	}
}

func TestStaffWritePrivateNotes(t *testing.T) {
	at := t0.Add(time.Hour)
	expired := ticket.TranscriptExpired{Ticket: tid, RetentionDays: 90}
	run(t, []scenario{
		{name: "staff write a note, trimmed",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddNote(staff, "  asked twice before  ", at) },
			then:  []domain.Event{ticket.NoteAdded{Ticket: tid, By: staffU, At: at, Personal: ticket.NotePersonal{Text: "asked twice before"}}}},
		{name: "on a closed ticket too",
			given: []domain.Event{opened, closed},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddNote(staff, "refunded", at) },
			then:  []domain.Event{ticket.NoteAdded{Ticket: tid, By: staffU, At: at, Personal: ticket.NotePersonal{Text: "refunded"}}}},
		{name: "the opener may not",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddNote(owner, "let me in", at) },
			err:   domain.ErrForbidden},
		{name: "an empty note",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddNote(staff, " ", at) },
			err:   domain.ErrInvalid},
		{name: "a note too long",
			given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.AddNote(staff, strings.Repeat("x", 2001), at)
			},
			err: domain.ErrInvalid},
		{name: "a ticket whose transcript expired",
			given: []domain.Event{opened, closed, expired},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddNote(staff, "late", at) },
			err:   domain.ErrConflict},
		{name: "staff of another server",
			given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.AddNote(ticket.Participant{User: staffU, Staff: true, Guild: guildG + 1}, "x", at)
			},
			err: ticket.ErrNotHere},
	})
}

func TestStaffReplyFromTheDashboard(t *testing.T) {
	at := t0.Add(time.Hour)
	attached := ticket.ChannelAttached{Ticket: tid, Channel: chanC}
	reply := func(p ticket.Participant) func(tk ticket.Ticket) ([]domain.Event, error) {
		return func(tk ticket.Ticket) ([]domain.Event, error) {
			return tk.ReplyFromDashboard(p, "R1", " on it ", "Sam", at)
		}
	}
	run(t, []scenario{
		{name: "staff reply in the open ticket's channel",
			given: []domain.Event{opened, attached},
			when:  reply(staff),
			then: []domain.Event{ticket.RepliedFromDashboard{Ticket: tid, Reply: "R1", By: staffU, At: at,
				Personal: ticket.ReplyPersonal{Text: "on it", AuthorName: "Sam"}}}},
		{name: "not before the ticket has a channel", given: []domain.Event{opened}, when: reply(staff), err: domain.ErrConflict},
		{name: "not in a closed ticket", given: []domain.Event{opened, attached, closed}, when: reply(staff), err: domain.ErrConflict},
		{name: "not as a member", given: []domain.Event{opened, attached}, when: reply(owner), err: domain.ErrForbidden},
		{name: "not from another server", given: []domain.Event{opened, attached},
			when: reply(ticket.Participant{User: staffU, Staff: true, Guild: guildG + 1}), err: ticket.ErrNotHere},
	})
	// A reply is the staff member's answer for the ticket's clocks.
	remind := guild.Automation{RemindAfter: 30 * time.Minute}
	replied := []domain.Event{opened, ticket.RepliedFromDashboard{Ticket: tid, Reply: "R1", By: staffU, At: at}}
	if step, _ := ticket.InactivityOf(replied, nil).Next(remind); step != ticket.StepNone {
		t.Fatalf("answered from the dashboard, yet %v", step)
	}
}

func TestAnAnswerDeliveredLateDoesNotEndALaterWait(t *testing.T) {
	// The schedule folds in log order: a tag of 10 min recorded after the
	// opener's message of 20 min leaves them waiting since 20 min.
	remind := guild.Automation{RemindAfter: 30 * time.Minute}
	in := ticket.Inactivity{}.With(opened).With(ticket.StaffReminded{Ticket: tid, WaitingSince: t0, At: t0})
	in = in.With(posted(staffU, t0.Add(5*time.Minute))).With(posted(opener, t0.Add(20*time.Minute)))
	in = in.With(ticket.TagPosted{Ticket: tid, Tag: "x", By: staffU, At: t0.Add(10 * time.Minute)})
	if step, due := in.Next(remind); step != ticket.StepRemind || !due.Equal(t0.Add(50*time.Minute)) {
		t.Fatalf("after a late tag: %v at %v", step, due)
	}
}
