package discord_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/adapters/discord"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
)

// The commands as Discord lists them in each member's language.

// localizedLocales are the Discord locales Ticketify's commands speak.
var localizedLocales = []string{"de", "fr", "es-ES", "es-419", "pt-BR"}

// chatInputName is Discord's rule for a slash command's or option's name.
var chatInputName = regexp.MustCompile(`^[-_\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

type commandNode struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
	Options                  []commandNode     `json:"options"`
	Choices                  []struct {
		Name              string            `json:"name"`
		Value             any               `json:"value"`
		NameLocalizations map[string]string `json:"name_localizations"`
	} `json:"choices"`
}

func registeredCommands(t *testing.T) []commandNode {
	t.Helper()
	b, err := json.Marshal(discord.Commands())
	if err != nil {
		t.Fatal(err)
	}
	var cmds []commandNode
	if err := json.Unmarshal(b, &cmds); err != nil {
		t.Fatal(err)
	}
	return cmds
}

func TestEveryCommandIsLocalizedAsDiscordRequires(t *testing.T) {
	var check func(path string, nodes []commandNode)
	check = func(path string, nodes []commandNode) {
		for _, locale := range localizedLocales {
			seen := map[string]string{}
			for _, n := range nodes {
				name := n.NameLocalizations[locale]
				if other, ok := seen[name]; ok {
					t.Errorf("%s: %q and %q are both called %q in %s", path, other, n.Name, name, locale)
				}
				seen[name] = n.Name
			}
		}
		for _, n := range nodes {
			at := strings.TrimPrefix(path+" "+n.Name, " ")
			for _, locale := range localizedLocales {
				name, desc := n.NameLocalizations[locale], n.DescriptionLocalizations[locale]
				if path == "" && n.Type == 3 { // a message command: any case and spaces
					if l := utf8.RuneCountInString(name); l < 1 || l > 32 {
						t.Errorf("%s: its %s name %q is not 1-32 characters", at, locale, name)
					}
					continue
				}
				if !chatInputName.MatchString(name) || strings.ToLower(name) != name {
					t.Errorf("%s: its %s name %q is not 1-32 lower-case letters, digits, - or _", at, locale, name)
				}
				if strings.HasPrefix(name, "cmd.") {
					t.Errorf("%s: no %s name in the catalogue", at, locale)
				}
				if l := utf8.RuneCountInString(desc); l < 1 || l > 100 || strings.HasPrefix(desc, "cmd.") {
					t.Errorf("%s: its %s description %q is not 1-100 characters from the catalogue", at, locale, desc)
				}
				for _, ch := range n.Choices {
					if len(ch.NameLocalizations) == 0 {
						continue // a language, named in itself
					}
					cn := ch.NameLocalizations[locale]
					if l := utf8.RuneCountInString(cn); l < 1 || l > 100 || strings.HasPrefix(cn, "cmd.") {
						t.Errorf("%s: choice %v's %s name %q is not 1-100 characters from the catalogue", at, ch.Value, locale, cn)
					}
				}
			}
			check(at, n.Options)
		}
	}
	check("", registeredCommands(t))
}

// TestDiscordAcceptsTheLocalizedCommands registers the commands with the
// fake Discord, which refuses what Discord refuses (names, lengths,
// locales, duplicates, the 8,000 characters of a command in one language).
func TestDiscordAcceptsTheLocalizedCommands(t *testing.T) {
	fake, err := fakediscord.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	client := rest.New(rest.NewClient(fake.Token, rest.WithURL(fake.APIURL())))
	defer client.Close(context.Background())
	n, err := discord.RegisterCommands(context.Background(), client, snowflake.ID(fake.AppID), nil)
	if err != nil {
		t.Fatalf("Discord refused the commands: %v", err)
	}
	if n != len(discord.Commands()) {
		t.Fatalf("registered %d commands, want %d", n, len(discord.Commands()))
	}

	// And the fake does refuse what Discord would: a German name with a
	// space and capitals.
	bad := discord.Commands()
	b, _ := json.Marshal(bad[:1])
	var raw []map[string]any
	_ = json.Unmarshal(b, &raw)
	raw[0]["name_localizations"].(map[string]any)["de"] = "Ticket Öffnen"
	b, _ = json.Marshal(raw)
	if err := client.Do(rest.SetGlobalCommands.Compile(nil, snowflake.ID(fake.AppID)), json.RawMessage(b), nil); err == nil {
		t.Fatal("the fake Discord accepted a localized name with a space and capitals")
	}
}

// TestEveryCommandKeyIsACommand: the commands catalogue holds no sentence
// for a command, option or choice that does not exist (a renamed option
// would otherwise leave its translations behind).
func TestEveryCommandKeyIsACommand(t *testing.T) {
	want := map[string]bool{}
	var walk func(path string, nodes []commandNode)
	walk = func(path string, nodes []commandNode) {
		for _, n := range nodes {
			if path == "cmd" && n.Type == 3 { // the message command
				want["cmd.about.Name"] = true
				continue
			}
			at := path + "." + n.Name
			want[at+".Name"], want[at+".Summary"] = true, true
			for _, ch := range n.Choices {
				if len(ch.NameLocalizations) > 0 {
					want[at+".Choices."+ch.Value.(string)] = true
				}
			}
			walk(at, n.Options)
		}
	}
	walk("cmd", registeredCommands(t))
	var catalogue map[string]any
	if _, err := toml.DecodeFile("../../internal/i18n/locales/commands.en.toml", &catalogue); err != nil {
		t.Fatal(err)
	}
	var have []string
	var flatten func(prefix string, m map[string]any)
	flatten = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				flatten(prefix+k+".", sub)
				continue
			}
			have = append(have, prefix+k)
		}
	}
	flatten("", catalogue)
	sort.Strings(have)
	for _, k := range have {
		if !want[k] {
			t.Errorf("commands.en.toml has %s, which no command, option or choice asks for", k)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("the commands ask for %s, which commands.en.toml does not have", k)
	}
	if _, err := os.Stat("../../internal/i18n/locales/commands.de.toml"); err != nil {
		t.Errorf("no German commands catalogue: %v", err)
	}
}
