package dashboard_test

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// getIn asks for a page as a browser whose language is accept.
func (s *site) getIn(path, accept string) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header.Set("Accept-Language", accept)
	return s.do(req)
}

// postRaw posts a form as the site's browser (its cookies) without
// following a redirect.
func (s *site) postRaw(path string, form url.Values, header map[string]string) *http.Response {
	s.t.Helper()
	return s.sendOnce(s.formRequest(path, form, header))
}

func (s *site) langCookie() *http.Cookie { return s.cookieNamed("ticketify_lang") }

// in is a catalogue sentence as a page writes it (escaped), checked to be
// a translation: different from the English.
func in(t *testing.T, tag, key string, args ...any) string {
	t.Helper()
	s := i18n.Of(tag).T(key, args...)
	if tag != "en" && s == i18n.Of("en").T(key, args...) {
		t.Fatalf("%s has no %s translation: the check would prove nothing", key, tag)
	}
	return template.HTMLEscapeString(s)
}

func TestPagesSpeakTheBrowsersLanguage(t *testing.T) {
	w := testenv.NewWorld(t)
	id := openTicket(t, w, w.Member, "sprache")
	s := newSite(t, w)
	s.login(w.Owner)
	g := "/guilds/" + w.Guild.ID.String()
	de, en := i18n.Of("de"), i18n.Of("en")

	res, body := s.getIn(g+"/tickets", "de-DE,de;q=0.9")
	if res.StatusCode != 200 || !strings.Contains(body, `<html lang="de">`) || res.Header.Get("Content-Language") != "de" {
		t.Fatalf("a German browser got %d, Content-Language %q: %.300s", res.StatusCode, res.Header.Get("Content-Language"), body)
	}
	for _, want := range []string{"Accept-Language", "Cookie"} {
		if !strings.Contains(res.Header.Get("Vary"), want) {
			t.Fatalf("Vary %q lacks %s", res.Header.Get("Vary"), want)
		}
	}
	for _, want := range []string{in(t, "de", "web.tickets.opened"), in(t, "de", "web.layout.nav_settings"),
		template.HTMLEscapeString(de.N("web.tickets.count", 1))} {
		if !strings.Contains(body, want) {
			t.Errorf("the German tickets list lacks %q", want)
		}
	}
	if strings.Contains(body, ">"+en.T("web.layout.nav_settings")+"<") {
		t.Error("the German page still says Settings in English")
	}

	// Dates: the ticket's opening in German format, on the list and its page.
	v, err := w.Srv.TicketViews.Get(context.Background(), string(id))
	must(t, err)
	opened := v.OpenedAt.UTC()
	if got, want := de.DateTime(opened), opened.Format("02.01.2006, 15:04 UTC"); got != want {
		t.Fatalf("German date-time %q, want %q", got, want)
	}
	if !strings.Contains(body, de.DateTime(opened)) || strings.Contains(body, en.DateTime(opened)) {
		t.Errorf("the German list does not show the opening as %q", de.DateTime(opened))
	}
	_, page := s.getIn(g+"/tickets/"+string(id), "de")
	if !strings.Contains(page, de.DateTime(opened)) || !strings.Contains(page, in(t, "de", "web.ticket.actions")) {
		t.Errorf("the German ticket page lacks %q or its German headings", de.DateTime(opened))
	}
	_, page = s.getIn(g+"/tickets/"+string(id), "en-US")
	if !strings.Contains(page, opened.Format("2006-01-02 15:04 UTC")) || !strings.Contains(page, "<h2>Actions</h2>") {
		t.Errorf("the English ticket page lacks %q", opened.Format("2006-01-02 15:04 UTC"))
	}

	// A language Ticketify does not ship falls back to English.
	res, body = s.getIn(g+"/tickets", "ja-JP,ja;q=0.9")
	if !strings.Contains(body, `<html lang="en">`) || res.Header.Get("Content-Language") != "en" || !strings.Contains(body, ">Settings<") {
		t.Fatalf("a Japanese browser got %q: %.300s", res.Header.Get("Content-Language"), body)
	}

	// Before login too.
	_, body = newSite(t, w).getIn("/login", "de")
	if !strings.Contains(body, `<html lang="de">`) || !strings.Contains(body, in(t, "de", "web.login.with_discord")) {
		t.Fatalf("the German login page: %.500s", body)
	}
	// The API stays English whatever the browser says.
	res, body = s.getIn("/api/v1/guilds/123/tickets", "de")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "You do not manage Ticketify") {
		t.Fatalf("the API in German: %d %s", res.StatusCode, body)
	}
}

