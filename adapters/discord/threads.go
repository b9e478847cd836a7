package discord

import (
	"context"
	"errors"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
)

// Thread mode: a ticket is a private thread under a support channel rather
// than a channel of its own. Discord has no permission overwrites on a
// thread: who sees it is who is in it (the opener, added members, a
// claimer the claim mode keeps in), plus whoever may manage the support
// channel's threads — the staff roles, given Manage Threads there. Closing
// archives and locks it (its members still read it); reopening undoes that.
//
// Discord answers 50083 for a change to an archived thread; Discord
// archives a thread by itself after a week without messages, so an open
// ticket's thread is unarchived and the change tried again.

// threadArchiveAfter is how long a quiet ticket thread stays in the
// channel's list before Discord archives it: the longest Discord allows.
const threadArchiveAfter = discord.AutoArchiveDuration1w

// ensureThread gives a ticket its private thread under parent: found again
// after a crash between creating and recording it (an active thread of the
// bot's under parent, with the ticket's name, that is no ticket's yet) or
// created; then recorded.
func (r *Reactor) ensureThread(ctx context.Context, t ticket.Ticket, parent snowflake.ID) (snowflake.ID, error) {
	active, err := r.rest.GetActiveGuildThreads(snowflake.ID(t.Guild()), rest.WithCtx(ctx))
	if err != nil {
		return 0, err
	}
	for _, th := range active.Threads {
		if p := th.ParentID(); p == nil || *p != parent || th.OwnerID != r.bot.client.ApplicationID || th.Name() != t.Name() {
			continue
		}
		owner, err := r.bot.ticketOf(ctx, th.ID())
		if err != nil {
			return 0, err
		}
		if owner == "" {
			return th.ID(), nil
		}
	}
	no := false
	created, err := r.rest.CreateThread(parent, discord.GuildPrivateThreadCreate{
		Name: t.Name(), AutoArchiveDuration: threadArchiveAfter, Invitable: &no, // members cannot bring others in
	}, rest.WithCtx(ctx))
	if err != nil {
		return 0, err
	}
	return created.ID(), nil
}

// threadMembers brings a ticket's thread to who must be in it: the opener,
// the added members, and a claimer a restricting claim keeps in. Adding is
// idempotent on Discord, so a redelivered event converges.
func (r *Reactor) threadMembers(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
	in := append([]domain.UserID{t.Opener()}, t.Members()...)
	if c := t.Claimer(); c != 0 && t.ClaimMode().Restricts() && !t.IsParticipant(c) {
		in = append(in, c)
	}
	for _, u := range in {
		if err := r.inThread(ctx, t, ch, func() error { return r.rest.AddThreadMember(ch, snowflake.ID(u), rest.WithCtx(ctx)) }); err != nil {
			return err
		}
	}
	return nil
}

// inThread runs a change to an open ticket's thread, unarchiving the thread
// first when Discord archived it for inactivity.
func (r *Reactor) inThread(ctx context.Context, t ticket.Ticket, ch snowflake.ID, change func() error) error {
	err := change()
	if !isArchivedThread(err) || t.Status() != ticket.StatusOpen {
		return err
	}
	if err := r.setArchived(ctx, ch, false); err != nil {
		return err
	}
	return change()
}

// setArchived archives and locks a closed ticket's thread, or unarchives
// and unlocks a reopened one.
func (r *Reactor) setArchived(ctx context.Context, ch snowflake.ID, archived bool) error {
	_, err := r.rest.UpdateChannel(ch, discord.GuildThreadUpdate{Archived: &archived, Locked: &archived}, rest.WithCtx(ctx))
	return err
}

// threadLocked reports whether a thread is archived and locked: a closed
// ticket's thread whose close was carried out already.
func (r *Reactor) threadLocked(ctx context.Context, ch snowflake.ID) (bool, error) {
	c, err := r.rest.GetChannel(ch, rest.WithCtx(ctx))
	if err != nil {
		return false, err
	}
	th, ok := c.(discord.GuildThread)
	return ok && th.ThreadMetadata.Archived && th.ThreadMetadata.Locked, nil
}

func isArchivedThread(err error) bool {
	var re *rest.Error
	return errors.As(err, &re) && re.Code == rest.JSONErrorCodeOperationOnArchivedThread
}

// claimInThread keeps a restricting claim's claimer in the thread and lets
// a former claimer out when nothing else keeps them in. Other staff cannot
// be kept out of a thread by the bot: whoever manages the support
// channel's threads sees them all (docs/ARCHITECTURE.md, thread mode); the
// claim still keeps them from handling the ticket through Ticketify.
func (r *Reactor) claimInThread(ctx context.Context, t ticket.Ticket, ch snowflake.ID, former domain.UserID) error {
	if err := r.threadMembers(ctx, t, ch); err != nil {
		return err
	}
	if former != 0 && former != t.Claimer() && !t.IsParticipant(former) {
		return ignoreNotFound(r.inThread(ctx, t, ch, func() error { return r.rest.RemoveThreadMember(ch, snowflake.ID(former), rest.WithCtx(ctx)) }))
	}
	return nil
}
