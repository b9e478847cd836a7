package ticket

import (
	"fmt"
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
	// staff out.
	Admin bool
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
