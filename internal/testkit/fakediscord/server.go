package fakediscord

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Call is one request the fake received.
type Call struct {
	Method string
	Path   string // without the /api/v10 prefix
	Query  string
	Body   json.RawMessage
	Status int
	At     time.Time
}

// fault is an injected failure for matching requests.
type fault struct {
	method, prefix string
	status         int
	retryAfter     time.Duration
	remaining      int
}

// Server is a running fake Discord.
type Server struct {
	AppID     Snowflake
	BotUser   User
	Token     string
	publicKey ed25519.PublicKey
	signKey   ed25519.PrivateKey

	ln     net.Listener
	srv    *http.Server
	logger *slog.Logger

	mu          sync.Mutex
	now         func() time.Time
	seq         uint64
	guilds      map[Snowflake]*guildState
	channels    map[Snowflake]*Channel
	messages    map[Snowflake][]*Message
	nonces      map[string]*Message
	commands    map[string][]json.RawMessage // "global" or guild id
	renames     map[Snowflake][]time.Time
	calls       []Call
	faults      []*fault
	responses   map[Snowflake]chan InteractionResponse // interaction id → its callback (gateway path)
	originals   map[string]*Message                    // interaction token → original response
	followups   map[string][]*Message
	sessions    map[string]*session
	gatewayOpen bool
	oauth       *oauthState
	slow        time.Duration
	// globalLimit is Discord's global limit on a bot's requests per second
	// (0: none); recent holds the wall-clock times of the last second's
	// requests, and limited counts the requests answered 429 for it.
	globalLimit int
	recent      []time.Time
	limited     int
	files       map[Snowflake][]byte
	cdn         cdnState
	// users are the users NewUser made; dms maps a user to their direct
	// message channel with the bot, and dmsClosed holds the users who do not
	// accept direct messages from it (Discord answers 50007).
	users     map[Snowflake]User
	dms       map[Snowflake]Snowflake
	dmsClosed map[Snowflake]bool
	// threadMembers holds who is in each thread, and since when.
	threadMembers map[Snowflake]map[Snowflake]time.Time
	// Sharding: what GET /gateway/bot recommends, and when each identify
	// bucket last identified (wall clock), with the identifies refused.
	recommendedShards, maxConcurrency int
	identified                        map[int]time.Time
	tooFast                           int
	refuseIdentify                    int // a close code for every IDENTIFY (0: none)
	// startsLeft is how many session starts (identifies) the bot has left
	// today, and startsReset when they reset.
	startsLeft  int
	startsReset time.Duration
}

type guildState struct {
	Guild
	members map[Snowflake]*Member
	botIn   bool
}

// Option configures the fake.
type Option func(*Server)

// SetGlobalRateLimit enforces Discord's global rate limit: more than n
// requests by the bot within a second are answered 429 with "global": true
// (0: no limit). Rates are measured on the wall clock, not the fake's clock:
// they are real throughput, and tests freeze the fake's clock.
func (s *Server) SetGlobalRateLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.globalLimit, s.recent = n, nil
}

// GloballyLimited returns how many requests were answered 429 for the
// global rate limit.
func (s *Server) GloballyLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// overGlobalLimit records a bot request and tells whether it exceeds the
// global limit, and for how long the client must wait.
func (s *Server) overGlobalLimit() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.globalLimit <= 0 {
		return 0, false
	}
	now := time.Now()
	i := 0
	for i < len(s.recent) && now.Sub(s.recent[i]) >= time.Second {
		i++
	}
	s.recent = s.recent[i:]
	if len(s.recent) >= s.globalLimit {
		s.limited++
		return time.Second - now.Sub(s.recent[0]), true
	}
	s.recent = append(s.recent, now)
	return 0, false
}

// WithClock makes the fake read time from now (for rate-limit windows).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger logs the fake's traffic.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithAddr listens on a fixed address (the demo uses a free port).
func WithAddr(addr string) Option {
	return func(s *Server) {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			s.ln = ln
		}
	}
}

