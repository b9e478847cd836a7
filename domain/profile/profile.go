// Package profile records what Discord told us about a person: their
// username, display name and avatar, seen at dashboard login or in a ticket.
// Its stream is "profile/<user>"; the data is sealed under the user's
// profile key, so erasing the user erases it.
package profile

import (
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Stream returns a user's profile stream.
func Stream(u domain.UserID) string { return "profile/" + u.String() }

// Personal is the profile data itself.
type Personal struct {
	Username   string `json:"username"`
	GlobalName string `json:"global_name,omitempty"`
	Avatar     string `json:"avatar,omitempty"` // Discord's avatar hash
}

// Observed records a profile snapshot.
type Observed struct {
	User     domain.UserID `json:"user"`
	At       time.Time     `json:"at"`
	Personal Personal      `json:"personal"`
}

// EventType is stored; never change it.
func (Observed) EventType() string { return "profile.observed.v1" }

// DataOwner seals the snapshot under the user's profile key.
func (e Observed) DataOwner() domain.DataOwner {
	return domain.DataOwner{Subject: e.User, Scope: domain.ProfileScope}
}

// LoggedIn records a login to the dashboard. It holds no personal data
// beyond the user's id; it is what a person's export lists as their logins.
type LoggedIn struct {
	User domain.UserID `json:"user"`
	At   time.Time     `json:"at"`
}

// EventType is stored; never change it.
func (LoggedIn) EventType() string { return "profile.logged_in.v1" }

// TranscriptDMsSet records a person's choice whether Ticketify may send
// them their tickets' transcripts by direct message (servers that offer it
// send them unless the person refused).
type TranscriptDMsSet struct {
	User    domain.UserID `json:"user"`
	Refused bool          `json:"refused"`
	At      time.Time     `json:"at"`
}

// EventType is stored; never change it.
func (TranscriptDMsSet) EventType() string { return "profile.transcript_dms_set.v1" }

// Events lists the event types of this package, for codecs.
func Events() []domain.Event { return []domain.Event{Observed{}, LoggedIn{}, TranscriptDMsSet{}} }

// Profile is the latest snapshot of a user's profile.
type Profile struct {
	user     domain.UserID
	version  int64
	personal Personal
	// refusesTranscriptDMs: the person asked not to get transcripts by DM.
	refusesTranscriptDMs bool
}

// FromHistory folds a profile stream.
func FromHistory(u domain.UserID, history []domain.Event) Profile {
	p := Profile{user: u}
	for _, e := range history {
		p.version++
		switch ev := e.(type) {
		case Observed:
			if ev.Personal.Username != "" { // an erased snapshot says nothing
				p.personal = ev.Personal
			}
		case TranscriptDMsSet:
			p.refusesTranscriptDMs = ev.Refused
		}
	}
	return p
}

// Version returns the number of snapshots folded.
func (p Profile) Version() int64 { return p.version }

// Current returns the latest snapshot.
func (p Profile) Current() Personal { return p.personal }

// Observe records a snapshot when it differs from the latest one.
func (p Profile) Observe(seen Personal, now time.Time) ([]domain.Event, error) {
	if p.user.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "profile.user_missing")
	}
	if seen.Username == "" {
		return nil, domain.Refuse(domain.ErrInvalid, "profile.username_missing")
	}
	if seen == p.personal {
		return nil, nil
	}
	return []domain.Event{Observed{User: p.user, At: now, Personal: seen}}, nil
}

// RefusesTranscriptDMs says whether the person asked not to get their
// tickets' transcripts by direct message.
func (p Profile) RefusesTranscriptDMs() bool { return p.refusesTranscriptDMs }

// SetTranscriptDMs records whether the person refuses transcripts by DM.
func (p Profile) SetTranscriptDMs(refuse bool, now time.Time) ([]domain.Event, error) {
	if p.user.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "profile.user_missing")
	}
	if p.refusesTranscriptDMs == refuse {
		return nil, domain.Refuse(domain.ErrUnchanged, "profile.transcript_dms_unchanged")
	}
	return []domain.Event{TranscriptDMsSet{User: p.user, Refused: refuse, At: now}}, nil
}

// LogIn records a login.
func (p Profile) LogIn(now time.Time) ([]domain.Event, error) {
	if p.user.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "profile.user_missing")
	}
	return []domain.Event{LoggedIn{User: p.user, At: now}}, nil
}
