package discord

import (
	"context"
	"sync"

	"github.com/disgoorg/disgo/discord"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/internal/app"
)

// profiles remembers the last snapshot recorded per user, so that only a
// changed name or avatar costs a stream load and an append.
type profiles struct {
	mu   sync.Mutex
	seen map[domain.UserID]profile.Personal
}

const profilesRemembered = 50_000

// observe records what Discord shows of the person using Ticketify (their
// name and avatar appear on the dashboard and in exports); the profile
// stream appends only a snapshot that differs from the last one.
func (b *Bot) observe(ctx context.Context, u discord.User) {
	seen := profile.Personal{Username: u.Username}
	if u.GlobalName != nil {
		seen.GlobalName = *u.GlobalName
	}
	if u.Avatar != nil {
		seen.Avatar = *u.Avatar
	}
	id := domain.UserID(u.ID)
	b.profiles.mu.Lock()
	last, ok := b.profiles.seen[id]
	b.profiles.mu.Unlock()
	if ok && last == seen {
		return
	}
	err := b.app.ObserveProfile(ctx, id, seen, app.Meta{Actor: domain.Actor{User: id, Source: domain.SourceDiscord}})
	if err != nil {
		b.logger.Warn("profile not recorded", "err", err)
		return
	}
	b.profiles.mu.Lock()
	if b.profiles.seen == nil || len(b.profiles.seen) >= profilesRemembered {
		b.profiles.seen = map[domain.UserID]profile.Personal{}
	}
	b.profiles.seen[id] = seen
	b.profiles.mu.Unlock()
}
