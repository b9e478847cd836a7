// Package i18n speaks Ticketify's words in the reader's language.
//
// The words live in message catalogues, locales/<part>.<language>.toml: one
// file per part of the program (core, bot, commands, domain, web, audit,
// said) and language, every key present in every language
// (catalogue_test.go holds them to it, and the code to them). The
// catalogues are go-i18n's (STYLE 18): its TOML format, its plural forms,
// its text/template placeholders ({{.Name}}). What this package adds is the
// choice of a language from what Discord or a browser says, a Locale value
// made once per language, and dates and numbers in the language's format.
//
// The catalogues are compiled into the binary; they are loaded once, on
// first use, and never change after — a constant table, like a time zone
// database, which is why no composition root passes them around.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed locales/*.toml
var files embed.FS

// The languages Ticketify ships, English first: it is the fallback of every
// other language and of every reader whose language is not shipped.
var shipped = []language.Tag{language.English, language.German, language.French, language.Spanish, language.BrazilianPortuguese}

// Languages are the shipped languages, in the order a chooser shows them.
func Languages() []Locale {
	out := make([]Locale, len(shipped))
	for i, tag := range shipped {
		out[i] = catalogue().locales[tag]
	}
	return out
}

// English is the language of the program's own words where no reader
// chose one: logs, the JSON API, what is stored. The zero Locale is English
// too.
func English() Locale { return Locale{} }

// Locale is one language's catalogue and formats. Its zero value speaks
// English.
type Locale struct {
	*locale
}

type locale struct {
	tag       language.Tag
	localizer *goi18n.Localizer
	printer   *message.Printer
	date      string // time layouts
	dateTime  string
}

// layouts are the numeric date formats each language writes (no month
// names, so nothing here needs translating).
var layouts = map[language.Tag][2]string{
	language.English:             {"2006-01-02", "2006-01-02 15:04 MST"},
	language.German:              {"02.01.2006", "02.01.2006, 15:04 MST"},
	language.French:              {"02/01/2006", "02/01/2006 15:04 MST"},
	language.Spanish:             {"02/01/2006", "02/01/2006 15:04 MST"},
	language.BrazilianPortuguese: {"02/01/2006", "02/01/2006 15:04 MST"},
}

var loadOnce = sync.OnceValues(load)

type loaded struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	locales map[language.Tag]Locale
}

func load() (*loaded, error) {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(files, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		buf, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if _, err := bundle.ParseMessageFileBytes(buf, path.Base(name)); err != nil {
			return nil, fmt.Errorf("message catalogue %s: %w", name, err)
		}
	}
	s := &loaded{bundle: bundle, matcher: language.NewMatcher(shipped), locales: map[language.Tag]Locale{}}
	for _, tag := range shipped {
		l := layouts[tag]
		s.locales[tag] = Locale{&locale{tag: tag, localizer: goi18n.NewLocalizer(bundle, tag.String()),
			printer: message.NewPrinter(tag), date: l[0], dateTime: l[1]}}
	}
	return s, nil
}

func catalogue() *loaded {
	s, err := loadOnce()
	if err != nil {
		panic(err) // the catalogues are compiled in: catalogue_test.go loads them on every test run
	}
	return s
}

// Of is the shipped language closest to the given ones, in order of
// preference (Discord's locales such as "de", "pt-BR" or "es-ES", or BCP 47
// tags); English when none is near enough.
func Of(preferred ...string) Locale {
	s := catalogue()
	var tags []language.Tag
	for _, p := range preferred {
		if t, err := language.Parse(p); err == nil {
			tags = append(tags, t)
		}
	}
	if len(tags) == 0 {
		return s.locales[language.English]
	}
	_, i, confidence := s.matcher.Match(tags...)
	if confidence == language.No {
		return s.locales[language.English]
	}
	return s.locales[shipped[i]]
}

// OfAcceptLanguage is the shipped language a browser's Accept-Language
// header prefers. One malformed entry ("de;q=abc") is left out rather than
// spoiling the rest; a language refused with q=0 is not chosen.
func OfAcceptLanguage(header string) Locale {
	s := catalogue()
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		tags = nil
		for _, entry := range strings.Split(header, ",") {
			if t, _, err := language.ParseAcceptLanguage(entry); err == nil {
				tags = append(tags, t...)
			}
		}
	}
	if len(tags) == 0 {
		return s.locales[language.English]
	}
	_, i, confidence := s.matcher.Match(tags...)
	if confidence == language.No {
		return s.locales[language.English]
	}
	return s.locales[shipped[i]]
}

// Exactly is a shipped language by its tag as Tag writes it ("pt-BR"), for
// a choice a person made; false when it is not shipped.
func Exactly(tag string) (Locale, bool) {
	for _, t := range shipped {
		if t.String() == tag {
			return catalogue().locales[t], true
		}
	}
	return Locale{}, false
}

func (l Locale) get() *locale {
	if l.locale == nil {
		return catalogue().locales[language.English].locale
	}
	return l.locale
}

// Tag is the language's BCP 47 tag ("en", "de", "pt-BR").
func (l Locale) Tag() string { return l.get().tag.String() }

// Name is the language's name in itself ("Deutsch"), for a chooser.
func (l Locale) Name() string {
	return l.get().localizer.MustLocalize(&goi18n.LocalizeConfig{MessageID: "language.name"})
}

// T is the sentence the key names, its placeholders filled from args: pairs
// of a placeholder's name and its value, like slog's ("User", mention).
func (l Locale) T(key string, args ...any) string {
	return l.Message(key, pairs(args))
}

// N is the sentence the key names in the plural form count calls for; its
// placeholders may use {{.Count}}.
func (l Locale) N(key string, count int, args ...any) string {
	data := pairs(args)
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = l.Number(count)
	return l.localize(key, data, count)
}

// Message is T with the placeholders' values in a map (a refusal's, say).
func (l Locale) Message(key string, data map[string]any) string {
	return l.localize(key, data, nil)
}

func (l Locale) localize(key string, data map[string]any, count any) string {
	s, err := l.get().localizer.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		// A key no catalogue holds: catalogue_test.go fails on the code
		// that asks for it; a reader sees the key rather than nothing.
		return key
	}
	return s
}

// Has reports whether the catalogues hold the key (a key stored with a
// record by an older or newer build may not be).
func Has(key string) bool {
	_, err := catalogue().locales[language.English].localizer.Localize(&goi18n.LocalizeConfig{MessageID: key})
	return err == nil || !isNotFound(err)
}

func isNotFound(err error) bool {
	_, ok := err.(*goi18n.MessageNotFoundErr)
	return ok
}

// Number writes an integer with the language's digit grouping (1,234 or
// 1.234).
func (l Locale) Number(n int) string { return l.get().printer.Sprintf("%d", n) }

// Decimal writes a number with the given digits after the language's
// decimal separator (4.5 or 4,5).
func (l Locale) Decimal(f float64, digits int) string {
	return l.get().printer.Sprintf("%.*f", digits, f)
}

// Date writes a day in the language's numeric format.
func (l Locale) Date(t time.Time) string { return t.Format(l.get().date) }

// DateTime writes a moment, to the minute, in the language's numeric format
// and t's zone.
func (l Locale) DateTime(t time.Time) string { return t.Format(l.get().dateTime) }

func pairs(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	data := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		data[name] = args[i+1]
	}
	return data
}
