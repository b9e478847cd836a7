package ticket

import (
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Feedback bounds.
const (
	// FeedbackWindow is how long after the close the opener may rate, or
	// change their rating.
	FeedbackWindow     = 24 * time.Hour
	MaxFeedbackComment = 1000
)

// RatedPersonal is the opener's comment: sealed under their key.
type RatedPersonal struct {
	Comment string `json:"comment,omitempty"`
}

// Rated records the opener's rating of a closed ticket, 1 to 5 stars. A
// later rating within the window replaces it.
type Rated struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	Stars    int             `json:"stars"`
	At       time.Time       `json:"at"`
	Personal RatedPersonal   `json:"personal"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (Rated) EventType() string { return "ticket.rated.v1" }

// DataOwner implements domain.PersonalEvent: the comment is the opener's.
func (e Rated) DataOwner() domain.DataOwner { return owner(e.By, e.Ticket) }

// Rating returns the ticket's latest rating, 0 when none.
func (t Ticket) Rating() int { return t.rating }

// Rate decides the opener's rating of their closed ticket: 1 to 5 stars
// and an optional comment, changeable for FeedbackWindow after the close.
// The opener may rate from the ticket's channel or from the direct message
// that asked them.
func (t Ticket) Rate(by Participant, stars int, comment string, now time.Time) ([]domain.Event, error) {
	if err := t.admitsOpenerByDM(by); err != nil {
		return nil, err
	}
	if by.User != t.opener {
		return nil, domain.Refuse(domain.ErrForbidden, "ticket.rate_not_opener")
	}
	if t.status != StatusClosed {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.rate_not_closed")
	}
	if now.After(t.closedAt.Add(FeedbackWindow)) {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.rate_window_over", "Hours", int(FeedbackWindow.Hours()))
	}
	if stars < 1 || stars > 5 {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.rating_out_of_range")
	}
	comment = strings.TrimSpace(comment)
	if len(comment) > MaxFeedbackComment {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.rate_comment_too_long", "Max", MaxFeedbackComment)
	}
	return []domain.Event{Rated{Ticket: t.id, By: by.User, Stars: stars, At: now, Personal: RatedPersonal{Comment: comment}}}, nil
}
