// Package analytics projects daily numbers per guild: tickets opened, closed
// and reopened (closed automatically, by cause), close requests by outcome,
// ratings, commands and buttons used, saved answers (tags) posted, first-response times (also counting
// only support hours) and resolution times, the open backlog at the end of
// each day, and what each staff member claimed, closed and was rated. Counting is exactly once under duplicate or reordered
// delivery: every number is either guarded by its stream's version or kept
// as a ticket's contribution under the ticket's id.
package analytics

import (
	"time"

	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Name is the projector's name and consumer group.
// WARNING: renaming it re-consumes the whole log.
const Name = "analytics"

// contribution is what one ticket adds to one day.
type contribution struct {
	Opened        int   `bson:"opened,omitempty"`
	Closed        int   `bson:"closed,omitempty"`
	Reopened      int   `bson:"reopened,omitempty"`
	FirstResponse int64 `bson:"first_response_ms,omitempty"` // set on the day of the first staff answer
	// FirstResponseInHours is the part of FirstResponse within the server's
	// support hours (as they stood at the ticket's latest event); 0 for a
	// ticket answered at once outside them, -1 when there is no answer yet.
	FirstResponseInHours int64                  `bson:"first_response_in_hours_ms,omitempty"`
	Resolution           int64                  `bson:"resolution_ms,omitempty"`  // set on the day of the first close
	Claimed              mongodb.SortedMap[int] `bson:"claimed,omitempty"`        // staff → claims that day
	ClosedBy             mongodb.SortedMap[int] `bson:"closed_by,omitempty"`      // staff → closes that day
	AutoClosed           mongodb.SortedMap[int] `bson:"auto_closed,omitempty"`    // cause → closes by automation that day
	CloseRequests        mongodb.SortedMap[int] `bson:"close_requests,omitempty"` // outcome (accepted, denied, expired) → count
	Rating               int                    `bson:"rating,omitempty"`         // the ticket's latest rating, on the day it was given
	RatedStaff           []string               `bson:"rated_staff,omitempty"`    // who claimed or closed it, credited with that rating
	Tags                 mongodb.SortedMap[int] `bson:"tags,omitempty"`           // tag → posts in the ticket that day
}

// net is what a contribution does to the open backlog.
func (c contribution) net() int { return c.Opened + c.Reopened - c.Closed }

// day is a guild's numbers for one UTC day. The tickets' contributions are
// in chunks of the day, by ticket number (ChunkTickets numbers a chunk), so
// a busy day is several small documents and a change rewrites one.
type day struct {
	ID       string                 `bson:"_id"` // "d/<guild>/<YYYY-MM-DD>"
	Guild    string                 `bson:"guild"`
	Day      string                 `bson:"day"`
	Chunks   []int64                `bson:"chunks"` // sorted
	Commands mongodb.SortedMap[int] `bson:"commands"`
	UV       int64                  `bson:"uv"` // version of the day's usage stream applied
}

// ChunkTickets is how many ticket numbers share a chunk of a day.
const ChunkTickets = 256

// dayChunk holds the contributions of tickets numbered [N·256, N·256+256)
// to one day.
type dayChunk struct {
	ID      string                          `bson:"_id"` // "d/<guild>/<YYYY-MM-DD>/<n>"
	Tickets mongodb.SortedMap[contribution] `bson:"tickets"`
}

// days lists a guild's days with numbers and each day's net change of the
// open backlog, so the backlog at any day is a prefix sum of one document.
type days struct {
	ID   string   `bson:"_id"` // "g/<guild>"
	Days []string `bson:"days"`
	Net  []int    `bson:"net"` // parallel to Days
}

// hoursDoc is a server's support hours, folded from its settings stream.
type hoursDoc struct {
	ID    string             `bson:"_id"` // "h/<guild>"
	Hours guild.SupportHours `bson:"hours"`
	V     int64              `bson:"v"`
}

// fact is something that happened to a ticket, in its stream order.
type fact struct {
	Kind  string    `bson:"kind"` // opened, closed, reopened, claimed, rated, close-request, tag
	At    time.Time `bson:"at"`
	By    string    `bson:"by,omitempty"`
	Cause string    `bson:"cause,omitempty"` // closed by automation: why (ticket.Cause)
}

// ticketState is what the projector remembers of a ticket.
type ticketState struct {
	ID     string `bson:"_id"` // "t/<ticket>"
	Guild  string `bson:"guild"`
	Opener string `bson:"opener"`
	Facts  []fact `bson:"facts"`
	// Earliest message of each author who is not the opener nor a bot: the
	// minimum, so it does not matter in which order messages arrive.
	Answers mongodb.SortedMap[time.Time] `bson:"answers"`
	Number  int64                        `bson:"number"`
	// Days the ticket contributes to, so a contribution that moves (an
	// earlier answer delivered late) is taken off its old day.
	Days []string `bson:"days,omitempty"`
	V    int64    `bson:"v"`
	MV   int64    `bson:"mv"`
}
