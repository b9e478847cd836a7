package guild

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Limits of the settings, from the privacy policy and Discord.
const (
	DefaultRetentionDays = 90 // the privacy policy's "up to 90 days by default"
	MaxRetentionDays     = 90
	DefaultTicketLimit   = 1
	MaxTicketLimit       = 25
	MaxQuestions         = 5 // a Discord modal holds at most 5 inputs
	MaxCategories        = 25
	MaxStaffRoles        = 25
)

// Stream returns the event stream of a guild's settings.
func Stream(id domain.GuildID) string { return "guild/" + id.String() }

// Settings is a guild's configuration, folded from its history.
type Settings struct {
	id             domain.GuildID
	version        int64
	present        bool
	everJoined     bool
	staffRoles     []domain.RoleID
	categories     []Category
	limit          int
	blacklistUsers map[domain.UserID]bool
	blacklistRoles map[domain.RoleID]bool
	retentionDays  int
	logChannel     domain.ChannelID
	automation     automation
	hours          SupportHours
	cooldown       time.Duration
	claimModes     map[string]ClaimMode        // by category key; "" is the server's
	messages       map[string]Messages         // by category key; "" is the server's
	threadChannels map[string]domain.ChannelID // by category key; "" is the server's; zero: channels
	panels         panels
	language       string // a BCP 47 tag; empty: the server's language in Discord
}

// New returns the settings of a guild with no history: defaults, bot absent.
func New(id domain.GuildID) Settings {
	return Settings{id: id, limit: DefaultTicketLimit, retentionDays: DefaultRetentionDays}
}

// FromHistory folds a guild's events into its settings.
func FromHistory(id domain.GuildID, history []domain.Event) Settings {
	s := New(id)
	for _, e := range history {
		s = s.apply(e)
	}
	return s
}

func (s Settings) apply(e domain.Event) Settings {
	s.version++
	s.automation = s.automation.apply(e)
	s.panels = s.panels.apply(e)
	switch e := e.(type) {
	case LanguageSet:
		s.language = e.Language
	case BotJoined:
		s.present, s.everJoined = true, true
	case BotRemoved:
		s.present = false
	case StaffRolesSet:
		s.staffRoles = slices.Clone(e.Roles)
	case CategoryAdded:
		s.categories = append(slices.Clone(s.categories), e.Category)
	case CategoryUpdated:
		s.categories = slices.Clone(s.categories)
		if i := s.categoryIndex(e.Category.Key); i >= 0 {
			s.categories[i] = e.Category
		}
	case CategoryRemoved:
		s.categories = slices.DeleteFunc(slices.Clone(s.categories), func(c Category) bool { return c.Key == e.Previous.Key })
	case TicketLimitSet:
		s.limit = e.Limit
	case UserBlacklisted:
		s.blacklistUsers = with(s.blacklistUsers, e.User, true)
	case UserUnblacklisted:
		s.blacklistUsers = with(s.blacklistUsers, e.User, false)
	case RoleBlacklisted:
		s.blacklistRoles = with(s.blacklistRoles, e.Role, true)
	case RoleUnblacklisted:
		s.blacklistRoles = with(s.blacklistRoles, e.Role, false)
	case RetentionSet:
		s.retentionDays = e.Days
	case LogChannelSet:
		s.logChannel = e.Channel
	case SupportHoursSet:
		s.hours = e.Hours
	case OpenCooldownSet:
		s.cooldown = time.Duration(e.Minutes) * time.Minute
	case ClaimModeSet:
		s.claimModes = withEntry(s.claimModes, e.Category, e.Mode)
	case MessagesSet:
		s.messages = withEntry(s.messages, e.Category, e.Messages)
	case ThreadModeSet:
		s.threadChannels = withEntry(s.threadChannels, e.Category, e.Channel)
	}
	return s
}

// withEntry returns a copy of m with k set to v: a setting kept per
// category ("" the server's), which Settings values never share.
func withEntry[V any](m map[string]V, k string, v V) map[string]V {
	out := make(map[string]V, len(m)+1)
	maps.Copy(out, m)
	out[k] = v
	return out
}

// forCategory returns a category's own entry, or the server's.
func forCategory[V any](m map[string]V, category string) V {
	if v, ok := m[category]; ok && category != "" {
		return v
	}
	return m[""]
}

// with returns a copy of m with k set (or removed when v is false), so that
// Settings values never share mutable state.
func with[K comparable](m map[K]bool, k K, v bool) map[K]bool {
	out := make(map[K]bool, len(m)+1)
	for key := range m {
		out[key] = true
	}
	if v {
		out[k] = true
	} else {
		delete(out, k)
	}
	return out
}

// ID returns the guild id.
func (s Settings) ID() domain.GuildID { return s.id }

// Version returns how many events the settings were folded from.
func (s Settings) Version() int64 { return s.version }

// BotPresent reports whether the bot is currently in the guild.
func (s Settings) BotPresent() bool { return s.present }

