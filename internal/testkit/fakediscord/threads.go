package fakediscord

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// Thread channel types
// (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
const (
	ChannelPublicThread  = 11
	ChannelPrivateThread = 12
)

// Discord JSON error codes of threads.
const (
	codeArchivedThread    = 50083 // "Thread is archived"
	codeWrongChannelType  = 50024 // "Cannot execute action on this channel type"
	codeMaxActiveThreads  = 160006
	maxActiveThreadsGuild = 1000 // active threads per guild
)

// ThreadMetadata is https://discord.com/developers/docs/resources/channel#thread-metadata-object.
type ThreadMetadata struct {
	Archived            bool       `json:"archived"`
	AutoArchiveDuration int        `json:"auto_archive_duration"`
	ArchiveTimestamp    time.Time  `json:"archive_timestamp"`
	Locked              bool       `json:"locked"`
	Invitable           *bool      `json:"invitable,omitempty"` // private threads only
	CreateTimestamp     *time.Time `json:"create_timestamp,omitempty"`
}

// ThreadMember is https://discord.com/developers/docs/resources/channel#thread-member-object.
type ThreadMember struct {
	ID            Snowflake `json:"id"`
	UserID        Snowflake `json:"user_id"`
	JoinTimestamp time.Time `json:"join_timestamp"`
	Flags         int       `json:"flags"`
}

// snapshot copies a channel for answers and dispatches, which are written
// after s.mu is released: nothing of it is shared with the stored one.
func (c *Channel) snapshot() Channel {
	cp := *c
	cp.PermissionOverwrites = slices.Clone(c.PermissionOverwrites)
	if c.ThreadMetadata != nil {
		meta := *c.ThreadMetadata
		cp.ThreadMetadata = &meta
	}
	return cp
}

// System message types Discord posts in threads
// (https://discord.com/developers/docs/resources/message#message-object-message-types).
const (
	messageRecipientAdd    = 1
	messageRecipientRemove = 2
	messageNameChange      = 4
)

// systemMessageLocked stores a message Discord itself posts in a channel
// (author: who acted, here the bot) and returns it as dispatched.
func (s *Server) systemMessageLocked(c *Channel, kind int, content string, mentions []User) *Message {
	m := &Message{ID: s.nextID(), ChannelID: c.ID, Author: s.BotUser, Content: content, Timestamp: s.now().UTC(), Type: kind,
		Mentions: nonNil(mentions), MentionRoles: []Snowflake{}, Attachments: []Attachment{}, Embeds: []Embed{}, Components: []json.RawMessage{}}
	s.messages[c.ID] = append(s.messages[c.ID], m)
	gm := *m
	gm.GuildID = c.GuildID
	return &gm
}

func isThread(c *Channel) bool {
	return c.Type == ChannelPublicThread || c.Type == ChannelPrivateThread
}

