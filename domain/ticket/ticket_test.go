package ticket_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/ticket"
)

const (
	tid      domain.TicketID  = "01JD7Q4V3S8X2N6M5K4J3H2G1F"
	other    domain.TicketID  = "01JD7Q4V3S8X2N6M5K4J3H2G1G"
	guildG   domain.GuildID   = 100
	opener   domain.UserID    = 200
	staffU   domain.UserID    = 300
	stranger domain.UserID    = 400
	friend   domain.UserID    = 500
	chanC    domain.ChannelID = 600
)

var (
	t0      = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	staff   = ticket.Participant{User: staffU, Staff: true, Guild: guildG}
	owner   = ticket.Participant{User: opener, Guild: guildG}
	nobody  = ticket.Participant{User: stranger, Guild: guildG}
	opened  = ticket.Opened{Ticket: tid, Guild: guildG, Number: 7, Opener: opener, Category: "general", Priority: ticket.PriorityNormal, At: t0, Personal: ticket.OpenedPersonal{Topic: "refund"}}
	closed  = ticket.Closed{Ticket: tid, By: staffU, At: t0.Add(time.Hour), Personal: ticket.ClosedPersonal{Reason: "done"}}
	claimed = ticket.Claimed{Ticket: tid, By: staffU}
)

// scenario is one given-events / when-command / then-events specification.
type scenario struct {
	name  string
	given []domain.Event
	when  func(ticket.Ticket) ([]domain.Event, error)
	then  []domain.Event
	err   error // a sentinel the refusal must match
}

func run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got, err := s.when(ticket.FromHistory(s.given))
			if s.err != nil {
				if !errors.Is(err, s.err) {
					t.Fatalf("error = %v, want %v", err, s.err)
				}
				if got != nil {
					t.Fatalf("a refused command decided events: %#v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected refusal: %v", err)
			}
			if !reflect.DeepEqual(got, s.then) {
				t.Fatalf("events:\n got %#v\nwant %#v", got, s.then)
			}
		})
	}
}

func TestClaimingAndMembers(t *testing.T) {
	run(t, []scenario{
		{name: "staff claims an open ticket", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(staff, guild.ClaimLabel) },
			then: []domain.Event{claimed}},
		{name: "a member who is not staff cannot claim", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(owner, guild.ClaimLabel) }, err: domain.ErrForbidden},
		{name: "no claim on a closed ticket", given: []domain.Event{opened, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(staff, guild.ClaimLabel) }, err: domain.ErrConflict},
		{name: "no claim on a ticket that does not exist",
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(staff, guild.ClaimLabel) }, err: domain.ErrNotFound},
		{name: "claiming twice changes nothing", given: []domain.Event{opened, claimed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(staff, guild.ClaimLabel) }, err: domain.ErrUnchanged},
		{name: "another staff member must unclaim first", given: []domain.Event{opened, claimed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Claim(ticket.Participant{User: 999, Staff: true, Guild: guildG}, guild.ClaimLabel)
			}, err: domain.ErrConflict},
		{name: "unclaim names who held it", given: []domain.Event{opened, claimed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Unclaim(ticket.Participant{User: 999, Staff: true, Guild: guildG})
			},
			then: []domain.Event{ticket.Unclaimed{Ticket: tid, By: 999, Previous: staffU}}},
		{name: "unclaim of an unclaimed ticket", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Unclaim(staff) }, err: domain.ErrUnchanged},
		{name: "staff adds a member", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddMember(staff, friend) },
			then: []domain.Event{ticket.MemberAdded{Ticket: tid, Member: friend, By: staffU}}},
		{name: "the opener is already in", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddMember(staff, opener) }, err: domain.ErrUnchanged},
		{name: "the opener cannot add people", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AddMember(owner, friend) }, err: domain.ErrForbidden},
		{name: "staff removes an added member", given: []domain.Event{opened, ticket.MemberAdded{Ticket: tid, Member: friend, By: staffU}},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.RemoveMember(staff, friend) },
			then: []domain.Event{ticket.MemberRemoved{Ticket: tid, Member: friend, By: staffU}}},
		{name: "the opener cannot be removed", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.RemoveMember(staff, opener) }, err: domain.ErrForbidden},
		{name: "removing someone who is not in", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.RemoveMember(staff, friend) }, err: domain.ErrUnchanged},
	})
}

