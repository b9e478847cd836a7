package ticket

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

// Stream returns the lifecycle stream of a ticket.
func Stream(id domain.TicketID) string { return "ticket/" + string(id) }

// MessagesStream returns the stream of the messages captured in a ticket's channel.
func MessagesStream(id domain.TicketID) string { return "ticket/" + string(id) + "/messages" }

// Limits from Discord.
const (
	MaxReasonLength = 1024 // a close-reason modal input
	MaxTopicLength  = 200
	MaxAnswerLength = 4000 // a paragraph modal input
	MaxNameLength   = 100  // a channel name
)

// Ticket is a support ticket folded from its lifecycle stream.
type Ticket struct {
	id          domain.TicketID
	guild       domain.GuildID
	number      int64
	opener      domain.UserID
	category    string
	channel     domain.ChannelID
	threadOf    domain.ChannelID // the text channel its private thread is under (thread mode)
	status      Status
	claimer     domain.UserID
	members     []domain.UserID
	name        string
	topic       string
	priority    Priority
	openedAt    time.Time
	closedAt    time.Time
	closedBy    int64 // the stream version of the close that closed it (0: open)
	channelLost bool
	expired     bool
	requests    int             // close requests made
	pending     *CloseRequested // the unanswered close request, if any
	rating      int
	claimMode   guild.ClaimMode // of the current claim
	replyPosts  []domain.MessageID
	version     int64
}

// FromHistory folds a ticket's lifecycle events. An empty history gives a
// ticket that does not exist.
func FromHistory(history []domain.Event) Ticket {
	var t Ticket
	for _, e := range history {
		t = t.apply(e)
	}
	return t
}

func (t Ticket) apply(e domain.Event) Ticket {
	t.version++
	switch e := e.(type) {
	case Opened:
		t.id, t.guild, t.number, t.opener = e.Ticket, e.Guild, e.Number, e.Opener
		t.category, t.priority, t.status, t.openedAt = e.Category, e.Priority, StatusOpen, e.At
		t.name, t.topic = DefaultName(e.Number), e.Personal.Topic
		if e.Personal.Name != "" {
			t.name = e.Personal.Name
		}
	case TopicCorrected:
		t.topic = e.Personal.Topic
	case CategoryChanged:
		t.category = e.Category
	case ChannelAttached:
		t.channel, t.threadOf, t.channelLost = e.Channel, e.ThreadOf, false
	case Claimed:
		t.claimer, t.claimMode = e.By, e.Mode
	case Unclaimed:
		t.claimer, t.claimMode = 0, guild.ClaimLabel
	case Transferred:
		t.claimer, t.claimMode = e.To, e.Mode
	case ReplyPosted:
		t.replyPosts = append(slices.Clone(t.replyPosts), e.Message)
	case MemberAdded:
		t.members = append(slices.Clone(t.members), e.Member)
	case MemberRemoved:
		t.members = slices.DeleteFunc(slices.Clone(t.members), func(u domain.UserID) bool { return u == e.Member })
	case Renamed:
		t.name = e.Personal.Name
	case PrioritySet:
		t.priority = e.Priority
	case Closed:
		t.status, t.closedAt, t.pending, t.closedBy = StatusClosed, e.At, nil, t.version
	case CloseRequested:
		t.requests = max(t.requests, e.N)
		t.pending = &e
	case CloseRequestAnswered, CloseRequestExpired:
		t.pending = nil
	case Rated:
		t.rating = e.Stars
	case Reopened:
		t.status, t.closedAt, t.closedBy = StatusOpen, time.Time{}, 0
	case ChannelLost:
		t.channelLost = true
		if e.WasOpen {
			t.status, t.closedAt, t.pending = StatusClosed, e.At, nil
		}
	case TranscriptExpired:
		t.expired = true
	case ChannelRemoved:
		t.channel = 0
	}
	return t
}

// DefaultName is the channel name of a ticket nobody renamed.
func DefaultName(number int64) string { return fmt.Sprintf("ticket-%04d", number) }

