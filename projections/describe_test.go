package projections

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/domain/privacy"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/domain/usage"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
)

// describedEvents are events to describe: one of each type the codec knows
// (zero values, as internal/app.AllEvents lists them) and, for every
// sentence with variants, each variant.
func describedEvents() []domain.Event {
	var all []domain.Event
	for _, evs := range [][]domain.Event{ticket.Events(), guild.Events(), member.Events(), usage.Events(), profile.Events(), privacy.Events(), tag.Events()} {
		all = append(all, evs...)
	}
	at := time.Date(2026, 12, 1, 9, 5, 0, 0, time.FixedZone("CET", 3600))
	hours, err := guild.ParseSupportHours("Europe/Berlin", "mon-fri", "09:00", "17:00", "2026-12-25", true)
	if err != nil {
		panic(err)
	}
	long := strings.Repeat("ünïcode ", 12)
	return append(all,
		ticket.Opened{Number: 42, Opener: 100, Category: "billing"},
		ticket.Opened{Number: 7, Opener: 100, Category: "general", By: 9},
		ticket.ChannelAttached{Channel: 700},
		ticket.ChannelAttached{Channel: 701, ThreadOf: 700},
		ticket.Claimed{By: 9},
		ticket.Transferred{By: 9, To: 10},
		ticket.Transferred{By: 9, From: 11, To: 10},
		ticket.Transferred{From: 11, To: 10},
		guild.PanelSaved{Panel: guild.Panel{Key: "support", Title: `Need "help"?`, Buttons: make([]guild.PanelButton, 2)}},
		guild.PanelSaved{Panel: guild.Panel{Key: "support", Title: "Help", Buttons: make([]guild.PanelButton, 3)},
			Previous: guild.Panel{Key: "support", Title: "Old", Buttons: make([]guild.PanelButton, 1)}},
		guild.PanelRemoved{Previous: guild.Panel{Key: "old"}},
		guild.PanelPostRequested{Panel: "support", Channel: 800},
		guild.PanelPosted{Panel: "support", Post: guild.PanelPost{Channel: 800}},
		guild.MessagesSet{Messages: guild.Messages{Welcome: "Hi {user}\n", Close: "Bye", Ping: []domain.RoleID{1, 2}}, Previous: guild.Messages{Welcome: "Hello"}},
		guild.MessagesSet{Category: "Billing", Messages: guild.Messages{Welcome: "Hi"}},
		guild.ClaimModeSet{Mode: guild.ClaimHides, Previous: guild.ClaimLabel},
		guild.ClaimModeSet{Category: "Billing", Mode: guild.ClaimReadOnly, Previous: guild.ClaimHides},
		guild.ThreadModeSet{Channel: 700},
		guild.ThreadModeSet{Category: "Billing", Previous: 700},
		ticket.Unclaimed{By: 9, Previous: 10},
		ticket.MemberAdded{By: 9, Member: 12},
		ticket.MemberRemoved{By: 9, Member: 12},
		ticket.Renamed{By: 9, Personal: ticket.RenamedPersonal{Name: "secret name"}},
		ticket.TopicCorrected{By: 9},
		ticket.CategoryChanged{By: 9, Category: "billing", Previous: "general"},
		ticket.PrioritySet{By: 9, Priority: ticket.PriorityHigh, Previous: ticket.PriorityNormal},
		ticket.PrioritySet{By: 9, Priority: ticket.PriorityUrgent, Previous: ticket.PriorityLow},
		ticket.Closed{Cause: ticket.CauseInactivity},
		ticket.Closed{Cause: ticket.CauseOpenerLeft},
		ticket.Closed{Cause: ticket.CauseCloseRequestExpired},
		ticket.Closed{Cause: "some_new_cause"},
		ticket.Closed{By: 9, Personal: ticket.ClosedPersonal{Reason: "private reason"}},
		ticket.Closed{By: 9},
		ticket.Reopened{By: 9},
		ticket.ChannelLost{WasOpen: true},
		ticket.ChannelRemoved{},
		ticket.DiscordActionFailed{Action: "rename", Error: "Missing Permissions"},
		ticket.TranscriptExpired{RetentionDays: 90},
		ticket.MessagePosted{Author: 100},
		ticket.MessageEdited{Author: 100},
		guild.BotJoined{Name: "My Server"},
		guild.StaffRolesSet{Roles: []domain.RoleID{5, 6}},
		guild.StaffRolesSet{Roles: []domain.RoleID{5}, Previous: []domain.RoleID{6}},
		guild.CategoryAdded{Category: guild.Category{Name: "Billing"}},
		guild.CategoryUpdated{Category: guild.Category{Name: "Billing", StaffRoles: []domain.RoleID{5}, TeamOnly: true}, Previous: guild.Category{Name: "Billing"}},
		guild.CategoryUpdated{Category: guild.Category{Name: "Billing", StaffRoles: []domain.RoleID{5}}, Previous: guild.Category{Name: "Billing", TeamOnly: true}},
		guild.CategoryUpdated{Category: guild.Category{Name: "Billing", Limit: 2}, Previous: guild.Category{Name: "Billing"}},
		guild.CategoryUpdated{Category: guild.Category{Name: "Billing"}, Previous: guild.Category{Name: "Billing", Limit: 3}},
		guild.CategoryUpdated{Category: guild.Category{Name: "Billing", Questions: make([]guild.Question, 2)}, Previous: guild.Category{Name: "Billing"}},
		guild.OpenCooldownSet{Minutes: 5, Previous: 1},
		guild.CategoryRemoved{Previous: guild.Category{Name: "Billing"}},
		guild.TicketLimitSet{Limit: 3, Previous: 1},
		guild.UserBlacklisted{User: 13},
		guild.UserUnblacklisted{User: 13},
		guild.RoleBlacklisted{Role: 5},
		guild.RoleUnblacklisted{Role: 5},
		guild.RetentionSet{Days: 30, Previous: 90},
		guild.LogChannelSet{Channel: 900, Previous: 901},
		guild.AutoCloseSet{Rule: guild.AutoClose{AfterMinutes: 72 * 60, WarnBeforeMinutes: 60}},
		guild.AutoCloseSet{Category: "billing", Rule: guild.AutoClose{AfterMinutes: 48 * 60, OnlyWaiting: true}, Previous: guild.AutoClose{AfterMinutes: 60}},
		guild.AutoCloseSet{Category: "billing", Inherit: true, Rule: guild.AutoClose{AfterMinutes: 60}},
		guild.AutoCloseSet{Inherit: true},
		guild.TranscriptDMSet{Enabled: true},
		ticket.AttachmentNotArchived{Reason: ticket.NotArchivedTooLarge},
		guild.CloseOnLeaveSet{Enabled: true},
		ticket.InactivityWarned{ClosesAt: at},
		ticket.CloseRequested{By: 9, Personal: ticket.CloseRequestPersonal{Reason: "done?"}},
		ticket.CloseRequested{By: 9, Deadline: at},
		ticket.CloseRequested{By: 9, Deadline: at, Personal: ticket.CloseRequestPersonal{Reason: "done?"}},
		ticket.CloseRequestAnswered{By: 100, Accepted: true},
		ticket.Rated{By: 100, Stars: 4, Personal: ticket.RatedPersonal{Comment: "great"}},
		ticket.Rated{By: 100, Stars: 5},
		guild.FeedbackSet{Enabled: true},
		guild.FeedbackSet{Enabled: true, ByDM: true},
		ticket.RepliedFromDashboard{By: 9},
		ticket.NoteAdded{By: 9},
		ticket.TagPosted{By: 9, Tag: "refunds"},
		tag.Saved{Tag: tag.Tag{Name: "refunds", Text: "We refund within 14 days."}},
		tag.Saved{Tag: tag.Tag{Name: "refunds", Text: long, Embed: tag.Embed{Title: "T", Description: "D"}}, Previous: tag.Tag{Name: "refunds", Text: `say "no"`}},
		tag.Removed{Previous: tag.Tag{Name: "refunds", Text: "x"}},
		guild.SupportHoursSet{Hours: hours},
		guild.ReminderSet{AfterMinutes: 30, Previous: 0},
		ticket.KeptOpen{By: 100},
		member.TicketReserved{User: 100, Ticket: "01TICKET"},
		member.TicketReleased{User: 100, Ticket: "01TICKET", Reason: "closed"},
		member.LeftGuild{User: 100},
		usage.CommandUsed{User: 100, Command: "ticket open"},
		profile.Observed{User: 100},
	)
}