// StaffRoles returns the staff roles.
func (s Settings) StaffRoles() []domain.RoleID { return slices.Clone(s.staffRoles) }

// Categories returns the ticket categories in the order they were added.
func (s Settings) Categories() []Category { return slices.Clone(s.categories) }

// Category returns the category with the given key.
func (s Settings) Category(key string) (Category, bool) {
	if i := s.categoryIndex(key); i >= 0 {
		return s.categories[i], true
	}
	return Category{}, false
}

func (s Settings) categoryIndex(key string) int {
	return slices.IndexFunc(s.categories, func(c Category) bool { return c.Key == key })
}

// TicketLimit returns how many tickets one member may have open at once.
func (s Settings) TicketLimit() int { return s.limit }

// RetentionDays returns how long closed tickets' transcripts are kept.
func (s Settings) RetentionDays() int { return s.retentionDays }

// LogChannel returns the log channel, zero when unset.
func (s Settings) LogChannel() domain.ChannelID { return s.logChannel }

// BlacklistedUsers returns the blacklisted users, sorted.
func (s Settings) BlacklistedUsers() []domain.UserID { return sortedKeys(s.blacklistUsers) }

// BlacklistedRoles returns the blacklisted roles, sorted.
func (s Settings) BlacklistedRoles() []domain.RoleID { return sortedKeys(s.blacklistRoles) }

func sortedKeys[K interface{ ~uint64 }](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Member is someone asking to change a server's settings, with what Discord
// says about them in that server: who may change what is the settings' own
// rule (mayConfigure), so every door — slash command, dashboard, API —
// applies the same one.
type Member struct {
	User         domain.UserID
	Roles        []domain.RoleID
	ManageServer bool
}

// mayConfigure is the rule for every settings change: staff only (Manage
// Server, or one of the staff roles).
func (s Settings) mayConfigure(by Member) error {
	if by.User.IsZero() || !s.IsStaff(by.Roles, by.ManageServer) {
		return domain.Refuse(domain.ErrForbidden, "guild.not_staff_configure")
	}
	return nil
}

// mayManage is for the settings that decide who on staff sees what (a
// category's team, claim modes): Manage Server only, so that staff cannot
// give themselves back what the server took from them.
func (s Settings) mayManage(by Member) error {
	if by.User.IsZero() || !by.ManageServer {
		return domain.Refuse(domain.ErrForbidden, "guild.not_manage_server")
	}
	return nil
}

// MayRead tells whether a member may see the settings and the blacklist
// (/setup show, /blacklist list): the same staff rule.
func (s Settings) MayRead(by Member) error {
	if by.User.IsZero() || !s.IsStaff(by.Roles, by.ManageServer) {
		return domain.Refuse(domain.ErrForbidden, "guild.not_staff_read")
	}
	return nil
}

// IsStaff reports whether a member with these roles acts as staff. Members
// with Discord's Manage Server permission always do.
func (s Settings) IsStaff(roles []domain.RoleID, manageServer bool) bool {
	if manageServer {
		return true
	}
	for _, r := range roles {
		if slices.Contains(s.staffRoles, r) {
			return true
		}
	}
	return false
}

// IsBlacklisted reports whether a member may not open tickets, and why:
// the refusal an open meets.
func (s Settings) IsBlacklisted(user domain.UserID, roles []domain.RoleID) (bool, error) {
	if s.blacklistUsers[user] {
		return true, domain.Refuse(domain.ErrForbidden, "guild.blacklisted_user")
	}
	for _, r := range roles {
		if s.blacklistRoles[r] {
			return true, domain.Refuse(domain.ErrForbidden, "guild.blacklisted_role", "Role", r)
		}
	}
	return false, nil
}

// RecordBotJoined decides the bot joining the guild. Joining twice is a no-op.
func (s Settings) RecordBotJoined(name string, owner domain.UserID) ([]domain.Event, error) {
	if s.present {
		return nil, nil
	}
	return []domain.Event{BotJoined{Guild: s.id, Name: name, Owner: owner}}, nil
}

// RecordBotRemoved decides the bot leaving the guild. Leaving twice is a no-op.
func (s Settings) RecordBotRemoved() ([]domain.Event, error) {
	if !s.present {
		return nil, nil
	}
	return []domain.Event{BotRemoved{Guild: s.id}}, nil
}

// SetStaffRoles replaces the staff roles.
func (s Settings) SetStaffRoles(by Member, roles []domain.RoleID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	roles = slices.Clone(roles)
	slices.Sort(roles)
	roles = slices.Compact(roles)
	if len(roles) > MaxStaffRoles {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.staff_roles_too_many", "Max", MaxStaffRoles)
	}
	if slices.Contains(roles, 0) {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.staff_role_missing")
	}
	prev := slices.Clone(s.staffRoles)
	slices.Sort(prev)
	if slices.Equal(prev, roles) {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.staff_roles_unchanged")
	}
	return []domain.Event{StaffRolesSet{Guild: s.id, Roles: roles, Previous: s.staffRoles}}, nil
}

var categoryKey = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func validateCategory(c Category) error {
	switch {
	case !categoryKey.MatchString(c.Key):
		return domain.Refuse(domain.ErrInvalid, "guild.category_key_invalid")
	case strings.TrimSpace(c.Name) == "" || len(c.Name) > 100:
		return domain.Refuse(domain.ErrInvalid, "guild.category_name_length")
	case len(c.Questions) > MaxQuestions:
		return domain.Refuse(domain.ErrInvalid, "guild.questions_too_many", "Max", MaxQuestions)
	}
	for i, q := range c.Questions {
		if strings.TrimSpace(q.Label) == "" || len(q.Label) > 45 {
			return domain.Refuse(domain.ErrInvalid, "guild.question_label_length", "Question", i+1)
		}
		if len(q.Placeholder) > 100 {
			return domain.Refuse(domain.ErrInvalid, "guild.question_placeholder_too_long", "Question", i+1)
		}
	}
	return nil
}

// AddCategory adds a ticket category.
func (s Settings) AddCategory(by Member, c Category) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if err := validateCategory(c); err != nil {
		return nil, err
	}
	if s.categoryIndex(c.Key) >= 0 {
		return nil, domain.Refuse(domain.ErrConflict, "guild.category_exists", "Category", c.Key)
	}
	if len(s.categories) >= MaxCategories {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.categories_too_many", "Max", MaxCategories)
	}
	return []domain.Event{CategoryAdded{Guild: s.id, Category: c}}, nil
}

