package ticket

import (
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Bounds of a close request's deadline.
const (
	MinCloseRequestAfter = 5 * time.Minute
	MaxCloseRequestAfter = 30 * 24 * time.Hour
)

// PendingCloseRequest returns the unanswered close request, if any.
func (t Ticket) PendingCloseRequest() (CloseRequested, bool) {
	if t.pending == nil {
		return CloseRequested{}, false
	}
	return *t.pending, true
}

// RequestClose decides staff asking the opener to agree to close; after,
// when not zero, closes the ticket if nobody answers in that time. A request
// still unanswered is replaced.
func (t Ticket) RequestClose(by Participant, reason string, after time.Duration, now time.Time) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actAskToClose); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actAskToClose); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actAskToClose); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > MaxReasonLength {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.close_request_reason_too_long", "Max", MaxReasonLength)
	}
	if after != 0 && (after < MinCloseRequestAfter || after > MaxCloseRequestAfter) {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.close_request_wait_out_of_range")
	}
	r := CloseRequested{Ticket: t.id, N: t.requests + 1, By: by.User, At: now, Personal: CloseRequestPersonal{Reason: reason}}
	if after > 0 {
		r.Deadline = now.Add(after)
	}
	return []domain.Event{r}, nil
}

// AnswerCloseRequest decides the answer to close request n: the opener's,
// or staff's overriding it. Accepting closes the ticket.
func (t Ticket) AnswerCloseRequest(by Participant, n int, accept bool, now time.Time) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actAnswerCloseRequest); err != nil {
		return nil, err
	}
	if by.User != t.opener && !by.StaffFor(t.category) {
		return nil, domain.Refuse(domain.ErrForbidden, "ticket.close_request_answer_not_allowed")
	}
	if t.pending == nil || t.pending.N != n {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.close_request_stale")
	}
	answered := CloseRequestAnswered{Ticket: t.id, N: n, By: by.User, Accepted: accept, At: now}
	if !accept {
		return []domain.Event{answered}, nil
	}
	return []domain.Event{answered, Closed{Ticket: t.id, By: by.User, At: now}}, nil
}
