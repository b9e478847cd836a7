package discord

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/projections"
)

// ReactorName is the reactor's consumer group.
// WARNING: renaming it makes the reactor start over at the log's head.
const ReactorName = "discord-reactor"

// Reactor performs a ticket's side effects on Discord. Every action is
// idempotent — it checks the ticket's current state, finds a channel it
// created before by its topic, sends messages with a nonce Discord enforces,
// sets permissions by overwrite — so a redelivered event changes nothing
// twice. 429s are waited out by disgo's rate limiter; 5xx and network errors
// are retried a few times; what still fails is recorded as an event staff see.
// Renames respect Discord's 2 per 10 minutes by scheduling the latest name.
type Reactor struct {
	bot      *Bot
	rest     rest.Rest
	schedule *mongo.Collection
	now      func() time.Time
	attempts int
	backoff  time.Duration

	mu sync.Mutex
}

var _ projections.Reactor = (*Reactor)(nil)

// ScheduleCollection holds the reactor's delayed actions.
const ScheduleCollection = "discord_schedule"

type scheduled struct {
	ID      string      `bson:"_id"` // "<kind>/<channel>"
	Kind    string      `bson:"kind"`
	Ticket  string      `bson:"ticket"`
	Channel string      `bson:"channel"`
	Name    string      `bson:"name,omitempty"`
	Due     time.Time   `bson:"due"`
	Renames []time.Time `bson:"renames,omitempty"` // for kind "renames": when this channel was renamed
	Last    string      `bson:"last,omitempty"`    // for kind "renames": the name applied last
}

// NewReactor returns the reactor; now is the clock for delays (injectable in tests).
func NewReactor(ctx context.Context, b *Bot, conn *mongodb.Conn, now func() time.Time) (*Reactor, error) {
	coll, err := conn.Collection(ctx, ScheduleCollection)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Reactor{bot: b, rest: b.Rest(), schedule: coll, now: now, attempts: 4, backoff: 300 * time.Millisecond}, nil
}

// Name implements projections.Reactor.
func (r *Reactor) Name() string { return ReactorName }

