package fakediscord

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Discord JSON error codes used here.
const (
	codeUnknownChannel = 10003
	codeUnknownGuild   = 10004
	codeUnknownMember  = 10007
	codeUnknownMessage = 10008
	codeUnknownWebhook = 10015
	codeUnauthorized   = 0
	codeInvalidBody    = 50035
	// codeCannotMessageUser: the user does not accept direct messages.
	codeCannotMessageUser = 50007
	codeInvalidRecipient  = 50033
)

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v10")
	body, _ := io.ReadAll(r.Body)
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	s.mu.Lock()
	delay := s.slow
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: jsonOrNil(r, body), Status: rec.status, At: s.now()})
		s.mu.Unlock()
		s.logger.Debug("fake discord", "method", r.Method, "path", path, "status", rec.status)
	}()
	if s.injectFault(rec, r.Method, path) {
		return
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	public := seg[0] == "webhooks" || seg[0] == "interactions" || seg[0] == "oauth2" || (len(seg) == 1 && seg[0] == "gateway") || (seg[0] == "users" && r.Header.Get("Authorization") != "" && strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "))
	if !public && r.Header.Get("Authorization") != "Bot "+s.Token {
		s.writeError(rec, http.StatusUnauthorized, codeUnauthorized, "401: Unauthorized")
		return
	}
	if !public {
		if wait, over := s.overGlobalLimit(); over {
			s.writeRateLimited(rec, wait, true)
			return
		}
	}
	s.route(rec, r, seg, body)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func jsonOrNil(r *http.Request, body []byte) json.RawMessage {
	if len(body) == 0 {
		return nil
	}
	if json.Valid(body) {
		return body
	}
	if payload := multipartPayload(r, body); payload != nil {
		return payload
	}
	return nil
}

// multipartPayload extracts payload_json from a multipart body (files attached).
func multipartPayload(r *http.Request, body []byte) json.RawMessage {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil
		}
		if p.FormName() == "payload_json" {
			b, _ := io.ReadAll(p)
			return b
		}
	}
}

// multipartFiles returns the files of a multipart body as attachments.
func (s *Server) multipartFiles(r *http.Request, body []byte) []Attachment {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil
	}
	var out []Attachment
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return out
		}
		if p.FileName() == "" {
			continue
		}
		data, _ := io.ReadAll(p)
		id := s.nextID()
		out = append(out, Attachment{ID: id, Filename: p.FileName(), Size: len(data),
			URL: s.BaseURL() + "/cdn/attachments/" + id.String() + "/" + p.FileName(), ProxyURL: s.BaseURL() + "/cdn/attachments/" + id.String(),
			ContentType: p.Header.Get("Content-Type")})
		s.files[id] = data
	}
}

func (s *Server) injectFault(w http.ResponseWriter, method, path string) bool {
	s.mu.Lock()
	var hit *fault
	for _, f := range s.faults {
		if f.remaining > 0 && (f.method == "" || f.method == method) && strings.HasPrefix(path, f.prefix) {
			f.remaining--
			hit = f
			break
		}
	}
	s.mu.Unlock()
	if hit == nil {
		return false
	}
	if hit.status == http.StatusTooManyRequests {
		s.writeRateLimited(w, hit.retryAfter, false)
	} else {
		s.writeError(w, hit.status, 0, http.StatusText(hit.status))
	}
	return true
}

func parseID(s string) Snowflake {
	n, _ := strconv.ParseUint(s, 10, 64)
	return Snowflake(n)
}

