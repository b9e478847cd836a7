package app

import (
	"context"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // support hours name IANA zones: known on every machine, whatever it has installed

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
)

// OpenTicket is a member asking for a ticket, or staff opening one for a
// member (By: who asks, when not the opener).
type OpenTicket struct {
	Guild    domain.GuildID
	Opener   domain.UserID
	By       guild.Member
	Roles    []domain.RoleID
	Category string
	Topic    string
	Answers  []string
	About    string // a quoted message (ticket.OpenRequest.About)
	// OpenerName is the opener's user name, for a channel naming scheme.
	OpenerName string
	Meta       Meta
}

// Opened tells which ticket an open created.
type Opened struct {
	Ticket domain.TicketID
	Number int64
	// Again is true when the command had already opened this ticket.
	Again bool
	// OutsideHours says it was opened outside the server's support hours,
	// which open again at NextOpening (zero: not within a year).
	OutsideHours bool
	NextOpening  time.Time
}

// zone loads a support-hours time zone (the program embeds the time zone
// database, time/tzdata, so every IANA name is known everywhere).
func zone(name string) (*time.Location, bool) {
	if name == "" || name == "Local" {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

// TicketNumberKey names a guild's ticket-number sequence.
func TicketNumberKey(g domain.GuildID) string { return "ticket-number/" + g.String() }

// OpenTicket opens a ticket in two appends: a slot on the member's stream
// (which serialises every open of that member, so the limit is exact under
// any concurrency), then the ticket's own stream.
func (a *App) OpenTicket(ctx context.Context, cmd OpenTicket) (Opened, error) {
	now := a.clock()
	settings, err := a.Settings(ctx, cmd.Guild)
	if err != nil {
		return Opened{}, err
	}
	forSomeone := !cmd.By.User.IsZero() && cmd.By.User != cmd.Opener
	var outside bool
	var next time.Time
	if h := settings.SupportHours(); h.Enabled() && !forSomeone { // staff opening for a member are the support
		if loc, ok := zone(h.Zone); ok {
			if outside, next, err = h.Admit(now, loc); err != nil {
				return Opened{}, err
			}
		}
	}
	id := a.newID(now)
	req := ticket.OpenRequest{Ticket: id, Opener: cmd.Opener, Roles: cmd.Roles,
		Category: cmd.Category, Topic: cmd.Topic, Answers: cmd.Answers, About: cmd.About, OpenerName: cmd.OpenerName}
	if forSomeone {
		req.By, req.ByStaff = cmd.By.User, settings.IsStaff(cmd.By.Roles, cmd.By.ManageServer)
	}

	var opening ticket.Opening
	reserved, err := a.store.Update(ctx, member.Stream(cmd.Guild, cmd.Opener), a.meta(cmd.Meta, cmd.Guild, "reserve", now),
		func(h eventstore.History) ([]domain.Event, error) {
			holdings := member.FromHistory(cmd.Guild, cmd.Opener, h.Events)
			held, err := a.heldTickets(ctx, holdings)
			if err != nil {
				return nil, err
			}
			opening, err = ticket.Open(req, settings, holdings, held, now)
			return opening.Reservation, err
		})
	if err != nil {
		return Opened{}, fmt.Errorf("open ticket: %w", err)
	}
	reservedAt := now
	if reserved.AlreadyStored {
		// The same command ran before: finish what it started.
		if id, reservedAt, err = a.storedReservation(ctx, reserved.StoredCommit); err != nil {
			return Opened{}, err
		}
		t, err := a.Ticket(ctx, id)
		if err != nil {
			return Opened{}, err
		}
		if t.Exists() {
			return Opened{Ticket: id, Number: t.Number(), Again: true}, nil
		}
		h, err := a.store.Load(ctx, member.Stream(cmd.Guild, cmd.Opener))
		if err != nil {
			return Opened{}, err
		}
		holdings := member.FromHistory(cmd.Guild, cmd.Opener, h.Events).Without(id)
		held, err := a.heldTickets(ctx, holdings)
		if err != nil {
			return Opened{}, err
		}
		req.Ticket = id
		if opening, err = ticket.Open(req, settings, holdings, held, reservedAt); err != nil {
			return Opened{}, err
		}
	}
	// A number is claimed only for an open the grace does not refuse (so
	// refusals leave no gaps; the one exception is a claim that itself
	// outlasts the 2-minute grace), and a command run again after a crash
	// takes the number its first attempt claimed, if it got that far.
	if err := ticket.ConfirmOpen(ticket.Ticket{}, reservedAt, a.clock()); err != nil {
		return Opened{}, err
	}
	key := TicketNumberKey(cmd.Guild)
	var number int64
	found := false
	if reserved.AlreadyStored {
		if number, found, err = a.numbers.Claimed(ctx, key, string(id), reservedAt); err != nil {
			return Opened{}, fmt.Errorf("open ticket: %w", err)
		}
	}
	if !found {
		if number, err = a.numbers.Claim(ctx, key, string(id)); err != nil {
			return Opened{}, fmt.Errorf("open ticket: %w", err)
		}
	}
	// The ticket's stream is new (a fresh id), so there is nothing to load:
	// append at NoStream. A retry of this command is caught by its commit id.
	now = a.clock()
	if err := ticket.ConfirmOpen(ticket.Ticket{}, reservedAt, now); err != nil {
		return Opened{}, err
	}
	events, err := opening.Numbered(number)
	if err != nil {
		return Opened{}, err
	}
	res, err := a.store.Append(ctx, ticket.Stream(id), eventstore.NoStream, a.meta(cmd.Meta, cmd.Guild, "open", now), events...)
	if err != nil {
		return Opened{}, fmt.Errorf("open ticket: %w", err)
	}
	if res.AlreadyStored {
		// Another delivery of the same command opened it meanwhile (with the
		// number it claimed): answer with that ticket's number.
		t, err := a.Ticket(ctx, id)
		if err != nil {
			return Opened{}, err
		}
		return Opened{Ticket: id, Number: t.Number(), Again: true}, nil
	}
	return Opened{Ticket: id, Number: number, Again: reserved.AlreadyStored, OutsideHours: outside, NextOpening: next}, nil
}

func (a *App) storedReservation(ctx context.Context, c eventstore.StoredCommit) (domain.TicketID, time.Time, error) {
	for _, env := range c.Envelopes() {
		d, err := a.store.Codec().Decode(ctx, env.Record)
		if err != nil {
			return "", time.Time{}, err
		}
		if r, ok := d.Event.(member.TicketReserved); ok {
			return r.Ticket, r.At, nil
		}
	}
	return "", time.Time{}, errors.New("open ticket: the stored reservation holds no ticket")
}

// heldTickets loads every ticket holding one of the member's slots.
func (a *App) heldTickets(ctx context.Context, h member.Holdings) (map[domain.TicketID]ticket.Ticket, error) {
	held := map[domain.TicketID]ticket.Ticket{}
	for _, r := range h.Reservations() {
		t, err := a.Ticket(ctx, r.Ticket)
		if err != nil {
			return nil, err
		}
		held[r.Ticket] = t
	}
	return held, nil
}

// updateTicket runs a decision on a ticket's stream. The ticket is read once
// first for its guild, which every event's envelope carries (the stream
// cache makes the update loop's own read a single lookup).
func (a *App) updateTicket(ctx context.Context, id domain.TicketID, m Meta, suffix string, decide func(ticket.Ticket, time.Time) ([]domain.Event, error)) (ticket.Ticket, error) {
	t, err := a.Ticket(ctx, id)
	if err != nil {
		return t, err
	}
	now := a.clock()
	_, err = a.store.Update(ctx, ticket.Stream(id), a.meta(m, t.Guild(), suffix, now), func(h eventstore.History) ([]domain.Event, error) {
		t = ticket.FromHistory(h.Events)
		return decide(t, now)
	})
	if err != nil {
		return t, fmt.Errorf("ticket %s: %w", id, err)
	}
	return t, nil
}

// Claim makes a staff member the ticket's handler, in the claim mode the
// server sets for the ticket's category.
func (a *App) Claim(ctx context.Context, id domain.TicketID, by ticket.Participant, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) {
		s, err := a.Settings(ctx, t.Guild())
		if err != nil {
			return nil, err
		}
		return t.Claim(by, s.ClaimMode(t.Category()))
	})
	return err
}

