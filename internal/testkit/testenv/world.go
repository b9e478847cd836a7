package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
)

// World is the whole program running in-process against the fake Discord:
// a guild with an owner, a staff role, a staff member and a member.
type World struct {
	Fake      *fakediscord.Server
	Srv       *server.Server
	Guild     fakediscord.Guild
	StaffRole fakediscord.Role
	Owner     fakediscord.User
	Staff     fakediscord.User
	Member    fakediscord.User
	Lobby     fakediscord.Channel
	Endpoint  string
	Clock     *Clock
}

// Clock is a settable clock for the reactor's delays.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// WorldOption changes the world's configuration.
type WorldOption func(env map[string]string)

const (
	guildShardKey  = "test:guild-shard"
	shardsKey      = "test:recommended-shards"
	startsKey      = "test:session-starts"
	demoLoginKey   = "test:demo-login"
	rateKey        = "test:requests-per-minute"
	gatewayDownKey = "test:gateway-down"
)

// WithDiscordDown starts the program during a Discord outage: the fake
// refuses gateway connections until SetGatewayOpen(true) and answers every
// REST request 503 until ClearFaults, and NewWorld does not wait for the
// bot to connect.
func WithDiscordDown(env map[string]string) { env[gatewayDownKey] = "1" }

// WithRequestsPerMinute sets the dashboard's rate limit (tests of it).
func WithRequestsPerMinute(n int) WorldOption {
	return func(env map[string]string) { env[rateKey] = strconv.Itoa(n) }
}

// WithClosedChannelsKept sets how long a closed ticket's channel stays
// (the world's default is an hour), for tests that act in a channel a
// day after its close.
func WithClosedChannelsKept(d time.Duration) WorldOption {
	return func(env map[string]string) { env["TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER"] = d.String() }
}

// WithGuildOnShard puts the world's guild on a shard of shards.
func WithGuildOnShard(shard, shards int) WorldOption {
	return func(env map[string]string) { env[guildShardKey] = fmt.Sprintf("%d/%d", shard, shards) }
}

// WithRecommendedShards has the fake Discord recommend a shard count and an
// identify concurrency (GET /gateway/bot).
func WithRecommendedShards(shards, maxConcurrency int) WorldOption {
	return func(env map[string]string) { env[shardsKey] = fmt.Sprintf("%d/%d", shards, maxConcurrency) }
}

// WithSessionStarts has the fake Discord say the bot has left session
// starts for today, resetting after reset.
func WithSessionStarts(left int, reset time.Duration) WorldOption {
	return func(env map[string]string) { env[startsKey] = fmt.Sprintf("%d/%d", left, reset.Milliseconds()) }
}

// WithDemoLogin starts the program as `ticketify demo` does: the dashboard
// offers "Log in as demo admin", which logs in the guild's owner.
func WithDemoLogin(env map[string]string) { env[demoLoginKey] = "1" }

