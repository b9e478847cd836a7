package discord

import (
	"bytes"
	"context"
	"errors"

	"github.com/disgoorg/disgo/discord"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// transcript answers /ticket transcript with the conversation as an HTML
// file (the opener, added members and staff may ask).
func (b *Bot) transcript(ctx context.Context, a actor, _ discord.SlashCommandInteractionData, id domain.TicketID, p ticket.Participant) (reply, error) {
	t, err := b.app.Ticket(ctx, id)
	if err != nil {
		return reply{}, err
	}
	if !p.Staff && !t.IsParticipant(a.user) {
		return reply{}, domain.Refuse(domain.ErrForbidden, "bot.errors.transcript_forbidden")
	}
	file, err := b.transcriptFile(ctx, t, false)
	if err != nil {
		return reply{}, err
	}
	return reply{content: a.locale.T("bot.ticket.transcript", "Number", t.Number()), ephemeral: true, files: []*discord.File{file}}, nil
}

// transcriptImagesBudget bounds the archived images a transcript sent as a
// file carries inline: base64 makes them a third larger, and Discord takes
// 10 MiB per upload from a bot in any server. A page that comes out larger
// anyway (a long ticket) is sent without them.
const (
	transcriptImagesBudget = 6 << 20
	uploadLimit            = 10 << 20
)

// forOpener is a transcript as sent to its opener: what others deleted or
// wrote before editing, which the opener may never have seen, is left out.
type forOpener bool

// transcriptFile renders a ticket's transcript as an HTML attachment. It
// waits for the transcripts to have caught up with the log, so a transcript
// asked for right after closing holds the close.
func (b *Bot) transcriptFile(ctx context.Context, t ticket.Ticket, opener forOpener) (*discord.File, error) {
	if t.TranscriptExpired() {
		return nil, domain.Refuse(domain.ErrConflict, "bot.errors.transcript_expired")
	}
	if b.synced != nil {
		if err := b.synced.WaitCaughtUp(ctx); err != nil {
			return nil, err
		}
	}
	tr, err := b.scripts.Get(ctx, string(t.ID()))
	if errors.Is(err, transcripts.ErrExpired) {
		return nil, domain.Refuse(domain.ErrConflict, "bot.errors.transcript_expired")
	}
	if err != nil {
		return nil, err
	}
	if opener {
		tr = withoutOthersHistory(tr, t.Opener().String())
	}
	var buf bytes.Buffer
	if err := transcripts.RenderStandalone(ctx, &buf, tr, b.files, transcriptImagesBudget); err != nil {
		return nil, err
	}
	if buf.Len() > uploadLimit-512<<10 {
		buf.Reset()
		if err := transcripts.RenderStandalone(ctx, &buf, tr, b.files, 0); err != nil {
			return nil, err
		}
	}
	return discord.NewFile(t.Name()+".html", "", &buf), nil
}

// withoutOthersHistory drops the earlier versions of messages and the
// content of deleted ones, except the opener's own.
func withoutOthersHistory(tr transcripts.Transcript, opener string) transcripts.Transcript {
	entries := make([]transcripts.Entry, len(tr.Entries))
	for i, e := range tr.Entries {
		if e.Kind == transcripts.KindMessage && e.Author != opener {
			e.Edits = nil
			if e.Deleted {
				e.Content, e.Attachments, e.Embeds = "", nil, nil
			}
		}
		entries[i] = e
	}
	tr.Entries = entries
	return tr
}
