package dashboard

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
)

// The dashboard speaks the reader's language: the one they chose with the
// chooser every page shows (a cookie), else the one their browser asks for
// (Accept-Language), else English. Pages, their banners, refusals and error
// pages are in it; the JSON API is not (see fail): its field names, enum
// values and messages stay English, a stable contract for scripts. What
// people wrote — topics, messages, transcripts, tags, category names — is
// shown as written, never translated.

// langCookie holds a person's chosen language (a tag of i18n.Languages),
// set only by the chooser: nothing else, and no session needed.
const langCookie = "ticketify_lang"

// langCookieAge is how long a chosen language is remembered.
const langCookieAge = 365 * 24 * time.Hour

type localeKey struct{}

// localeOf is the request's language: the person's choice, else the
// browser's, else English.
func localeOf(c *fiber.Ctx) i18n.Locale {
	if l, ok := c.Locals(localeKey{}).(i18n.Locale); ok {
		return l
	}
	l, ok := i18n.Exactly(c.Cookies(langCookie))
	if !ok {
		l = i18n.OfAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	}
	c.Locals(localeKey{}, l)
	return l
}

// chooseLanguage is POST /language: it remembers the chosen language in a
// cookie and sends the browser back to the page it came from (next=, a
// path of this site only; anything else goes to /). A language Ticketify
// does not ship is refused (400) and sets nothing.
func (d *Dashboard) chooseLanguage(c *fiber.Ctx) error {
	l, ok := i18n.Exactly(c.FormValue("lang"))
	if !ok {
		return d.fail(c, fiber.StatusBadRequest, "web.errors.language_unknown")
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: l.Tag(), Path: "/", Expires: d.cfg.Clock().Add(langCookieAge),
		MaxAge: int(langCookieAge / time.Second), HTTPOnly: true, Secure: d.secure, SameSite: fiber.CookieSameSiteLaxMode})
	c.Locals(localeKey{}, l)
	return c.Redirect(safeNextOr(c.FormValue("next"), "/"), fiber.StatusSeeOther)
}

// languageCSRF guards the language chooser. Someone logged in sends their
// session's CSRF token with it, as with every other form (checkCSRF).
// Before login there is no session, so no token to send: the chooser on the
// login and privacy pages is then protected the way the login itself is
// (the demo login's POST, /auth/login's navigation check): the browser must
// not say the form came from another site (Origin, Sec-Fetch-Site; see
// originOK). A token made up for a visitor without a session would prove
// nothing more — another site could fetch one too — and would need a
// cookie before anyone chose anything. What a forged choice could do to
// someone logged out is set their language; it touches nothing else.
func (d *Dashboard) languageCSRF(c *fiber.Ctx) error {
	if current(c) != nil || c.FormValue("csrf") != "" || c.Get("X-CSRF-Token") != "" {
		return d.checkCSRF(c)
	}
	return d.sameOrigin(c)
}

// here is the page being rendered, for the chooser to come back to: a GET's
// own URL, else (a form's answer) the page the form was on, when the
// browser says it was one of ours. Of its query it keeps only what the
// pages read (filters, a page number, a login's next): not a banner's code,
// and no other text from the URL.
func (d *Dashboard) here(c *fiber.Ctx) string {
	var u *url.URL
	if c.Method() == fiber.MethodGet {
		u, _ = url.Parse(c.OriginalURL())
	} else if ref, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && ref.Host != "" {
		if want, err := url.Parse(d.cfg.PublicURL); err == nil && ref.Scheme == want.Scheme && ref.Host == want.Host {
			u = ref
		}
	}
	if u == nil {
		return "/"
	}
	q := url.Values{}
	for k, v := range u.Query() {
		if pageParams[k] {
			q[k] = v
		}
	}
	return safeNextOr((&url.URL{Path: u.Path, RawQuery: q.Encode()}).String(), "/")
}

// pageParams are the query parameters the pages read.
var pageParams = map[string]bool{"status": true, "category": true, "opener": true, "claimer": true, "priority": true,
	"q": true, "page": true, "per_page": true, "ticket": true, "actor": true, "type": true, "before": true, "from": true,
	"to": true, "pick": true, "next": true}

// langChoice is a language in the chooser, named in itself.
type langChoice struct {
	Tag, Name string
	Selected  bool
}

func langChoices(current i18n.Locale) []langChoice {
	out := make([]langChoice, 0, len(i18n.Languages()))
	for _, l := range i18n.Languages() {
		out = append(out, langChoice{Tag: l.Tag(), Name: l.Name(), Selected: l.Tag() == current.Tag()})
	}
	return out
}

// words is a page's language as its templates use it: i18n.Locale's
// sentences, numbers and dates, and what the pages add to them.
type words struct{ i18n.Locale }