func TestRenameAndPriority(t *testing.T) {
	run(t, []scenario{
		{name: "rename normalises to a Discord channel name", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rename(staff, "  Refund Request ") },
			then: []domain.Event{ticket.Renamed{Ticket: tid, By: staffU, Personal: ticket.RenamedPersonal{Name: "refund-request", Previous: "ticket-0007"}}}},
		{name: "rename to nothing", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rename(staff, "   ") }, err: domain.ErrInvalid},
		{name: "rename to the same name", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rename(staff, "ticket-0007") }, err: domain.ErrUnchanged},
		{name: "only staff renames", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rename(owner, "x") }, err: domain.ErrForbidden},
		{name: "priority is set with its previous value", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.SetPriority(staff, ticket.PriorityUrgent) },
			then: []domain.Event{ticket.PrioritySet{Ticket: tid, By: staffU, Priority: ticket.PriorityUrgent, Previous: ticket.PriorityNormal}}},
		{name: "an unknown priority", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.SetPriority(staff, 0) }, err: domain.ErrInvalid},
		{name: "the same priority", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.SetPriority(staff, ticket.PriorityNormal) }, err: domain.ErrUnchanged},
	})
}

func TestClosingAndChannelFacts(t *testing.T) {
	later := t0.Add(time.Hour)
	run(t, []scenario{
		{name: "the opener closes with a reason", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Close(owner, " solved ", later) },
			then: []domain.Event{ticket.Closed{Ticket: tid, By: opener, At: later, Personal: ticket.ClosedPersonal{Reason: "solved"}}}},
		{name: "a stranger cannot close", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Close(nobody, "", later) }, err: domain.ErrForbidden},
		{name: "no close on a closed ticket", given: []domain.Event{opened, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Close(staff, "", later) }, err: domain.ErrConflict},
		{name: "a reason longer than the modal allows", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Close(staff, string(make([]byte, ticket.MaxReasonLength+1)), later)
			}, err: domain.ErrInvalid},
		{name: "the channel is attached once", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AttachChannel(chanC, 0) },
			then: []domain.Event{ticket.ChannelAttached{Ticket: tid, Channel: chanC}}},
		{name: "in thread mode the channel is a private thread under the support channel", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AttachChannel(chanC, chanC+1) },
			then: []domain.Event{ticket.ChannelAttached{Ticket: tid, Channel: chanC, ThreadOf: chanC + 1}}},
		{name: "a thread is not its own support channel", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AttachChannel(chanC, chanC) }, err: domain.ErrInvalid},
		{name: "attaching the same channel again changes nothing", given: []domain.Event{opened, ticket.ChannelAttached{Ticket: tid, Channel: chanC}},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.AttachChannel(chanC, 0) }},
		{name: "a channel deleted by hand closes an open ticket", given: []domain.Event{opened, ticket.ChannelAttached{Ticket: tid, Channel: chanC}},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.LoseChannel(chanC, later) },
			then: []domain.Event{ticket.ChannelLost{Ticket: tid, Channel: chanC, At: later, WasOpen: true}}},
		{name: "a channel deleted after close does not close again", given: []domain.Event{opened, ticket.ChannelAttached{Ticket: tid, Channel: chanC}, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.LoseChannel(chanC, later) },
			then: []domain.Event{ticket.ChannelLost{Ticket: tid, Channel: chanC, At: later, WasOpen: false}}},
		{name: "another channel's deletion is not this ticket's loss", given: []domain.Event{opened, ticket.ChannelAttached{Ticket: tid, Channel: chanC}},
			when: func(tk ticket.Ticket) ([]domain.Event, error) { return tk.LoseChannel(chanC+1, later) }},
	})
}

