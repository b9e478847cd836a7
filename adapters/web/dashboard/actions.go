package dashboard

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/oklog/ulid"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
)

// meta is a dashboard command's metadata: the acting user, source
// "dashboard", and a fresh command id (a retried form post is a new command;
// the domain refuses what would repeat, like closing a closed ticket).
func meta(s *staffCtx) app.Meta {
	return app.Meta{CommandID: "dashboard/" + randomString()[:22], Actor: domain.Actor{User: s.by.User, Source: domain.SourceDashboard}}
}

// input is a form or a JSON body, read the same way.
type input func(key string) string

func inputOf(c *fiber.Ctx) (input, error) {
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		var body map[string]any
		if err := c.BodyParser(&body); err != nil {
			return nil, domain.Refuse(domain.ErrInvalid, "web.refusals.not_json")
		}
		return func(k string) string {
			switch v := body[k].(type) {
			case string:
				return v
			case float64:
				return fmt.Sprint(int64(v))
			case bool:
				return fmt.Sprint(v)
			case []any:
				parts := make([]string, 0, len(v))
				for _, x := range v {
					parts = append(parts, fmt.Sprint(x))
				}
				return strings.Join(parts, ",")
			}
			return ""
		}, nil
	}
	return func(k string) string {
		if k == "roles" || k == "ping" || k == "overflow" { // checkboxes and multiple selects: several values
			var out []string
			for _, v := range c.Context().PostArgs().PeekMulti(k) {
				out = append(out, string(v))
			}
			return strings.Join(out, ",")
		}
		return c.FormValue(k)
	}, nil
}

// ticketAction runs claim, unclaim, close, reopen or priority on a ticket of
// the guild, through the same use cases as Discord.
func (d *Dashboard) ticketAction(ctx context.Context, s *staffCtx, id domain.TicketID, action string, in input) (notice, error) {
	m := meta(s)
	switch action {
	case "claim":
		return noticeClaimed, d.app.Claim(ctx, id, s.by, m)
	case "unclaim":
		return noticeUnclaimed, d.app.Unclaim(ctx, id, s.by, m)
	case "close":
		return noticeClosed, d.app.Close(ctx, id, s.by, strings.TrimSpace(in("reason")), m)
	case "reopen":
		return noticeReopened, d.app.Reopen(ctx, id, s.by, m)
	case "note":
		return noticeNoteAdded, d.app.AddNote(ctx, id, s.by, in("text"), m)
	case "reply":
		reply := strings.TrimSpace(in("reply"))
		if reply == "" { // the API may leave it out: then a retry is not recognised
			reply = newReplyID()
		}
		if !replyIDs.MatchString(reply) {
			return "", domain.Refuse(domain.ErrInvalid, "web.refusals.reply_id")
		}
		m.CommandID = "dashboard/reply/" + reply
		name := s.sess.GlobalName
		if name == "" {
			name = s.sess.Username
		}
		return noticeReplied, d.app.ReplyFromDashboard(ctx, id, s.by, reply, in("text"), name, m)
	case "topic":
		return noticeTopic, d.app.CorrectTopic(ctx, id, s.by, in("topic"), m)
	case "category":
		return noticeCategory, d.app.ChangeCategory(ctx, id, s.by, strings.TrimSpace(in("category")), m)
	case "priority":
		p, err := ticket.ParsePriority(in("priority"))
		if err != nil {
			return "", domain.Refuse(domain.ErrInvalid, "web.refusals.priority")
		}
		return noticePriority(p.String()), d.app.SetPriority(ctx, id, s.by, p, m)
	}
	return "", errUnknownAction
}

var errUnknownAction = errors.New("unknown action")

// categoriesHere checks Discord category ids from a form against the
// server's channel categories as the bot sees them.
func (d *Dashboard) categoriesHere(ctx context.Context, g domain.GuildID, ids []domain.ChannelID) error {
	if d.dir == nil || len(ids) == 0 {
		return nil
	}
	known, err := d.dir.GuildCategories(ctx, g)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(known, func(n Named) bool { return n.ID == id.String() }) {
			return domain.Refuse(domain.ErrNotFound, "web.refusals.not_a_category", "ID", id.String())
		}
	}
	return nil
}

