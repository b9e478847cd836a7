package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// raw sends one request as the site's browser (its cookies) without
// following a redirect; rawQuery is sent exactly as written.
func (s *site) raw(path, rawQuery string, header map[string]string) *http.Response {
	s.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = s.base + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	must(s.t, err)
	if rawQuery != "" {
		req.URL.RawQuery = rawQuery
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return s.sendOnce(req)
}

// sendOnce sends a request as the site's browser (its cookies) and returns
// the answer without following a redirect.
func (s *site) sendOnce(req *http.Request) *http.Response {
	s.t.Helper()
	c := &http.Client{Jar: s.c.Jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	must(s.t, err)
	res.Body.Close()
	return res
}

// loginVia runs the login flow one redirect at a time as u, starting at
// /auth/login?rawQuery, and returns the callback's answer (not followed).
func (s *site) loginVia(u fakediscord.User, rawQuery string) *http.Response {
	s.t.Helper()
	s.w.Fake.LoginAs(u)
	start := s.raw("/auth/login", rawQuery, nil)
	if start.StatusCode != http.StatusFound {
		s.t.Fatalf("/auth/login?%s answered %d", rawQuery, start.StatusCode)
	}
	authorize := s.raw(start.Header.Get("Location"), "", nil)
	return s.raw(authorize.Header.Get("Location"), "", nil)
}

// After login the browser goes back only to a path of this site,
// whatever `next` says, and the answer carries nothing but the session.
func TestLoginGoesBackOnlyToALocalPath(t *testing.T) {
	w := testenv.NewWorld(t)
	for _, tc := range []struct{ name, next, want string }{
		{"a tab before a second slash", "/%09/evil.example", "/guilds"},
		{"a newline before a second slash", "/%0A/evil.example", "/guilds"},
		{"a header injected after CR LF", "/%0D%0ASet-Cookie:%20ticketify_session=forged", "/guilds"},
		{"DEL", "/%7F/evil.example", "/guilds"},
		{"a protocol-relative URL", "//evil.example", "/guilds"},
		{"slashes encoded once", "/%2F%2Fevil.example", "/guilds"},
		{"slashes encoded twice", "/%252F%252Fevil.example", "/guilds"},
		{"a backslash", `/\evil.example`, "/guilds"},
		{"an encoded backslash", "/%5Cevil.example", "/guilds"},
		{"a backslash encoded twice", "/%255Cevil.example", "/guilds"},
		{"an absolute URL", "https://evil.example/", "/guilds"},
		{"a scheme without slashes", "https:evil.example", "/guilds"},
		{"an overlong UTF-8 slash", "/%C0%AF/evil.example", "/guilds"},
		{"a login route", "/auth/logout", "/guilds"},
		{"a login route in capitals", "/AUTH/login", "/guilds"},
		{"a dot segment before a second slash", "/.//evil.example", "/guilds"},
		{"a dot-dot segment before a second slash", "/a/..//evil.example", "/guilds"},
		{"a double slash further on", "/guilds//evil.example", "/guilds"},
		{"fullwidth slashes stay a local path, encoded", "/%EF%BC%8F%EF%BC%8Fevil.example", "/%EF%BC%8F%EF%BC%8Fevil.example"},
		{"a page with its query", url.QueryEscape("/guilds/1/tickets?status=open&q=café"), "/guilds/1/tickets?q=caf%C3%A9&status=open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t, w)
			cb := s.loginVia(w.Owner, "next="+tc.next)
			loc := cb.Header.Values("Location")
			if cb.StatusCode != http.StatusFound || len(loc) != 1 || loc[0] != tc.want {
				t.Fatalf("next=%s: %d to %q, want %q", tc.next, cb.StatusCode, loc, tc.want)
			}
			for _, b := range []byte(loc[0]) {
				if b <= 0x20 || b >= 0x7f || b == '\\' {
					t.Fatalf("the Location %q holds byte %#x", loc[0], b)
				}
			}
			cookies := cb.Header.Values("Set-Cookie")
			if len(cookies) != 1 || !strings.HasPrefix(cookies[0], "ticketify_session=") || strings.Contains(cookies[0], "forged") {
				t.Fatalf("next=%s set the cookies %q, want only the new session", tc.next, cookies)
			}
			if res, _ := s.get("/api/v1/me"); res.StatusCode != http.StatusOK {
				t.Fatalf("the new session does not work: %d", res.StatusCode)
			}
		})
	}
	t.Run("the guild shortcut redirects only to a guild", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Owner)
		res := s.raw("/guilds/%0D%0ASet-Cookie:%20ticketify_session=forged", "", nil)
		if cookies := res.Header.Values("Set-Cookie"); len(cookies) != 0 || len(res.Header.Values("Location")) > 1 {
			t.Fatalf("answered %d with Location %q and cookies %q", res.StatusCode, res.Header.Values("Location"), cookies)
		}
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("a guild id that is no id: %d, want 403 like any guild not yours", res.StatusCode)
		}
		res = s.raw("/guilds/"+w.Guild.ID.String(), "", nil)
		if loc := res.Header.Get("Location"); loc != "/guilds/"+w.Guild.ID.String()+"/tickets" {
			t.Fatalf("the guild shortcut goes to %q", loc)
		}
	})
}

