// Package transcripts projects each ticket's conversation — its messages
// with their edits and deletions, interleaved with what happened to the
// ticket — and renders it as self-contained HTML or versioned JSON.
package transcripts

import (
	"time"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Name is the projector's name and consumer group.
// WARNING: renaming it re-consumes the whole log.
const Name = "transcripts"

// ChunkSize is how many entries one chunk document holds: a ticket of 10,000
// messages is 100 documents, each far below MongoDB's 16 MB, and a live
// update rewrites at most one small chunk.
const ChunkSize = 100

// Person is how someone appeared in the ticket.
type Person struct {
	Name   string `bson:"name" json:"name"`
	Avatar string `bson:"avatar,omitempty" json:"avatar,omitempty"`
}

// Answer is an answered form question.
type Answer struct {
	Question string `bson:"question" json:"question"`
	Answer   string `bson:"answer" json:"answer"`
}

// Attachment is a file attached to a message: Discord's link to it (which
// expires a day after it was posted) and, once the archiver has decided,
// the archived copy or why there is none.
type Attachment struct {
	ID          string `bson:"id,omitempty" json:"id,omitempty"`
	Filename    string `bson:"filename" json:"filename"`
	URL         string `bson:"url" json:"url"`
	Size        int64  `bson:"size" json:"size"`
	ContentType string `bson:"content_type,omitempty" json:"content_type,omitempty"` // as the sender claimed
	// Archived is the archive's copy of the file.
	Archived *ArchivedFile `bson:"archived,omitempty" json:"archived,omitempty"`
	// NotArchived says why the archive holds no copy (ticket.NotArchivedReason).
	NotArchived string `bson:"not_archived,omitempty" json:"not_archived,omitempty"`
}

// ArchivedFile is an attachment's archived copy.
type ArchivedFile struct {
	File        string `bson:"file" json:"-"` // its id in the file store
	Size        int64  `bson:"size" json:"size"`
	ContentType string `bson:"content_type" json:"content_type"` // sniffed from its bytes
	SHA256      string `bson:"sha256,omitempty" json:"sha256,omitempty"`
	Chunks      int    `bson:"chunks" json:"-"`
}

// IsImage says whether the archived copy is an image a browser may show
// inline: one of the raster types sniffing recognises (never SVG, which
// can carry script).
func (f *ArchivedFile) IsImage() bool {
	switch f.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp":
		return true
	}
	return false
}

// Decided says whether the archiver recorded the attachment's outcome.
func (a Attachment) Decided() bool { return a.Archived != nil || a.NotArchived != "" }

// Embed is a message embed's visible text.
type Embed struct {
	Author      string       `bson:"author,omitempty" json:"author,omitempty"`
	Title       string       `bson:"title,omitempty" json:"title,omitempty"`
	Description string       `bson:"description,omitempty" json:"description,omitempty"`
	URL         string       `bson:"url,omitempty" json:"url,omitempty"`
	Fields      []EmbedField `bson:"fields,omitempty" json:"fields,omitempty"`
	Footer      string       `bson:"footer,omitempty" json:"footer,omitempty"`
}

// EmbedField is one named field of an embed.
type EmbedField struct {
	Name  string `bson:"name" json:"name"`
	Value string `bson:"value" json:"value"`
}

// Edit is an earlier content of an edited message.
type Edit struct {
	At      time.Time `bson:"at" json:"at"`
	Content string    `bson:"content" json:"content"`
}

// Entry kinds.
const (
	KindMessage = "message"
	KindEvent   = "event"
)

// Entry is one line of a transcript: a message or something that happened.
type Entry struct {
	Position    int64        `bson:"pos" json:"position"` // global event position: the order
	At          time.Time    `bson:"at" json:"at"`
	Kind        string       `bson:"kind" json:"kind"`
	MessageID   string       `bson:"message_id,omitempty" json:"message_id,omitempty"`
	Author      string       `bson:"author,omitempty" json:"author,omitempty"`
	Bot         bool         `bson:"bot,omitempty" json:"bot,omitempty"`
	Source      string       `bson:"source,omitempty" json:"source,omitempty"` // "dashboard": written there, posted by the bot
	Content     string       `bson:"content,omitempty" json:"content,omitempty"`
	Attachments []Attachment `bson:"attachments,omitempty" json:"attachments,omitempty"`
	Embeds      []Embed      `bson:"embeds,omitempty" json:"embeds,omitempty"`
	Edits       []Edit       `bson:"edits,omitempty" json:"edits,omitempty"` // earlier contents, oldest first
	EditedAt    *time.Time   `bson:"edited_at,omitempty" json:"edited_at,omitempty"`
	Deleted     bool         `bson:"deleted,omitempty" json:"deleted,omitempty"`
	DeletedAt   *time.Time   `bson:"deleted_at,omitempty" json:"deleted_at,omitempty"`
	Erased      bool         `bson:"erased,omitempty" json:"erased,omitempty"`
	Event       string       `bson:"event,omitempty" json:"event,omitempty"` // the event type, for kind "event"
	Owner       string       `bson:"owner,omitempty" json:"-"`               // whose personal data the text holds
	Actor       string       `bson:"actor,omitempty" json:"actor,omitempty"`
	Text        string       `bson:"text,omitempty" json:"text,omitempty"` // what happened, in words
}