// H is T for a sentence with markup around some of its words. The
// sentence is escaped as text; a placeholder whose value is template.HTML
// (made by the templates' code, tag and link functions, which escape their
// text) goes in as markup. Markup is never part of a catalogue's sentence.
func (w words) H(key string, args ...any) template.HTML {
	pairs := make([]any, len(args))
	copy(pairs, args)
	var marks []string
	for i := 1; i < len(pairs); i += 2 {
		switch v := pairs[i].(type) {
		case template.HTML:
			pairs[i] = mark(len(marks))
			marks = append(marks, string(v))
		default: // any other value is text, which cannot pose as a mark
			pairs[i] = unmark.Replace(fmt.Sprint(v))
		}
	}
	s := html.EscapeString(w.T(key, pairs...))
	for i, m := range marks {
		s = strings.ReplaceAll(s, mark(i), m)
	}
	return template.HTML(s) //nolint:gosec // the sentence escaped, the markup made by the template functions
}

// unmark takes the marks' characters out of text.
var unmark = strings.NewReplacer("\ue000", "", "\ue001", "")

// mark stands for a placeholder's markup while its sentence is escaped:
// private-use characters, which escaping leaves as they are.
func mark(i int) string { return "\ue000" + strconv.Itoa(i) + "\ue001" }

// Time is a moment in the language's format, in UTC ("" for none).
func (w words) Time(t any) string {
	switch v := t.(type) {
	case time.Time:
		if !v.IsZero() {
			return w.DateTime(v.UTC())
		}
	case *time.Time:
		if v != nil && !v.IsZero() {
			return w.DateTime(v.UTC())
		}
	}
	return ""
}

// Day is a day written YYYY-MM-DD in the language's format.
func (w words) Day(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return w.Date(t)
}

// ShortDay is a day without its year, for a chart's axis ("11-01",
// "01.11.").
func (w words) ShortDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return strings.Trim(strings.Replace(w.Date(t), t.Format("2006"), "", 1), "-/ ")
}

// Status names a ticket's status ("open", "closed").
func (w words) Status(s string) string {
	if k, ok := statusKeys[s]; ok {
		return w.T(k)
	}
	return s
}

var statusKeys = map[string]string{"open": "web.common.status_open", "closed": "web.common.status_closed"}

// Priority names a ticket's priority.
func (w words) Priority(p string) string {
	if k, ok := priorityKeys[p]; ok {
		return w.T(k)
	}
	return p
}

var priorityKeys = map[string]string{"low": "web.common.priority_low", "normal": "web.common.priority_normal",
	"high": "web.common.priority_high", "urgent": "web.common.priority_urgent"}

// Source names where an action came from, on the timelines.
func (w words) Source(s string) string {
	if k, ok := sourceKeys[s]; ok {
		return w.T(k)
	}
	return s
}

var sourceKeys = map[string]string{"slash_command": "web.common.source_slash_command", "button": "web.common.source_button",
	"modal": "web.common.source_modal", "dashboard": "web.common.source_dashboard", "automation": "web.common.source_automation",
	"discord": "web.common.source_discord", "cli": "web.common.source_cli", "system": "web.common.source_system"}

// Elapsed is a time measured in milliseconds, said in the language ("—"
// for none).
func (w words) Elapsed(ms int64) string {
	if ms <= 0 {
		return "—"
	}
	return said.Elapsed(w.Locale, time.Duration(ms)*time.Millisecond)
}

// Num writes a number as the language does, with as many decimals as
// it has (up to three): for chart axes and tooltips.
func (w words) Num(v float64) string {
	if v == float64(int64(v)) {
		return w.Number(int(v))
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	digits := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		digits = min(len(s)-i-1, 3)
	}
	return w.Decimal(v, digits)
}

// Template functions that make markup for H's placeholders; each escapes
// its text.

// markupTags are the elements a template may wrap words in.
var markupTags = map[string]bool{"b": true, "code": true, "em": true, "q": true, "strong": true, "kbd": true}

// tagHTML wraps text in an element (one of markupTags), with an id if given.
func tagHTML(name, id, text string) template.HTML {
	if !markupTags[name] {
		return template.HTML(html.EscapeString(text)) //nolint:gosec // escaped
	}
	attr := ""
	if id != "" {
		attr = ` id="` + html.EscapeString(id) + `"`
	}
	return template.HTML("<" + name + attr + ">" + html.EscapeString(text) + "</" + name + ">") //nolint:gosec // escaped
}

// linkHTML is a link to a path of this site (safeNextOr's rule: not
// another site, not through a backslash or an encoded one).
func linkHTML(href, text string) template.HTML {
	href = safeNextOr(href, "/")
	return template.HTML(`<a href="` + html.EscapeString(href) + `">` + html.EscapeString(text) + `</a>`) //nolint:gosec // escaped
}
