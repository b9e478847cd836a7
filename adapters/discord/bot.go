package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/disgoorg/disgo"
	"github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/cache"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/httpserver"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/websocket"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/logsafe"
	"github.com/ticketify/ticketify/internal/platform/metrics"
	"github.com/ticketify/ticketify/internal/platform/tracing"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// Bot is the Discord adapter.
type Bot struct {
	metrics   *metrics.Metrics
	cfg       Config
	client    *bot.Client
	app       *app.App
	store     *eventstore.Store
	views     *ticketviews.Reader
	scripts   *transcripts.Reader
	files     transcripts.FileOpener
	logger    *slog.Logger
	publicKey ed25519.PublicKey
	router    *handler.Mux
	gateway   bool
	// gatewayErr is why the gateway last refused to open, for Health.
	gatewayErr atomic.Pointer[error]
	// shards is the gateway once the shard count is known; acks holds each
	// shard's last heartbeat acknowledgement.
	shards      atomic.Pointer[shardSet]
	acks        acks
	gatewayOpts []gateway.ConfigOpt
	libLogger   *slog.Logger

	mu     sync.Mutex
	guilds map[snowflake.ID]bool // guilds the gateway said we are in
	facts  *factQueue
	stop   context.CancelFunc
	// stopConnecting ends connect's attempts to open the gateway (and the
	// reopening of refused shards); connected is closed when connect returns.
	stopConnecting context.CancelFunc
	connected      chan struct{}
	reopening      sync.Map // shard id → true while keepUp runs for it
	synced         ViewsSync

	profiles profiles
	// serverLocales are servers' languages in Discord read over REST (locale.go).
	serverLocales *guildLocales
	eraseGuild    GuildEraser

	// busy counts the work under way outside disgo's dispatch: interactions
	// being answered (and their usage recorded) and gateway facts queued or
	// being recorded. Close waits for it; Idle reports it.
	busy atomic.Int64
	// work is the context interactions are answered under; Close cancels it
	// when the work under way outlasts closeGrace.
	work       context.Context
	cancelWork context.CancelFunc
}

// closeGrace is how long Close lets the work under way finish before it
// cancels what is left (a reply waiting for a channel Discord never makes).
const closeGrace = 5 * time.Second

// ViewsSync waits until the views have applied everything already in the log.
type ViewsSync interface {
	WaitCaughtUp(ctx context.Context) error
}

// Intents the bot asks for: guilds and channels, members leaving, messages
// in ticket channels and — privileged — their content, for transcripts.
const Intents = gateway.IntentGuilds | gateway.IntentGuildMembers | gateway.IntentGuildMessages | gateway.IntentMessageContent

// Deps are what the adapter works with: the use cases, the views it answers
// from, and the services of /privacy. All may be zero for a bot that only
// registers commands.
type Deps struct {
	App         *app.App
	Store       *eventstore.Store
	Tickets     *ticketviews.Reader
	Transcripts *transcripts.Reader
	// Files reads archived attachments, for transcripts sent as files.
	Files transcripts.FileOpener
	// Sync lets message capture tell a channel that is not a ticket's from
	// one whose ticket the views have not caught up with yet.
	Sync ViewsSync
	// EraseGuild, when set, enables /privacy's "Erase this server's data".
	EraseGuild GuildEraser
	// Metrics, when set, records interactions and Discord REST requests.
	Metrics *metrics.Metrics
}