// header is a ticket's transcript document; its entries are in chunks.
type header struct {
	ID          string                    `bson:"_id"` // ticket id
	Guild       string                    `bson:"guild"`
	Number      int64                     `bson:"number"`
	Name        string                    `bson:"name"`
	Category    string                    `bson:"category"`
	Opener      string                    `bson:"opener"`
	Topic       string                    `bson:"topic,omitempty"`
	Answers     []Answer                  `bson:"answers,omitempty"`
	Status      string                    `bson:"status"`
	OpenedAt    time.Time                 `bson:"opened_at"`
	ClosedAt    *time.Time                `bson:"closed_at,omitempty"`
	CloseReason string                    `bson:"close_reason,omitempty"`
	Expired     bool                      `bson:"expired,omitempty"`
	People      mongodb.SortedMap[Person] `bson:"people"`
	Chunks      int                       `bson:"chunks"`
	Count       int                       `bson:"count"`
	// Unposted are messages shown from an edit because their post was
	// never captured; a late capture of the post changes nothing.
	Unposted []string `bson:"unposted,omitempty"`
	// NamedBy typed the current name, ClosedBy wrote the close reason: their
	// personal data, scrubbed when they are erased.
	NamedBy  string `bson:"named_by,omitempty"`
	ClosedBy string `bson:"closed_by,omitempty"`
	// Scrubbed lists the erasure receipts applied, sorted.
	Scrubbed []string `bson:"scrubbed,omitempty"`
	// ChunkV is each chunk's version as its content implies (chunkVersion),
	// so readers can cache chunks; it is the same live or rebuilt.
	ChunkV []int64 `bson:"chunk_v,omitempty"`
	V      int64   `bson:"v"`
	MV     int64   `bson:"mv"`
}

// chunkVersion grows with every change a chunk can see: an entry added, an
// edit kept, a deletion or an erasure marked, an attachment's archiving
// decided.
func chunkVersion(entries []Entry) int64 {
	var v int64
	for _, e := range entries {
		v += 1 + int64(len(e.Edits))
		if e.Deleted {
			v++
		}
		if e.Erased {
			v++
		}
		for _, a := range e.Attachments {
			if a.Decided() {
				v++
			}
		}
	}
	return v
}

// chunkChanged records a chunk's new version in its header.
func (h *header) chunkChanged(n int, c *chunk) {
	for len(h.ChunkV) <= n {
		h.ChunkV = append(h.ChunkV, 0)
	}
	h.ChunkV[n] = chunkVersion(c.Entries)
}

// location says which chunk holds a message, for its edits and deletion:
// one small document per message, written once.
type location struct {
	ID    string `bson:"_id"` // "<ticket>/m/<message id>"
	Chunk int    `bson:"chunk"`
}

type chunk struct {
	ID      string  `bson:"_id"` // "<ticket>/<n>"
	Ticket  string  `bson:"ticket"`
	N       int     `bson:"n"`
	Entries []Entry `bson:"entries"`
}

// Transcript is a ticket's whole transcript, entries in order.
type Transcript struct {
	Schema      string            `json:"schema"`
	Ticket      string            `json:"ticket"`
	Guild       string            `json:"guild"`
	Number      int64             `json:"number"`
	Name        string            `json:"name"`
	Category    string            `json:"category"`
	Opener      string            `json:"opener"`
	Topic       string            `json:"topic,omitempty"`
	Answers     []Answer          `json:"answers,omitempty"`
	Status      string            `json:"status"`
	OpenedAt    time.Time         `json:"opened_at"`
	ClosedAt    *time.Time        `json:"closed_at,omitempty"`
	ClosedBy    string            `json:"closed_by,omitempty"`
	CloseReason string            `json:"close_reason,omitempty"`
	People      map[string]Person `json:"people"`
	Entries     []Entry           `json:"entries"`
	// Revision identifies this content while it stays the same, for caches
	// of what is rendered from it; empty when the read caught the
	// projection mid-write (then it is not to be cached).
	Revision string `json:"-"`
}

// Schema is the JSON transcript's schema name.
// WARNING: consumers depend on it; a changed shape is a new version.
const Schema = "ticketify.transcript.v1"
