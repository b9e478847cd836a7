package transcripts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/transcripts"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const g domain.GuildID = 77

var staff = ticket.Participant{User: 9, Staff: true, Guild: g}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func post(t testing.TB, env *testenv.AppEnv, id domain.TicketID, msg domain.MessageID, author domain.UserID, name, content string) {
	t.Helper()
	must(t, env.App.RecordMessagePosted(context.Background(), g, ticket.PostedMessage{Ticket: id, Channel: 1, Message: msg, Author: author,
		AuthorName: name, At: time.Date(2026, 11, 1, 12, 0, int(msg%60), 0, time.UTC), Content: content}))
}

// conversation opens a ticket and has a short conversation with an edit, a
// deletion, a claim and a close.
func conversation(t testing.TB, env *testenv.AppEnv, opener domain.UserID) domain.TicketID {
	t.Helper()
	ctx := context.Background()
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: opener, Topic: "printer on fire"})
	must(t, err)
	post(t, env, o.Ticket, 1, opener, "Mia", "Hello, my **printer** is on fire")
	must(t, env.App.Claim(ctx, o.Ticket, staff, app.Meta{}))
	post(t, env, o.Ticket, 2, 9, "Sam Staff", "Have you tried `turning it off`?")
	post(t, env, o.Ticket, 3, opener, "Mia", "tpyo")
	must(t, env.App.RecordMessageEdited(ctx, g, o.Ticket, 3, opener, "typo", nil, time.Date(2026, 11, 1, 12, 5, 0, 0, time.UTC)))
	post(t, env, o.Ticket, 4, opener, "Mia", "ignore this")
	must(t, env.App.RecordMessageDeleted(ctx, g, o.Ticket, 4))
	must(t, env.App.Close(ctx, o.Ticket, staff, "extinguished", app.Meta{}))
	return o.Ticket
}

func readerFor(rt *runner.Runtime) *transcripts.Reader {
	return transcripts.NewReader(func(ctx context.Context) (projections.Target, error) {
		return rt.Target(ctx, transcripts.Projector{})
	})
}

func TestATranscriptInterleavesMessagesAndWhatHappened(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, transcripts.Projector{})
	id := conversation(t, env, 100)
	env.Caught(t, rt)
	tr, err := readerFor(rt).Get(context.Background(), string(id))
	must(t, err)
	var got []string
	for _, e := range tr.Entries {
		if e.Kind == transcripts.KindMessage {
			got = append(got, "msg:"+e.Content)
		} else {
			got = append(got, "event:"+e.Event)
		}
	}
	want := []string{"event:ticket.opened.v1", "msg:Hello, my **printer** is on fire", "event:ticket.claimed.v1",
		"msg:Have you tried `turning it off`?", "msg:typo", "msg:ignore this", "event:ticket.closed.v1"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries\n got %v\nwant %v", got, want)
	}
	edited := tr.Entries[4]
	if len(edited.Edits) != 1 || edited.Edits[0].Content != "tpyo" || edited.EditedAt == nil {
		t.Fatalf("edit history %+v", edited)
	}
	if !tr.Entries[5].Deleted {
		t.Fatal("the deleted message is not marked")
	}
	if tr.Topic != "printer on fire" || tr.CloseReason != "extinguished" || tr.People["100"].Name != "Mia" {
		t.Fatalf("header %+v", tr)
	}
	var buf bytes.Buffer
	must(t, transcripts.RenderHTML(&buf, tr))
	page := buf.String()
	for _, want := range []string{"<strong>printer</strong>", "<code>turning it off</code>", "(edited)", "earlier", "deleted", "Sam Staff", "extinguished"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	buf.Reset()
	must(t, transcripts.RenderJSON(&buf, tr))
	var decoded transcripts.Transcript
	must(t, json.Unmarshal(buf.Bytes(), &decoded))
	if decoded.Schema != "ticketify.transcript.v1" || len(decoded.Entries) != len(tr.Entries) {
		t.Fatalf("JSON transcript: schema %q, %d entries", decoded.Schema, len(decoded.Entries))
	}
}

