package discord_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/adapters/discord"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// archivedAttachments waits until the archiver has decided every
// attachment of message m and returns them as the transcript shows them.
func archivedAttachments(t *testing.T, w *testenv.World, tk ticket.Ticket, m fakediscord.Message) []transcripts.Attachment {
	t.Helper()
	var got []transcripts.Attachment
	w.WaitFor(t, "the attachments' archiving", func() bool {
		tr, err := w.Srv.Transcripts.Get(t.Context(), string(tk.ID()))
		if err != nil {
			return false
		}
		i := slices.IndexFunc(tr.Entries, func(e transcripts.Entry) bool { return e.MessageID == m.ID.String() })
		if i < 0 || len(tr.Entries[i].Attachments) != len(m.Attachments) {
			return false
		}
		got = tr.Entries[i].Attachments
		return !slices.ContainsFunc(got, func(a transcripts.Attachment) bool { return !a.Decided() })
	})
	return got
}

// archivedBytes reads an archived attachment back from the file store.
func archivedBytes(t *testing.T, w *testenv.World, tk ticket.Ticket, a transcripts.Attachment) ([]byte, error) {
	t.Helper()
	return io.ReadAll(w.Srv.Storage.Files.Open(t.Context(), a.Archived.File, a.Archived.Chunks))
}

func TestAttachmentsOutliveDiscordsLinks(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "the printer shows an error")
	tk := ticketInChannel(t, w, ch)
	screenshot, log := testenv.PNGBytes(600<<10), []byte("E42 paper jam in tray 2\n")
	m := f.PostFiles(ch.ID, w.Member, "here is what it shows",
		fakediscord.File{Name: "error.png", ContentType: "image/png", Data: screenshot},
		fakediscord.File{Name: "printer.log", ContentType: "image/png", Data: log}) // the sender's type is a lie

	got := archivedAttachments(t, w, tk, m)
	if got[0].Archived == nil || got[0].Archived.ContentType != "image/png" || got[0].Archived.Size != int64(len(screenshot)) || got[0].Archived.Chunks != 3 {
		t.Fatalf("the screenshot's archive: %+v", got[0])
	}
	if got[1].Archived == nil || got[1].Archived.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("the log's archive: %+v (the type must be sniffed, not the sender's)", got[1])
	}

	if n, _ := f.Downloads(m.Attachments[0].ID); n != 1 {
		t.Fatalf("the screenshot was downloaded %d times", n)
	}

	// A day later Discord's link is dead; the archive still has the file.
	w.Clock.Advance(fakediscord.LinkLifetime + time.Hour)
	resp, err := http.Get(m.Attachments[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the expired link answered %d", resp.StatusCode)
	}
	for i, want := range [][]byte{screenshot, log} {
		if b, err := archivedBytes(t, w, tk, got[i]); err != nil || !bytes.Equal(b, want) {
			t.Fatalf("archived %s: %d bytes (%v), want the %d posted", got[i].Filename, len(b), err, len(want))
		}
	}

	// The transcript folded again from the events (as a rebuild and the
	// exports do) shows the archive; it downloads nothing.
	_, before := f.Downloads(0)
	var events []projections.Event
	for _, stream := range []string{ticket.Stream(tk.ID()), ticket.MessagesStream(tk.ID())} {
		h, err := w.Srv.Storage.Store.Load(t.Context(), stream)
		if err != nil {
			t.Fatal(err)
		}
		for i := range h.Events {
			events = append(events, projections.Event{Envelope: h.Envelopes[i], Event: h.Events[i], Erased: h.Erased[i]})
		}
	}
	replayed, err := transcripts.Replay(t.Context(), string(tk.ID()), events)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(replayed.Entries, func(e transcripts.Entry) bool { return e.MessageID == m.ID.String() })
	if again := replayed.Entries[i].Attachments; *again[0].Archived != *got[0].Archived || *again[1].Archived != *got[1].Archived {
		t.Fatalf("replayed: %+v, live: %+v", again, got)
	}
	if _, after := f.Downloads(0); after != before {
		t.Fatalf("replaying downloaded %d files", after-before)
	}
}

