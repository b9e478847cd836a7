package projections

import (
	"github.com/ticketify/ticketify/domain/privacy"
)

// Erasure is an erasure receipt as projectors need it: which tickets to
// scrub, and whose data — one person's, or everyone's (a server's erasure).
type Erasure struct {
	Request string
	Tickets []string
	User    string // empty: every person's data in the tickets
}

// Owns says whether the erased data includes this person's.
func (r Erasure) Owns(user string) bool { return user != "" && (r.User == "" || r.User == user) }

// ErasureOf reads an erasure receipt from an event.
func ErasureOf(e Event) (Erasure, bool) {
	switch ev := e.Event.(type) {
	case privacy.UserErased:
		return Erasure{Request: ev.Request, Tickets: ticketStrings(ev.Tickets), User: ev.User.String()}, true
	case privacy.GuildErased:
		return Erasure{Request: ev.Request, Tickets: ticketStrings(ev.Tickets)}, true
	}
	return Erasure{}, false
}

func ticketStrings[T ~string](ids []T) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
