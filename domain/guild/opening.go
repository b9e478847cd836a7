package guild

import (
	"slices"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// MaxOpenCooldown is the longest wait between a member's opens.
const MaxOpenCooldown = 7 * 24 * time.Hour

// OpenCooldownSet records how long a member waits after opening a ticket
// before they may open another (0: no wait).
type OpenCooldownSet struct {
	Guild    domain.GuildID `json:"guild"`
	Minutes  int            `json:"minutes"`
	Previous int            `json:"previous"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (OpenCooldownSet) EventType() string { return "guild.open_cooldown_set.v1" }

// OpenCooldown returns how long a member waits between opens (0: no wait).
func (s Settings) OpenCooldown() time.Duration { return s.cooldown }

// SetOpenCooldown sets the wait between a member's opens, in minutes (0:
// none; at most 7 days).
func (s Settings) SetOpenCooldown(by Member, minutes int) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if minutes < 0 || time.Duration(minutes)*time.Minute > MaxOpenCooldown {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.open_cooldown_out_of_range", "Max", int(MaxOpenCooldown/time.Minute))
	}
	prev := int(s.cooldown / time.Minute)
	if minutes == prev {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.open_cooldown_unchanged")
	}
	return []domain.Event{OpenCooldownSet{Guild: s.id, Minutes: minutes, Previous: prev}}, nil
}

// SetCategoryLimit sets how many open tickets of a category one member may
// have (0: only the server's limit), recorded as the category's update.
func (s Settings) SetCategoryLimit(by Member, key string, limit int) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	i := s.categoryIndex(key)
	if i < 0 {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", key)
	}
	if limit < 0 || limit > MaxTicketLimit {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.category_limit_out_of_range", "Max", MaxTicketLimit)
	}
	prev := s.categories[i]
	if prev.Limit == limit {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.category_limit_unchanged", "Category", key)
	}
	next := prev
	next.Questions = slices.Clone(prev.Questions)
	next.Limit = limit
	return []domain.Event{CategoryUpdated{Guild: s.id, Category: next, Previous: prev}}, nil
}

// MaxTeamRoles bounds a category's own staff roles.
const MaxTeamRoles = 10

// SetCategoryTeam sets a category's own staff team: roles that see and
// handle its tickets, besides the server's staff roles or (only) instead
// of them. No roles and not only: the server's staff alone.
func (s Settings) SetCategoryTeam(by Member, key string, roles []domain.RoleID, only bool) ([]domain.Event, error) {
	if err := s.mayManage(by); err != nil {
		return nil, err
	}
	i := s.categoryIndex(key)
	if i < 0 {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", key)
	}
	roles = slices.Compact(slices.Sorted(slices.Values(roles)))
	switch {
	case len(roles) > MaxTeamRoles:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.team_roles_too_many", "Max", MaxTeamRoles)
	case only && len(roles) == 0:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.team_empty")
	}
	prev := s.categories[i]
	if slices.Equal(prev.StaffRoles, roles) && prev.TeamOnly == only {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.team_unchanged", "Category", key)
	}
	next := prev
	next.Questions = slices.Clone(prev.Questions)
	next.StaffRoles, next.TeamOnly = roles, only
	return []domain.Event{CategoryUpdated{Guild: s.id, Category: next, Previous: prev}}, nil
}

// StaffRolesFor returns the roles that see and handle a category's
// tickets: its own team and, unless the team replaces them, the server's
// staff roles.
func (s Settings) StaffRolesFor(category string) []domain.RoleID {
	c, ok := s.Category(category)
	if !ok {
		return slices.Clone(s.staffRoles)
	}
	out := slices.Clone(c.StaffRoles)
	if !c.TeamOnly {
		for _, r := range s.staffRoles {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// TeamsOf says, for a member's roles, which categories' own teams they are
// on, and which categories they may not handle although they are the
// server's staff (the category's team replaces it). Admins are on every
// team (ticket.Participant.Admin).
func (s Settings) TeamsOf(roles []domain.RoleID) (teams, excluded []string) {
	for _, c := range s.categories {
		on := slices.ContainsFunc(c.StaffRoles, func(r domain.RoleID) bool { return slices.Contains(roles, r) })
		switch {
		case on:
			teams = append(teams, c.Key)
		case c.TeamOnly:
			excluded = append(excluded, c.Key)
		}
	}
	return teams, excluded
}

// MaxOverflow bounds a category's overflow Discord categories.
const MaxOverflow = 5

// SetCategoryOverflow sets the Discord categories a category's channels go
// to when its own Discord category is full (the caller checked they are
// this server's channel categories).
func (s Settings) SetCategoryOverflow(by Member, key string, overflow []domain.ChannelID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	i := s.categoryIndex(key)
	if i < 0 {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", key)
	}
	prev := s.categories[i]
	switch {
	case len(overflow) > MaxOverflow:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.overflow_too_many", "Max", MaxOverflow)
	case len(overflow) > 0 && prev.DiscordCategory.IsZero():
		return nil, domain.Refuse(domain.ErrConflict, "guild.overflow_without_discord_category", "Category", key)
	case slices.Contains(overflow, prev.DiscordCategory):
		return nil, domain.Refuse(domain.ErrInvalid, "guild.overflow_is_own_category")
	}
	if slices.Equal(prev.Overflow, overflow) {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.overflow_unchanged", "Category", key)
	}
	next := prev
	next.Questions, next.StaffRoles = slices.Clone(prev.Questions), slices.Clone(prev.StaffRoles)
	next.Overflow = slices.Clone(overflow)
	return []domain.Event{CategoryUpdated{Guild: s.id, Category: next, Previous: prev}}, nil
}
