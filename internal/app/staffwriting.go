package app

import (
	"context"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
)

// AddNote records a private staff note on a ticket.
func (a *App) AddNote(ctx context.Context, id domain.TicketID, by ticket.Participant, text string, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.AddNote(by, text, now)
	})
	return err
}

// ReplyFromDashboard records staff writing in a ticket from the dashboard
// (authorName: how the transcript names them); the Discord reactor posts it. reply identifies the reply (a retried
// request carries the same one, and appends nothing twice).
func (a *App) ReplyFromDashboard(ctx context.Context, id domain.TicketID, by ticket.Participant, reply, text, authorName string, m Meta) error {
	_, err := a.updateTicket(ctx, id, m, "", func(t ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return t.ReplyFromDashboard(by, reply, text, authorName, now)
	})
	return err
}