// React implements projections.Reactor.
func (r *Reactor) React(ctx context.Context, e projections.Event) error {
	switch ev := e.Event.(type) {
	case guild.PanelPostRequested:
		return r.postPanel(ctx, e, ev)
	case guild.PanelSaved:
		if ev.Previous.Key != "" {
			return r.editPanel(ctx, ev)
		}
	case ticket.Opened:
		return r.do(ctx, ev.Ticket, "create channel", func(ctx context.Context) error { return r.ensureChannel(ctx, ev.Ticket) })
	case ticket.CategoryChanged:
		return r.onChannel(ctx, ev.Ticket, "move the channel to its new category", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			if t.InThread() {
				return nil // Discord cannot move a thread to another channel: it stays where it was made
			}
			s, err := r.bot.app.Settings(ctx, t.Guild())
			if err != nil {
				return err
			}
			// The whole set of overwrites, as a new channel of that category
			// would get: the old team's roles go, the new team's come.
			ows := overwrites(s, t, r.bot.client.ApplicationID)
			upd := discord.GuildTextChannelUpdate{PermissionOverwrites: &ows}
			if parent := parentOf(s, t.Category()); parent != 0 {
				upd.ParentID = &parent
			}
			_, err = r.rest.UpdateChannel(ch, upd, rest.WithCtx(ctx))
			return err
		})
	case ticket.Claimed:
		if ev.Mode.Restricts() {
			return r.onChannel(ctx, ev.Ticket, "keep other staff out of a claimed ticket", r.claimPermissions(0))
		}
	case ticket.Unclaimed:
		if ev.Mode.Restricts() {
			return r.onChannel(ctx, ev.Ticket, "let staff back into an unclaimed ticket", r.claimPermissions(ev.Previous))
		}
	case ticket.Transferred:
		if ev.Mode.Restricts() {
			return r.onChannel(ctx, ev.Ticket, "hand the channel over", r.claimPermissions(ev.From))
		}
	case ticket.MemberAdded:
		return r.onChannel(ctx, ev.Ticket, "add member", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			if !t.IsParticipant(ev.Member) {
				return nil // removed again since
			}
			if t.InThread() {
				return r.rest.AddThreadMember(ch, snowflake.ID(ev.Member), rest.WithCtx(ctx))
			}
			return r.rest.UpdatePermissionOverwrite(ch, snowflake.ID(ev.Member), memberOverwrite(t.Status() == ticket.StatusOpen), rest.WithCtx(ctx))
		})
	case ticket.MemberRemoved:
		return r.onChannel(ctx, ev.Ticket, "remove member", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			if t.IsParticipant(ev.Member) {
				return nil
			}
			if t.InThread() {
				return ignoreNotFound(r.rest.RemoveThreadMember(ch, snowflake.ID(ev.Member), rest.WithCtx(ctx)))
			}
			return ignoreNotFound(r.rest.DeletePermissionOverwrite(ch, snowflake.ID(ev.Member), rest.WithCtx(ctx)))
		})
	case ticket.Renamed:
		return r.onChannel(ctx, ev.Ticket, "rename", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			return r.rename(ctx, t, ch)
		})
	case ticket.Closed:
		return r.do(ctx, ev.Ticket, "close", func(ctx context.Context) error {
			return r.inTicketsThread(ctx, ev.Ticket, func() error { return r.closed(ctx, ev, e.Actor.Because, e.Version) })
		})
	case ticket.CloseRequested:
		return r.onChannel(ctx, ev.Ticket, "post close request", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			if p, ok := t.PendingCloseRequest(); !ok || p.N != ev.N {
				return nil // answered or replaced meanwhile
			}
			l, err := r.channelLocale(ctx, t.Guild())
			if err != nil {
				return err
			}
			text := l.T("bot.channel.close_request", "Opener", t.Opener(), "By", ev.By)
			if strings.TrimSpace(ev.Personal.Reason) != "" {
				text = l.T("bot.channel.close_request_reason", "Opener", t.Opener(), "By", ev.By, "Reason", ev.Personal.Reason)
			}
			if !ev.Deadline.IsZero() {
				text += "\n" + l.T("bot.channel.close_request_deadline", "Unix", ev.Deadline.Unix())
			}
			ids := string(t.ID()) + "/" + strconv.Itoa(ev.N)
			_, err = r.rest.CreateMessage(ch, discord.MessageCreate{Content: text,
				Components: []discord.LayoutComponent{discord.NewActionRow(
					discord.NewSuccessButton(l.T("bot.channel.close_request_accept"), idAcceptClose+ids),
					discord.NewSecondaryButton(l.T("bot.channel.close_request_keep"), idDenyClose+ids))},
				Nonce: nonce("close-request", string(t.ID()), strconv.Itoa(ev.N)), EnforceNonce: true,
				AllowedMentions: &discord.AllowedMentions{Users: []snowflake.ID{snowflake.ID(t.Opener())}},
			}, rest.WithCtx(ctx))
			return err
		})
	case ticket.CloseRequestAnswered:
		if ev.Accepted {
			return nil // the close that follows says it
		}
		return r.onChannel(ctx, ev.Ticket, "say a close request was denied", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			requester := domain.UserID(0)
			h, err := r.bot.store.Load(ctx, ticket.Stream(t.ID()))
			if err != nil {
				return err
			}
			for _, x := range h.Events {
				if q, ok := x.(ticket.CloseRequested); ok && q.N == ev.N {
					requester = q.By
				}
			}
			l, err := r.channelLocale(ctx, t.Guild())
			if err != nil {
				return err
			}
			_, err = r.rest.CreateMessage(ch, discord.MessageCreate{
				Content: l.T("bot.channel.close_request_denied", "Requester", requester, "By", ev.By),
				Nonce:   nonce("close-denied", string(t.ID()), strconv.Itoa(ev.N)), EnforceNonce: true,
				AllowedMentions: &discord.AllowedMentions{Users: []snowflake.ID{snowflake.ID(requester)}},
			}, rest.WithCtx(ctx))
			return err
		})
	case ticket.StaffReminded:
		return r.onChannel(ctx, ev.Ticket, "remind staff", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			s, err := r.bot.app.Settings(ctx, t.Guild())
			if err != nil || t.Status() != ticket.StatusOpen {
				return err
			}
			roles := make([]snowflake.ID, 0, len(s.StaffRolesFor(t.Category())))
			var mentioned []string
			for _, role := range s.StaffRolesFor(t.Category()) {
				roles = append(roles, snowflake.ID(role))
				mentioned = append(mentioned, fmt.Sprintf("<@&%s>", role))
			}
			l := r.bot.channelLocale(ctx, s)
			waited := said.Period(l, ev.At.Sub(ev.WaitingSince).Truncate(time.Minute))
			text := l.T("bot.channel.reminder", "Waited", waited)
			if len(mentioned) > 0 {
				text = l.T("bot.channel.reminder_roles", "Roles", strings.Join(mentioned, " "), "Waited", waited)
			}
			_, err = r.rest.CreateMessage(ch, discord.MessageCreate{
				Content:         text,
				Nonce:           nonce("reminded", string(t.ID()), strconv.FormatInt(e.Version, 10)),
				EnforceNonce:    true,
				AllowedMentions: &discord.AllowedMentions{Roles: roles},
			}, rest.WithCtx(ctx))
			return err
		})
	case ticket.InactivityWarned:
		return r.onChannel(ctx, ev.Ticket, "warn of auto-close", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			if t.Status() != ticket.StatusOpen {
				return nil
			}
			l, err := r.channelLocale(ctx, t.Guild())
			if err != nil {
				return err
			}
			_, err = r.rest.CreateMessage(ch, discord.MessageCreate{
				Content:         l.T("bot.channel.inactivity_warning", "Opener", t.Opener(), "Unix", ev.ClosesAt.Unix(), "Idle", said.Period(l, ev.At.Sub(ev.Idle).Truncate(time.Minute))),
				Components:      []discord.LayoutComponent{discord.NewActionRow(discord.NewPrimaryButton(l.T("bot.channel.keep_open"), idKeepOpen+string(t.ID())))},
				Nonce:           nonce("warned", string(t.ID()), strconv.FormatInt(e.Version, 10)),
				EnforceNonce:    true,
				AllowedMentions: &discord.AllowedMentions{Users: []snowflake.ID{snowflake.ID(t.Opener())}},
			}, rest.WithCtx(ctx))
			return err
		})
	case ticket.Reopened:
		return r.do(ctx, ev.Ticket, "reopen", func(ctx context.Context) error { return r.reopened(ctx, ev.Ticket) })
	case ticket.RepliedFromDashboard:
		return r.onChannel(ctx, ev.Ticket, "post a reply from the dashboard", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
			if e.Erased || ev.Personal.Text == "" {
				return nil // erased before it was posted: nothing to say
			}
			l, err := r.channelLocale(ctx, t.Guild())
			if err != nil {
				return err
			}
			msg, err := r.rest.CreateMessage(ch, discord.MessageCreate{
				Content: l.T("bot.channel.dashboard_reply", "User", ev.By, "Text", ev.Personal.Text),
				Nonce:   replyNonce(ev.Reply), EnforceNonce: true,
				AllowedMentions: &discord.AllowedMentions{}, // their name shows; nobody is pinged
			}, rest.WithCtx(ctx))
			if err != nil {
				return err
			}
			return r.bot.app.RecordReplyPosted(ctx, t.ID(), ev.Reply, domain.MessageID(msg.ID))
		})
	}
	return nil
}

