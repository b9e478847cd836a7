package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
)

// tagFold is a tag library folded up to a stream version.
type tagFold struct {
	version int64
	lib     tag.Library
}

// Tags loads a server's saved answers: the cached fold and what the stream
// has after it.
func (a *App) Tags(ctx context.Context, g domain.GuildID) (tag.Library, error) {
	fold, ok := a.tagFolds.Get(g)
	if !ok {
		fold = tagFold{lib: tag.FromHistory(g, nil)}
	}
	h, err := a.store.LoadSince(ctx, tag.Stream(g), fold.version)
	if err != nil {
		return tag.Library{}, fmt.Errorf("tags of %s: %w", g, err)
	}
	if len(h.Events) > 0 || !ok {
		fold = tagFold{version: fold.version, lib: fold.lib.With(h.Events...)}
		if n := len(h.Envelopes); n > 0 {
			fold.version = h.Envelopes[n-1].Version
		}
		a.tagFolds.Add(g, fold)
	}
	return fold.lib, nil
}

// AddTag saves a new tag; staff only.
func (a *App) AddTag(ctx context.Context, g domain.GuildID, by guild.Member, t tag.Tag, m Meta) error {
	return a.updateTags(ctx, g, by, m, func(l tag.Library, staff bool) ([]domain.Event, error) { return l.Add(staff, t) })
}

// EditTag changes a tag, found by its name; staff only.
func (a *App) EditTag(ctx context.Context, g domain.GuildID, by guild.Member, t tag.Tag, m Meta) error {
	return a.updateTags(ctx, g, by, m, func(l tag.Library, staff bool) ([]domain.Event, error) { return l.Edit(staff, t) })
}

// RemoveTag removes a tag; staff only.
func (a *App) RemoveTag(ctx context.Context, g domain.GuildID, by guild.Member, name string, m Meta) error {
	return a.updateTags(ctx, g, by, m, func(l tag.Library, staff bool) ([]domain.Event, error) { return l.Remove(staff, name) })
}

func (a *App) updateTags(ctx context.Context, g domain.GuildID, by guild.Member, m Meta, decide func(tag.Library, bool) ([]domain.Event, error)) error {
	s, err := a.Settings(ctx, g)
	if err != nil {
		return err
	}
	staff := !by.User.IsZero() && s.IsStaff(by.Roles, by.ManageServer)
	_, err = a.store.Update(ctx, tag.Stream(g), a.meta(m, g, "", a.clock()), func(h eventstore.History) ([]domain.Event, error) {
		return decide(tag.FromHistory(g, h.Events), staff)
	})
	if err != nil {
		return fmt.Errorf("tags of %s: %w", g, err)
	}
	return nil
}

// PostTag records staff posting a saved answer in a ticket and returns the
// tag, for the adapter to post (as the interaction's answer, in the ticket's
// channel).
func (a *App) PostTag(ctx context.Context, id domain.TicketID, by ticket.Participant, name string, m Meta) (tag.Tag, error) {
	lib, err := a.Tags(ctx, by.Guild)
	if err != nil {
		return tag.Tag{}, err
	}
	t, ok := lib.Get(name)
	if !ok {
		return tag.Tag{}, domain.Refuse(domain.ErrNotFound, "app.tag_unknown", "Tag", tag.Normalize(name))
	}
	_, err = a.updateTicket(ctx, id, m, "", func(tk ticket.Ticket, now time.Time) ([]domain.Event, error) {
		return tk.PostTag(by, t.Name, now)
	})
	return t, err
}
