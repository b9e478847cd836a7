// Package guild is the guild settings aggregate: staff roles, ticket
// categories with their forms, the per-member open ticket limit, the
// blacklist, transcript retention, the log channel, and whether the bot is in
// the guild. Its stream is "guild/<guild id>".
package guild

import "github.com/ticketify/ticketify/domain"

// Question is one input of a category's opening form (a Discord modal).
type Question struct {
	Label       string `json:"label"`
	Placeholder string `json:"placeholder,omitempty"`
	Required    bool   `json:"required"`
	Long        bool   `json:"long"` // paragraph instead of a single line
}

// Category is a kind of ticket members can open.
type Category struct {
	Key             string           `json:"key"` // stable slug, e.g. "billing"
	Name            string           `json:"name"`
	DiscordCategory domain.ChannelID `json:"discord_category,omitzero"`
	Questions       []Question       `json:"questions,omitempty"`
	// Limit is how many open tickets of this category one member may have
	// (0: only the server's limit).
	Limit int `json:"limit,omitempty"`
	// StaffRoles are the category's own staff team: they see and handle its
	// tickets besides the server's staff roles, or — TeamOnly — instead of
	// them (admins always do).
	StaffRoles []domain.RoleID `json:"staff_roles,omitempty"`
	TeamOnly   bool            `json:"team_only,omitempty"`
	// Overflow are Discord categories its channels go to, in order, when
	// DiscordCategory is full (50 channels).
	Overflow []domain.ChannelID `json:"overflow,omitempty"`
}

// BotJoined records that the bot was added to the guild.
type BotJoined struct {
	Guild domain.GuildID `json:"guild"`
	Name  string         `json:"name"`
	Owner domain.UserID  `json:"owner,omitzero"`
}

// BotRemoved records that the bot was removed from (or lost access to) the guild.
type BotRemoved struct {
	Guild domain.GuildID `json:"guild"`
}

// StaffRolesSet records the roles whose members act as staff.
type StaffRolesSet struct {
	Guild    domain.GuildID  `json:"guild"`
	Roles    []domain.RoleID `json:"roles"`
	Previous []domain.RoleID `json:"previous"`
}

// CategoryAdded records a new ticket category.
type CategoryAdded struct {
	Guild    domain.GuildID `json:"guild"`
	Category Category       `json:"category"`
}

// CategoryUpdated records a changed ticket category.
type CategoryUpdated struct {
	Guild    domain.GuildID `json:"guild"`
	Category Category       `json:"category"`
	Previous Category       `json:"previous"`
}

// CategoryRemoved records a removed category. Tickets of it stay as they are.
type CategoryRemoved struct {
	Guild    domain.GuildID `json:"guild"`
	Previous Category       `json:"previous"`
}

// TicketLimitSet records the per-member open ticket limit.
type TicketLimitSet struct {
	Guild    domain.GuildID `json:"guild"`
	Limit    int            `json:"limit"`
	Previous int            `json:"previous"`
}

// UserBlacklisted records that a user may no longer open tickets.
type UserBlacklisted struct {
	Guild domain.GuildID `json:"guild"`
	User  domain.UserID  `json:"user"`
}

// UserUnblacklisted records that a user may open tickets again.
type UserUnblacklisted struct {
	Guild domain.GuildID `json:"guild"`
	User  domain.UserID  `json:"user"`
}

// RoleBlacklisted records that members holding a role may not open tickets.
type RoleBlacklisted struct {
	Guild domain.GuildID `json:"guild"`
	Role  domain.RoleID  `json:"role"`
}

// RoleUnblacklisted lifts a role blacklisting.
type RoleUnblacklisted struct {
	Guild domain.GuildID `json:"guild"`
	Role  domain.RoleID  `json:"role"`
}

// RetentionSet records how many days closed tickets' transcripts are kept.
type RetentionSet struct {
	Guild    domain.GuildID `json:"guild"`
	Days     int            `json:"days"`
	Previous int            `json:"previous"`
}

// LogChannelSet records where close summaries and transcripts are posted.
type LogChannelSet struct {
	Guild    domain.GuildID   `json:"guild"`
	Channel  domain.ChannelID `json:"channel,omitzero"`
	Previous domain.ChannelID `json:"previous,omitzero"`
}

// WARNING: these names are stored; never change them.
func (BotJoined) EventType() string         { return "guild.bot_joined.v1" }
func (BotRemoved) EventType() string        { return "guild.bot_removed.v1" }
func (StaffRolesSet) EventType() string     { return "guild.staff_roles_set.v1" }
func (CategoryAdded) EventType() string     { return "guild.category_added.v1" }
func (CategoryUpdated) EventType() string   { return "guild.category_updated.v1" }
func (CategoryRemoved) EventType() string   { return "guild.category_removed.v1" }
func (TicketLimitSet) EventType() string    { return "guild.ticket_limit_set.v1" }
func (UserBlacklisted) EventType() string   { return "guild.user_blacklisted.v1" }
func (UserUnblacklisted) EventType() string { return "guild.user_unblacklisted.v1" }
func (RoleBlacklisted) EventType() string   { return "guild.role_blacklisted.v1" }
func (RoleUnblacklisted) EventType() string { return "guild.role_unblacklisted.v1" }
func (RetentionSet) EventType() string      { return "guild.retention_set.v1" }
func (LogChannelSet) EventType() string     { return "guild.log_channel_set.v1" }

// Events lists one value of every event type of this aggregate, for codecs.
func Events() []domain.Event {
	return []domain.Event{
		BotJoined{}, BotRemoved{}, StaffRolesSet{}, CategoryAdded{}, CategoryUpdated{}, CategoryRemoved{},
		TicketLimitSet{}, UserBlacklisted{}, UserUnblacklisted{}, RoleBlacklisted{}, RoleUnblacklisted{},
		RetentionSet{}, LogChannelSet{}, AutoCloseSet{}, CloseOnLeaveSet{}, TranscriptDMSet{}, FeedbackSet{}, ReminderSet{}, SupportHoursSet{}, OpenCooldownSet{}, ClaimModeSet{}, MessagesSet{}, ThreadModeSet{}, LanguageSet{},
		PanelSaved{}, PanelRemoved{}, PanelPostRequested{}, PanelPosted{},
	}
}