// replyNoncePrefix marks the bot's posts of dashboard replies: the capture
// of the channel's messages skips them, since the reply's own event is the
// transcript's record of it, in its writer's name.
const replyNoncePrefix = "rp"

// replyNonce is the nonce of a dashboard reply's post (Discord allows 25
// characters: a reply id is 26).
func replyNonce(reply string) string {
	h := fnv.New64a()
	h.Write([]byte(reply))
	return replyNoncePrefix + strconv.FormatUint(h.Sum64(), 36)
}

// do runs an action with bounded retries for transient failures; a failure
// that remains is recorded on the ticket, not swallowed.
func (r *Reactor) do(ctx context.Context, id domain.TicketID, action string, f func(context.Context) error) error {
	var err error
	for attempt := 1; attempt <= r.attempts; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = f(callCtx)
		cancel()
		if err == nil || permanent(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(r.backoff * time.Duration(attempt))
	}
	if err == nil || ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, eventstore.ErrUnavailable) {
		return err // our database, not Discord: deliver the event again later
	}
	r.bot.logger.ErrorContext(ctx, "discord action failed", "ticket", id, "action", action, "err", err)
	if rerr := r.bot.app.RecordActionFailed(ctx, id, action, describe(err)); rerr != nil {
		return fmt.Errorf("record failure of %s: %w", action, rerr) // delivered again later
	}
	r.tellStaff(ctx, id, action, describe(err))
	return nil
}

// tellStaff posts a failure to the guild's log channel, if it has one. It is
// best effort: the failure is already recorded on the ticket.
func (r *Reactor) tellStaff(ctx context.Context, id domain.TicketID, action, reason string) {
	t, err := r.bot.app.Ticket(ctx, id)
	if err != nil || !t.Exists() {
		return
	}
	s, err := r.bot.app.Settings(ctx, t.Guild())
	if err != nil || s.LogChannel() == 0 {
		return
	}
	l := r.bot.channelLocale(ctx, s)
	_, err = r.rest.CreateMessage(snowflake.ID(s.LogChannel()), discord.MessageCreate{
		Content: l.T("bot.log.failed", "Number", t.Number(), "Action", actionSaid(l, action), "Reason", reason),
		Nonce:   nonce("failed", string(id), action), EnforceNonce: true,
		AllowedMentions: &discord.AllowedMentions{},
	}, rest.WithCtx(ctx))
	if err != nil {
		r.bot.logger.Warn("telling staff about a failure failed", "ticket", id, "err", err)
	}
}

// actions name the reactor's actions (as do records them, in English) in
// the failure notice staff read in the log channel.
var actions = map[string]string{
	"create channel":                           "bot.log.action_create_channel",
	"move the channel to its new category":     "bot.log.action_move",
	"keep other staff out of a claimed ticket": "bot.log.action_claim",
	"let staff back into an unclaimed ticket":  "bot.log.action_unclaim",
	"hand the channel over":                    "bot.log.action_transfer",
	"add member":                               "bot.log.action_add_member",
	"remove member":                            "bot.log.action_remove_member",
	"rename":                                   "bot.log.action_rename",
	"close":                                    "bot.log.action_close",
	"post close request":                       "bot.log.action_close_request",
	"say a close request was denied":           "bot.log.action_close_request_denied",
	"remind staff":                             "bot.log.action_remind",
	"warn of auto-close":                       "bot.log.action_warn",
	"reopen":                                   "bot.log.action_reopen",
	"post a reply from the dashboard":          "bot.log.action_dashboard_reply",
	"delete closed channel":                    "bot.log.action_delete_channel",
}

// actionSaid is an action's name in the log channel's language.
func actionSaid(l i18n.Locale, action string) string {
	if key, ok := actions[action]; ok {
		return l.T(key)
	}
	return action
}

// channelLocale is the language of the server's channels (Bot.channelLocale).
func (r *Reactor) channelLocale(ctx context.Context, g domain.GuildID) (i18n.Locale, error) {
	s, err := r.bot.app.Settings(ctx, g)
	if err != nil {
		return i18n.English(), err
	}
	return r.bot.channelLocale(ctx, s), nil
}

// permanent reports a 4xx other than 429: retrying cannot help.
func permanent(err error) bool {
	var re *rest.Error
	if errors.As(err, &re) && re.Response != nil {
		s := re.Response.StatusCode
		return s >= 400 && s < 500 && s != 429
	}
	return false
}

func describe(err error) string {
	var re *rest.Error
	if errors.As(err, &re) && re.Response != nil {
		return fmt.Sprintf("Discord answered %d %s", re.Response.StatusCode, strings.TrimSpace(re.Message))
	}
	var rule *domain.RuleError
	if errors.As(err, &rule) { // recorded on the ticket: in English, like everything stored
		return said.Refusal(i18n.English(), rule)
	}
	return err.Error()
}

func ignoreNotFound(err error) error {
	var re *rest.Error
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == 404 {
		return nil
	}
	return err
}

// onChannel runs an action on the ticket's current channel, if it has one.
func (r *Reactor) onChannel(ctx context.Context, id domain.TicketID, action string, f func(context.Context, ticket.Ticket, snowflake.ID) error) error {
	return r.do(ctx, id, action, func(ctx context.Context) error {
		t, err := r.bot.app.Ticket(ctx, id)
		if err != nil || t.Channel() == 0 || t.ChannelLost() {
			return err
		}
		ch := snowflake.ID(t.Channel())
		if t.InThread() {
			return r.inThread(ctx, ch, func() error { return f(ctx, t, ch) })
		}
		return f(ctx, t, ch)
	})
}