// A logged-in browser sent to /auth/login by another site keeps
// its session: nothing is dropped without the user's own action.
func TestALoginLinkFromAnotherSiteKeepsTheSession(t *testing.T) {
	w := testenv.NewWorld(t)
	s := newSite(t, w)
	s.login(w.Owner)
	cookie, csrf := s.cookie().Value, s.csrf()
	tickets := "/guilds/" + w.Guild.ID.String() + "/tickets"
	navigate := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Sec-Fetch-User": "?1"}
	res := s.raw("/auth/login", "next="+url.QueryEscape(tickets), navigate)
	if res.StatusCode/100 != 3 || res.Header.Get("Location") != tickets || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("a logged-in /auth/login: %d to %q, cookies %q", res.StatusCode, res.Header.Get("Location"), res.Header.Values("Set-Cookie"))
	}
	res = s.raw("/auth/callback", "code=forged&state=forged", navigate)
	if res.StatusCode != http.StatusBadRequest || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("a forged callback: %d, cookies %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	if s.cookie() == nil || s.cookie().Value != cookie || s.csrf() != csrf {
		t.Fatal("the session was replaced")
	}
	// Another site's page loading /auth/login as an image starts no login.
	anon := newSite(t, w)
	res = anon.raw("/auth/login", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"})
	if res.StatusCode != http.StatusForbidden || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("an image load of /auth/login: %d, cookies %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	// Logging out, then in, is the user's own action and works as before.
	s.post("/auth/logout", url.Values{"csrf": {csrf}}, nil)
	if landed := s.login(w.Owner); landed != "/guilds" || s.cookie().Value == cookie {
		t.Fatalf("a new login landed on %s", landed)
	}
}

// A banner shows only the dashboard's own messages, chosen by a
// code; text in the URL is never shown.
func TestBannersShowOnlyTheDashboardsOwnMessages(t *testing.T) {
	w := testenv.NewWorld(t)
	id := openTicket(t, w, w.Member, "banners")
	s := newSite(t, w)
	s.login(w.Owner)
	g := "/guilds/" + w.Guild.ID.String()
	forged := "Your account is suspended: call +1 555 0100"
	for _, path := range []string{g + "/tickets/" + string(id), g + "/settings", "/me", "/login"} {
		q := url.Values{"done": {forged}, "refused": {forged}, "bye": {forged}, "erased": {forged}}.Encode()
		if _, body := s.get(path + "?" + q); strings.Contains(body, "suspended") {
			t.Errorf("%s shows the URL's text as its banner", path)
		}
		if _, body := s.get(path + "?done=__proto__&refused=constructor"); strings.Contains(body, `class="flash`) {
			t.Errorf("%s shows a banner for an unknown code", path)
		}
	}
	res, body := s.post(g+"/tickets/"+string(id)+"/claim", url.Values{"csrf": {s.csrf()}}, nil)
	if res.Request.URL.RawQuery != "done=claimed" || !strings.Contains(body, `role="status">Claimed.`) {
		t.Fatalf("a claim went to %s: %.300s", res.Request.URL, body)
	}
	res, body = s.post(g+"/tickets/"+string(id)+"/claim", url.Values{"csrf": {s.csrf()}}, nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "you already claimed this ticket") || strings.Contains(res.Request.URL.RawQuery, "refused") {
		t.Fatalf("a refused claim: %d at %s: %.300s", res.StatusCode, res.Request.URL, body)
	}
}

// Past the freshness of the guild list (5 minutes) or of the staff
// roles (1 minute) plus a short grace, access that Discord could not confirm
// again is refused; when Discord answers again, it is back.
func TestAccessThatDiscordCannotConfirmEnds(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	api := "/api/v1/guilds/" + w.Guild.ID.String() + "/tickets"
	status := func(s *site) int {
		t.Helper()
		res, _ := s.get(api)
		return res.StatusCode
	}
	t.Cleanup(w.Fake.ClearFaults)

	t.Run("Discord does not list the guilds", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Owner)
		w.Fake.FailNext(http.MethodGet, "/users/@me/guilds", http.StatusBadGateway, 1_000_000)
		defer w.Fake.ClearFaults()
		w.Clock.Advance(6 * time.Minute)
		if got := status(s); got != http.StatusOK {
			t.Fatalf("a one-minute outage past the refresh locked the owner out: %d", got)
		}
		w.Clock.Advance(2 * time.Minute)
		if got := status(s); got != http.StatusForbidden {
			t.Fatalf("a guild list 8 minutes old, unconfirmed, still grants access: %d", got)
		}
		res, body := s.get("/guilds/" + w.Guild.ID.String() + "/tickets")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "log in again") {
			t.Fatalf("the page answered %d: %.400s", res.StatusCode, body)
		}
		if res, _ := s.get("/api/v1/guilds"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the guild list API answered %d", res.StatusCode)
		}
		w.Fake.ClearFaults()
		if got := status(s); got != http.StatusOK {
			t.Fatalf("access did not come back with Discord: %d", got)
		}
	})

	t.Run("the user removed the app on Discord", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Owner)
		w.Fake.RevokeUserTokens(w.Owner.ID)
		w.Clock.Advance(guildsFreshPlusGrace)
		if got := status(s); got != http.StatusForbidden {
			t.Fatalf("a revoked login still grants access: %d", got)
		}
	})

	t.Run("the token cannot be refreshed", func(t *testing.T) {
		w.Fake.SetTokenLifetime(time.Second)
		defer w.Fake.SetTokenLifetime(7 * 24 * time.Hour)
		s := newSite(t, w)
		s.login(w.Owner)
		w.Fake.FailNext(http.MethodPost, "/oauth2/token", http.StatusServiceUnavailable, 1_000_000)
		defer w.Fake.ClearFaults()
		w.Clock.Advance(6 * time.Minute)
		if got := status(s); got != http.StatusOK {
			t.Fatalf("within the grace: %d", got)
		}
		w.Clock.Advance(2 * time.Minute)
		if got := status(s); got != http.StatusForbidden {
			t.Fatalf("a token that cannot be refreshed still grants access: %d", got)
		}
		w.Fake.ClearFaults()
		if got := status(s); got != http.StatusOK {
			t.Fatalf("access did not come back once the refresh works: %d", got)
		}
	})

	t.Run("a refreshed token is kept when the list is not read", func(t *testing.T) {
		w.Fake.SetTokenLifetime(time.Second)
		defer w.Fake.SetTokenLifetime(7 * 24 * time.Hour)
		s := newSite(t, w)
		s.login(w.Owner)
		w.Clock.Advance(6 * time.Minute)
		w.Fake.FailNext(http.MethodGet, "/users/@me/guilds", http.StatusBadGateway, 1)
		if got := status(s); got != http.StatusOK { // the token is refreshed (Discord rotates the refresh token), the list fails
			t.Fatalf("within the grace: %d", got)
		}
		if got := status(s); got != http.StatusOK { // the list is read with the new token
			t.Fatalf("after a failed read: %d", got)
		}
		w.Clock.Advance(3 * time.Minute)
		if got := status(s); got != http.StatusOK {
			t.Fatalf("the list read 3 minutes ago no longer counts: %d (was the new refresh token lost?)", got)
		}
	})

	t.Run("losing Manage Server takes effect within five minutes", func(t *testing.T) {
		mods := w.Fake.AddRole(w.Guild.ID, "Mods", fakediscord.PermDefaultEveryone|fakediscord.PermManageGuild)
		mod := w.Fake.NewUser("Max Mod")
		w.Fake.AddMember(w.Guild.ID, mod, mods.ID)
		s := newSite(t, w)
		s.login(mod)
		if got := status(s); got != http.StatusOK {
			t.Fatalf("a member with Manage Server: %d", got)
		}
		w.Fake.SetMemberRoles(w.Guild.ID, mod.ID)
		w.Clock.Advance(5 * time.Minute)
		if got := status(s); got != http.StatusForbidden {
			t.Fatalf("5 minutes after losing Manage Server: %d", got)
		}
	})

	t.Run("staff roles that cannot be read", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Staff)
		if got := status(s); got != http.StatusOK {
			t.Fatalf("staff by role: %d", got)
		}
		w.Fake.FailNext(http.MethodGet, "/guilds/"+w.Guild.ID.String()+"/members/"+w.Staff.ID.String(), http.StatusBadGateway, 1_000_000)
		defer w.Fake.ClearFaults()
		w.Clock.Advance(90 * time.Second)
		if got := status(s); got != http.StatusOK {
			t.Fatalf("roles read 90 s ago, Discord not answering: %d, want the grace", got)
		}
		w.Clock.Advance(2 * time.Minute)
		if got := status(s); got != http.StatusForbidden {
			t.Fatalf("roles read 3.5 minutes ago, unconfirmed, still grant access: %d", got)
		}
		w.Fake.ClearFaults()
		if got := status(s); got != http.StatusOK {
			t.Fatalf("access did not come back with Discord: %d", got)
		}
	})
}