func TestTheArchiveKeepsToItsCaps(t *testing.T) {
	w := testenv.NewWorld(t, func(env map[string]string) {
		env["TICKETIFY_ATTACHMENT_MAX_MB"] = "1"
		env["TICKETIFY_TICKET_ATTACHMENTS_MAX_MB"] = "1"
	})
	f := w.Fake
	ch := openTicket(t, w, "large files")
	tk := ticketInChannel(t, w, ch)

	big := f.PostFiles(ch.ID, w.Member, "a video", fakediscord.File{Name: "video.mp4", Data: make([]byte, 1<<20+1)})
	if got := archivedAttachments(t, w, tk, big); got[0].NotArchived != string(ticket.NotArchivedTooLarge) || got[0].Archived != nil {
		t.Fatalf("a file over the per-file cap: %+v", got[0])
	}
	if n, _ := f.Downloads(big.Attachments[0].ID); n != 0 {
		t.Fatalf("a file Discord said was too large was downloaded %d times", n)
	}

	first := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "a.png", Data: testenv.PNGBytes(600 << 10)})
	if got := archivedAttachments(t, w, tk, first); got[0].Archived == nil {
		t.Fatalf("the first file within the caps: %+v", got[0])
	}
	second := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "b.png", Data: testenv.PNGBytes(600 << 10)})
	if got := archivedAttachments(t, w, tk, second); got[0].NotArchived != string(ticket.NotArchivedTicketFull) {
		t.Fatalf("a file over what is left of the ticket's cap: %+v", got[0])
	}
}

func TestAFailingCDNIsTriedAgainAndAFileGoneIsSaidToBe(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "flaky")
	tk := ticketInChannel(t, w, ch)

	f.FailCDN(2, http.StatusServiceUnavailable)
	data := testenv.PNGBytes(100 << 10)
	m := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "a.png", Data: data})
	if got := archivedAttachments(t, w, tk, m); got[0].Archived == nil {
		t.Fatalf("after two failed downloads: %+v", got[0])
	} else if b, err := archivedBytes(t, w, tk, got[0]); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("archived %d bytes (%v)", len(b), err)
	}
	if n, _ := f.Downloads(m.Attachments[0].ID); n != 3 {
		t.Fatalf("downloaded %d times, want 3 (two failures, then the file)", n)
	}

	f.CutCDN(50 << 10)
	cut := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "b.png", Data: data})
	if got := archivedAttachments(t, w, tk, cut); got[0].Archived == nil || got[0].Archived.Size != int64(len(data)) {
		t.Fatalf("after a download dropped halfway: %+v", got[0])
	}

	f.FailCDN(1, http.StatusNotFound)
	gone := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "c.png", Data: data})
	if got := archivedAttachments(t, w, tk, gone); got[0].NotArchived != string(ticket.NotArchivedGone) {
		t.Fatalf("a file Discord no longer serves: %+v", got[0])
	}
	if n, _ := f.Downloads(gone.Attachments[0].ID); n != 1 {
		t.Fatalf("a 404 was asked %d times, want once", n)
	}

	f.FailCDN(1_000, http.StatusInternalServerError)
	failing := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "d.png", Data: data})
	if got := archivedAttachments(t, w, tk, failing); got[0].NotArchived != string(ticket.NotArchivedFailed) {
		t.Fatalf("a file the CDN never serves: %+v", got[0])
	}
	f.FailCDN(0, 0)

	// No piece of a file the archive does not hold is kept: not of a
	// download cut short (600 KiB, cut after 400: one chunk was stored).
	f.CutCDN(400 << 10)
	f.SetCDNSpeed(0, 400<<10) // the cut comes a second after the download starts
	cutThenGone := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "e.png", Data: testenv.PNGBytes(600 << 10)})
	w.WaitFor(t, "the cut download", func() bool { n, _ := f.Downloads(cutThenGone.Attachments[0].ID); return n >= 1 })
	f.DeleteFile(cutThenGone.Attachments[0].ID) // the retry finds it gone
	if got := archivedAttachments(t, w, tk, cutThenGone); got[0].NotArchived != string(ticket.NotArchivedGone) {
		t.Fatalf("after a cut download and a deleted file: %+v", got[0])
	}
	f.SetCDNSpeed(0, 0)
	for _, m := range []fakediscord.Message{gone, failing, cutThenGone} {
		a := m.Attachments[0].ID.String()
		w.WaitFor(t, "no chunks of "+a, func() bool { return storedChunks(t, w, tk, a) == 0 })
	}
	w.WaitFor(t, "every attempt settled", func() bool {
		n, err := w.Srv.Storage.Files.Unsettled(t.Context(), time.Now().Add(time.Hour))
		return err == nil && len(n) == 0
	})
}