// Start starts a fake Discord on a free loopback port.
func Start(opts ...Option) (*Server, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	s := &Server{
		// A bot token's first segment is the base64 of the application id.
		AppID: 900000000000000001, Token: base64.RawStdEncoding.EncodeToString([]byte("900000000000000001")) + ".fake." + hex.EncodeToString(priv[:12]),
		BotUser:   User{ID: 900000000000000001, Username: "Ticketify", Discriminator: "0", Bot: true},
		publicKey: pub, signKey: priv, now: time.Now, logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		guilds: map[Snowflake]*guildState{}, channels: map[Snowflake]*Channel{}, messages: map[Snowflake][]*Message{},
		nonces: map[string]*Message{}, commands: map[string][]json.RawMessage{}, renames: map[Snowflake][]time.Time{},
		responses: map[Snowflake]chan InteractionResponse{}, originals: map[string]*Message{}, followups: map[string][]*Message{},
		sessions: map[string]*session{}, gatewayOpen: true, oauth: newOAuthState(), files: map[Snowflake][]byte{},
		users: map[Snowflake]User{}, dms: map[Snowflake]Snowflake{}, dmsClosed: map[Snowflake]bool{},
		threadMembers:     map[Snowflake]map[Snowflake]time.Time{},
		recommendedShards: 1, maxConcurrency: 16, identified: map[int]time.Time{}, startsLeft: 1000, startsReset: 4 * time.Hour,
	}
	for _, o := range opts {
		o(s)
	}
	if s.ln == nil {
		if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v10/", s.serveREST)
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc("/oauth2/authorize", s.serveAuthorize)
	mux.HandleFunc("/cdn/attachments/", s.serveAttachment)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(s.ln) }()
	return s, nil
}

// Close stops the fake.
func (s *Server) Close() {
	s.mu.Lock()
	for _, sess := range s.sessions {
		sess.close()
	}
	s.mu.Unlock()
	_ = s.srv.Close()
}

// BaseURL returns http://host:port.
func (s *Server) BaseURL() string { return "http://" + s.ln.Addr().String() }

// APIURL is the value of DISCORD_API_URL.
func (s *Server) APIURL() string { return s.BaseURL() + "/api/v10" }

// GatewayURL is the value of DISCORD_GATEWAY_URL.
func (s *Server) GatewayURL() string { return "ws://" + s.ln.Addr().String() + "/gateway" }

// PublicKey is the value of DISCORD_PUBLIC_KEY (hex).
func (s *Server) PublicKey() string { return hex.EncodeToString(s.publicKey) }

// Calls returns every recorded request (optionally those whose path has the prefix).
func (s *Server) Calls(method, pathPrefix string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if (method == "" || c.Method == method) && strings.HasPrefix(c.Path, pathPrefix) {
			out = append(out, c)
		}
	}
	return out
}

// FailNext makes the next n requests matching method and path prefix fail
// with status (a 5xx, say).
func (s *Server) FailNext(method, pathPrefix string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, status: status, remaining: n})
}

// RateLimitNext answers the next n matching requests with 429 and retry_after.
func (s *Server) RateLimitNext(method, pathPrefix string, retryAfter time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, status: http.StatusTooManyRequests, retryAfter: retryAfter, remaining: n})
}

// ClearFaults drops every injected failure not yet used up (Discord is
// back).
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// SetLatency delays every REST answer (a slow Discord).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow = d
}

func (s *Server) nextID() Snowflake {
	s.seq++
	return snowflakeAt(s.now(), s.seq)
}

// NewID returns a fresh snowflake.
func (s *Server) NewID() Snowflake {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextID()
}

// AddGuild creates a guild the bot is in, with an @everyone role.
func (s *Server) AddGuild(name string, owner User) Guild {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addGuildLocked(s.nextID(), name, owner)
}

// AddGuildOnShard adds a guild whose id puts it on the given shard of
// shards (ShardOf): a test's way to place guilds, since ids made on a
// frozen clock all share one timestamp, hence one shard.
func (s *Server) AddGuildOnShard(name string, owner User, shard, shards int) Guild {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	ms := uint64(s.now().UnixMilli() - discordEpoch)
	for ShardOf(Snowflake(ms<<22), shards) != shard {
		ms++
	}
	return s.addGuildLocked(Snowflake(ms<<22|s.seq&0xFFF), name, owner)
}

func (s *Server) addGuildLocked(id Snowflake, name string, owner User) Guild {
	g := &guildState{Guild: Guild{ID: id, Name: name, OwnerID: owner.ID, Emojis: []any{}, Features: []string{},
		Roles: []Role{{ID: id, Name: "@everyone", Permissions: perm(PermDefaultEveryone)}}}, members: map[Snowflake]*Member{}, botIn: true}
	s.guilds[id] = g
	s.addMemberLocked(g, owner, nil)
	s.addMemberLocked(g, s.BotUser, nil)
	return g.Guild
}

// AddRole adds a role to a guild.
func (s *Server) AddRole(guild Snowflake, name string, permissions uint64) Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guilds[guild]
	r := Role{ID: s.nextID(), Name: name, Permissions: perm(permissions), Position: len(g.Roles)}
	g.Roles = append(g.Roles, r)
	return r
}

// AddMember adds a user to a guild with roles.
func (s *Server) AddMember(guild Snowflake, u User, roles ...Snowflake) Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addMemberLocked(s.guilds[guild], u, roles)
}

