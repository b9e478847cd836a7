package discord

import (
	"context"
	"errors"
	"fmt"

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
// channel's threads — the staff roles, given Manage Threads there.
//
// Closing locks the thread (only those who manage threads write in it; its
// members still read it and press its buttons — Reopen, the rating stars),
// as closing makes a channel read-only; reopening unlocks it. The thread is
// not archived by the bot: an archived thread takes no interactions, and the
// closed ticket's thread is deleted after the delay anyway. Discord archives
// a quiet thread by itself after a week; a change to it then gets 50083, so
// the thread is unarchived (its lock kept) and the change tried again.

// What a support channel needs is said when thread mode is chosen
// (bot.setup.threads_needs; Discord's permissions for threads: Send
// Messages has no effect in them, Send Messages in Threads does).

// threadArchiveAfter is how long a quiet ticket thread stays in the
// channel's list before Discord archives it: the longest Discord allows.
const threadArchiveAfter = discord.AutoArchiveDuration1w

// ensureThread gives a ticket its private thread under parent: found again
// after a crash between creating and recording it (an active thread of the
// bot's under parent, with the ticket's name, that is no ticket's yet) or
// created. The parent must be a channel of the ticket's own server.
func (r *Reactor) ensureThread(ctx context.Context, t ticket.Ticket, parent snowflake.ID) (snowflake.ID, error) {
	p, err := r.rest.GetChannel(parent, rest.WithCtx(ctx))
	if err != nil {
		return 0, err
	}
	if gc, ok := p.(discord.GuildChannel); !ok || gc.GuildID() != snowflake.ID(t.Guild()) {
		return 0, fmt.Errorf("the support channel %s is not a channel of this server", parent)
	}
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
// idempotent on Discord, so a redelivered event converges; someone who left
// the server (Unknown Member) is passed over, not a failure for the rest.
func (r *Reactor) threadMembers(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
	in := append([]domain.UserID{t.Opener()}, t.Members()...)
	if c := t.Claimer(); c != 0 && t.ClaimMode().Restricts() && !t.IsParticipant(c) {
		in = append(in, c)
	}
	for _, u := range in {
		if err := ignoreNotFound(r.rest.AddThreadMember(ch, snowflake.ID(u), rest.WithCtx(ctx))); err != nil {
			return err
		}
	}
	return nil
}

// inThread runs a change to a ticket's thread, unarchiving the thread first
// (keeping its lock) when Discord archived it for inactivity.
func (r *Reactor) inThread(ctx context.Context, ch snowflake.ID, change func() error) error {
	err := change()
	if !isArchivedThread(err) {
		return err
	}
	no := false
	if _, err := r.rest.UpdateChannel(ch, discord.GuildThreadUpdate{Archived: &no}, rest.WithCtx(ctx)); err != nil {
		return err
	}
	return change()
}

// inTicketsThread runs f through inThread when the ticket is a thread.
func (r *Reactor) inTicketsThread(ctx context.Context, id domain.TicketID, f func() error) error {
	t, err := r.bot.app.Ticket(ctx, id)
	if err != nil {
		return err
	}
	if !t.InThread() || t.Channel() == 0 || t.ChannelLost() {
		return f()
	}
	return r.inThread(ctx, snowflake.ID(t.Channel()), f)
}

// setLocked locks a closed ticket's thread or unlocks a reopened one; either
// way the thread is active (unarchived).
func (r *Reactor) setLocked(ctx context.Context, ch snowflake.ID, locked bool) error {
	no := false
	_, err := r.rest.UpdateChannel(ch, discord.GuildThreadUpdate{Archived: &no, Locked: &locked}, rest.WithCtx(ctx))
	return err
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
		return ignoreNotFound(r.rest.RemoveThreadMember(ch, snowflake.ID(former), rest.WithCtx(ctx)))
	}
	return nil
}
