package dashboard

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"mime"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// transcriptOf reads the transcript of the request's ticket, under the
// ticket's access rule; when it cannot, it has answered the request and
// ok is false.
func (d *Dashboard) transcriptOf(c *fiber.Ctx, s *staffCtx) (tr transcripts.Transcript, ok bool, err error) {
	v, err := d.ticketIn(c, s)
	if err != nil {
		return tr, false, d.failed(c, err)
	}
	tr, err = d.read.Transcripts.Get(c.UserContext(), v.ID)
	switch {
	case errors.Is(err, transcripts.ErrExpired):
		return tr, false, d.fail(c, fiber.StatusGone, "web.errors.transcript_expired")
	case errors.Is(err, transcripts.ErrNotFound):
		return tr, false, d.fail(c, fiber.StatusNotFound, "web.errors.transcript_none")
	case err != nil:
		return tr, false, d.unavailable(c, err)
	}
	return tr, true, nil
}

// attachment serves an archived attachment of a ticket to whoever may read
// the ticket. Its type is the one sniffed from its bytes when it was
// archived, never the sender's; only raster images are shown inline, any
// other file is a download, and the answer runs nothing (sandbox, nosniff).
func (d *Dashboard) attachment(c *fiber.Ctx, s *staffCtx) error {
	tr, ok, err := d.transcriptOf(c, s)
	if !ok {
		return err
	}
	a, found := tr.AttachmentOf(c.Params("file"))
	if !found || d.read.Files == nil {
		return d.fail(c, fiber.StatusNotFound, "web.errors.no_file")
	}
	r, err := transcripts.OpenArchived(c.UserContext(), d.read.Files, a)
	switch {
	case errors.Is(err, eventstore.ErrKeyDestroyed), errors.Is(err, eventstore.ErrFileMissing):
		return d.fail(c, fiber.StatusGone, "web.errors.file_deleted")
	case err != nil:
		return d.unavailable(c, err)
	}
	disposition := "attachment"
	if a.Archived.IsImage() {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentType, a.Archived.ContentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": a.Filename}))
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Set("Cache-Control", "no-store") // an erased file must not live on in a cache
	return c.SendStream(r, int(a.Archived.Size))
}

// transcriptZIP sends a ticket's transcript as a ZIP: HTML and JSON with
// the archived attachments beside them, as the HTML links them.
func (d *Dashboard) transcriptZIP(c *fiber.Ctx, s *staffCtx) error {
	tr, ok, err := d.transcriptOf(c, s)
	if !ok {
		return err
	}
	name := "ticket-" + strconv.FormatInt(tr.Number, 10)
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set("Cache-Control", "no-store")
	c.Attachment(name + ".zip")
	files := d.read.Files
	// Streamed: a ticket's files can be hundreds of megabytes.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		zw := zip.NewWriter(w)
		_, err := transcripts.WriteZIP(ctx, zw, name+"/transcript", tr, files)
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			d.logger.Error("transcript ZIP cut short", "ticket", tr.Ticket, "err", err)
		}
	})
	return nil
}
