package fakediscord

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Interaction types.
const (
	InteractionPing               = 1
	InteractionApplicationCommand = 2
	InteractionMessageComponent   = 3
	InteractionAutocomplete       = 4
	InteractionModalSubmit        = 5
)

// Interaction is https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object.
type Interaction struct {
	ID            Snowflake      `json:"id"`
	ApplicationID Snowflake      `json:"application_id"`
	Type          int            `json:"type"`
	Data          map[string]any `json:"data,omitempty"`
	GuildID       *Snowflake     `json:"guild_id,omitempty"`
	Channel       *Channel       `json:"channel,omitempty"`
	ChannelID     *Snowflake     `json:"channel_id,omitempty"`
	Member        *Member        `json:"member,omitempty"`
	User          *User          `json:"user,omitempty"`
	Token         string         `json:"token"`
	Version       int            `json:"version"`
	Message       *Message       `json:"message,omitempty"`
	AppPerms      string         `json:"app_permissions,omitempty"`
	Locale        string         `json:"locale,omitempty"`
	GuildLocale   string         `json:"guild_locale,omitempty"`
	Entitlements  []any          `json:"entitlements"`
	AuthOwners    map[string]any `json:"authorizing_integration_owners"`
	Context       *int           `json:"context,omitempty"`
}