// Each event says in English, byte for byte, what it said before its
// sentences moved into the catalogue (legacyDescribe below is that code),
// personally and impersonally, erased or not; its sentence and its words
// are catalogue keys, and every audit.* key is some event's.
func TestSentencesSayInEnglishWhatDescribeSaid(t *testing.T) {
	used := map[string]bool{}
	en := i18n.Of("en")
	for _, ev := range describedEvents() {
		for _, erased := range []bool{false, true} {
			e := Event{Event: ev, Erased: erased}
			e.Type = ev.EventType()
			if c, ok := ev.(ticket.Closed); ok && c.Cause == ticket.CauseInactivity && !erased {
				e.Actor.Because = "no message from the opener for 72 h; auto-close after 72 h"
			}
			for _, personal := range []bool{true, false} {
				what := fmt.Sprintf("%T %+v (personal %v, erased %v)", ev, ev, personal, erased)
				want := legacyDescribe(e, personal)
				s := describe(e, personal)
				used[s.Key] = true
				if got := s.Render(i18n.English()); got != want {
					t.Errorf("%s:\n got %q\nwant %q", what, got, want)
				}
				if got := s.Render(en); got != want {
					t.Errorf("%s in i18n.Of(en):\n got %q\nwant %q", what, got, want)
				}
				if !i18n.Has(s.Key) {
					t.Errorf("%s: no catalogue has %s", what, s.Key)
				}
				for _, w := range s.Words {
					used[s.Args[w]] = true
					if !i18n.Has(s.Args[w]) {
						t.Errorf("%s: the word %s=%q is no catalogue's key", what, w, s.Args[w])
					}
				}
				if !personal && strings.Contains(s.Render(en), "private reason") {
					t.Errorf("%s: personal data in an impersonal sentence", what)
				}
			}
			if got, want := Describe(e), legacyDescribe(e, true); got != want {
				t.Errorf("Describe %T: %q, want %q", ev, got, want)
			}
			if got, want := DescribeImpersonally(e), legacyDescribe(e, false); got != want {
				t.Errorf("DescribeImpersonally %T: %q, want %q", ev, got, want)
			}
			if got := SayImpersonally(e); !slices.Equal(got.Words, describe(e, false).Words) || !maps.Equal(got.Args, describe(e, false).Args) {
				t.Errorf("SayImpersonally %T differs from DescribeImpersonally's sentence", ev)
			}
		}
	}
	var catalogue map[string]map[string]any
	if _, err := toml.DecodeFile("../internal/i18n/locales/audit.en.toml", &catalogue); err != nil {
		t.Fatal(err)
	}
	for key := range catalogue["audit"] {
		if !used["audit."+key] {
			t.Errorf("audit.%s: no event in describedEvents says it (a sentence or word nobody reads, or a case the test misses)", key)
		}
	}
}