func TestTranscriptExpiry(t *testing.T) {
	closedAt := closed.At
	run(t, []scenario{
		{name: "day 89 is too early", given: []domain.Event{opened, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.ExpireTranscript(90, closedAt.AddDate(0, 0, 89))
			},
			err: domain.ErrConflict},
		{name: "day 90 expires", given: []domain.Event{opened, closed},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.ExpireTranscript(90, closedAt.AddDate(0, 0, 90))
			},
			then: []domain.Event{ticket.TranscriptExpired{Ticket: tid, ClosedAt: closedAt, RetentionDays: 90, At: closedAt.AddDate(0, 0, 90)}}},
		{name: "an open ticket never expires", given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.ExpireTranscript(90, closedAt.AddDate(1, 0, 0))
			},
			err: domain.ErrConflict},
		{name: "expiring twice changes nothing", given: []domain.Event{opened, closed, ticket.TranscriptExpired{Ticket: tid}},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.ExpireTranscript(90, closedAt.AddDate(1, 0, 0))
			}},
	})
}

func settings(events ...domain.Event) guild.Settings { return guild.FromHistory(guildG, events) }

// refusedWith reports whether err is the refusal key names, its placeholder
// name (when given) holding value.
func refusedWith(err error, key string, nameValue ...any) bool {
	var rule *domain.RuleError
	if !errors.As(err, &rule) || rule.Key != key {
		return false
	}
	if len(nameValue) == 2 {
		name, _ := nameValue[0].(string)
		return rule.Args[name] == nameValue[1]
	}
	return true
}

func TestOpen(t *testing.T) {
	req := ticket.OpenRequest{Ticket: tid, Opener: opener, Topic: "refund"}
	billing := guild.Category{Key: "billing", Name: "Billing", Questions: []guild.Question{
		{Label: "Order number", Required: true}, {Label: "Anything else?"}}}

	t.Run("a member opens in a guild with no setup: the default category", func(t *testing.T) {
		got, err := ticket.Open(req, settings(), member.FromHistory(guildG, opener, nil), nil, t0)
		if err != nil {
			t.Fatal(err)
		}
		if want := []domain.Event{member.TicketReserved{Guild: guildG, User: opener, Ticket: tid, At: t0, Category: "general"}}; !reflect.DeepEqual(got.Reservation, want) {
			t.Fatalf("reservation %#v\nwant %#v", got.Reservation, want)
		}
		numbered, err := got.Numbered(7)
		if err != nil || !reflect.DeepEqual(numbered, []domain.Event{opened}) {
			t.Fatalf("opened %#v, %v\nwant %#v", numbered, err, opened)
		}
		if _, err := got.Numbered(0); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("number 0: %v", err)
		}
	})
	t.Run("form answers are matched to the category's questions", func(t *testing.T) {
		r := req
		r.Category, r.Answers = "billing", []string{" #1234 ", ""}
		got, err := ticket.Open(r, settings(guild.CategoryAdded{Guild: guildG, Category: billing}), member.Holdings{}, nil, t0)
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := got.Numbered(1)
		answers := evs[0].(ticket.Opened).Personal.Answers
		if !reflect.DeepEqual(answers, []ticket.Answer{{Question: "Order number", Answer: "#1234"}}) {
			t.Fatalf("answers = %#v", answers)
		}
	})
	refusals := []struct {
		name string
		req  func(ticket.OpenRequest) ticket.OpenRequest
		g    guild.Settings
		err  error
	}{
		{"a blacklisted user", func(r ticket.OpenRequest) ticket.OpenRequest { return r },
			settings(guild.UserBlacklisted{Guild: guildG, User: opener}), domain.ErrForbidden},
		{"a member holding a blacklisted role", func(r ticket.OpenRequest) ticket.OpenRequest { r.Roles = []domain.RoleID{1, 66}; return r },
			settings(guild.RoleBlacklisted{Guild: guildG, Role: 66}), domain.ErrForbidden},
		{"an unknown category", func(r ticket.OpenRequest) ticket.OpenRequest { r.Category = "nope"; return r },
			settings(guild.CategoryAdded{Guild: guildG, Category: billing}), domain.ErrNotFound},
		{"a required answer missing", func(r ticket.OpenRequest) ticket.OpenRequest { r.Category = "billing"; return r },
			settings(guild.CategoryAdded{Guild: guildG, Category: billing}), domain.ErrInvalid},
		{"more answers than questions", func(r ticket.OpenRequest) ticket.OpenRequest {
			r.Category, r.Answers = "billing", []string{"a", "b", "c"}
			return r
		}, settings(guild.CategoryAdded{Guild: guildG, Category: billing}), domain.ErrInvalid},
		{"no category picked among several", func(r ticket.OpenRequest) ticket.OpenRequest { return r },
			settings(guild.CategoryAdded{Guild: guildG, Category: billing}, guild.CategoryAdded{Guild: guildG, Category: guild.Category{Key: "other", Name: "Other"}}),
			domain.ErrInvalid},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			got, err := ticket.Open(c.req(req), c.g, member.Holdings{}, nil, t0)
			if !errors.Is(err, c.err) {
				t.Fatalf("error = %v, want %v", err, c.err)
			}
			if got.Reservation != nil {
				t.Fatalf("a refused open decided events: %#v", got)
			}
		})
	}
}

