package discord_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// sameAs fails unless got is want, and — when differ is set — unless want
// differs from what English says (so the test shows a translation).
func sameAs(t *testing.T, what, got, want, english string, differ bool) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
	if differ && want == english {
		t.Errorf("%s: %q is the English text", what, want)
	}
}

// Every answer to a person is in their own Discord language, whoever else
// is in the server; a language Ticketify does not speak gets English.
func TestAnswersAreInThePersonsOwnLanguage(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	en, de := i18n.Of("en-US"), i18n.Of("de")
	staffSetup(t, w)
	german := w.As(w.Member, w.Lobby.ID)
	german.Locale = "de"
	english := w.As(w.Staff, w.Lobby.ID)
	japanese := w.As(w.Staff, w.Lobby.ID)
	japanese.Locale = "ja"

	note := func(a fakediscord.Actor) string {
		content, _ := run(t, w, f.SlashCommand(a, "ticket", fakediscord.Sub("note", fakediscord.Str("text", "hello"))))
		return content
	}
	notATicket := en.T("bot.errors.not_a_ticket")
	sameAs(t, "a German member's command outside a ticket", note(german), de.T("bot.errors.not_a_ticket"), notATicket, true)
	sameAs(t, "an English member's", note(english), notATicket, notATicket, false)
	sameAs(t, "a Japanese member's (not spoken: English)", note(japanese), notATicket, notATicket, false)

	// A refusal of the bot's own: erasing the server's data, by members.
	erase := func(a fakediscord.Actor) string {
		content, _ := run(t, w, f.Button(a, "/privacy/erase-guild", nil))
		return content
	}
	forbidden := en.T("bot.errors.erase_forbidden")
	sameAs(t, "a German member's refusal", erase(german), de.T("bot.errors.erase_forbidden"), forbidden, true)
	sameAs(t, "an English member's refusal", erase(english), forbidden, forbidden, false)

	// The open's confirmation, then its edit once the channel exists.
	open := f.SlashCommand(german, "ticket", fakediscord.Sub("open", fakediscord.Str("topic", "Meine Bestellung ist nicht angekommen")))
	content, eph := run(t, w, open)
	if !eph {
		t.Fatal("the open's confirmation is public")
	}
	sameAs(t, "the open's confirmation", content, de.T("bot.ticket.opened", "Number", 1), en.T("bot.ticket.opened", "Number", 1), true)
	var ch fakediscord.Channel
	w.WaitFor(t, "the ticket's channel", func() bool {
		for _, c := range f.Channels(w.Guild.ID) {
			if c.Name == "ticket-0001" {
				ch = c
				return len(f.Messages(c.ID)) > 0
			}
		}
		return false
	})
	linked := de.T("bot.ticket.opened_in", "Number", 1, "Channel", ch.ID.String())
	w.WaitFor(t, "the confirmation edited to link the channel", func() bool {
		m, ok := f.Original(open.Token)
		return ok && m.Content == linked
	})

	// The welcome is the channel's, for everyone in it: the server's
	// language (Discord's default here), not the opener's.
	welcome := f.Messages(ch.ID)[0]
	if len(welcome.Embeds) != 1 || welcome.Embeds[0].Description != en.T("bot.welcome.thanks", "User", w.Member.ID.String()) {
		t.Fatalf("the welcome of a German member's ticket in an English server: %+v", welcome.Embeds)
	}

	// A form the German member opens is German.
	tk := ticketInChannel(t, w, ch)
	inTicket := w.As(w.Member, ch.ID)
	inTicket.Locale = "de"
	res := w.Deliver(t, f.Button(inTicket, "/ticket/close/"+string(tk.ID()), nil))
	if res.Response.Type != fakediscord.ResponseModal {
		t.Fatalf("the Close button answered %d: %s", res.Response.Type, res.Body)
	}
	var modal struct {
		Title      string `json:"title"`
		Components []struct {
			Label string `json:"label"`
		} `json:"components"`
	}
	if err := json.Unmarshal(res.Response.Data, &modal); err != nil || len(modal.Components) != 1 {
		t.Fatalf("the close form: %s (%v)", res.Response.Data, err)
	}
	sameAs(t, "the close form's title", modal.Title, de.T("bot.ticket.close_form_title"), en.T("bot.ticket.close_form_title"), true)
	sameAs(t, "the close form's field", modal.Components[0].Label, de.T("bot.ticket.close_form_reason"), en.T("bot.ticket.close_form_reason"), true)
}

// labels are a message's buttons' labels, in order.
func labels(m fakediscord.Message) []string {
	var out []string
	for _, row := range m.Components {
		var r struct {
			Components []struct {
				Label string `json:"label"`
			} `json:"components"`
		}
		_ = json.Unmarshal(row, &r)
		for _, c := range r.Components {
			out = append(out, c.Label)
		}
	}
	return out
}

