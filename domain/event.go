package domain

import "time"

// Event is a fact that happened. Its EventType is the stable, versioned name it
// is stored under ("ticket.closed.v1").
//
// WARNING: an event type name, once stored, never changes meaning. A new
// schema is a new type with a new name plus an upcaster.
type Event interface {
	EventType() string
}

// PersonalEvent is an event that carries personal data. By convention the
// personal data lives in the event's exported field named Personal; the event
// store seals that field under the key of DataOwner and never stores it in
// the clear, so destroying the key erases the data without rewriting history.
type PersonalEvent interface {
	Event
	DataOwner() DataOwner
}

// DataOwner says whose personal data an event carries and which retention
// scope it belongs to.
type DataOwner struct {
	// Subject is the person the data is about or was written by.
	Subject UserID
	// Scope groups keys for retention: data scoped to a ticket dies with that
	// ticket's transcript; profile data lives until the user is erased.
	Scope Scope
}

// Scope is a retention scope for personal data keys.
type Scope string

// ProfileScope is the scope of a user's profile data (username, avatar).
const ProfileScope Scope = "profile"

// TicketScope is the scope of personal data written in one ticket.
func TicketScope(id TicketID) Scope { return Scope("ticket:" + string(id)) }

// Source says through which door an action entered the system.
type Source string

// Sources of actions, shown in the audit timeline.
const (
	SourceSlashCommand Source = "slash_command"
	SourceButton       Source = "button"
	SourceModal        Source = "modal"
	SourceDashboard    Source = "dashboard"
	SourceAutomation   Source = "automation"
	SourceDiscord      Source = "discord" // a Discord-side fact (channel deleted, member left)
	SourceCLI          Source = "cli"
	SourceSystem       Source = "system"
)

// Actor is who caused an event and from where. Automated actions carry no
// user and say why in Because.
type Actor struct {
	User    UserID
	Source  Source
	Because string
}

// Clock is how the application reads time; the domain never does.
type Clock func() time.Time