// New builds the adapter. It does not connect yet.
func New(cfg Config, deps Deps, logger *slog.Logger) (*Bot, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &Bot{metrics: deps.Metrics, cfg: cfg, app: deps.App, store: deps.Store, views: deps.Tickets, scripts: deps.Transcripts, files: deps.Files,
		synced: deps.Sync, eraseGuild: deps.EraseGuild, logger: logger.With("component", "discord"),
		guilds: map[snowflake.ID]bool{}, facts: newFactQueue(), stop: func() {}, stopConnecting: func() {}, profiles: newProfiles(),
		serverLocales: newGuildLocales(cfg.Clock)}
	b.work, b.cancelWork = context.WithCancel(context.Background())
	if cfg.PublicKey != "" {
		b.publicKey, _ = cfg.publicKey()
	}
	b.router = b.routes()
	if cfg.Token == "" {
		return b, nil
	}
	// disgo logs whole REST bodies and gateway payloads at debug (message
	// content, close reasons, interaction tokens): withheld at every level.
	libLogger := logsafe.Withhold(b.logger, logsafe.LibraryKeys...)
	// The shards are built when connecting rather than by disgo.New, which
	// would first ask Discord's REST API (GET /gateway/bot) and fail the
	// start during an outage (shards.go). Their events go to the client's
	// event manager, as disgo's own wiring does.
	b.libLogger = libLogger
	b.gatewayOpts = []gateway.ConfigOpt{gateway.WithURL(cfg.GatewayURL), gateway.WithIntents(Intents), gateway.WithLogger(libLogger),
		gateway.WithCompression(gateway.CompressionNone), gateway.WithAutoReconnect(true),
		gateway.WithDefaultRateLimiterConfigOpts(gateway.WithRateLimiterLogger(libLogger)),
		gateway.WithDialer(recordingDialer(&b.gatewayErr))}
	client, err := disgo.New(cfg.Token,
		bot.WithLogger(libLogger),
		bot.WithRestClientConfigOpts(rest.WithURL(cfg.APIURL), rest.WithHTTPClient(&http.Client{Timeout: 20 * time.Second, Transport: newGlobalLimit(deps.Metrics.DiscordTransport(tracing.Transport(nil, metrics.DiscordRoute)))})),
		bot.WithCacheConfigOpts(cache.WithCaches(cache.FlagGuilds|cache.FlagChannels|cache.FlagRoles)),
		bot.WithEventListeners(b.router, b.gatewayListener(), b.foreignIDListener()))
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	b.client, b.gateway = client, true
	return b, nil
}

// recordingDialer is the gateway's websocket dialer, keeping the last
// connection failure in last (disgo retries inside Open without returning
// it), so that Health can say why the gateway is down.
func recordingDialer(last *atomic.Pointer[error]) *websocket.Dialer {
	d := *websocket.DefaultDialer
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			last.Store(&err)
		}
		return conn, err
	}
	return &d
}

// Open starts connecting the gateway (when a token is configured) and
// returns at once: during a Discord outage the program still serves its
// dashboard and /interactions, and Health names the gateway until it is
// ready.
func (b *Bot) Open(ctx context.Context) error {
	if !b.gateway {
		return nil
	}
	factCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	b.stop = stop
	go b.recordFacts(factCtx)
	connectCtx, stopConnecting := context.WithCancel(factCtx)
	b.stopConnecting = stopConnecting
	b.connected = make(chan struct{})
	go func() { defer close(b.connected); b.connect(connectCtx) }()
	return nil
}

// connect starts the shards (shards.go) and opens them. disgo's Open
// retries each shard with a backoff (up to 10 s) until it connects; a shard
// that meets a close code forbidding a reconnect (a bad token, disallowed
// intents) is handed to keepUp, which tries it again, slower, so that a
// configuration fixed on Discord's side is picked up without a restart.
func (b *Bot) connect(ctx context.Context) {
	set, err := b.startShards(ctx)
	if err != nil {
		if ctx.Err() == nil {
			b.gatewayErr.Store(&err)
			b.logger.Error("discord gateway cannot start", "err", err)
		}
		return
	}
	set.manager.Open(ctx)
	for _, s := range b.Shards() {
		if !s.Ready && (s.Status == gateway.StatusUnconnected.String() || s.Status == gateway.StatusDisconnected.String()) {
			go b.keepUp(ctx, set, s.ID, nil)
		}
	}
}

// shardRetryDelay is the first pause before a refused shard is tried again
// (doubling up to 10 minutes).
var shardRetryDelay = 30 * time.Second

