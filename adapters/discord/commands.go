package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/i18n"
)

// Commands are the slash commands Ticketify registers, with their names,
// descriptions and choices in every language Ticketify speaks
// (localizeCommands).
func Commands() []discord.ApplicationCommandCreate { return localizeCommands(commands()) }

// commands are the slash commands in English: Discord's default, and the
// names interactions carry whatever the member's language.
func commands() []discord.ApplicationCommandCreate {
	str := func(name, desc string, required bool, max int) discord.ApplicationCommandOption {
		return discord.ApplicationCommandOptionString{Name: name, Description: desc, Required: required, MaxLength: &max}
	}
	user := func(name, desc string) discord.ApplicationCommandOption {
		return discord.ApplicationCommandOptionUser{Name: name, Description: desc, Required: true}
	}
	minRetention, maxRetention, minLimit, maxLimit := 1, guild.MaxRetentionDays, 1, guild.MaxTicketLimit
	minAutoClose, maxAutoClose, minWarn := 0, int(guild.MaxAutoCloseAfter/time.Hour), 1
	maxReminder := int(guild.MaxReminder / time.Minute)
	maxCooldown := int(guild.MaxOpenCooldown / time.Minute)
	priorities := []discord.ApplicationCommandOptionChoiceString{
		{Name: "low", Value: "low"}, {Name: "normal", Value: "normal"}, {Name: "high", Value: "high"}, {Name: "urgent", Value: "urgent"}}
	guildOnly := []discord.InteractionContextType{discord.InteractionContextTypeGuild}
	return []discord.ApplicationCommandCreate{
		discord.SlashCommandCreate{Name: "ticket", Description: "Support tickets", Contexts: guildOnly, Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionSubCommand{Name: "open", Description: "Open a ticket", Options: []discord.ApplicationCommandOption{
				str("topic", "What do you need help with?", false, 200), str("category", "The kind of ticket (its key)", false, 32)}},
			discord.ApplicationCommandOptionSubCommand{Name: "open-for", Description: "Open a ticket for a member (staff)", Options: []discord.ApplicationCommandOption{
				user("user", "Whose ticket"), str("topic", "What it is about", false, 200), str("category", "The kind of ticket (its key)", false, 32)}},
			discord.ApplicationCommandOptionSubCommand{Name: "close", Description: "Close this ticket", Options: []discord.ApplicationCommandOption{
				str("reason", "Why it is closed", false, 1024)}},
			discord.ApplicationCommandOptionSubCommand{Name: "close-request", Description: "Ask the opener to agree to close (staff)", Options: []discord.ApplicationCommandOption{
				str("reason", "Why you think it can close", false, 1024), str("after", "Close anyway without an answer after, e.g. 24h, 2d, 90m", false, 16)}},
			discord.ApplicationCommandOptionSubCommand{Name: "note", Description: "A private note for staff, on the dashboard; never in the channel (staff)", Options: []discord.ApplicationCommandOption{
				str("text", "The note", true, ticket.MaxNoteLength)}},
			discord.ApplicationCommandOptionSubCommand{Name: "claim", Description: "Take this ticket (staff)"},
			discord.ApplicationCommandOptionSubCommand{Name: "move", Description: "Move this ticket to another category (staff)", Options: []discord.ApplicationCommandOption{
				str("category", "The category's key", true, 32)}},
			discord.ApplicationCommandOptionSubCommand{Name: "transfer", Description: "Hand this ticket to another staff member (staff)", Options: []discord.ApplicationCommandOption{
				user("user", "Who takes it over")}},
			discord.ApplicationCommandOptionSubCommand{Name: "unclaim", Description: "Give this ticket back (staff)"},
			discord.ApplicationCommandOptionSubCommand{Name: "add", Description: "Add someone to this ticket (staff)", Options: []discord.ApplicationCommandOption{user("user", "Who to add")}},
			discord.ApplicationCommandOptionSubCommand{Name: "remove", Description: "Remove someone from this ticket (staff)", Options: []discord.ApplicationCommandOption{user("user", "Who to remove")}},
			discord.ApplicationCommandOptionSubCommand{Name: "rename", Description: "Rename this ticket's channel (staff)", Options: []discord.ApplicationCommandOption{str("name", "The new name", true, 100)}},
			discord.ApplicationCommandOptionSubCommand{Name: "priority", Description: "Set this ticket's priority (staff)", Options: []discord.ApplicationCommandOption{
				discord.ApplicationCommandOptionString{Name: "level", Description: "Priority", Required: true, Choices: priorities}}},
			discord.ApplicationCommandOptionSubCommand{Name: "reopen", Description: "Reopen this closed ticket"},
			discord.ApplicationCommandOptionSubCommand{Name: "transcript", Description: "Get this ticket's transcript"},
		}},
		discord.SlashCommandCreate{Name: "setup", Description: "Configure Ticketify (staff)", Contexts: guildOnly,
			Options: []discord.ApplicationCommandOption{
				discord.ApplicationCommandOptionSubCommand{Name: "staff-role", Description: "Set the staff role (up to 3)", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionRole{Name: "role", Description: "Staff role", Required: true},
					discord.ApplicationCommandOptionRole{Name: "role2", Description: "Another staff role"},
					discord.ApplicationCommandOptionRole{Name: "role3", Description: "Another staff role"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "category-add", Description: "Add a ticket category", Options: []discord.ApplicationCommandOption{
					str("key", "A short key, like billing", true, 32), str("name", "The name members see", true, 100),
					discord.ApplicationCommandOptionChannel{Name: "discord-category", Description: "Where its channels go", ChannelTypes: []discord.ChannelType{discord.ChannelTypeGuildCategory}}}},
				discord.ApplicationCommandOptionSubCommand{Name: "category-question", Description: "Add a form question to a category (at most 5)", Options: []discord.ApplicationCommandOption{
					str("key", "The category's key", true, 32), str("label", "The question", true, 45),
					discord.ApplicationCommandOptionBool{Name: "required", Description: "Must it be answered?"},
					discord.ApplicationCommandOptionBool{Name: "long", Description: "A paragraph answer?"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "category-remove", Description: "Remove a ticket category", Options: []discord.ApplicationCommandOption{str("key", "The category's key", true, 32)}},
				discord.ApplicationCommandOptionSubCommand{Name: "log-channel", Description: "Where close summaries go", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionChannel{Name: "channel", Description: "Log channel", Required: true, ChannelTypes: []discord.ChannelType{discord.ChannelTypeGuildText}}}},
				discord.ApplicationCommandOptionSubCommand{Name: "limit", Description: "Open tickets per member", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionInt{Name: "tickets", Description: "How many", Required: true, MinValue: &minLimit, MaxValue: &maxLimit}}},
				discord.ApplicationCommandOptionSubCommand{Name: "retention", Description: "Days closed transcripts are kept (at most 90)", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionInt{Name: "days", Description: "Days", Required: true, MinValue: &minRetention, MaxValue: &maxRetention}}},
				discord.ApplicationCommandOptionSubCommand{Name: "auto-close", Description: "Close tickets whose opener has not written for a while", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionInt{Name: "hours", Description: "Hours without a message from the opener (0: off; at most 720)", Required: true, MinValue: &minAutoClose, MaxValue: &maxAutoClose},
					str("category", "Only for this category's key (default: the whole server)", false, 32),
					discord.ApplicationCommandOptionInt{Name: "warn-hours", Description: "Warn this many hours before (default 24, or half the period)", MinValue: &minWarn, MaxValue: &maxAutoClose},
					discord.ApplicationCommandOptionBool{Name: "only-waiting", Description: "Only when the last message is not the opener's"},
					discord.ApplicationCommandOptionBool{Name: "inherit", Description: "The category follows the server's rule again"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "support-hours", Description: "When staff answer; outside them an open gets a notice or is refused", Options: []discord.ApplicationCommandOption{
					str("days", "Days like mon-fri, or with own hours: mon-fri 09:00-17:00; sat 10:00-14:00 (none: off)", true, 200),
					str("zone", "IANA time zone, like Europe/Berlin", false, 64),
					str("from", "Opening time, like 09:00", false, 5), str("to", "Closing time, like 17:00", false, 5),
					str("holidays", "Closed dates, like 2026-12-25,2026-12-26", false, 1200),
					discord.ApplicationCommandOptionString{Name: "outside", Description: "Outside hours, opens get a notice or are refused",
						Choices: []discord.ApplicationCommandOptionChoiceString{{Name: "notice", Value: "notice"}, {Name: "refuse", Value: "refuse"}}}}},
				discord.ApplicationCommandOptionSubCommand{Name: "category-overflow", Description: "Where a category's channels go when its Discord category is full", Options: []discord.ApplicationCommandOption{
					str("category", "The category's key", true, 32),
					discord.ApplicationCommandOptionChannel{Name: "overflow", Description: "A Discord category that takes the overflow (adds to the list)", ChannelTypes: []discord.ChannelType{discord.ChannelTypeGuildCategory}},
					discord.ApplicationCommandOptionBool{Name: "clear", Description: "No overflow"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "category-team", Description: "A category's own staff team (besides, or instead of, the staff roles)", Options: []discord.ApplicationCommandOption{
					str("category", "The category's key", true, 32),
					discord.ApplicationCommandOptionRole{Name: "role", Description: "A role that joins the team"},
					discord.ApplicationCommandOptionBool{Name: "only", Description: "Only the team handles it (not the server's staff roles)"},
					discord.ApplicationCommandOptionBool{Name: "clear", Description: "No team of its own: the server's staff handle it"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "messages", Description: "The welcome, the roles pinged at an open and the close message, in your words", Options: []discord.ApplicationCommandOption{
					str("category", "Only this category (its key; default: the whole server)", false, 32),
					str("welcome", "Placeholders {user} {number} {category} {staff}; - clears", false, guild.MaxWelcomeLength),
					str("close", "Added to the close; same placeholders; - clears", false, guild.MaxCloseLength),
					str("naming", "Channel names, like {category}-{username}-{number} ({number} needed); - clears", false, guild.MaxNamingLength),
					discord.ApplicationCommandOptionRole{Name: "ping", Description: "A role pinged when a ticket opens (adds to those pinged)"},
					discord.ApplicationCommandOptionBool{Name: "no-ping", Description: "Ping no role at an open"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "claim-mode", Description: "What claiming a ticket does to the other staff", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionString{Name: "mode", Description: "label: nothing; hide: others no longer see it; read-only: others only read", Required: true,
						Choices: []discord.ApplicationCommandOptionChoiceString{{Name: "label", Value: "label"}, {Name: "hide", Value: "hide"}, {Name: "read-only", Value: "read-only"}}},
					str("category", "Only this category (its key; default: the whole server)", false, 32)}},
				discord.ApplicationCommandOptionSubCommand{Name: "threads", Description: "Make new tickets private threads under a support channel (or channels again)", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionChannel{Name: "channel", Description: "The text channel the ticket threads go under", ChannelTypes: []discord.ChannelType{discord.ChannelTypeGuildText}},
					str("category", "Only this category (its key; default: the whole server)", false, 32),
					discord.ApplicationCommandOptionBool{Name: "off", Description: "New tickets get channels of their own again"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "cooldown", Description: "How long a member waits between opening tickets", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionInt{Name: "minutes", Description: "Minutes (0: no wait; up to 10080)", Required: true, MinValue: &minAutoClose, MaxValue: &maxCooldown}}},
				discord.ApplicationCommandOptionSubCommand{Name: "category-limit", Description: "How many open tickets of a category one member may have", Options: []discord.ApplicationCommandOption{
					str("category", "The category's key", true, 32),
					discord.ApplicationCommandOptionInt{Name: "limit", Description: "0: only the server's limit", Required: true, MinValue: &minAutoClose, MaxValue: &maxLimit}}},
				discord.ApplicationCommandOptionSubCommand{Name: "reminder", Description: "Ping the staff roles when a ticket waits for a staff answer", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionInt{Name: "minutes", Description: "Minutes without a staff answer (0: off; 5 to 10080)", Required: true, MinValue: &minAutoClose, MaxValue: &maxReminder}}},
				discord.ApplicationCommandOptionSubCommand{Name: "feedback", Description: "Ask openers to rate their ticket when it closes", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionBool{Name: "enabled", Description: "On or off", Required: true},
					discord.ApplicationCommandOptionString{Name: "where", Description: "In the ticket's channel (default) or by direct message",
						Choices: []discord.ApplicationCommandOptionChoiceString{{Name: "channel", Value: "channel"}, {Name: "direct message", Value: "dm"}}}}},
				discord.ApplicationCommandOptionSubCommand{Name: "transcript-dm", Description: "Send openers their ticket's transcript by direct message when it closes", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionBool{Name: "enabled", Description: "On or off", Required: true}}},
				discord.ApplicationCommandOptionSubCommand{Name: "close-on-leave", Description: "Close a member's tickets when they leave the server", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionBool{Name: "enabled", Description: "On or off", Required: true}}},
				discord.ApplicationCommandOptionSubCommand{Name: "panel", Description: "Post a panel members open tickets from", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionChannel{Name: "channel", Description: "Where (default: here)", ChannelTypes: []discord.ChannelType{discord.ChannelTypeGuildText}},
					str("name", "A saved panel's key (default: the plain \"Open ticket\" panel)", false, 32)}},
				discord.ApplicationCommandOptionSubCommand{Name: "panel-save", Description: "Add or change a panel (its posts are edited in place)", Options: []discord.ApplicationCommandOption{
					str("name", "The panel's key, like main", true, 32), str("title", "The embed's title", true, guild.MaxPanelTitle),
					str("buttons", "category | label | emoji | style; another; …", true, 2000),
					str("text", "The embed's text", false, guild.MaxPanelText), str("colour", "Like #5865F2", false, 7),
					str("image", "An https:// image link", false, 500),
					discord.ApplicationCommandOptionBool{Name: "select", Description: "One select menu instead of buttons"}}},
				discord.ApplicationCommandOptionSubCommand{Name: "panel-remove", Description: "Remove a saved panel (its posts stay)", Options: []discord.ApplicationCommandOption{
					str("name", "The panel's key", true, 32)}},
				discord.ApplicationCommandOptionSubCommand{Name: "language", Description: "The language Ticketify speaks in this server's channels", Options: []discord.ApplicationCommandOption{
					discord.ApplicationCommandOptionString{Name: "language", Description: "Each member's answers stay in their own Discord language", Required: true, Choices: languageChoices()}}},
				discord.ApplicationCommandOptionSubCommand{Name: "show", Description: "Show the current settings"},
			}},
		discord.SlashCommandCreate{Name: "blacklist", Description: "Who may not open tickets (staff)", Contexts: guildOnly, Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionSubCommand{Name: "add", Description: "Blacklist a user or role", Options: []discord.ApplicationCommandOption{
				discord.ApplicationCommandOptionMentionable{Name: "target", Description: "User or role", Required: true}}},
			discord.ApplicationCommandOptionSubCommand{Name: "remove", Description: "Lift a blacklisting", Options: []discord.ApplicationCommandOption{
				discord.ApplicationCommandOptionMentionable{Name: "target", Description: "User or role", Required: true}}},
			discord.ApplicationCommandOptionSubCommand{Name: "list", Description: "Show the blacklist"},
		}},
		discord.SlashCommandCreate{Name: "privacy", Description: "What Ticketify stores about you, and your rights", Contexts: guildOnly},
		discord.MessageCommandCreate{Name: aboutCommand, Contexts: guildOnly},
		// /tag posts and /tags manages: Discord does not let one command take
		// both an option of its own and subcommands.
		discord.SlashCommandCreate{Name: "tag", Description: "Post a saved answer in this ticket (staff)", Contexts: guildOnly, Options: []discord.ApplicationCommandOption{
			tagName(true)}},
		discord.SlashCommandCreate{Name: "tags", Description: "Saved answers staff post with /tag", Contexts: guildOnly, Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionSubCommand{Name: "add", Description: "Save a new answer", Options: tagOptions(false)},
			discord.ApplicationCommandOptionSubCommand{Name: "edit", Description: "Change a saved answer (what you give replaces; - clears)", Options: tagOptions(true)},
			discord.ApplicationCommandOptionSubCommand{Name: "remove", Description: "Remove a saved answer", Options: []discord.ApplicationCommandOption{tagName(true)}},
			discord.ApplicationCommandOptionSubCommand{Name: "list", Description: "List the saved answers"},
		}},
	}
}

