package fakediscord

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes).
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// Intents the fake honours.
const (
	IntentGuilds         = 1 << 0
	IntentGuildMembers   = 1 << 1
	IntentGuildMessages  = 1 << 9
	IntentMessageContent = 1 << 15
)

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

type session struct {
	id        string
	shard     int // this session's shard of shards (Discord's "shard": [id, count])
	shards    int
	mu        sync.Mutex
	conn      *websocket.Conn
	seq       int64
	intents   int
	buffer    []frame // dispatches not yet acknowledged by a resume, while disconnected
	connected bool
	invalid   bool
}

func (ss *session) send(f frame) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.conn == nil {
		return fmt.Errorf("not connected")
	}
	_ = ss.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return ss.conn.WriteJSON(f)
}

func (ss *session) close() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.conn != nil {
		_ = ss.conn.Close()
		ss.conn = nil
	}
	ss.connected = false
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// HeartbeatInterval is what the fake's HELLO asks for.
var HeartbeatInterval = 2 * time.Second

// IdentifyInterval is Discord's wait between identifies in one
// max_concurrency bucket.
const IdentifyInterval = 5 * time.Second

// ShardOf is the shard a guild's events go to: (guild_id >> 22) % shards
// (https://discord.com/developers/docs/events/gateway#sharding); events
// without a guild (0) go to shard 0.
func ShardOf(guild Snowflake, shards int) int {
	if shards <= 1 {
		return 0
	}
	return int((uint64(guild) >> 22) % uint64(shards))
}

// guildOf finds the guild an event is about: its guild_id, or for the
// GUILD_* events about the guild itself, its id.
func guildOf(name string, data any) Snowflake {
	b, _ := json.Marshal(data)
	var ids struct {
		GuildID Snowflake `json:"guild_id"`
		ID      Snowflake `json:"id"`
	}
	_ = json.Unmarshal(b, &ids)
	switch name {
	case "GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE":
		return ids.ID
	}
	return ids.GuildID
}

// SetShards sets what GET /gateway/bot recommends: the shard count and the
// identify concurrency (max_concurrency).
func (s *Server) SetShards(recommended, maxConcurrency int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recommendedShards, s.maxConcurrency = recommended, maxConcurrency
}

// SetSessionStarts sets how many session starts the bot has left today and
// when they reset (GET /gateway/bot's session_start_limit); each IDENTIFY
// spends one.
func (s *Server) SetSessionStarts(left int, reset time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startsLeft, s.startsReset = left, reset
}

// RefuseIdentify has every IDENTIFY answered by closing the connection with
// code (4014: disallowed intents, 4004: authentication failed — codes
// that forbid reconnecting); 0 accepts them again.
func (s *Server) RefuseIdentify(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseIdentify = code
}

// IdentifiedTooFast counts identifies refused for Discord's identify
// concurrency.
func (s *Server) IdentifiedTooFast() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooFast
}

