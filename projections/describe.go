package projections

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/domain/usage"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Describe says in words what an event means, mentioning people as <@id>
// (renderers resolve the names). Personal data is included only when it was
// not erased. The words are English: transcripts store them.
func Describe(e Event) string { return describe(e, true).Render(i18n.English()) }

// DescribeImpersonally says what an event means without any personal data
// (no reasons, names or topics): for records that outlive the data, like the
// audit timeline, which then needs no scrubbing on erasure or retention. The
// words are English: exports and the JSON API give them.
func DescribeImpersonally(e Event) string { return describe(e, false).Render(i18n.English()) }

// SayImpersonally is what DescribeImpersonally says, kept as a Sentence to
// be said later in a reader's language (the dashboard's timeline).
func SayImpersonally(e Event) Sentence { return describe(e, false) }

// Sentence is what an event means, kept so that it can be said in any
// language: a catalogue key (the audit catalogue, audit.*) and its
// placeholders' values as text. Numbers are written plainly, people,
// channels and roles as Discord mentions (<@id>, <#id>, <@&id>) that
// renderers resolve to names. Words names the args whose value is itself a
// catalogue key, a word said in the reader's language ("automation",
// "[erased]", a priority…); an empty one says nothing (an optional part).
//
// Some values stay as the domain writes them, in English, whatever the
// reader's language: an auto-close rule (guild.AutoClose.String), support
// hours (guild.SupportHours.String), how tickets are made
// (guild.MadeAs), an automation's recorded reason (Actor.Because), a
// failed Discord action and its error, a slot's release reason — they are
// recorded or structured text a Sentence cannot say as a key.
type Sentence struct {
	Key   string                    `bson:"key" json:"key"`
	Args  mongodb.SortedMap[string] `bson:"args,omitempty" json:"args,omitempty"` // sorted: a rebuilt projection is byte-identical
	Words []string                  `bson:"words,omitempty" json:"words,omitempty"`
}

// IsZero reports whether s says nothing (an entry recorded before
// sentences were kept).
func (s Sentence) IsZero() bool { return s.Key == "" }

// Render says the sentence in l's language (English for the zero Locale).
func (s Sentence) Render(l i18n.Locale) string {
	if s.Key == "" {
		return ""
	}
	data := make(map[string]any, len(s.Args))
	for name, v := range s.Args {
		data[name] = v
	}
	for _, name := range s.Words {
		if key := s.Args[name]; key != "" {
			data[name] = l.T(key)
		}
	}
	return l.Message(s.Key, data)
}

// sentence builds a Sentence from pairs of a placeholder's name and value.
func sentence(key string, pairs ...string) Sentence {
	s := Sentence{Key: key}
	if len(pairs) > 0 {
		s.Args = make(mongodb.SortedMap[string], len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			s.Args[pairs[i]] = pairs[i+1]
		}
	}
	return s
}

// word is a value said in the reader's language: the key of the word.
type word string

// with sets a placeholder to a value: a word (its key, said in the reader's
// language) or text (said as it is).
func (s Sentence) with(name string, v any) Sentence {
	if s.Args == nil {
		s.Args = mongodb.SortedMap[string]{}
	}
	switch v := v.(type) {
	case word:
		s.Args[name] = string(v)
		if v != "" {
			s.Words = append(s.Words, name)
		}
	default:
		s.Args[name] = fmt.Sprint(v)
	}
	return s
}

// Placeholder values as today's English sentences wrote them.
func num[N ~int | ~int64](n N) string { return fmt.Sprintf("%d", n) }
func quoted(s string) string          { return fmt.Sprintf("%q", s) }
func channel(id domain.ChannelID) string {
	return fmt.Sprintf("<#%s>", id)
}

