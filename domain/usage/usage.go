// Package usage records which slash commands and buttons people use, one
// event per use, for the daily analytics. Its streams are
// "usage/<guild>/<YYYY-MM-DD>" (one per guild and UTC day).
package usage

import (
	"regexp"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Stream returns the usage stream of a guild on the UTC day of at.
func Stream(g domain.GuildID, at time.Time) string {
	return "usage/" + g.String() + "/" + Day(at)
}

// Day returns the UTC day of at as YYYY-MM-DD.
func Day(at time.Time) string { return at.UTC().Format(time.DateOnly) }

// CommandUsed records one use of a command or component.
type CommandUsed struct {
	Guild   domain.GuildID `json:"guild"`
	User    domain.UserID  `json:"user"`
	Command string         `json:"command"` // "ticket open", "button:claim", "modal:close"
	Day     string         `json:"day"`
	At      time.Time      `json:"at"`
}

// EventType is stored; never change it.
func (CommandUsed) EventType() string { return "usage.command_used.v1" }

// Events lists the event types of this package, for codecs.
func Events() []domain.Event { return []domain.Event{CommandUsed{}} }

var commandName = regexp.MustCompile(`^[a-z0-9_:\- ]{1,64}$`)

// Record validates a use and returns its event.
func Record(g domain.GuildID, u domain.UserID, command string, at time.Time) (domain.Event, error) {
	if g.IsZero() || u.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "usage.guild_or_user_missing")
	}
	if !commandName.MatchString(command) {
		return nil, domain.Refuse(domain.ErrInvalid, "usage.command_name_invalid")
	}
	return CommandUsed{Guild: g, User: u, Command: command, Day: Day(at), At: at.UTC()}, nil
}