func TestOpenTicketLimit(t *testing.T) {
	req := ticket.OpenRequest{Ticket: other, Opener: opener}
	reserved := member.TicketReserved{Guild: guildG, User: opener, Ticket: tid, At: t0}
	holdings := member.FromHistory(guildG, opener, []domain.Event{reserved})
	limit1 := settings()

	cases := []struct {
		name string
		held map[domain.TicketID]ticket.Ticket
		now  time.Time
		err  error
	}{
		{"an open ticket uses the only slot", map[domain.TicketID]ticket.Ticket{tid: ticket.FromHistory([]domain.Event{opened})}, t0.Add(time.Hour), domain.ErrForbidden},
		{"an open in flight uses the slot", nil, t0.Add(ticket.OpenGrace - time.Second), domain.ErrForbidden},
		{"an abandoned open frees the slot", nil, t0.Add(ticket.OpenGrace), nil},
		{"a closed ticket frees the slot even before its release is recorded", map[domain.TicketID]ticket.Ticket{tid: ticket.FromHistory([]domain.Event{opened, closed})}, t0.Add(time.Hour), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ticket.Open(req, limit1, holdings, c.held, c.now)
			if !errors.Is(err, c.err) {
				t.Fatalf("error = %v, want %v", err, c.err)
			}
		})
	}
	t.Run("a raised limit allows a second ticket", func(t *testing.T) {
		g := settings(guild.TicketLimitSet{Guild: guildG, Limit: 2, Previous: 1})
		held := map[domain.TicketID]ticket.Ticket{tid: ticket.FromHistory([]domain.Event{opened})}
		if _, err := ticket.Open(req, g, holdings, held, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a late second step is refused", func(t *testing.T) {
		if err := ticket.ConfirmOpen(ticket.Ticket{}, t0, t0.Add(ticket.OpenGrace)); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("error = %v", err)
		}
		if err := ticket.ConfirmOpen(ticket.Ticket{}, t0, t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReopen(t *testing.T) {
	later := t0.Add(2 * time.Hour)
	closedTicket := ticket.FromHistory([]domain.Event{opened, closed})
	otherOpen := ticket.FromHistory([]domain.Event{ticket.Opened{Ticket: other, Guild: guildG, Number: 8, Opener: opener, At: t0}})
	holdings := member.FromHistory(guildG, opener, []domain.Event{member.TicketReserved{Guild: guildG, User: opener, Ticket: other, At: t0}})
	held := map[domain.TicketID]ticket.Ticket{other: otherOpen}

	got, err := closedTicket.Reopen(staff, settings(), holdings, held, later)
	if err != nil {
		t.Fatalf("staff reopen beyond the limit: %v", err)
	}
	want := ticket.Reopening{
		Reservation: []domain.Event{member.TicketReserved{Guild: guildG, User: opener, Ticket: tid, At: later, Category: "general"}},
		Ticket:      []domain.Event{ticket.Reopened{Ticket: tid, By: staffU, At: later}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	if _, err := closedTicket.Reopen(owner, settings(), holdings, held, later); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("the opener at the limit: error = %v", err)
	}
	if _, err := ticket.FromHistory([]domain.Event{opened}).Reopen(staff, settings(), holdings, held, later); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("no reopen of an open ticket: error = %v", err)
	}
	expired := ticket.FromHistory([]domain.Event{opened, closed, ticket.TranscriptExpired{Ticket: tid}})
	if _, err := expired.Reopen(staff, settings(), holdings, held, later); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("no reopen after expiry: error = %v", err)
	}
}

func TestFoldedState(t *testing.T) {
	tk := ticket.FromHistory([]domain.Event{
		opened, ticket.ChannelAttached{Ticket: tid, Channel: chanC}, claimed,
		ticket.MemberAdded{Ticket: tid, Member: friend, By: staffU},
		ticket.PrioritySet{Ticket: tid, By: staffU, Priority: ticket.PriorityHigh, Previous: ticket.PriorityNormal},
		closed,
	})
	if tk.Status() != ticket.StatusClosed || tk.Claimer() != staffU || tk.Channel() != chanC ||
		tk.Priority() != ticket.PriorityHigh || !tk.IsParticipant(friend) || tk.Version() != 6 || !tk.ClosedAt().Equal(closed.At) {
		t.Fatalf("folded state is wrong: %+v", tk)
	}
	if got := tk.ExpiresAt(30); !got.Equal(closed.At.AddDate(0, 0, 30)) {
		t.Fatalf("ExpiresAt = %v", got)
	}
}

func TestCorrections(t *testing.T) {
	expired := ticket.TranscriptExpired{Ticket: tid, RetentionDays: 90}
	run(t, []scenario{
		{name: "staff corrects the topic; the opener keeps owning it",
			given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.CorrectTopic(staff, "  refund for order 42 ")
			},
			then: []domain.Event{ticket.TopicCorrected{Ticket: tid, By: staffU, Opener: opener,
				Personal: ticket.TopicPersonal{Topic: "refund for order 42", Previous: "refund"}}}},
		{name: "a correction to the same topic changes nothing",
			given: []domain.Event{opened, ticket.TopicCorrected{Ticket: tid, By: staffU, Opener: opener, Personal: ticket.TopicPersonal{Topic: "x"}}},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.CorrectTopic(staff, "x") },
			err:   domain.ErrUnchanged},
		{name: "a member cannot correct",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.CorrectTopic(owner, "mine") },
			err:   domain.ErrForbidden},
		{name: "nothing to correct after retention",
			given: []domain.Event{opened, closed, expired},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.CorrectTopic(staff, "late") },
			err:   domain.ErrConflict},
		{name: "staff moves the ticket to another category, closed or not",
			given: []domain.Event{opened, closed},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.ChangeCategory(staff, "billing") },
			then:  []domain.Event{ticket.CategoryChanged{Ticket: tid, By: staffU, Category: "billing", Previous: "general"}}},
		{name: "moving to the same category changes nothing",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.ChangeCategory(staff, "general") },
			err:   domain.ErrUnchanged},
		{name: "a member cannot move a ticket",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.ChangeCategory(nobody, "billing") },
			err:   domain.ErrForbidden},
	})
}