// Exists reports whether the ticket was ever opened.
func (t Ticket) Exists() bool { return !t.id.IsZero() }

// ID returns the ticket id.
func (t Ticket) ID() domain.TicketID { return t.id }

// Guild returns the guild the ticket belongs to.
func (t Ticket) Guild() domain.GuildID { return t.guild }

// Number returns the per-guild ticket number.
func (t Ticket) Number() int64 { return t.number }

// Opener returns who opened the ticket.
func (t Ticket) Opener() domain.UserID { return t.opener }

// Category returns the category key.
func (t Ticket) Category() string { return t.category }

// Channel returns the Discord channel, zero until it is attached.
func (t Ticket) Channel() domain.ChannelID { return t.channel }

// Status returns open or closed.
func (t Ticket) Status() Status { return t.status }

// Claimer returns the staff member who claimed the ticket, zero if nobody.
func (t Ticket) Claimer() domain.UserID { return t.claimer }

// Members returns the people added to the ticket (not the opener).
func (t Ticket) Members() []domain.UserID { return slices.Clone(t.members) }

// Name returns the channel name.
func (t Ticket) Name() string { return t.name }

// Priority returns the priority.
func (t Ticket) Priority() Priority { return t.priority }

// OpenedAt returns when the ticket was opened.
func (t Ticket) OpenedAt() time.Time { return t.openedAt }

// ClosedAt returns when the ticket was last closed; zero while open.
func (t Ticket) ClosedAt() time.Time { return t.closedAt }

// ClosedBy reports whether the ticket is closed by the close recorded at
// stream version v, rather than open again or closed by a later close: a
// close's consequences on Discord belong to the close that stands.
func (t Ticket) ClosedBy(v int64) bool { return t.status == StatusClosed && t.closedBy == v }

// InThread reports whether the ticket's channel is a private thread (thread
// mode) rather than a channel of its own.
func (t Ticket) InThread() bool { return !t.threadOf.IsZero() }

// ThreadOf returns the text channel the ticket's private thread is under
// (zero for a ticket with a channel of its own).
func (t Ticket) ThreadOf() domain.ChannelID { return t.threadOf }

// ChannelLost reports whether the Discord channel was deleted by hand.
func (t Ticket) ChannelLost() bool { return t.channelLost }

// TranscriptExpired reports whether retention destroyed the transcript.
func (t Ticket) TranscriptExpired() bool { return t.expired }

// Version returns the number of lifecycle events folded.
func (t Ticket) Version() int64 { return t.version }

// IsParticipant reports whether u is the opener or an added member.
func (t Ticket) IsParticipant(u domain.UserID) bool {
	return u == t.opener || slices.Contains(t.members, u)
}

func (t Ticket) mustBeOpen(a action) error {
	if !t.Exists() {
		return domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if t.status != StatusOpen {
		return t.closedRefusal(a)
	}
	return nil
}

// ErrNotHere refuses a request for a ticket that is not in the server (or,
// for a button or form, the channel) the request came from. It is a kind of
// domain.ErrNotFound: a ticket of another server is refused exactly like a
// missing one, so ids do not reveal what other servers hold.
var ErrNotHere = fmt.Errorf("%w: no such ticket here", domain.ErrNotFound)

// Admits checks that a request may touch this ticket at all: the ticket
// exists in the server the request came from and, for a button or form, the
// request came from the ticket's channel. Every decision that takes a
// Participant starts with it.
func (t Ticket) Admits(by Participant) error {
	if !t.Exists() || by.Direct || by.Guild.IsZero() || by.Guild != t.guild {
		return domain.Refuse(ErrNotHere, "ticket.not_in_server")
	}
	if !by.Channel.IsZero() && by.Channel != t.channel {
		return domain.Refuse(ErrNotHere, "ticket.other_channel")
	}
	return nil
}

// admitsOpenerByDM is Admits for what the opener may also do from a direct
// message with the bot: there no server or channel ties the request to the
// ticket, the opener does.
func (t Ticket) admitsOpenerByDM(by Participant) error {
	if !by.Direct {
		return t.Admits(by)
	}
	if !t.Exists() || by.User.IsZero() || by.User != t.opener || by.Staff {
		return domain.Refuse(ErrNotHere, "ticket.not_yours")
	}
	return nil
}

// mustBeStaff refuses who is not staff for the ticket's category.
func (t Ticket) mustBeStaff(by Participant, a action) error {
	if !by.StaffFor(t.category) {
		return notStaffRefusal(a)
	}
	return nil
}

// AttachChannel records the Discord channel created for the ticket: a
// channel of its own (threadOf zero) or a private thread under the text
// channel threadOf.
func (t Ticket) AttachChannel(ch, threadOf domain.ChannelID) ([]domain.Event, error) {
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if ch.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.channel_missing")
	}
	if ch == threadOf {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.thread_is_own_channel")
	}
	if t.channel == ch && !t.channelLost {
		return nil, nil
	}
	return []domain.Event{ChannelAttached{Ticket: t.id, Channel: ch, ThreadOf: threadOf}}, nil
}

