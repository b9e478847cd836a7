package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// chromium finds a Chromium to drive: locally its absence skips the browser
// tests; in CI (CI=true) it fails them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("TICKETIFY_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is required in CI: apt-get install chromium (or set TICKETIFY_CHROMIUM)")
	}
	t.Skip("browser tests skipped: no Chromium found (apt-get install chromium, or set TICKETIFY_CHROMIUM)")
	return ""
}

// browser starts a headless Chromium; every tab shares its cookies.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// do runs browser steps with a deadline and fails with what was asked.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("%s: %v (at %s)", what, err, location(t, ctx))
	}
}

// get runs one browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(get(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return get(t, ctx, "evaluate "+js, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(tctx, chromedp.Location())
	return loc
}

// screenshot saves the page under TICKETIFY_SCREENSHOTS (docs/screenshots).
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("TICKETIFY_SCREENSHOTS")
	if dir == "" {
		return
	}
	img := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
		t.Fatal(err)
	}
}

func sessionCookie(t *testing.T, ctx context.Context) *network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == "ticketify_session" {
			return c
		}
	}
	return nil
}

// acceptConfirm answers "OK" to the page's confirm() dialogs.
var acceptConfirm = chromedp.Evaluate[bool]("(window.confirm = () => true, true)")

func ok(a chromedp.Action[bool]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// TestTheDashboardInARealBrowser walks the dashboard in headless Chromium
// against the whole program: Discord login through the fake Discord's
// OAuth pages, the guild picker, ticket filters, a transcript whose messages
// try to run script, closing a ticket and seeing it in the timeline and on
// Discord, analytics numbers, a settings change, another guild's 403,
// logout, and an expired session.
func TestTheDashboardInARealBrowser(t *testing.T) {
	ctx := browser(t)
	w := testenv.NewWorld(t)
	bg := context.Background()
	setStaffRole(t, w)
	member2 := w.Fake.NewUser("Bo Billing")
	w.Fake.AddMember(w.Guild.ID, member2)
	first := openTicket(t, w, w.Member, "printer on fire")
	second := openTicket(t, w, member2, `billing question <img src=x onerror="window.__xss='topic'">`)
	ch1 := channelOf(t, w, first)
	// Message content is untrusted: these must stay text.
	w.Fake.PostMessage(ch1, w.Member, `<script>window.__xss="script"</script>`)
	w.Fake.PostMessage(ch1, w.Member, `<img src=x onerror="window.__xss='img'"> and **bold** with `+"`code`")
	w.Fake.PostMessage(ch1, w.Staff, `[click](javascript:window.__xss='link') https://example.com/ok`)
	w.WaitFor(t, "the messages in the transcript", func() bool {
		tr, err := w.Srv.Transcripts.Get(bg, string(first))
		return err == nil && len(tr.Entries) >= 5
	})
	other := w.Fake.AddGuild("Other Server", member2)
	w.Fake.AddMember(other.ID, w.Staff)
	must(t, w.Srv.App.RecordBotJoined(bg, domain.GuildID(other.ID), other.Name, domain.UserID(member2.ID)))
	base := "http://" + w.Srv.Addr()
	g := base + "/guilds/" + w.Guild.ID.String()

	t.Run("log in with Discord", func(t *testing.T) {
		w.Fake.LoginAs(w.Staff)
		do(t, ctx, "open a guild page", chromedp.Navigate(g+"/tickets"), chromedp.WaitVisible(chromedp.ID("login-discord")))
		screenshot(t, ctx, "login")
		do(t, ctx, "log in", chromedp.Click(chromedp.ID("login-discord")), chromedp.WaitVisible(chromedp.ID("tickets")))
		if loc := location(t, ctx); loc != g+"/tickets" {
			t.Fatalf("after login at %s, want back at %s", loc, g+"/tickets")
		}
		c := sessionCookie(t, ctx)
		if c == nil || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
			t.Fatalf("session cookie %+v, want httpOnly SameSite=Lax", c)
		}
		if d := time.Until(time.Unix(int64(c.Expires), 0)); d < 7*24*time.Hour-time.Hour || d > 7*24*time.Hour+time.Hour {
			t.Fatalf("cookie lives %s, want 7 days", d)
		}
		if n := eval[float64](t, ctx, `localStorage.length + sessionStorage.length + document.cookie.length`); n != 0 {
			t.Fatalf("the page can see %v bytes of storage or cookies", n)
		}
	})

	t.Run("guild picker", func(t *testing.T) {
		do(t, ctx, "picker", chromedp.Navigate(base+"/guilds?pick=1"), chromedp.WaitVisible(chromedp.CSS(".guilds")))
		names := text(t, ctx, ".guilds")
		if !strings.Contains(names, w.Guild.Name) || strings.Contains(names, "Other Server") {
			t.Fatalf("picker lists %q", names)
		}
		screenshot(t, ctx, "guilds")
		do(t, ctx, "pick", chromedp.Click(chromedp.CSS(`a[data-guild="`+w.Guild.ID.String()+`"]`)), chromedp.WaitVisible(chromedp.ID("tickets")))
	})

	t.Run("tickets list filters", func(t *testing.T) {
		if n := eval[float64](t, ctx, `document.querySelectorAll("#tickets tbody tr[data-ticket]").length`); n != 2 {
			t.Fatalf("%v tickets listed, want 2", n)
		}
		if n := eval[float64](t, ctx, `document.querySelectorAll("#tickets img").length + (window.__xss === undefined ? 0 : 1)`); n != 0 {
			t.Fatal("a ticket's topic became markup in the list")
		}
		screenshot(t, ctx, "tickets")
		do(t, ctx, "search", chromedp.SetValue(chromedp.CSS(`input[name="q"]`), "billing"),
			chromedp.Submit(chromedp.CSS(`input[name="q"]`)), chromedp.WaitVisible(chromedp.ID("ticket-count")))
		if got := text(t, ctx, "#ticket-count"); got != "1 ticket" {
			t.Fatalf("search shows %q", got)
		}
		if n := eval[string](t, ctx, `document.querySelector("#tickets tbody tr[data-ticket]").dataset.ticket`); n != "2" {
			t.Fatalf("search found ticket %s, want 2", n)
		}
		do(t, ctx, "by opener", chromedp.Navigate(g+"/tickets?opener="+w.Member.ID.String()), chromedp.WaitVisible(chromedp.ID("ticket-count")))
		if n := eval[string](t, ctx, `[...document.querySelectorAll("#tickets tbody tr[data-ticket]")].map(r => r.dataset.ticket).join()`); n != "1" {
			t.Fatalf("opener filter shows %q, want ticket 1", n)
		}
	})

	t.Run("transcript stays inert", func(t *testing.T) {
		do(t, ctx, "ticket page", chromedp.Navigate(g+"/tickets/"+string(first)), chromedp.WaitVisible(chromedp.ID("transcript")))
		screenshot(t, ctx, "ticket")
		if x := eval[any](t, ctx, `window.__xss === undefined ? null : window.__xss`); x != nil {
			t.Fatalf("message content ran script: %v", x)
		}
		if n := eval[float64](t, ctx, `document.querySelectorAll("#transcript script, #transcript img, #transcript [onerror], #transcript a[href^='javascript']").length`); n != 0 {
			t.Fatalf("%v injected elements in the transcript", n)
		}
		if got := text(t, ctx, "#transcript"); !strings.Contains(got, `<script>window.__xss="script"</script>`) {
			t.Fatalf("the script text is not shown as text: %q", got)
		}
		do(t, ctx, "standalone transcript", chromedp.Navigate(g+"/tickets/"+string(first)+"/transcript.html"), chromedp.WaitVisible(chromedp.CSS("main")))
		if x := eval[any](t, ctx, `window.__xss === undefined ? null : window.__xss`); x != nil {
			t.Fatalf("the standalone transcript ran script: %v", x)
		}
	})

	t.Run("close from the dashboard", func(t *testing.T) {
		do(t, ctx, "close", chromedp.Navigate(g+"/tickets/"+string(first)), chromedp.WaitVisible(chromedp.ID("reason")),
			chromedp.SendKeys(chromedp.ID("reason"), "fixed from the browser"), ok(acceptConfirm), chromedp.Click(chromedp.ID("close")),
			chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s := text(t, ctx, "#ticket-status"); s != "closed" {
			t.Fatalf("status %q after closing", s)
		}
		entry := eval[string](t, ctx, `(document.querySelector('#timeline li[data-type="ticket.closed.v1"]') || {}).innerText || ""`)
		if !strings.Contains(entry, "dashboard") || !strings.Contains(entry, "Sam Staff") {
			t.Fatalf("the timeline's close entry is %q, want it by Sam Staff from the dashboard", entry)
		}
		w.WaitFor(t, "Discord to show the close", func() bool {
			for _, m := range w.Fake.Messages(ch1) {
				if strings.Contains(m.Content, "Closed by") && strings.Contains(m.Content, "fixed from the browser") {
					return true
				}
			}
			return false
		})
		tk, err := w.Srv.App.Ticket(bg, first)
		must(t, err)
		if tk.Status().String() != "closed" {
			t.Fatalf("the ticket is %s", tk.Status())
		}
	})

	t.Run("a staff note from the ticket page", func(t *testing.T) {
		do(t, ctx, "note", chromedp.Navigate(g+"/tickets/"+string(first)), chromedp.WaitVisible(chromedp.ID("note")),
			chromedp.SendKeys(chromedp.ID("note"), "called them <b>back</b>"), chromedp.Click(chromedp.ID("add-note")),
			chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if got := text(t, ctx, "#notes .note p:last-child"); got != "called them <b>back</b>" {
			t.Fatalf("the note on the page: %q (as text, markup and all)", got)
		}
		for _, m := range w.Fake.Messages(ch1) {
			if strings.Contains(m.Content, "called them") {
				t.Fatalf("the note reached the channel: %q", m.Content)
			}
		}
	})

	t.Run("a reply from the ticket page", func(t *testing.T) {
		do(t, ctx, "reply", chromedp.Navigate(g+"/tickets/"+string(second)), chromedp.WaitVisible(chromedp.ID("reply")),
			chromedp.SendKeys(chromedp.ID("reply"), "We are **on it**."), chromedp.Click(chromedp.ID("send-reply")),
			chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		ch2 := channelOf(t, w, second)
		w.WaitFor(t, "the bot to post the reply in Sam's name", func() bool {
			for _, m := range w.Fake.Messages(ch2) {
				if m.Content == "💬 <@"+w.Staff.ID.String()+"> (from the dashboard): We are **on it**." {
					return true
				}
			}
			return false
		})
		// In the transcript on the page it is Sam's message, written on the dashboard.
		do(t, ctx, "the transcript", chromedp.Navigate(g+"/tickets/"+string(second)), chromedp.WaitVisible(chromedp.ID("transcript")))
		if got := eval[string](t, ctx, `[...document.querySelectorAll("#transcript .bot")].map(e => e.closest("div").innerText).join("|")`); !strings.Contains(got, "Sam Staff") || !strings.Contains(got, "via dashboard") {
			t.Fatalf("the reply in the transcript: %q", got)
		}
	})

	t.Run("analytics shows the numbers", func(t *testing.T) {
		do(t, ctx, "analytics", chromedp.Navigate(g+"/analytics"), chromedp.WaitVisible(chromedp.ID("chart-opened-closed")))
		screenshot(t, ctx, "analytics")
		if o, c := text(t, ctx, "#total-opened"), text(t, ctx, "#total-closed"); o != "2" || c != "1" {
			t.Fatalf("totals opened %s closed %s, want 2 and 1", o, c)
		}
		today := w.Clock.Now().UTC().Format(time.DateOnly)
		bar := func(series string) string {
			return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector('#chart-opened-closed rect[data-day="%s"][data-series="%s"]') || {dataset:{}}).dataset.value || ""`, today, series))
		}
		if bar("opened") != "2" || bar("closed") != "1" {
			t.Fatalf("today's bars: opened %q closed %q", bar("opened"), bar("closed"))
		}
		if b := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#chart-backlog circle[data-day="%s"]').dataset.value`, today)); b != "1" {
			t.Fatalf("backlog point %q, want 1", b)
		}
	})

	t.Run("settings change", func(t *testing.T) {
		do(t, ctx, "settings", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("retention")))
		screenshot(t, ctx, "settings")
		do(t, ctx, "retention", chromedp.SetValue(chromedp.ID("retention"), "30"),
			chromedp.Submit(chromedp.CSS("#form-retention button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		s, err := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID))
		must(t, err)
		if s.RetentionDays() != 30 {
			t.Fatalf("retention %d after the form, want 30", s.RetentionDays())
		}
		do(t, ctx, "refused", chromedp.SetValue(chromedp.ID("retention"), "120"),
			ok(chromedp.Evaluate[bool](`document.querySelector("#retention").removeAttribute("max") === undefined`)),
			chromedp.Submit(chromedp.CSS("#form-retention button")), chromedp.WaitVisible(chromedp.CSS(".flash.err")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); s.RetentionDays() != 30 {
			t.Fatalf("a refused value changed retention to %d", s.RetentionDays())
		}
		// Automation: auto-close after 72 h, only when waiting on the member; close on leave.
		do(t, ctx, "auto-close", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("auto-close-hours")),
			chromedp.SetValue(chromedp.ID("auto-close-hours"), "72"), chromedp.Click(chromedp.ID("auto-close-waiting")),
			chromedp.Submit(chromedp.CSS("#form-auto-close button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		s, err = w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID))
		must(t, err)
		if r := s.AutoClose(); r.AfterMinutes != 72*60 || !r.OnlyWaiting {
			t.Fatalf("auto-close %+v after the form", r)
		}
		if got := text(t, ctx, "#auto-close-said"); !strings.Contains(got, "after 72 h") {
			t.Fatalf("the page says %q", got)
		}
		do(t, ctx, "auto-close refused", chromedp.SetValue(chromedp.ID("auto-close-hours"), "800"),
			ok(chromedp.Evaluate[bool](`document.querySelector("#auto-close-hours").removeAttribute("max") === undefined`)),
			chromedp.Submit(chromedp.CSS("#form-auto-close button")), chromedp.WaitVisible(chromedp.CSS(".flash.err")))
		if got := text(t, ctx, ".flash.err"); !strings.Contains(got, "30 days") {
			t.Fatalf("the refusal says %q", got)
		}
		do(t, ctx, "close on leave", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("close-on-leave")),
			chromedp.Click(chromedp.ID("close-on-leave")),
			chromedp.Submit(chromedp.CSS("#form-close-on-leave button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); !s.CloseOnLeave() || s.AutoClose().AfterMinutes != 72*60 {
			t.Fatalf("close on leave %v, auto-close %+v", s.CloseOnLeave(), s.AutoClose())
		}
		do(t, ctx, "feedback", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("feedback")),
			chromedp.Click(chromedp.ID("feedback")), chromedp.SetValue(chromedp.ID("feedback-where"), "dm"),
			chromedp.Submit(chromedp.CSS("#form-feedback button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); s.Feedback() != (guild.Feedback{Enabled: true, ByDM: true}) {
			t.Fatalf("asking for ratings after the form: %+v", s.Feedback())
		}
		// Who on staff handles what is for Manage Server: Sam (staff) is refused.
		do(t, ctx, "claim mode", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("claim-mode")),
			chromedp.SetValue(chromedp.ID("claim-mode"), "read-only"),
			chromedp.Submit(chromedp.CSS("#form-claim-mode button")), chromedp.WaitVisible(chromedp.CSS(".flash.err")))
		if got := text(t, ctx, ".flash.err"); !strings.Contains(got, "Manage Server") {
			t.Fatalf("the refusal: %q", got)
		}
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); s.ClaimMode("") != guild.ClaimLabel {
			t.Fatalf("the claim mode after a refused form: %q", s.ClaimMode(""))
		}
		do(t, ctx, "cooldown", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("cooldown")),
			chromedp.SetValue(chromedp.ID("cooldown"), "15"),
			chromedp.Submit(chromedp.CSS("#form-cooldown button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); s.OpenCooldown() != 15*time.Minute {
			t.Fatalf("the wait between opens after the form: %v", s.OpenCooldown())
		}
		do(t, ctx, "support hours", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("hours-days")),
			chromedp.SetValue(chromedp.ID("hours-days"), "mon-fri"), chromedp.SetValue(chromedp.ID("hours-zone"), "Mars/Olympus"),
			chromedp.SetValue(chromedp.ID("hours-from"), "09:00"), chromedp.SetValue(chromedp.ID("hours-to"), "17:00"),
			chromedp.Submit(chromedp.CSS("#form-support-hours button")), chromedp.WaitVisible(chromedp.CSS(".flash.err")))
		if got := text(t, ctx, ".flash.err"); !strings.Contains(got, "not a time zone") {
			t.Fatalf("an unknown zone: %q", got)
		}
		do(t, ctx, "support hours", chromedp.SetValue(chromedp.ID("hours-days"), "mon-fri"), chromedp.SetValue(chromedp.ID("hours-zone"), "Europe/Berlin"),
			chromedp.SetValue(chromedp.ID("hours-from"), "09:00"), chromedp.SetValue(chromedp.ID("hours-to"), "17:00"),
			chromedp.SetValue(chromedp.ID("hours-holidays"), "2026-12-25"),
			chromedp.Submit(chromedp.CSS("#form-support-hours button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if got := text(t, ctx, "#support-hours-said"); !strings.Contains(got, "Mon 09:00–17:00") || !strings.Contains(got, "Europe/Berlin") {
			t.Fatalf("the page says %q", got)
		}
		do(t, ctx, "reminder", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("reminder")),
			chromedp.SetValue(chromedp.ID("reminder"), "45"),
			chromedp.Submit(chromedp.CSS("#form-reminder button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); s.Reminder() != 45*time.Minute {
			t.Fatalf("reminder %s after the form, want 45m", s.Reminder())
		}
		do(t, ctx, "audit", chromedp.Navigate(g+"/audit?type=guild.retention_set.v1"), chromedp.WaitVisible(chromedp.ID("timeline")))
		screenshot(t, ctx, "audit")
		if got := text(t, ctx, "#timeline"); !strings.Contains(got, "dashboard") || !strings.Contains(got, "30") {
			t.Fatalf("the audit shows %q", got)
		}
	})

	t.Run("pickers name what they pick: a Discord category, a member found by name", func(t *testing.T) {
		parent := w.Fake.AddCategory(w.Guild.ID, "Support Tickets")
		do(t, ctx, "category with a Discord category", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("discord-category")),
			chromedp.SetValue(chromedp.CSS("#form-category input[name=key]"), "support"), chromedp.SetValue(chromedp.CSS("#form-category input[name=name]"), "Support"),
			chromedp.SetValue(chromedp.ID("discord-category"), parent.ID.String()),
			chromedp.Submit(chromedp.CSS("#form-category button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		s, err := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID))
		must(t, err)
		if c, ok := s.Category("support"); !ok || c.DiscordCategory != domain.ChannelID(parent.ID) {
			t.Fatalf("the category: %+v %v", c, ok)
		}
		spare := w.Fake.AddCategory(w.Guild.ID, "Support Tickets 2")
		do(t, ctx, "an overflow category", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("form-category-overflow-support")),
			ok(chromedp.Evaluate[bool](`(() => { const o = document.querySelector('#form-category-overflow-support option[value="`+spare.ID.String()+`"]'); o.selected = true; return true })()`)),
			chromedp.Submit(chromedp.CSS("#form-category-overflow-support button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); !slices.Equal(func() []domain.ChannelID { c, _ := s.Category("support"); return c.Overflow }(), []domain.ChannelID{domain.ChannelID(spare.ID)}) {
			t.Fatal("the overflow category was not saved")
		}
		do(t, ctx, "type a name", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("blacklist-user")),
			chromedp.SendKeys(chromedp.ID("blacklist-user"), "bo"))
		var offered string
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if offered = eval[string](t, ctx, `[...document.querySelectorAll("#member-names option")].map(o => o.value + "=" + o.label).join(",")`); offered != "" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if offered != member2.ID.String()+"=Bo Billing (bo billing)" {
			t.Fatalf("typing bo offers %q", offered)
		}
		do(t, ctx, "pick and blacklist", chromedp.SetValue(chromedp.ID("blacklist-user"), member2.ID.String()),
			chromedp.Submit(chromedp.CSS("#form-blacklist button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); !slices.Contains(s.BlacklistedUsers(), domain.UserID(member2.ID)) {
			t.Fatalf("blacklisted: %v", s.BlacklistedUsers())
		}
		if got := text(t, ctx, "#blacklist"); !strings.Contains(got, "Bo Billing") {
			t.Fatalf("the blacklist shows %q, not the member's name", got)
		}
	})

	t.Run("thread mode is offered by channel name, and only a server manager may choose it", func(t *testing.T) {
		// The browser's user is staff without Manage Server: who sees tickets
		// is not theirs to change (the API test saves it as the owner).
		support := w.Fake.AddTextChannel(w.Guild.ID, "support-desk")
		do(t, ctx, "pick the support channel", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("form-thread-mode")),
			chromedp.SetValue(chromedp.ID("thread-mode-channel"), support.ID.String()), chromedp.SetValue(chromedp.ID("thread-mode-category"), "support"),
			chromedp.Submit(chromedp.CSS("#form-thread-mode button")), chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := text(t, ctx, ".flash"); !strings.Contains(got, "only members with Manage Server") {
			t.Fatalf("staff choosing thread mode are told %q", got)
		}
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); !s.ThreadChannel("support").IsZero() {
			t.Fatal("a refused thread mode was saved")
		}
		if got := text(t, ctx, "#thread-mode-said"); !strings.Contains(got, "New tickets get channels of their own") {
			t.Fatalf("the settings say %q", got)
		}
		if got := text(t, ctx, "#thread-mode-channel"); !strings.Contains(got, "private threads under #support-desk") {
			t.Fatalf("the picker offers %q, not the channel by name", got)
		}
	})

	t.Run("the welcome in the server's words, with a preview", func(t *testing.T) {
		do(t, ctx, "type a welcome", chromedp.Navigate(g+"/settings"), chromedp.WaitVisible(chromedp.ID("welcome")),
			chromedp.SendKeys(chromedp.ID("welcome"), "Hi {user}, ticket #{number} about **{category}**"))
		if got := text(t, ctx, `#preview-welcome [data-field="welcome"]`); got != "Hi @Mia Member, ticket #42 about **General**" {
			t.Fatalf("the live preview: %q", got)
		}
		do(t, ctx, "save", chromedp.Submit(chromedp.CSS("#form-messages button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		if s, _ := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID)); s.MessagesFor("").Welcome != "Hi {user}, ticket #{number} about **{category}**" {
			t.Fatalf("the saved welcome: %q", s.MessagesFor("").Welcome)
		}
		if got := eval[string](t, ctx, `document.querySelector('#preview-welcome [data-field="welcome"] strong')?.textContent ?? ""`); got != "General" {
			t.Fatalf("the saved welcome's preview is not rendered as Discord would: %q", got)
		}
		do(t, ctx, "a placeholder that does not exist", chromedp.SetValue(chromedp.ID("welcome"), "Hi {name}"),
			chromedp.Submit(chromedp.CSS("#form-messages button")), chromedp.WaitVisible(chromedp.CSS(".flash.err")))
		if got := text(t, ctx, ".flash.err"); !strings.Contains(got, "{name}, which is not a placeholder") {
			t.Fatalf("the refusal: %q", got)
		}
	})

	t.Run("panels: a preview, saved, posted on Discord and edited there", func(t *testing.T) {
		do(t, ctx, "type a panel", chromedp.Navigate(g+"/panels"), chromedp.WaitVisible(chromedp.ID("panel-key")),
			chromedp.SendKeys(chromedp.ID("panel-key"), "main"), chromedp.SendKeys(chromedp.ID("panel-title"), "Need help?"),
			chromedp.SendKeys(chromedp.ID("panel-colour"), "#57F287"),
			chromedp.SendKeys(chromedp.ID("panel-buttons"), "support | Open a ticket | 🎫 | success"))
		if got := text(t, ctx, `#preview-panel-new [data-field="buttons"]`); got != "🎫 Open a ticket" {
			t.Fatalf("the preview's buttons: %q", got)
		}
		// As a select menu: the placeholder, and the options when opened.
		do(t, ctx, "a select menu instead", chromedp.Click(chromedp.CSS(`#form-panel-new input[name=select]`)),
			chromedp.Click(chromedp.CSS(`#preview-panel-new .discord-select summary`)))
		if got := text(t, ctx, `#preview-panel-new .discord-select`); !strings.Contains(got, "What is your ticket about?") || !strings.Contains(got, "🎫 Open a ticket") {
			t.Fatalf("the select menu's preview: %q", got)
		}
		do(t, ctx, "buttons again", chromedp.Click(chromedp.CSS(`#form-panel-new input[name=select]`)))
		screenshot(t, ctx, "panels")
		if got := text(t, ctx, `#preview-panel-new [data-field="buttons"]`); got != "🎫 Open a ticket" {
			t.Fatalf("the preview's buttons: %q", got)
		}
		if got := text(t, ctx, `#preview-panel-new [data-field="embed_title"]`); got != "Need help?" {
			t.Fatalf("the preview's title: %q", got)
		}
		do(t, ctx, "save", chromedp.Submit(chromedp.CSS("#form-panel-new button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		s, err := w.Srv.App.Settings(bg, domain.GuildID(w.Guild.ID))
		must(t, err)
		if p, ok := s.Panel("main"); !ok || p.Title != "Need help?" || len(p.Buttons) != 1 || p.Buttons[0].Style != "success" {
			t.Fatalf("the saved panel: %+v %v", p, ok)
		}
		do(t, ctx, "post", chromedp.SetValue(chromedp.CSS("#form-panel-post-main select"), w.Lobby.ID.String()),
			chromedp.Submit(chromedp.CSS("#form-panel-post-main button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		posted := func(title string) bool {
			for _, m := range w.Fake.Messages(w.Lobby.ID) {
				if len(m.Embeds) == 1 && m.Embeds[0].Title == title {
					return true
				}
			}
			return false
		}
		w.WaitFor(t, "the panel on Discord", func() bool { return posted("Need help?") })
		do(t, ctx, "edit", chromedp.Navigate(g+"/panels"), chromedp.WaitVisible(chromedp.CSS("#panel-main summary")),
			chromedp.Click(chromedp.CSS("#panel-main summary")), chromedp.WaitVisible(chromedp.CSS("#form-panel-edit-main input[name=embed_title]")),
			chromedp.SetValue(chromedp.CSS("#form-panel-edit-main input[name=embed_title]"), "Need help now?"),
			chromedp.Submit(chromedp.CSS("#form-panel-edit-main button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		w.WaitFor(t, "the post edited in place", func() bool { return posted("Need help now?") && !posted("Need help?") })
	})

	t.Run("tags: a live preview, add, a refusal that keeps the typing, edit, remove", func(t *testing.T) {
		do(t, ctx, "tags", chromedp.Navigate(g+"/tags"), chromedp.WaitVisible(chromedp.ID("tag-name")))
		do(t, ctx, "type a tag", chromedp.SendKeys(chromedp.ID("tag-name"), "refunds"),
			chromedp.SendKeys(chromedp.ID("tag-text"), "**Five** days"),
			chromedp.SendKeys(chromedp.ID("tag-embed-title"), "Refunds"), chromedp.SendKeys(chromedp.ID("tag-colour"), "#ED4245"))
		// The preview follows the typing: the embed appears with its colour.
		if got := text(t, ctx, `#preview-new [data-field="embed_title"]`); got != "Refunds" {
			t.Fatalf("the preview's embed title %q", got)
		}
		if got := eval[string](t, ctx, `(() => { const e = document.querySelector('#preview-new [data-field="embed"]'); return e.hidden ? "hidden" : e.style.borderLeftColor })()`); got != "rgb(237, 66, 69)" {
			t.Fatalf("the preview's embed: %q", got)
		}
		screenshot(t, ctx, "tags")
		do(t, ctx, "add", chromedp.Submit(chromedp.CSS("#form-tag-add button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		lib, err := w.Srv.App.Tags(bg, domain.GuildID(w.Guild.ID))
		must(t, err)
		if got, ok := lib.Get("refunds"); !ok || got.Text != "**Five** days" || got.Embed.Title != "Refunds" || got.Embed.Color != 0xED4245 {
			t.Fatalf("the saved tag: %+v %v", got, ok)
		}
		// Saved, it is shown as Discord renders it: markdown, not asterisks.
		if got := eval[string](t, ctx, `document.querySelector("#tag-refunds .discord-content strong")?.textContent ?? ""`); got != "Five" {
			t.Fatalf("the saved tag's text is not rendered: %q", got)
		}
		do(t, ctx, "add it again", chromedp.SetValue(chromedp.ID("tag-name"), "refunds"), chromedp.SetValue(chromedp.ID("tag-text"), "typed twice"),
			chromedp.Submit(chromedp.CSS("#form-tag-add button")), chromedp.WaitVisible(chromedp.CSS(".flash.err")))
		if got := text(t, ctx, ".flash.err"); !strings.Contains(got, "already a tag") {
			t.Fatalf("a name taken: %q", got)
		}
		if got := eval[string](t, ctx, `document.querySelector("#tag-text").value`); got != "typed twice" {
			t.Fatalf("the refused form lost what was typed: %q", got)
		}
		do(t, ctx, "edit", chromedp.Navigate(g+"/tags"), chromedp.WaitVisible(chromedp.CSS("#tag-refunds summary")),
			chromedp.Click(chromedp.CSS("#tag-refunds summary")), chromedp.WaitVisible(chromedp.CSS("#form-tag-edit-refunds textarea[name=text]")),
			chromedp.SetValue(chromedp.CSS("#form-tag-edit-refunds textarea[name=text]"), "Three days."),
			chromedp.Submit(chromedp.CSS("#form-tag-edit-refunds button")), chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		lib, err = w.Srv.App.Tags(bg, domain.GuildID(w.Guild.ID))
		must(t, err)
		if got, _ := lib.Get("refunds"); got.Text != "Three days." || got.Embed.Title != "Refunds" {
			t.Fatalf("the edited tag: %+v", got)
		}
		do(t, ctx, "remove", ok(acceptConfirm), chromedp.Click(chromedp.CSS("#form-tag-remove-refunds button")), chromedp.WaitVisible(chromedp.ID("no-tags")))
		if lib, _ := w.Srv.App.Tags(bg, domain.GuildID(w.Guild.ID)); lib.Len() != 0 {
			t.Fatalf("%d tags after the removal", lib.Len())
		}
	})

	t.Run("another guild is forbidden", func(t *testing.T) {
		do(t, ctx, "other guild", chromedp.Navigate(base+"/guilds/"+other.ID.String()+"/tickets"), chromedp.WaitVisible(chromedp.ID("error-message")))
		if h := text(t, ctx, "h1"); h != "403" {
			t.Fatalf("another guild's page says %q", h)
		}
		status := eval[float64](t, ctx, `fetch("/api/v1/guilds/`+other.ID.String()+`/tickets").then(r => r.status)`)
		if status != 403 {
			t.Fatalf("another guild's API answered %v", status)
		}
	})

	t.Run("logout clears the cookie", func(t *testing.T) {
		do(t, ctx, "logout", chromedp.Navigate(g+"/tickets"), chromedp.WaitVisible(chromedp.ID("logout")),
			chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-discord")))
		if c := sessionCookie(t, ctx); c != nil {
			t.Fatalf("the session cookie survived logout: %+v", c)
		}
		n, err := w.Srv.Conn.DB.Collection("sessions").CountDocuments(bg, map[string]any{"user": w.Staff.ID.String()})
		must(t, err)
		if n != 0 {
			t.Fatalf("%d sessions left after logout", n)
		}
		do(t, ctx, "back to a page", chromedp.Navigate(g+"/tickets"), chromedp.WaitVisible(chromedp.ID("login-discord")))
	})

	t.Run("an expired session goes to login", func(t *testing.T) {
		w.Fake.LoginAs(w.Staff)
		do(t, ctx, "log in again", chromedp.Click(chromedp.ID("login-discord")), chromedp.WaitVisible(chromedp.ID("tickets")))
		w.Clock.Advance(7*24*time.Hour + time.Minute)
		do(t, ctx, "a week later", chromedp.Navigate(g+"/audit"), chromedp.WaitVisible(chromedp.ID("login-discord")))
		if loc := location(t, ctx); !strings.HasPrefix(loc, base+"/login?next=") {
			t.Fatalf("an expired session landed on %s", loc)
		}
	})
}

// channelOf waits for a ticket's Discord channel.
func channelOf(t testing.TB, w *testenv.World, id domain.TicketID) fakediscord.Snowflake {
	t.Helper()
	var ch string
	w.WaitFor(t, "the ticket's channel", func() bool {
		v, err := w.Srv.TicketViews.Get(context.Background(), string(id))
		ch = v.Channel
		return err == nil && ch != ""
	})
	var id2 fakediscord.Snowflake
	if _, err := fmt.Sscan(ch, &id2); err != nil {
		t.Fatal(errors.New("bad channel id " + ch))
	}
	return id2
}