func describe(e Event, personal bool) Sentence {
	// u is a person, or the word for an action nobody took.
	u := func(id domain.UserID) any {
		if id.IsZero() {
			return word("audit.automation")
		}
		return "<@" + id.String() + ">"
	}
	// erasedOr is personal text, or a word standing for it: erased, or
	// recorded but not said here.
	erasedOr := func(s string) any {
		switch {
		case e.Erased:
			return word("audit.erased")
		case !personal && s != "":
			return word("audit.recorded")
		}
		return s
	}
	present := func(v any) bool { return v != "" }
	switch ev := e.Event.(type) {
	case ticket.Opened:
		if !ev.By.IsZero() {
			return sentence("audit.opened_for", "Number", num(ev.Number), "Category", fmt.Sprint(ev.Category)).
				with("By", u(ev.By)).with("Opener", u(ev.Opener))
		}
		return sentence("audit.opened", "Number", num(ev.Number), "Category", fmt.Sprint(ev.Category)).with("Opener", u(ev.Opener))
	case ticket.ChannelAttached:
		if !ev.ThreadOf.IsZero() {
			return sentence("audit.thread_attached", "Thread", channel(ev.Channel), "Channel", channel(ev.ThreadOf))
		}
		return sentence("audit.channel_attached", "Channel", channel(ev.Channel))
	case ticket.Claimed:
		return sentence("audit.claimed").with("By", u(ev.By))
	case ticket.Transferred:
		if ev.From.IsZero() {
			return sentence("audit.transferred").with("By", u(ev.By)).with("To", u(ev.To))
		}
		return sentence("audit.transferred_from").with("By", u(ev.By)).with("From", u(ev.From)).with("To", u(ev.To))
	case guild.PanelSaved:
		if ev.Previous.Key == "" {
			return sentence("audit.panel_added", "Panel", quoted(ev.Panel.Key), "Title", quoted(ev.Panel.Title), "Buttons", num(len(ev.Panel.Buttons)))
		}
		return sentence("audit.panel_changed", "Panel", quoted(ev.Panel.Key), "Title", quoted(ev.Panel.Title), "Buttons", num(len(ev.Panel.Buttons)),
			"WasTitle", quoted(ev.Previous.Title), "WasButtons", num(len(ev.Previous.Buttons)))
	case guild.PanelRemoved:
		return sentence("audit.panel_removed", "Panel", quoted(ev.Previous.Key))
	case guild.PanelPostRequested:
		return sentence("audit.panel_post_requested", "Panel", quoted(ev.Panel), "Channel", channel(ev.Channel))
	case guild.PanelPosted:
		return sentence("audit.panel_posted", "Panel", quoted(ev.Panel), "Channel", channel(ev.Post.Channel))
	case guild.MessagesSet:
		s := sentence("audit.messages_set")
		if ev.Category != "" {
			s = sentence("audit.messages_set_category", "Category", quoted(ev.Category))
		}
		return s.with("Welcome", quoted(ev.Messages.Welcome)).with("WasWelcome", quoted(ev.Previous.Welcome)).
			with("Close", quoted(ev.Messages.Close)).with("WasClose", quoted(ev.Previous.Close)).
			with("Roles", num(len(ev.Messages.Ping))).with("WasRoles", num(len(ev.Previous.Ping)))
	case guild.ClaimModeSet:
		s := sentence("audit.claim_mode_set")
		if ev.Category != "" {
			s = sentence("audit.claim_mode_set_category", "Category", quoted(ev.Category))
		}
		return s.with("Mode", claimModeWord(ev.Mode)).with("Was", claimModeWord(ev.Previous))
	case guild.ThreadModeSet:
		s := sentence("audit.thread_mode_set")
		if ev.Category != "" {
			s = sentence("audit.thread_mode_set_category", "Category", quoted(ev.Category))
		}
		return s.with("Made", guild.MadeAs(ev.Channel)).with("Was", guild.MadeAs(ev.Previous)) // English: see Sentence
	case ticket.Unclaimed:
		return sentence("audit.unclaimed").with("By", u(ev.By)).with("Claimer", u(ev.Previous))
	case ticket.MemberAdded:
		return sentence("audit.member_added").with("By", u(ev.By)).with("Member", u(ev.Member))
	case ticket.MemberRemoved:
		return sentence("audit.member_removed").with("By", u(ev.By)).with("Member", u(ev.Member))
	case ticket.Renamed:
		return sentence("audit.renamed").with("By", u(ev.By)).with("Name", erasedOr(ev.Personal.Name))
	case ticket.TopicCorrected:
		return sentence("audit.topic_corrected").with("By", u(ev.By))
	case ticket.CategoryChanged:
		return sentence("audit.category_moved", "Category", fmt.Sprint(ev.Category), "Was", fmt.Sprint(ev.Previous)).with("By", u(ev.By))
	case ticket.PrioritySet:
		return sentence("audit.priority_set").with("By", u(ev.By)).with("Priority", priorityWord(ev.Priority)).with("Was", priorityWord(ev.Previous))
	case ticket.Closed:
		if ev.By.IsZero() && ev.Cause != "" {
			return sentence("audit.closed_automatically").with("Reason", orCause(e.Actor.Because, ev.Cause))
		}
		if r := erasedOr(ev.Personal.Reason); present(r) {
			return sentence("audit.closed_reason").with("By", u(ev.By)).with("Reason", r)
		}
		return sentence("audit.closed").with("By", u(ev.By))
	case ticket.Reopened:
		return sentence("audit.reopened").with("By", u(ev.By))
	case ticket.ChannelLost:
		if ev.WasOpen {
			return sentence("audit.channel_lost_open")
		}
		return sentence("audit.channel_lost")
	case ticket.ChannelRemoved:
		return sentence("audit.channel_removed")
	case ticket.DiscordActionFailed:
		return sentence("audit.discord_refused", "Action", ev.Action, "Error", ev.Error) // English: see Sentence
	case ticket.TranscriptExpired:
		return sentence("audit.transcript_expired", "Days", num(ev.RetentionDays))
	case ticket.MessagePosted:
		return sentence("audit.message_posted").with("Author", u(ev.Author))
	case ticket.MessageEdited:
		return sentence("audit.message_edited").with("Author", u(ev.Author))
	case ticket.MessageDeleted:
		return sentence("audit.message_deleted")
	case guild.BotJoined:
		return sentence("audit.bot_joined", "Server", fmt.Sprint(ev.Name))
	case guild.BotRemoved:
		return sentence("audit.bot_removed")
	case guild.StaffRolesSet:
		return sentence("audit.staff_roles_set").with("Roles", roles(ev.Roles)).with("Was", roles(ev.Previous))
	case guild.CategoryAdded:
		return sentence("audit.category_added", "Category", quoted(ev.Category.Name))
	case guild.CategoryUpdated:
		name := quoted(ev.Category.Name)
		if !slices.Equal(ev.Category.StaffRoles, ev.Previous.StaffRoles) || ev.Category.TeamOnly != ev.Previous.TeamOnly {
			return sentence("audit.category_team", "Category", name, "Roles", num(len(ev.Category.StaffRoles)), "WasRoles", num(len(ev.Previous.StaffRoles))).
				with("Only", onlyWord(ev.Category.TeamOnly)).with("WasOnly", onlyWord(ev.Previous.TeamOnly))
		}
		if ev.Category.Limit != ev.Previous.Limit {
			return sentence("audit.category_limit", "Category", name).with("Limit", limitWord(ev.Category.Limit)).with("Was", limitWord(ev.Previous.Limit))
		}
		return sentence("audit.category_questions", "Category", name, "Questions", num(len(ev.Category.Questions)), "Was", num(len(ev.Previous.Questions)))
	case guild.OpenCooldownSet:
		return sentence("audit.open_cooldown_set", "Minutes", num(ev.Minutes), "Was", num(ev.Previous))
	case guild.CategoryRemoved:
		return sentence("audit.category_removed", "Category", quoted(ev.Previous.Name))
	case guild.TicketLimitSet:
		return sentence("audit.ticket_limit_set", "Limit", num(ev.Limit), "Was", num(ev.Previous))
	case guild.UserBlacklisted:
		return sentence("audit.user_blacklisted").with("User", u(ev.User))
	case guild.UserUnblacklisted:
		return sentence("audit.user_unblacklisted").with("User", u(ev.User))
	case guild.RoleBlacklisted:
		return sentence("audit.role_blacklisted", "Role", fmt.Sprintf("<@&%s>", ev.Role))
	case guild.RoleUnblacklisted:
		return sentence("audit.role_unblacklisted", "Role", fmt.Sprintf("<@&%s>", ev.Role))
	case guild.RetentionSet:
		return sentence("audit.retention_set", "Days", num(ev.Days), "Was", num(ev.Previous))
	case guild.LogChannelSet:
		return sentence("audit.log_channel_set", "Channel", channel(ev.Channel), "Was", channel(ev.Previous))
	case guild.AutoCloseSet:
		rule, was := ev.Rule.String(), ev.Previous.String() // English: see Sentence
		switch {
		case ev.Inherit && ev.Category != "":
			return sentence("audit.auto_close_inherited_category", "Category", ev.Category, "Rule", rule, "Was", was)
		case ev.Inherit:
			return sentence("audit.auto_close_inherited", "Rule", rule, "Was", was)
		case ev.Category != "":
			return sentence("audit.auto_close_set_category", "Category", ev.Category, "Rule", rule, "Was", was)
		}
		return sentence("audit.auto_close_set", "Rule", rule, "Was", was)
	case guild.TranscriptDMSet:
		if ev.Enabled {
			return sentence("audit.transcript_dm_on")
		}
		return sentence("audit.transcript_dm_off")
	case ticket.AttachmentArchived:
		return sentence("audit.attachment_archived")
	case ticket.AttachmentNotArchived:
		return sentence("audit.attachment_not_archived", "Reason", fmt.Sprint(ev.Reason)) // English: see Sentence
	case guild.CloseOnLeaveSet:
		if ev.Enabled {
			return sentence("audit.close_on_leave_on")
		}
		return sentence("audit.close_on_leave_off")
	case ticket.InactivityWarned:
		return sentence("audit.inactivity_warned", "At", ev.ClosesAt.UTC().Format("2006-01-02 15:04 MST"))
	case ticket.CloseRequested:
		r := erasedOr(ev.Personal.Reason)
		var s Sentence
		switch {
		case present(r) && !ev.Deadline.IsZero():
			s = sentence("audit.close_requested_reason_deadline").with("Reason", r)
		case present(r):
			s = sentence("audit.close_requested_reason").with("Reason", r)
		case !ev.Deadline.IsZero():
			s = sentence("audit.close_requested_deadline")
		default:
			s = sentence("audit.close_requested")
		}
		if !ev.Deadline.IsZero() {
			s = s.with("Deadline", ev.Deadline.UTC().Format("2006-01-02 15:04 MST"))
		}
		return s.with("By", u(ev.By))
	case ticket.CloseRequestAnswered:
		if ev.Accepted {
			return sentence("audit.close_request_accepted").with("By", u(ev.By))
		}
		return sentence("audit.close_request_denied").with("By", u(ev.By))
	case ticket.CloseRequestExpired:
		return sentence("audit.close_request_expired")
	case ticket.Rated:
		if c := erasedOr(ev.Personal.Comment); present(c) {
			return sentence("audit.rated_comment", "Stars", num(ev.Stars)).with("By", u(ev.By)).with("Comment", c)
		}
		return sentence("audit.rated", "Stars", num(ev.Stars)).with("By", u(ev.By))
	case guild.FeedbackSet:
		if f := ev.Feedback(); f.ByDM {
			return sentence("audit.feedback_dm")
		} else if f.Enabled {
			return sentence("audit.feedback_channel")
		}
		return sentence("audit.feedback_off")
	case ticket.StaffReminded:
		return sentence("audit.staff_reminded")
	case ticket.ReplyPosted:
		return sentence("audit.reply_posted")
	case ticket.RepliedFromDashboard:
		return sentence("audit.replied_from_dashboard").with("By", u(ev.By))
	case ticket.NoteAdded:
		return sentence("audit.note_added").with("By", u(ev.By)) // the text stays on the ticket's page
	case ticket.TagPosted:
		return sentence("audit.tag_posted", "Tag", quoted(ev.Tag)).with("By", u(ev.By))
	case tag.Saved:
		if ev.Previous.Name == "" {
			return sentence("audit.tag_added", "Tag", quoted(ev.Tag.Name), "Text", tagSummary(ev.Tag))
		}
		return sentence("audit.tag_changed", "Tag", quoted(ev.Tag.Name), "Text", tagSummary(ev.Tag), "Was", tagSummary(ev.Previous))
	case tag.Removed:
		return sentence("audit.tag_removed", "Tag", quoted(ev.Previous.Name), "Text", tagSummary(ev.Previous))
	case guild.SupportHoursSet:
		return sentence("audit.support_hours_set", "Hours", ev.Hours.String(), "Was", ev.Previous.String()) // English: see Sentence
	case guild.ReminderSet:
		if ev.AfterMinutes == 0 {
			return sentence("audit.reminders_off")
		}
		return sentence("audit.reminder_set", "Minutes", num(ev.AfterMinutes), "Was", num(ev.Previous))
	case ticket.KeptOpen:
		return sentence("audit.kept_open").with("By", u(ev.By))
	case member.TicketReserved:
		return sentence("audit.slot_taken", "Ticket", fmt.Sprint(ev.Ticket)).with("User", u(ev.User))
	case member.TicketReleased:
		return sentence("audit.slot_released", "Ticket", fmt.Sprint(ev.Ticket), "Reason", fmt.Sprint(ev.Reason)).with("User", u(ev.User)) // English: see Sentence
	case member.LeftGuild:
		return sentence("audit.left_server").with("User", u(ev.User))
	case usage.CommandUsed:
		return sentence("audit.command_used", "Command", fmt.Sprint(ev.Command)).with("User", u(ev.User))
	case profile.Observed:
		return sentence("audit.profile_seen").with("User", u(ev.User))
	}
	return sentence("audit.event", "Type", e.Type)
}