func TestTheLanguageChooser(t *testing.T) {
	w := testenv.NewWorld(t)
	g := "/guilds/" + w.Guild.ID.String()
	german := in(t, "de", "web.tickets.opened")

	t.Run("a choice is remembered and wins over the browser's language", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Owner)
		_, body := s.getIn(g+"/tickets?status=open", "en")
		if !strings.Contains(body, `action="/language"`) || !strings.Contains(body, `<option value="de" lang="de">Deutsch</option>`) ||
			!strings.Contains(body, `name="next" value="`+g+`/tickets?status=open"`) {
			t.Fatalf("the page has no language chooser coming back to it: %.3000s", body)
		}
		res := s.postRaw("/language", url.Values{"csrf": {s.csrf()}, "lang": {"de"}, "next": {g + "/tickets?status=open"}}, nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != g+"/tickets?status=open" {
			t.Fatalf("choosing German: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		set := strings.ToLower(res.Header.Get("Set-Cookie"))
		for _, want := range []string{"ticketify_lang=de", "httponly", "samesite=lax", "path=/", "max-age=31536000"} {
			if !strings.Contains(set, want) {
				t.Fatalf("the cookie %q lacks %q", set, want)
			}
		}
		if strings.Contains(set, "secure") {
			t.Fatalf("the cookie %q is Secure on plain-http localhost, like the session's is not", set)
		}
		res, body = s.getIn(g+"/tickets", "en-US,en;q=0.9")
		if !strings.Contains(body, `<html lang="de">`) || !strings.Contains(body, german) || res.Header.Get("Content-Language") != "de" {
			t.Fatalf("after choosing German an English browser got: %.300s", body)
		}
		// And back.
		s.postRaw("/language", url.Values{"csrf": {s.csrf()}, "lang": {"en"}, "next": {g + "/tickets"}}, nil)
		if _, body = s.getIn(g+"/tickets", "de"); !strings.Contains(body, `<html lang="en">`) {
			t.Fatal("choosing English did not win over a German browser")
		}
	})

	t.Run("refused without the session's token, and for a language not shipped", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Owner)
		for name, form := range map[string]url.Values{
			"no token":    {"lang": {"de"}},
			"wrong token": {"lang": {"de"}, "csrf": {"forged"}},
		} {
			res := s.postRaw("/language", form, nil)
			if res.StatusCode != http.StatusForbidden || len(res.Header.Values("Set-Cookie")) != 0 || s.langCookie() != nil {
				t.Fatalf("%s: %d, cookies %q", name, res.StatusCode, res.Header.Values("Set-Cookie"))
			}
		}
		for _, lang := range []string{"xx", "", "de-DE", "ja"} {
			res := s.postRaw("/language", url.Values{"csrf": {s.csrf()}, "lang": {lang}}, nil)
			if res.StatusCode != http.StatusBadRequest || len(res.Header.Values("Set-Cookie")) != 0 || s.langCookie() != nil {
				t.Fatalf("language %q: %d, cookies %q", lang, res.StatusCode, res.Header.Values("Set-Cookie"))
			}
		}
		if _, body := s.getIn(g+"/tickets", "en"); !strings.Contains(body, `<html lang="en">`) {
			t.Fatal("a refused choice changed the language")
		}
	})

	t.Run("it goes back only to a path of this site", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Owner)
		for _, next := range []string{"https://evil.example/", "//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "javascript:alert(1)", "",
			"/" + strings.Repeat("a", 200_000)} { // a Location header proxies would refuse
			res := s.postRaw("/language", url.Values{"csrf": {s.csrf()}, "lang": {"fr"}, "next": {next}}, nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
				t.Fatalf("next=%.40q: %d to %.40q, want /", next, res.StatusCode, res.Header.Get("Location"))
			}
		}
	})

	t.Run("no cache keeps someone's data", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Owner)
		for _, path := range []string{"/api/v1/me", "/api/v1/guilds", "/guilds/" + w.Guild.ID.String() + "/analytics.csv", "/guilds/" + w.Guild.ID.String() + "/analytics.json"} {
			res, _ := s.get(path)
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q: someone's data kept in a cache", path, res.Header.Get("Cache-Control"))
			}
			if strings.HasSuffix(path, ".csv") && res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", path, res.Header.Get("Content-Type"))
			}
		}
	})

	t.Run("before login: from this site only", func(t *testing.T) {
		anon := newSite(t, w)
		_, body := anon.getIn("/privacy", "en")
		if !strings.Contains(body, `action="/language"`) {
			t.Fatal("the privacy page has no language chooser")
		}
		for name, header := range map[string]map[string]string{
			"another site's form": {"Origin": "https://evil.example"},
			"a cross-site fetch":  {"Sec-Fetch-Site": "cross-site"},
		} {
			res := anon.postRaw("/language", url.Values{"lang": {"de"}}, header)
			if res.StatusCode != http.StatusForbidden || anon.langCookie() != nil {
				t.Fatalf("%s: %d", name, res.StatusCode)
			}
		}
		res := anon.postRaw("/language", url.Values{"lang": {"de"}, "next": {"/privacy"}}, map[string]string{"Origin": anon.base, "Sec-Fetch-Site": "same-origin"})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/privacy" || anon.langCookie() == nil {
			t.Fatalf("the chooser on the privacy page: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if _, body = anon.getIn("/login", "en"); !strings.Contains(body, in(t, "de", "web.login.title")) {
			t.Fatal("the login page is not in the language chosen")
		}
		// A forged token is refused even without a session.
		if res := newSite(t, w).postRaw("/language", url.Values{"lang": {"de"}, "csrf": {"forged"}}, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a forged token without a session: %d", res.StatusCode)
		}
	})
}