// A sentence's words are said in the reader's language; the rest of it is
// the values as recorded.
func TestASentencesWordsAreSaidInTheReadersLanguage(t *testing.T) {
	de := i18n.Of("de")
	s := describe(Event{Event: ticket.PrioritySet{Priority: ticket.PriorityHigh, Previous: ticket.PriorityLow}}, false)
	got := s.Render(de)
	for _, want := range []string{said.Priority(de, ticket.PriorityHigh), said.Priority(de, ticket.PriorityLow), de.T("audit.automation")} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks the German %q", got, want)
		}
	}
	if said.Priority(de, ticket.PriorityHigh) == "high" {
		t.Fatal("no German priority: the check proves nothing")
	}
	if (Sentence{}).Render(de) != "" || !(Sentence{}).IsZero() {
		t.Error("the zero sentence says something")
	}
}

// legacyDescribe is describe as it was before its sentences moved into the
// catalogue (fmt.Sprintf's English): the reference the sentences must match.
func legacyDescribe(e Event, personal bool) string {
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
			return fmt.Sprintf("the ticket closed automatically: %s", legacyOrCause(e.Actor.Because, ev.Cause))
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
		return fmt.Sprintf("staff roles set to %s (were %s)", legacyRoles(ev.Roles), legacyRoles(ev.Previous))
	case guild.CategoryAdded:
		return fmt.Sprintf("category %q added", ev.Category.Name)
	case guild.CategoryUpdated:
		if !slices.Equal(ev.Category.StaffRoles, ev.Previous.StaffRoles) || ev.Category.TeamOnly != ev.Previous.TeamOnly {
			return fmt.Sprintf("category %q's own staff team: %d role(s)%s (was %d%s)", ev.Category.Name, len(ev.Category.StaffRoles),
				legacyOnlyWords(ev.Category.TeamOnly), len(ev.Previous.StaffRoles), legacyOnlyWords(ev.Previous.TeamOnly))
		}
		if ev.Category.Limit != ev.Previous.Limit {
			return fmt.Sprintf("category %q: a member may have %s open (was %s)", ev.Category.Name, legacyLimitWords(ev.Category.Limit), legacyLimitWords(ev.Previous.Limit))
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
			return fmt.Sprintf("tag %q added: %s", ev.Tag.Name, legacyTagSummary(ev.Tag))
		}
		return fmt.Sprintf("tag %q changed: %s (was %s)", ev.Tag.Name, legacyTagSummary(ev.Tag), legacyTagSummary(ev.Previous))
	case tag.Removed:
		return fmt.Sprintf("tag %q removed (it said %s)", ev.Previous.Name, legacyTagSummary(ev.Previous))
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
func legacyOrCause(because string, c ticket.Cause) string {
	if because != "" {
		return because
	}
	return strings.ReplaceAll(string(c), "_", " ")
}

func legacyRoles(rs []domain.RoleID) string {
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
func legacyTagSummary(t tag.Tag) string {
	words := strings.TrimSpace(strings.Join([]string{t.Text, t.Embed.Title, t.Embed.Description}, " "))
	if r := []rune(words); len(r) > 80 {
		words = string(r[:80]) + "…"
	}
	return fmt.Sprintf("%q", words)
}

// limitWords says a category's limit: "2", or "the server's limit" for 0.
func legacyLimitWords(n int) string {
	if n == 0 {
		return "as many as the server's limit"
	}
	return fmt.Sprint(n)
}

func legacyOnlyWords(only bool) string {
	if only {
		return ", instead of the server's staff"
	}
	return ""
}