// TestUntrustedContentNeverBecomesMarkup parses the rendered page into a DOM
// and checks that nothing a person wrote became an element, an event handler
// attribute or a script URL.
func TestUntrustedContentNeverBecomesMarkup(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`"><svg onload=alert(1)>`,
		"```\n</code></pre><script>alert(2)</script>\n```",
		"`<iframe src=javascript:alert(3)>`",
		`**<b onmouseover=alert(4)>bold</b>**`,
		`<@123"><script>alert(5)</script>>`,
		`https://example.com/"onmouseover="alert(6)`,
		`[click](javascript:alert(7))`,
		"\x00<script>alert(8)</script>\x01",
	}
	tr := transcripts.Transcript{Schema: transcripts.Schema, Ticket: "T", Number: 1, Name: `<script>x</script>`, Opener: "1",
		Topic: `<img src=x onerror=alert(9)>`, CloseReason: `</dd><script>alert(10)</script>`,
		Answers: []transcripts.Answer{{Question: `<script>q</script>`, Answer: `<script>a</script>`}},
		People:  map[string]transcripts.Person{"1": {Name: `<img src=x onerror=alert(11)>`}}}
	for i, h := range hostile {
		tr.Entries = append(tr.Entries, transcripts.Entry{Position: int64(i), Kind: transcripts.KindMessage, MessageID: fmt.Sprint(i), Author: "1", Content: h,
			Attachments: []transcripts.Attachment{{Filename: `"><script>alert(12)</script>`, URL: "javascript:alert(13)"}},
			Embeds:      []transcripts.Embed{{Title: `<script>t</script>`, Description: h}}})
	}
	var buf bytes.Buffer
	must(t, transcripts.RenderHTML(&buf, tr))
	doc, err := html.Parse(&buf)
	must(t, err)
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "img", "svg", "object", "embed", "b":
				t.Errorf("a message became a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("an event handler attribute %s=%q", a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					t.Errorf("a script URL in %s: %q", a.Key, a.Val)
				}
				if a.Key == "style" && !strings.HasPrefix(a.Val, "background:hsl(") {
					t.Errorf("a style the template refused or did not make: %q", a.Val) // html/template writes ZgotmplZ for what it refuses
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func TestRebuildEqualsLive(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, transcripts.Projector{})
	for u := domain.UserID(100); u < 104; u++ {
		conversation(t, env, u)
	}
	env.Caught(t, rt)
	ctx := context.Background()
	live, err := rt.Target(ctx, transcripts.Projector{})
	must(t, err)
	rebuilt := projections.Target{Conn: env.Conn, Generation: 99, Store: env.Store}
	_, err = rt.Replay(ctx, transcripts.Projector{}, rebuilt, 0)
	must(t, err)
	a, b := testenv.Dump(t, env, live.Collection("transcripts")), testenv.Dump(t, env, rebuilt.Collection("transcripts"))
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("live and rebuilt transcripts differ:\n%v\n%v", a, b)
	}
}

func TestShuffledAndDuplicatedDeliveryGiveTheSameTranscripts(t *testing.T) {
	env := testenv.NewApp(t)
	var ids []domain.TicketID
	for u := domain.UserID(100); u < 103; u++ {
		ids = append(ids, conversation(t, env, u))
	}
	ctx := context.Background()
	events := allEvents(t, env)
	render := func(gen int, order []projections.Event) []string {
		tgt := projections.Target{Conn: env.Conn, Generation: gen, Store: env.Store}
		a, err := transcripts.Projector{}.Open(ctx, tgt)
		must(t, err)
		for i, e := range order {
			must(t, a.Apply(ctx, e))
			if i%5 == 0 {
				must(t, a.Flush(ctx))
			}
		}
		must(t, a.Flush(ctx))
		r := transcripts.NewReader(func(context.Context) (projections.Target, error) { return tgt, nil })
		var out []string
		for _, id := range ids {
			tr, err := r.Get(ctx, string(id))
			must(t, err)
			var buf bytes.Buffer
			must(t, transcripts.RenderJSON(&buf, tr))
			out = append(out, buf.String())
		}
		return out
	}
	want := render(1, events)
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 11))
		order := slices.Clone(events)
		for range len(events) / 2 {
			order = append(order, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if got := render(int(seed)+2, order); !slices.Equal(got, want) {
			t.Fatalf("seed %d: transcripts differ\n got %v\nwant %v", seed, got, want)
		}
	}
}

func allEvents(t testing.TB, env *testenv.AppEnv) []projections.Event {
	t.Helper()
	ctx := context.Background()
	commits, err := env.Log.ReadLog(ctx, "", 1, 100_000)
	must(t, err)
	var out []projections.Event
	for _, c := range commits {
		for _, e := range c.Envelopes() {
			d, err := env.Store.Codec().Decode(ctx, e.Record)
			must(t, err)
			out = append(out, projections.Event{Envelope: e, Event: d.Event, Erased: d.Erased})
		}
	}
	return out
}