// Every decision that a person asks for refuses a ticket of another server,
// and a button's or form's request from outside the ticket's channel, before
// any other rule: an id from outside is checked against where it came from.
func TestEveryDecisionRefusesATicketFromElsewhere(t *testing.T) {
	attached := ticket.ChannelAttached{Ticket: tid, Channel: chanC}
	foreignAdmin := ticket.Participant{User: staffU, Staff: true, Guild: guildG + 1}
	otherChannel := ticket.Participant{User: staffU, Staff: true, Guild: guildG, Channel: chanC + 1}
	noGuild := ticket.Participant{User: staffU, Staff: true}
	byDM := ticket.Participant{User: opener, Guild: guildG, Direct: true} // the opener, but from a DM
	decisions := map[string]func(ticket.Ticket, ticket.Participant) ([]domain.Event, error){
		"claim": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) {
			return tk.Claim(p, guild.ClaimLabel)
		},
		"unclaim": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) { return tk.Unclaim(p) },
		"add":     func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) { return tk.AddMember(p, friend) },
		"remove": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) {
			return tk.RemoveMember(p, friend)
		},
		"rename": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) { return tk.Rename(p, "x") },
		"topic":  func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) { return tk.CorrectTopic(p, "x") },
		"category": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) {
			return tk.ChangeCategory(p, "billing")
		},
		"priority": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) {
			return tk.SetPriority(p, ticket.PriorityUrgent)
		},
		"close": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) { return tk.Close(p, "", t0) },
		"reopen": func(tk ticket.Ticket, p ticket.Participant) ([]domain.Event, error) {
			r, err := tk.Reopen(p, settings(), member.Holdings{}, nil, t0)
			return r.Ticket, err
		},
	}
	var scenarios []scenario
	for name, decide := range decisions {
		given := []domain.Event{opened, attached}
		if name == "reopen" {
			given = append(given, closed)
		}
		for who, p := range map[string]ticket.Participant{"another server's admin": foreignAdmin,
			"staff in another channel": otherChannel, "someone from no server": noGuild, "the opener by DM": byDM} {
			scenarios = append(scenarios, scenario{name: name + " by " + who, given: given, err: ticket.ErrNotHere,
				when: func(tk ticket.Ticket) ([]domain.Event, error) { return decide(tk, p) }})
		}
		inChannel := staff
		inChannel.Channel = chanC
		if _, err := decide(ticket.FromHistory(given), inChannel); errors.Is(err, ticket.ErrNotHere) {
			t.Errorf("%s in the ticket's own channel was refused: %v", name, err)
		}
	}
	run(t, scenarios)
	if !errors.Is(ticket.ErrNotHere, domain.ErrNotFound) {
		t.Fatal("a ticket elsewhere must look missing (ErrNotFound)")
	}
}