// textChannelHere checks a channel id from a form against the server's text
// channels as the bot sees them (without the bot, the id is taken as given).
func (d *Dashboard) textChannelHere(ctx context.Context, g domain.GuildID, id domain.ChannelID) error {
	if d.dir == nil {
		return nil
	}
	known, err := d.dir.GuildTextChannels(ctx, g)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(known, func(n Named) bool { return n.ID == id.String() }) {
		return domain.Refuse(domain.ErrNotFound, "web.refusals.not_a_text_channel", "ID", id.String())
	}
	return nil
}

// rolesOf reads role ids from a form and checks them against the server's
// roles as the bot sees them (an id from outside is checked against the
// guild it came from); without the bot the ids are taken as given.
func (d *Dashboard) rolesOf(ctx context.Context, g domain.GuildID, list string) ([]domain.RoleID, error) {
	var roles []domain.RoleID
	for _, r := range splitList(list) {
		id, err := domain.ParseRoleID(r)
		if err != nil {
			return nil, domain.Refuse(domain.ErrInvalid, "web.refusals.not_a_role_id", "Value", r)
		}
		roles = append(roles, id)
	}
	if d.dir == nil || len(roles) == 0 {
		return roles, nil
	}
	known, err := d.dir.GuildRoles(ctx, g)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if !slices.ContainsFunc(known, func(n Named) bool { return n.ID == r.String() }) {
			return nil, domain.Refuse(domain.ErrNotFound, "web.refusals.not_a_role", "ID", r.String())
		}
	}
	return roles, nil
}

// replyIDs are the ids of dashboard replies: ULIDs.
var replyIDs = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

func newReplyID() string { return ulid.MustNew(ulid.Now(), rand.Reader).String() }

func (d *Dashboard) ticketActionForm(c *fiber.Ctx, s *staffCtx) error {
	v, err := d.ticketIn(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	in, _ := inputOf(c)
	done, err := d.ticketAction(c.UserContext(), s, domain.TicketID(v.ID), c.Params("action"), in)
	if errors.Is(err, errUnknownAction) {
		return d.fail(c, fiber.StatusNotFound, "web.errors.unknown_action")
	}
	if msg, ok := refusal(localeOf(c), err); ok { // shown on this answer, never carried in a URL
		c.Status(statusOf(err))
		return d.showTicket(c, s, v, "", msg)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	if err := d.waitViews(c.UserContext()); err != nil {
		d.logger.Warn("views did not catch up after a dashboard action", "err", err)
	}
	return back(c, "/guilds/"+s.guild.String()+"/tickets/"+v.ID, done)
}

// refusal turns a broken rule into its sentence in l.
func refusal(l i18n.Locale, err error) (string, bool) {
	var re *domain.RuleError
	if errors.As(err, &re) {
		return said.Refusal(l, re), true
	}
	if errors.Is(err, domain.ErrInvalidID) {
		return l.T("web.refusals.invalid_id"), true
	}
	return "", false
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, domain.ErrForbidden):
		return fiber.StatusForbidden
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrUnchanged):
		return fiber.StatusConflict
	case errors.Is(err, domain.ErrNotFound):
		return fiber.StatusNotFound
	}
	return fiber.StatusUnprocessableEntity
}