// Claim makes a staff member the ticket's handler.
func (t Ticket) Claim(by Participant, mode guild.ClaimMode) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actClaim); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actClaim); err != nil {
		return nil, err
	}
	switch t.claimer {
	case 0:
	case by.User:
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.claimed_by_you")
	default:
		return nil, domain.Refuse(domain.ErrConflict, "ticket.claimed_by_other", "Claimer", t.claimer)
	}
	return []domain.Event{Claimed{Ticket: t.id, By: by.User, Mode: mode}}, nil
}

// Unclaim returns the ticket to the pool: its claimer, any staff for a
// claim that is a label, an admin always.
func (t Ticket) Unclaim(by Participant) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actUnclaim); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actUnclaim); err != nil {
		return nil, err
	}
	if t.claimer == 0 {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.not_claimed")
	}
	if err := t.mayHandle(by, actUnclaim); err != nil {
		return nil, err
	}
	return []domain.Event{Unclaimed{Ticket: t.id, By: by.User, Previous: t.claimer, Mode: t.claimMode}}, nil
}

// Transfer hands the ticket to another staff member (toStaff says they
// are): its claimer, an admin, or any staff when it is unclaimed or the
// claim is a label. A new claim takes mode; a claim handed on keeps its own.
func (t Ticket) Transfer(by Participant, to domain.UserID, toStaff bool, mode guild.ClaimMode) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actTransfer); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actTransfer); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actTransfer); err != nil {
		return nil, err
	}
	switch {
	case to.IsZero() || !toStaff:
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.transfer_to_non_staff")
	case to == t.claimer:
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.transfer_unchanged", "Member", to)
	}
	if t.claimer != 0 {
		mode = t.claimMode
	}
	return []domain.Event{Transferred{Ticket: t.id, By: by.User, From: t.claimer, To: to, Mode: mode}}, nil
}

// Topic returns the ticket's topic as last given or corrected (the opener's
// personal data: empty once erased).
func (t Ticket) Topic() string { return t.topic }

// ClaimMode returns what the current claim does to the other staff.
func (t Ticket) ClaimMode() guild.ClaimMode { return t.claimMode }

// mayHandle keeps other staff off a ticket whose claim restricts them
// (hide, read-only): only its claimer, or an admin, handles it then.
func (t Ticket) mayHandle(by Participant, a action) error {
	if t.claimer == 0 || !t.claimMode.Restricts() || by.User == t.claimer || by.Admin || !by.StaffFor(t.category) {
		return nil
	}
	return t.claimedRefusal(a)
}

// AddMember gives someone access to the ticket.
func (t Ticket) AddMember(by Participant, member domain.UserID) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actAddMember); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actAddMember); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actAddMember); err != nil {
		return nil, err
	}
	if member.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.member_missing")
	}
	if t.IsParticipant(member) {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.member_already_in", "Member", member)
	}
	return []domain.Event{MemberAdded{Ticket: t.id, Member: member, By: by.User}}, nil
}