// A retention job only nominates a ticket; the ticket decides: due from its
// close plus its server's retention, never while open or once expired.
func TestATranscriptIsDueAfterItsServersRetention(t *testing.T) {
	closedTk := ticket.FromHistory([]domain.Event{opened, closed})
	if _, due := closedTk.TranscriptDue(30, closed.At.AddDate(0, 0, 30).Add(-time.Second)); due {
		t.Fatal("due a second early")
	}
	because, due := closedTk.TranscriptDue(30, closed.At.AddDate(0, 0, 30))
	if !due || because != "retention: closed 2026-11-01, this server keeps transcripts 30 days" {
		t.Fatalf("at 30 days: due %v, because %q", due, because)
	}
	if _, due := closedTk.TranscriptDue(90, closed.At.AddDate(0, 0, 30)); due {
		t.Fatal("due although the server keeps transcripts 90 days")
	}
	reopened := ticket.FromHistory([]domain.Event{opened, closed, ticket.Reopened{Ticket: tid, By: staffU, At: t0.Add(2 * time.Hour)}})
	if _, due := reopened.TranscriptDue(1, t0.AddDate(1, 0, 0)); due {
		t.Fatal("a reopened ticket is due")
	}
	expired := ticket.FromHistory([]domain.Event{opened, closed, ticket.TranscriptExpired{Ticket: tid, ClosedAt: closed.At, RetentionDays: 30, At: closed.At.AddDate(0, 0, 30)}})
	if _, due := expired.TranscriptDue(30, t0.AddDate(1, 0, 0)); due {
		t.Fatal("an expired ticket is due again")
	}
}

