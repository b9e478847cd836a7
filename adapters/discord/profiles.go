package discord

import (
	"context"

	"github.com/disgoorg/disgo/discord"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/internal/app"
)

// profiles remembers the last snapshot recorded per user, so that only a
// changed name or avatar costs a stream load and an append.
type profiles struct {
	lastRecorded *lru.Cache[domain.UserID, profile.Personal]
}

// profilesRemembered bounds the users remembered.
const profilesRemembered = 50_000

func newProfiles() profiles {
	c, err := lru.New[domain.UserID, profile.Personal](profilesRemembered)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return profiles{lastRecorded: c}
}

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
	if last, ok := b.profiles.lastRecorded.Get(id); ok && last == seen {
		return
	}
	err := b.app.ObserveProfile(ctx, id, seen, app.Meta{Actor: domain.Actor{User: id, Source: domain.SourceDiscord}})
	if err != nil {
		b.logger.Warn("profile not recorded", "err", err)
		return
	}
	b.profiles.lastRecorded.Add(id, seen)
}
