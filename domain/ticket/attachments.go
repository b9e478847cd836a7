package ticket

import (
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Discord's attachment links are signed and expire (a day), so a transcript
// that only links to them loses its images and files. The archiver copies
// each attached file while its link is valid; one of the two events below
// records what became of it, on the ticket's messages stream, once per
// attachment (the command id is the attachment's).

// ArchivedPersonal is what would identify the file's content: sealed under
// its author's key for the ticket, like the message it came with.
type ArchivedPersonal struct {
	SHA256 string `json:"sha256"`
}

// AttachmentArchived records a message's attached file stored in the
// ticket's archive: Chunks sealed pieces, Size bytes in all, of the type
// its first bytes show (never the one the sender claimed).
type AttachmentArchived struct {
	Ticket     domain.TicketID  `json:"ticket"`
	Message    domain.MessageID `json:"message"`
	Author     domain.UserID    `json:"author"`
	Attachment string           `json:"attachment"` // the attachment's Discord id
	// File is the stored file's id (FileID): each download attempt writes a
	// file of its own, so one attempt never touches another's chunks.
	File        string           `json:"file"`
	Size        int64            `json:"size"`
	ContentType string           `json:"content_type"` // sniffed
	Chunks      int              `json:"chunks"`
	At          time.Time        `json:"at"`
	Personal    ArchivedPersonal `json:"personal"`
}

// NotArchivedReason says why a file was not archived.
type NotArchivedReason string

// Reasons a file is not archived.
const (
	// NotArchivedTooLarge: the file is over the per-file cap.
	NotArchivedTooLarge NotArchivedReason = "too_large"
	// NotArchivedTicketFull: the ticket's archive would go over its cap.
	NotArchivedTicketFull NotArchivedReason = "ticket_full"
	// NotArchivedGone: Discord no longer serves the file (link expired,
	// message deleted) — it was not downloaded in time.
	NotArchivedGone NotArchivedReason = "gone"
	// NotArchivedFailed: every download attempt failed.
	NotArchivedFailed NotArchivedReason = "failed"
	// NotArchivedErased: its author was erased while it downloaded.
	NotArchivedErased NotArchivedReason = "erased"
)

// AttachmentNotArchived records a message's attached file that the
// archive does not hold, and why; the transcript says so.
type AttachmentNotArchived struct {
	Ticket     domain.TicketID   `json:"ticket"`
	Message    domain.MessageID  `json:"message"`
	Author     domain.UserID     `json:"author"`
	Attachment string            `json:"attachment"`
	Size       int64             `json:"size"` // as Discord gave it
	Reason     NotArchivedReason `json:"reason"`
	At         time.Time         `json:"at"`
}

// EventType implements domain.Event.
// WARNING: the names are stored; never change them.
func (AttachmentArchived) EventType() string    { return "ticket.attachment_archived.v1" }
func (AttachmentNotArchived) EventType() string { return "ticket.attachment_not_archived.v1" }

// DataOwner seals the hash under the author's key for the ticket, the key
// the file's chunks are sealed under.
func (e AttachmentArchived) DataOwner() domain.DataOwner { return owner(e.Author, e.Ticket) }

// FileID names one stored copy of an attachment: attempt tells apart the
// copies two attempts (a redelivery, another process) may write.
func FileID(t domain.TicketID, attachment, attempt string) string {
	return t.String() + "/" + attachment + "/" + attempt
}

// ParseFileID splits a FileID into its ticket and attachment.
func ParseFileID(id string) (domain.TicketID, string, bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return domain.TicketID(parts[0]), parts[1], true
}

// ArchiveLimits caps what the archive holds: each file, and each ticket's
// files together.
type ArchiveLimits struct {
	PerFile   int64
	PerTicket int64
}

// ArchiveState is what a ticket's messages stream says of its archive.
type ArchiveState struct {
	// Bytes is the size of the ticket's archived files.
	Bytes int64
	// Decided holds the attachments whose outcome is recorded.
	Decided map[string]bool
}

// ArchiveStateOf folds a messages stream's events.
func ArchiveStateOf(events []domain.Event) ArchiveState {
	s := ArchiveState{Decided: map[string]bool{}}
	for _, e := range events {
		switch ev := e.(type) {
		case AttachmentArchived:
			s.Bytes += ev.Size
			s.Decided[ev.Attachment] = true
		case AttachmentNotArchived:
			s.Decided[ev.Attachment] = true
		}
	}
	return s
}

// Admit says whether a file of size bytes may be archived, and if not why:
// over the per-file cap, or over what is left of the ticket's.
func (l ArchiveLimits) Admit(s ArchiveState, size int64) (NotArchivedReason, bool) {
	switch {
	case size > l.PerFile:
		return NotArchivedTooLarge, false
	case s.Bytes+size > l.PerTicket:
		return NotArchivedTicketFull, false
	}
	return "", true
}

// ArchivedFile is a file the archive stored, as the archiver measured it.
type ArchivedFile struct {
	File        string // its id in the store (FileID)
	Size        int64
	ContentType string
	Chunks      int
	SHA256      string
}

// RecordArchive decides the outcome of archiving one attachment of a
// captured message: nothing when it is already recorded, AttachmentArchived
// when the stored file still fits the caps, AttachmentNotArchived otherwise.
// stored is nil when the file was not stored, and reason says why.
func RecordArchive(s ArchiveState, l ArchiveLimits, m MessagePosted, a Attachment, stored *ArchivedFile, reason NotArchivedReason, at time.Time) ([]domain.Event, error) {
	if m.Ticket.IsZero() || m.Message.IsZero() || m.Author.IsZero() || a.ID == "" {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.attachment_ids_missing")
	}
	if s.Decided[a.ID] {
		return nil, nil
	}
	notArchived := func(r NotArchivedReason) []domain.Event {
		return []domain.Event{AttachmentNotArchived{Ticket: m.Ticket, Message: m.Message, Author: m.Author, Attachment: a.ID,
			Size: a.Size, Reason: r, At: at}}
	}
	if stored == nil {
		if reason == "" {
			return nil, domain.Refuse(domain.ErrInvalid, "ticket.attachment_reason_missing")
		}
		return notArchived(reason), nil
	}
	if r, ok := l.Admit(s, stored.Size); !ok {
		return notArchived(r), nil
	}
	return []domain.Event{AttachmentArchived{Ticket: m.Ticket, Message: m.Message, Author: m.Author, Attachment: a.ID,
		File: stored.File, Size: stored.Size, ContentType: stored.ContentType, Chunks: stored.Chunks, At: at,
		Personal: ArchivedPersonal{SHA256: stored.SHA256}}}, nil
}