// startThread is POST /channels/{id}/threads without a message
// (https://discord.com/developers/docs/resources/channel#start-thread-without-message):
// a thread under a text channel, private unless type says otherwise; its
// creator is its owner and first member.
func (s *Server) startThread(w http.ResponseWriter, parent Snowflake, body []byte) {
	var req struct {
		Name                string `json:"name"`
		AutoArchiveDuration int    `json:"auto_archive_duration"`
		Type                *int   `json:"type"`
		Invitable           *bool  `json:"invitable"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len([]rune(req.Name)) < 1 || len([]rune(req.Name)) > 100 {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body")
		return
	}
	kind := ChannelPrivateThread
	if req.Type != nil {
		kind = *req.Type
	}
	if kind != ChannelPrivateThread && kind != ChannelPublicThread {
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body: type is not a thread type")
		return
	}
	switch req.AutoArchiveDuration {
	case 0:
		req.AutoArchiveDuration = 4320
	case 60, 1440, 4320, 10080:
	default:
		s.writeError(w, 400, codeInvalidBody, "Invalid Form Body: auto_archive_duration must be 60, 1440, 4320 or 10080")
		return
	}
	s.mu.Lock()
	p, ok := s.channels[parent]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	if p.Type != ChannelText {
		s.mu.Unlock()
		s.writeError(w, 400, codeWrongChannelType, "Cannot execute action on this channel type")
		return
	}
	active := 0
	for _, c := range s.channels {
		if c.GuildID == p.GuildID && isThread(c) && !c.ThreadMetadata.Archived {
			active++
		}
	}
	if active >= maxActiveThreadsGuild {
		s.mu.Unlock()
		s.writeError(w, 400, codeMaxActiveThreads, "Maximum number of active threads reached")
		return
	}
	now := s.now().UTC()
	owner, parentID := s.BotUser.ID, parent
	meta := &ThreadMetadata{AutoArchiveDuration: req.AutoArchiveDuration, ArchiveTimestamp: now, CreateTimestamp: &now}
	if kind == ChannelPrivateThread {
		invitable := req.Invitable == nil || *req.Invitable
		meta.Invitable = &invitable
	}
	c := &Channel{ID: s.nextID(), Type: kind, GuildID: p.GuildID, Name: req.Name, ParentID: &parentID, OwnerID: &owner,
		PermissionOverwrites: []Overwrite{}, ThreadMetadata: meta, MemberCount: 1}
	s.channels[c.ID] = c
	s.threadMembers[c.ID] = map[Snowflake]time.Time{owner: now}
	cp := c.snapshot()
	s.mu.Unlock()
	created := struct {
		Channel
		NewlyCreated bool `json:"newly_created"`
	}{cp, true}
	s.dispatch("THREAD_CREATE", created)
	s.writeJSON(w, 201, cp)
}

// threadMember is PUT and DELETE /channels/{id}/thread-members/{user}
// (https://discord.com/developers/docs/resources/channel#add-thread-member):
// 204, idempotent; refused on an archived thread and on a channel that is
// not a thread.
func (s *Server) threadMember(w http.ResponseWriter, method string, thread, user Snowflake) {
	s.mu.Lock()
	c, ok := s.channels[thread]
	switch {
	case !ok:
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	case !isThread(c):
		s.mu.Unlock()
		s.writeError(w, 400, codeWrongChannelType, "Cannot execute action on this channel type")
		return
	case c.ThreadMetadata.Archived:
		s.mu.Unlock()
		s.writeError(w, 400, codeArchivedThread, "Thread is archived")
		return
	}
	if g, ok := s.guilds[c.GuildID]; !ok || g.members[user] == nil && user != s.BotUser.ID {
		s.mu.Unlock()
		s.writeError(w, 404, codeUnknownMember, "Unknown Member")
		return
	}
	members := s.threadMembers[thread]
	_, was := members[user]
	update := map[string]any{"id": thread, "guild_id": c.GuildID}
	if method == "PUT" && !was {
		now := s.now().UTC()
		members[user] = now
		update["added_members"] = []ThreadMember{{ID: thread, UserID: user, JoinTimestamp: now}}
	}
	if method == "DELETE" && was {
		delete(members, user)
		update["removed_member_ids"] = []Snowflake{user}
	}
	c.MemberCount = len(members)
	update["member_count"] = c.MemberCount
	var notice *Message
	if (method == "PUT") != was && user != s.BotUser.ID {
		// Discord says so in the thread: RECIPIENT_ADD (1) or _REMOVE (2).
		kind := messageRecipientAdd
		if method == "DELETE" {
			kind = messageRecipientRemove
		}
		notice = s.systemMessageLocked(c, kind, "", []User{{ID: user, Username: "user", Discriminator: "0"}})
	}
	s.mu.Unlock()
	if (method == "PUT") != was {
		s.dispatch("THREAD_MEMBERS_UPDATE", update)
	}
	if notice != nil {
		s.dispatch("MESSAGE_CREATE", *notice)
	}
	w.WriteHeader(http.StatusNoContent)
}

// listThreadMembers is GET /channels/{id}/thread-members.
func (s *Server) listThreadMembers(w http.ResponseWriter, thread Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[thread]
	if !ok || !isThread(c) {
		s.writeError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	out := []ThreadMember{}
	for u, at := range s.threadMembers[thread] {
		out = append(out, ThreadMember{ID: thread, UserID: u, JoinTimestamp: at})
	}
	slices.SortFunc(out, func(a, b ThreadMember) int { return compareIDs(a.UserID, b.UserID) })
	s.writeJSON(w, 200, out)
}

// activeThreads is GET /guilds/{id}/threads/active
// (https://discord.com/developers/docs/resources/guild#list-active-guild-threads):
// the guild's threads that are not archived, and the bot's memberships.
func (s *Server) activeThreads(w http.ResponseWriter, guild Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.guilds[guild]; !ok {
		s.writeError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	threads, members := []Channel{}, []ThreadMember{}
	for _, c := range s.channels {
		if c.GuildID == guild && isThread(c) && !c.ThreadMetadata.Archived {
			threads = append(threads, c.snapshot())
			if at, ok := s.threadMembers[c.ID][s.BotUser.ID]; ok {
				members = append(members, ThreadMember{ID: c.ID, UserID: s.BotUser.ID, JoinTimestamp: at})
			}
		}
	}
	slices.SortFunc(threads, func(a, b Channel) int { return compareIDs(a.ID, b.ID) })
	s.writeJSON(w, 200, map[string]any{"threads": threads, "members": members})
}

// patchThread applies the thread fields of PATCH /channels/{id}
// (https://discord.com/developers/docs/resources/channel#modify-channel-json-params-thread):
// an archived thread takes no change unless the same request unarchives it.
// It runs with s.mu held and reports a refusal by status and code.
func (s *Server) patchThreadLocked(c *Channel, req map[string]json.RawMessage) (status, code int, msg string) {
	var archived, locked, invitable *bool
	for key, dst := range map[string]**bool{"archived": &archived, "locked": &locked, "invitable": &invitable} {
		if raw, ok := req[key]; ok {
			var v bool
			if json.Unmarshal(raw, &v) != nil {
				return 400, codeInvalidBody, "Invalid Form Body: " + key
			}
			*dst = &v
		}
	}
	if c.ThreadMetadata.Archived && (archived == nil || *archived) {
		return 400, codeArchivedThread, "Thread is archived"
	}
	for key := range req {
		if key != "name" && key != "archived" && key != "locked" && key != "invitable" && key != "auto_archive_duration" && key != "rate_limit_per_user" {
			return 400, codeInvalidBody, "Invalid Form Body: " + key + " is not a thread field"
		}
	}
	if raw, ok := req["name"]; ok {
		var name string
		if json.Unmarshal(raw, &name) != nil || len([]rune(name)) < 1 || len([]rune(name)) > 100 {
			return 400, codeInvalidBody, "Invalid Form Body: name"
		}
		c.Name = name // a thread's name is kept as given, unlike a text channel's
	}
	if archived != nil {
		if *archived != c.ThreadMetadata.Archived {
			c.ThreadMetadata.ArchiveTimestamp = s.now().UTC()
		}
		c.ThreadMetadata.Archived = *archived
	}
	if locked != nil {
		c.ThreadMetadata.Locked = *locked
	}
	if invitable != nil && c.Type == ChannelPrivateThread {
		c.ThreadMetadata.Invitable = invitable
	}
	return 0, 0, ""
}

// ThreadMembers returns who is in a thread, in id order.
func (s *Server) ThreadMembers(thread Snowflake) []Snowflake {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Snowflake
	for u := range s.threadMembers[thread] {
		out = append(out, u)
	}
	slices.SortFunc(out, compareIDs)
	return out
}

// Threads returns the threads under a channel, archived or not.
func (s *Server) Threads(parent Snowflake) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if isThread(c) && c.ParentID != nil && *c.ParentID == parent {
			out = append(out, c.snapshot())
		}
	}
	slices.SortFunc(out, func(a, b Channel) int { return compareIDs(a.ID, b.ID) })
	return out
}

func compareIDs(a, b Snowflake) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AddThread starts a private thread under a text channel as owner would
// through the API (a test's way to leave what a crash leaves behind).
func (s *Server) AddThread(parent Snowflake, name string, owner Snowflake) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.channels[parent]
	now, no := s.now().UTC(), false
	c := &Channel{ID: s.nextID(), Type: ChannelPrivateThread, GuildID: p.GuildID, Name: name, ParentID: &parent, OwnerID: &owner,
		PermissionOverwrites: []Overwrite{}, MemberCount: 1,
		ThreadMetadata: &ThreadMetadata{AutoArchiveDuration: 10080, ArchiveTimestamp: now, CreateTimestamp: &now, Invitable: &no}}
	s.channels[c.ID] = c
	s.threadMembers[c.ID] = map[Snowflake]time.Time{owner: now}
	return c.snapshot()
}

// ArchiveForInactivity is Discord archiving a quiet thread by itself (not
// locked: a message or an unarchive brings it back).
func (s *Server) ArchiveForInactivity(thread Snowflake) {
	s.mu.Lock()
	c, ok := s.channels[thread]
	if !ok || !isThread(c) {
		s.mu.Unlock()
		return
	}
	c.ThreadMetadata.Archived, c.ThreadMetadata.ArchiveTimestamp = true, s.now().UTC()
	cp := c.snapshot()
	s.mu.Unlock()
	s.dispatch("THREAD_UPDATE", cp)
}