const (
	talk = discord.PermissionViewChannel | discord.PermissionSendMessages | discord.PermissionReadMessageHistory |
		discord.PermissionAttachFiles | discord.PermissionEmbedLinks
	read = discord.PermissionViewChannel | discord.PermissionReadMessageHistory
)

func memberOverwrite(open bool) discord.MemberPermissionOverwriteUpdate {
	allow, deny := talk, discord.Permissions(0)
	if !open {
		allow, deny = read, discord.PermissionSendMessages
	}
	return discord.MemberPermissionOverwriteUpdate{Allow: &allow, Deny: &deny}
}

// topicMarker is written into a ticket channel's topic so that the channel
// is found again, rather than created twice, after a crash between creating
// it and recording it.
func topicMarker(id domain.TicketID) string { return "Ticketify ticket " + string(id) }

// ensureChannel gives an open ticket its channel: found by its topic marker
// or created, then recorded, then greeted.
func (r *Reactor) ensureChannel(ctx context.Context, id domain.TicketID) error {
	t, err := r.bot.app.Ticket(ctx, id)
	if err != nil {
		return err
	}
	if !t.Exists() || t.TranscriptExpired() {
		return nil
	}
	if t.Channel() != 0 && !t.ChannelLost() {
		return r.welcome(ctx, t, snowflake.ID(t.Channel()))
	}
	s, err := r.bot.app.Settings(ctx, t.Guild())
	if err != nil {
		return err
	}
	var ch snowflake.ID
	threadOf := snowflake.ID(s.ThreadChannel(t.Category()))
	if threadOf != 0 {
		ch, err = r.ensureThread(ctx, t, threadOf)
	} else {
		ch, err = r.findChannel(ctx, t)
	}
	if err != nil {
		return err
	}
	if ch == 0 {
		// The category's Discord category first, then its overflow ones: a
		// Discord category holds at most 50 channels, and a full one answers
		// 400 — the next one is tried instead of failing the open.
		parents := []snowflake.ID{parentOf(s, t.Category())}
		if c, ok := s.Category(t.Category()); ok {
			for _, o := range c.Overflow {
				parents = append(parents, snowflake.ID(o))
			}
		}
		for i, parent := range parents {
			created, err := r.rest.CreateGuildChannel(snowflake.ID(t.Guild()), discord.GuildTextChannelCreate{
				Name: t.Name(), Topic: topicMarker(id), ParentID: parent,
				PermissionOverwrites: overwrites(s, t, r.bot.client.ApplicationID),
			}, rest.WithCtx(ctx))
			if err != nil && permanent(err) && parent != 0 && i+1 < len(parents) {
				continue
			}
			if err != nil {
				return err
			}
			ch = created.ID()
			break
		}
	}
	if err := r.bot.app.AttachChannel(ctx, id, domain.ChannelID(ch), domain.ChannelID(threadOf), ticketMeta("channel created for the ticket")); err != nil {
		return err
	}
	t, err = r.bot.app.Ticket(ctx, id)
	if err != nil {
		return err
	}
	return r.welcome(ctx, t, ch)
}

// welcome lets the ticket's people into its thread (a channel's overwrites
// were given when it was made) and greets them — also when the ticket was
// closed meanwhile, as a channel would be made for it.
func (r *Reactor) welcome(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
	if !t.InThread() {
		return r.greet(ctx, t, ch)
	}
	return r.inThread(ctx, ch, func() error {
		if err := r.threadMembers(ctx, t, ch); err != nil {
			return err
		}
		return r.greet(ctx, t, ch)
	})
}

func (r *Reactor) findChannel(ctx context.Context, t ticket.Ticket) (snowflake.ID, error) {
	chans, err := r.rest.GetGuildChannels(snowflake.ID(t.Guild()), rest.WithCtx(ctx))
	if err != nil {
		return 0, err
	}
	for _, c := range chans {
		if tc, ok := c.(discord.GuildTextChannel); ok && tc.Topic() != nil && *tc.Topic() == topicMarker(t.ID()) {
			return tc.ID(), nil
		}
	}
	return 0, nil
}

func parentOf(s guild.Settings, category string) snowflake.ID {
	if c, ok := s.Category(category); ok {
		return snowflake.ID(c.DiscordCategory)
	}
	return 0
}

// claimPermissions brings the channel's staff overwrites to the ticket's
// claim as it stands now (so a redelivered or late event converges): staff
// roles see and write, or — under a restricting claim — do not see (hide)
// or only read (read-only) while the claimer writes; a former claimer who
// is not otherwise in the ticket loses their own overwrite.
func (r *Reactor) claimPermissions(former domain.UserID) func(context.Context, ticket.Ticket, snowflake.ID) error {
	return func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
		if t.InThread() {
			return r.claimInThread(ctx, t, ch, former)
		}
		s, err := r.bot.app.Settings(ctx, t.Guild())
		if err != nil {
			return err
		}
		staff := staffOverwrite(t)
		for _, role := range s.StaffRolesFor(t.Category()) {
			u := discord.RolePermissionOverwriteUpdate{Allow: &staff.Allow, Deny: &staff.Deny}
			if err := r.rest.UpdatePermissionOverwrite(ch, snowflake.ID(role), u, rest.WithCtx(ctx)); err != nil {
				return err
			}
		}
		open := t.Status() == ticket.StatusOpen
		if c := t.Claimer(); c != 0 && t.ClaimMode().Restricts() && !t.IsParticipant(c) {
			if err := r.rest.UpdatePermissionOverwrite(ch, snowflake.ID(c), memberOverwrite(open), rest.WithCtx(ctx)); err != nil {
				return err
			}
		}
		if former != 0 && former != t.Claimer() && !t.IsParticipant(former) {
			return ignoreNotFound(r.rest.DeletePermissionOverwrite(ch, snowflake.ID(former), rest.WithCtx(ctx)))
		}
		return nil
	}
}

