package discord

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

// gatewayListener turns Discord-side facts into events.
func (b *Bot) gatewayListener() bot.EventListener {
	return &events.ListenerAdapter{
		OnHeartbeatAck: func(e *events.HeartbeatAck) { b.acks.record(e.ShardID(), time.Now()) },
		OnGuildReady:   func(e *events.GuildReady) { b.guildPresent(e.Guild.ID, e.Guild.Name, e.Guild.OwnerID, true) },
		OnGuildJoin:    func(e *events.GuildJoin) { b.guildPresent(e.Guild.ID, e.Guild.Name, e.Guild.OwnerID, false) },
		OnGuildLeave: func(e *events.GuildLeave) {
			b.fact("bot removed", func(ctx context.Context) error { return b.app.RecordBotRemoved(ctx, domain.GuildID(e.GuildID)) })
		},
		OnGuildMessageCreate: func(e *events.GuildMessageCreate) {
			b.fact("message posted", func(ctx context.Context) error { return b.capture(ctx, e.GuildID, e.Message) })
		},
		OnGuildMessageUpdate: func(e *events.GuildMessageUpdate) {
			b.fact("message edited", func(ctx context.Context) error { return b.captureEdit(ctx, e.GuildID, e.Message) })
		},
		OnGuildMessageDelete: func(e *events.GuildMessageDelete) {
			b.fact("message deleted", func(ctx context.Context) error {
				id, err := b.ticketOf(ctx, e.ChannelID)
				if err != nil || id == "" {
					return err
				}
				return b.app.RecordMessageDeleted(ctx, domain.GuildID(e.GuildID), id, domain.MessageID(e.MessageID))
			})
		},
		OnGuildChannelDelete: func(e *events.GuildChannelDelete) {
			b.channelDeleted(e.GuildID, e.ChannelID, "channel deleted on Discord")
		},
		OnThreadDelete: func(e *events.ThreadDelete) { b.channelDeleted(e.GuildID, e.ThreadID, "thread deleted on Discord") },
		OnGuildMemberLeave: func(e *events.GuildMemberLeave) {
			b.fact("member left", func(ctx context.Context) error {
				return b.app.RecordMemberLeft(ctx, domain.GuildID(e.GuildID), domain.UserID(e.User.ID))
			})
		},
	}
}

// channelDeleted records that a ticket's channel or thread is gone — or,
// for a support channel, the threads under it, which go with it without
// events of their own.
func (b *Bot) channelDeleted(g, ch snowflake.ID, because string) {
	b.fact("channel deleted", func(ctx context.Context) error {
		id, err := b.ticketOf(ctx, ch)
		if err != nil {
			return err
		}
		if id != "" {
			return b.app.LoseChannel(ctx, id, domain.ChannelID(ch), ticketMeta(because))
		}
		return b.threadsGoneWith(ctx, g, ch)
	})
}

// threadsGoneWith records the loss of the threads of the tickets made under
// a deleted channel. It reads the server's tickets, which a deleted channel
// that is no ticket's own is rare enough to afford.
func (b *Bot) threadsGoneWith(ctx context.Context, g, parent snowflake.ID) error {
	all, err := b.views.All(ctx, g.String())
	if err != nil {
		return err
	}
	for _, s := range all {
		v, err := b.views.Get(ctx, s.ID)
		if err != nil {
			return err
		}
		if v.ThreadOf != parent.String() || v.ChannelLost || v.Channel == "" {
			continue
		}
		th, err := snowflake.Parse(v.Channel)
		if err != nil {
			continue
		}
		if err := b.app.LoseChannel(ctx, domain.TicketID(v.ID), domain.ChannelID(th), ticketMeta("support channel deleted on Discord, its threads with it")); err != nil {
			return err
		}
	}
	return nil
}

// ticketMeta is the envelope of a Discord-side fact about a ticket.
func ticketMeta(because string) app.Meta {
	return app.Meta{Actor: domain.Actor{Source: domain.SourceDiscord, Because: because}}
}

// factQueue records Discord-side facts one after another, in the order the
// gateway delivered them (an edit must not overtake its message), without
// ever blocking the gateway's own goroutine.
type factQueue struct {
	mu      sync.Mutex
	pending []queuedFact
	wake    chan struct{}
}

type queuedFact struct {
	what   string
	record func(ctx context.Context) error
}

func newFactQueue() *factQueue { return &factQueue{wake: make(chan struct{}, 1)} }