// SessionShards lists the shard of each connected session.
func (s *Server) SessionShards() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, sess := range s.sessions {
		sess.mu.Lock()
		if sess.connected {
			out = append(out, sess.shard)
		}
		sess.mu.Unlock()
	}
	return out
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	open := s.gatewayOpen
	s.mu.Unlock()
	if !open {
		http.Error(w, "gateway unavailable", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Query().Get("v") != "10" || r.URL.Query().Get("encoding") != "json" {
		http.Error(w, "want ?v=10&encoding=json", http.StatusBadRequest)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	hello, _ := json.Marshal(map[string]any{"heartbeat_interval": HeartbeatInterval.Milliseconds()})
	if err := conn.WriteJSON(frame{Op: opHello, D: hello}); err != nil {
		_ = conn.Close()
		return
	}
	var sess *session
	for {
		var f frame
		if err := conn.ReadJSON(&f); err != nil {
			if sess != nil {
				sess.mu.Lock()
				if sess.conn == conn {
					sess.conn, sess.connected = nil, false
				}
				sess.mu.Unlock()
			}
			return
		}
		switch f.Op {
		case opHeartbeat:
			// Discord's ACK takes a network round trip. Answering at loopback
			// speed beats disgo's own bookkeeping of when it sent the
			// heartbeat, which then takes the connection for a zombie.
			s2 := sess
			time.AfterFunc(20*time.Millisecond, func() { _ = writeLocked(s2, conn, frame{Op: opHeartbeatACK}) })
		case opIdentify:
			sess = s.identify(conn, f.D)
			if sess == nil {
				return
			}
		case opResume:
			sess = s.resume(conn, f.D)
			if sess == nil {
				continue // an invalid session was signalled; the client identifies next
			}
		}
	}
}

func writeLocked(sess *session, conn *websocket.Conn, f frame) error {
	if sess != nil {
		sess.mu.Lock()
		defer sess.mu.Unlock()
	}
	// Every write sets its own deadline: one left over from an earlier write
	// would make this one fail.
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return conn.WriteJSON(f)
}

func (s *Server) identify(conn *websocket.Conn, d json.RawMessage) *session {
	var id struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
		Shard   []int  `json:"shard"`
	}
	_ = json.Unmarshal(d, &id)
	if id.Token != s.Token && id.Token != "Bot "+s.Token {
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		_ = conn.Close()
		return nil
	}
	shard, shards := 0, 1
	if len(id.Shard) == 2 {
		shard, shards = id.Shard[0], id.Shard[1]
	}
	if shards < 1 || shard < 0 || shard >= shards || len(id.Shard) != 0 && len(id.Shard) != 2 {
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4010, "Invalid shard."))
		_ = conn.Close()
		return nil
	}
	s.mu.Lock()
	if code := s.refuseIdentify; code != 0 { // a close code that forbids reconnecting, like 4014
		s.mu.Unlock()
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, "Disallowed intent(s)."))
		_ = conn.Close()
		return nil
	}
	// Identify concurrency: one identify per bucket (shard % max_concurrency)
	// every 5 seconds; a faster one is an invalid session (op 9).
	bucket := shard % max(s.maxConcurrency, 1)
	if last, ok := s.identified[bucket]; ok && time.Since(last) < IdentifyInterval {
		s.tooFast++
		s.mu.Unlock()
		f, _ := json.Marshal(false)
		_ = writeLocked(nil, conn, frame{Op: opInvalidSession, D: f})
		return nil
	}
	s.identified[bucket] = time.Now()
	if s.startsLeft > 0 {
		s.startsLeft--
	}
	sess := &session{id: "sess-" + s.nextID().String(), conn: conn, intents: id.Intents, connected: true, shard: shard, shards: shards}
	s.sessions[sess.id] = sess
	var unavailable []map[string]any
	var creates []map[string]any
	for gid, g := range s.guilds {
		if !g.botIn || ShardOf(gid, shards) != shard {
			continue
		}
		unavailable = append(unavailable, map[string]any{"id": gid, "unavailable": true})
		creates = append(creates, s.guildCreateLocked(g))
	}
	s.mu.Unlock()
	s.sendDispatch(sess, "READY", map[string]any{"v": 10, "user": s.BotUser, "guilds": nonNilMaps(unavailable),
		"session_id": sess.id, "resume_gateway_url": s.GatewayURL(), "shard": []int{shard, shards},
		"application": map[string]any{"id": s.AppID, "flags": 0}})
	for _, gc := range creates {
		s.sendDispatch(sess, "GUILD_CREATE", gc)
	}
	return sess
}

func (s *Server) guildCreateLocked(g *guildState) map[string]any {
	var members []Member
	for _, m := range g.members {
		members = append(members, *m)
	}
	var channels, threads []Channel // GUILD_CREATE lists the active threads apart
	for _, c := range s.channels {
		switch {
		case c.GuildID != g.ID:
		case !isThread(c):
			channels = append(channels, c.snapshot())
		case !c.ThreadMetadata.Archived:
			threads = append(threads, c.snapshot())
		}
	}
	return map[string]any{"id": g.ID, "name": g.Name, "icon": nil, "owner_id": g.OwnerID, "roles": g.Roles, "emojis": []any{},
		"features": []string{}, "member_count": len(g.members), "members": nonNil(members), "channels": nonNil(channels),
		"threads": nonNil(threads), "presences": []any{}, "voice_states": []any{}, "stage_instances": []any{},
		"guild_scheduled_events": []any{}, "soundboard_sounds": []any{}, "large": false, "unavailable": false,
		"joined_at": time.Now().UTC().Format(time.RFC3339), "preferred_locale": cmp.Or(g.PreferredLocale, "en-US")}
}

