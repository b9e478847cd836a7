// Package privacy is the erasure ledger: requests to erase a person's or a
// server's data, and their receipts. A request is recorded before any key is
// destroyed, so an erasure interrupted midway is found and finished at the
// next start; the receipt says what was erased and holds no personal data.
package privacy

import (
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Stream is the ledger's stream: every request and receipt, in order.
const Stream = "privacy/erasures"

// ErasureRequested records that someone asked for an erasure.
type ErasureRequested struct {
	Request string    `json:"request"` // the request's id; the receipt names it
	Subject string    `json:"subject"` // "user:<id>" or "guild:<id>"
	At      time.Time `json:"at"`
}

// UserErased is the receipt of a person's erasure: their keys are destroyed
// (their words in every ticket, form answers, close reasons, names and
// avatar), their sessions deleted, and the listed tickets scrubbed.
type UserErased struct {
	Request string            `json:"request"`
	User    domain.UserID     `json:"user"`
	Tickets []domain.TicketID `json:"tickets"` // tickets that held their data
	Keys    int               `json:"keys"`    // keys destroyed by this erasure
	At      time.Time         `json:"at"`
}

// GuildErased is the receipt of a server's erasure: the keys of every ticket
// of the server are destroyed and the tickets scrubbed.
type GuildErased struct {
	Request string            `json:"request"`
	Guild   domain.GuildID    `json:"guild"`
	Tickets []domain.TicketID `json:"tickets"`
	Keys    int               `json:"keys"`
	At      time.Time         `json:"at"`
}

// EventType is stored; never change it.
func (ErasureRequested) EventType() string { return "privacy.erasure_requested.v1" }

// EventType is stored; never change it.
func (UserErased) EventType() string { return "privacy.user_erased.v1" }

// EventType is stored; never change it.
func (GuildErased) EventType() string { return "privacy.guild_erased.v1" }

// Events lists the event types of this package, for codecs.
func Events() []domain.Event { return []domain.Event{ErasureRequested{}, UserErased{}, GuildErased{}} }

// Request is an erasure asked for and not finished.
type Request struct {
	ID      string
	Subject string
}

// Ledger is the erasures asked for and not finished yet.
type Ledger struct {
	pending []Request
}

// FromHistory folds the ledger's stream.
func FromHistory(history []domain.Event) Ledger {
	var l Ledger
	for _, e := range history {
		switch ev := e.(type) {
		case ErasureRequested:
			l.pending = append(l.pending, Request{ID: ev.Request, Subject: ev.Subject})
		case UserErased:
			l.done(ev.Request)
		case GuildErased:
			l.done(ev.Request)
		}
	}
	return l
}

func (l *Ledger) done(id string) {
	l.pending = slices.DeleteFunc(l.pending, func(r Request) bool { return r.ID == id })
}

// Pending lists the unfinished requests, oldest first.
func (l Ledger) Pending() []Request { return slices.Clone(l.pending) }

// ValidSubject says whether a subject names a user or a guild by id.
func ValidSubject(subject string) bool {
	kind, id, ok := strings.Cut(subject, ":")
	if !ok || (kind != "user" && kind != "guild") {
		return false
	}
	if kind == "user" {
		_, err := domain.ParseUserID(id)
		return err == nil
	}
	_, err := domain.ParseGuildID(id)
	return err == nil
}

// RequestErasure records a request; a subject with an unfinished request
// joins it (the returned id is that request's).
func (l Ledger) RequestErasure(subject, id string, now time.Time) ([]domain.Event, string, error) {
	if !ValidSubject(subject) {
		return nil, "", domain.Refuse(domain.ErrInvalid, "privacy.erasure_subject_invalid")
	}
	if i := slices.IndexFunc(l.pending, func(r Request) bool { return r.Subject == subject }); i >= 0 {
		return nil, l.pending[i].ID, nil
	}
	if id == "" {
		return nil, "", domain.Refuse(domain.ErrInvalid, "privacy.erasure_request_id_missing")
	}
	return []domain.Event{ErasureRequested{Request: id, Subject: subject, At: now}}, id, nil
}

// Complete records the receipt of a pending request.
func (l Ledger) Complete(receipt domain.Event) ([]domain.Event, error) {
	var id, subject string
	switch r := receipt.(type) {
	case UserErased:
		id, subject = r.Request, "user:"+r.User.String()
	case GuildErased:
		id, subject = r.Request, "guild:"+r.Guild.String()
	default:
		return nil, domain.Refuse(domain.ErrInvalid, "privacy.not_an_erasure_receipt")
	}
	i := slices.IndexFunc(l.pending, func(r Request) bool { return r.ID == id })
	if i < 0 {
		return nil, domain.Refuse(domain.ErrConflict, "privacy.erasure_not_pending", "Request", id)
	}
	if l.pending[i].Subject != subject {
		return nil, domain.Refuse(domain.ErrInvalid, "privacy.receipt_subject_mismatch")
	}
	return []domain.Event{receipt}, nil
}