// Transfer hands a ticket to another member of staff — staff for the
// ticket's category, its own team included.
func (a *App) Transfer(ctx context.Context, id domain.TicketID, by ticket.Participant, to guild.Member, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) {
		s, err := a.Settings(ctx, t.Guild())
		if err != nil {
			return nil, err
		}
		teams, excluded := s.TeamsOf(to.Roles)
		target := ticket.Participant{User: to.User, Staff: s.IsStaff(to.Roles, to.ManageServer), Admin: to.ManageServer, Teams: teams, Excluded: excluded}
		return t.Transfer(by, to.User, target.StaffFor(t.Category()), s.ClaimMode(t.Category()))
	})
	return err
}

// Unclaim returns the ticket to the pool.
func (a *App) Unclaim(ctx context.Context, id domain.TicketID, by ticket.Participant, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) { return t.Unclaim(by) })
	return err
}

// AddMember adds someone to the ticket.
func (a *App) AddMember(ctx context.Context, id domain.TicketID, by ticket.Participant, who domain.UserID, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) { return t.AddMember(by, who) })
	return err
}

// RemoveMember removes someone from the ticket.
func (a *App) RemoveMember(ctx context.Context, id domain.TicketID, by ticket.Participant, who domain.UserID, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) { return t.RemoveMember(by, who) })
	return err
}

