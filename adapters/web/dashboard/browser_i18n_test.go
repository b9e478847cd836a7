package dashboard_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// TestTheDashboardInGermanInARealBrowser walks the dashboard in headless
// Chromium whose language is German: the login page, the tickets list with
// its dates, a ticket, the settings (the server's channel language chosen
// there), and the language chooser taking it back to English although the
// browser still asks for German.
func TestTheDashboardInGermanInARealBrowser(t *testing.T) {
	ctx := browser(t)
	w := testenv.NewWorld(t)
	bg := context.Background()
	setStaffRole(t, w)
	id := openTicket(t, w, w.Member, "Der Drucker brennt")
	v, err := w.Srv.TicketViews.Get(bg, string(id))
	must(t, err)
	de := i18n.Of("de")
	g := "http://" + w.Srv.Addr() + "/guilds/" + w.Guild.ID.String()
	// Every request of this tab says what a German Chromium says.
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "de-DE,de;q=0.9"}}); err != nil {
		t.Fatal(err)
	}
	lang := func(t *testing.T) string { return eval[string](t, ctx, `document.documentElement.lang`) }

	t.Run("the login page", func(t *testing.T) {
		w.Fake.LoginAs(w.Staff)
		do(t, ctx, "open a guild page", chromedp.Navigate(g+"/tickets"), chromedp.WaitVisible(chromedp.ID("login-discord")))
		if h, l := text(t, ctx, "h1"), lang(t); h != de.T("web.login.title") || l != "de" {
			t.Fatalf("the login page says %q in %q", h, l)
		}
		if got := text(t, ctx, "#login-discord"); got != de.T("web.login.with_discord") {
			t.Fatalf("the login button says %q", got)
		}
		do(t, ctx, "log in", chromedp.Click(chromedp.ID("login-discord")), chromedp.WaitVisible(chromedp.ID("tickets")))
	})

	t.Run("the tickets list, its dates", func(t *testing.T) {
		if l := lang(t); l != "de" {
			t.Fatalf("the tickets list is in %q", l)
		}
		if got := text(t, ctx, "#ticket-count"); got != de.N("web.tickets.count", 1) {
			t.Fatalf("the count says %q", got)
		}
		heads := eval[string](t, ctx, `[...document.querySelectorAll("#tickets th")].map(th => th.innerText).join("|")`)
		if !strings.Contains(heads, de.T("web.tickets.opened")) {
			t.Fatalf("the list's columns: %q", heads)
		}
		row := text(t, ctx, `#tickets tr[data-ticket="1"]`)
		if !strings.Contains(row, de.DateTime(v.OpenedAt.UTC())) || !strings.Contains(row, de.T("web.common.status_open")) {
			t.Fatalf("the ticket's line %q lacks its opening as %q", row, de.DateTime(v.OpenedAt.UTC()))
		}
		if nav := text(t, ctx, "header nav"); !strings.Contains(nav, de.T("web.layout.nav_settings")) {
			t.Fatalf("the navigation says %q", nav)
		}
	})

	t.Run("a ticket", func(t *testing.T) {
		do(t, ctx, "ticket page", chromedp.Navigate(g+"/tickets/"+string(id)), chromedp.WaitVisible(chromedp.ID("ticket-status")))
		heads := eval[string](t, ctx, `[...document.querySelectorAll("h2")].map(h => h.innerText).join("|")`)
		for _, want := range []string{de.T("web.ticket.actions"), de.T("web.ticket.timeline")} {
			if !strings.Contains(heads, want) {
				t.Fatalf("the ticket's headings %q lack %q", heads, want)
			}
		}
		if got := text(t, ctx, "#ticket-opened"); !strings.HasPrefix(got, de.DateTime(v.OpenedAt.UTC())) {
			t.Fatalf("opened %q", got)
		}
		if got := text(t, ctx, "#ticket-status"); got != de.T("web.common.status_open") {
			t.Fatalf("status %q", got)
		}
		// What people wrote stays as written.
		if got := text(t, ctx, "h1"); !strings.Contains(got, "#1") {
			t.Fatalf("the ticket's heading %q", got)
		}
	})

	t.Run("settings: the server's channel language", func(t *testing.T) {
		do(t, ctx, "settings", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("guild-language")))
		if h := text(t, ctx, "h1"); h != de.T("web.settings.title") {
			t.Fatalf("the settings page's heading %q", h)
		}
		if got := text(t, ctx, `label:has(#guild-language)`); !strings.HasPrefix(got, de.T("web.settings.language_label")) {
			t.Fatalf("the language setting's label %q", got)
		}
		do(t, ctx, "choose German for the channels", chromedp.SetValue(chromedp.ID("guild-language"), "de"),
			chromedp.Submit(chromedp.CSS("#form-language button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if got := text(t, ctx, ".flash.ok"); got != de.T("web.notices.language") {
			t.Fatalf("the banner says %q", got)
		}
		s, err := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID))
		must(t, err)
		if s.Language() != "de" {
			t.Fatalf("the server's language is %q", s.Language())
		}
		if got := eval[string](t, ctx, `document.querySelector("#guild-language").value`); got != "de" {
			t.Fatalf("the setting shows %q", got)
		}
		do(t, ctx, "back to the top", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("language")))
		screenshot(t, ctx, "dashboard-de")
	})

	t.Run("the chooser switches back to English", func(t *testing.T) {
		if got := eval[string](t, ctx, `document.querySelector("#language").value`); got != "de" {
			t.Fatalf("the chooser shows %q", got)
		}
		do(t, ctx, "choose English", chromedp.SetValue(chromedp.ID("language"), "en"), chromedp.Click(chromedp.ID("language-submit")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] h1`)))
		if loc := location(t, ctx); loc != g+"/settings" {
			t.Fatalf("after choosing at %s, want back at the settings", loc)
		}
		if h := text(t, ctx, "h1"); h != "Settings" {
			t.Fatalf("after choosing English the heading says %q", h)
		}
		// The choice stays although the browser still asks for German.
		do(t, ctx, "tickets", chromedp.Navigate(g+"/tickets"), chromedp.WaitVisible(chromedp.ID("ticket-count")))
		if got, l := text(t, ctx, "#ticket-count"), lang(t); got != "1 ticket" || l != "en" {
			t.Fatalf("the tickets list says %q in %q", got, l)
		}
		c := cookieNamed(t, ctx, "ticketify_lang")
		if c == nil || c.Value != "en" || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
			t.Fatalf("the language cookie %+v", c)
		}
	})
}

func cookieNamed(t *testing.T, ctx context.Context, name string) *network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}
