package fakediscord

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// What Discord checks when commands are registered
// (https://discord.com/developers/docs/interactions/application-commands):
// the names, descriptions and choices of every command and option, in every
// locale they are localized to. A command Discord would refuse, the fake
// refuses with Discord's 400 "Invalid Form Body".

// chatInputName is a slash command's or option's name, in any locale.
var chatInputName = regexp.MustCompile(`^[-_\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// discordLocales are the locales Discord accepts in localizations.
var discordLocales = map[string]bool{"id": true, "da": true, "de": true, "en-GB": true, "en-US": true, "es-ES": true,
	"es-419": true, "fr": true, "hr": true, "it": true, "lt": true, "hu": true, "nl": true, "no": true, "pl": true,
	"pt-BR": true, "ro": true, "fi": true, "sv-SE": true, "vi": true, "tr": true, "cs": true, "el": true, "bg": true,
	"ru": true, "uk": true, "hi": true, "th": true, "zh-CN": true, "ja": true, "zh-TW": true, "ko": true}

// maxCommandCharacters bounds a command's names, descriptions and choice
// values together, in each locale.
const maxCommandCharacters = 8000

// validateCommand says what Discord would refuse in a command ("" when
// nothing).
func validateCommand(c map[string]any) string {
	typ, _ := c["type"].(float64)
	name, _ := c["name"].(string)
	if typ == 2 || typ == 3 { // user and message commands: any case, spaces, no description
		if n := utf8.RuneCountInString(name); n < 1 || n > 32 {
			return "name: must be 1-32 characters"
		}
		for locale, v := range localizations(c, "name_localizations") {
			if !discordLocales[locale] {
				return fmt.Sprintf("name_localizations.%s: invalid locale", locale)
			}
			if n := utf8.RuneCountInString(v); n < 1 || n > 32 {
				return fmt.Sprintf("name_localizations.%s: must be 1-32 characters", locale)
			}
		}
		return ""
	}
	totals := map[string]int{}
	if problem := validateNode("", c, totals); problem != "" {
		return problem
	}
	for locale, n := range totals {
		if n > maxCommandCharacters {
			return fmt.Sprintf("%s: the command's names, descriptions and values in %s add up to %d characters (at most %d)", name, locale, n, maxCommandCharacters)
		}
	}
	return ""
}

// validateNode checks a chat-input command or option and its options; totals
// add up its characters by locale ("" is the default).
func validateNode(path string, n map[string]any, totals map[string]int) string {
	name, _ := n["name"].(string)
	description, _ := n["description"].(string)
	at := strings.TrimPrefix(path+"."+name, ".")
	if !chatInputName.MatchString(name) || strings.ToLower(name) != name {
		return at + ".name: must match " + chatInputName.String() + " in lower case"
	}
	if l := utf8.RuneCountInString(description); l < 1 || l > 100 {
		return at + ".description: must be 1-100 characters"
	}
	names, descriptions := localizations(n, "name_localizations"), localizations(n, "description_localizations")
	totals[""] += utf8.RuneCountInString(name) + utf8.RuneCountInString(description)
	for locale := range discordLocales {
		ln, ok := names[locale]
		if !ok {
			ln = name
		}
		ld, ok := descriptions[locale]
		if !ok {
			ld = description
		}
		if len(names) > 0 || len(descriptions) > 0 {
			totals[locale] += utf8.RuneCountInString(ln) + utf8.RuneCountInString(ld)
		}
	}
	for locale, v := range names {
		if !discordLocales[locale] {
			return fmt.Sprintf("%s.name_localizations.%s: invalid locale", at, locale)
		}
		if !chatInputName.MatchString(v) || strings.ToLower(v) != v {
			return fmt.Sprintf("%s.name_localizations.%s: %q must match %s in lower case", at, locale, v, chatInputName)
		}
	}
	for locale, v := range descriptions {
		if !discordLocales[locale] {
			return fmt.Sprintf("%s.description_localizations.%s: invalid locale", at, locale)
		}
		if l := utf8.RuneCountInString(v); l < 1 || l > 100 {
			return fmt.Sprintf("%s.description_localizations.%s: must be 1-100 characters", at, locale)
		}
	}
	choices, _ := n["choices"].([]any)
	if len(choices) > 25 {
		return at + ".choices: at most 25"
	}
	for _, ch := range choices {
		ch, _ := ch.(map[string]any)
		cn, _ := ch["name"].(string)
		if l := utf8.RuneCountInString(cn); l < 1 || l > 100 {
			return at + ".choices.name: must be 1-100 characters"
		}
		value := len(fmt.Sprint(ch["value"]))
		totals[""] += utf8.RuneCountInString(cn) + value
		localized := localizations(ch, "name_localizations")
		for locale := range totals {
			if locale == "" {
				continue
			}
			v, ok := localized[locale]
			if !ok {
				v = cn
			}
			totals[locale] += utf8.RuneCountInString(v) + value
		}
		for locale, v := range localized {
			if !discordLocales[locale] {
				return fmt.Sprintf("%s.choices.name_localizations.%s: invalid locale", at, locale)
			}
			if l := utf8.RuneCountInString(v); l < 1 || l > 100 {
				return fmt.Sprintf("%s.choices.name_localizations.%s: must be 1-100 characters", at, locale)
			}
		}
	}
	options, _ := n["options"].([]any)
	if len(options) > 25 {
		return at + ".options: at most 25"
	}
	seen := map[string]bool{} // a name, in a locale, is one option's
	for _, o := range options {
		o, _ := o.(map[string]any)
		if problem := validateNode(at, o, totals); problem != "" {
			return problem
		}
		own, _ := o["name"].(string)
		for locale := range discordLocales {
			v, ok := localizations(o, "name_localizations")[locale]
			if !ok {
				v = own
			}
			if seen[locale+"/"+v] {
				return fmt.Sprintf("%s.options: two options are called %q in %s", at, v, locale)
			}
			seen[locale+"/"+v] = true
		}
	}
	return ""
}

func localizations(n map[string]any, field string) map[string]string {
	m, _ := n[field].(map[string]any)
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, _ := v.(string)
		out[k] = s
	}
	return out
}

// duplicateCommand says which two commands of one type share a name in some
// locale ("" when none do): Discord refuses the whole set.
func duplicateCommand(cmds []map[string]any) string {
	seen := map[string]bool{}
	for _, c := range cmds {
		typ, _ := c["type"].(float64)
		name, _ := c["name"].(string)
		names := localizations(c, "name_localizations")
		for locale := range discordLocales {
			v, ok := names[locale]
			if !ok {
				v = name
			}
			k := fmt.Sprintf("%v/%s/%s", typ, locale, v)
			if seen[k] {
				return fmt.Sprintf("two commands are called %q in %s", v, locale)
			}
			seen[k] = true
		}
	}
	return ""
}
