package dashboard_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// postArchived has u post files in a ticket's channel and waits until the
// archiver has decided each; it returns them as the transcript shows them.
func postArchived(t testing.TB, w *testenv.World, id domain.TicketID, u fakediscord.User, files ...fakediscord.File) []transcripts.Attachment {
	t.Helper()
	var ch uint64
	w.WaitFor(t, "the ticket's channel", func() bool {
		v, err := w.Srv.TicketViews.Get(context.Background(), string(id))
		ch, _ = strconv.ParseUint(v.Channel, 10, 64)
		return err == nil && ch != 0
	})
	m := w.Fake.PostFiles(fakediscord.Snowflake(ch), u, "files", files...)
	var got []transcripts.Attachment
	w.WaitFor(t, "the files archived", func() bool {
		tr, err := w.Srv.Transcripts.Get(context.Background(), string(id))
		if err != nil {
			return false
		}
		i := slices.IndexFunc(tr.Entries, func(e transcripts.Entry) bool { return e.MessageID == m.ID.String() })
		if i < 0 {
			return false
		}
		got = tr.Entries[i].Attachments
		return len(got) == len(files) && !slices.ContainsFunc(got, func(a transcripts.Attachment) bool { return !a.Decided() })
	})
	return got
}

func TestArchivedFilesAreServedUnderTheTicketsAccessRule(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	id := openTicket(t, w, w.Member, "see the screenshot")
	image, page := testenv.PNGBytes(40<<10), []byte("<html><script>alert(document.cookie)</script></html>")
	files := postArchived(t, w, id, w.Member,
		fakediscord.File{Name: "screen shot.png", ContentType: "image/png", Data: image},
		fakediscord.File{Name: "harmless.png", ContentType: "image/png", Data: page}) // HTML claiming to be an image
	g := "/guilds/" + w.Guild.ID.String()
	base := g + "/tickets/" + string(id) + "/"

	staff := newSite(t, w)
	staff.login(w.Staff)
	res, body := staff.get(base + transcripts.FilePath(files[0]))
	if res.StatusCode != http.StatusOK || body != string(image) || res.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
		t.Fatalf("the image: %d %q %q (%d bytes)", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), len(body))
	}
	res, body = staff.get(base + transcripts.FilePath(files[1]))
	if res.StatusCode != http.StatusOK || body != string(page) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("HTML sent as an image must download, sandboxed: %d %v", res.StatusCode, res.Header)
	}

	// The ticket page shows the image inline and links the other file.
	_, ticketPage := staff.get(g + "/tickets/" + string(id))
	if !strings.Contains(ticketPage, `<img src="`+base+transcripts.FilePath(files[0])+`"`) ||
		!strings.Contains(ticketPage, `href="`+base+transcripts.FilePath(files[1])+`" download`) {
		t.Fatalf("the ticket page does not show the archived files: %s", ticketPage)
	}

	// The ZIP holds both next to the transcript, where its HTML links them.
	res, body = staff.get(base + "transcript.zip")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("transcript.zip: %d", res.StatusCode)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	contents := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		contents[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	dir := "ticket-1/"
	if !bytes.Equal(contents[dir+transcripts.FilePath(files[0])], image) || !bytes.Equal(contents[dir+transcripts.FilePath(files[1])], page) {
		t.Fatalf("the ZIP's files: %v", slices.Collect(maps.Keys(contents)))
	}
	if !bytes.Contains(contents[dir+"transcript.html"], []byte(`src="`+transcripts.FilePath(files[0])+`"`)) {
		t.Fatalf("the ZIP's transcript does not link its image: %s", contents[dir+"transcript.html"])
	}

	// Nobody else reads them: a member, another server's path, another
	// ticket's path, a file that is not there.
	member := newSite(t, w)
	member.login(w.Member)
	if res, _ := member.get(base + transcripts.FilePath(files[0])); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a member (not staff) got %d", res.StatusCode)
	}
	elsewhere := w.Fake.AddGuild("Elsewhere", w.Owner)
	w.Fake.AddMember(elsewhere.ID, w.Staff)
	must(t, w.Srv.App.RecordBotJoined(context.Background(), domain.GuildID(elsewhere.ID), elsewhere.Name, domain.UserID(w.Owner.ID)))
	if res, _ := staff.get("/guilds/" + elsewhere.ID.String() + "/tickets/" + string(id) + "/" + transcripts.FilePath(files[0])); res.StatusCode != http.StatusForbidden {
		t.Fatalf("the file under another server (where they are no staff): %d", res.StatusCode)
	}
	other := openTicket(t, w, w.Owner, "another ticket")
	for _, path := range []string{
		g + "/tickets/" + string(other) + "/" + transcripts.FilePath(files[0]),
		base + "attachments/1234-nothing.png",
		base + "attachments/" + files[0].ID, // the id decides: still the image
	} {
		res, _ := staff.get(path)
		if want := http.StatusNotFound; strings.HasSuffix(path, files[0].ID) {
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
		} else if res.StatusCode != want {
			t.Fatalf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
}