// orCause is why a ticket closed by itself: the words its commit gives (as
// recorded, in English), or else its cause, said in words.
func orCause(because string, c ticket.Cause) any {
	if because != "" {
		return because
	}
	switch c {
	case ticket.CauseInactivity:
		return word("audit.cause_inactivity")
	case ticket.CauseOpenerLeft:
		return word("audit.cause_opener_left")
	case ticket.CauseCloseRequestExpired:
		return word("audit.cause_close_request_expired")
	}
	return strings.ReplaceAll(string(c), "_", " ")
}

// roles mentions roles, or says there are none.
func roles(rs []domain.RoleID) any {
	if len(rs) == 0 {
		return word("audit.none")
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, "<@&"+r.String()+">")
	}
	return strings.Join(parts, ", ")
}

// tagSummary quotes a tag's words, shortened: the timeline's before/after.
func tagSummary(t tag.Tag) string {
	words := strings.TrimSpace(strings.Join([]string{t.Text, t.Embed.Title, t.Embed.Description}, " "))
	if r := []rune(words); len(r) > 80 {
		words = string(r[:80]) + "…"
	}
	return quoted(words)
}

// limitWord says a category's limit: "2", or the server's limit for 0.
func limitWord(n int) any {
	if n == 0 {
		return word("audit.server_limit")
	}
	return num(n)
}

// onlyWord is what a category's own team replaces: the server's staff, or
// nothing when it only adds to them.
func onlyWord(only bool) word {
	if only {
		return "audit.team_only"
	}
	return ""
}

// priorityWord names a priority in the reader's language (the words of
// internal/i18n/said; in English, ticket.Priority.String).
func priorityWord(p ticket.Priority) any {
	switch p {
	case ticket.PriorityLow:
		return word("said.priority_low")
	case ticket.PriorityNormal:
		return word("said.priority_normal")
	case ticket.PriorityHigh:
		return word("said.priority_high")
	case ticket.PriorityUrgent:
		return word("said.priority_urgent")
	}
	return p.String()
}

// claimModeWord says what claiming does in the reader's language (the words
// of internal/i18n/said; in English, guild.ClaimMode.String).
func claimModeWord(m guild.ClaimMode) word {
	switch m {
	case guild.ClaimHides:
		return "said.claim_hides"
	case guild.ClaimReadOnly:
		return "said.claim_read_only"
	}
	return "said.claim_label"
}