// InteractionResponse is https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object.
type InteractionResponse struct {
	Type int             `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Response types.
const (
	ResponsePong                   = 1
	ResponseChannelMessage         = 4
	ResponseDeferredChannelMessage = 5
	ResponseDeferredUpdateMessage  = 6
	ResponseUpdateMessage          = 7
	ResponseAutocompleteResult     = 8
	ResponseModal                  = 9
	MessageFlagEphemeral           = 1 << 6
	ComponentActionRow             = 1
	ComponentButton                = 2
	ComponentStringSelect          = 3
	ComponentTextInput             = 4
	ComponentLabel                 = 18
	OptionSubCommand               = 1
	OptionString                   = 3
	OptionInteger                  = 4
	OptionBoolean                  = 5
	OptionUser                     = 6
	OptionRole                     = 8
	OptionChannel                  = 7
	OptionMentionable              = 9
)

// Actor is who performs an interaction: a guild member.
type Actor struct {
	Guild   Snowflake
	Channel Snowflake
	User    User
	// Locale is the language of the person's Discord client; empty is
	// "en-US".
	Locale string
}

// newInteraction fills in what every guild interaction carries.
func (s *Server) newInteraction(a Actor, typ int, data map[string]any) Interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID()
	in := Interaction{ID: id, ApplicationID: s.AppID, Type: typ, Data: data, Token: "itok." + id.String() + "." + strconv.FormatUint(s.seq*7919, 36),
		Version: 1, AppPerms: perm(PermDefaultEveryone | PermManageChannels | PermManageRoles | PermAttachFiles | PermEmbedLinks),
		Locale: "en-US", GuildLocale: "en-US", Entitlements: []any{}, AuthOwners: map[string]any{"0": a.Guild.String()}}
	if a.Locale != "" {
		in.Locale = a.Locale
	}
	if g, ok := s.guilds[a.Guild]; ok {
		in.GuildLocale = cmp.Or(g.PreferredLocale, "en-US")
		guild, ctxGuild := a.Guild, 0
		in.GuildID, in.Context = &guild, &ctxGuild
		if m, ok := g.members[a.User.ID]; ok {
			mem := *m
			mem.Permissions = perm(s.permissionsLocked(g, m))
			in.Member = &mem
		} else {
			mem := Member{User: &a.User, Roles: []Snowflake{}, JoinedAt: s.now().UTC(), Permissions: perm(PermDefaultEveryone)}
			in.Member = &mem
		}
	} else {
		u := a.User
		in.User = &u
		dm := 1
		in.Context = &dm
	}
	if c, ok := s.channels[a.Channel]; ok {
		ch := *c
		in.Channel, in.ChannelID = &ch, &ch.ID
	} else if a.Channel != 0 {
		ch := a.Channel
		in.ChannelID = &ch
	}
	return in
}

// permissionsLocked computes a member's guild permissions from @everyone and their roles.
func (s *Server) permissionsLocked(g *guildState, m *Member) uint64 {
	var p uint64
	for _, r := range g.Roles {
		if r.ID == g.ID || containsID(m.Roles, r.ID) {
			v, _ := strconv.ParseUint(r.Permissions, 10, 64)
			p |= v
		}
	}
	if m.User != nil && m.User.ID == g.OwnerID {
		p |= PermAdministrator | PermManageGuild
	}
	if p&PermAdministrator != 0 {
		p |= PermManageGuild | PermManageChannels | PermManageRoles
	}
	return p
}

func containsID(ids []Snowflake, id Snowflake) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// SlashCommand builds an application command interaction. Options are
// Discord's option objects, e.g. Sub("open", Str("topic", "refund")).
func (s *Server) SlashCommand(a Actor, name string, options ...map[string]any) Interaction {
	data := map[string]any{"id": s.NewID(), "name": name, "type": 1, "options": nonNilMaps(options)}
	if a.Guild != 0 {
		data["guild_id"] = a.Guild
	}
	if resolved := s.resolved(a.Guild, options); resolved != nil {
		data["resolved"] = resolved
	}
	return s.newInteraction(a, InteractionApplicationCommand, data)
}

func nonNilMaps(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

// MessageCommand builds a message context-menu command used on a message
// (https://discord.com/developers/docs/interactions/application-commands#message-commands).
func (s *Server) MessageCommand(a Actor, name string, target Message) Interaction {
	data := map[string]any{"id": s.NewID(), "name": name, "type": 3, "target_id": target.ID,
		"resolved": map[string]any{"messages": map[string]any{target.ID.String(): target}}}
	if a.Guild != 0 {
		data["guild_id"] = a.Guild
	}
	return s.newInteraction(a, InteractionApplicationCommand, data)
}

// Autocomplete builds the interaction Discord sends while someone types an
// autocomplete option: the options so far, the one being typed marked by
// Focused.
func (s *Server) Autocomplete(a Actor, name string, options ...map[string]any) Interaction {
	data := map[string]any{"id": s.NewID(), "name": name, "type": 1, "options": nonNilMaps(options)}
	if a.Guild != 0 {
		data["guild_id"] = a.Guild
	}
	return s.newInteraction(a, InteractionAutocomplete, data)
}

// Focused is a string option being typed.
func Focused(name, typed string) map[string]any {
	return map[string]any{"name": name, "type": OptionString, "value": typed, "focused": true}
}

// Sub is a subcommand option.
func Sub(name string, options ...map[string]any) map[string]any {
	return map[string]any{"name": name, "type": OptionSubCommand, "options": nonNilMaps(options)}
}

// Str is a string option.
func Str(name, value string) map[string]any {
	return map[string]any{"name": name, "type": OptionString, "value": value}
}

// Int is an integer option.
func Int(name string, value int) map[string]any {
	return map[string]any{"name": name, "type": OptionInteger, "value": value}
}

// BoolOpt is a boolean option.
func BoolOpt(name string, value bool) map[string]any {
	return map[string]any{"name": name, "type": OptionBoolean, "value": value}
}

// UserOpt is a user option.
func UserOpt(name string, id Snowflake) map[string]any {
	return map[string]any{"name": name, "type": OptionUser, "value": id.String()}
}

// RoleOpt is a role option.
func RoleOpt(name string, id Snowflake) map[string]any {
	return map[string]any{"name": name, "type": OptionRole, "value": id.String()}
}

// ChannelOpt is a channel option.
func ChannelOpt(name string, id Snowflake) map[string]any {
	return map[string]any{"name": name, "type": OptionChannel, "value": id.String()}
}

// resolved builds the interaction's resolved users, members, roles and
// channels for the options that reference them, as Discord sends them.
func (s *Server) resolved(guild Snowflake, options []map[string]any) map[string]any {
	users, members, roles, channels := map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}
	var walk func([]map[string]any)
	walk = func(opts []map[string]any) {
		for _, o := range opts {
			if sub, ok := o["options"].([]map[string]any); ok {
				walk(sub)
			}
			v, _ := o["value"].(string)
			id := parseID(v)
			s.mu.Lock()
			switch o["type"] {
			case OptionUser, OptionMentionable:
				if g, ok := s.guilds[guild]; ok {
					if m, ok := g.members[id]; ok {
						users[v] = m.User
						mm := *m
						mm.User = nil
						mm.Permissions = perm(s.permissionsLocked(g, m))
						members[v] = mm
					} else {
						users[v] = User{ID: id, Username: "user" + v[len(v)-4:], Discriminator: "0"}
					}
				}
			case OptionRole:
				if g, ok := s.guilds[guild]; ok {
					for _, r := range g.Roles {
						if r.ID == id {
							roles[v] = r
						}
					}
				}
			case OptionChannel:
				if c, ok := s.channels[id]; ok && c.GuildID == guild { // Discord resolves the guild's own channels only
					channels[v] = map[string]any{"id": c.ID, "name": c.Name, "type": c.Type, "permissions": perm(PermDefaultEveryone)}
				}
			}
			s.mu.Unlock()
		}
	}
	walk(options)
	if len(users)+len(roles)+len(channels) == 0 {
		return nil
	}
	return map[string]any{"users": users, "members": members, "roles": roles, "channels": channels}
}

// Button builds a component interaction for a button on a message.
func (s *Server) Button(a Actor, customID string, msg *Message) Interaction {
	in := s.newInteraction(a, InteractionMessageComponent, map[string]any{"custom_id": customID, "component_type": ComponentButton})
	in.Message = msg
	return in
}

// Select builds a string-select interaction.
func (s *Server) Select(a Actor, customID string, values []string, msg *Message) Interaction {
	in := s.newInteraction(a, InteractionMessageComponent, map[string]any{"custom_id": customID, "component_type": ComponentStringSelect, "values": values})
	in.Message = msg
	return in
}

// ModalSubmit builds a modal submission with text input values by custom
// id, each inside a label component as Discord sends them.
func (s *Server) ModalSubmit(a Actor, customID string, inputs [][2]string) Interaction {
	rows := []map[string]any{}
	for i, kv := range inputs {
		rows = append(rows, map[string]any{"type": ComponentLabel, "id": 2*i + 1, "component": map[string]any{
			"type": ComponentTextInput, "id": 2*i + 2, "custom_id": kv[0], "value": kv[1]}})
	}
	return s.newInteraction(a, InteractionModalSubmit, map[string]any{"custom_id": customID, "components": rows})
}

// Ping builds Discord's endpoint verification PING.
func (s *Server) Ping() Interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID()
	return Interaction{ID: id, ApplicationID: s.AppID, Type: InteractionPing, Token: "itok." + id.String(), Version: 1,
		Entitlements: []any{}, AuthOwners: map[string]any{}}
}

// Sign signs a body as Discord signs interactions: Ed25519 over the
// timestamp followed by the body.
func (s *Server) Sign(body []byte, ts time.Time) (signature, timestamp string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	return s.SignRaw(body, timestamp), timestamp
}

// SignRaw signs a body with any timestamp header value, as an attacker
// holding a captured signature (or Discord with a broken clock) would send.
func (s *Server) SignRaw(body []byte, timestamp string) string {
	return hex.EncodeToString(ed25519.Sign(s.signKey, append([]byte(timestamp), body...)))
}

// HTTPResult is the bot's answer to an interaction POST.
type HTTPResult struct {
	Status   int
	Response InteractionResponse
	Body     []byte
	Took     time.Duration
}

// Deliver POSTs a signed interaction to the bot's interactions endpoint, as
// Discord does, and returns its answer.
func (s *Server) Deliver(ctx context.Context, endpoint string, in Interaction) (HTTPResult, error) {
	if s.fromArchivedThread(in) {
		return HTTPResult{}, ErrArchivedThread
	}
	body, err := json.Marshal(in)
	if err != nil {
		return HTTPResult{}, err
	}
	return s.DeliverRaw(ctx, endpoint, body, true)
}

// ErrArchivedThread: Discord's clients send no commands or button presses
// from an archived and locked thread, except for who may manage threads.
var ErrArchivedThread = errors.New("fakediscord: no interactions from an archived, locked thread")

// fromArchivedThread tells whether an interaction would come from an
// archived thread that its sender cannot unarchive (a locked one, without
// Manage Threads). From an archived thread they can unarchive, the client
// unarchives it first, as Discord's clients do.
func (s *Server) fromArchivedThread(in Interaction) bool {
	if in.ChannelID == nil || in.GuildID == nil {
		return false
	}
	s.mu.Lock()
	c, ok := s.channels[*in.ChannelID]
	if !ok || !isThread(c) || !c.ThreadMetadata.Archived {
		s.mu.Unlock()
		return false
	}
	g, ok := s.guilds[*in.GuildID]
	manager := false
	if ok && in.Member != nil && in.Member.User != nil && g.members[in.Member.User.ID] != nil {
		manager = s.permissionsLocked(g, g.members[in.Member.User.ID])&(PermManageThreads|PermAdministrator) != 0
	}
	if c.ThreadMetadata.Locked && !manager {
		s.mu.Unlock()
		return true
	}
	c.ThreadMetadata.Archived, c.ThreadMetadata.ArchiveTimestamp = false, s.now().UTC()
	cp := c.snapshot()
	s.mu.Unlock()
	s.dispatch("THREAD_UPDATE", cp)
	return false
}

// DeliverRaw POSTs a body, signed or not, to the interactions endpoint.
func (s *Server) DeliverRaw(ctx context.Context, endpoint string, body []byte, sign bool) (HTTPResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return HTTPResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	if sign {
		sig, ts := s.Sign(body, s.now())
		req.Header.Set("X-Signature-Ed25519", sig)
		req.Header.Set("X-Signature-Timestamp", ts)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return HTTPResult{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	res := HTTPResult{Status: resp.StatusCode, Body: b, Took: time.Since(start)}
	if resp.StatusCode == 200 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &res.Response)
	}
	return res, nil
}

// interactionCallback is the gateway path's response: POST
// /interactions/{id}/{token}/callback.
func (s *Server) interactionCallback(w http.ResponseWriter, id Snowflake, token string, body []byte) {
	var resp InteractionResponse
	if err := json.Unmarshal(body, &resp); err != nil || resp.Type == 0 {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	s.mu.Lock()
	ch, ok := s.responses[id]
	if ok {
		delete(s.responses, id)
	}
	if resp.Type == ResponseChannelMessage || resp.Type == ResponseUpdateMessage {
		s.originals[token] = s.messageFromResponse(resp.Data)
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, 400, 40060, "Interaction has already been acknowledged.")
		return
	}
	ch <- resp
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) messageFromResponse(data json.RawMessage) *Message {
	var mc messageCreate
	_ = json.Unmarshal(data, &mc)
	return &Message{ID: s.nextID(), Author: s.BotUser, Content: mc.Content, Embeds: nonNil(mc.Embeds), Components: nonNil(mc.Components),
		Flags: mc.Flags, Timestamp: s.now().UTC(), Mentions: []User{}, MentionRoles: []Snowflake{}, Attachments: []Attachment{}}
}

// original serves GET/PATCH/DELETE /webhooks/{app}/{token}/messages/@original.
func (s *Server) original(w http.ResponseWriter, method, token string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "PATCH":
		m := s.messageFromResponse(body)
		if prev, ok := s.originals[token]; ok {
			m.ID = prev.ID
		}
		s.originals[token] = m
		s.writeJSON(w, 200, m)
	case "GET":
		m, ok := s.originals[token]
		if !ok {
			s.writeError(w, 404, codeUnknownMessage, "Unknown Message")
			return
		}
		s.writeJSON(w, 200, m)
	case "DELETE":
		delete(s.originals, token)
		w.WriteHeader(http.StatusNoContent)
	default:
		s.writeError(w, 405, 0, "405: Method Not Allowed")
	}
}

// followup serves POST /webhooks/{app}/{token}.
func (s *Server) followup(w http.ResponseWriter, r *http.Request, token string, body []byte) {
	payload := jsonOrNil(r, body)
	s.mu.Lock()
	m := s.messageFromResponse(payload)
	m.Attachments = nonNil(s.multipartFiles(r, body))
	s.followups[token] = append(s.followups[token], m)
	s.mu.Unlock()
	s.writeJSON(w, 200, m)
}

// Original returns the message an interaction's response produced (its
// edited original after a deferral), if any.
func (s *Server) Original(token string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.originals[token]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Followups returns the follow-up messages sent for an interaction.
func (s *Server) Followups(token string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.followups[token] {
		out = append(out, *m)
	}
	return out
}

// WaitOriginal waits for an interaction's (deferred) original response.
func (s *Server) WaitOriginal(ctx context.Context, token string) (Message, error) {
	for {
		if m, ok := s.Original(token); ok {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return Message{}, fmt.Errorf("no response to interaction %s: %w", token, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// File returns an uploaded attachment's bytes.
func (s *Server) File(id Snowflake) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[id]
	return b, ok
}