// Rename renames the ticket's channel.
func (a *App) Rename(ctx context.Context, id domain.TicketID, by ticket.Participant, name string, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) { return t.Rename(by, name) })
	return err
}

// SetPriority changes the priority.
func (a *App) SetPriority(ctx context.Context, id domain.TicketID, by ticket.Participant, p ticket.Priority, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) { return t.SetPriority(by, p) })
	return err
}

// CorrectTopic replaces a ticket's topic (staff).
func (a *App) CorrectTopic(ctx context.Context, id domain.TicketID, by ticket.Participant, topic string, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "topic", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) {
		return t.CorrectTopic(by, topic)
	})
	return err
}

// ChangeCategory moves a ticket to another of its guild's categories (staff).
func (a *App) ChangeCategory(ctx context.Context, id domain.TicketID, by ticket.Participant, category string, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "category", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) {
		evs, err := t.ChangeCategory(by, category) // first: it refuses another server's ticket
		if err != nil || category == ticket.DefaultCategory.Key {
			return evs, err
		}
		s, err := a.Settings(ctx, t.Guild())
		if err != nil {
			return nil, err
		}
		if _, ok := s.Category(category); !ok {
			return nil, domain.Refuse(domain.ErrInvalid, "app.category_unknown", "Category", category)
		}
		return evs, nil
	})
	return err
}

// CheckTicket tells whether a ticket may be acted on by by at all (it is in
// their server and, for a button, their channel), before a form is shown.
func (a *App) CheckTicket(ctx context.Context, id domain.TicketID, by ticket.Participant) error {
	t, err := a.Ticket(ctx, id)
	if err != nil {
		return err
	}
	return t.Admits(by)
}

// AttachChannel records the Discord channel created for the ticket (a
// private thread under threadOf, when that is set).
func (a *App) AttachChannel(ctx context.Context, id domain.TicketID, ch, threadOf domain.ChannelID, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "channel", func(t ticket.Ticket, _ time.Time) ([]domain.Event, error) { return t.AttachChannel(ch, threadOf) })
	return err
}

// Close closes the ticket and gives the opener's slot back.
func (a *App) Close(ctx context.Context, id domain.TicketID, by ticket.Participant, reason string, m Meta) error {
	t, err := a.updateTicket(ctx, id, m, "close", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.Close(by, reason, now)
	})
	if err != nil {
		return err
	}
	return a.release(ctx, t, "closed", m)
}

// LoseChannel records the ticket's channel deleted on Discord.
func (a *App) LoseChannel(ctx context.Context, id domain.TicketID, ch domain.ChannelID, m Meta) error {
	t, err := a.updateTicket(ctx, id, m, "channel-lost", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.LoseChannel(ch, now)
	})
	if err != nil {
		return err
	}
	return a.release(ctx, t, "channel lost", m)
}

// release gives a ticket's slot back. It is an optimisation: the limit
// checks the ticket's own state anyway, so a release lost to a crash costs
// nothing but a longer member stream.
func (a *App) release(ctx context.Context, t ticket.Ticket, reason string, m Meta) error {
	_, err := a.store.Update(ctx, member.Stream(t.Guild(), t.Opener()), a.meta(m, t.Guild(), "release", a.clock()),
		func(h eventstore.History) ([]domain.Event, error) {
			return member.FromHistory(t.Guild(), t.Opener(), h.Events).Release(t.ID(), reason), nil
		})
	return err
}

