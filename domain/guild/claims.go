package guild

import (
	"strings"

	"github.com/ticketify/ticketify/domain"
)

// ClaimMode is what claiming a ticket does to the other staff.
type ClaimMode string

// Claim modes.
const (
	ClaimLabel    ClaimMode = ""          // a label: everyone on staff still handles it
	ClaimHides    ClaimMode = "hide"      // other staff no longer see the channel nor handle the ticket
	ClaimReadOnly ClaimMode = "read-only" // other staff read the channel but neither write there nor handle it
)

// ParseClaimMode reads a mode as /setup and the dashboard give it.
func ParseClaimMode(s string) (ClaimMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "label":
		return ClaimLabel, nil
	case "hide":
		return ClaimHides, nil
	case "read-only", "readonly":
		return ClaimReadOnly, nil
	}
	return ClaimLabel, domain.Refuse(domain.ErrInvalid, "guild.claim_mode_unknown", "Mode", s)
}

// String says the mode in words.
func (m ClaimMode) String() string {
	switch m {
	case ClaimHides:
		return "hide from other staff"
	case ClaimReadOnly:
		return "read-only for other staff"
	}
	return "a label"
}

// Restricts reports whether a claim in this mode keeps other staff out.
func (m ClaimMode) Restricts() bool { return m != ClaimLabel }

// ClaimModeSet records what claiming does, for the server (Category "")
// or one category (its own, over the server's).
type ClaimModeSet struct {
	Guild    domain.GuildID `json:"guild"`
	Category string         `json:"category,omitempty"`
	Mode     ClaimMode      `json:"mode"`
	Previous ClaimMode      `json:"previous"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (ClaimModeSet) EventType() string { return "guild.claim_mode_set.v1" }

// ClaimMode returns what claiming a ticket of a category does: the
// category's own mode, or the server's.
func (s Settings) ClaimMode(category string) ClaimMode { return forCategory(s.claimModes, category) }

// SetClaimMode sets what claiming does for the server (category "") or a
// category. It applies to the claims made after it.
func (s Settings) SetClaimMode(by Member, category string, mode ClaimMode) ([]domain.Event, error) {
	if err := s.mayManage(by); err != nil {
		return nil, err
	}
	if _, err := ParseClaimMode(string(mode)); err != nil {
		return nil, err
	}
	if category != "" && s.categoryIndex(category) < 0 {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", category)
	}
	prev, own := s.claimModes[category]
	if category != "" && !own {
		prev = s.claimModes[""]
	}
	if own && prev == mode || category == "" && prev == mode {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.claim_mode_unchanged")
	}
	return []domain.Event{ClaimModeSet{Guild: s.id, Category: category, Mode: mode, Previous: prev}}, nil
}
