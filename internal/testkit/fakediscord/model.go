// Package fakediscord is a Discord for tests and the demo: the subset of the
// REST API v10 Ticketify uses, a gateway websocket (hello, identify, ready,
// dispatch, heartbeats, resume), signed interactions, and the OAuth2 flow —
// with Discord's documented JSON field names, status codes and rate-limit
// behaviour (429 with retry_after and X-RateLimit-* headers, channel renames
// limited to 2 per 10 minutes). The program reaches it through
// DISCORD_API_URL and DISCORD_GATEWAY_URL, the same code path as production.
// It records every call so tests can assert what Discord would have seen.
package fakediscord

import (
	"encoding/json"
	"strconv"
	"time"
)

// Snowflake is Discord's id, encoded as a decimal string.
type Snowflake uint64

// MarshalJSON encodes the id as a string, as Discord does.
func (s Snowflake) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatUint(uint64(s), 10))
}

// UnmarshalJSON accepts a string or a number.
func (s *Snowflake) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		var n uint64
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = Snowflake(n)
		return nil
	}
	if str == "" {
		*s = 0
		return nil
	}
	n, err := strconv.ParseUint(str, 10, 64)
	*s = Snowflake(n)
	return err
}

func (s Snowflake) String() string { return strconv.FormatUint(uint64(s), 10) }

// Discord's epoch, for snowflakes.
const discordEpoch = 1420070400000

func snowflakeAt(t time.Time, inc uint64) Snowflake {
	return Snowflake(uint64(t.UnixMilli()-discordEpoch)<<22 | inc&0xFFF)
}

// User is https://discord.com/developers/docs/resources/user#user-object.
type User struct {
	ID            Snowflake `json:"id"`
	Username      string    `json:"username"`
	Discriminator string    `json:"discriminator"`
	GlobalName    *string   `json:"global_name"`
	Avatar        *string   `json:"avatar"`
	Bot           bool      `json:"bot,omitempty"`
}

// Role is https://discord.com/developers/docs/topics/permissions#role-object.
type Role struct {
	ID          Snowflake `json:"id"`
	Name        string    `json:"name"`
	Color       int       `json:"color"`
	Hoist       bool      `json:"hoist"`
	Position    int       `json:"position"`
	Permissions string    `json:"permissions"`
	Managed     bool      `json:"managed"`
	Mentionable bool      `json:"mentionable"`
	Flags       int       `json:"flags"`
}

// Member is https://discord.com/developers/docs/resources/guild#guild-member-object.
type Member struct {
	User        *User       `json:"user,omitempty"`
	Nick        *string     `json:"nick"`
	Avatar      *string     `json:"avatar"`
	Roles       []Snowflake `json:"roles"`
	JoinedAt    time.Time   `json:"joined_at"`
	Deaf        bool        `json:"deaf"`
	Mute        bool        `json:"mute"`
	Flags       int         `json:"flags"`
	Permissions string      `json:"permissions,omitempty"` // only in interactions
}

// Overwrite is https://discord.com/developers/docs/resources/channel#overwrite-object.
type Overwrite struct {
	ID    Snowflake `json:"id"`
	Type  int       `json:"type"` // 0 role, 1 member
	Allow string    `json:"allow"`
	Deny  string    `json:"deny"`
}

// Channel types.
const (
	ChannelText     = 0
	ChannelDM       = 1
	ChannelCategory = 4
)

