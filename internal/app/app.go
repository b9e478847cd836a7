// Package app holds Ticketify's use cases: each loads the aggregates it
// needs, asks the domain to decide, and appends the decision through the
// event store's one update loop. Adapters (Discord, dashboard, CLI) call
// these and nothing else to change state.
package app

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/oklog/ulid"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/privacy"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/domain/usage"
	"github.com/ticketify/ticketify/eventstore"
)

// Numbers hands out per-guild ticket numbers, each to a claimant (a
// ticket), so that a retried command finds the number it took.
type Numbers interface {
	// Claim takes the next number of key for claimant.
	Claim(ctx context.Context, key, claimant string) (int64, error)
	// Claimed finds the number claimant took since a time, if any.
	Claimed(ctx context.Context, key, claimant string, since time.Time) (int64, bool, error)
}

// App is the set of use cases.
type App struct {
	store   *eventstore.Store
	numbers Numbers
	clock   domain.Clock
	newID   func(time.Time) domain.TicketID
	guilds  *watchers // shared by copies (WithClock)
	// tagFolds keeps each recently used server's tag library as folded at a
	// stream version: a read decodes only the events after it (/tag and its
	// autocomplete read a library of up to 1,000 tags on every use).
	tagFolds *lru.Cache[domain.GuildID, tagFold]
}

// watchers are told when a guild's settings change in this process.
type watchers struct {
	mu sync.Mutex
	fs []func(domain.GuildID)
}

// WatchGuilds calls f after every change of a guild's settings made through
// this process (caches of settings forget the guild).
func (a *App) WatchGuilds(f func(domain.GuildID)) {
	a.guilds.mu.Lock()
	defer a.guilds.mu.Unlock()
	a.guilds.fs = append(a.guilds.fs, f)
}

// New returns the use cases over a store.
func New(store *eventstore.Store, numbers Numbers, clock domain.Clock) *App {
	if clock == nil {
		clock = time.Now
	}
	folds, _ := lru.New[domain.GuildID, tagFold](1024) // errors only for a size ≤ 0
	return &App{store: store, numbers: numbers, clock: clock, newID: newTicketID, guilds: &watchers{}, tagFolds: folds}
}

// WithClock returns the application reading time from clock.
func (a *App) WithClock(clock domain.Clock) *App {
	if clock == nil {
		return a
	}
	c := *a
	c.clock = clock
	return &c
}

// AllEvents lists every event type the application stores, for the codec.
func AllEvents() []domain.Event {
	var all []domain.Event
	for _, evs := range [][]domain.Event{ticket.Events(), guild.Events(), member.Events(), usage.Events(), profile.Events(), privacy.Events(), tag.Events()} {
		all = append(all, evs...)
	}
	return all
}

func newTicketID(at time.Time) domain.TicketID {
	return domain.TicketID(ulid.MustNew(ulid.Timestamp(at), rand.Reader).String())
}

// Meta is who asks and through which door; CommandID makes a retried
// request idempotent (a Discord interaction id, a dashboard request id).
type Meta struct {
	CommandID   string
	Actor       domain.Actor
	Correlation string
}

func (a *App) meta(m Meta, g domain.GuildID, suffix string, now time.Time) eventstore.Meta {
	id := m.CommandID
	if id != "" && suffix != "" {
		id += "/" + suffix
	}
	return eventstore.Meta{CommandID: id, Actor: m.Actor, Guild: g, Correlation: m.Correlation, Causation: m.CommandID, At: now}
}

// Settings loads a guild's settings.
func (a *App) Settings(ctx context.Context, g domain.GuildID) (guild.Settings, error) {
	h, err := a.store.Load(ctx, guild.Stream(g))
	if err != nil {
		return guild.Settings{}, err
	}
	return guild.FromHistory(g, h.Events), nil
}

// RequestErasure records a request to erase a subject ("user:<id>" or
// "guild:<id>") before anything is destroyed; a subject with an unfinished
// request joins it. It returns the request's id.
func (a *App) RequestErasure(ctx context.Context, subject string, m Meta) (string, error) {
	now := a.clock()
	var id string
	_, err := a.store.Update(ctx, privacy.Stream, a.meta(m, 0, "", now), func(h eventstore.History) ([]domain.Event, error) {
		evs, joined, err := privacy.FromHistory(h.Events).RequestErasure(subject, "erasure-"+uuid.NewString(), now)
		id = joined
		return evs, err
	})
	return id, err
}