// staffOverwrite is what the staff roles may do in a ticket's channel,
// given its claim.
func staffOverwrite(t ticket.Ticket) discord.RolePermissionOverwrite {
	if t.Claimer() != 0 {
		switch t.ClaimMode() {
		case guild.ClaimHides:
			return discord.RolePermissionOverwrite{Deny: discord.PermissionViewChannel}
		case guild.ClaimReadOnly:
			return discord.RolePermissionOverwrite{Allow: read, Deny: discord.PermissionSendMessages}
		}
	}
	return discord.RolePermissionOverwrite{Allow: talk}
}

// overwrites: nobody sees the channel but the opener, added members, staff
// roles (as the ticket's claim lets them), its claimer and the bot.
func overwrites(s guild.Settings, t ticket.Ticket, bot snowflake.ID) []discord.PermissionOverwrite {
	open := t.Status() == ticket.StatusOpen
	member := func(u domain.UserID) discord.PermissionOverwrite {
		o := memberOverwrite(open)
		return discord.MemberPermissionOverwrite{UserID: snowflake.ID(u), Allow: *o.Allow, Deny: *o.Deny}
	}
	out := []discord.PermissionOverwrite{
		discord.RolePermissionOverwrite{RoleID: snowflake.ID(t.Guild()), Deny: discord.PermissionViewChannel}, // @everyone
		discord.MemberPermissionOverwrite{UserID: bot, Allow: talk | discord.PermissionManageChannels | discord.PermissionManageRoles},
		member(t.Opener()),
	}
	for _, u := range t.Members() {
		out = append(out, member(u))
	}
	staff := staffOverwrite(t)
	for _, role := range s.StaffRolesFor(t.Category()) {
		out = append(out, discord.RolePermissionOverwrite{RoleID: snowflake.ID(role), Allow: staff.Allow, Deny: staff.Deny})
	}
	if c := t.Claimer(); c != 0 && t.ClaimMode().Restricts() && !t.IsParticipant(c) {
		out = append(out, member(c))
	}
	return out
}

// nonce makes a message create idempotent: Discord drops a second message
// with the same nonce (at most 25 characters) in the same channel.
func nonce(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "tk" + strconv.FormatUint(h.Sum64(), 36)
}

func (r *Reactor) greet(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
	h, err := r.bot.store.Load(ctx, ticket.Stream(t.ID()))
	if err != nil {
		return err
	}
	var opened ticket.Opened
	for _, e := range h.Events {
		if o, ok := e.(ticket.Opened); ok {
			opened = o
		}
	}
	s, err := r.bot.app.Settings(ctx, t.Guild())
	if err != nil {
		return err
	}
	// The welcome is for everyone in the channel: the server's channel
	// language, whoever opened it. The server's own welcome, the topic and
	// the form's questions and answers are people's words, as written.
	l := r.bot.channelLocale(ctx, s)
	words := s.MessagesFor(t.Category())
	description := l.T("bot.welcome.thanks", "User", t.Opener())
	if words.Welcome != "" {
		description = guild.Fill(words.Welcome, placeholders(s, t))
	}
	content, pinged := fmt.Sprintf("<@%s>", t.Opener()), make([]snowflake.ID, 0, len(words.Ping))
	for _, role := range words.Ping {
		content += fmt.Sprintf(" <@&%s>", role)
		pinged = append(pinged, snowflake.ID(role))
	}
	embed := discord.Embed{Title: l.T("bot.welcome.title", "Number", t.Number()), Color: 0x5865F2, Description: description}
	if opened.Personal.Topic != "" {
		embed.Fields = append(embed.Fields, discord.EmbedField{Name: l.T("bot.welcome.topic"), Value: opened.Personal.Topic})
	}
	for _, a := range opened.Personal.Answers {
		embed.Fields = append(embed.Fields, discord.EmbedField{Name: a.Question, Value: a.Answer})
	}
	_, err = r.rest.CreateMessage(ch, discord.MessageCreate{
		Content: content, Embeds: []discord.Embed{embed},
		Components: []discord.LayoutComponent{discord.NewActionRow(
			discord.NewSuccessButton(l.T("bot.welcome.claim"), idClaim+string(t.ID())),
			discord.NewDangerButton(l.T("bot.welcome.close"), idClose+string(t.ID())))},
		Nonce: nonce("welcome", string(t.ID()), ch.String()), EnforceNonce: true,
		AllowedMentions: &discord.AllowedMentions{Users: []snowflake.ID{snowflake.ID(t.Opener())}, Roles: pinged},
	}, rest.WithCtx(ctx))
	return err
}

// placeholders are a ticket's values for the server's messages
// (guild.Placeholders); {staff} mentions the staff roles, which the
// messages' allowed mentions never ping.
func placeholders(s guild.Settings, t ticket.Ticket) map[string]string {
	category := t.Category()
	if c, ok := s.Category(category); ok {
		category = c.Name
	} else if category == ticket.DefaultCategory.Key {
		category = ticket.DefaultCategory.Name
	}
	var staff []string
	for _, role := range s.StaffRolesFor(t.Category()) {
		staff = append(staff, fmt.Sprintf("<@&%s>", role))
	}
	return map[string]string{"{user}": fmt.Sprintf("<@%s>", t.Opener()), "{number}": strconv.FormatInt(t.Number(), 10),
		"{category}": category, "{staff}": orDash(strings.Join(staff, " "))}
}