func (s *Server) resume(conn *websocket.Conn, d json.RawMessage) *session {
	var res struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(d, &res)
	s.mu.Lock()
	sess, ok := s.sessions[res.SessionID]
	s.mu.Unlock()
	if !ok || sess.invalid || (res.Token != s.Token && res.Token != "Bot "+s.Token) {
		f, _ := json.Marshal(false)
		_ = conn.WriteJSON(frame{Op: opInvalidSession, D: f})
		return nil
	}
	sess.mu.Lock()
	sess.conn, sess.connected = conn, true
	replay := sess.buffer
	sess.buffer = nil
	sess.mu.Unlock()
	for _, f := range replay {
		if *f.S > res.Seq {
			_ = sess.send(f)
		}
	}
	s.sendDispatch(sess, "RESUMED", map[string]any{})
	return sess
}

func (s *Server) sendDispatch(sess *session, name string, data any) {
	b, _ := json.Marshal(data)
	sess.mu.Lock()
	sess.seq++
	seq := sess.seq
	f := frame{Op: opDispatch, D: b, S: &seq, T: &name}
	if sess.conn == nil {
		if !sess.invalid {
			sess.buffer = append(sess.buffer, f)
		}
		sess.mu.Unlock()
		return
	}
	_ = sess.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	err := sess.conn.WriteJSON(f)
	if err != nil && !sess.invalid {
		sess.buffer = append(sess.buffer, f)
	}
	sess.mu.Unlock()
}

// dispatch sends an event to the sessions of its guild's shard — events
// without a guild to shard 0 — buffering it for those that can resume.
func (s *Server) dispatch(name string, data any) {
	g := guildOf(name, data)
	s.mu.Lock()
	var sessions []*session
	for _, sess := range s.sessions {
		if sess.shard == ShardOf(g, sess.shards) {
			sessions = append(sessions, sess)
		}
	}
	s.mu.Unlock()
	for _, sess := range sessions {
		if (name == "MESSAGE_CREATE" || name == "MESSAGE_UPDATE") && sess.intents&IntentMessageContent == 0 {
			if m, ok := data.(Message); ok { // without the intent Discord sends no content
				m.Content, m.Embeds, m.Attachments = "", []Embed{}, []Attachment{}
				s.sendDispatch(sess, name, m)
				continue
			}
		}
		s.sendDispatch(sess, name, data)
	}
}

// Connected reports how many gateway sessions are connected.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		sess.mu.Lock()
		if sess.connected {
			n++
		}
		sess.mu.Unlock()
	}
	return n
}

// WaitConnected waits until n sessions are connected.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	for s.Connected() < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d gateway session(s): %w", n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// DropGateway closes every gateway connection. Resumable sessions keep the
// dispatches they miss and replay them on RESUME; otherwise the sessions are
// invalidated, what happens meanwhile is never dispatched to them, and the
// client must identify again (and back-fill from REST).
func (s *Server) DropGateway(resumable bool) {
	s.mu.Lock()
	var sessions []*session
	for _, sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	for _, sess := range sessions {
		sess.mu.Lock()
		if !resumable {
			sess.invalid, sess.buffer = true, nil
		}
		if sess.conn != nil {
			_ = sess.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "Unknown error; reconnect"))
			_ = sess.conn.Close()
			sess.conn, sess.connected = nil, false
		}
		sess.mu.Unlock()
	}
}

// SetGatewayOpen refuses (false) or accepts (true) new gateway connections:
// an outage.
func (s *Server) SetGatewayOpen(open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gatewayOpen = open
}