// storedChunks counts the chunks stored for an attachment, of any attempt.
func storedChunks(t *testing.T, w *testenv.World, tk ticket.Ticket, attachment string) int64 {
	t.Helper()
	prefix := regexp.QuoteMeta(tk.ID().String() + "/" + attachment + "/")
	n, err := w.Srv.Storage.Conn.DB.Collection(mongostore.FilesCollection).CountDocuments(t.Context(),
		bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^" + prefix}}}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAFileWhoseAuthorIsErasedWhileItDownloadsIsNotKept(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "erased mid-download")
	tk := ticketInChannel(t, w, ch)
	f.SetCDNSpeed(0, 200<<10) // 600 KiB take three seconds
	m := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "passport.png", Data: testenv.PNGBytes(600 << 10)})
	w.WaitFor(t, "the download under way", func() bool { n, _ := f.Downloads(m.Attachments[0].ID); return n >= 1 })
	if _, err := w.Srv.Eraser.EraseUser(t.Context(), domain.UserID(w.Member.ID), app.Meta{CommandID: "erase-mid-download"}); err != nil {
		t.Fatal(err)
	}
	var outcome domain.Event
	w.WaitFor(t, "the outcome", func() bool {
		h, err := w.Srv.Storage.Store.Load(t.Context(), ticket.MessagesStream(tk.ID()))
		for _, e := range h.Events {
			switch e.(type) {
			case ticket.AttachmentArchived, ticket.AttachmentNotArchived:
				outcome = e
			}
		}
		return err == nil && outcome != nil
	})
	if na, ok := outcome.(ticket.AttachmentNotArchived); !ok || na.Reason != ticket.NotArchivedErased {
		t.Fatalf("a file whose author was erased while it downloaded: %+v", outcome)
	}
	w.WaitFor(t, "the erased person's file deleted and its attempt settled", func() bool {
		n, err := w.Srv.Storage.Files.Unsettled(t.Context(), time.Now().Add(time.Hour))
		return err == nil && len(n) == 0 && storedChunks(t, w, tk, m.Attachments[0].ID.String()) == 0
	})
}

func TestAnErasedAuthorsFilesAreErasedWithTheirMessages(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "erase me")
	tk := ticketInChannel(t, w, ch)
	m := f.PostFiles(ch.ID, w.Member, "my id card", fakediscord.File{Name: "id.png", Data: testenv.PNGBytes(10 << 10)})
	got := archivedAttachments(t, w, tk, m)
	if got[0].Archived == nil {
		t.Fatalf("not archived: %+v", got[0])
	}
	if _, err := w.Srv.Eraser.EraseUser(t.Context(), domain.UserID(w.Member.ID), app.Meta{CommandID: "erase-member"}); err != nil {
		t.Fatal(err)
	}
	if _, err := archivedBytes(t, w, tk, got[0]); err == nil {
		t.Fatal("an erased person's file still opens")
	}
}

