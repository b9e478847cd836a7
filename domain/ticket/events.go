// Package ticket is the ticket aggregate: its lifecycle (opened, claimed,
// members, renamed, priority, closed, reopened, channel lost, transcript
// expired) on the stream "ticket/<id>", and the conversation captured from
// its Discord channel on "ticket/<id>/messages".
package ticket

import (
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

// Answer is one answered question of a category's opening form.
type Answer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// OpenedPersonal is the opener's own words: sealed under the opener's key.
type OpenedPersonal struct {
	Topic   string   `json:"topic,omitempty"`
	Answers []Answer `json:"answers,omitempty"`
	// Name is the channel's name when the server names channels its own way
	// (it may hold the opener's user name); absent: DefaultName.
	Name string `json:"name,omitempty"`
}

// Opened records a new ticket.
type Opened struct {
	Ticket   domain.TicketID `json:"ticket"`
	Guild    domain.GuildID  `json:"guild"`
	Number   int64           `json:"number"` // per-guild sequence shown to people ("ticket-0042")
	Opener   domain.UserID   `json:"opener"`
	Category string          `json:"category"`
	Priority Priority        `json:"priority"`
	At       time.Time       `json:"at"`
	// By is the staff member who opened it for the opener (zero: the
	// opener did).
	By       domain.UserID  `json:"by,omitzero"`
	Personal OpenedPersonal `json:"personal"`
}

// ChannelAttached records the Discord channel created for the ticket: a
// channel of its own or, when ThreadOf is set, a private thread under that
// text channel (thread mode).
type ChannelAttached struct {
	Ticket   domain.TicketID  `json:"ticket"`
	Channel  domain.ChannelID `json:"channel"`
	ThreadOf domain.ChannelID `json:"thread_of,omitzero"`
}

// Claimed records a staff member taking the ticket.
type Claimed struct {
	Ticket domain.TicketID `json:"ticket"`
	By     domain.UserID   `json:"by"`
	// Mode is what the claim does to the other staff, as the server said
	// when it was made (absent: a label).
	Mode guild.ClaimMode `json:"mode,omitempty"`
}

// Unclaimed records the ticket going back to the pool.
type Unclaimed struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	Previous domain.UserID   `json:"previous"`
	Mode     guild.ClaimMode `json:"mode,omitempty"` // of the claim it ends
}