func (q *factQueue) push(f queuedFact) {
	q.mu.Lock()
	q.pending = append(q.pending, f)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *factQueue) pop() (queuedFact, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return queuedFact{}, false
	}
	f := q.pending[0]
	q.pending = q.pending[1:]
	return f, true
}

// fact queues a Discord-side fact.
func (b *Bot) fact(what string, record func(ctx context.Context) error) {
	b.busy.Add(1)
	b.facts.push(queuedFact{what: what, record: record})
}

// recordFacts records queued facts until ctx ends, retrying while the
// database is down: the gateway does not deliver an event twice, so giving
// up would lose it (messages are still recovered by the next back-fill).
func (b *Bot) recordFacts(ctx context.Context) {
	for {
		f, ok := b.facts.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-b.facts.wake:
				continue
			}
		}
		b.recordQueued(ctx, f)
	}
}

// recordQueued records one fact, retrying while the database is down.
func (b *Bot) recordQueued(ctx context.Context, f queuedFact) {
	defer b.busy.Add(-1)
	for attempt := 1; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := recordFact(callCtx, f)
		cancel()
		var bug *panics.Error
		if errors.As(err, &bug) { // it would panic again: drop it, loudly
			b.logger.Error("recording a discord fact panicked; dropped", "fact", f.what, "err", err, "stack", bug.Stack)
			return
		}
		var rule *domain.RuleError
		if err == nil || errors.As(err, &rule) {
			if err != nil {
				b.logger.Info("discord fact refused", "fact", f.what, "reason", err)
			}
			return
		}
		if attempt == 10 || ctx.Err() != nil {
			b.logger.Error("recording a discord fact failed", "fact", f.what, "err", err)
			return
		}
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
}

func recordFact(ctx context.Context, f queuedFact) (err error) {
	defer panics.Recover(&err)
	return f.record(ctx)
}

// errViewsBehind: the views are far behind the log (catching up after a
// restart), so whether a channel is a ticket's cannot be told yet.
var errViewsBehind = errors.New("the views are catching up")

// ticketOf returns the ticket of a channel, or "" when it is no ticket's.
// A channel the views do not know yet may have been attached a moment ago
// (the bot's welcome message arrives right after): the attachment is in the
// log by then, so the views are waited for once before answering "none".
func (b *Bot) ticketOf(ctx context.Context, ch snowflake.ID) (domain.TicketID, error) {
	id, _, err := b.views.TicketByChannel(ctx, ch.String())
	if errors.Is(err, ticketviews.ErrNotFound) && b.synced != nil {
		waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = b.synced.WaitCaughtUp(waitCtx)
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return "", errViewsBehind
		}
		if err != nil {
			return "", err
		}
		id, _, err = b.views.TicketByChannel(ctx, ch.String())
	}
	if errors.Is(err, ticketviews.ErrNotFound) {
		return "", nil
	}
	return domain.TicketID(id), err
}

func (b *Bot) guildPresent(g snowflake.ID, name string, owner snowflake.ID, ready bool) {
	b.mu.Lock()
	b.guilds[g] = true
	b.mu.Unlock()
	b.fact("bot joined", func(ctx context.Context) error {
		return b.app.RecordBotJoined(ctx, domain.GuildID(g), name, domain.UserID(owner))
	})
	if ready {
		go func() {
			if err := panics.Call(func() error { b.backfill(domain.GuildID(g)); return nil }); err != nil {
				b.logger.Error("back-fill panicked", "err", err)
			}
		}()
	}
}

func (b *Bot) capture(ctx context.Context, guildID snowflake.ID, m discord.Message) error {
	if m.Type.System() {
		return nil // Discord's own lines (someone added to a thread, a rename, a pin): not what anyone wrote
	}
	id, err := b.ticketOf(ctx, m.ChannelID)
	if err != nil || id == "" {
		return err
	}
	if skip, err := b.isReplyPost(ctx, id, m); skip || err != nil {
		return err
	}
	return b.app.RecordMessagePosted(ctx, domain.GuildID(guildID), postedMessage(id, m))
}

// isReplyPost tells whether a message is our post of a dashboard reply,
// which the capture skips (ticket.RepliedFromDashboard is its record, in
// its writer's name): live by its nonce (the echo can come before the post
// is recorded), after an outage or in an edit by the recorded message id.
func (b *Bot) isReplyPost(ctx context.Context, id domain.TicketID, m discord.Message) (bool, error) {
	if !m.Author.Bot || b.client == nil || m.Author.ID != b.client.ID() {
		return false, nil
	}
	if strings.HasPrefix(string(m.Nonce), replyNoncePrefix) {
		return true, nil
	}
	t, err := b.app.Ticket(ctx, id)
	if err != nil {
		return false, err
	}
	return t.IsReplyPost(domain.MessageID(m.ID)), nil
}

