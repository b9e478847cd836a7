// Package member is the per-guild-member aggregate that makes the open ticket
// limit exact. Its stream, "member/<guild>/<user>", is the lock every open and
// reopen by that member goes through: a ticket takes a slot here (a
// reservation, appended with an expected version) before its own stream
// records it as open, so concurrent opens by one member serialise on this
// stream and exactly as many succeed as the limit allows.
package member

import (
	"slices"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Stream returns the stream of a guild member's ticket holdings.
func Stream(guild domain.GuildID, user domain.UserID) string {
	return "member/" + guild.String() + "/" + user.String()
}

// TicketReserved records that a ticket took one of the member's open slots.
type TicketReserved struct {
	Guild  domain.GuildID  `json:"guild"`
	User   domain.UserID   `json:"user"`
	Ticket domain.TicketID `json:"ticket"`
	At     time.Time       `json:"at"`
	// Category is the ticket's category (absent in older events), so an
	// open in flight counts against a per-category limit too.
	Category string `json:"category,omitempty"`
}

// TicketReleased records that a ticket gave its slot back (closed, channel
// lost, or an open that never completed).
type TicketReleased struct {
	Guild  domain.GuildID  `json:"guild"`
	User   domain.UserID   `json:"user"`
	Ticket domain.TicketID `json:"ticket"`
	Reason string          `json:"reason"`
}

// LeftGuild records that the member left the guild (a Discord-side fact).
type LeftGuild struct {
	Guild domain.GuildID `json:"guild"`
	User  domain.UserID  `json:"user"`
}

// WARNING: these names are stored; never change them.
func (TicketReserved) EventType() string { return "member.ticket_reserved.v1" }
func (TicketReleased) EventType() string { return "member.ticket_released.v1" }
func (LeftGuild) EventType() string      { return "member.left_guild.v1" }

// Events lists one value of every event type of this aggregate, for codecs.
func Events() []domain.Event { return []domain.Event{TicketReserved{}, TicketReleased{}, LeftGuild{}} }

// Reservation is a ticket holding one of the member's slots since At.
type Reservation struct {
	Ticket   domain.TicketID
	At       time.Time
	Category string
}

// Holdings are a member's current reservations in one guild.
type Holdings struct {
	guild        domain.GuildID
	user         domain.UserID
	version      int64
	reservations []Reservation
	// opens are every ticket the member took a slot for, released or not:
	// the latest is when they last opened one (the open cooldown).
	opens []Reservation
	left  bool
}

// FromHistory folds a member stream.
func FromHistory(guild domain.GuildID, user domain.UserID, history []domain.Event) Holdings {
	h := Holdings{guild: guild, user: user}
	for _, e := range history {
		h.version++
		switch e := e.(type) {
		case TicketReserved:
			h.reservations = slices.DeleteFunc(h.reservations, func(r Reservation) bool { return r.Ticket == e.Ticket })
			h.reservations = append(h.reservations, Reservation{Ticket: e.Ticket, At: e.At, Category: e.Category})
			h.opens = append(slices.DeleteFunc(h.opens, func(r Reservation) bool { return r.Ticket == e.Ticket }), Reservation{Ticket: e.Ticket, At: e.At})
			h.left = false
		case TicketReleased:
			h.reservations = slices.DeleteFunc(h.reservations, func(r Reservation) bool { return r.Ticket == e.Ticket })
		case LeftGuild:
			h.left = true
		}
	}
	return h
}

// Version returns how many events the holdings were folded from.
func (h Holdings) Version() int64 { return h.version }

// Reservations returns the tickets holding slots, oldest first.
func (h Holdings) Reservations() []Reservation { return slices.Clone(h.reservations) }

// Holds reports whether a ticket holds a slot.
func (h Holdings) Holds(t domain.TicketID) bool {
	return slices.ContainsFunc(h.reservations, func(r Reservation) bool { return r.Ticket == t })
}

// Reserve decides a slot for a ticket. The caller has already decided the
// limit allows it (that needs the held tickets' states, see ticket.Open).
// Reserving a ticket that already holds a slot renews it: every open and
// reopen appends here, which is what serialises them.
func (h Holdings) Reserve(t domain.TicketID, category string, now time.Time) []domain.Event {
	return []domain.Event{TicketReserved{Guild: h.guild, User: h.user, Ticket: t, At: now, Category: category}}
}

// Release gives a ticket's slot back. Releasing a ticket that holds none is a
// no-op, so every caller may release without checking first.
func (h Holdings) Release(t domain.TicketID, reason string) []domain.Event {
	if !h.Holds(t) {
		return nil
	}
	return []domain.Event{TicketReleased{Guild: h.guild, User: h.user, Ticket: t, Reason: reason}}
}

// RecordLeft decides the member leaving the guild.
func (h Holdings) RecordLeft() []domain.Event {
	if h.left {
		return nil
	}
	return []domain.Event{LeftGuild{Guild: h.guild, User: h.user}}
}

// Without returns the holdings as if ticket t held no slot: for re-deciding
// an open whose own reservation is already stored.
func (h Holdings) Without(t domain.TicketID) Holdings {
	h.reservations = slices.DeleteFunc(slices.Clone(h.reservations), func(r Reservation) bool { return r.Ticket == t })
	h.opens = slices.DeleteFunc(slices.Clone(h.opens), func(r Reservation) bool { return r.Ticket == t })
	return h
}

// LastOpened returns when the member last took a slot for a ticket (zero:
// never), whether that ticket is still open or not.
func (h Holdings) LastOpened() time.Time {
	var last time.Time
	for _, r := range h.opens {
		if r.At.After(last) {
			last = r.At
		}
	}
	return last
}