// Transferred records a ticket handed from one staff member to another
// (From zero: it was not claimed); the claim keeps its mode.
type Transferred struct {
	Ticket domain.TicketID `json:"ticket"`
	By     domain.UserID   `json:"by"`
	From   domain.UserID   `json:"from,omitzero"`
	To     domain.UserID   `json:"to"`
	Mode   guild.ClaimMode `json:"mode,omitempty"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (Transferred) EventType() string { return "ticket.transferred.v1" }

// MemberAdded records a person added to the ticket.
type MemberAdded struct {
	Ticket domain.TicketID `json:"ticket"`
	Member domain.UserID   `json:"member"`
	By     domain.UserID   `json:"by"`
}

// MemberRemoved records a person removed from the ticket.
type MemberRemoved struct {
	Ticket domain.TicketID `json:"ticket"`
	Member domain.UserID   `json:"member"`
	By     domain.UserID   `json:"by"`
}

// RenamedPersonal holds the typed channel names: sealed under the renamer's key.
type RenamedPersonal struct {
	Name     string `json:"name"`
	Previous string `json:"previous"`
}

// Renamed records a new channel name.
type Renamed struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	Personal RenamedPersonal `json:"personal"`
}

// PrioritySet records a priority change.
type PrioritySet struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	Priority Priority        `json:"priority"`
	Previous Priority        `json:"previous"`
}

// ClosedPersonal is the close reason: sealed under the closer's key.
type ClosedPersonal struct {
	Reason string `json:"reason,omitempty"`
}

// Closed records the ticket being closed. By is zero and Cause says why
// when the ticket closed by itself (the commit's actor says it in words).
type Closed struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	At       time.Time       `json:"at"`
	Cause    Cause           `json:"cause,omitempty"`
	Personal ClosedPersonal  `json:"personal"`
}

// Cause is what closed a ticket that nobody closed by hand.
type Cause string

// Causes of an automatic close.
const (
	CauseInactivity Cause = "inactivity"  // the auto-close rule
	CauseOpenerLeft Cause = "opener_left" // the opener left the server
	// CauseCloseRequestExpired: a close request with a deadline got no answer.
	CauseCloseRequestExpired Cause = "close_request_expired"
)

// CloseRequestPersonal is why staff ask to close: sealed under their key.
type CloseRequestPersonal struct {
	Reason string `json:"reason,omitempty"`
}

// CloseRequested records staff asking the opener to agree to close. N
// numbers the ticket's requests (a later one replaces an unanswered one);
// with a Deadline, no answer by then closes the ticket.
type CloseRequested struct {
	Ticket   domain.TicketID      `json:"ticket"`
	N        int                  `json:"n"`
	By       domain.UserID        `json:"by"`
	Deadline time.Time            `json:"deadline,omitzero"`
	At       time.Time            `json:"at"`
	Personal CloseRequestPersonal `json:"personal"`
}

// CloseRequestAnswered records the opener (or staff, overriding) accepting
// or denying close request N. An accepted request is followed by Closed.
type CloseRequestAnswered struct {
	Ticket   domain.TicketID `json:"ticket"`
	N        int             `json:"n"`
	By       domain.UserID   `json:"by"`
	Accepted bool            `json:"accepted"`
	At       time.Time       `json:"at"`
}

// CloseRequestExpired records close request N passing its deadline
// unanswered; Closed follows.
type CloseRequestExpired struct {
	Ticket domain.TicketID `json:"ticket"`
	N      int             `json:"n"`
	At     time.Time       `json:"at"`
}

// StaffReminded records the staff roles pinged once because the ticket
// has waited for a staff answer since WaitingSince.
type StaffReminded struct {
	Ticket       domain.TicketID `json:"ticket"`
	WaitingSince time.Time       `json:"waiting_since"`
	At           time.Time       `json:"at"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (StaffReminded) EventType() string { return "ticket.staff_reminded.v1" }

// InactivityWarned records the warning that the ticket will close for
// inactivity at ClosesAt unless its opener writes or someone keeps it open.
type InactivityWarned struct {
	Ticket   domain.TicketID `json:"ticket"`
	ClosesAt time.Time       `json:"closes_at"`
	Idle     time.Time       `json:"idle_since"` // the activity the period runs from
	At       time.Time       `json:"at"`
}

// KeptOpen records someone pressing "Keep open" on a warning: the
// inactivity period starts again.
type KeptOpen struct {
	Ticket domain.TicketID `json:"ticket"`
	By     domain.UserID   `json:"by"`
	At     time.Time       `json:"at"`
}

// Reopened records a closed ticket opened again.
type Reopened struct {
	Ticket domain.TicketID `json:"ticket"`
	By     domain.UserID   `json:"by"`
	At     time.Time       `json:"at"`
}

// ChannelLost records that the ticket's channel was deleted on Discord by
// hand. An open ticket is closed by it; its transcript survives.
type ChannelLost struct {
	Ticket  domain.TicketID  `json:"ticket"`
	Channel domain.ChannelID `json:"channel"`
	At      time.Time        `json:"at"`
	// WasOpen says whether this closed the ticket.
	WasOpen bool `json:"was_open"`
}

// ChannelRemoved records the bot deleting a closed ticket's channel after
// the guild's delay. The transcript survives; a reopen creates a new channel.
type ChannelRemoved struct {
	Ticket  domain.TicketID  `json:"ticket"`
	Channel domain.ChannelID `json:"channel"`
	At      time.Time        `json:"at"`
}

// DiscordActionFailed records that an action on Discord for this ticket
// failed for good (after retries), so staff see it instead of it being lost.
type DiscordActionFailed struct {
	Ticket domain.TicketID `json:"ticket"`
	Action string          `json:"action"` // "create channel", "rename", ...
	Error  string          `json:"error"`
	At     time.Time       `json:"at"`
}

// TranscriptExpired records that the retention period ran out: the ticket's
// personal data keys are destroyed and its transcript is gone.
type TranscriptExpired struct {
	Ticket        domain.TicketID `json:"ticket"`
	ClosedAt      time.Time       `json:"closed_at"`
	RetentionDays int             `json:"retention_days"`
	At            time.Time       `json:"at"`
}

// Attachment is the metadata of a file attached to a message.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	URL         string `json:"url"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type,omitempty"`
}

