package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// benchSite is the program serving a guild of many tickets, one of them
// with a long transcript, and a client logged in as the guild's owner.
type benchSite struct {
	base   string
	client *http.Client
	guild  string
	ticket domain.TicketID
}

var (
	benchOnce sync.Once
	benchSrv  *benchSite
	benchErr  error
	benchStop func()
)

// benchSetup seeds once per process: TICKETIFY_BENCH_TICKETS tickets
// (default 10,000) and a ticket of TICKETIFY_BENCH_MESSAGES messages
// (default 1,000), appended through the use cases, on embedded FerretDB.
// The program runs without a bot token (no Discord side effects to compete
// for the CPU); the fake Discord serves the OAuth login.
func benchSetup(b *testing.B) *benchSite {
	b.Helper()
	benchOnce.Do(func() { benchSrv, benchErr = seedBench() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSrv
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func seedBench() (*benchSite, error) {
	ctx := context.Background()
	fake, err := fakediscord.Start()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ticketify-bench-")
	if err != nil {
		return nil, err
	}
	env := map[string]string{"TICKETIFY_DATA_DIR": dir, "TICKETIFY_HTTP_ADDR": "127.0.0.1:0", "TICKETIFY_LOG_LEVEL": "error",
		"DISCORD_API_URL": fake.APIURL(), "DISCORD_CLIENT_ID": fake.AppID.String(), "DISCORD_CLIENT_SECRET": fake.ClientSecret()}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	srv, err := server.StartWith(ctx, cfg, slog.New(slog.DiscardHandler), server.Options{RequestsPerMinute: 1 << 30})
	if err != nil {
		return nil, err
	}
	benchStop = func() {
		_ = srv.Shutdown(context.Background())
		fake.Close()
		_ = os.RemoveAll(dir)
	}
	owner := fake.NewUser("Bench Owner")
	g := fake.AddGuild("Bench Server", owner)
	gid := domain.GuildID(g.ID)
	if err := srv.App.RecordBotJoined(ctx, gid, g.Name, domain.UserID(owner.ID)); err != nil {
		return nil, err
	}
	tickets, messages := envInt("TICKETIFY_BENCH_TICKETS", 10_000), envInt("TICKETIFY_BENCH_MESSAGES", 1_000)
	start := time.Now()
	var first domain.TicketID
	if err := parallel(tickets, func(i int) error {
		o, err := srv.App.OpenTicket(ctx, app.OpenTicket{Guild: gid, Opener: domain.UserID(1_000_000_000_000 + i), Topic: fmt.Sprintf("question %d", i)})
		if err == nil && i == 0 {
			first = o.Ticket
		}
		return err
	}); err != nil {
		return nil, err
	}
	if err := parallel(messages, func(i int) error {
		return srv.App.RecordMessagePosted(ctx, gid, ticket.PostedMessage{Ticket: first, Channel: 1, Message: domain.MessageID(i + 1),
			Author: domain.UserID(1_000_000_000_000 + i%2), AuthorName: "Member", At: time.Now(),
			Content: contents[i%len(contents)]})
	}); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := srv.Projections.WaitCaughtUp(wctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "seeded %d tickets and a %d-message ticket in %s\n", tickets, messages, time.Since(start).Round(time.Second))
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	fake.LoginAs(owner)
	res, err := client.Get("http://" + srv.Addr() + "/auth/login")
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/guilds/"+g.ID.String()+"/tickets" {
		return nil, fmt.Errorf("login ended at %s with %d", res.Request.URL, res.StatusCode)
	}
	return &benchSite{base: "http://" + srv.Addr(), client: client, guild: g.ID.String(), ticket: first}, nil
}

// contents are the messages of the long ticket.
var contents = []string{
	"Hello, my **printer** is on fire and I have tried _everything_ in the manual.",
	"Have you tried `turning it off` and on again? See https://example.com/help?q=printer",
	"<@1000000000000> the log says:\n```\nE1234 fuser overheated\n```",
	"<script>alert(1)</script> just kidding",
	"ok",
}

func parallel(n int, f func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// BenchmarkDashboard loads pages with 32 concurrent clients on one
// session: the tickets list (newest first, and with a text search over all
// tickets) and a ticket with a 1,000-message transcript. The baseline is
// GET /healthz (the HTTP stack and one database round trip), measured in
// the same run. Run with:
//
//	go test ./adapters/web/dashboard/ -run '^$' -bench Dashboard -benchtime 2000x -timeout 60m
func BenchmarkDashboard(b *testing.B) {
	s := benchSetup(b)
	g := "/guilds/" + s.guild
	for _, c := range []struct{ name, path, want string }{
		{"baseline-healthz", "/healthz", `"status":"ok"`},
		{"tickets-list", g + "/tickets", "data-ticket"},
		{"tickets-search", g + "/tickets?q=question+9999", "data-ticket"},
		{"ticket-1000-messages", g + "/tickets/" + string(s.ticket), `id="transcript"`},
		{"api-tickets", "/api/v1" + g + "/tickets", `"tickets"`},
	} {
		b.Run(c.name+"/clients=32", func(b *testing.B) {
			var next atomic.Int64
			took := make([]time.Duration, b.N)
			var failed atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 32 {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						t0 := time.Now()
						res, err := s.client.Get(s.base + c.path)
						if err != nil {
							failed.Add(1)
							continue
						}
						body, _ := io.ReadAll(res.Body)
						res.Body.Close()
						took[i] = time.Since(t0)
						if res.StatusCode != 200 || !bytes.Contains(body, []byte(c.want)) {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d requests failed", n, b.N)
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// withBenchCleanup stops the benchmark's program after the run.
type withBenchCleanup struct{ m *testing.M }

func (w withBenchCleanup) Run() int {
	code := w.m.Run()
	if benchStop != nil {
		benchStop()
	}
	return code
}

// BenchmarkDashboardActions measures a reply sent from the dashboard (the
// API's POST …/reply: recorded, then answered once the views show it)
// against setting the priority through the same door in the same run, one
// request at a time on a server at rest:
//
//	go test ./adapters/web/dashboard/ -run '^$' -bench DashboardActions -benchtime 200x
func BenchmarkDashboardActions(b *testing.B) {
	w := testenv.NewWorld(b)
	setStaffRole(b, w)
	id := openTicket(b, w, w.Member, "benchmark")
	channelOf(b, w, id)
	s := newSite(b, w)
	s.login(w.Staff)
	csrf := s.csrf()
	path := "/api/v1/guilds/" + w.Guild.ID.String() + "/tickets/" + string(id) + "/"
	for _, c := range []struct {
		name string
		body func(i int) string
	}{
		{"priority", func(i int) string { return fmt.Sprintf(`{"priority":%q}`, []string{"high", "low"}[i%2]) }},
		{"reply", func(i int) string { return fmt.Sprintf(`{"text":"reply number %d"}`, i) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				w.Settle(b)
				req, _ := http.NewRequest(http.MethodPost, s.base+path+c.name, strings.NewReader(c.body(i)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", csrf)
				b.StartTimer()
				t0 := time.Now()
				res, body := s.do(req)
				took = append(took, time.Since(t0))
				if res.StatusCode != 200 {
					b.Fatalf("%s: %d %s", c.name, res.StatusCode, body)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
