package server_test

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// collector is an OTLP/HTTP trace receiver: what an OpenTelemetry
// collector would get.
type collector struct {
	mu    sync.Mutex
	spans []span
}

type span struct {
	trace, name, status string
	attrs               []string // key=value
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	b, _ := io.ReadAll(body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(b, &req) != nil {
		http.Error(w, "not a trace export", 400)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := span{trace: hex.EncodeToString(s.TraceId), name: s.Name, status: s.Status.GetMessage()}
				for _, a := range s.Attributes {
					sp.attrs = append(sp.attrs, a.Key+"="+a.Value.String())
				}
				c.spans = append(c.spans, sp)
			}
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// trace returns the names of the spans of the trace that holds a span
// named first.
func (c *collector) trace(first string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := ""
	for _, s := range c.spans {
		if s.name == first {
			id = s.trace
		}
	}
	var names []string
	for _, s := range c.spans {
		if id != "" && s.trace == id {
			names = append(names, s.name)
		}
	}
	return names
}

func TestOneTraceFromAnInteractionThroughItsEventsToDiscord(t *testing.T) {
	col := &collector{}
	otlp := httptest.NewServer(col)
	t.Cleanup(otlp.Close) // after the program's cleanup, which flushes its last spans here
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	w := testenv.NewWorld(t)
	f := w.Fake
	in := f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "trace me")))
	w.Reply(t, in, w.Deliver(t, in))
	want := []string{"interaction ticket open", "append ticket", "project ticket-views", "project transcripts",
		"react discord-reactor", "discord POST /guilds/{id}/channels", "discord POST /channels/{id}/messages"}
	var got []string
	w.WaitFor(t, "the open's trace through the projectors and the reactor to Discord", func() bool {
		got = col.trace("interaction ticket open")
		for _, name := range want {
			if !slices.Contains(got, name) {
				return false
			}
		}
		return true
	})
	// A refused command: its span says so, and not in the refusal's words.
	ch := channelOfFirstTicket(t, w)
	in = f.SlashCommand(w.As(w.Member, ch), "ticket", fakediscord.Sub("claim"))
	w.Reply(t, in, w.Deliver(t, in))
	w.WaitFor(t, "the refused claim's span", func() bool {
		col.mu.Lock()
		defer col.mu.Unlock()
		return slices.ContainsFunc(col.spans, func(s span) bool { return s.name == "interaction ticket claim" && s.status == "refused" })
	})
	// Nothing personal in any span: no user id, no topic, no error text.
	col.mu.Lock()
	defer col.mu.Unlock()
	for _, s := range col.spans {
		all := s.name + " " + s.status + " " + strings.Join(s.attrs, " ")
		if strings.Contains(all, w.Member.ID.String()) || strings.Contains(all, "trace me") {
			t.Errorf("span %q carries personal data: %v", s.name, s.attrs)
		}
	}
}

// channelOfFirstTicket is the channel the bot made for the world's first ticket.
func channelOfFirstTicket(t *testing.T, w *testenv.World) fakediscord.Snowflake {
	t.Helper()
	var ch fakediscord.Snowflake
	w.WaitFor(t, "the first ticket's channel in the views", func() bool {
		for _, c := range w.Fake.Channels(w.Guild.ID) {
			if _, _, err := w.Srv.TicketViews.TicketByChannel(context.Background(), c.ID.String()); err == nil {
				ch = c.ID
				return true
			}
		}
		return false
	})
	return ch
}
