package ticket

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ticketify/ticketify/domain"
)

// Status is where a ticket is in its lifecycle. The zero value is invalid.
type Status uint8

// Ticket statuses.
const (
	StatusOpen Status = iota + 1
	StatusClosed
)

var statusNames = map[Status]string{StatusOpen: "open", StatusClosed: "closed"}

// String returns "open" or "closed".
func (s Status) String() string { return statusNames[s] }

// IsZero reports whether s is unset.
func (s Status) IsZero() bool { return s == 0 }

// ParseStatus parses "open" or "closed".
func ParseStatus(v string) (Status, error) {
	for s, n := range statusNames {
		if n == strings.ToLower(strings.TrimSpace(v)) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w: status %q (want open or closed)", domain.ErrInvalid, v)
}

// Priority orders tickets for staff. The zero value is invalid.
type Priority uint8

// Ticket priorities.
const (
	PriorityLow Priority = iota + 1
	PriorityNormal
	PriorityHigh
	PriorityUrgent
)

var priorityNames = map[Priority]string{
	PriorityLow: "low", PriorityNormal: "normal", PriorityHigh: "high", PriorityUrgent: "urgent",
}

// String returns the lower-case name.
func (p Priority) String() string { return priorityNames[p] }

// IsZero reports whether p is unset.
func (p Priority) IsZero() bool { return p == 0 }

// ParsePriority parses low, normal, high or urgent.
func ParsePriority(v string) (Priority, error) {
	for p, n := range priorityNames {
		if n == strings.ToLower(strings.TrimSpace(v)) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: priority %q (want low, normal, high or urgent)", domain.ErrInvalid, v)
}

// MarshalText encodes the name.
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes the name.
func (p *Priority) UnmarshalText(b []byte) error {
	v, err := ParsePriority(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Participant is someone acting on a ticket, with the facts the rules need
// about them: whether they act as staff, and where the request came from.
type Participant struct {
	User  domain.UserID
	Staff bool
	// Admin (Manage Server, or the owner) overrides a claim that keeps other
	// staff out, and is staff in every category.
	Admin bool
	// Teams are the categories whose own staff team the person is on;
	// Excluded the categories whose team replaces the server's staff, the
	// person not being on it (guild.Settings.TeamsOf).
	Teams    []string
	Excluded []string
	// Guild is the server the request came from (the interaction's guild, the
	// dashboard URL's guild). A ticket of another server is not theirs to
	// touch, whatever their rights there: a refusal, as if it did not exist.
	Guild domain.GuildID
	// Channel, when set, is the channel a button or form was used in: it must
	// be the ticket's own, since its custom id (which names the ticket) is
	// only ever posted there.
	Channel domain.ChannelID
	// Direct is a request from a direct message with the bot (the rating
	// asked for by DM): no server, no channel. Only the opener is admitted
	// from there, and only to what an opener may do by DM (Rate); every
	// other decision refuses it as from no server.
	Direct bool
}

// StaffFor reports whether the person acts as staff for tickets of a
// category: an admin always, a member of its own team, or the server's
// staff unless the category's team replaces them.
func (p Participant) StaffFor(category string) bool {
	switch {
	case p.Admin || slices.Contains(p.Teams, category):
		return true
	case slices.Contains(p.Excluded, category):
		return false
	}
	return p.Staff
}
