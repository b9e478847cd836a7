package privacy

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// withheldMessage replaces another person's words in a transcript of one of
// the person's tickets.
const withheldMessage = "[withheld: another person's message]"

// ExportUserZIP writes a person's export as a ZIP: export.json (ExportUser)
// and, for every ticket they opened, its transcript as HTML and JSON,
// replayed from the ticket's events. In those transcripts other people's
// words and names are withheld; the manifest says so.
func (x *Exporter) ExportUserZIP(ctx context.Context, w io.Writer, user domain.UserID, asOf time.Time) (Manifest, error) {
	if x.Store == nil {
		return Manifest{}, errors.New("export: no store to replay transcripts from")
	}
	zw := zip.NewWriter(w)
	f, err := zw.Create("export.json")
	if err != nil {
		return Manifest{}, err
	}
	m, err := x.ExportUser(ctx, f, user, asOf)
	if err != nil {
		return m, err
	}
	for _, id := range m.TicketsOpened {
		tr, err := x.replay(ctx, id, asOf)
		if errors.Is(err, transcripts.ErrExpired) || errors.Is(err, transcripts.ErrNotFound) {
			continue // retention deleted it
		}
		if err != nil {
			return m, err
		}
		withholdOthers(&tr, user)
		// Their own files are written once below, where this links them.
		if _, err := transcripts.WriteZIP(ctx, zw, fmt.Sprintf("transcripts/%s-%d", tr.Guild, tr.Number), tr, nil); err != nil {
			return m, err
		}
	}
	if x.Files != nil {
		for _, f := range m.Attachments { // left out if erased or expired since the export began
			a := transcripts.Attachment{ID: f.Attachment, Filename: f.Filename, Archived: &transcripts.ArchivedFile{File: f.file, Chunks: f.chunks}}
			if err := transcripts.AddArchived(ctx, zw, f.Path, x.Files, a, nil); err != nil {
				return m, err
			}
		}
	}
	return m, zw.Close()
}

// replay builds a ticket's transcript from its two streams up to asOf.
func (x *Exporter) replay(ctx context.Context, id string, asOf time.Time) (transcripts.Transcript, error) {
	var events []projections.Event
	for _, stream := range []string{"ticket/" + id, "ticket/" + id + "/messages"} {
		h, err := x.Store.Load(ctx, stream)
		if err != nil {
			return transcripts.Transcript{}, err
		}
		for i := range h.Events {
			if !asOf.IsZero() && h.Envelopes[i].OccurredAt.After(asOf) {
				continue
			}
			events = append(events, projections.Event{Envelope: h.Envelopes[i], Event: h.Events[i], Erased: h.Erased[i]})
		}
	}
	return transcripts.Replay(ctx, id, events)
}

// withholdOthers keeps only the person's own words and name.
func withholdOthers(tr *transcripts.Transcript, user domain.UserID) {
	me := user.String()
	for who := range tr.People {
		if who != me {
			tr.People[who] = transcripts.Person{Name: "another person"}
		}
	}
	for i := range tr.Entries {
		e := &tr.Entries[i]
		switch {
		case e.Kind == transcripts.KindMessage && e.Author != me:
			e.Content, e.Attachments, e.Embeds = withheldMessage, nil, nil
			for j := range e.Edits {
				e.Edits[j].Content = withheldMessage
			}
		case e.Kind == transcripts.KindEvent && e.Owner != "" && e.Owner != me:
			if text, ok := withoutPersonal(e.Event, e.Owner); ok {
				e.Text = text
			}
		}
	}
	if tr.ClosedBy != me {
		tr.CloseReason = ""
	}
}

// withoutPersonal says what an event entry says, without its owner's words.
func withoutPersonal(eventType, owner string) (string, bool) {
	by, err := domain.ParseUserID(owner)
	if err != nil {
		return "", false
	}
	var e domain.Event
	switch eventType {
	case "ticket.renamed.v1":
		e = ticket.Renamed{By: by}
	case "ticket.closed.v1":
		e = ticket.Closed{By: by}
	default:
		return "", false
	}
	return projections.DescribeImpersonally(projections.Event{Event: e}), true
}
