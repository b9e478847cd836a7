package ticket

import (
	"time"

	"github.com/ticketify/ticketify/domain"
)

// MaxMessageLength is Discord's longest message (with Nitro).
const MaxMessageLength = 4000

// Message capture records facts from Discord: they are not decisions anybody
// may refuse, so they need no ticket state. Each is appended with a commit id
// derived from the Discord message id and the kind of fact, so a message seen
// twice (gateway and back-fill) is stored once.

// PostedMessage is a message as seen on Discord.
type PostedMessage struct {
	Ticket      domain.TicketID
	Channel     domain.ChannelID
	Message     domain.MessageID
	Author      domain.UserID
	Bot         bool
	At          time.Time
	Content     string
	AuthorName  string
	Avatar      string
	Attachments []Attachment
	Embeds      []Embed
}

// RecordPosted validates a captured message and returns its event.
func RecordPosted(m PostedMessage) (domain.Event, error) {
	if m.Ticket.IsZero() || m.Message.IsZero() || m.Author.IsZero() || m.Channel.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.message_ids_missing")
	}
	if len([]rune(m.Content)) > MaxMessageLength {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.message_too_long", "Max", MaxMessageLength)
	}
	return MessagePosted{
		Ticket: m.Ticket, Channel: m.Channel, Message: m.Message, Author: m.Author, Bot: m.Bot, At: m.At,
		Personal: MessagePersonal{Content: m.Content, AuthorName: m.AuthorName, AuthorAvatar: m.Avatar, Attachments: m.Attachments, Embeds: m.Embeds},
	}, nil
}

// RecordEdited validates a captured edit and returns its event.
func RecordEdited(t domain.TicketID, msg domain.MessageID, author domain.UserID, content string, embeds []Embed, at time.Time) (domain.Event, error) {
	if t.IsZero() || msg.IsZero() || author.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.edit_ids_missing")
	}
	if len([]rune(content)) > MaxMessageLength {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.message_too_long", "Max", MaxMessageLength)
	}
	return MessageEdited{Ticket: t, Message: msg, Author: author, At: at, Personal: EditedPersonal{Content: content, Embeds: embeds}}, nil
}

// RecordDeleted validates a captured deletion and returns its event.
func RecordDeleted(t domain.TicketID, msg domain.MessageID, at time.Time) (domain.Event, error) {
	if t.IsZero() || msg.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.deletion_ids_missing")
	}
	return MessageDeleted{Ticket: t, Message: msg, At: at}, nil
}