func TestATenThousandMessageTicket(t *testing.T) {
	if testing.Short() {
		t.Skip("appends 10,000 messages")
	}
	env := testenv.NewApp(t)
	ctx := context.Background()
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: 5})
	must(t, err)
	const n = 10_000
	var wg sync.WaitGroup
	work := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				post(t, env, o.Ticket, domain.MessageID(i+1), 5, "Mia", strings.Repeat("lorem ipsum ", 20))
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	rt := env.Projections(t, transcripts.Projector{})
	env.Caught(t, rt)
	tr, err := readerFor(rt).Get(ctx, string(o.Ticket))
	must(t, err)
	if len(tr.Entries) != n+1 {
		t.Fatalf("%d entries, want %d", len(tr.Entries), n+1)
	}
	start := time.Now()
	var buf bytes.Buffer
	must(t, transcripts.RenderHTML(&buf, tr))
	t.Logf("rendered %d messages (%d KB of HTML) in %s", n, buf.Len()/1024, time.Since(start))
	live, _ := rt.Target(ctx, transcripts.Projector{})
	for _, doc := range testenv.Dump(t, env, live.Collection("transcripts")) {
		if len(doc) > 4<<20 {
			t.Fatalf("a transcript document of %d bytes: chunking failed", len(doc))
		}
	}
}

func TestACachedTranscriptShowsEveryChange(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, transcripts.Projector{})
	ctx := context.Background()
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: 5})
	must(t, err)
	post(t, env, o.Ticket, 1, 5, "Mia", "first")
	env.Caught(t, rt)
	r := readerFor(rt)
	before, err := r.Get(ctx, string(o.Ticket))
	must(t, err)
	if before.Revision == "" {
		t.Fatal("a settled transcript has no revision")
	}
	again, err := r.Get(ctx, string(o.Ticket))
	must(t, err)
	if again.Revision != before.Revision {
		t.Fatalf("an unchanged transcript changed revision: %s then %s", before.Revision, again.Revision)
	}
	must(t, env.App.RecordMessageEdited(ctx, g, o.Ticket, 1, 5, "first, edited", nil, time.Now()))
	post(t, env, o.Ticket, 2, 5, "Mia", "second")
	env.Caught(t, rt)
	after, err := r.Get(ctx, string(o.Ticket))
	must(t, err)
	last := after.Entries[len(after.Entries)-1]
	edited := after.Entries[len(after.Entries)-2]
	if after.Revision == before.Revision || last.Content != "second" || edited.Content != "first, edited" || len(edited.Edits) != 1 {
		t.Fatalf("after an edit and a post the reader shows %+v (revision %s, was %s)", after.Entries, after.Revision, before.Revision)
	}
}

func TestAReplayFromTheLogEqualsTheProjection(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, transcripts.Projector{})
	id := conversation(t, env, 5)
	env.Caught(t, rt)
	ctx := context.Background()
	live, err := readerFor(rt).Get(ctx, string(id))
	must(t, err)
	var events []projections.Event
	for _, stream := range []string{"ticket/" + string(id), "ticket/" + string(id) + "/messages"} {
		h, err := env.Store.Load(ctx, stream)
		must(t, err)
		for i := range h.Events {
			events = append(events, projections.Event{Envelope: h.Envelopes[i], Event: h.Events[i], Erased: h.Erased[i]})
		}
	}
	replayed, err := transcripts.Replay(ctx, string(id), events)
	must(t, err)
	var a, b bytes.Buffer
	must(t, transcripts.RenderJSON(&a, live))
	must(t, transcripts.RenderJSON(&b, replayed))
	if a.String() != b.String() {
		t.Fatalf("replay differs from the projection\nprojection: %s\nreplay:     %s", a.String(), b.String())
	}
	if len(replayed.Entries) < 5 {
		t.Fatalf("the replay has %d entries", len(replayed.Entries))
	}
}

func TestArchivedFilesArePlacedAtSafeRelativePaths(t *testing.T) {
	for name, want := range map[string]string{
		"screen shot.png":                   "attachments/7-screen_shot.png",
		"../../../../tmp/zipslip.svg":       "attachments/7-_.._.._.._tmp_zipslip.svg",
		`..\..\windows\evil.pdf`:            "attachments/7-_.._windows_evil.pdf",
		"<img src=x onerror=alert(1)>.html": "attachments/7-_img_src_x_onerror_alert_1__.html",
		"":                                  "attachments/7-file",
		"..":                                "attachments/7-file",
		strings.Repeat("L", 300) + ".png":   "attachments/7-" + strings.Repeat("L", 96) + ".png",
	} {
		got := transcripts.FilePath(transcripts.Attachment{ID: "7", Filename: name})
		if got != want {
			t.Errorf("%q is placed at %q, want %q", name, got, want)
		}
	}
}