// settingsChange runs one settings change: the same use cases as /setup and
// /blacklist, so both doors apply the same rules.
func (d *Dashboard) settingsChange(ctx context.Context, s *staffCtx, what string, in input) (notice, error) {
	g, by, m := s.guild, s.member, meta(s)
	switch what {
	case "staff-roles":
		roles, err := d.rolesOf(ctx, g, in("roles"))
		if err != nil {
			return "", err
		}
		return noticeStaffRoles, d.app.SetStaffRoles(ctx, g, by, roles, m)
	case "limit":
		return noticeLimit, d.app.SetTicketLimit(ctx, g, by, atoi(in("limit")), m)
	case "retention":
		return noticeRetention, d.app.SetRetention(ctx, g, by, atoi(in("days")), m)
	case "log-channel":
		ch, err := domain.ParseChannelID(in("channel"))
		if err != nil {
			return "", domain.Refuse(domain.ErrInvalid, "web.refusals.choose_text_channel")
		}
		if err := d.textChannelHere(ctx, g, ch); err != nil {
			return "", err
		}
		return noticeLogChannel, d.app.SetLogChannel(ctx, g, by, ch, m)
	case "thread-mode":
		var ch domain.ChannelID // none chosen: channels of their own
		if v := strings.TrimSpace(in("channel")); v != "" {
			id, err := domain.ParseChannelID(v)
			if err != nil {
				return "", domain.Refuse(domain.ErrInvalid, "web.refusals.choose_thread_channel")
			}
			if err := d.textChannelHere(ctx, g, id); err != nil {
				return "", err
			}
			if _, _, err := d.read.Tickets.TicketByChannel(ctx, id.String()); err == nil {
				return "", domain.Refuse(domain.ErrInvalid, "web.refusals.ticket_channel")
			}
			ch = id
		}
		return noticeThreadMode, d.app.SetThreadMode(ctx, g, by, strings.TrimSpace(in("category")), ch, m)
	case "auto-close":
		category := strings.TrimSpace(in("category"))
		if checked(in("inherit")) {
			return noticeAutoClose, d.app.InheritAutoClose(ctx, g, by, category, m)
		}
		hours := atoi(in("hours"))
		if hours < 0 {
			return "", domain.Refuse(domain.ErrInvalid, "web.refusals.auto_close_hours")
		}
		rule := guild.AutoClose{AfterMinutes: hours * 60, OnlyWaiting: checked(in("only_waiting"))}
		if w := strings.TrimSpace(in("warn_hours")); w != "" {
			if rule.WarnBeforeMinutes = atoi(w) * 60; rule.WarnBeforeMinutes <= 0 {
				return "", domain.Refuse(domain.ErrInvalid, "web.refusals.warn_hours")
			}
		}
		return noticeAutoClose, d.app.SetAutoClose(ctx, g, by, category, rule, m)
	case "language":
		return noticeLanguage, d.app.SetLanguage(ctx, g, by, strings.TrimSpace(in("language")), m)
	case "transcript-dm":
		return noticeTranscriptDM, d.app.SetTranscriptDM(ctx, g, by, checked(in("enabled")), m)
	case "close-on-leave":
		return noticeCloseOnLeave, d.app.SetCloseOnLeave(ctx, g, by, checked(in("enabled")), m)
	case "support-hours":
		h, err := guild.ParseSupportHours(in("zone"), in("days"), in("from"), in("to"), in("holidays"), in("outside") == "refuse")
		if err != nil {
			return "", err
		}
		return noticeSupportHours, d.app.SetSupportHours(ctx, g, by, h, m)
	case "messages":
		category := strings.TrimSpace(in("category"))
		msgs := guild.Messages{Welcome: in("welcome"), Close: in("close"), Naming: in("naming")}
		ping, err := d.rolesOf(ctx, g, in("ping"))
		if err != nil {
			return "", err
		}
		msgs.Ping = ping
		return noticeMessages, d.app.SetMessages(ctx, g, by, category, msgs, m)
	case "claim-mode":
		mode, err := guild.ParseClaimMode(in("mode"))
		if err != nil {
			return "", err
		}
		return noticeClaimMode, d.app.SetClaimMode(ctx, g, by, strings.TrimSpace(in("category")), mode, m)
	case "cooldown":
		n := atoi(in("minutes"))
		if n < 0 {
			return "", domain.Refuse(domain.ErrInvalid, "web.refusals.cooldown_minutes")
		}
		return noticeCooldown, d.app.SetOpenCooldown(ctx, g, by, n, m)
	case "category-team":
		roles, err := d.rolesOf(ctx, g, in("roles"))
		if err != nil {
			return "", err
		}
		return noticeCategoryTeam, d.app.SetCategoryTeam(ctx, g, by, strings.TrimSpace(in("key")), roles, checked(in("only")), m)
	case "category-overflow":
		var overflow []domain.ChannelID
		for _, c := range splitList(in("overflow")) {
			id, err := domain.ParseChannelID(c)
			if err != nil {
				return "", domain.Refuse(domain.ErrInvalid, "web.refusals.not_a_channel_id", "Value", c)
			}
			overflow = append(overflow, id)
		}
		if err := d.categoriesHere(ctx, g, overflow); err != nil {
			return "", err
		}
		return noticeCategoryOverflow, d.app.SetCategoryOverflow(ctx, g, by, strings.TrimSpace(in("key")), overflow, m)
	case "category-limit":
		return noticeCategoryLimit, d.app.SetCategoryLimit(ctx, g, by, strings.TrimSpace(in("key")), atoi(in("limit")), m)
	case "reminder":
		n := atoi(in("minutes"))
		if n < 0 {
			return "", domain.Refuse(domain.ErrInvalid, "web.refusals.reminder_minutes")
		}
		return noticeReminder, d.app.SetReminder(ctx, g, by, n, m)
	case "feedback":
		return noticeFeedback, d.app.SetFeedback(ctx, g, by, guild.Feedback{Enabled: checked(in("enabled")), ByDM: in("where") == "dm"}, m)
	case "category-add":
		c := guild.Category{Key: strings.TrimSpace(in("key")), Name: strings.TrimSpace(in("name"))}
		if dc := strings.TrimSpace(in("discord_category")); dc != "" {
			id, err := domain.ParseChannelID(dc)
			if err != nil {
				return "", domain.Refuse(domain.ErrInvalid, "web.refusals.discord_category_id")
			}
			c.DiscordCategory = id
		}
		return noticeCategoryAdded, d.app.AddCategory(ctx, g, by, c, m)
	case "category-question":
		q := guild.Question{Label: strings.TrimSpace(in("label")), Required: checked(in("required")), Long: checked(in("long"))}
		_, err := d.app.AddQuestion(ctx, g, by, strings.TrimSpace(in("key")), q, m)
		return noticeQuestionAdded, err
	case "category-remove":
		return noticeCategoryRemoved, d.app.RemoveCategory(ctx, g, by, strings.TrimSpace(in("key")), m)
	case "blacklist-add", "blacklist-remove":
		var who app.BlacklistTarget
		if u := strings.TrimSpace(in("user")); u != "" {
			id, err := domain.ParseUserID(u)
			if err != nil {
				return "", domain.Refuse(domain.ErrInvalid, "web.refusals.user_id")
			}
			who.User = id
		} else {
			id, err := domain.ParseRoleID(strings.TrimSpace(in("role")))
			if err != nil {
				return "", domain.Refuse(domain.ErrInvalid, "web.refusals.user_or_role")
			}
			who.Role = id
		}
		if what == "blacklist-add" {
			done := noticeRoleBlacklisted
			if !who.User.IsZero() {
				done = noticeUserBlacklisted
			}
			return done, d.app.Blacklist(ctx, g, by, who, m)
		}
		done := noticeRoleAllowed
		if !who.User.IsZero() {
			done = noticeUserAllowed
		}
		return done, d.app.Unblacklist(ctx, g, by, who, m)
	}
	return "", errUnknownAction
}