// PendingErasures lists erasures requested and not finished.
func (a *App) PendingErasures(ctx context.Context) ([]privacy.Request, error) {
	h, err := a.store.Load(ctx, privacy.Stream)
	if err != nil {
		return nil, err
	}
	return privacy.FromHistory(h.Events).Pending(), nil
}

// CompleteErasure appends an erasure's receipt (privacy.UserErased or
// privacy.GuildErased). Its command id is the request's, so finishing an
// erasure twice stores one receipt.
func (a *App) CompleteErasure(ctx context.Context, receipt domain.Event, request string, m Meta) error {
	now := a.clock()
	m.CommandID = "erasure-receipt/" + request
	_, err := a.store.Update(ctx, privacy.Stream, a.meta(m, 0, "", now), func(h eventstore.History) ([]domain.Event, error) {
		return privacy.FromHistory(h.Events).Complete(receipt)
	})
	return err
}

// RecordLogin records a dashboard login (for the person's export).
func (a *App) RecordLogin(ctx context.Context, u domain.UserID, m Meta) error {
	now := a.clock()
	_, err := a.store.Update(ctx, profile.Stream(u), a.meta(m, 0, "login", now), func(h eventstore.History) ([]domain.Event, error) {
		return profile.FromHistory(u, h.Events).LogIn(now)
	})
	return err
}

// SetTranscriptDMs records whether a person refuses to get their tickets'
// transcripts by direct message.
func (a *App) SetTranscriptDMs(ctx context.Context, u domain.UserID, refuse bool, m Meta) error {
	now := a.clock()
	_, err := a.store.Update(ctx, profile.Stream(u), a.meta(m, 0, "transcript-dms", now), func(h eventstore.History) ([]domain.Event, error) {
		return profile.FromHistory(u, h.Events).SetTranscriptDMs(refuse, now)
	})
	return err
}

// Profile loads what Discord last showed of a user (zero if never seen or
// erased).
func (a *App) Profile(ctx context.Context, u domain.UserID) (profile.Profile, error) {
	h, err := a.store.Load(ctx, profile.Stream(u))
	if err != nil {
		return profile.Profile{}, err
	}
	return profile.FromHistory(u, h.Events), nil
}

// Ticket loads a ticket.
func (a *App) Ticket(ctx context.Context, id domain.TicketID) (ticket.Ticket, error) {
	h, err := a.store.Load(ctx, ticket.Stream(id))
	if err != nil {
		return ticket.Ticket{}, err
	}
	return ticket.FromHistory(h.Events), nil
}

// Participant is a member of a guild as the ticket decisions need them:
// whether the guild's settings make them staff, and which guild they act
// from (the decisions refuse tickets of other guilds, ticket.Ticket.Admits).
func (a *App) Participant(ctx context.Context, g domain.GuildID, by guild.Member) (ticket.Participant, error) {
	s, err := a.Settings(ctx, g)
	if err != nil {
		return ticket.Participant{}, err
	}
	teams, excluded := s.TeamsOf(by.Roles)
	return ticket.Participant{User: by.User, Staff: s.IsStaff(by.Roles, by.ManageServer), Admin: by.ManageServer, Guild: g,
		Teams: teams, Excluded: excluded}, nil
}

// RecordUsage records one use of a command or component.
func (a *App) RecordUsage(ctx context.Context, g domain.GuildID, u domain.UserID, command string, m Meta) error {
	now := a.clock()
	e, err := usage.Record(g, u, command, now)
	if err != nil {
		return err
	}
	_, err = a.store.Append(ctx, usage.Stream(g, now), eventstore.Any, a.meta(m, g, "usage", now), e)
	return err
}

// ObserveProfile records a user's profile as Discord shows it, when it changed.
func (a *App) ObserveProfile(ctx context.Context, u domain.UserID, seen profile.Personal, m Meta) error {
	now := a.clock()
	_, err := a.store.Update(ctx, profile.Stream(u), a.meta(m, 0, "profile", now), func(h eventstore.History) ([]domain.Event, error) {
		return profile.FromHistory(u, h.Events).Observe(seen, now)
	})
	return err
}