func TestRetentionDeletesTheArchivedFilesWithTheTranscript(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "retention of files")
	tk := ticketInChannel(t, w, ch)
	m := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "scan.png", Data: testenv.PNGBytes(300 << 10)})
	got := archivedAttachments(t, w, tk, m)
	if got[0].Archived == nil {
		t.Fatalf("not archived: %+v", got[0])
	}
	content, _ := run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "ticket", fakediscord.Sub("close")))
	mustContain(t, "close", content, "closed")
	w.Settle(t)
	w.Clock.Advance(90*24*time.Hour + time.Minute)
	w.WaitFor(t, "the transcript deleted on day 90", func() bool {
		_, err := w.Srv.Transcripts.Get(t.Context(), string(tk.ID()))
		return errors.Is(err, transcripts.ErrExpired)
	})
	if _, err := archivedBytes(t, w, tk, got[0]); !errors.Is(err, mongostore.ErrFileMissing) {
		t.Fatalf("reading the file after retention: %v, want its chunks deleted", err)
	}
}

// zipFiles reads every file of a ZIP.
func zipFiles(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func TestExportsCarryTheArchivedFiles(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	ch := openTicket(t, w, "exports")
	tk := ticketInChannel(t, w, ch)
	mine, theirs := testenv.PNGBytes(70<<10), testenv.PNGBytes(30<<10)
	m1 := f.PostFiles(ch.ID, w.Member, "my receipt", fakediscord.File{Name: "receipt.png", Data: mine})
	m2 := f.PostFiles(ch.ID, w.Staff, "our form", fakediscord.File{Name: "form.png", Data: theirs})
	a1, a2 := archivedAttachments(t, w, tk, m1)[0], archivedAttachments(t, w, tk, m2)[0]
	w.Settle(t)

	// The member's export: their own file, where their transcript links it;
	// never the staff member's.
	var export bytes.Buffer
	mf, err := w.Srv.Exporter.ExportUserZIP(t.Context(), &export, domain.UserID(w.Member.ID), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	files := zipFiles(t, export.Bytes())
	path := "transcripts/" + transcripts.FilePath(a1)
	if len(mf.Attachments) != 1 || mf.Attachments[0].Path != path || !bytes.Equal(files[path], mine) {
		t.Fatalf("the member's export lists %+v; holds %d bytes at %s", mf.Attachments, len(files[path]), path)
	}
	if _, ok := files["transcripts/"+transcripts.FilePath(a2)]; ok {
		t.Fatal("the member's export holds the staff member's file")
	}
	var html []byte
	for name, b := range files {
		if strings.HasSuffix(name, ".html") {
			html = b
		}
	}
	if !bytes.Contains(html, []byte(`src="`+transcripts.FilePath(a1)+`"`)) {
		t.Fatalf("the export's transcript does not link the member's file: %s", html)
	}

	// The server's export: every archived file next to its transcript.
	key, err := privacy.SigningKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var guildExport bytes.Buffer
	gm, err := w.Srv.Exporter.ExportGuild(t.Context(), &guildExport, domain.GuildID(w.Guild.ID), time.Time{}, key)
	if err != nil {
		t.Fatal(err)
	}
	files = zipFiles(t, guildExport.Bytes())
	for a, want := range map[transcripts.Attachment][]byte{a1: mine, a2: theirs} {
		p := "transcripts/" + transcripts.FilePath(a)
		if !bytes.Equal(files[p], want) || gm.Files[p] == "" {
			t.Fatalf("the server's export at %s: %d bytes, manifest sum %q", p, len(files[p]), gm.Files[p])
		}
	}
}

func TestEmbedsAndBotMessagesAreInTheTranscript(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "embeds please")
	tk := ticketInChannel(t, w, ch)
	otherBot := f.NewUser("Order Bot")
	otherBot.Bot = true
	m := f.PostEmbeds(ch.ID, otherBot, "order status", fakediscord.Embed{Title: "Order A-17", Description: "**Shipped** on Monday",
		Fields: []fakediscord.EmbedField{{Name: "Carrier", Value: "DHL"}, {Name: "Tracking", Value: "JD0002"}}})
	var tr transcripts.Transcript
	w.WaitFor(t, "the other bot's message in the transcript", func() bool {
		var err error
		tr, err = w.Srv.Transcripts.Get(t.Context(), string(tk.ID()))
		return err == nil && slices.ContainsFunc(tr.Entries, func(e transcripts.Entry) bool { return e.MessageID == m.ID.String() })
	})
	i := slices.IndexFunc(tr.Entries, func(e transcripts.Entry) bool { return e.MessageID == m.ID.String() })
	got := tr.Entries[i]
	if !got.Bot || len(got.Embeds) != 1 || got.Embeds[0].Title != "Order A-17" || len(got.Embeds[0].Fields) != 2 || got.Embeds[0].Fields[1].Value != "JD0002" {
		t.Fatalf("the other bot's embed: %+v", got)
	}
	// Ticketify's own welcome (an embed) is there too, as a bot's message.
	welcome := f.Messages(ch.ID)[0]
	w.WaitFor(t, "the welcome in the transcript", func() bool {
		tr, _ = w.Srv.Transcripts.Get(t.Context(), string(tk.ID()))
		return slices.ContainsFunc(tr.Entries, func(e transcripts.Entry) bool { return e.MessageID == welcome.ID.String() })
	})
	i = slices.IndexFunc(tr.Entries, func(e transcripts.Entry) bool { return e.MessageID == welcome.ID.String() })
	if !tr.Entries[i].Bot || len(tr.Entries[i].Embeds) == 0 {
		t.Fatalf("the bot's welcome: %+v", tr.Entries[i])
	}
	var html bytes.Buffer
	if err := transcripts.RenderHTML(&html, tr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Order A-17", "<strong>Shipped</strong>", "Carrier", "JD0002", `<span class="bot">BOT</span>`} {
		if !strings.Contains(html.String(), want) {
			t.Fatalf("the HTML transcript lacks %q", want)
		}
	}
}

func TestAttemptsLeftUnsettledAreSweptByTheLog(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ch := openTicket(t, w, "sweep")
	tk := ticketInChannel(t, w, ch)
	m := f.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "kept.png", Data: testenv.PNGBytes(300 << 10)})
	kept := archivedAttachments(t, w, tk, m)[0]
	files := w.Srv.Storage.Files
	w.WaitFor(t, "the archived file's attempt settled", func() bool {
		n, err := files.Unsettled(t.Context(), time.Now().Add(time.Hour))
		return err == nil && len(n) == 0
	})

	// A process killed after writing a second copy of the same attachment
	// (it lost the event to another one) and one killed mid-way through an
	// attachment whose outcome never came: both left registered, with chunks.
	key, err := w.Srv.Storage.Keys.DataKey(t.Context(), domain.DataOwner{Subject: domain.UserID(w.Member.ID), Scope: domain.TicketScope(tk.ID())})
	if err != nil {
		t.Fatal(err)
	}
	orphans := []string{ticket.FileID(tk.ID(), kept.ID, "killed"), ticket.FileID(tk.ID(), "999", "killed")}
	for _, id := range orphans {
		if err := files.Begin(t.Context(), id, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := files.Write(t.Context(), id, key, bytes.NewReader(testenv.PNGBytes(300<<10)), 1<<20); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := w.Srv.Archiver.Sweep(t.Context(), time.Now()); err != nil || n != 0 {
		t.Fatalf("a sweep settled %d fresh attempts (%v): they may still be under way", n, err)
	}
	if n, err := w.Srv.Archiver.Sweep(t.Context(), time.Now().Add(discord.SweepAfter+time.Minute)); err != nil || n != 2 {
		t.Fatalf("a sweep an hour later settled %d (%v), want 2", n, err)
	}
	for _, a := range []string{kept.ID, "999"} {
		if n := storedChunks(t, w, tk, a); a == kept.ID && n != int64(kept.Archived.Chunks) || a == "999" && n != 0 {
			t.Fatalf("after the sweep attachment %s has %d chunks stored", a, n)
		}
	}
	if b, err := archivedBytes(t, w, tk, kept); err != nil || len(b) != int(kept.Archived.Size) {
		t.Fatalf("the file the log names: %d bytes (%v)", len(b), err)
	}
}