// SetMemberRoles replaces a member's roles (as a server admin would).
func (s *Server) SetMemberRoles(guild, user Snowflake, roles ...Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.guilds[guild].members[user]; ok {
		m.Roles = append([]Snowflake{}, roles...)
	}
}

func (s *Server) addMemberLocked(g *guildState, u User, roles []Snowflake) *Member {
	if u.Discriminator == "" {
		u.Discriminator = "0"
	}
	m := &Member{User: &u, Roles: append([]Snowflake{}, roles...), JoinedAt: s.now().UTC().Truncate(time.Second)}
	g.members[u.ID] = m
	return m
}

// NewUser returns a user with a fresh id.
func (s *Server) NewUser(username string) User {
	name := username
	u := User{ID: s.NewID(), Username: strings.ToLower(username), Discriminator: "0", GlobalName: &name}
	s.mu.Lock()
	s.users[u.ID] = u
	s.mu.Unlock()
	return u
}

// SetDMsOpen sets whether a user accepts direct messages from the bot (by
// default they do); a message to one who does not is answered 403 50007.
func (s *Server) SetDMsOpen(user Snowflake, open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dmsClosed[user] = !open
}

// DMChannel is the user's direct message channel with the bot, 0 until the
// bot opened it.
func (s *Server) DMChannel(user Snowflake) Snowflake {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dms[user]
}

// AddCategory creates a category channel in a guild.
func (s *Server) AddCategory(guild Snowflake, name string) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Channel{ID: s.nextID(), Type: ChannelCategory, GuildID: guild, Name: name, PermissionOverwrites: []Overwrite{}}
	s.channels[c.ID] = c
	return *c
}

// AddTextChannel creates a text channel in a guild.
func (s *Server) AddTextChannel(guild Snowflake, name string) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Channel{ID: s.nextID(), Type: ChannelText, GuildID: guild, Name: name, PermissionOverwrites: []Overwrite{}}
	s.channels[c.ID] = c
	return *c
}

// AddTextChannelIn creates a text channel under a channel category.
func (s *Server) AddTextChannelIn(guild, parent Snowflake, name string) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := parent
	c := &Channel{ID: s.nextID(), Type: ChannelText, GuildID: guild, Name: name, ParentID: &p, PermissionOverwrites: []Overwrite{}}
	s.channels[c.ID] = c
	return *c
}

// Channel returns a channel's current state.
func (s *Server) Channel(id Snowflake) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return c.snapshot(), true
}

// Channels returns a guild's channels.
func (s *Server) Channels(guild Snowflake) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if c.GuildID == guild {
			out = append(out, c.snapshot())
		}
	}
	slices.SortFunc(out, func(a, b Channel) int { return int(a.ID) - int(b.ID) })
	return out
}

// Messages returns a channel's messages, oldest first.
func (s *Server) Messages(channel Snowflake) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[channel] {
		out = append(out, *m)
	}
	return out
}

// writeJSON answers with Discord's rate-limit headers on every response.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-RateLimit-Limit", "50")
	h.Set("X-RateLimit-Remaining", "49")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(s.now().Add(time.Second).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", "1.000")
	h.Set("X-RateLimit-Bucket", "fakebucket")
	h.Set("Via", "1.1 google") // Discord's API answers through Google's front end; a 429 without it is Cloudflare's
	w.WriteHeader(status)
	if v != nil && status != http.StatusNoContent {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// apiError is Discord's JSON error body.
type apiError struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

func (s *Server) writeError(w http.ResponseWriter, status, code int, msg string) {
	s.writeJSON(w, status, apiError{Message: msg, Code: code})
}

func (s *Server) writeRateLimited(w http.ResponseWriter, retryAfter time.Duration, global bool) {
	secs := retryAfter.Seconds()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.Itoa(int(secs+0.999)))
	h.Set("X-RateLimit-Limit", "2")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(s.now().Add(retryAfter).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fakebucket")
	h.Set("X-RateLimit-Scope", "user")
	h.Set("Via", "1.1 google")
	if global {
		h.Set("X-RateLimit-Global", "true")
	}
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": global})
}

// SetGuildLocale changes a server's language in Discord (its community
// setting, preferred_locale) and tells the bot with GUILD_UPDATE, as
// Discord does.
func (s *Server) SetGuildLocale(guild Snowflake, locale string) {
	s.mu.Lock()
	g, ok := s.guilds[guild]
	if !ok {
		s.mu.Unlock()
		return
	}
	g.PreferredLocale = locale
	update := map[string]any{"id": g.ID, "name": g.Name, "icon": nil, "owner_id": g.OwnerID, "roles": g.Roles,
		"emojis": []any{}, "features": []string{}, "preferred_locale": locale}
	s.mu.Unlock()
	s.dispatch("GUILD_UPDATE", update)
}
