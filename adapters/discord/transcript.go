package discord

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/disgoorg/disgo/discord"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
)

// transcript answers /ticket transcript with the conversation as a text file,
// read from the event log (the opener, added members and staff may ask).
func (b *Bot) transcript(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
	t, err := b.app.Ticket(ctx, id)
	if err != nil {
		return reply{}, err
	}
	if !p.Staff && !t.IsParticipant(a.user) {
		return reply{}, domain.Refuse(domain.ErrForbidden, "only the ticket's members and staff can read its transcript")
	}
	if t.TranscriptExpired() {
		return reply{}, domain.Refuse(domain.ErrConflict, "this ticket's transcript was deleted when its retention period ended")
	}
	text, err := b.plainTranscript(ctx, t)
	if err != nil {
		return reply{}, err
	}
	name := fmt.Sprintf("%s.txt", t.Name())
	return reply{content: fmt.Sprintf("📄 Transcript of ticket #%d", t.Number()), ephemeral: true,
		files: []*discord.File{discord.NewFile(name, "", bytes.NewReader(text))}}, nil
}

// plainTranscript renders the ticket's messages, with edits and deletions.
func (b *Bot) plainTranscript(ctx context.Context, t ticket.Ticket) ([]byte, error) {
	h, err := b.store.Load(ctx, ticket.MessagesStream(t.ID()))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Ticket #%d (%s) opened %s\n\n", t.Number(), t.Name(), t.OpenedAt().UTC().Format(time.RFC3339))
	for i, e := range h.Events {
		switch m := e.(type) {
		case ticket.MessagePosted:
			author := m.Personal.AuthorName
			if h.Erased[i] || author == "" {
				author = "[deleted user]"
			}
			content := m.Personal.Content
			if h.Erased[i] {
				content = "[erased]"
			}
			fmt.Fprintf(&buf, "[%s] %s: %s\n", m.At.UTC().Format(time.DateTime), author, content)
			for _, at := range m.Personal.Attachments {
				fmt.Fprintf(&buf, "    attachment: %s %s\n", at.Filename, at.URL)
			}
		case ticket.MessageEdited:
			fmt.Fprintf(&buf, "[%s] (edited %s) %s\n", m.At.UTC().Format(time.DateTime), m.Message, m.Personal.Content)
		case ticket.MessageDeleted:
			fmt.Fprintf(&buf, "[%s] (message %s deleted)\n", m.At.UTC().Format(time.DateTime), m.Message)
		}
	}
	return buf.Bytes(), nil
}
