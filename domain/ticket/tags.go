package ticket

import (
	"time"

	"github.com/ticketify/ticketify/domain"
)

// TagPosted records a staff member posting a saved answer (tag.Tag) in
// the ticket. The bot posts its text; for the ticket's clocks (reminders,
// auto-close, first response) it is that staff member's answer.
type TagPosted struct {
	Ticket domain.TicketID `json:"ticket"`
	Tag    string          `json:"tag"`
	By     domain.UserID   `json:"by"`
	At     time.Time       `json:"at"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (TagPosted) EventType() string { return "ticket.tag_posted.v1" }

// PostTag decides staff posting a saved answer in the ticket; name is a
// tag the server has (the caller looked it up).
func (t Ticket) PostTag(by Participant, name string, now time.Time) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actPostTag); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actPostTag); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actPostTag); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.tag_missing")
	}
	return []domain.Event{TagPosted{Ticket: t.id, Tag: name, By: by.User, At: now}}, nil
}