// closed locks the channel, says so with a Reopen button, posts the summary
// to the log channel and schedules the channel's deletion.
func (r *Reactor) closed(ctx context.Context, ev ticket.Closed, because string, version int64) error {
	t, err := r.bot.app.Ticket(ctx, ev.Ticket)
	if err != nil {
		return err
	}
	s, err := r.bot.app.Settings(ctx, t.Guild())
	if err != nil {
		return err
	}
	// What a close does on Discord is done for the close that stands: one
	// the reactor reaches after the ticket was reopened (or closed again)
	// says nothing there, now or when delivered again.
	current := t.ClosedBy(version)
	ch := snowflake.ID(t.Channel())
	if ch != 0 && !t.ChannelLost() && current && t.InThread() {
		// Locked first, as a channel is made read-only first: the bot, who
		// manages threads, still posts the close and the rating question,
		// and the thread stays active so that its buttons still work.
		if err := r.threadMembers(ctx, t, ch); err != nil {
			return err
		}
		if err := r.setLocked(ctx, ch, true); err != nil {
			return err
		}
	}
	if ch != 0 && !t.ChannelLost() && current {
		if after := r.bot.cfg.DeleteClosedAfter; after > 0 {
			if err := r.scheduleAt(ctx, scheduled{ID: "delete/" + ch.String(), Kind: "delete", Ticket: string(t.ID()), Channel: ch.String(), Due: r.now().Add(after)}); err != nil {
				return err
			}
		}
		for _, u := range append([]domain.UserID{t.Opener()}, t.Members()...) {
			if t.InThread() {
				break // the thread is locked
			}
			if err := r.rest.UpdatePermissionOverwrite(ch, snowflake.ID(u), memberOverwrite(false), rest.WithCtx(ctx)); err != nil {
				return err
			}
		}
		l := r.bot.channelLocale(ctx, s)
		if _, err := r.rest.CreateMessage(ch, discord.MessageCreate{
			Content:    closedLine(l, ev, automaticReason(l, s, t, ev, because)),
			Components: []discord.LayoutComponent{discord.NewActionRow(discord.NewSecondaryButton(l.T("bot.channel.reopen"), idReopen+string(t.ID())))},
			Nonce:      nonce("closed", string(t.ID()), strconv.FormatInt(version, 10)), EnforceNonce: true,
			AllowedMentions: &discord.AllowedMentions{},
		}, rest.WithCtx(ctx)); err != nil {
			return err
		}
		if words := s.MessagesFor(t.Category()); words.Close != "" { // a message of its own: within Discord's 2,000
			if _, err := r.rest.CreateMessage(ch, discord.MessageCreate{
				Content: guild.Fill(words.Close, placeholders(s, t)),
				Nonce:   nonce("close-message", string(t.ID()), strconv.FormatInt(version, 10)), EnforceNonce: true,
				AllowedMentions: &discord.AllowedMentions{},
			}, rest.WithCtx(ctx)); err != nil {
				return err
			}
		}
	}
	// The opener's direct messages too: outside an interaction, their own
	// language is not known.
	l := r.bot.channelLocale(ctx, s)
	if f := s.Feedback(); f.Enabled && current && ev.Cause != ticket.CauseOpenerLeft { // one who left cannot answer
		if err := r.askRating(ctx, l, t, f, version); err != nil {
			return err
		}
	}
	if s.TranscriptDM() && current {
		if err := r.sendTranscriptDM(ctx, l, t, version); err != nil {
			return err
		}
	}
	return r.logClose(ctx, s, t, ev, because, version)
}

// sendTranscriptDM sends the opener their ticket's transcript (an HTML
// file) by direct message, unless they refused it through /privacy. A DM
// Discord refuses (the opener closed their DMs or left every server with
// the bot) is recorded on the ticket once and not tried again; the nonce
// keeps a redelivered close from sending it twice.
func (r *Reactor) sendTranscriptDM(ctx context.Context, l i18n.Locale, t ticket.Ticket, version int64) error {
	p, err := r.bot.app.Profile(ctx, t.Opener())
	if err != nil {
		return err
	}
	if p.RefusesTranscriptDMs() || t.TranscriptExpired() {
		return nil
	}
	file, err := r.bot.transcriptFile(ctx, t, true)
	if err != nil {
		return err
	}
	err = r.dmOpener(ctx, l, t, func(where string) discord.MessageCreate {
		return discord.MessageCreate{
			Content: l.T("bot.dm.transcript", "Number", t.Number(), "Server", where),
			Files:   []*discord.File{file},
			Nonce:   nonce("transcript-dm", string(t.ID()), strconv.FormatInt(version, 10)), EnforceNonce: true,
			AllowedMentions: &discord.AllowedMentions{},
		}
	})
	if err == nil || !permanent(err) {
		return err
	}
	return r.bot.app.RecordActionFailed(ctx, t.ID(), "send the transcript by direct message", describe(err))
}

// logClose posts a closed ticket's summary and transcript to the server's
// log channel, if it has one.
func (r *Reactor) logClose(ctx context.Context, s guild.Settings, t ticket.Ticket, ev ticket.Closed, because string, version int64) error {
	if log := snowflake.ID(s.LogChannel()); log != 0 {
		file, err := r.bot.transcriptFile(ctx, t, false)
		if err != nil {
			return err
		}
		l := r.bot.channelLocale(ctx, s)
		embed := discord.Embed{Title: l.T("bot.log.title", "Number", t.Number()), Color: 0xED4245, Fields: []discord.EmbedField{
			{Name: l.T("bot.log.opened_by"), Value: fmt.Sprintf("<@%s>", t.Opener())}, {Name: l.T("bot.log.closed_by"), Value: closer(l, ev)},
			{Name: l.T("bot.log.reason"), Value: orDash(closeReason(l, s, t, ev, because))},
			{Name: l.T("bot.log.opened"), Value: fmt.Sprintf("<t:%d:f>", t.OpenedAt().Unix())}, {Name: l.T("bot.log.closed"), Value: fmt.Sprintf("<t:%d:f>", ev.At.Unix())}}}
		_, err = r.rest.CreateMessage(log, discord.MessageCreate{Embeds: []discord.Embed{embed},
			Files: []*discord.File{file},
			Nonce: nonce("log", string(t.ID()), strconv.FormatInt(version, 10)), EnforceNonce: true, AllowedMentions: &discord.AllowedMentions{}},
			rest.WithCtx(ctx))
		if err != nil {
			return err
		}
	}
	return nil
}