// keepUp opens a shard that is down and will not reconnect by itself again
// and again, with a growing pause, until it is up or the bot closes. One
// runs per shard at a time.
func (b *Bot) keepUp(ctx context.Context, set *shardSet, id int, cause error) {
	if _, running := b.reopening.LoadOrStore(id, true); running {
		return
	}
	defer b.reopening.Delete(id)
	delay := shardRetryDelay
	for {
		if cause != nil {
			b.gatewayErr.Store(&cause)
		}
		b.logger.Error("discord refused a gateway shard; trying again later", "shard", id, "in", delay, "err", cause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		cause = set.manager.OpenShard(ctx, id)
		if ctx.Err() != nil || cause == nil {
			return
		}
		delay = min(2*delay, 10*time.Minute)
	}
}

// Idle waits until no interaction is being answered and every gateway fact
// received is recorded, or ctx ends.
func (b *Bot) Idle(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for b.busy.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("discord: %d pieces of work still under way: %w", b.busy.Load(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Close disconnects, after letting the interactions under way finish and
// the facts already received be recorded for up to closeGrace; what is left
// then is cancelled. Call it before the projections stop: a reply may wait
// for a view.
func (b *Bot) Close(ctx context.Context) {
	b.stopConnecting()
	if b.connected != nil { // connect has stopped before the shards close
		select {
		case <-b.connected:
		case <-ctx.Done():
		}
	}
	grace, cancel := context.WithTimeout(ctx, closeGrace)
	err := b.Idle(grace)
	cancel()
	if err != nil {
		b.logger.Warn("stopping with work under way; cancelling it", "err", err)
		b.cancelWork()
		b.stop()
		_ = b.Idle(ctx)
	}
	b.cancelWork()
	if b.client != nil {
		// Only the gateway: disgo v0.19.0's REST rate limiter Close holds its
		// buckets mutex while waiting for every bucket, and a request in flight
		// needs that mutex to release its bucket, so it deadlocks until ctx
		// ends. The REST client has nothing to flush.
		if set := b.shards.Load(); set != nil {
			set.manager.Close(ctx)
		}
	}
	b.stop()
}

// Health reports whether the gateway is connected, when one is configured.
func (b *Bot) Health(context.Context) error {
	if !b.gateway {
		return nil
	}
	shards := b.Shards()
	if len(shards) == 0 {
		return b.gatewayDown("connecting")
	}
	for _, s := range shards {
		if !s.Ready {
			return b.gatewayDown(fmt.Sprintf("%s (shard %d)", s.Status, s.ID))
		}
	}
	return nil
}

// gatewayDown says why the gateway is not ready, with the last connection
// failure when there is one.
func (b *Bot) gatewayDown(state string) error {
	if last := b.gatewayErr.Load(); last != nil && *last != nil {
		return fmt.Errorf("discord gateway is %s: %w", state, *last)
	}
	return fmt.Errorf("discord gateway is %s", state)
}

// Rest returns the REST client, for the reactor.
func (b *Bot) Rest() rest.Rest {
	if b.client == nil {
		return nil
	}
	return b.client.Rest
}

// ApplicationID is the bot's application id.
func (b *Bot) ApplicationID() snowflake.ID { return b.client.ApplicationID }

// InteractionsHandler serves POST /interactions: Discord's signed outgoing
// webhook. A missing or bad signature is 401, a malformed body 400; neither
// changes anything. PING is answered with PONG; every other interaction goes
// to the same handlers as gateway interactions.
func (b *Bot) InteractionsHandler() fiber.Handler {
	verifier := httpserver.DefaultVerifier{}
	return func(c *fiber.Ctx) error {
		if b.publicKey == nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("interactions are not configured (DISCORD_PUBLIC_KEY)")
		}
		body := c.Body()
		if !b.verify(verifier, c.Get("X-Signature-Ed25519"), c.Get("X-Signature-Timestamp"), body) {
			return c.Status(fiber.StatusUnauthorized).SendString("invalid request signature")
		}
		in, err := discord.UnmarshalInteraction(body)
		if err != nil {
			return c.Status(fiber.StatusBadRequest).SendString("malformed interaction")
		}
		if in.Type() == discord.InteractionTypePing {
			return c.JSON(fiber.Map{"type": discord.InteractionResponseTypePong})
		}
		if !hasInvoker(body) {
			// Discord always says who acted; disgo would dereference nil.
			return c.Status(fiber.StatusBadRequest).SendString("malformed interaction: no member or user")
		}
		if b.client == nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("the bot is not configured (DISCORD_TOKEN)")
		}
		return b.serveInteraction(c, in)
	}
}

// hasInvoker reports whether an interaction names who invoked it.
func hasInvoker(body []byte) bool {
	var who struct {
		Member *struct {
			User *struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"member"`
		User *struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if json.Unmarshal(body, &who) != nil {
		return false
	}
	return (who.Member != nil && who.Member.User != nil && who.Member.User.ID != "") || (who.User != nil && who.User.ID != "")
}

// MaxInteractionAge is how far a signed interaction's timestamp may be from
// now, either way: a captured request cannot be replayed later than this.
const MaxInteractionAge = 5 * time.Minute

// verify checks Discord's Ed25519 signature over timestamp and body, with
// disgo's verifier (constant time), refusing timestamps that are not Unix
// seconds within MaxInteractionAge of now.
func (b *Bot) verify(v httpserver.Verifier, sigHex, ts string, body []byte) bool {
	if sigHex == "" || !b.fresh(ts) {
		return false
	}
	req, _ := http.NewRequest(http.MethodPost, "/interactions", bytes.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", sigHex)
	req.Header.Set("X-Signature-Timestamp", ts)
	return httpserver.VerifyRequest(v, req, httpserver.PublicKey(b.publicKey))
}

// fresh reports whether a signature timestamp is Unix seconds (digits only,
// as Discord sends them) within MaxInteractionAge of the clock.
func (b *Bot) fresh(ts string) bool {
	if ts == "" || len(ts) > 12 || strings.Trim(ts, "0123456789") != "" {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := b.cfg.Clock().Sub(time.Unix(sec, 0))
	return age <= MaxInteractionAge && age >= -MaxInteractionAge
}

// serveInteraction hands an interaction to disgo's event manager — the same
// path its own HTTP server uses — and writes the first response it gives.
func (b *Bot) serveInteraction(c *fiber.Ctx, in discord.Interaction) error {
	responses := make(chan discord.InteractionResponse, 1)
	errs := make(chan error, 1)
	var once sync.Once
	respond := func(r discord.InteractionResponse) error {
		sent := false
		once.Do(func() {
			responses <- r
			sent = true
		})
		if !sent {
			return discord.ErrInteractionAlreadyReplied
		}
		return <-errs
	}
	go b.client.EventManager.HandleHTTPEvent(respond, httpserver.EventInteractionCreate{Interaction: in})
	select {
	case r := <-responses:
		body, err := r.ToBody()
		if err != nil {
			errs <- err
			return c.Status(fiber.StatusInternalServerError).SendString("cannot encode response")
		}
		if mp, ok := body.(*discord.MultipartBuffer); ok {
			c.Set("Content-Type", mp.ContentType)
			data, _ := io.ReadAll(mp.Buffer)
			errs <- nil
			return c.Send(data)
		}
		errs <- nil
		return c.JSON(body)
	case <-time.After(3 * time.Second):
		errs <- errors.New("interaction timed out")
		b.logger.Error("interaction not acknowledged within 3s", "interaction", in.ID().String())
		return c.Status(fiber.StatusServiceUnavailable).SendString("timed out")
	}
}

// guildName is a server's name as the gateway's cache knows it, "" when it
// does not.
func (b *Bot) guildName(g domain.GuildID) string {
	if b.client == nil {
		return ""
	}
	if gd, ok := b.client.Caches.Guild(snowflake.ID(g)); ok {
		return gd.Name
	}
	return ""
}
