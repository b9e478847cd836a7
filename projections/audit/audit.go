// Package audit projects the audit timeline: per guild and per ticket, who
// did what, when and through which door (slash command, button, dashboard,
// automation with its reason, a Discord-side fact), settings changes with
// before and after, newest first. Each stream's events are hash-chained, and
// `ticketify audit verify` recomputes the chains from the log.
package audit

import (
	"time"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Name is the projector's name and consumer group.
// WARNING: renaming it re-consumes the whole log.
const Name = "audit"

// PageSpan is how many global positions one page document covers.
const PageSpan = 512

// Entry is one line of the timeline. It holds no personal data.
type Entry struct {
	Position int64                     `bson:"pos" json:"position"`
	At       time.Time                 `bson:"at" json:"at"`
	Type     string                    `bson:"type" json:"type"`
	Stream   string                    `bson:"stream" json:"stream"`
	Version  int64                     `bson:"v" json:"version"`
	Guild    string                    `bson:"guild" json:"guild"`
	Ticket   string                    `bson:"ticket,omitempty" json:"ticket,omitempty"`
	Actor    string                    `bson:"actor,omitempty" json:"actor,omitempty"`
	Source   string                    `bson:"source,omitempty" json:"source,omitempty"`
	Because  string                    `bson:"because,omitempty" json:"because,omitempty"`
	Text     string                    `bson:"text" json:"text"`                           // in English (DescribeImpersonally), as the API gives it
	Said     projections.Sentence      `bson:"said" json:"-"`                              // Text as a sentence, for the dashboard to say in the reader's language (zero before version 3)
	Details  mongodb.SortedMap[string] `bson:"details,omitempty" json:"details,omitempty"` // before/after of settings
	Hash     string                    `bson:"hash" json:"hash"`                           // the stream's chain after this event
}

// page holds the entries of one scope (a guild or a ticket) whose positions
// fall in one PageSpan, ordered by position.
type page struct {
	ID      string  `bson:"_id"` // "g/<guild>/<n>" or "t/<ticket>/<n>"
	Entries []Entry `bson:"entries"`
}

// index lists a scope's non-empty pages and how many entries each holds.
// Pages only ever gain entries, so the count versions a page: readers cache
// pages by it.
type index struct {
	ID     string  `bson:"_id"` // "g/<guild>" or "t/<ticket>"
	Pages  []int64 `bson:"pages"`
	Counts []int   `bson:"counts"` // parallel to Pages
}

// chain is a stream's hash chain head.
type chain struct {
	ID      string `bson:"_id"` // "s/<stream>"
	Stream  string `bson:"stream"`
	Version int64  `bson:"v"`
	Hash    string `bson:"hash"`
}
