package discord_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/audit"
)

// exportText is everything in a person's export (the ZIP's files, inflated).
func exportText(t *testing.T, w *testenv.World, user fakediscord.Snowflake) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := w.Srv.Exporter.ExportUserZIP(context.Background(), &buf, domain.UserID(user), time.Time{}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		all.Write(b)
	}
	return all.String()
}

func TestStaffNotesStayWithStaff(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	ch := openTicket(t, w, "where is my order")
	tk := ticketInChannel(t, w, ch)
	const secret = "asked about order 4417 three times"
	content, eph := run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("note", fakediscord.Str("text", secret))))
	mustContain(t, "note", content, "Note added")
	if !eph {
		t.Fatal("the note's answer is visible to the channel")
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("note", fakediscord.Str("text", "me too"))))
	mustContain(t, "a member's note", content, "only staff")
	w.Settle(t)

	v, err := w.Srv.TicketViews.Get(ctx, string(tk.ID()))
	if err != nil || len(v.Notes) != 1 || v.Notes[0].Text != secret || v.Notes[0].By != w.Staff.ID.String() {
		t.Fatalf("the ticket's notes: %+v (%v)", v.Notes, err)
	}
	// Nowhere a member reads: not in the channel, not in the transcript,
	// not in the opener's export; the timeline says a note was written.
	for _, m := range f.Messages(ch.ID) {
		if strings.Contains(m.Content, "4417") {
			t.Fatalf("the note was posted in the channel: %q", m.Content)
		}
	}
	tr, err := w.Srv.Transcripts.Get(ctx, string(tk.ID()))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tr.Entries {
		if strings.Contains(e.Text+e.Content, "4417") || strings.Contains(e.Text, "note") {
			t.Fatalf("the transcript holds the note: %+v", e)
		}
	}
	if strings.Contains(exportText(t, w, w.Member.ID), "4417") {
		t.Fatal("the opener's export holds the staff note")
	}
	if !strings.Contains(exportText(t, w, w.Staff.ID), secret) {
		t.Fatal("the writer's export lacks their note")
	}
	page, err := w.Srv.Audit.Timeline(ctx, audit.Query{Guild: w.Guild.ID.String(), Ticket: string(tk.ID())})
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, e := range page.Entries {
		said = append(said, e.Text)
	}
	if all := strings.Join(said, "\n"); !strings.Contains(all, "wrote a staff note") || strings.Contains(all, "4417") {
		t.Fatalf("the timeline:\n%s", all)
	}

	// Erasing the writer erases the note's text; its trace stays.
	if _, err := w.Srv.Eraser.EraseUser(ctx, domain.UserID(w.Staff.ID), app.Meta{CommandID: "erase-staff"}); err != nil {
		t.Fatal(err)
	}
	w.WaitFor(t, "the note scrubbed", func() bool {
		v, err := w.Srv.TicketViews.Get(ctx, string(tk.ID()))
		return err == nil && len(v.Notes) == 1 && v.Notes[0].Text == "" && v.Notes[0].Erased
	})
}