// Reopen reopens a closed ticket: a slot for the opener first, as for an open.
func (a *App) Reopen(ctx context.Context, id domain.TicketID, by ticket.Participant, m Meta) error {
	t, err := a.Ticket(ctx, id)
	if err != nil {
		return err
	}
	if err := t.Admits(by); err != nil {
		return err
	}
	settings, err := a.Settings(ctx, t.Guild())
	if err != nil {
		return err
	}
	now := a.clock()
	var re ticket.Reopening
	_, err = a.store.Update(ctx, member.Stream(t.Guild(), t.Opener()), a.meta(m, t.Guild(), "reserve", now),
		func(h eventstore.History) ([]domain.Event, error) {
			holdings := member.FromHistory(t.Guild(), t.Opener(), h.Events).Without(id)
			held, err := a.heldTickets(ctx, holdings)
			if err != nil {
				return nil, err
			}
			re, err = t.Reopen(by, settings, holdings, held, now)
			return re.Reservation, err
		})
	if err != nil {
		return fmt.Errorf("ticket %s: %w", id, err)
	}
	_, err = a.updateTicket(ctx, id, m, "reopen", func(cur ticket.Ticket, now time.Time) ([]domain.Event, error) {
		if cur.Version() != t.Version() {
			// It changed meanwhile: decide again on what it is now. The slot is
			// already taken on the member stream, so only the ticket's rules remain.
			r, err := cur.Reopen(by, settings, member.Holdings{}, nil, now)
			return r.Ticket, err
		}
		return re.Ticket, nil
	})
	return err
}

// ExpireTranscript runs retention on a closed ticket.
func (a *App) ExpireTranscript(ctx context.Context, id domain.TicketID, m Meta) error {
	t, err := a.Ticket(ctx, id)
	if err != nil {
		return err
	}
	settings, err := a.Settings(ctx, t.Guild())
	if err != nil {
		return err
	}
	_, err = a.updateTicket(ctx, id, m, "expire", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.ExpireTranscript(settings.RetentionDays(), now)
	})
	return err
}

// RecordMessagePosted captures a message from the ticket's channel. The
// command id is derived from the Discord message id, so a message seen twice
// (live and back-filled) is stored once.
func (a *App) RecordMessagePosted(ctx context.Context, g domain.GuildID, msg ticket.PostedMessage) error {
	e, err := ticket.RecordPosted(msg)
	if err != nil {
		return err
	}
	m := eventstore.Meta{CommandID: "message-posted/" + msg.Message.String(), Guild: g, At: a.clock(),
		Actor: domain.Actor{User: msg.Author, Source: domain.SourceDiscord}}
	_, err = a.store.Append(ctx, ticket.MessagesStream(msg.Ticket), eventstore.Any, m, e)
	return err
}

// RecordMessageEdited captures an edit; an edit at the same time is stored once.
func (a *App) RecordMessageEdited(ctx context.Context, g domain.GuildID, id domain.TicketID, msg domain.MessageID, author domain.UserID, content string, embeds []ticket.Embed, at time.Time) error {
	e, err := ticket.RecordEdited(id, msg, author, content, embeds, at)
	if err != nil {
		return err
	}
	m := eventstore.Meta{CommandID: fmt.Sprintf("message-edited/%s/%d", msg, at.UnixNano()), Guild: g, At: a.clock(),
		Actor: domain.Actor{User: author, Source: domain.SourceDiscord}}
	_, err = a.store.Append(ctx, ticket.MessagesStream(id), eventstore.Any, m, e)
	return err
}

// RecordMessageDeleted captures a deletion.
func (a *App) RecordMessageDeleted(ctx context.Context, g domain.GuildID, id domain.TicketID, msg domain.MessageID) error {
	e, err := ticket.RecordDeleted(id, msg, a.clock())
	if err != nil {
		return err
	}
	m := eventstore.Meta{CommandID: "message-deleted/" + msg.String(), Guild: g, At: a.clock(),
		Actor: domain.Actor{Source: domain.SourceDiscord}}
	_, err = a.store.Append(ctx, ticket.MessagesStream(id), eventstore.Any, m, e)
	return err
}