func postedMessage(id domain.TicketID, m discord.Message) ticket.PostedMessage {
	p := ticket.PostedMessage{Ticket: id, Channel: domain.ChannelID(m.ChannelID), Message: domain.MessageID(m.ID),
		Author: domain.UserID(m.Author.ID), Bot: m.Author.Bot, At: m.CreatedAt.UTC(), Content: m.Content,
		AuthorName: m.Author.EffectiveName()}
	if m.Author.Avatar != nil {
		p.Avatar = *m.Author.Avatar
	}
	for _, a := range m.Attachments {
		ct := ""
		if a.ContentType != nil {
			ct = *a.ContentType
		}
		p.Attachments = append(p.Attachments, ticket.Attachment{ID: a.ID.String(), Filename: a.Filename, URL: a.URL, Size: int64(a.Size), ContentType: ct})
	}
	p.Embeds = embedsOf(m.Embeds)
	return p
}

func embedsOf(in []discord.Embed) []ticket.Embed {
	var out []ticket.Embed
	for _, e := range in {
		em := ticket.Embed{Title: e.Title, Description: e.Description, URL: e.URL}
		if e.Author != nil {
			em.Author = e.Author.Name
		}
		if e.Footer != nil {
			em.Footer = e.Footer.Text
		}
		for _, f := range e.Fields {
			em.Fields = append(em.Fields, ticket.EmbedField{Name: f.Name, Value: f.Value})
		}
		out = append(out, em)
	}
	return out
}

func (b *Bot) captureEdit(ctx context.Context, guildID snowflake.ID, m discord.Message) error {
	id, err := b.ticketOf(ctx, m.ChannelID)
	if err != nil || id == "" {
		return err
	}
	if skip, err := b.isReplyPost(ctx, id, m); skip || err != nil {
		return err
	}
	at := time.Now().UTC()
	if m.EditedTimestamp != nil {
		at = m.EditedTimestamp.UTC()
	}
	return b.app.RecordMessageEdited(ctx, domain.GuildID(guildID), id, domain.MessageID(m.ID), domain.UserID(m.Author.ID), m.Content, embedsOf(m.Embeds), at)
}

// backfill captures, for every ticket of a guild that still has a channel,
// the messages written after the last one captured: after a gateway outage
// the transcripts have no holes. Capturing is idempotent per message id, so
// overlap with live events stores nothing twice.
func (b *Bot) backfill(g domain.GuildID) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	all, err := b.views.All(ctx, g.String())
	if err != nil {
		b.logger.Error("back-fill: listing tickets failed", "guild", g, "err", err)
		return
	}
	for _, s := range all {
		v, err := b.views.Get(ctx, s.ID)
		if err != nil || v.Channel == "" || v.ChannelLost {
			continue
		}
		ch, err := snowflake.Parse(v.Channel)
		if err != nil {
			continue
		}
		after, _ := snowflake.Parse(v.LastMessageID)
		if after == 0 {
			after = ch // a channel's id predates its messages
		}
		n, err := b.backfillChannel(ctx, g, domain.TicketID(v.ID), ch, after)
		if err != nil {
			b.logger.Error("back-fill failed", "ticket", v.ID, "err", err)
			continue
		}
		if n > 0 {
			b.logger.Info("back-filled messages missed while disconnected", "ticket", v.ID, "messages", n)
		}
	}
}

func (b *Bot) backfillChannel(ctx context.Context, g domain.GuildID, id domain.TicketID, ch, after snowflake.ID) (int, error) {
	n := 0
	for {
		msgs, err := b.client.Rest.GetMessages(ch, 0, 0, after, 100, rest.WithCtx(ctx))
		if err != nil {
			return n, err
		}
		if len(msgs) == 0 {
			return n, nil
		}
		slices.SortFunc(msgs, func(x, y discord.Message) int { return cmp.Compare(x.ID, y.ID) }) // oldest first
		for _, m := range msgs {
			after = m.ID
			if skip, err := b.isReplyPost(ctx, id, m); err != nil {
				return n, err
			} else if skip {
				continue
			}
			if err := b.app.RecordMessagePosted(ctx, g, postedMessage(id, m)); err != nil {
				return n, err
			}
			n++
		}
		if len(msgs) < 100 {
			return n, nil
		}
	}
}
