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
)

// Describe says in words what an event means, mentioning people as <@id>
// (renderers resolve the names). Personal data is included only when it was
// not erased.
func Describe(e Event) string { return describe(e, true) }

// DescribeImpersonally says what an event means without any personal data
// (no reasons, names or topics): for records that outlive the data, like the
// audit timeline, which then needs no scrubbing on erasure or retention.
func DescribeImpersonally(e Event) string { return describe(e, false) }

func describe(e Event, personal bool) string {
	u := func(id domain.UserID) string {
		if id.IsZero() {
			return "automation"
		}
		return "<@" + id.String() + ">"
	}
	erasedOr := func(s string) string {
		switch {
		case e.Erased:
			return "[erased]"
		case !personal && s != "":
			return "(recorded)"
		}
		return s
	}
	switch ev := e.Event.(type) {
	case ticket.Opened:
		if !ev.By.IsZero() {
			return fmt.Sprintf("%s opened ticket #%d (%s) for %s", u(ev.By), ev.Number, ev.Category, u(ev.Opener))
		}
		return fmt.Sprintf("%s opened ticket #%d (%s)", u(ev.Opener), ev.Number, ev.Category)
	case ticket.ChannelAttached:
		if !ev.ThreadOf.IsZero() {
			return fmt.Sprintf("the private thread <#%s> was created under <#%s>", ev.Channel, ev.ThreadOf)
		}
		return fmt.Sprintf("the channel <#%s> was created", ev.Channel)
	case ticket.Claimed:
		return fmt.Sprintf("%s claimed the ticket", u(ev.By))
	case ticket.Transferred:
		if ev.From.IsZero() {
			return fmt.Sprintf("%s handed the ticket to %s", u(ev.By), u(ev.To))
		}
		return fmt.Sprintf("%s handed the ticket from %s to %s", u(ev.By), u(ev.From), u(ev.To))
	case guild.PanelSaved:
		if ev.Previous.Key == "" {
			return fmt.Sprintf("panel %q added: %q with %d button(s)", ev.Panel.Key, ev.Panel.Title, len(ev.Panel.Buttons))
		}
		return fmt.Sprintf("panel %q changed: %q with %d button(s) (was %q with %d)", ev.Panel.Key, ev.Panel.Title, len(ev.Panel.Buttons), ev.Previous.Title, len(ev.Previous.Buttons))
	case guild.PanelRemoved:
		return fmt.Sprintf("panel %q removed", ev.Previous.Key)
	case guild.PanelPostRequested:
		return fmt.Sprintf("panel %q to be posted in <#%s>", ev.Panel, ev.Channel)
	case guild.PanelPosted:
		return fmt.Sprintf("panel %q posted in <#%s>", ev.Panel, ev.Post.Channel)
	case guild.MessagesSet:
		where := "the server's"
		if ev.Category != "" {
			where = fmt.Sprintf("category %q's", ev.Category)
		}
		return fmt.Sprintf("%s messages changed: welcome %q (was %q), close %q (was %q), %d role(s) pinged (was %d)", where,
			ev.Messages.Welcome, ev.Previous.Welcome, ev.Messages.Close, ev.Previous.Close, len(ev.Messages.Ping), len(ev.Previous.Ping))
	case guild.ClaimModeSet:
		where := "in the server"
		if ev.Category != "" {
			where = fmt.Sprintf("in category %q", ev.Category)
		}
		return fmt.Sprintf("claiming %s is now %s (was %s)", where, ev.Mode, ev.Previous)
	case guild.ThreadModeSet:
		where := "the server's"
		if ev.Category != "" {
			where = fmt.Sprintf("category %q's", ev.Category)
		}
		return fmt.Sprintf("%s new tickets are now %s (were %s)", where, guild.MadeAs(ev.Channel), guild.MadeAs(ev.Previous))
	case ticket.Unclaimed:
		return fmt.Sprintf("%s unclaimed the ticket (it was %s's)", u(ev.By), u(ev.Previous))
	case ticket.MemberAdded:
		return fmt.Sprintf("%s added %s", u(ev.By), u(ev.Member))
	case ticket.MemberRemoved:
		return fmt.Sprintf("%s removed %s", u(ev.By), u(ev.Member))
	case ticket.Renamed:
		return fmt.Sprintf("%s renamed the ticket to %s", u(ev.By), erasedOr(ev.Personal.Name))
	case ticket.TopicCorrected:
		return fmt.Sprintf("%s corrected the topic", u(ev.By))
	case ticket.CategoryChanged:
		return fmt.Sprintf("%s moved the ticket to category %s (was %s)", u(ev.By), ev.Category, ev.Previous)
	case ticket.PrioritySet:
		return fmt.Sprintf("%s set the priority to %s (was %s)", u(ev.By), ev.Priority, ev.Previous)
	case ticket.Closed:
		if ev.By.IsZero() && ev.Cause != "" {
			return fmt.Sprintf("the ticket closed automatically: %s", orCause(e.Actor.Because, ev.Cause))
		}
		if r := erasedOr(ev.Personal.Reason); r != "" {
			return fmt.Sprintf("%s closed the ticket: %s", u(ev.By), r)
		}
		return fmt.Sprintf("%s closed the ticket", u(ev.By))
	case ticket.Reopened:
		return fmt.Sprintf("%s reopened the ticket", u(ev.By))
	case ticket.ChannelLost:
		if ev.WasOpen {
			return "the channel was deleted on Discord; the ticket was closed"
		}
		return "the channel was deleted on Discord"
	case ticket.ChannelRemoved:
		return "the closed ticket's channel was deleted by the bot"
	case ticket.DiscordActionFailed:
		return fmt.Sprintf("Discord refused to %s: %s", ev.Action, ev.Error)
	case ticket.TranscriptExpired:
		return fmt.Sprintf("the transcript was deleted %d days after the ticket closed (retention)", ev.RetentionDays)
	case ticket.MessagePosted:
		return fmt.Sprintf("%s wrote a message", u(ev.Author))
	case ticket.MessageEdited:
		return fmt.Sprintf("%s edited a message", u(ev.Author))
	case ticket.MessageDeleted:
		return "a message was deleted"
	case guild.BotJoined:
		return fmt.Sprintf("the bot joined %s", ev.Name)
	case guild.BotRemoved:
		return "the bot was removed from the server"
	case guild.StaffRolesSet:
		return fmt.Sprintf("staff roles set to %s (were %s)", roles(ev.Roles), roles(ev.Previous))
	case guild.CategoryAdded:
		return fmt.Sprintf("category %q added", ev.Category.Name)
	case guild.CategoryUpdated:
		if !slices.Equal(ev.Category.StaffRoles, ev.Previous.StaffRoles) || ev.Category.TeamOnly != ev.Previous.TeamOnly {
			return fmt.Sprintf("category %q's own staff team: %d role(s)%s (was %d%s)", ev.Category.Name, len(ev.Category.StaffRoles),
				onlyWords(ev.Category.TeamOnly), len(ev.Previous.StaffRoles), onlyWords(ev.Previous.TeamOnly))
		}
		if ev.Category.Limit != ev.Previous.Limit {
			return fmt.Sprintf("category %q: a member may have %s open (was %s)", ev.Category.Name, limitWords(ev.Category.Limit), limitWords(ev.Previous.Limit))
		}
		return fmt.Sprintf("category %q changed (%d question(s), was %d)", ev.Category.Name, len(ev.Category.Questions), len(ev.Previous.Questions))
	case guild.OpenCooldownSet:
		return fmt.Sprintf("a member waits %d minutes between opens (was %d)", ev.Minutes, ev.Previous)
	case guild.CategoryRemoved:
		return fmt.Sprintf("category %q removed", ev.Previous.Name)
	case guild.TicketLimitSet:
		return fmt.Sprintf("open ticket limit set to %d (was %d)", ev.Limit, ev.Previous)
	case guild.UserBlacklisted:
		return fmt.Sprintf("%s blacklisted", u(ev.User))
	case guild.UserUnblacklisted:
		return fmt.Sprintf("%s no longer blacklisted", u(ev.User))
	case guild.RoleBlacklisted:
		return fmt.Sprintf("role <@&%s> blacklisted", ev.Role)
	case guild.RoleUnblacklisted:
		return fmt.Sprintf("role <@&%s> no longer blacklisted", ev.Role)
	case guild.RetentionSet:
		return fmt.Sprintf("transcript retention set to %d days (was %d)", ev.Days, ev.Previous)
	case guild.LogChannelSet:
		return fmt.Sprintf("log channel set to <#%s> (was <#%s>)", ev.Channel, ev.Previous)
	case guild.AutoCloseSet:
		where := "the server"
		if ev.Category != "" {
			where = "category " + ev.Category
		}
		if ev.Inherit {
			return fmt.Sprintf("%s follows the server's auto-close rule again (%s; was %s)", where, ev.Rule, ev.Previous)
		}
		return fmt.Sprintf("auto-close for %s set: %s (was %s)", where, ev.Rule, ev.Previous)
	case guild.TranscriptDMSet:
		if ev.Enabled {
			return "openers now get their transcript by direct message when their ticket closes"
		}
		return "openers no longer get their transcript by direct message"
	case ticket.AttachmentArchived:
		return "an attachment was archived"
	case ticket.AttachmentNotArchived:
		return fmt.Sprintf("an attachment was not archived (%s)", ev.Reason)
	case guild.CloseOnLeaveSet:
		if ev.Enabled {
			return "a member leaving the server now closes their tickets"
		}
		return "a member leaving the server no longer closes their tickets"
	case ticket.InactivityWarned:
		return fmt.Sprintf("warned that the ticket closes at %s for inactivity", ev.ClosesAt.UTC().Format("2006-01-02 15:04 MST"))
	case ticket.CloseRequested:
		s := fmt.Sprintf("%s asked the opener to agree to close", u(ev.By))
		if r := erasedOr(ev.Personal.Reason); r != "" {
			s += ": " + r
		}
		if !ev.Deadline.IsZero() {
			s += fmt.Sprintf(" (closes without an answer at %s)", ev.Deadline.UTC().Format("2006-01-02 15:04 MST"))
		}
		return s
	case ticket.CloseRequestAnswered:
		if ev.Accepted {
			return fmt.Sprintf("%s accepted the close request", u(ev.By))
		}
		return fmt.Sprintf("%s denied the close request", u(ev.By))
	case ticket.CloseRequestExpired:
		return "the close request got no answer by its deadline"
	case ticket.Rated:
		s := fmt.Sprintf("%s rated the ticket %d of 5", u(ev.By), ev.Stars)
		if c := erasedOr(ev.Personal.Comment); c != "" {
			s += ": " + c
		}
		return s
	case guild.FeedbackSet:
		if f := ev.Feedback(); f.ByDM {
			return "openers are now asked by direct message to rate their closed tickets"
		} else if f.Enabled {
			return "openers are now asked in the ticket's channel to rate their closed tickets"
		}
		return "openers are no longer asked to rate their closed tickets"
	case ticket.StaffReminded:
		return "the staff roles were reminded that the ticket waits for an answer"
	case ticket.ReplyPosted:
		return "the bot posted the reply on Discord"
	case ticket.RepliedFromDashboard:
		return fmt.Sprintf("%s replied from the dashboard", u(ev.By))
	case ticket.NoteAdded:
		return fmt.Sprintf("%s wrote a staff note", u(ev.By)) // the text stays on the ticket's page
	case ticket.TagPosted:
		return fmt.Sprintf("%s posted the saved answer %q", u(ev.By), ev.Tag)
	case tag.Saved:
		if ev.Previous.Name == "" {
			return fmt.Sprintf("tag %q added: %s", ev.Tag.Name, tagSummary(ev.Tag))
		}
		return fmt.Sprintf("tag %q changed: %s (was %s)", ev.Tag.Name, tagSummary(ev.Tag), tagSummary(ev.Previous))
	case tag.Removed:
		return fmt.Sprintf("tag %q removed (it said %s)", ev.Previous.Name, tagSummary(ev.Previous))
	case guild.SupportHoursSet:
		return fmt.Sprintf("support hours set: %s (was %s)", ev.Hours, ev.Previous)
	case guild.ReminderSet:
		if ev.AfterMinutes == 0 {
			return "staff reminders turned off"
		}
		return fmt.Sprintf("staff are reminded after %d minutes without an answer (was %d)", ev.AfterMinutes, ev.Previous)
	case ticket.KeptOpen:
		return fmt.Sprintf("%s kept the ticket open", u(ev.By))
	case member.TicketReserved:
		return fmt.Sprintf("ticket %s took one of %s's open slots", ev.Ticket, u(ev.User))
	case member.TicketReleased:
		return fmt.Sprintf("ticket %s gave %s's slot back (%s)", ev.Ticket, u(ev.User), ev.Reason)
	case member.LeftGuild:
		return fmt.Sprintf("%s left the server", u(ev.User))
	case usage.CommandUsed:
		return fmt.Sprintf("%s used %s", u(ev.User), ev.Command)
	case profile.Observed:
		return fmt.Sprintf("%s's profile was seen", u(ev.User))
	}
	return e.Type
}

// orCause is why a ticket closed by itself: the words its commit gives, or
// else its cause.
func orCause(because string, c ticket.Cause) string {
	if because != "" {
		return because
	}
	return strings.ReplaceAll(string(c), "_", " ")
}

func roles(rs []domain.RoleID) string {
	if len(rs) == 0 {
		return "none"
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
	return fmt.Sprintf("%q", words)
}

// limitWords says a category's limit: "2", or "the server's limit" for 0.
func limitWords(n int) string {
	if n == 0 {
		return "as many as the server's limit"
	}
	return fmt.Sprint(n)
}

func onlyWords(only bool) string {
	if only {
		return ", instead of the server's staff"
	}
	return ""
}