// RemoveMember takes someone's access away. The opener cannot be removed.
func (t Ticket) RemoveMember(by Participant, member domain.UserID) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actRemoveMember); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actRemoveMember); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actRemoveMember); err != nil {
		return nil, err
	}
	if member == t.opener {
		return nil, domain.Refuse(domain.ErrForbidden, "ticket.opener_not_removable")
	}
	if !slices.Contains(t.members, member) {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.member_not_in", "Member", member)
	}
	return []domain.Event{MemberRemoved{Ticket: t.id, Member: member, By: by.User}}, nil
}

// NormalizeName turns a requested channel name into Discord's form:
// lower case, dashes for spaces, at most 100 characters.
func NormalizeName(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.Join(strings.Fields(name), "-")
	if len(name) > MaxNameLength {
		name = name[:MaxNameLength]
	}
	return name
}

// Rename changes the channel name.
func (t Ticket) Rename(by Participant, name string) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actRename); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actRename); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actRename); err != nil {
		return nil, err
	}
	name = NormalizeName(name)
	if name == "" {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.name_empty")
	}
	if name == t.name {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.name_unchanged")
	}
	return []domain.Event{Renamed{Ticket: t.id, By: by.User, Personal: RenamedPersonal{Name: name, Previous: t.name}}}, nil
}

// CorrectTopic replaces what the ticket says it is about (staff only; a
// correction, so also on a closed ticket, but not once its transcript was
// deleted).
func (t Ticket) CorrectTopic(by Participant, topic string) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actCorrectTopic); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actCorrectTopic); err != nil {
		return nil, err
	}
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if t.expired {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.data_expired", "Number", t.number)
	}
	topic = strings.TrimSpace(topic)
	if len(topic) > MaxTopicLength {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.topic_too_long", "Max", MaxTopicLength)
	}
	if topic == t.topic {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.topic_unchanged")
	}
	return []domain.Event{TopicCorrected{Ticket: t.id, By: by.User, Opener: t.opener, Personal: TopicPersonal{Topic: topic, Previous: t.topic}}}, nil
}

// ChangeCategory moves the ticket to another category (staff only); the
// caller checks the category exists in the guild's settings.
func (t Ticket) ChangeCategory(by Participant, category string) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actChangeCategory); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actChangeCategory); err != nil {
		return nil, err
	}
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if category == "" {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.category_missing")
	}
	if category == t.category {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.category_unchanged")
	}
	return []domain.Event{CategoryChanged{Ticket: t.id, By: by.User, Category: category, Previous: t.category}}, nil
}

// SetPriority changes the priority.
func (t Ticket) SetPriority(by Participant, p Priority) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actPrioritise); err != nil {
		return nil, err
	}
	if err := t.mustBeStaff(by, actPrioritise); err != nil {
		return nil, err
	}
	if err := t.mustBeOpen(actPrioritise); err != nil {
		return nil, err
	}
	if p.IsZero() || p > PriorityUrgent {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.priority_invalid")
	}
	if p == t.priority {
		return nil, domain.Refuse(domain.ErrUnchanged, "ticket.priority_unchanged", "Priority", p)
	}
	return []domain.Event{PrioritySet{Ticket: t.id, By: by.User, Priority: p, Previous: t.priority}}, nil
}