// What the bot posts in a ticket's channel is in the server's channel
// language: the one /setup language chose, else the server's language in
// Discord — whatever the opener's own.
func TestTheWelcomeIsInTheServersLanguage(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	en, de, fr := i18n.Of("en-US"), i18n.Of("de"), i18n.Of("fr")
	staffSetup(t, w)
	run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("limit", fakediscord.Int("tickets", 5))))
	f.SetGuildLocale(w.Guild.ID, "fr") // GUILD_UPDATE
	w.WaitFor(t, "the bot to see the server's language", func() bool {
		return w.Srv.Discord.DiscordLocaleOf(snowflake.ID(w.Guild.ID)) == "fr"
	})
	welcomeIn := func(what string, l i18n.Locale, ch fakediscord.Channel) {
		t.Helper()
		n := ticketInChannel(t, w, ch).Number()
		m := f.Messages(ch.ID)[0]
		if len(m.Embeds) != 1 || len(m.Embeds[0].Fields) == 0 {
			t.Fatalf("%s: the welcome %+v", what, m)
		}
		differ := l.Tag() != "en"
		e := m.Embeds[0]
		thanks := func(l i18n.Locale) string { return l.T("bot.welcome.thanks", "User", w.Member.ID.String()) }
		sameAs(t, what+": the welcome", e.Description, thanks(l), thanks(en), differ)
		sameAs(t, what+": its title", e.Title, l.T("bot.welcome.title", "Number", n), en.T("bot.welcome.title", "Number", n), false)
		sameAs(t, what+": its topic's name", e.Fields[0].Name, l.T("bot.welcome.topic"), en.T("bot.welcome.topic"), differ)
		want := []string{l.T("bot.welcome.claim"), l.T("bot.welcome.close")}
		if got := labels(m); !slices.Equal(got, want) {
			t.Errorf("%s: the buttons %q, want %q", what, got, want)
		}
		if differ && slices.Equal(want, []string{en.T("bot.welcome.claim"), en.T("bot.welcome.close")}) {
			t.Errorf("%s: the buttons %q are English", what, want)
		}
	}
	language := func(choice string) string {
		content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("language", fakediscord.Str("language", choice))))
		return content
	}

	// No choice: the server's language in Discord, French, though the
	// opener's Discord is English.
	welcomeIn("no choice, a French server", fr, openTicket(t, w, "first"))

	// The server chooses German: the next ticket's channel speaks German.
	mustContain(t, "setup language", language("de"), en.T("bot.setup.language_set", "Language", "Deutsch"))
	welcomeIn("German chosen", de, openTicket(t, w, "second"))

	// Back to the server's language in Discord.
	mustContain(t, "setup language server", language("server"), en.T("bot.setup.language_server"))
	welcomeIn("the server's language again", fr, openTicket(t, w, "third"))
}

// The automation's posts — a staff reminder, an auto-close warning, the
// close and its log summary — say why in the server's language, from the
// event and the rule: not the English reason recorded for the timeline.
func TestTheAutomationSaysWhyInTheServersLanguage(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	de := i18n.Of("de")
	staffSetup(t, w)
	log := f.AddTextChannel(w.Guild.ID, "ticket-log")
	for _, setup := range []fakediscord.Interaction{
		f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("language", fakediscord.Str("language", "de"))),
		f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("reminder", fakediscord.Int("minutes", 30))),
		f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 72))),
		f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("log-channel", fakediscord.ChannelOpt("channel", log.ID))),
	} {
		run(t, w, setup)
	}
	ch := openTicket(t, w, "quiet")
	travel(t, w, 31*time.Minute)
	reminder := de.T("bot.channel.reminder_roles", "Roles", "<@&"+w.StaffRole.ID.String()+">", "Waited", de.T("said.minutes", "Minutes", 31))
	if len(messagesWith(w, ch.ID, reminder)) != 1 || len(messagesWith(w, ch.ID, "no staff answer")) != 0 {
		t.Fatalf("the reminder is not German: %+v", f.Messages(ch.ID))
	}
	travel(t, w, 48*time.Hour)
	warning := messagesWith(w, ch.ID, "<t:")
	if len(warning) != 1 || strings.Contains(warning[0].Content, "no message from the opener") ||
		!strings.Contains(warning[0].Content, de.T("said.hours_minutes", "Hours", 48, "Minutes", 31)) {
		t.Fatalf("the warning is not German: %+v", warning)
	}
	travel(t, w, 24*time.Hour+time.Minute)
	closed := de.T("bot.channel.closed_automatically_reason", "Reason", de.T("bot.channel.reason_inactive", "Period", de.T("said.hours", "Hours", 72)))
	w.WaitFor(t, "the close said in German", func() bool { return len(messagesWith(w, ch.ID, closed)) == 1 })
	w.WaitFor(t, "the log's summary in German", func() bool {
		for _, m := range f.Messages(log.ID) {
			for _, e := range m.Embeds {
				for _, field := range e.Fields {
					if field.Value == de.T("bot.channel.reason_inactive", "Period", de.T("said.hours", "Hours", 72)) {
						return true
					}
				}
			}
		}
		return false
	})
}

// A server on another process's shards is not in this process's gateway
// cache: the reactor asks Discord for the server's language instead of
// falling back to English.
func TestTheServersLanguageIsAskedOfDiscordWhenItIsOnAnotherShard(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	f.SetGuildLocale(w.Guild.ID, "fr")
	w.WaitFor(t, "the bot to see the server's language", func() bool {
		return w.Srv.Discord.DiscordLocaleOf(snowflake.ID(w.Guild.ID)) == "fr"
	})
	w.Srv.Discord.ForgetGuild(snowflake.ID(w.Guild.ID))
	path := "/guilds/" + w.Guild.ID.String()
	before := len(f.Calls("GET", path))
	ch := openTicket(t, w, "bonjour")
	n := ticketInChannel(t, w, ch).Number()
	fr := i18n.Of("fr")
	if got := f.Messages(ch.ID)[0].Embeds[0].Title; got != fr.T("bot.welcome.title", "Number", n) {
		t.Fatalf("the welcome's title %q, want French", got)
	}
	asked := 0
	for _, c := range f.Calls("GET", path)[before:] {
		if c.Path == path {
			asked++
		}
	}
	if asked != 1 {
		t.Fatalf("asked Discord for the server %d times, want once (then remembered)", asked)
	}
}
