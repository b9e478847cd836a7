package ticket_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
)

var (
	archivedAt   = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	capturedPost = ticket.MessagePosted{Ticket: "t1", Message: 10, Author: 20}
	limits       = ticket.ArchiveLimits{PerFile: 100, PerTicket: 250}
)

func TestAStoredFileWithinTheCapsIsRecordedArchived(t *testing.T) {
	file := &ticket.ArchivedFile{File: "t1/a1/x", Size: 80, ContentType: "image/png", Chunks: 1, SHA256: "ab"}
	events, err := ticket.RecordArchive(ticket.ArchiveStateOf(nil), limits, capturedPost, ticket.Attachment{ID: "a1", Size: 80}, file, "", archivedAt)
	if err != nil {
		t.Fatal(err)
	}
	want := ticket.AttachmentArchived{Ticket: "t1", Message: 10, Author: 20, Attachment: "a1", File: "t1/a1/x", Size: 80, ContentType: "image/png",
		Chunks: 1, At: archivedAt, Personal: ticket.ArchivedPersonal{SHA256: "ab"}}
	if len(events) != 1 || events[0] != want {
		t.Fatalf("got %+v, want %+v", events, want)
	}
	if want.DataOwner() != (domain.DataOwner{Subject: 20, Scope: domain.TicketScope("t1")}) {
		t.Fatalf("the hash is sealed under %+v, not the author's key for the ticket", want.DataOwner())
	}
}

func TestTheCapsAreCheckedOnTheSizeDownloadedNotTheSizeClaimed(t *testing.T) {
	// Discord said 80 bytes; the download had 120.
	file := &ticket.ArchivedFile{Size: 120, Chunks: 1}
	events, _ := ticket.RecordArchive(ticket.ArchiveStateOf(nil), limits, capturedPost, ticket.Attachment{ID: "a1", Size: 80}, file, "", archivedAt)
	if na, ok := events[0].(ticket.AttachmentNotArchived); !ok || na.Reason != ticket.NotArchivedTooLarge {
		t.Fatalf("got %+v, want not archived: too large", events)
	}
}

func TestATicketsArchiveStopsAtItsCap(t *testing.T) {
	history := []domain.Event{
		ticket.AttachmentArchived{Attachment: "a1", Size: 100},
		ticket.AttachmentArchived{Attachment: "a2", Size: 100},
		ticket.AttachmentNotArchived{Attachment: "a3", Size: 900, Reason: ticket.NotArchivedTooLarge}, // counts nothing
	}
	s := ticket.ArchiveStateOf(history)
	if s.Bytes != 200 {
		t.Fatalf("archived bytes %d, want 200", s.Bytes)
	}
	if r, ok := limits.Admit(s, 50); !ok {
		t.Fatalf("50 more bytes fit a 250-byte ticket holding 200, refused: %s", r)
	}
	events, _ := ticket.RecordArchive(s, limits, capturedPost, ticket.Attachment{ID: "a4"}, &ticket.ArchivedFile{Size: 51}, "", archivedAt)
	if na, ok := events[0].(ticket.AttachmentNotArchived); !ok || na.Reason != ticket.NotArchivedTicketFull {
		t.Fatalf("got %+v, want not archived: ticket full", events)
	}
}

func TestAnAttachmentsOutcomeIsRecordedOnce(t *testing.T) {
	s := ticket.ArchiveStateOf([]domain.Event{ticket.AttachmentNotArchived{Attachment: "a1", Reason: ticket.NotArchivedGone}})
	events, err := ticket.RecordArchive(s, limits, capturedPost, ticket.Attachment{ID: "a1"}, &ticket.ArchivedFile{Size: 1}, "", archivedAt)
	if err != nil || len(events) != 0 {
		t.Fatalf("a second outcome for one attachment: %+v, %v", events, err)
	}
}

func TestAFileNotStoredIsRecordedWithItsReason(t *testing.T) {
	events, _ := ticket.RecordArchive(ticket.ArchiveStateOf(nil), limits, capturedPost, ticket.Attachment{ID: "a1", Size: 7}, nil, ticket.NotArchivedGone, archivedAt)
	want := ticket.AttachmentNotArchived{Ticket: "t1", Message: 10, Author: 20, Attachment: "a1", Size: 7, Reason: ticket.NotArchivedGone, At: archivedAt}
	if len(events) != 1 || events[0] != want {
		t.Fatalf("got %+v, want %+v", events, want)
	}
	if _, err := ticket.RecordArchive(ticket.ArchiveStateOf(nil), limits, capturedPost, ticket.Attachment{ID: "a1"}, nil, "", archivedAt); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("no file and no reason: %v, want invalid", err)
	}
	if _, err := ticket.RecordArchive(ticket.ArchiveStateOf(nil), limits, ticket.MessagePosted{Ticket: "t1"}, ticket.Attachment{ID: "a1"}, nil, ticket.NotArchivedGone, archivedAt); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("no message ids: %v, want invalid", err)
	}
}
