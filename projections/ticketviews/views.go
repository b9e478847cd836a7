// Package ticketviews projects tickets into the views staff browse: one
// detail document per ticket and, per guild, list pages of ticket summaries.
// Both are addressed by _id, the one lookup embedded FerretDB indexes.
package ticketviews

import "time"

// Name is the projector's name and consumer group.
// WARNING: renaming it re-consumes the whole log.
const Name = "ticket-views"

// PageSize is how many tickets, by number, share one list page.
const PageSize = 250

// Answer is a form answer as shown.
type Answer struct {
	Question string `bson:"question" json:"question"`
	Answer   string `bson:"answer" json:"answer"`
}

// Note is a staff note as staff read it.
type Note struct {
	By     string    `bson:"by" json:"by"`
	At     time.Time `bson:"at" json:"at"`
	Text   string    `bson:"text,omitempty" json:"text,omitempty"`
	Erased bool      `bson:"erased,omitempty" json:"erased,omitempty"`
}

// View is everything staff see about one ticket.
type View struct {
	ID          string     `bson:"_id" json:"id"`
	Guild       string     `bson:"guild" json:"guild"`
	Number      int64      `bson:"number" json:"number"`
	Status      string     `bson:"status" json:"status"`
	Opener      string     `bson:"opener" json:"opener"`
	Claimer     string     `bson:"claimer,omitempty" json:"claimer,omitempty"`
	Members     []string   `bson:"members" json:"members"`
	Category    string     `bson:"category" json:"category"`
	Priority    string     `bson:"priority" json:"priority"`
	Channel     string     `bson:"channel,omitempty" json:"channel,omitempty"`
	ThreadOf    string     `bson:"thread_of,omitempty" json:"thread_of,omitempty"` // thread mode: the channel its private thread is under
	Name        string     `bson:"name" json:"name"`
	Topic       string     `bson:"topic,omitempty" json:"topic,omitempty"`
	Answers     []Answer   `bson:"answers,omitempty" json:"answers,omitempty"`
	OpenedAt    time.Time  `bson:"opened_at" json:"opened_at"`
	ClosedAt    *time.Time `bson:"closed_at,omitempty" json:"closed_at,omitempty"`
	ClosedBy    string     `bson:"closed_by,omitempty" json:"closed_by,omitempty"`
	CloseReason string     `bson:"close_reason,omitempty" json:"close_reason,omitempty"`
	ChannelLost bool       `bson:"channel_lost,omitempty" json:"channel_lost,omitempty"`
	// Rating is the opener's latest rating (1-5, 0 when none) and
	// RatingComment their comment (their personal data).
	Rating            int    `bson:"rating,omitempty" json:"rating,omitempty"`
	RatingComment     string `bson:"rating_comment,omitempty" json:"rating_comment,omitempty"`
	TranscriptExpired bool   `bson:"transcript_expired,omitempty" json:"transcript_expired,omitempty"`
	// Notes are staff's private notes, oldest first; each text is its
	// writer's personal data.
	Notes []Note `bson:"notes,omitempty" json:"notes,omitempty"`
	// LastFailure is the last Discord action that failed for good, for staff.
	LastFailure string `bson:"last_failure,omitempty" json:"last_failure,omitempty"`
	// Erased is true when some of the ticket's personal data was erased.
	Erased bool `bson:"erased,omitempty" json:"erased,omitempty"`
	// NamedBy typed the current name (the name is their personal data).
	NamedBy string `bson:"named_by,omitempty" json:"-"`
	// Scrubbed lists the erasure receipts applied to this ticket, sorted.
	Scrubbed     []string `bson:"scrubbed,omitempty" json:"-"`
	MessageCount int      `bson:"message_count" json:"message_count"`
	// LastMessageID is the newest captured message, where a back-fill resumes.
	LastMessageID string     `bson:"last_message_id,omitempty" json:"last_message_id,omitempty"`
	LastMessageAt *time.Time `bson:"last_message_at,omitempty" json:"last_message_at,omitempty"`
	UpdatedAt     time.Time  `bson:"updated_at" json:"updated_at"` // time of the last event applied
	// Version and MessagesVersion are the versions of the ticket's two
	// streams applied: the apply-once guard.
	Version         int64 `bson:"v" json:"version"`
	MessagesVersion int64 `bson:"mv" json:"messages_version"`
}

// Summary is a ticket's line in a guild's list.
type Summary struct {
	ID           string     `bson:"id" json:"id"`
	Number       int64      `bson:"number" json:"number"`
	Status       string     `bson:"status" json:"status"`
	Opener       string     `bson:"opener" json:"opener"`
	Claimer      string     `bson:"claimer,omitempty" json:"claimer,omitempty"`
	Category     string     `bson:"category" json:"category"`
	Priority     string     `bson:"priority" json:"priority"`
	Name         string     `bson:"name" json:"name"`
	Topic        string     `bson:"topic,omitempty" json:"topic,omitempty"`
	OpenedAt     time.Time  `bson:"opened_at" json:"opened_at"`
	ClosedAt     *time.Time `bson:"closed_at,omitempty" json:"closed_at,omitempty"`
	MessageCount int        `bson:"message_count" json:"message_count"`
	UpdatedAt    time.Time  `bson:"updated_at" json:"updated_at"`
	Version      int64      `bson:"v" json:"-"`
	MessagesVer  int64      `bson:"mv" json:"-"`
	Scrubbed     int64      `bson:"scrubbed,omitempty" json:"-"`
}

func (v *View) summary() Summary {
	return Summary{
		ID: v.ID, Number: v.Number, Status: v.Status, Opener: v.Opener, Claimer: v.Claimer, Category: v.Category,
		Priority: v.Priority, Name: v.Name, Topic: v.Topic, OpenedAt: v.OpenedAt, ClosedAt: v.ClosedAt,
		MessageCount: v.MessageCount, UpdatedAt: v.UpdatedAt, Version: v.Version, MessagesVer: v.MessagesVersion,
		Scrubbed: int64(len(v.Scrubbed)),
	}
}

// page is one list page of a guild.
type page struct {
	ID      string    `bson:"_id"` // "<guild>/<page>"
	Guild   string    `bson:"guild"`
	Page    int64     `bson:"page"`
	Tickets []Summary `bson:"tickets"` // by number: a map would make BSON key order, and so rebuilds, differ
}

// guildIndex records how many pages a guild has, and a version of each:
// the sum of weight over its tickets. A ticket's line changes only with its
// streams' versions, which only grow, so a page's version changes whenever
// the page does — and it is the same live, rebuilt or shuffled, because it
// depends on the page's content only. Readers cache pages by it.
type guildIndex struct {
	ID    string  `bson:"_id"` // "<guild>"
	Pages int64   `bson:"pages"`
	PageV []int64 `bson:"page_v"`
}

// weight is a line's share of its page's version.
func weight(s Summary) int64 { return s.Version + s.MessagesVer + s.Scrubbed + 1 }

// pageVersion is the version a page's content implies.
func pageVersion(tickets []Summary) int64 {
	var v int64
	for _, s := range tickets {
		v += weight(s)
	}
	return v
}

func pageOf(number int64) int64 { return (number - 1) / PageSize }

// channelLink maps a Discord channel to the ticket it belongs to.
type channelLink struct {
	ID     string `bson:"_id"` // the channel id
	Ticket string `bson:"ticket"`
	Guild  string `bson:"guild"`
}