// Channel is https://discord.com/developers/docs/resources/channel#channel-object.
type Channel struct {
	ID                   Snowflake   `json:"id"`
	Type                 int         `json:"type"`
	GuildID              Snowflake   `json:"guild_id,omitempty"`
	Position             int         `json:"position"`
	PermissionOverwrites []Overwrite `json:"permission_overwrites"`
	Name                 string      `json:"name"`
	Topic                *string     `json:"topic"`
	NSFW                 bool        `json:"nsfw"`
	LastMessageID        *Snowflake  `json:"last_message_id"`
	RateLimitPerUser     int         `json:"rate_limit_per_user"`
	ParentID             *Snowflake  `json:"parent_id"`
	Flags                int         `json:"flags"`
	Recipients           []User      `json:"recipients,omitempty"` // a direct message channel's
	// A thread's: who started it, its state, how many are in it.
	OwnerID        *Snowflake      `json:"owner_id,omitempty"`
	ThreadMetadata *ThreadMetadata `json:"thread_metadata,omitempty"`
	MemberCount    int             `json:"member_count,omitempty"`
}

// Attachment is https://discord.com/developers/docs/resources/message#attachment-object.
type Attachment struct {
	ID          Snowflake `json:"id"`
	Filename    string    `json:"filename"`
	Size        int       `json:"size"`
	URL         string    `json:"url"`
	ProxyURL    string    `json:"proxy_url"`
	ContentType string    `json:"content_type,omitempty"`
}

// Embed is the part of https://discord.com/developers/docs/resources/message#embed-object Ticketify uses.
type Embed struct {
	Title       string       `json:"title,omitempty"`
	Type        string       `json:"type,omitempty"`
	Description string       `json:"description,omitempty"`
	URL         string       `json:"url,omitempty"`
	Color       int          `json:"color,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
}

// EmbedField is an embed's field.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// Message is https://discord.com/developers/docs/resources/message#message-object.
type Message struct {
	ID              Snowflake         `json:"id"`
	ChannelID       Snowflake         `json:"channel_id"`
	GuildID         Snowflake         `json:"guild_id,omitempty"` // gateway events only
	Author          User              `json:"author"`
	Member          *Member           `json:"member,omitempty"` // gateway events only
	Content         string            `json:"content"`
	Timestamp       time.Time         `json:"timestamp"`
	EditedTimestamp *time.Time        `json:"edited_timestamp"`
	TTS             bool              `json:"tts"`
	MentionEveryone bool              `json:"mention_everyone"`
	Mentions        []User            `json:"mentions"`
	MentionRoles    []Snowflake       `json:"mention_roles"`
	Attachments     []Attachment      `json:"attachments"`
	Embeds          []Embed           `json:"embeds"`
	Pinned          bool              `json:"pinned"`
	Type            int               `json:"type"`
	Flags           int               `json:"flags"`
	Components      []json.RawMessage `json:"components"`
	Nonce           any               `json:"nonce,omitempty"`
	WebhookID       *Snowflake        `json:"webhook_id,omitempty"`
}

// Guild is the part of https://discord.com/developers/docs/resources/guild#guild-object the bot reads.
type Guild struct {
	ID          Snowflake `json:"id"`
	Name        string    `json:"name"`
	Icon        *string   `json:"icon"`
	OwnerID     Snowflake `json:"owner_id"`
	Roles       []Role    `json:"roles"`
	Emojis      []any     `json:"emojis"`
	Features    []string  `json:"features"`
	MemberCount int       `json:"member_count,omitempty"`
	// PreferredLocale is the server's language (a community setting);
	// empty is Discord's default, "en-US".
	PreferredLocale string `json:"preferred_locale,omitempty"`
}

// Permission bits Ticketify uses.
const (
	PermViewChannel     = 1 << 10
	PermSendMessages    = 1 << 11
	PermReadHistory     = 1 << 16
	PermAttachFiles     = 1 << 15
	PermManageChannels  = 1 << 4
	PermManageGuild     = 1 << 5
	PermAdministrator   = 1 << 3
	PermManageRoles     = 1 << 28
	PermManageThreads   = 1 << 34 // sees every private thread of the channel
	PermEmbedLinks      = 1 << 14
	PermUseAppCommands  = 1 << 31
	PermDefaultEveryone = PermViewChannel | PermSendMessages | PermReadHistory | PermUseAppCommands
)

func perm(p uint64) string { return strconv.FormatUint(p, 10) }