// PostMessage is a person writing in a channel: the message is stored and
// MESSAGE_CREATE is dispatched.
func (s *Server) PostMessage(channel Snowflake, author User, content string, attachments ...Attachment) Message {
	return s.post(channel, author, content, attachments, nil)
}

// PostEmbeds is someone (another bot, say) posting embeds in a channel.
func (s *Server) PostEmbeds(channel Snowflake, author User, content string, embeds ...Embed) Message {
	return s.post(channel, author, content, nil, embeds)
}

func (s *Server) post(channel Snowflake, author User, content string, attachments []Attachment, embeds []Embed) Message {
	s.mu.Lock()
	c := s.channels[channel]
	m := &Message{ID: s.nextID(), ChannelID: channel, Author: author, Content: content, Timestamp: s.now().UTC(),
		Mentions: []User{}, MentionRoles: []Snowflake{}, Attachments: nonNil(attachments), Embeds: nonNil(embeds), Components: []json.RawMessage{}}
	for i := range m.Attachments {
		if m.Attachments[i].ID == 0 {
			m.Attachments[i].ID = s.nextID()
		}
	}
	s.messages[channel] = append(s.messages[channel], m)
	gm := *m
	if c != nil {
		gm.GuildID = c.GuildID
		if g, ok := s.guilds[c.GuildID]; ok {
			if mem, ok := g.members[author.ID]; ok {
				mm := *mem
				mm.User = nil
				gm.Member = &mm
			}
		}
	}
	s.mu.Unlock()
	s.dispatch("MESSAGE_CREATE", gm)
	return *m
}

// EditMessage is a person editing their message: MESSAGE_UPDATE.
func (s *Server) EditMessage(channel, id Snowflake, content string) {
	s.mu.Lock()
	m := s.findMessageLocked(channel, id)
	if m == nil {
		s.mu.Unlock()
		return
	}
	now := s.now().UTC()
	m.Content, m.EditedTimestamp = content, &now
	gm := *m
	if c, ok := s.channels[channel]; ok {
		gm.GuildID = c.GuildID
	}
	s.mu.Unlock()
	s.dispatch("MESSAGE_UPDATE", gm)
}

// DeleteMessageByHand is a person deleting a message: MESSAGE_DELETE.
func (s *Server) DeleteMessageByHand(channel, id Snowflake) { s.deleteMessage(nil, channel, id, false) }

// DeleteChannelByHand is a moderator deleting a channel in Discord's UI.
func (s *Server) DeleteChannelByHand(channel Snowflake) { s.deleteChannel(nil, channel, false) }

// RemoveMember is a member leaving the guild: GUILD_MEMBER_REMOVE.
func (s *Server) RemoveMember(guild Snowflake, user Snowflake) {
	s.mu.Lock()
	g, ok := s.guilds[guild]
	var u User
	if ok {
		if m, found := g.members[user]; found {
			u = *m.User
			delete(g.members, user)
		}
	}
	s.mu.Unlock()
	if ok {
		s.dispatch("GUILD_MEMBER_REMOVE", map[string]any{"guild_id": guild, "user": u})
	}
}

// RemoveBot is the bot being kicked from a guild: GUILD_DELETE without unavailable.
func (s *Server) RemoveBot(guild Snowflake) {
	s.mu.Lock()
	if g, ok := s.guilds[guild]; ok {
		g.botIn = false
	}
	s.mu.Unlock()
	s.dispatch("GUILD_DELETE", map[string]any{"id": guild})
}

// InteractViaGateway dispatches INTERACTION_CREATE and waits for the bot's
// callback over REST.
func (s *Server) InteractViaGateway(ctx context.Context, in Interaction) (InteractionResponse, error) {
	ch := make(chan InteractionResponse, 1)
	s.mu.Lock()
	s.responses[in.ID] = ch
	s.mu.Unlock()
	s.dispatch("INTERACTION_CREATE", in)
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return InteractionResponse{}, ctx.Err()
	}
}
