package guild

import (
	"fmt"
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
		return nil, domain.Refuse(domain.ErrInvalid, fmt.Sprintf("the wait between opens is 0 (none) to %d minutes", int(MaxOpenCooldown/time.Minute)))
	}
	prev := int(s.cooldown / time.Minute)
	if minutes == prev {
		return nil, domain.Refuse(domain.ErrUnchanged, "that is already the wait between opens")
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
		return nil, domain.Refuse(domain.ErrNotFound, fmt.Sprintf("there is no category %q", key))
	}
	if limit < 0 || limit > MaxTicketLimit {
		return nil, domain.Refuse(domain.ErrInvalid, fmt.Sprintf("a category's limit is 0 (none) to %d", MaxTicketLimit))
	}
	prev := s.categories[i]
	if prev.Limit == limit {
		return nil, domain.Refuse(domain.ErrUnchanged, fmt.Sprintf("category %q already has that limit", key))
	}
	next := prev
	next.Questions = slices.Clone(prev.Questions)
	next.Limit = limit
	return []domain.Event{CategoryUpdated{Guild: s.id, Category: next, Previous: prev}}, nil
}