// Close closes the ticket. The opener and staff may close.
func (t Ticket) Close(by Participant, reason string, now time.Time) ([]domain.Event, error) {
	if err := t.Admits(by); err != nil {
		return nil, err
	}
	if err := t.mayHandle(by, actClose); err != nil {
		return nil, err
	}
	if !by.StaffFor(t.category) && by.User != t.opener {
		return nil, domain.Refuse(domain.ErrForbidden, "ticket.close_not_allowed")
	}
	if t.status == StatusClosed {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.already_closed", "Number", t.number)
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > MaxReasonLength {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.close_reason_too_long", "Max", MaxReasonLength)
	}
	return []domain.Event{Closed{Ticket: t.id, By: by.User, At: now, Personal: ClosedPersonal{Reason: reason}}}, nil
}

// reopenable checks the ticket-side rules of reopening; the slot side is in
// Reopen (open.go), which needs the member's holdings.
func (t Ticket) reopenable(by Participant) error {
	if err := t.Admits(by); err != nil {
		return err
	}
	if !by.StaffFor(t.category) && by.User != t.opener {
		return domain.Refuse(domain.ErrForbidden, "ticket.reopen_not_allowed")
	}
	if t.status == StatusOpen {
		return domain.Refuse(domain.ErrConflict, "ticket.already_open", "Number", t.number)
	}
	if t.expired {
		return domain.Refuse(domain.ErrConflict, "ticket.reopen_transcript_expired", "Number", t.number)
	}
	return nil
}

// LoseChannel records that the ticket's channel was deleted on Discord. It
// closes an open ticket. Losing a channel that is not the ticket's current
// one, or losing it twice, changes nothing.
func (t Ticket) LoseChannel(ch domain.ChannelID, now time.Time) ([]domain.Event, error) {
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if t.channelLost || ch != t.channel {
		return nil, nil
	}
	return []domain.Event{ChannelLost{Ticket: t.id, Channel: ch, At: now, WasOpen: t.status == StatusOpen}}, nil
}

// RemoveChannel decides the bot deleting a closed ticket's channel.
func (t Ticket) RemoveChannel(ch domain.ChannelID, now time.Time) ([]domain.Event, error) {
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if t.status != StatusClosed {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.open_keeps_channel")
	}
	if ch.IsZero() || ch != t.channel || t.channelLost {
		return nil, nil // already gone, or another channel
	}
	return []domain.Event{ChannelRemoved{Ticket: t.id, Channel: ch, At: now}}, nil
}

// RecordActionFailed records a Discord action that failed for good.
func (t Ticket) RecordActionFailed(action, reason string, now time.Time) ([]domain.Event, error) {
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if len(reason) > 500 {
		reason = reason[:500]
	}
	return []domain.Event{DiscordActionFailed{Ticket: t.id, Action: action, Error: reason, At: now}}, nil
}

// ExpiresAt returns when a closed ticket's transcript expires under a
// retention of the given days; zero while the ticket is open.
func (t Ticket) ExpiresAt(retentionDays int) time.Time {
	if t.status != StatusClosed {
		return time.Time{}
	}
	return t.closedAt.AddDate(0, 0, retentionDays)
}

// TranscriptDue decides whether retention must delete the ticket's
// transcript now, given its server's current retention, and says why in
// words for the audit timeline. An open (reopened) ticket, one already
// expired, or one whose server extended its retention is not due — a
// retention job only nominates a ticket; this decides.
func (t Ticket) TranscriptDue(retentionDays int, now time.Time) (because string, due bool) {
	if !t.Exists() || t.status != StatusClosed || t.expired || now.Before(t.ExpiresAt(retentionDays)) {
		return "", false
	}
	return fmt.Sprintf("retention: closed %s, this server keeps transcripts %d days", t.closedAt.UTC().Format(time.DateOnly), retentionDays), true
}

// ExpireTranscript decides the retention deletion of a closed ticket.
func (t Ticket) ExpireTranscript(retentionDays int, now time.Time) ([]domain.Event, error) {
	if !t.Exists() {
		return nil, domain.Refuse(domain.ErrNotFound, "ticket.not_found")
	}
	if t.expired {
		return nil, nil
	}
	if t.status != StatusClosed {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.open_transcript_kept")
	}
	if now.Before(t.ExpiresAt(retentionDays)) {
		return nil, domain.Refuse(domain.ErrConflict, "ticket.transcript_not_due", "Number", t.number, "ExpiresAt", t.ExpiresAt(retentionDays).Format(time.RFC3339))
	}
	return []domain.Event{TranscriptExpired{Ticket: t.id, ClosedAt: t.closedAt, RetentionDays: retentionDays, At: now}}, nil
}