// guildsFreshPlusGrace is past the guild list's freshness and its grace.
const guildsFreshPlusGrace = 7*time.Minute + time.Second

// Behind trusted proxies the client is the rightmost address no
// trusted proxy is at: what the client writes to the left cannot move it.
func TestBehindTrustedProxiesAForgedForwardedForDoesNotEscapeTheLimit(t *testing.T) {
	w := testenv.NewWorld(t, testenv.WithRequestsPerMinute(50), // logins: 5 a minute
		func(env map[string]string) { env["TICKETIFY_TRUSTED_PROXIES"] = "127.0.0.1,10.0.0.0/8" })
	login := func(forwarded ...string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+w.Srv.Addr()+"/auth/login", nil)
		for _, f := range forwarded {
			req.Header.Add("X-Forwarded-For", f)
		}
		raw := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := raw.Do(req)
		must(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	want := []int{302, 302, 302, 302, 302, 429}
	for name, forwarded := range map[string]func(i int) []string{
		"the proxy appends to the client's header": func(i int) []string {
			return []string{fmt.Sprintf("198.51.100.%d, 203.0.113.7", i)}
		},
		"the proxy adds a header line": func(i int) []string {
			return []string{fmt.Sprintf("198.51.100.%d", i), "203.0.113.8"}
		},
		"two trusted proxies": func(i int) []string {
			return []string{fmt.Sprintf("198.51.100.%d, 203.0.113.9, 10.1.2.3", i)}
		},
		"garbage on the left": func(i int) []string {
			return []string{fmt.Sprintf("not-an-ip-%d, 203.0.113.10", i)}
		},
	} {
		var codes []int
		for i := range len(want) {
			codes = append(codes, login(forwarded(i+1)...))
		}
		if !slices.Equal(codes, want) {
			t.Errorf("%s, the forged entry rotating: %v, want %v", name, codes, want)
		}
	}
	if code := login("198.51.100.1, 203.0.113.11"); code != http.StatusFound {
		t.Fatalf("another client behind the same proxy, same forged entry: %d", code)
	}
}

// Staff of guild B naming guild A's ticket under B's URL find no ticket
// there, and nothing is appended.
func TestAnActionUnderAnotherServersURLFindsNoTicket(t *testing.T) {
	w := testenv.NewWorld(t)
	ctx := context.Background()
	id := openTicket(t, w, w.Member, "guild A's ticket")
	bOwner := w.Fake.NewUser("Bea")
	b := w.Fake.AddGuild("Server B", bOwner)
	must(t, w.Srv.App.RecordBotJoined(ctx, domain.GuildID(b.ID), b.Name, domain.UserID(bOwner.ID)))
	s := newSite(t, w)
	s.login(bOwner)
	if res, _ := s.get("/api/v1/guilds/" + b.ID.String() + "/tickets"); res.StatusCode != http.StatusOK {
		t.Fatalf("B's owner cannot read B: %d", res.StatusCode)
	}
	csrf := s.csrf()
	head := quietHead(t, w)
	for _, action := range []string{"claim", "close", "reopen"} {
		page := "/guilds/" + b.ID.String() + "/tickets/" + string(id) + "/" + action
		if res, body := s.post(page, url.Values{"csrf": {csrf}, "reason": {"not yours"}}, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("page %s: %d: %.200s", action, res.StatusCode, body)
		}
		if res, body := s.post("/api/v1"+page, nil, map[string]string{"X-CSRF-Token": csrf}); res.StatusCode != http.StatusNotFound {
			t.Errorf("API %s: %d: %s", action, res.StatusCode, body)
		}
	}
	if after := logHead(t, w); after != head {
		t.Fatalf("the event log moved from %d to %d", head, after)
	}
	tk, err := w.Srv.App.Ticket(ctx, id)
	must(t, err)
	if tk.Status().String() != "open" || !tk.Claimer().IsZero() {
		t.Fatalf("guild A's ticket is %s, claimed by %v", tk.Status(), tk.Claimer())
	}
}

func logHead(t *testing.T, w *testenv.World) int64 {
	t.Helper()
	h, err := w.Srv.Log.Head(context.Background(), eventstore.DefaultTopic)
	must(t, err)
	return h
}

// quietHead waits until nothing has been appended for a moment (the
// reactor's follow-ups of earlier commands) and returns the log's head.
func quietHead(t *testing.T, w *testenv.World) int64 {
	t.Helper()
	last, since := logHead(t, w), time.Now()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if h := logHead(t, w); h != last {
			last, since = h, time.Now()
		} else if time.Since(since) > 500*time.Millisecond {
			return h
		}
	}
	t.Fatal("the event log never went quiet")
	return 0
}