// NewWorld starts the fake Discord and the program, and waits for the gateway.
func NewWorld(t testing.TB, opts ...WorldOption) *World {
	t.Helper()
	clock := &Clock{t: time.Now()}
	fake, err := fakediscord.Start(fakediscord.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	w := &World{Fake: fake, Clock: clock}
	w.Owner = fake.NewUser("Owner")
	w.Staff = fake.NewUser("Sam Staff")
	w.Member = fake.NewUser("Mia Member")
	preset := map[string]string{}
	for _, o := range opts {
		o(preset)
	}
	var shard, shards, concurrency int
	if _, err := fmt.Sscanf(preset[guildShardKey], "%d/%d", &shard, &shards); err == nil {
		w.Guild = fake.AddGuildOnShard("Ticketify Test Server", w.Owner, shard, shards)
	} else {
		w.Guild = fake.AddGuild("Ticketify Test Server", w.Owner)
	}
	if _, err := fmt.Sscanf(preset[shardsKey], "%d/%d", &shards, &concurrency); err == nil {
		fake.SetShards(shards, concurrency)
	}
	var left, resetMs int
	if _, err := fmt.Sscanf(preset[startsKey], "%d/%d", &left, &resetMs); err == nil {
		fake.SetSessionStarts(left, time.Duration(resetMs)*time.Millisecond)
	}
	w.StaffRole = fake.AddRole(w.Guild.ID, "Support", fakediscord.PermDefaultEveryone)
	fake.AddMember(w.Guild.ID, w.Staff, w.StaffRole.ID)
	fake.AddMember(w.Guild.ID, w.Member)
	w.Lobby = fake.AddTextChannel(w.Guild.ID, "lobby")

	env := map[string]string{
		"TICKETIFY_DATA_DIR": t.TempDir(), "TICKETIFY_HTTP_ADDR": "127.0.0.1:0", "TICKETIFY_LOG_LEVEL": "error",
		"TICKETIFY_POLL_INTERVAL": "20ms",
		"DISCORD_TOKEN":           fake.Token, "DISCORD_PUBLIC_KEY": fake.PublicKey(),
		"DISCORD_API_URL": fake.APIURL(), "DISCORD_GATEWAY_URL": fake.GatewayURL(), "DISCORD_CDN_URL": fake.CDNURL(),
		"TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER": "1h",
		"DISCORD_CLIENT_ID":                     fake.AppID.String(), "DISCORD_CLIENT_SECRET": fake.ClientSecret(),
	}
	for _, o := range opts {
		o(env)
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("TICKETIFY_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	logger := cfg.Logger(logOut)
	gatewayDown := env[gatewayDownKey] != ""
	if gatewayDown {
		fake.SetGatewayOpen(false)
		fake.FailNext("", "/", http.StatusServiceUnavailable, math.MaxInt)
	}
	so := server.Options{Clock: clock.Now, ScheduleEvery: 50 * time.Millisecond, RetentionEvery: 50 * time.Millisecond, AutomationEvery: time.Second,
		RequestsPerMinute: 100_000, ArchiveRetryPause: 20 * time.Millisecond}
	if n, err := strconv.Atoi(env[rateKey]); err == nil {
		so.RequestsPerMinute = n
	}
	if env[demoLoginKey] != "" {
		so.DemoLogin = func(context.Context) error { fake.LoginAs(w.Owner); return nil }
	}
	srv, err := server.StartWith(context.Background(), cfg, logger, so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	w.Srv = srv
	w.Endpoint = "http://" + srv.Addr() + "/interactions"
	if gatewayDown {
		return w
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	Eventually(t, 10*time.Second, "the bot to record joining the guild", func() bool {
		s, err := srv.App.Settings(context.Background(), domain.GuildID(w.Guild.ID))
		return err == nil && s.BotPresent()
	})
	return w
}

// Deliver sends a signed interaction to the program and fails on transport errors.
func (w *World) Deliver(t testing.TB, in fakediscord.Interaction) fakediscord.HTTPResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := w.Fake.Deliver(ctx, w.Endpoint, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Reply is the content of an interaction's answer: the immediate one, or
// the deferred one once it is edited in.
func (w *World) Reply(t testing.TB, in fakediscord.Interaction, res fakediscord.HTTPResult) (content string, ephemeral bool) {
	t.Helper()
	var data struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
	}
	switch res.Response.Type {
	case fakediscord.ResponseChannelMessage:
		_ = json.Unmarshal(res.Response.Data, &data)
		return data.Content, data.Flags&fakediscord.MessageFlagEphemeral != 0
	case fakediscord.ResponseDeferredChannelMessage:
		_ = json.Unmarshal(res.Response.Data, &data)
		eph := data.Flags&fakediscord.MessageFlagEphemeral != 0
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for {
			if m, ok := w.Fake.Original(in.Token); ok {
				return m.Content, eph
			}
			if f := w.Fake.Followups(in.Token); len(f) > 0 {
				return f[0].Content, f[0].Flags&fakediscord.MessageFlagEphemeral != 0
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no deferred answer to interaction %s", in.ID)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	t.Fatalf("interaction answered with status %d, response type %d: %s", res.Status, res.Response.Type, res.Body)
	return "", false
}

// As is an actor in the world's guild, in a channel.
func (w *World) As(u fakediscord.User, channel fakediscord.Snowflake) fakediscord.Actor {
	return fakediscord.Actor{Guild: w.Guild.ID, Channel: channel, User: u}
}

// WaitFor polls until cond holds.
func (w *World) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Eventually(t, 15*time.Second, what, cond)
}

// WithMongoDB makes the world use a server by URI instead of embedded FerretDB.
func WithMongoDB(uri, database string) WorldOption {
	return func(env map[string]string) {
		env["TICKETIFY_MONGODB_URI"] = uri
		env["TICKETIFY_DATABASE"] = database
	}
}

// Settle waits until the program has done everything the log asks of it:
// no interaction is being answered and every gateway event received is
// recorded, the log's head stays put, every projector has applied it, and
// the Discord reactor's checkpoint has reached it. A test that asserts something did
// NOT happen (no second channel, no third rename) waits for this instead of
// sleeping.
func (w *World) Settle(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	var last int64 = -1
	stable := 0
	Eventually(t, 30*time.Second, "the program to settle", func() bool {
		head, err := w.Srv.Log.Head(ctx, eventstore.DefaultTopic)
		if err != nil {
			return false
		}
		if head == last {
			stable++
		} else {
			last, stable = head, 0
		}
		idleCtx, cancelIdle := context.WithTimeout(ctx, time.Second)
		defer cancelIdle()
		if w.Srv.Discord.Idle(idleCtx) != nil {
			stable = 0
			return false
		}
		if stable < 3 || head == 0 {
			return stable >= 3 && head == 0
		}
		commits, err := w.Srv.Log.ReadLog(ctx, eventstore.DefaultTopic, head, 1)
		if err != nil || len(commits) != 1 {
			return false
		}
		end := commits[0].LastEvent()
		waitCtx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if w.Srv.Projections.WaitApplied(waitCtx, end) != nil {
			return false
		}
		if w.Srv.Reactor == nil {
			return true
		}
		cp, err := w.Srv.Checkpoints.Load(ctx, eventstore.DefaultTopic, w.Srv.Reactor.Name())
		return err == nil && cp.Event >= end
	})
}
