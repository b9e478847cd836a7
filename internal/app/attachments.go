package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
)

// FetchFile downloads an attachment and stores it, reading at most limit
// bytes. It returns what it stored, or nil and why not (gone, too large,
// failed for good); an error means "try again later".
type FetchFile func(ctx context.Context, limit int64) (*ticket.ArchivedFile, ticket.NotArchivedReason, error)

// ArchiveAttachment records what became of one attachment of a captured
// message: unless its outcome is recorded already (a redelivery, another
// process), it asks fetch for the file when the caps leave room, and
// appends AttachmentArchived or AttachmentNotArchived once (the command id
// is the attachment's). It returns the id of the stored file the outcome
// names ("" when the archive holds none): a file fetch stored under another
// id is no one's, and the caller's to delete.
func (a *App) ArchiveAttachment(ctx context.Context, g domain.GuildID, m ticket.MessagePosted, at ticket.Attachment,
	limits ticket.ArchiveLimits, meta Meta, fetch FetchFile) (held string, err error) {
	stream := ticket.MessagesStream(m.Ticket)
	h, err := a.store.Load(ctx, stream)
	if err != nil {
		return "", fmt.Errorf("archive %s: %w", at.ID, err)
	}
	if c, ok := h.Committed(archiveCommand(at)); ok {
		return heldFile(c), nil
	}
	var (
		stored *ticket.ArchivedFile
		reason ticket.NotArchivedReason
	)
	if r, ok := limits.Admit(ticket.ArchiveStateOf(h.Events), at.Size); !ok {
		reason = r // Discord's size is enough to refuse: nothing is downloaded
	} else if stored, reason, err = fetch(ctx, limits.PerFile); err != nil {
		return "", fmt.Errorf("archive %s: %w", at.ID, err)
	}
	now := a.clock()
	if meta.Actor.Source == "" {
		meta.Actor = domain.Actor{Source: domain.SourceAutomation, Because: "attachments are archived while Discord's links are valid"}
	}
	em := a.meta(meta, g, "", now)
	em.CommandID = archiveCommand(at)
	res, err := a.store.Update(ctx, stream, em, func(h eventstore.History) ([]domain.Event, error) {
		return ticket.RecordArchive(ticket.ArchiveStateOf(h.Events), limits, m, at, stored, reason, now)
	})
	if err != nil {
		return "", fmt.Errorf("archive %s: %w", at.ID, err)
	}
	return heldFile(res.StoredCommit), nil
}

// ArchivedFiles lists a ticket's archived attachments, from its messages
// stream.
func (a *App) ArchivedFiles(ctx context.Context, id domain.TicketID) ([]ticket.AttachmentArchived, error) {
	h, err := a.store.Load(ctx, ticket.MessagesStream(id))
	if err != nil {
		return nil, fmt.Errorf("archived files of %s: %w", id, err)
	}
	var out []ticket.AttachmentArchived
	for _, e := range h.Events {
		if f, ok := e.(ticket.AttachmentArchived); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// ArchivedFileOf returns the stored file an attachment's recorded outcome
// names ("" when none is recorded, or it names none).
func (a *App) ArchivedFileOf(ctx context.Context, id domain.TicketID, attachment string) (string, error) {
	h, err := a.store.Load(ctx, ticket.MessagesStream(id))
	if err != nil {
		return "", fmt.Errorf("archive outcome of %s: %w", attachment, err)
	}
	c, _ := h.Committed(archiveCommand(ticket.Attachment{ID: attachment}))
	return heldFile(c), nil
}

func archiveCommand(at ticket.Attachment) string { return "attachment/" + at.ID }

// heldFile is the stored file an outcome's commit names ("" for none).
func heldFile(c eventstore.StoredCommit) string {
	if len(c.Records) != 1 || c.Records[0].Type != (ticket.AttachmentArchived{}).EventType() {
		return ""
	}
	var e struct {
		File string `json:"file"`
	}
	if json.Unmarshal(c.Records[0].Data, &e) != nil {
		return ""
	}
	return e.File
}