// closedLine is what the channel is told when the ticket closes. An
// automatic close's reason (because) is the automation's, as recorded:
// stored, so not translated.
func closedLine(l i18n.Locale, ev ticket.Closed, why string) string {
	switch {
	case ev.By.IsZero() && strings.TrimSpace(why) == "":
		return l.T("bot.channel.closed_automatically")
	case ev.By.IsZero():
		return l.T("bot.channel.closed_automatically_reason", "Reason", why)
	case strings.TrimSpace(ev.Personal.Reason) == "":
		return l.T("bot.channel.closed", "User", ev.By)
	}
	return l.T("bot.channel.closed_reason", "User", ev.By, "Reason", ev.Personal.Reason)
}

// automaticReason is why the automation closed a ticket, in the reader's
// language: said from the close's cause and the server's rule, not from
// the reason recorded with it (stored, in English, for the audit
// timeline), which is what a cause it does not know falls back to.
func automaticReason(l i18n.Locale, s guild.Settings, t ticket.Ticket, ev ticket.Closed, because string) string {
	switch ev.Cause {
	case ticket.CauseInactivity:
		rule := s.AutomationFor(t.Category()).AutoClose
		if rule.OnlyWaiting {
			return l.T("bot.channel.reason_inactive_waiting", "Period", said.Period(l, rule.After()))
		}
		return l.T("bot.channel.reason_inactive", "Period", said.Period(l, rule.After()))
	case ticket.CauseOpenerLeft:
		return l.T("bot.channel.reason_opener_left")
	case ticket.CauseCloseRequestExpired:
		return l.T("bot.channel.reason_close_request_expired")
	}
	return because
}

// closer names who closed a ticket, for the log channel.
func closer(l i18n.Locale, ev ticket.Closed) string {
	if ev.By.IsZero() {
		return l.T("bot.log.automatic")
	}
	return fmt.Sprintf("<@%s>", ev.By)
}

// closeReason is the reason given, or for an automatic close, why.
func closeReason(l i18n.Locale, s guild.Settings, t ticket.Ticket, ev ticket.Closed, because string) string {
	if ev.By.IsZero() {
		return automaticReason(l, s, t, ev, because)
	}
	return ev.Personal.Reason
}

// askRating asks the opener to rate the ticket they opened: five star
// buttons, usable for ticket.FeedbackWindow, by direct message when the
// guild chose so, else (or when the DM cannot be sent) under the close in
// the ticket's channel. A refused DM is recorded on the ticket once: the
// nonce keeps a redelivered close from asking twice, and the refusal is
// not retried.
func (r *Reactor) askRating(ctx context.Context, l i18n.Locale, t ticket.Ticket, f guild.Feedback, version int64) error {
	if f.ByDM {
		err := r.askRatingByDM(ctx, l, t, version)
		if err == nil || !permanent(err) {
			return err
		}
		if err := r.bot.app.RecordActionFailed(ctx, t.ID(), "ask for a rating by direct message", describe(err)); err != nil {
			return err
		}
	}
	ch := snowflake.ID(t.Channel())
	if ch == 0 || t.ChannelLost() || t.Status() != ticket.StatusClosed {
		return nil
	}
	_, err := r.rest.CreateMessage(ch, discord.MessageCreate{
		Content:    l.N("bot.channel.rating", int(ticket.FeedbackWindow.Hours()), "Opener", t.Opener()),
		Components: []discord.LayoutComponent{ratingButtons(t.ID())},
		Nonce:      nonce("rate", string(t.ID()), strconv.FormatInt(version, 10)), EnforceNonce: true,
		AllowedMentions: &discord.AllowedMentions{Users: []snowflake.ID{snowflake.ID(t.Opener())}},
	}, rest.WithCtx(ctx))
	return err
}

// askRatingByDM sends the rating question to the opener's direct messages,
// naming the server and the ticket (nothing else of it: a DM outlives the
// ticket's channel).
func (r *Reactor) askRatingByDM(ctx context.Context, l i18n.Locale, t ticket.Ticket, version int64) error {
	return r.dmOpener(ctx, l, t, func(where string) discord.MessageCreate {
		return discord.MessageCreate{
			Content:    l.N("bot.dm.rating", int(ticket.FeedbackWindow.Hours()), "Number", t.Number(), "Server", where),
			Components: []discord.LayoutComponent{ratingButtons(t.ID())},
			Nonce:      nonce("rate-dm", string(t.ID()), strconv.FormatInt(version, 10)), EnforceNonce: true,
			AllowedMentions: &discord.AllowedMentions{},
		}
	})
}

// dmOpener sends a ticket's opener a direct message, made for the name of
// the ticket's server ("a server" when the bot does not know it).
func (r *Reactor) dmOpener(ctx context.Context, l i18n.Locale, t ticket.Ticket, message func(where string) discord.MessageCreate) error {
	dm, err := r.rest.CreateDMChannel(snowflake.ID(t.Opener()), rest.WithCtx(ctx))
	if err != nil {
		return err
	}
	where := l.T("bot.dm.a_server")
	if name := r.bot.guildName(t.Guild()); name != "" {
		where = name
	}
	_, err = r.rest.CreateMessage(dm.ID(), message(where), rest.WithCtx(ctx))
	return err
}