// checked reads a checkbox (a form's "on", or JSON's true).
func checked(v string) bool { return v == "on" || v == "true" || v == "1" }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (d *Dashboard) settingsForm(c *fiber.Ctx, s *staffCtx) error {
	in, _ := inputOf(c)
	done, err := d.settingsChange(c.UserContext(), s, c.Params("what"), in)
	if errors.Is(err, errUnknownAction) {
		return d.fail(c, fiber.StatusNotFound, "web.errors.unknown_setting")
	}
	if msg, ok := refusal(localeOf(c), err); ok { // shown on this answer, never carried in a URL
		c.Status(statusOf(err))
		return d.showSettings(c, s, "", msg)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	return back(c, "/guilds/"+s.guild.String()+"/settings", done)
}

// settingsView is a guild's settings as shown and as JSON.
type settingsView struct {
	StaffRoles       []string   `json:"staff_roles"`
	Categories       []category `json:"categories"`
	TicketLimit      int        `json:"ticket_limit"`
	RetentionDays    int        `json:"retention_days"`
	LogChannel       string     `json:"log_channel,omitempty"`
	AutoClose        autoClose  `json:"auto_close"`
	CloseOnLeave     bool       `json:"close_on_leave"`
	TranscriptDM     bool       `json:"transcript_dm"`
	Feedback         bool       `json:"feedback"`
	FeedbackByDM     bool       `json:"feedback_by_dm"`
	ReminderMinutes  int        `json:"reminder_minutes"`
	CooldownMinutes  int        `json:"cooldown_minutes"`
	ClaimMode        string     `json:"claim_mode"`           // the server's: label, hide or read-only
	ThreadsIn        string     `json:"threads_in,omitempty"` // the server's tickets are private threads under this channel
	Welcome          string     `json:"welcome,omitempty"`    // the server's messages
	CloseMessage     string     `json:"close_message,omitempty"`
	Naming           string     `json:"naming,omitempty"`
	PingRoles        []string   `json:"ping_roles,omitempty"`
	SupportHours     string     `json:"support_hours"` // in words
	BlacklistedUsers []string   `json:"blacklisted_users"`
	BlacklistedRoles []string   `json:"blacklisted_roles"`
}

type category struct {
	Key             string     `json:"key"`
	Name            string     `json:"name"`
	DiscordCategory string     `json:"discord_category,omitempty"`
	Questions       []string   `json:"questions"`
	AutoClose       *autoClose `json:"auto_close,omitempty"` // its own rule, if any
	Limit           int        `json:"limit,omitempty"`      // open tickets of it per member (0: the server's limit)
	TeamRoles       []string   `json:"team_roles,omitempty"` // its own staff team
	TeamOnly        bool       `json:"team_only,omitempty"`  // the team replaces the server's staff
	Overflow        []string   `json:"overflow,omitempty"`   // Discord categories taking its channels when its own is full
	ThreadsIn       string     `json:"threads_in,omitempty"` // its tickets are private threads under this channel
}

// autoClose is an auto-close rule as the form edits it.
type autoClose struct {
	Hours       int    `json:"hours"` // 0: off
	WarnHours   int    `json:"warn_hours"`
	OnlyWaiting bool   `json:"only_waiting"`
	Said        string `json:"said"` // the rule in words
}

func autoCloseOf(r guild.AutoClose, l i18n.Locale) autoClose {
	return autoClose{Hours: r.AfterMinutes / 60, WarnHours: int(r.WarnBefore().Hours()), OnlyWaiting: r.OnlyWaiting, Said: said.AutoClose(l, r)}
}

// settingsOf is a guild's settings for its page, its rules said in the
// reader's language.
func settingsOf(g guild.Settings, l i18n.Locale) settingsView {
	v := settingsView{TicketLimit: g.TicketLimit(), RetentionDays: g.RetentionDays(), StaffRoles: []string{},
		Categories: []category{}, BlacklistedUsers: []string{}, BlacklistedRoles: []string{}}
	for _, r := range g.StaffRoles() {
		v.StaffRoles = append(v.StaffRoles, r.String())
	}
	for _, c := range g.Categories() {
		cv := category{Key: c.Key, Name: c.Name, Questions: []string{}, Limit: c.Limit, TeamOnly: c.TeamOnly}
		for _, r := range c.StaffRoles {
			cv.TeamRoles = append(cv.TeamRoles, r.String())
		}
		for _, o := range c.Overflow {
			cv.Overflow = append(cv.Overflow, o.String())
		}
		if !c.DiscordCategory.IsZero() {
			cv.DiscordCategory = c.DiscordCategory.String()
		}
		if th := g.ThreadChannel(c.Key); !th.IsZero() {
			cv.ThreadsIn = th.String()
		}
		for _, q := range c.Questions {
			cv.Questions = append(cv.Questions, q.Label)
		}
		if own, ok := g.CategoryAutoClose(c.Key); ok {
			r := autoCloseOf(own, l)
			cv.AutoClose = &r
		}
		v.Categories = append(v.Categories, cv)
	}
	if !g.LogChannel().IsZero() {
		v.LogChannel = g.LogChannel().String()
	}
	v.AutoClose, v.CloseOnLeave, v.TranscriptDM = autoCloseOf(g.AutoClose(), l), g.CloseOnLeave(), g.TranscriptDM()
	v.Feedback, v.FeedbackByDM = g.Feedback().Enabled, g.Feedback().ByDM
	v.ReminderMinutes = int(g.Reminder() / time.Minute)
	v.CooldownMinutes = int(g.OpenCooldown() / time.Minute)
	words := g.MessagesFor("")
	v.Welcome, v.CloseMessage, v.Naming = words.Welcome, words.Close, words.Naming
	for _, r := range words.Ping {
		v.PingRoles = append(v.PingRoles, r.String())
	}
	if th := g.ThreadChannel(""); !th.IsZero() {
		v.ThreadsIn = th.String()
	}
	v.ClaimMode = string(g.ClaimMode(""))
	if v.ClaimMode == "" {
		v.ClaimMode = "label"
	}
	v.SupportHours = said.SupportHours(l, g.SupportHours())
	for _, u := range g.BlacklistedUsers() {
		v.BlacklistedUsers = append(v.BlacklistedUsers, u.String())
	}
	for _, r := range g.BlacklistedRoles() {
		v.BlacklistedRoles = append(v.BlacklistedRoles, r.String())
	}
	return v
}