// route dispatches /api/v10/... by its segments.
func (s *Server) route(w http.ResponseWriter, r *http.Request, seg []string, body []byte) {
	m := r.Method
	switch {
	case m == "GET" && match(seg, "gateway", "bot"):
		s.mu.Lock()
		shards, concurrency, left, reset := s.recommendedShards, s.maxConcurrency, s.startsLeft, s.startsReset
		s.mu.Unlock()
		s.writeJSON(w, 200, map[string]any{"url": s.GatewayURL(), "shards": shards,
			"session_start_limit": map[string]any{"total": 1000, "remaining": left, "reset_after": reset.Milliseconds(), "max_concurrency": concurrency}})
	case m == "GET" && match(seg, "gateway"):
		s.writeJSON(w, 200, map[string]any{"url": s.GatewayURL()})
	case m == "GET" && match(seg, "users", "@me"):
		s.usersMe(w, r)
	case m == "POST" && match(seg, "users", "@me", "channels"):
		s.createDM(w, body)
	case m == "GET" && match(seg, "users", "@me", "guilds"):
		s.usersMeGuilds(w, r)
	case m == "GET" && match(seg, "applications", "@me"):
		s.writeJSON(w, 200, map[string]any{"id": s.AppID, "name": "Ticketify", "bot": s.BotUser, "flags": 0})
	case (m == "PUT" || m == "GET") && match(seg, "applications", "*", "commands"):
		s.bulkCommands(w, m, "global", body)
	case (m == "PUT" || m == "GET") && match(seg, "applications", "*", "guilds", "*", "commands"):
		s.bulkCommands(w, m, seg[3], body)
	case m == "POST" && match(seg, "interactions", "*", "*", "callback"):
		s.interactionCallback(w, parseID(seg[1]), seg[2], body)
	case match(seg, "webhooks", "*", "*", "messages", "@original"):
		s.original(w, m, seg[2], body)
	case m == "POST" && match(seg, "webhooks", "*", "*"):
		s.followup(w, r, seg[2], body)
	case m == "GET" && match(seg, "guilds", "*"):
		s.getGuild(w, parseID(seg[1]))
	case m == "GET" && match(seg, "guilds", "*", "channels"):
		s.guildChannels(w, parseID(seg[1]))
	case m == "POST" && match(seg, "guilds", "*", "channels"):
		s.createChannel(w, parseID(seg[1]), body)
	case m == "GET" && match(seg, "guilds", "*", "members", "search"):
		s.searchMembers(w, r, parseID(seg[1]))
	case m == "GET" && match(seg, "guilds", "*", "members", "*"):
		s.getMember(w, parseID(seg[1]), parseID(seg[3]))
	case m == "GET" && match(seg, "guilds", "*", "roles"):
		s.getRoles(w, parseID(seg[1]))
	case m == "GET" && match(seg, "channels", "*"):
		s.getChannel(w, parseID(seg[1]))
	case m == "PATCH" && match(seg, "channels", "*"):
		s.patchChannel(w, parseID(seg[1]), body)
	case m == "DELETE" && match(seg, "channels", "*"):
		s.deleteChannel(w, parseID(seg[1]), true)
	case m == "POST" && match(seg, "channels", "*", "threads"):
		s.startThread(w, parseID(seg[1]), body)
	case (m == "PUT" || m == "DELETE") && match(seg, "channels", "*", "thread-members", "*"):
		s.threadMember(w, m, parseID(seg[1]), parseID(seg[3]))
	case m == "GET" && match(seg, "channels", "*", "thread-members"):
		s.listThreadMembers(w, parseID(seg[1]))
	case m == "GET" && match(seg, "guilds", "*", "threads", "active"):
		s.activeThreads(w, parseID(seg[1]))
	case m == "PUT" && match(seg, "channels", "*", "permissions", "*"):
		s.putOverwrite(w, parseID(seg[1]), parseID(seg[3]), body)
	case m == "DELETE" && match(seg, "channels", "*", "permissions", "*"):
		s.deleteOverwrite(w, parseID(seg[1]), parseID(seg[3]))
	case m == "GET" && match(seg, "channels", "*", "messages"):
		s.listMessages(w, r, parseID(seg[1]))
	case m == "POST" && match(seg, "channels", "*", "messages"):
		s.createMessage(w, r, parseID(seg[1]), body)
	case m == "GET" && match(seg, "channels", "*", "messages", "*"):
		s.getMessage(w, parseID(seg[1]), parseID(seg[3]))
	case m == "PATCH" && match(seg, "channels", "*", "messages", "*"):
		s.editMessage(w, parseID(seg[1]), parseID(seg[3]), body)
	case m == "DELETE" && match(seg, "channels", "*", "messages", "*"):
		s.deleteMessage(w, parseID(seg[1]), parseID(seg[3]), true)
	case m == "POST" && match(seg, "oauth2", "token"):
		s.oauthToken(w, r, body)
	case m == "POST" && match(seg, "oauth2", "token", "revoke"):
		s.oauthRevoke(w, r, body)
	default:
		s.writeError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}

func match(seg []string, pattern ...string) bool {
	if len(seg) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		if p != "*" && p != seg[i] {
			return false
		}
	}
	return true
}