// UpdateCategory changes an existing category, identified by its key.
func (s Settings) UpdateCategory(by Member, c Category) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if err := validateCategory(c); err != nil {
		return nil, err
	}
	prev, ok := s.Category(c.Key)
	if !ok {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", c.Key)
	}
	return []domain.Event{CategoryUpdated{Guild: s.id, Category: c, Previous: prev}}, nil
}

// AddQuestion adds a question to a category's form.
func (s Settings) AddQuestion(by Member, key string, q Question) ([]domain.Event, error) {
	c, ok := s.Category(key)
	if !ok {
		if err := s.mayConfigure(by); err != nil {
			return nil, err
		}
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", key)
	}
	c.Questions = append(slices.Clone(c.Questions), q)
	return s.UpdateCategory(by, c)
}

// RemoveCategory removes a category.
func (s Settings) RemoveCategory(by Member, key string) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	prev, ok := s.Category(key)
	if !ok {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", key)
	}
	return []domain.Event{CategoryRemoved{Guild: s.id, Previous: prev}}, nil
}

// SetTicketLimit sets how many tickets a member may have open at once.
func (s Settings) SetTicketLimit(by Member, limit int) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxTicketLimit {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.ticket_limit_out_of_range", "Max", MaxTicketLimit)
	}
	if limit == s.limit {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.ticket_limit_unchanged", "Limit", limit)
	}
	return []domain.Event{TicketLimitSet{Guild: s.id, Limit: limit, Previous: s.limit}}, nil
}

// BlacklistUser stops a user from opening tickets.
func (s Settings) BlacklistUser(by Member, u domain.UserID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if u.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.user_missing")
	}
	if s.blacklistUsers[u] {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.user_already_blacklisted")
	}
	return []domain.Event{UserBlacklisted{Guild: s.id, User: u}}, nil
}

// UnblacklistUser lets a user open tickets again.
func (s Settings) UnblacklistUser(by Member, u domain.UserID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if !s.blacklistUsers[u] {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.user_not_blacklisted")
	}
	return []domain.Event{UserUnblacklisted{Guild: s.id, User: u}}, nil
}

// BlacklistRole stops members with a role from opening tickets.
func (s Settings) BlacklistRole(by Member, r domain.RoleID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if r.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.role_missing")
	}
	if s.blacklistRoles[r] {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.role_already_blacklisted")
	}
	return []domain.Event{RoleBlacklisted{Guild: s.id, Role: r}}, nil
}

// UnblacklistRole lifts a role blacklisting.
func (s Settings) UnblacklistRole(by Member, r domain.RoleID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if !s.blacklistRoles[r] {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.role_not_blacklisted")
	}
	return []domain.Event{RoleUnblacklisted{Guild: s.id, Role: r}}, nil
}

// SetRetention sets how many days closed transcripts are kept (1 to 90).
func (s Settings) SetRetention(by Member, days int) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if days < 1 || days > MaxRetentionDays {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.retention_out_of_range", "Max", MaxRetentionDays)
	}
	if days == s.retentionDays {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.retention_unchanged", "Days", days)
	}
	return []domain.Event{RetentionSet{Guild: s.id, Days: days, Previous: s.retentionDays}}, nil
}

// SetLogChannel sets (or, with zero, clears) the log channel.
func (s Settings) SetLogChannel(by Member, c domain.ChannelID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if c == s.logChannel {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.log_channel_unchanged")
	}
	return []domain.Event{LogChannelSet{Guild: s.id, Channel: c, Previous: s.logChannel}}, nil
}
