package ticket

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketify/ticketify/domain"
)

// MaxReplyLength bounds a reply written on the dashboard: a bot's message
// is at most 2,000 characters, and the bot adds who wrote it.
const MaxReplyLength = 1900

// ReplyPersonal is a dashboard reply's text and its writer's name as the
// transcript shows it: the writer's personal data.
type ReplyPersonal struct {
	Text       string `json:"text"`
	AuthorName string `json:"author_name,omitempty"`
}

// RepliedFromDashboard records staff writing in the ticket from the
// dashboard. The bot posts it in the channel in their name; the transcript
// shows it as their message (source dashboard), and for the ticket's clocks
// it is their answer. Reply identifies it (the bot's post carries it).
type RepliedFromDashboard struct {
	Ticket   domain.TicketID `json:"ticket"`
	Reply    string          `json:"reply"`
	By       domain.UserID   `json:"by"`
	At       time.Time       `json:"at"`
	Personal ReplyPersonal   `json:"personal"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (RepliedFromDashboard) EventType() string { return "ticket.replied_from_dashboard.v1" }

// DataOwner implements domain.PersonalEvent: the text is its writer's.
func (e RepliedFromDashboard) DataOwner() domain.DataOwner { return owner(e.By, e.Ticket) }

// ReplyFromDashboard decides staff writing in the open ticket's channel
// from the dashboard.
func (t Ticket) ReplyFromDashboard(by Participant, reply, text, authorName string, now time.Time) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actReply); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actReply); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	switch {
	case t.status != StatusOpen:
		return nil, domain.Refuse(domain.ErrConflict, "ticket.reply_closed")
	case t.channel.IsZero() || t.channelLost:
		return nil, domain.Refuse(domain.ErrConflict, "ticket.reply_no_channel")
	case text == "":
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.reply_empty")
	case utf8.RuneCountInString(text) > MaxReplyLength:
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.reply_too_long", "Max", MaxReplyLength)
	case reply == "":
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.reply_id_missing")
	}
	return []domain.Event{RepliedFromDashboard{Ticket: t.id, Reply: reply, By: by.User, At: now, Personal: ReplyPersonal{Text: text, AuthorName: authorName}}}, nil
}

// ReplyPosted records the bot's post of a dashboard reply on Discord: the
// capture of the channel skips that message (live, after an outage, and its
// edits), since the reply's own event is the transcript's record of it.
type ReplyPosted struct {
	Ticket  domain.TicketID  `json:"ticket"`
	Reply   string           `json:"reply"`
	Message domain.MessageID `json:"message"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (ReplyPosted) EventType() string { return "ticket.reply_posted.v1" }

// RecordReplyPosted records where the bot posted a reply (once).
func (t Ticket) RecordReplyPosted(reply string, msg domain.MessageID) ([]domain.Event, error) {
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if msg.IsZero() || t.IsReplyPost(msg) {
		return nil, nil
	}
	return []domain.Event{ReplyPosted{Ticket: t.id, Reply: reply, Message: msg}}, nil
}

// IsReplyPost reports whether a message is the bot's post of a dashboard reply.
func (t Ticket) IsReplyPost(msg domain.MessageID) bool { return slices.Contains(t.replyPosts, msg) }