func (s *Server) bulkCommands(w http.ResponseWriter, method, scope string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == "GET" {
		s.writeJSON(w, 200, nonNil(s.commands[scope]))
		return
	}
	var cmds []map[string]any
	if err := json.Unmarshal(body, &cmds); err != nil {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	if problem := duplicateCommand(cmds); problem != "" {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body: "+problem)
		return
	}
	out := make([]json.RawMessage, 0, len(cmds))
	for _, c := range cmds {
		if name, _ := c["name"].(string); name == "" {
			s.writeError(w, 400, codeInvalidBody, "Invalid Form Body: name is required")
			return
		}
		if problem := validateCommand(c); problem != "" {
			s.writeError(w, 400, codeInvalidBody, "Invalid Form Body: "+problem)
			return
		}
		c["id"] = s.nextID()
		c["application_id"] = s.AppID
		c["version"] = s.nextID()
		if scope != "global" {
			c["guild_id"] = scope
		}
		b, _ := json.Marshal(c)
		out = append(out, b)
	}
	s.commands[scope] = out
	s.writeJSON(w, 200, out)
}

// Commands returns the registered commands of a scope ("global" or a guild id).
func (s *Server) Commands(scope string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[scope])
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) getGuild(w http.ResponseWriter, id Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guilds[id]
	if !ok || !g.botIn {
		s.writeError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	s.writeJSON(w, 200, g.Guild)
}

func (s *Server) guildChannels(w http.ResponseWriter, guild Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.guilds[guild]; !ok {
		s.writeError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	out := []Channel{}
	for _, c := range s.channels {
		if c.GuildID == guild && !isThread(c) { // threads are listed apart (threads/active)
			out = append(out, c.snapshot())
		}
	}
	slices.SortFunc(out, func(a, b Channel) int { return compareIDs(a.ID, b.ID) })
	s.writeJSON(w, 200, out)
}

func (s *Server) createChannel(w http.ResponseWriter, guild Snowflake, body []byte) {
	var req struct {
		Name                 string      `json:"name"`
		Type                 int         `json:"type"`
		Topic                *string     `json:"topic"`
		ParentID             *Snowflake  `json:"parent_id"`
		PermissionOverwrites []Overwrite `json:"permission_overwrites"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Name == "" || len(req.Name) > 100 || req.Type == ChannelPublicThread || req.Type == ChannelPrivateThread {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	if _, ok := s.guilds[guild]; !ok {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	if req.ParentID != nil {
		if p, ok := s.channels[*req.ParentID]; !ok || p.Type != ChannelCategory {
			s.mu.Unlock()
			s.writeError(w, 400, codeInvalidBody, "Invalid Form Body: parent_id is not a category")
			return
		}
		n := 0
		for _, c := range s.channels {
			if c.ParentID != nil && *c.ParentID == *req.ParentID {
				n++
			}
		}
		if n >= 50 {
			s.mu.Unlock()
			s.writeError(w, 400, 50035, "Maximum number of channels in category reached (50)")
			return
		}
	}
	c := &Channel{ID: s.nextID(), Type: req.Type, GuildID: guild, Name: normalizeChannelName(req.Name), Topic: req.Topic,
		ParentID: req.ParentID, PermissionOverwrites: nonNil(req.PermissionOverwrites)}
	s.channels[c.ID] = c
	cp := *c
	s.mu.Unlock()
	s.dispatch("CHANNEL_CREATE", cp)
	s.writeJSON(w, 201, cp)
}

// normalizeChannelName is what Discord does to text channel names.
func normalizeChannelName(n string) string {
	n = strings.ToLower(strings.TrimSpace(n))
	return strings.Join(strings.Fields(n), "-")
}

func (s *Server) getChannel(w http.ResponseWriter, id Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	s.writeJSON(w, 200, c)
}

// RenameLimit is Discord's limit on renaming one channel: 2 per 10 minutes.
const (
	RenameLimit  = 2
	RenameWindow = 10 * time.Minute
)

func (s *Server) patchChannel(w http.ResponseWriter, id Snowflake, body []byte) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	c, ok := s.channels[id]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	if isThread(c) {
		s.patchThread(w, c, req)
		return
	}
	if raw, ok := req["name"]; ok {
		var name string
		_ = json.Unmarshal(raw, &name)
		if normalizeChannelName(name) != c.Name {
			now := s.now()
			recent := slices.DeleteFunc(s.renames[id], func(t time.Time) bool { return now.Sub(t) >= RenameWindow })
			if len(recent) >= RenameLimit {
				retry := recent[0].Add(RenameWindow).Sub(now)
				s.renames[id] = recent
				s.mu.Unlock()
				s.writeRateLimited(w, retry, false)
				return
			}
			s.renames[id] = append(recent, now)
			c.Name = normalizeChannelName(name)
		}
	}
	if raw, ok := req["permission_overwrites"]; ok {
		var ows []Overwrite
		_ = json.Unmarshal(raw, &ows)
		c.PermissionOverwrites = nonNil(ows)
	}
	if raw, ok := req["topic"]; ok {
		var t *string
		_ = json.Unmarshal(raw, &t)
		c.Topic = t
	}
	if raw, ok := req["parent_id"]; ok {
		var p *Snowflake
		_ = json.Unmarshal(raw, &p)
		c.ParentID = p
	}
	cp := c.snapshot()
	s.mu.Unlock()
	s.dispatch("CHANNEL_UPDATE", cp)
	s.writeJSON(w, 200, cp)
}

// patchThread is PATCH /channels/{id} on a thread, with s.mu held (and
// released here); renames count against the same limit as channels'.
func (s *Server) patchThread(w http.ResponseWriter, c *Channel, req map[string]json.RawMessage) {
	if raw, ok := req["name"]; ok {
		var name string
		_ = json.Unmarshal(raw, &name)
		if name != c.Name && !(c.ThreadMetadata.Archived && !bytes.Equal(req["archived"], []byte("false"))) {
			now := s.now()
			recent := slices.DeleteFunc(s.renames[c.ID], func(t time.Time) bool { return now.Sub(t) >= RenameWindow })
			if len(recent) >= RenameLimit {
				retry := recent[0].Add(RenameWindow).Sub(now)
				s.renames[c.ID] = recent
				s.mu.Unlock()
				s.writeRateLimited(w, retry, false)
				return
			}
			s.renames[c.ID] = append(recent, now)
		}
	}
	before := c.Name
	if status, code, msg := s.patchThreadLocked(c, req); status != 0 {
		s.mu.Unlock()
		s.writeError(w, status, code, msg)
		return
	}
	var notice *Message
	if c.Name != before { // Discord says so in the thread: CHANNEL_NAME_CHANGE
		notice = s.systemMessageLocked(c, messageNameChange, c.Name, nil)
	}
	cp := c.snapshot()
	s.mu.Unlock()
	s.dispatch("THREAD_UPDATE", cp)
	if notice != nil {
		s.dispatch("MESSAGE_CREATE", *notice)
	}
	s.writeJSON(w, 200, cp)
}

func (s *Server) deleteChannel(w http.ResponseWriter, id Snowflake, respond bool) {
	s.mu.Lock()
	c, ok := s.channels[id]
	if ok {
		delete(s.channels, id)
		delete(s.threadMembers, id)
		for tid, t := range s.channels { // a channel's threads go with it, without events of their own
			if isThread(t) && t.ParentID != nil && *t.ParentID == id {
				delete(s.channels, tid)
				delete(s.threadMembers, tid)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		if respond {
			s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		}
		return
	}
	if isThread(c) {
		s.dispatch("THREAD_DELETE", map[string]any{"id": c.ID, "guild_id": c.GuildID, "parent_id": c.ParentID, "type": c.Type})
	} else {
		s.dispatch("CHANNEL_DELETE", *c)
	}
	if respond {
		s.writeJSON(w, 200, c)
	}
}

func (s *Server) putOverwrite(w http.ResponseWriter, channel, target Snowflake, body []byte) {
	var ow Overwrite
	if err := json.Unmarshal(body, &ow); err != nil {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	ow.ID = target
	s.mu.Lock()
	c, ok := s.channels[channel]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	if isThread(c) { // a thread has no overwrites: its parent's apply
		s.mu.Unlock()
		s.writeError(w, 400, codeWrongChannelType, "Cannot execute action on this channel type")
		return
	}
	c.PermissionOverwrites = append(slices.DeleteFunc(c.PermissionOverwrites, func(o Overwrite) bool { return o.ID == target }), ow)
	cp := c.snapshot()
	s.mu.Unlock()
	s.dispatch("CHANNEL_UPDATE", cp)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteOverwrite(w http.ResponseWriter, channel, target Snowflake) {
	s.mu.Lock()
	c, ok := s.channels[channel]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	if isThread(c) {
		s.mu.Unlock()
		s.writeError(w, 400, codeWrongChannelType, "Cannot execute action on this channel type")
		return
	}
	c.PermissionOverwrites = slices.DeleteFunc(c.PermissionOverwrites, func(o Overwrite) bool { return o.ID == target })
	cp := c.snapshot()
	s.mu.Unlock()
	s.dispatch("CHANNEL_UPDATE", cp)
	w.WriteHeader(http.StatusNoContent)
}

// searchMembers is GET /guilds/{id}/members/search: members whose user
// name or nickname starts with query, case-insensitively, at most limit
// (1-1000, default 1) (https://discord.com/developers/docs/resources/guild#search-guild-members).
func (s *Server) searchMembers(w http.ResponseWriter, r *http.Request, guild Snowflake) {
	query := strings.ToLower(r.URL.Query().Get("query"))
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if r.URL.Query().Get("limit") == "" {
		limit, err = 1, nil
	}
	if query == "" || err != nil || limit < 1 || limit > 1000 {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guilds[guild]
	if !ok {
		s.writeError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	var out []*Member
	for _, m := range g.members {
		if m.User == nil {
			continue
		}
		nick := ""
		if m.Nick != nil {
			nick = strings.ToLower(*m.Nick)
		}
		if strings.HasPrefix(strings.ToLower(m.User.Username), query) || (nick != "" && strings.HasPrefix(nick, query)) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *Member) int { return strings.Compare(a.User.Username, b.User.Username) })
	s.writeJSON(w, 200, nonNil(out[:min(limit, len(out))]))
}

func (s *Server) getMember(w http.ResponseWriter, guild, user Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guilds[guild]
	if !ok {
		s.writeError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	m, ok := g.members[user]
	if !ok {
		s.writeError(w, 404, codeUnknownMember, "Unknown Member")
		return
	}
	s.writeJSON(w, 200, m)
}

func (s *Server) getRoles(w http.ResponseWriter, guild Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.guilds[guild]
	if !ok {
		s.writeError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	s.writeJSON(w, 200, g.Roles)
}

// listMessages answers GET /channels/{id}/messages with before/after/limit,
// newest first, as Discord does.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, channel Snowflake) {
	q := r.URL.Query()
	limit := 50
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l >= 1 && l <= 100 {
		limit = l
	}
	after, before := parseID(q.Get("after")), parseID(q.Get("before"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[channel]; !ok {
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	var picked []Message
	msgs := s.messages[channel]
	if after != 0 { // the oldest `limit` after the id
		for _, m := range msgs {
			if m.ID > after && len(picked) < limit {
				picked = append(picked, *m)
			}
		}
	} else {
		for i := len(msgs) - 1; i >= 0 && len(picked) < limit; i-- {
			if before == 0 || msgs[i].ID < before {
				picked = append(picked, *msgs[i])
			}
		}
		slices.Reverse(picked)
	}
	slices.Reverse(picked) // newest first
	s.writeJSON(w, 200, nonNil(picked))
}

type messageCreate struct {
	Content      string            `json:"content"`
	Embeds       []Embed           `json:"embeds"`
	Components   []json.RawMessage `json:"components"`
	Nonce        any               `json:"nonce"`
	EnforceNonce bool              `json:"enforce_nonce"`
	Flags        int               `json:"flags"`
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request, channel Snowflake, body []byte) {
	payload := jsonOrNil(r, body)
	var req messageCreate
	if err := json.Unmarshal(payload, &req); err != nil {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	c, ok := s.channels[channel]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	if isThread(c) && c.ThreadMetadata.Archived && c.ThreadMetadata.Locked { // only who manages threads may reopen a locked one
		s.mu.Unlock()
		s.writeError(w, 400, codeArchivedThread, "Thread is archived")
		return
	}
	if c.Type == ChannelDM && len(c.Recipients) == 1 && s.dmsClosed[c.Recipients[0].ID] {
		s.mu.Unlock()
		s.writeError(w, 403, codeCannotMessageUser, "Cannot send messages to this user")
		return
	}
	nonceKey := ""
	if req.Nonce != nil && req.EnforceNonce {
		nonceKey = channel.String() + "/" + strings.Trim(string(mustJSON(req.Nonce)), `"`)
		if prev, ok := s.nonces[nonceKey]; ok { // Discord dedupes by nonce for a few minutes
			s.mu.Unlock()
			s.writeJSON(w, 200, prev)
			return
		}
	}
	files := s.multipartFiles(r, body)
	if req.Content == "" && len(req.Embeds) == 0 && len(req.Components) == 0 && len(files) == 0 {
		s.mu.Unlock()
		s.writeError(w, 400, 50006, "Cannot send an empty message")
		return
	}
	var unarchived *Channel
	if isThread(c) && c.ThreadMetadata.Archived { // a message unarchives an unlocked thread
		c.ThreadMetadata.Archived = false
		c.ThreadMetadata.ArchiveTimestamp = s.now().UTC()
		cp := c.snapshot()
		unarchived = &cp
	}
	m := &Message{ID: s.nextID(), ChannelID: channel, Author: s.BotUser, Content: req.Content, Timestamp: s.now().UTC(),
		Mentions: []User{}, MentionRoles: []Snowflake{}, Attachments: nonNil(files), Embeds: nonNil(req.Embeds),
		Components: nonNil(req.Components), Nonce: req.Nonce}
	s.messages[channel] = append(s.messages[channel], m)
	if nonceKey != "" {
		s.nonces[nonceKey] = m
	}
	gm := *m
	gm.GuildID = c.GuildID
	s.mu.Unlock()
	if unarchived != nil {
		s.dispatch("THREAD_UPDATE", *unarchived)
	}
	s.dispatch("MESSAGE_CREATE", gm)
	s.writeJSON(w, 200, m)
}

// createDM is POST /users/@me/channels: the bot's direct message channel
// with a user, the same one every time
// (https://discord.com/developers/docs/resources/user#create-dm).
func (s *Server) createDM(w http.ResponseWriter, body []byte) {
	var req struct {
		RecipientID Snowflake `json:"recipient_id"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.RecipientID == 0 {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[req.RecipientID]
	if !ok {
		s.writeError(w, 400, codeInvalidRecipient, "Invalid Recipient(s)")
		return
	}
	id, ok := s.dms[u.ID]
	if !ok {
		id = s.nextID()
		s.dms[u.ID] = id
		s.channels[id] = &Channel{ID: id, Type: ChannelDM, Recipients: []User{u}, PermissionOverwrites: []Overwrite{}}
	}
	s.writeJSON(w, 200, s.channels[id])
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func (s *Server) getMessage(w http.ResponseWriter, channel, id Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[channel]; !ok {
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	m := s.findMessageLocked(channel, id)
	if m == nil {
		s.writeError(w, 404, codeUnknownMessage, "Unknown Message")
		return
	}
	s.writeJSON(w, 200, m)
}

func (s *Server) editMessage(w http.ResponseWriter, channel, id Snowflake, body []byte) {
	var req messageCreate
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	m := s.findMessageLocked(channel, id)
	if m == nil {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownMessage, "Unknown Message")
		return
	}
	m.Content = req.Content
	if req.Components != nil {
		m.Components = req.Components
	}
	if req.Embeds != nil {
		m.Embeds = req.Embeds
	}
	now := s.now().UTC()
	m.EditedTimestamp = &now
	cp := *m
	s.mu.Unlock()
	s.writeJSON(w, 200, cp)
}

func (s *Server) findMessageLocked(channel, id Snowflake) *Message {
	for _, m := range s.messages[channel] {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (s *Server) deleteMessage(w http.ResponseWriter, channel, id Snowflake, respond bool) {
	s.mu.Lock()
	c := s.channels[channel]
	before := len(s.messages[channel])
	s.messages[channel] = slices.DeleteFunc(s.messages[channel], func(m *Message) bool { return m.ID == id })
	found := len(s.messages[channel]) < before
	s.mu.Unlock()
	if !found {
		if respond {
			s.writeError(w, 404, codeUnknownMessage, "Unknown Message")
		}
		return
	}
	var guild Snowflake
	if c != nil {
		guild = c.GuildID
	}
	s.dispatch("MESSAGE_DELETE", map[string]any{"id": id, "channel_id": channel, "guild_id": guild})
	if respond {
		w.WriteHeader(http.StatusNoContent)
	}
}