// ratingButtons are the five stars of a rating question.
func ratingButtons(id domain.TicketID) discord.ActionRowComponent {
	var buttons []discord.InteractiveComponent
	for n := 1; n <= 5; n++ {
		buttons = append(buttons, discord.NewSecondaryButton(strings.Repeat("★", n), idRate+string(id)+"/"+strconv.Itoa(n)))
	}
	return discord.NewActionRow(buttons...)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// reopened unlocks the channel, or creates a new one if it is gone.
func (r *Reactor) reopened(ctx context.Context, id domain.TicketID) error {
	t, err := r.bot.app.Ticket(ctx, id)
	if err != nil || t.Status() != ticket.StatusOpen {
		return err
	}
	ch := snowflake.ID(t.Channel())
	if ch == 0 || t.ChannelLost() {
		return r.ensureChannel(ctx, id)
	}
	if err := r.unschedule(ctx, "delete/"+ch.String()); err != nil {
		return err
	}
	if t.InThread() {
		if err := r.setLocked(ctx, ch, false); err != nil { // unarchived too
			return err
		}
		return r.threadMembers(ctx, t, ch)
	}
	for _, u := range append([]domain.UserID{t.Opener()}, t.Members()...) {
		if err := r.rest.UpdatePermissionOverwrite(ch, snowflake.ID(u), memberOverwrite(true), rest.WithCtx(ctx)); err != nil {
			return err
		}
	}
	return nil
}

// rename applies the ticket's current name, or schedules it when Discord's
// limit of 2 renames per channel per 10 minutes is used up.
func (r *Reactor) rename(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	log, err := mongodb.FindByID[scheduled](ctx, r.schedule, "renames/"+ch.String())
	if err != nil {
		return err
	}
	if log != nil && log.Last == t.Name() {
		return nil // already the channel's name
	}
	now := r.now()
	var recent []time.Time
	if log != nil {
		for _, at := range log.Renames {
			if now.Sub(at) < RenameWindow {
				recent = append(recent, at)
			}
		}
	}
	if len(recent) >= RenameLimit {
		return r.scheduleAt(ctx, scheduled{ID: "rename/" + ch.String(), Kind: "rename", Ticket: string(t.ID()), Channel: ch.String(),
			Name: t.Name(), Due: recent[0].Add(RenameWindow)})
	}
	name := t.Name()
	var upd discord.ChannelUpdate = discord.GuildTextChannelUpdate{Name: &name}
	if t.InThread() {
		upd = discord.GuildThreadUpdate{Name: &name}
	}
	if _, err := r.rest.UpdateChannel(ch, upd, rest.WithCtx(ctx)); err != nil {
		return err
	}
	return r.scheduleAt(ctx, scheduled{ID: "renames/" + ch.String(), Kind: "renames", Channel: ch.String(), Renames: append(recent, now), Last: name})
}

// Discord's limit on renaming one channel.
const (
	RenameLimit  = 2
	RenameWindow = 10 * time.Minute
)

func (r *Reactor) scheduleAt(ctx context.Context, s scheduled) error {
	_, err := r.schedule.ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.ID}}, s, options.Replace().SetUpsert(true))
	return mongodb.Classify(err)
}

func (r *Reactor) unschedule(ctx context.Context, id string) error {
	_, err := r.schedule.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mongodb.Classify(err)
}

// RunSchedule performs due delayed actions (channel deletions after close,
// deferred renames) every interval until ctx ends. Due times survive
// restarts; a missed one runs at the next tick.
func (r *Reactor) RunSchedule(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := panics.Call(func() error { return r.RunDue(ctx) }); err != nil && ctx.Err() == nil {
			r.bot.logger.Error("discord schedule", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Overdue counts the delayed actions (deletions, deferred renames) that were
// due before the given time and are still pending, for monitoring.
func (r *Reactor) Overdue(ctx context.Context, before time.Time) (int, error) {
	n, err := r.schedule.CountDocuments(ctx, bson.D{
		{Key: "kind", Value: bson.D{{Key: "$in", Value: bson.A{"delete", "rename"}}}},
		{Key: "due", Value: bson.D{{Key: "$lt", Value: before}}},
	})
	return int(n), mongodb.Classify(err)
}

// RunDue performs the actions due now.
func (r *Reactor) RunDue(ctx context.Context) error {
	// The collection holds only pending actions, so this scan stays small.
	cur, err := r.schedule.Find(ctx, bson.D{{Key: "kind", Value: bson.D{{Key: "$in", Value: bson.A{"delete", "rename"}}}}})
	if err != nil {
		return mongodb.Classify(err)
	}
	var due []scheduled
	if err := cur.All(ctx, &due); err != nil {
		return mongodb.Classify(err)
	}
	for _, s := range due {
		if r.now().Before(s.Due) {
			continue
		}
		id := domain.TicketID(s.Ticket)
		ch, _ := snowflake.Parse(s.Channel)
		var err error
		switch s.Kind {
		case "delete":
			err = r.do(ctx, id, "delete closed channel", func(ctx context.Context) error {
				t, err := r.bot.app.Ticket(ctx, id)
				if err != nil || t.Status() != ticket.StatusClosed || t.Channel() != domain.ChannelID(ch) {
					return err // reopened, or the channel changed: nothing to delete
				}
				if err := r.bot.app.RemoveChannel(ctx, id, domain.ChannelID(ch), fmt.Sprintf("closed more than %s ago", r.bot.cfg.DeleteClosedAfter)); err != nil {
					return err
				}
				return ignoreNotFound(r.rest.DeleteChannel(ch, rest.WithCtx(ctx)))
			})
		case "rename":
			if err = r.unschedule(ctx, s.ID); err == nil {
				err = r.onChannel(ctx, id, "rename", func(ctx context.Context, t ticket.Ticket, ch snowflake.ID) error { return r.rename(ctx, t, ch) })
			}
		}
		if err != nil {
			return err
		}
		if s.Kind == "delete" {
			if err := r.unschedule(ctx, s.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