func TestOpenCooldownCategoryLimitsAndOpeningForSomeone(t *testing.T) {
	billing := guild.Category{Key: "billing", Name: "Billing", Limit: 1, Questions: []guild.Question{{Label: "Order number", Required: true}}}
	other := domain.TicketID("01JD7Q4V3S8X2N6M5K4J3H2G1Z")
	third := domain.TicketID("01JD7Q4V3S8X2N6M5K4J3H2G2A")
	g := settings(guild.TicketLimitSet{Guild: guildG, Limit: 5, Previous: 1}, guild.CategoryAdded{Guild: guildG, Category: billing},
		guild.CategoryAdded{Guild: guildG, Category: guild.Category{Key: "other", Name: "Other"}},
		guild.OpenCooldownSet{Guild: guildG, Minutes: 30})
	openBilling := ticket.Opened{Ticket: tid, Guild: guildG, Number: 1, Opener: opener, Category: "billing", At: t0}
	holdings := member.FromHistory(guildG, opener, []domain.Event{member.TicketReserved{Guild: guildG, User: opener, Ticket: tid, At: t0}})
	held := map[domain.TicketID]ticket.Ticket{tid: ticket.FromHistory([]domain.Event{openBilling})}
	req := func(cat string) ticket.OpenRequest {
		r := ticket.OpenRequest{Ticket: other, Opener: opener, Category: cat}
		if cat == "billing" {
			r.Answers = []string{"#1"}
		}
		return r
	}
	later := t0.Add(31 * time.Minute)

	if _, err := ticket.Open(req("other"), g, holdings, held, t0.Add(29*time.Minute)); !errors.Is(err, domain.ErrConflict) ||
		!refusedWith(err, "ticket.open_cooldown", "Unix", t0.Add(30*time.Minute).Unix()) {
		t.Fatalf("within the wait: %v", err)
	}
	if _, err := ticket.Open(req("other"), g, holdings, held, later); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	if _, err := ticket.Open(req("billing"), g, holdings, held, later); !errors.Is(err, domain.ErrForbidden) ||
		!refusedWith(err, "ticket.category_limit_reached", "Category", "Billing") {
		t.Fatalf("a second billing ticket: %v", err)
	}
	// An open in flight (its slot taken, its ticket not yet recorded) counts too.
	inFlight := member.FromHistory(guildG, opener, []domain.Event{member.TicketReserved{Guild: guildG, User: opener, Ticket: tid, At: later, Category: "billing"}})
	if _, err := ticket.Open(req("billing"), g, inFlight, nil, later.Add(time.Second)); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a billing open in flight: %v", err)
	}
	// The wait counts from the last open even once that ticket closed.
	closedBilling := map[domain.TicketID]ticket.Ticket{tid: ticket.FromHistory([]domain.Event{openBilling, ticket.Closed{Ticket: tid, At: t0}})}
	released := member.FromHistory(guildG, opener, []domain.Event{member.TicketReserved{Guild: guildG, User: opener, Ticket: tid, At: t0},
		member.TicketReleased{Guild: guildG, User: opener, Ticket: tid}})
	if _, err := ticket.Open(req("billing"), g, released, closedBilling, t0.Add(time.Minute)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("closed at once and opened again: %v", err)
	}

	// Staff open for the member: none of the member's limits, no form.
	forMember := ticket.OpenRequest{Ticket: third, Opener: opener, By: staffU, ByStaff: true, Category: "billing", Topic: "from a DM"}
	got, err := ticket.Open(forMember, g, holdings, held, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("staff opening for the member: %v", err)
	}
	evs, _ := got.Numbered(2)
	if o := evs[0].(ticket.Opened); o.By != staffU || o.Opener != opener || o.Personal.Topic != "from a DM" {
		t.Fatalf("opened for the member: %+v", o)
	}
	forMember.ByStaff = false
	if _, err := ticket.Open(forMember, g, holdings, held, t0.Add(time.Minute)); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a member opening for another: %v", err)
	}
}

