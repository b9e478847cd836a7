package guild

import (
	"fmt"

	"github.com/ticketify/ticketify/domain"
)

// ThreadModeSet records where new tickets are made, for the server
// (Category "") or one category (its own, over the server's): as private
// threads under the text channel Channel, or — Channel zero — as channels
// of their own. Tickets made before keep what they were made as.
type ThreadModeSet struct {
	Guild    domain.GuildID   `json:"guild"`
	Category string           `json:"category,omitempty"`
	Channel  domain.ChannelID `json:"channel,omitzero"`
	Previous domain.ChannelID `json:"previous,omitzero"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (ThreadModeSet) EventType() string { return "guild.thread_mode_set.v1" }

// ThreadChannel returns the text channel under which a category's tickets
// are made as private threads, or zero when they get channels of their own:
// the category's own choice, else the server's — except for a category
// whose own team replaces the server's staff, which keeps channels until it
// is given a support channel of its own (the server's support channel is
// managed by the server's staff, who would see its threads).
func (s Settings) ThreadChannel(category string) domain.ChannelID {
	if ch, own := s.threadChannels[category]; own && category != "" {
		return ch
	}
	if c, ok := s.Category(category); ok && c.TeamOnly {
		return 0
	}
	return s.threadChannels[""]
}

// SetThreadMode makes new tickets of the server (category "") or of a
// category private threads under the text channel ch (the caller checked
// it is one of this server's text channels), or with ch zero channels of
// their own again. It changes who sees tickets (whoever may manage the
// channel's threads sees them all), so it needs Manage Server.
func (s Settings) SetThreadMode(by Member, category string, ch domain.ChannelID) ([]domain.Event, error) {
	if err := s.mayManage(by); err != nil {
		return nil, err
	}
	if category != "" && s.categoryIndex(category) < 0 {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", category)
	}
	_, own := s.threadChannels[category]
	prev := s.ThreadChannel(category)
	if prev == ch && (own || category == "") {
		if ch.IsZero() {
			return nil, domain.Refuse(domain.ErrUnchanged, "guild.thread_mode_unchanged_channels")
		}
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.thread_mode_unchanged_threads")
	}
	return []domain.Event{ThreadModeSet{Guild: s.id, Category: category, Channel: ch, Previous: prev}}, nil
}

// MadeAs says in words what new tickets are made as under a thread-mode
// setting (a channel as Discord's mention).
func MadeAs(threadsOf domain.ChannelID) string {
	if threadsOf.IsZero() {
		return "channels of their own"
	}
	return fmt.Sprintf("private threads under <#%s>", threadsOf)
}
