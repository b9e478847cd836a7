package transcripts_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"sync"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// contents are what the benchmark's members write: plain text, markdown,
// mentions, code, links and an injection attempt, as real tickets have.
var contents = []string{
	"Hello, my **printer** is on fire and I have tried _everything_ in the manual, nothing works.",
	"Have you tried `turning it off` and on again? See https://example.com/help?q=printer&lang=en",
	"<@9> the log says:\n```\nE1234 fuser overheated at 230C\nE1235 shutdown\n```",
	"<script>alert(1)</script> <img src=x onerror=alert(2)> just kidding, thanks <#1> <@&2>",
	"ok",
}

// loaded is a ticket of n messages read back through the reader, the way the
// dashboard and /ticket transcript get it.
func loaded(b *testing.B, env *testenv.AppEnv, rt *runner.Runtime, n int) transcripts.Transcript {
	b.Helper()
	ctx := context.Background()
	opener := domain.UserID(1000 + n) // one open ticket per member
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: opener, Topic: "printer"})
	must(b, err)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range work {
				author, name := opener, "Mia"
				if i%3 == 1 {
					author, name = 9, "Sam Staff"
				}
				post(b, env, o.Ticket, domain.MessageID(n*1_000_000+i+1), author, name, contents[i%len(contents)])
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	env.Caught(b, rt)
	tr, err := readerFor(rt).Get(ctx, string(o.Ticket))
	must(b, err)
	if len(tr.Entries) != n+1 {
		b.Fatalf("%d entries, want %d", len(tr.Entries), n+1)
	}
	return tr
}

// BenchmarkRenderTranscript renders tickets of 100 and 10,000 messages. The
// baseline escapes every message's content and nothing else: the least any
// safe renderer must do. "read" is the reader's load from the database.
func BenchmarkRenderTranscript(b *testing.B) {
	env := testenv.NewApp(b)
	rt := env.Projections(b, transcripts.Projector{})
	r := readerFor(rt)
	for _, n := range []int{100, 10_000} {
		tr := loaded(b, env, rt, n)
		b.Run(fmt.Sprintf("%d/baseline-escape", n), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				for _, e := range tr.Entries {
					buf.WriteString(html.EscapeString(e.Content))
				}
			}
		})
		b.Run(fmt.Sprintf("%d/html", n), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				must(b, transcripts.RenderHTML(&buf, tr))
			}
			b.ReportMetric(float64(buf.Len()), "bytes-out")
		})
		b.Run(fmt.Sprintf("%d/json", n), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				must(b, transcripts.RenderJSON(&buf, tr))
			}
			b.ReportMetric(float64(buf.Len()), "bytes-out")
		})
		b.Run(fmt.Sprintf("%d/read", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := r.Get(context.Background(), tr.Ticket); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