// localizeCommands fills in the commands' name and description
// localizations (Discord shows each member the ones of their client's
// language) from the commands catalogue: a command, subcommand or option at
// path cmd.<command>[.<subcommand>][.<option>] has its name at
// "<path>.Name", its description at "<path>.Summary", and a choice's name
// at "<path>.Choices.<value>" (capitals: an option may be called "name"). A
// language's choices are named in themselves and keep no localizations.
// commands_i18n_test.go holds every one to Discord's rules.
func localizeCommands(cmds []discord.ApplicationCommandCreate) []discord.ApplicationCommandCreate {
	for i, c := range cmds {
		switch c := c.(type) {
		case discord.SlashCommandCreate:
			path := "cmd." + c.Name
			c.NameLocalizations, c.DescriptionLocalizations = localized(path+".Name"), localized(path+".Summary")
			c.Options = localizeOptions(path, c.Options)
			cmds[i] = c
		case discord.MessageCommandCreate:
			c.NameLocalizations = localized("cmd.about.Name")
			cmds[i] = c
		}
	}
	return cmds
}

func localizeOptions(parent string, options []discord.ApplicationCommandOption) []discord.ApplicationCommandOption {
	out := make([]discord.ApplicationCommandOption, len(options))
	for i, o := range options {
		path := parent + "." + o.OptionName()
		names, descriptions := localized(path+".Name"), localized(path+".Summary")
		switch o := o.(type) {
		case discord.ApplicationCommandOptionSubCommand:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			o.Options = localizeOptions(path, o.Options)
			out[i] = o
		case discord.ApplicationCommandOptionString:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			for j, ch := range o.Choices {
				if path == "cmd.setup.language.language" && ch.Value != serverLanguage {
					continue // a language is named in itself
				}
				o.Choices[j].NameLocalizations = localized(path + ".Choices." + ch.Value)
			}
			out[i] = o
		case discord.ApplicationCommandOptionInt:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			out[i] = o
		case discord.ApplicationCommandOptionBool:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			out[i] = o
		case discord.ApplicationCommandOptionUser:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			out[i] = o
		case discord.ApplicationCommandOptionChannel:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			out[i] = o
		case discord.ApplicationCommandOptionRole:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			out[i] = o
		case discord.ApplicationCommandOptionMentionable:
			o.NameLocalizations, o.DescriptionLocalizations = names, descriptions
			out[i] = o
		default: // a kind of option the commands do not use yet: the test sees it unlocalized
			out[i] = o
		}
	}
	return out
}

