package server_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/app"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// scrape reads a /metrics page into "name{labels}" → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("a line that is not a sample: %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// longNumber is an id-like number: a snowflake (17-20 digits) or longer.
var longNumber = regexp.MustCompile(`\d{15,}`)

func TestMetricsDescribeTheProgramWithoutNamingAnyone(t *testing.T) {
	// Split in two partitions, so the partitions' own gauges show too.
	w := testenv.NewWorld(t, func(env map[string]string) { env["TICKETIFY_METRICS_ADDR"], env["TICKETIFY_PARTITIONS"] = "http", "2" })
	f := w.Fake
	in := f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("staff-role", fakediscord.RoleOpt("role", w.StaffRole.ID)))
	w.Reply(t, in, w.Deliver(t, in))
	f.RateLimitNext("POST", "/channels/", 50*time.Millisecond, 1) // the welcome meets a 429 once
	in = f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "metrics please")))
	w.Reply(t, in, w.Deliver(t, in))
	w.WaitFor(t, "the ticket's channel", func() bool { return len(f.Calls("POST", "/guilds/"+w.Guild.ID.String()+"/channels")) > 0 })
	w.Settle(t)
	if _, err := w.Srv.Eraser.EraseUser(context.Background(), domain.UserID(w.Member.ID), app.Meta{Actor: domain.Actor{User: domain.UserID(w.Member.ID), Source: domain.SourceDashboard}}); err != nil {
		t.Fatal(err)
	}
	base := "http://" + w.Srv.Addr()
	if _, err := http.Get(base + "/healthz"); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/guilds/" + w.Guild.ID.String() + "/tickets"); err != nil { // a dashboard page (to log in)
		t.Fatal(err)
	}
	got := scrape(t, base+"/metrics")

	for _, want := range []string{
		`ticketify_event_appends_total{outcome="ok"}`,
		`ticketify_event_append_seconds_count`,
		`ticketify_interaction_seconds_count{command="ticket open"}`,
		`ticketify_interaction_seconds_count{command="setup staff-role"}`,
		`ticketify_discord_requests_total{method="POST",route="/guilds/{id}/channels",status="2xx"}`,
		`ticketify_http_request_seconds_count{method="POST",route="/interactions",status="2xx"}`,
		`ticketify_http_request_seconds_count{method="GET",route="/healthz",status="2xx"}`,
		`ticketify_event_log_head`,
		`ticketify_gateway_up{shard="0"}`,
		`ticketify_discord_rate_limited_total{route="/channels/{id}/messages",scope="route"}`,
		`ticketify_erasures_total{kind="user"}`,
		`ticketify_retention_batches_total{outcome="ok"}`,
		`ticketify_members_live`,
		`ticketify_partitions_held{group="ticket-views"}`,
	} {
		if got[want] <= 0 {
			t.Errorf("%s = %v, want more than 0", want, got[want])
		}
	}
	// Lag is read from the saved checkpoints, which follow within their
	// interval (250 ms) once a consumer is idle.
	for _, group := range []string{`group="ticket-views",kind="projector",partition="0"`, `group="discord-reactor",kind="reactor",partition="0"`} {
		if _, ok := got[`ticketify_consumer_lag_seconds{`+group+`}`]; !ok {
			t.Errorf("no lag in seconds for %s", group)
		}
		w.WaitFor(t, "no lag for "+group, func() bool {
			commits, ok := scrape(t, base+"/metrics")[`ticketify_consumer_lag_commits{`+group+`}`]
			return ok && commits == 0
		})
	}
	w.WaitFor(t, "a heartbeat acknowledged", func() bool {
		_, ok := scrape(t, base+"/metrics")[`ticketify_gateway_heartbeat_ack_age_seconds{shard="0"}`]
		return ok
	})

	// A reactor held back by a slow Discord is seen behind, in commits and
	// in the age of what it has not consumed yet.
	f.SetLatency(time.Second)
	in = f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "slow")))
	w.Reply(t, in, w.Deliver(t, in))
	w.Clock.Advance(time.Minute)
	time.Sleep(1100 * time.Millisecond) // the lag read of a second ago is not reused
	behind := scrape(t, base+"/metrics")
	f.SetLatency(0)
	if c, s := behind[`ticketify_consumer_lag_commits{group="discord-reactor",kind="reactor",partition="0"}`], behind[`ticketify_consumer_lag_seconds{group="discord-reactor",kind="reactor",partition="0"}`]; c < 1 || s < 59 {
		t.Errorf("a reactor held back shows %v commits and %v s behind; want at least 1 and 59", c, s)
	}

	// No id, name or other personal data in any label.
	for sample := range got {
		labels := ""
		if i := strings.IndexByte(sample, '{'); i >= 0 {
			labels = sample[i:]
		}
		if longNumber.MatchString(labels) || strings.Contains(labels, "Mia") || strings.Contains(labels, "metrics please") {
			t.Errorf("a label names something: %s", sample)
		}
	}
}

func TestMetricsOnAListenerOfTheirOwn(t *testing.T) {
	w := testenv.NewWorld(t, func(env map[string]string) { env["TICKETIFY_METRICS_ADDR"] = "127.0.0.1:0" })
	addr := w.Srv.MetricsAddr()
	if addr == "" {
		t.Fatal("no metrics listener")
	}
	if got := scrape(t, "http://"+addr+"/metrics"); got[`ticketify_event_log_head`] <= 0 {
		t.Fatalf("the log head on the metrics listener: %v", got[`ticketify_event_log_head`])
	}
	res, err := http.Get("http://" + w.Srv.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Fatal("/metrics is also served on the public HTTP listener")
	}
}

func TestNoMetricsUnlessAskedFor(t *testing.T) {
	w := testenv.NewWorld(t)
	in := w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "no metrics")))
	w.Reply(t, in, w.Deliver(t, in)) // the program works with its metrics nil
	res, err := http.Get("http://" + w.Srv.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Fatal("/metrics served while off")
	}
}