func TestTheServersChannelLanguageIsChosenInTheSettings(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	ctx := context.Background()
	g := "/guilds/" + w.Guild.ID.String()
	owner := newSite(t, w)
	owner.login(w.Owner)
	_, body := owner.get(g + "/settings")
	if !strings.Contains(body, `id="form-language"`) || !strings.Contains(body, "Language in the server&#39;s channels") ||
		!strings.Contains(body, `<option value="">The server&#39;s language in Discord</option>`) || !strings.Contains(body, `<option value="pt-BR" lang="pt-BR">Português (Brasil)</option>`) {
		t.Fatalf("the settings page has no language setting: %.200s", body)
	}
	// The rules in words are in the reader's language too.
	_, german := owner.getIn(g+"/settings", "de")
	de := i18n.Of("de")
	for _, want := range []string{
		`<p id="support-hours-said">` + html.EscapeString(de.T("web.settings.support_hours_said", "Hours", said.SupportHours(de, guild.SupportHours{}))) + `</p>`,
		`<p id="auto-close-said">` + html.EscapeString(de.T("web.settings.auto_close_said", "Rule", said.AutoClose(de, guild.AutoClose{}))) + `</p>`,
	} {
		if !strings.Contains(german, want) {
			t.Errorf("the German settings page does not say %q", want)
		}
	}
	if strings.Contains(german, "always open") {
		t.Error("the German settings page says the support hours in English")
	}
	res, body := owner.post(g+"/settings/language", url.Values{"csrf": {owner.csrf()}, "language": {"de"}}, nil)
	if res.Request.URL.RawQuery != "done=language-saved" || !strings.Contains(body, "Language of the server&#39;s channels saved.") {
		t.Fatalf("saving German: %d at %s", res.StatusCode, res.Request.URL)
	}
	s, err := w.Srv.App.Settings(ctx, domain.GuildID(w.Guild.ID))
	must(t, err)
	if s.Language() != "de" {
		t.Fatalf("the server's language is %q after the form", s.Language())
	}
	if !strings.Contains(body, `<option value="de" lang="de" selected>Deutsch</option>`) {
		t.Fatal("the settings page does not show German chosen")
	}
	// The banner in the reader's language.
	if _, body := owner.getIn(g+"/settings?done=language-saved", "de"); !strings.Contains(body, in(t, "de", "web.notices.language")) {
		t.Fatal("the banner is not in German")
	}
	// A language not shipped is refused with the domain's sentence, and changes nothing.
	res, body = owner.post(g+"/settings/language", url.Values{"csrf": {owner.csrf()}, "language": {"xx"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, template.HTMLEscapeString(i18n.Of("en").T("guild.language_unknown", "Language", "xx"))) {
		t.Fatalf("an unknown language: %d %.300s", res.StatusCode, body)
	}
	// Without the session's token: refused.
	if res, _ := owner.post(g+"/settings/language", url.Values{"language": {""}}, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without the CSRF token: %d", res.StatusCode)
	}
	// Back to the server's language in Discord.
	owner.post(g+"/settings/language", url.Values{"csrf": {owner.csrf()}, "language": {""}}, nil)
	if s, _ := w.Srv.App.Settings(ctx, domain.GuildID(w.Guild.ID)); s.Language() != "" {
		t.Fatalf("the server's language is %q, want its Discord one", s.Language())
	}
	// Staff (by role) may set it too: the same rule as /setup language.
	staff := newSite(t, w)
	staff.login(w.Staff)
	staff.post(g+"/settings/language", url.Values{"csrf": {staff.csrf()}, "language": {"fr"}}, nil)
	if s, _ := w.Srv.App.Settings(ctx, domain.GuildID(w.Guild.ID)); s.Language() != "fr" {
		t.Fatalf("staff's choice: %q", s.Language())
	}
}