// discordLocales are the Discord locales each shipped language answers
// to: Discord has two Spanish ones and no plain "pt".
var discordLocales = map[string][]discord.Locale{
	"de":    {discord.LocaleGerman},
	"fr":    {discord.LocaleFrench},
	"es":    {discord.LocaleSpanishES, "es-419"}, // disgo names no Latin American Spanish
	"pt-BR": {discord.LocalePortugueseBR},
}

// localized is a key's sentence by Discord locale, in every language but
// English (the commands' own words).
func localized(key string) map[discord.Locale]string {
	out := map[discord.Locale]string{}
	for _, l := range i18n.Languages()[1:] {
		for _, dl := range discordLocales[l.Tag()] {
			out[dl] = strings.TrimSpace(l.T(key))
		}
	}
	return out
}

// serverLanguage is /setup language's choice for the server's own language
// in Discord.
const serverLanguage = "server"

// languageChoices are the languages Ticketify speaks, each named in itself,
// and the server's language in Discord.
func languageChoices() []discord.ApplicationCommandOptionChoiceString {
	choices := []discord.ApplicationCommandOptionChoiceString{{Name: "The server's language in Discord", Value: serverLanguage}}
	for _, l := range i18n.Languages() {
		choices = append(choices, discord.ApplicationCommandOptionChoiceString{Name: l.Name(), Value: l.Tag()})
	}
	return choices
}

