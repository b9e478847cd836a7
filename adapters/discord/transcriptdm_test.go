package discord_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/audit"
)

func TestTheOpenerGetsTheTranscriptByDirectMessage(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("transcript-dm", fakediscord.BoolOpt("enabled", true))))
	mustContain(t, "setup", content, "by direct message")

	ch := openTicket(t, w, "send me the transcript")
	tk := ticketInChannel(t, w, ch)
	m := f.PostFiles(ch.ID, w.Member, "my screenshot", fakediscord.File{Name: "shot.png", Data: testenv.PNGBytes(20 << 10)})
	archivedAttachments(t, w, tk, m)
	run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "ticket", fakediscord.Sub("close")))
	var dm fakediscord.Snowflake
	w.WaitFor(t, "the transcript in the opener's DMs", func() bool {
		dm = f.DMChannel(w.Member.ID)
		return dm != 0 && len(messagesWith(w, dm, "here is its transcript")) == 1
	})
	sent := messagesWith(w, dm, "here is its transcript")[0]
	if len(sent.Attachments) != 1 || !strings.HasSuffix(sent.Attachments[0].Filename, ".html") {
		t.Fatalf("the DM carries %+v, want the transcript's HTML", sent.Attachments)
	}
	resp, err := http.Get(sent.Attachments[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"my screenshot", "data:image/png;base64,", "shot.png"} {
		if !strings.Contains(string(html), want) {
			t.Fatalf("the DM'd transcript lacks %q", want)
		}
	}

	// The member refuses them through /privacy: the next close sends none.
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, w.Lobby.ID), "privacy"))
	mustContain(t, "/privacy", content, "by direct message")
	content, _ = run(t, w, f.Button(w.As(w.Member, w.Lobby.ID), "/privacy/transcript-dms/off", nil))
	mustContain(t, "refusing", content, "no server will send you")
	ch2 := openTicket(t, w, "no transcript please")
	run(t, w, f.SlashCommand(w.As(w.Staff, ch2.ID), "ticket", fakediscord.Sub("close")))
	w.WaitFor(t, "the second close", func() bool { return len(messagesWith(w, ch2.ID, "Closed by")) == 1 })
	w.Settle(t)
	if n := len(messagesWith(w, dm, "here is its transcript")); n != 1 {
		t.Fatalf("%d transcripts in the DMs after refusing, want the first only", n)
	}

	// Accepting again with DMs closed: the refusal is recorded once and not
	// tried again.
	content, _ = run(t, w, f.Button(w.As(w.Member, w.Lobby.ID), "/privacy/transcript-dms/on", nil))
	mustContain(t, "accepting", content, "will send you")
	f.SetDMsOpen(w.Member.ID, false)
	ch3 := openTicket(t, w, "closed DMs")
	tk3 := ticketInChannel(t, w, ch3)
	run(t, w, f.SlashCommand(w.As(w.Staff, ch3.ID), "ticket", fakediscord.Sub("close")))
	refusals := func() int {
		page, err := w.Srv.Audit.Timeline(t.Context(), audit.Query{Guild: w.Guild.ID.String(), Ticket: string(tk3.ID())})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range page.Entries {
			if strings.Contains(e.Text, "send the transcript by direct message") {
				n++
			}
		}
		return n
	}
	w.WaitFor(t, "the refused DM on the timeline", func() bool { return refusals() > 0 })
	w.Settle(t)
	if n := refusals(); n != 1 {
		t.Fatalf("the refused DM is recorded %d times", n)
	}
}
