package ticket

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketify/ticketify/domain"
)

// MaxNoteLength bounds a staff note (a message's length on Discord).
const MaxNoteLength = 2000

// NotePersonal is a note's text: the writer's personal data, sealed under
// their key for this ticket.
type NotePersonal struct {
	Text string `json:"text"`
}

// NoteAdded records a private note staff wrote about the ticket. It is
// never posted in the channel nor part of a transcript: staff read it on
// the dashboard. Like the writer's messages in the ticket it is theirs —
// in their export, erased with them, gone when the ticket's transcript
// expires — and not in the opener's export.
type NoteAdded struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	At       time.Time       `json:"at"`
	Personal NotePersonal    `json:"personal"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (NoteAdded) EventType() string { return "ticket.note_added.v1" }

// DataOwner implements domain.PersonalEvent: the note is its writer's.
func (e NoteAdded) DataOwner() domain.DataOwner { return owner(e.By, e.Ticket) }

// AddNote decides a staff note on the ticket, open or closed.
func (t Ticket) AddNote(by Participant, text string, now time.Time) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actAddNote); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.note_empty")
	case utf8.RuneCountInString(text) > MaxNoteLength:
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.note_too_long", "Max", MaxNoteLength)
	case t.expired:
		return nil, domain.Refuse(domain.ErrConflict, "ticket.note_transcript_expired")
	}
	return []domain.Event{NoteAdded{Ticket: t.id, By: by.User, At: now, Personal: NotePersonal{Text: text}}}, nil
}