func TestAClaimThatKeepsOtherStaffOut(t *testing.T) {
	colleague := ticket.Participant{User: 999, Staff: true, Guild: guildG}
	admin := ticket.Participant{User: 998, Staff: true, Admin: true, Guild: guildG}
	hidden := ticket.Claimed{Ticket: tid, By: staffU, Mode: guild.ClaimHides}
	labelled := ticket.Claimed{Ticket: tid, By: staffU}
	run(t, []scenario{
		{name: "a claim records the server's mode",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(staff, guild.ClaimReadOnly) },
			then:  []domain.Event{ticket.Claimed{Ticket: tid, By: staffU, Mode: guild.ClaimReadOnly}}},
		{name: "another staff member may not close a hidden claim",
			given: []domain.Event{opened, hidden},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Close(colleague, "", t0) },
			err:   domain.ErrForbidden},
		{name: "nor rename it",
			given: []domain.Event{opened, hidden},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Rename(colleague, "x") },
			err:   domain.ErrForbidden},
		{name: "nor unclaim it",
			given: []domain.Event{opened, hidden},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Unclaim(colleague) },
			err:   domain.ErrForbidden},
		{name: "an admin may",
			given: []domain.Event{opened, hidden},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Unclaim(admin) },
			then:  []domain.Event{ticket.Unclaimed{Ticket: tid, By: 998, Previous: staffU, Mode: guild.ClaimHides}}},
		{name: "the opener still closes their own ticket",
			given: []domain.Event{opened, hidden},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Close(owner, "", t0) },
			then:  []domain.Event{ticket.Closed{Ticket: tid, By: opener, At: t0}}},
		{name: "a label keeps nobody out",
			given: []domain.Event{opened, labelled},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.SetPriority(colleague, ticket.PriorityHigh) },
			then:  []domain.Event{ticket.PrioritySet{Ticket: tid, By: 999, Priority: ticket.PriorityHigh, Previous: ticket.PriorityNormal}}},
		{name: "the claimer hands it over; the claim keeps its mode",
			given: []domain.Event{opened, hidden},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Transfer(staff, 999, true, guild.ClaimLabel) },
			then:  []domain.Event{ticket.Transferred{Ticket: tid, By: staffU, From: staffU, To: 999, Mode: guild.ClaimHides}}},
		{name: "a colleague may not take it",
			given: []domain.Event{opened, hidden},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Transfer(colleague, 999, true, guild.ClaimLabel)
			},
			err: domain.ErrForbidden},
		{name: "only to staff",
			given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Transfer(staff, opener, false, guild.ClaimLabel)
			},
			err: domain.ErrInvalid},
		{name: "an unclaimed ticket is assigned in the server's mode",
			given: []domain.Event{opened},
			when: func(tk ticket.Ticket) ([]domain.Event, error) {
				return tk.Transfer(staff, 999, true, guild.ClaimReadOnly)
			},
			then: []domain.Event{ticket.Transferred{Ticket: tid, By: staffU, To: 999, Mode: guild.ClaimReadOnly}}},
	})
	after := ticket.FromHistory([]domain.Event{opened, hidden, ticket.Transferred{Ticket: tid, By: staffU, From: staffU, To: 999, Mode: guild.ClaimHides}})
	if after.Claimer() != 999 || after.ClaimMode() != guild.ClaimHides {
		t.Fatalf("after the transfer: claimer %v, mode %q", after.Claimer(), after.ClaimMode())
	}
}

func TestACategorysOwnTeamHandlesItsTickets(t *testing.T) {
	serverStaff := ticket.Participant{User: 999, Staff: true, Guild: guildG, Excluded: []string{"general"}}
	team := ticket.Participant{User: 998, Guild: guildG, Teams: []string{"general"}}
	run(t, []scenario{
		{name: "the server's staff, when the team replaces them, may not claim",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(serverStaff, guild.ClaimLabel) },
			err:   domain.ErrForbidden},
		{name: "the team may, without being the server's staff",
			given: []domain.Event{opened},
			when:  func(tk ticket.Ticket) ([]domain.Event, error) { return tk.Claim(team, guild.ClaimLabel) },
			then:  []domain.Event{ticket.Claimed{Ticket: tid, By: 998}}},
	})
}

func TestAClosesConsequencesBelongToTheCloseThatStands(t *testing.T) {
	closedAt2 := ticket.Closed{Ticket: tid, By: staff.User, At: t0.Add(time.Hour)}
	reopened := ticket.Reopened{Ticket: tid, By: staff.User, At: t0.Add(2 * time.Hour)}
	once := ticket.FromHistory([]domain.Event{opened, closedAt2})
	if !once.ClosedBy(2) || once.ClosedBy(1) {
		t.Fatal("a ticket closed by its second event is not closed by it")
	}
	again := ticket.FromHistory([]domain.Event{opened, closedAt2, reopened, closedAt2})
	if again.ClosedBy(2) || !again.ClosedBy(4) {
		t.Fatal("after a reopen, the earlier close still stands")
	}
	if ticket.FromHistory([]domain.Event{opened, closedAt2, reopened}).ClosedBy(2) {
		t.Fatal("a reopened ticket is closed by its earlier close")
	}
}