// tagName is a tag's name option, with autocomplete when it names one that
// exists.
func tagName(existing bool) discord.ApplicationCommandOption {
	maxName := tag.MaxNameLength
	return discord.ApplicationCommandOptionString{Name: "name", Description: "The tag's name", Required: true, Autocomplete: existing, MaxLength: &maxName}
}

// tagOptions are a tag's fields as /tags add and edit take them.
func tagOptions(existing bool) []discord.ApplicationCommandOption {
	maxText, maxTitle, maxColour := tag.MaxTextLength, tag.MaxEmbedTitle, 7
	maxDescription := 4000 // an option's own limit (6,000 for all of a command's options)
	return []discord.ApplicationCommandOption{tagName(existing),
		discord.ApplicationCommandOptionString{Name: "text", Description: "The message", MaxLength: &maxText},
		discord.ApplicationCommandOptionString{Name: "embed-title", Description: "An embed's title", MaxLength: &maxTitle},
		discord.ApplicationCommandOptionString{Name: "embed-text", Description: "An embed's text", MaxLength: &maxDescription},
		discord.ApplicationCommandOptionString{Name: "colour", Description: "The embed's colour, like #5865F2", MaxLength: &maxColour},
	}
}

// RegisterCommands registers the commands globally, or in one guild (instant, for testing).
func RegisterCommands(ctx context.Context, r rest.Rest, appID snowflake.ID, guildID *snowflake.ID) (int, error) {
	var (
		cmds []discord.ApplicationCommand
		err  error
	)
	if guildID != nil {
		cmds, err = r.SetGuildCommands(appID, *guildID, Commands(), rest.WithCtx(ctx))
	} else {
		cmds, err = r.SetGlobalCommands(appID, Commands(), rest.WithCtx(ctx))
	}
	if err != nil {
		return 0, fmt.Errorf("register commands: %w", err)
	}
	return len(cmds), nil
}