// Embed is the visible text of a message embed.
type Embed struct {
	Author      string       `json:"author,omitempty"`
	Title       string       `json:"title,omitempty"`
	Description string       `json:"description,omitempty"`
	URL         string       `json:"url,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
	Footer      string       `json:"footer,omitempty"`
}

// EmbedField is one named field of an embed.
type EmbedField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MessagePersonal is what a person wrote and how they looked: sealed under
// the author's key for this ticket.
type MessagePersonal struct {
	Content      string       `json:"content,omitempty"`
	AuthorName   string       `json:"author_name,omitempty"`
	AuthorAvatar string       `json:"author_avatar,omitempty"`
	Attachments  []Attachment `json:"attachments,omitempty"`
	Embeds       []Embed      `json:"embeds,omitempty"`
}

// MessagePosted records a message written in the ticket's channel.
type MessagePosted struct {
	Ticket   domain.TicketID  `json:"ticket"`
	Channel  domain.ChannelID `json:"channel"`
	Message  domain.MessageID `json:"message"`
	Author   domain.UserID    `json:"author"`
	Bot      bool             `json:"bot,omitempty"`
	At       time.Time        `json:"at"`
	Personal MessagePersonal  `json:"personal"`
}

// EditedPersonal is the new text of an edited message.
type EditedPersonal struct {
	Content string  `json:"content,omitempty"`
	Embeds  []Embed `json:"embeds,omitempty"`
}

// MessageEdited records a message's new content. The old content stays in the
// history as the earlier MessagePosted / MessageEdited.
type MessageEdited struct {
	Ticket   domain.TicketID  `json:"ticket"`
	Message  domain.MessageID `json:"message"`
	Author   domain.UserID    `json:"author"`
	At       time.Time        `json:"at"`
	Personal EditedPersonal   `json:"personal"`
}

// MessageDeleted records a message deleted on Discord.
type MessageDeleted struct {
	Ticket  domain.TicketID  `json:"ticket"`
	Message domain.MessageID `json:"message"`
	At      time.Time        `json:"at"`
}

// WARNING: these names are stored; never change them.
func (Opened) EventType() string            { return "ticket.opened.v1" }
func (ChannelAttached) EventType() string   { return "ticket.channel_attached.v1" }
func (Claimed) EventType() string           { return "ticket.claimed.v1" }
func (Unclaimed) EventType() string         { return "ticket.unclaimed.v1" }
func (MemberAdded) EventType() string       { return "ticket.member_added.v1" }
func (MemberRemoved) EventType() string     { return "ticket.member_removed.v1" }
func (Renamed) EventType() string           { return "ticket.renamed.v1" }
func (PrioritySet) EventType() string       { return "ticket.priority_set.v1" }
func (Closed) EventType() string            { return "ticket.closed.v1" }
func (Reopened) EventType() string          { return "ticket.reopened.v1" }
func (ChannelLost) EventType() string       { return "ticket.channel_lost.v1" }
func (TranscriptExpired) EventType() string { return "ticket.transcript_expired.v1" }
func (ChannelRemoved) EventType() string    { return "ticket.channel_removed.v1" }
func (InactivityWarned) EventType() string  { return "ticket.inactivity_warned.v1" }
func (KeptOpen) EventType() string          { return "ticket.kept_open.v1" }
func (CloseRequested) EventType() string    { return "ticket.close_requested.v1" }
func (CloseRequestAnswered) EventType() string {
	return "ticket.close_request_answered.v1"
}
func (CloseRequestExpired) EventType() string { return "ticket.close_request_expired.v1" }
func (DiscordActionFailed) EventType() string {
	return "ticket.discord_action_failed.v1"
}
func (MessagePosted) EventType() string  { return "ticket.message_posted.v1" }
func (MessageEdited) EventType() string  { return "ticket.message_edited.v1" }
func (MessageDeleted) EventType() string { return "ticket.message_deleted.v1" }

// DataOwner implementations: whose key seals each event's Personal field.
func (e Opened) DataOwner() domain.DataOwner  { return owner(e.Opener, e.Ticket) }
func (e Renamed) DataOwner() domain.DataOwner { return owner(e.By, e.Ticket) }
func (e Closed) DataOwner() domain.DataOwner  { return owner(e.By, e.Ticket) }
func (e CloseRequested) DataOwner() domain.DataOwner {
	return owner(e.By, e.Ticket)
}
func (e MessagePosted) DataOwner() domain.DataOwner {
	return owner(e.Author, e.Ticket)
}
func (e MessageEdited) DataOwner() domain.DataOwner {
	return owner(e.Author, e.Ticket)
}

// TopicCorrected records staff correcting what a ticket is about. The topic
// stays the opener's data (sealed under their key for the ticket).
type TopicCorrected struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	Opener   domain.UserID   `json:"opener"`
	Personal TopicPersonal   `json:"personal"`
}

// TopicPersonal is the corrected topic and the one it replaced.
type TopicPersonal struct {
	Topic    string `json:"topic"`
	Previous string `json:"previous,omitempty"`
}

// EventType is stored; never change it.
func (TopicCorrected) EventType() string { return "ticket.topic_corrected.v1" }

// DataOwner seals the topic under the opener's key for the ticket.
func (e TopicCorrected) DataOwner() domain.DataOwner { return owner(e.Opener, e.Ticket) }

// CategoryChanged records staff moving a ticket to another category.
type CategoryChanged struct {
	Ticket   domain.TicketID `json:"ticket"`
	By       domain.UserID   `json:"by"`
	Category string          `json:"category"`
	Previous string          `json:"previous"`
}

// EventType is stored; never change it.
func (CategoryChanged) EventType() string { return "ticket.category_changed.v1" }

func owner(u domain.UserID, t domain.TicketID) domain.DataOwner {
	return domain.DataOwner{Subject: u, Scope: domain.TicketScope(t)}
}

// Events lists one value of every event type of this package, for codecs.
func Events() []domain.Event {
	return []domain.Event{
		Opened{}, ChannelAttached{}, Claimed{}, Unclaimed{}, MemberAdded{}, MemberRemoved{}, Renamed{}, TopicCorrected{}, CategoryChanged{},
		PrioritySet{}, Closed{}, Reopened{}, ChannelLost{}, TranscriptExpired{}, ChannelRemoved{}, DiscordActionFailed{},
		InactivityWarned{}, KeptOpen{}, CloseRequested{}, CloseRequestAnswered{}, CloseRequestExpired{}, Rated{}, StaffReminded{}, TagPosted{}, NoteAdded{}, RepliedFromDashboard{}, Transferred{}, ReplyPosted{},
		MessagePosted{}, MessageEdited{}, MessageDeleted{}, AttachmentArchived{}, AttachmentNotArchived{},
	}
}
