package dashboard_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(withBenchCleanup{m}) }

// site is a logged-in (or not) HTTP client of the dashboard, following
// redirects like a browser, through the fake Discord's OAuth pages.
type site struct {
	t    testing.TB
	w    *testenv.World
	base string
	c    *http.Client
}

func newSite(t testing.TB, w *testenv.World) *site {
	jar, _ := cookiejar.New(nil)
	return &site{t: t, w: w, base: "http://" + w.Srv.Addr(), c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// login runs the whole OAuth flow as u and returns where it landed.
func (s *site) login(u fakediscord.User) string {
	s.t.Helper()
	s.w.Fake.LoginAs(u)
	res, body := s.get("/auth/login?next=/guilds%3Fpick%3D1")
	if res.StatusCode != 200 {
		s.t.Fatalf("login ended with %d: %s", res.StatusCode, body)
	}
	return res.Request.URL.Path
}

func (s *site) do(req *http.Request) (*http.Response, string) {
	s.t.Helper()
	res, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (s *site) get(path string) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	return s.do(req)
}

func (s *site) post(path string, form url.Values, header map[string]string) (*http.Response, string) {
	s.t.Helper()
	return s.do(s.formRequest(path, form, header))
}

// formRequest is a form posted to path with the given headers.
func (s *site) formRequest(path string, form url.Values, header map[string]string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

func (s *site) cookie() *http.Cookie { return s.cookieNamed("ticketify_session") }

// cookieNamed is the browser's cookie of that name for the site, if any.
func (s *site) cookieNamed(name string) *http.Cookie {
	u, _ := url.Parse(s.base)
	for _, c := range s.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (s *site) csrf() string {
	s.t.Helper()
	res, body := s.get("/api/v1/me")
	if res.StatusCode != 200 {
		s.t.Fatalf("/api/v1/me: %d %s", res.StatusCode, body)
	}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(body), &me)
	return me.CSRF
}

// openTicket opens a ticket as u through a signed slash command and waits
// for its view.
func openTicket(t testing.TB, w *testenv.World, u fakediscord.User, topic string) domain.TicketID {
	t.Helper()
	in := w.Fake.SlashCommand(w.As(u, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", topic)))
	content, _ := w.Reply(t, in, w.Deliver(t, in))
	if !strings.Contains(content, "opened") {
		t.Fatalf("open: %q", content)
	}
	var id string
	w.WaitFor(t, "the ticket in the views", func() bool {
		list, err := w.Srv.TicketViews.All(context.Background(), w.Guild.ID.String())
		for _, s := range list {
			if s.Opener == u.ID.String() && s.Topic == topic && s.Name != "" {
				id = s.ID
			}
		}
		return err == nil && id != ""
	})
	return domain.TicketID(id)
}

func setStaffRole(t testing.TB, w *testenv.World) {
	t.Helper()
	in := w.Fake.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("staff-role", fakediscord.RoleOpt("role", w.StaffRole.ID)))
	if content, _ := w.Reply(t, in, w.Deliver(t, in)); !strings.Contains(content, "saved") {
		t.Fatalf("setup: %q", content)
	}
}

func TestLoginSetsOneHttpOnlySessionCookieForSevenDays(t *testing.T) {
	w := testenv.NewWorld(t)
	s := newSite(t, w)
	if landed := s.login(w.Owner); landed != "/guilds" {
		t.Fatalf("landed on %s, want the guild picker", landed)
	}
	// Inspect the Set-Cookie of the callback by logging in from a second
	// browser with a client that does not follow redirects.
	w.Fake.LoginAs(w.Owner)
	jar, _ := cookiejar.New(nil)
	raw := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start, err := raw.Get(s.base + "/auth/login")
	must(t, err)
	start.Body.Close()
	authorize, err := raw.Get(start.Header.Get("Location"))
	must(t, err)
	authorize.Body.Close()
	cb, err := raw.Get(authorize.Header.Get("Location"))
	must(t, err)
	cb.Body.Close()
	header := cb.Header.Values("Set-Cookie")
	if len(header) != 1 {
		t.Fatalf("the callback set %d cookies, want exactly one: %q", len(header), header)
	}
	h := strings.ToLower(header[0])
	for _, want := range []string{"ticketify_session=", "httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(h, want) {
			t.Fatalf("cookie %q lacks %q", header[0], want)
		}
	}
	if strings.Contains(h, "secure") {
		t.Fatalf("cookie %q is Secure on plain-http localhost, so the browser would drop it", header[0])
	}
	c := cb.Cookies()[0]
	if d := time.Until(c.Expires); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour+time.Minute {
		t.Fatalf("cookie expires in %s, want 7 days", d)
	}
	// The database holds the session under the cookie's hash, and the OAuth
	// tokens only sealed.
	var doc bson.M
	must(t, w.Srv.Conn.DB.Collection("sessions").FindOne(context.Background(), bson.D{{Key: "user", Value: w.Owner.ID.String()}}).Decode(&doc))
	raw2, _ := bson.MarshalExtJSON(doc, false, false)
	for _, leak := range []string{c.Value, "at-", "rt-"} {
		if strings.Contains(string(raw2), leak) {
			t.Fatalf("the session document holds %q in the clear: %s", leak, raw2)
		}
	}
}

func TestALoginStateFromAnotherBrowserIsRefused(t *testing.T) {
	w := testenv.NewWorld(t)
	victim, attacker := newSite(t, w), newSite(t, w)
	w.Fake.LoginAs(w.Member)
	raw := &http.Client{Jar: attacker.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start, err := raw.Get(attacker.base + "/auth/login")
	must(t, err)
	start.Body.Close()
	authorize, err := raw.Get(start.Header.Get("Location"))
	must(t, err)
	authorize.Body.Close()
	// The attacker makes the victim's browser finish the attacker's login.
	res, body := victim.get(strings.TrimPrefix(authorize.Header.Get("Location"), victim.base))
	if res.StatusCode != http.StatusBadRequest || victim.cookie() != nil {
		t.Fatalf("a foreign callback got %d and cookie %v: %s", res.StatusCode, victim.cookie(), body)
	}
	// A tampered state in the right browser is refused too.
	start, err = raw.Get(attacker.base + "/auth/login")
	must(t, err)
	start.Body.Close()
	authorize, err = raw.Get(start.Header.Get("Location"))
	must(t, err)
	authorize.Body.Close()
	loc, _ := url.Parse(authorize.Header.Get("Location"))
	q := loc.Query()
	q.Set("state", q.Get("state")+"x")
	loc.RawQuery = q.Encode()
	cb, err := raw.Get(loc.String())
	must(t, err)
	cb.Body.Close()
	if cb.StatusCode != http.StatusBadRequest {
		t.Fatalf("a tampered state got %d", cb.StatusCode)
	}
}

func TestEveryRequestRechecksTheGuild(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	ctx := context.Background()
	// A second server with Ticketify, where the staff member is a plain member.
	other := w.Fake.AddGuild("Other Server", w.Member)
	w.Fake.AddMember(other.ID, w.Staff)
	must(t, w.Srv.App.RecordBotJoined(ctx, domain.GuildID(other.ID), other.Name, domain.UserID(w.Member.ID)))

	staff := newSite(t, w)
	staff.login(w.Staff)
	_, picker := staff.get("/guilds?pick=1")
	if !strings.Contains(picker, w.Guild.Name) || strings.Contains(picker, "Other Server") {
		t.Fatalf("the picker should list only %q: %s", w.Guild.Name, picker)
	}
	for _, path := range []string{"/guilds/" + other.ID.String() + "/tickets", "/api/v1/guilds/" + other.ID.String() + "/tickets",
		"/guilds/123/settings", "/api/v1/guilds/not-a-number/audit"} {
		if res, body := staff.get(path); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %d, want 403: %s", path, res.StatusCode, body)
		}
	}
	if res, _ := staff.get("/api/v1/guilds/" + w.Guild.ID.String() + "/tickets"); res.StatusCode != 200 {
		t.Fatalf("staff cannot read their own guild: %d", res.StatusCode)
	}
	// Losing the staff role takes effect without logging out (roles are
	// re-read through the bot at most a minute later; the clock moves on).
	w.Fake.SetMemberRoles(w.Guild.ID, w.Staff.ID)
	w.Clock.Advance(2 * time.Minute)
	if res, _ := staff.get("/api/v1/guilds/" + w.Guild.ID.String() + "/tickets"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a member who lost the staff role still reads the guild: %d", res.StatusCode)
	}
	// Someone without a session gets 401 from the API and the login page otherwise.
	anon := newSite(t, w)
	if res, _ := anon.get("/api/v1/guilds"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous API: %d", res.StatusCode)
	}
	if res, _ := anon.get("/guilds/" + w.Guild.ID.String() + "/tickets"); res.Request.URL.Path != "/login" {
		t.Fatalf("anonymous page landed on %s", res.Request.URL)
	}
}

func TestStateChangingRequestsNeedTheCSRFToken(t *testing.T) {
	w := testenv.NewWorld(t)
	id := openTicket(t, w, w.Member, "csrf")
	s := newSite(t, w)
	s.login(w.Owner)
	path := "/api/v1/guilds/" + w.Guild.ID.String() + "/tickets/" + string(id) + "/claim"
	for name, header := range map[string]map[string]string{
		"no token":    {},
		"wrong token": {"X-CSRF-Token": "forged"},
		"cross-site":  {"X-CSRF-Token": s.csrf(), "Origin": "https://evil.example"},
	} {
		if res, body := s.post(path, nil, header); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %d, want 403: %s", name, res.StatusCode, body)
		}
	}
	tk, err := w.Srv.App.Ticket(context.Background(), id)
	must(t, err)
	if !tk.Claimer().IsZero() {
		t.Fatal("a refused request claimed the ticket")
	}
	if res, body := s.post(path, nil, map[string]string{"X-CSRF-Token": s.csrf()}); res.StatusCode != 200 {
		t.Fatalf("with the token: %d %s", res.StatusCode, body)
	}
	tk, err = w.Srv.App.Ticket(context.Background(), id)
	must(t, err)
	if tk.Claimer() != domain.UserID(w.Owner.ID) {
		t.Fatalf("claimer %v, want the owner", tk.Claimer())
	}
	// Claiming again is refused with the domain's reason, and changes nothing.
	if res, body := s.post(path, nil, map[string]string{"X-CSRF-Token": s.csrf()}); res.StatusCode != http.StatusConflict {
		t.Fatalf("a second claim: %d %s", res.StatusCode, body)
	}
}

func TestPagesSendSecurityHeaders(t *testing.T) {
	w := testenv.NewWorld(t)
	s := newSite(t, w)
	res, _ := s.get("/login")
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("CSP %q lacks %q", csp, want)
		}
	}
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src") && strings.Contains(d, "unsafe") {
			t.Fatalf("CSP allows inline or eval'd script: %q", d)
		}
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("headers: %v", res.Header)
	}
}

func TestDemoLoginExistsOnlyInDemoMode(t *testing.T) {
	t.Run("not in demo mode", func(t *testing.T) {
		w := testenv.NewWorld(t)
		s := newSite(t, w)
		_, body := s.get("/login")
		if strings.Contains(body, "login-demo") || strings.Contains(body, "demo admin") {
			t.Fatal("the login page offers the demo login outside demo mode")
		}
		if res, _ := s.post("/auth/demo", nil, nil); res.StatusCode != http.StatusNotFound || s.cookie() != nil {
			t.Fatalf("POST /auth/demo outside demo mode: %d", res.StatusCode)
		}
	})
	t.Run("in demo mode", func(t *testing.T) {
		w := testenv.NewWorld(t, testenv.WithDemoLogin)
		s := newSite(t, w)
		_, body := s.get("/login")
		if !strings.Contains(body, "login-demo") {
			t.Fatal("the demo's login page has no demo button")
		}
		res, _ := s.post("/auth/demo", nil, nil)
		if res.StatusCode != 200 || s.cookie() == nil {
			t.Fatalf("demo login: %d at %s", res.StatusCode, res.Request.URL)
		}
		_, me := s.get("/api/v1/me")
		if !strings.Contains(me, w.Owner.ID.String()) {
			t.Fatalf("logged in as %s, want the demo admin", me)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLogoutDeletesTheSessionAndRevokesTheToken(t *testing.T) {
	w := testenv.NewWorld(t)
	s := newSite(t, w)
	s.login(w.Member)
	if n := w.Fake.UserTokens(w.Member.ID); n != 1 {
		t.Fatalf("%d live tokens after login, want 1", n)
	}
	res, _ := s.post("/auth/logout", url.Values{"csrf": {s.csrf()}}, nil)
	if res.Request.URL.Path != "/login" || s.cookie() != nil {
		t.Fatalf("after logout at %s with cookie %v", res.Request.URL, s.cookie())
	}
	if n := w.Fake.UserTokens(w.Member.ID); n != 0 {
		t.Fatalf("%d live tokens after logout: not revoked", n)
	}
	n, err := w.Srv.Conn.DB.Collection("sessions").CountDocuments(context.Background(), bson.D{{Key: "user", Value: w.Member.ID.String()}})
	must(t, err)
	if n != 0 {
		t.Fatalf("%d sessions left", n)
	}
	if res, _ := s.get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after logout the API answers %d", res.StatusCode)
	}
}

func TestLoginAndAPIAreRateLimited(t *testing.T) {
	w := testenv.NewWorld(t, testenv.WithRequestsPerMinute(50)) // logins: 5 a minute
	s := newSite(t, w)
	s.login(w.Owner) // two of the five: /auth/login and /auth/callback
	limited := 0
	for range 60 {
		if res, _ := s.get("/api/v1/me"); res.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 10 {
		t.Fatalf("60 API calls in a row at 50 a minute: %d limited", limited)
	}
	raw := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var codes []int
	for range 4 {
		res, err := raw.Get(s.base + "/auth/login")
		must(t, err)
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if !slices.Equal(codes, []int{http.StatusFound, http.StatusFound, http.StatusFound, http.StatusTooManyRequests}) {
		t.Fatalf("login attempts answered %v, want three redirects then 429", codes)
	}
}

func TestMyDataDownloadsOnlyMyOwnExport(t *testing.T) {
	w := testenv.NewWorld(t)
	openTicket(t, w, w.Member, "mia's own topic")
	staff := newSite(t, w)
	staff.login(w.Staff)
	openTicket(t, w, w.Staff, "sam's topic")
	s := newSite(t, w)
	s.login(w.Member)
	w.WaitFor(t, "the subject index", func() bool {
		_, body := s.get("/me/export.json")
		return strings.Contains(body, "mia's own topic")
	})
	res, body := s.get("/me/export.json")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	var doc struct {
		Schema string `json:"schema"`
		User   string `json:"user"`
	}
	must(t, json.Unmarshal([]byte(body), &doc))
	if doc.Schema != "ticketify.user-export.v1" || doc.User != w.Member.ID.String() || strings.Contains(body, "sam's topic") {
		t.Fatalf("export of %s: %s", doc.User, body)
	}
	if res, _ := newSite(t, w).get("/me/export.json"); res.Request.URL.Path != "/login" {
		t.Fatal("an anonymous visitor got an export")
	}
}

func TestDeleteMyDataErasesMeAndEndsMySession(t *testing.T) {
	w := testenv.NewWorld(t)
	id := openTicket(t, w, w.Member, "please forget this topic")
	s := newSite(t, w)
	s.login(w.Member)
	if res, _ := s.post("/me/erase", url.Values{"csrf": {s.csrf()}, "confirm": {"yes"}}, nil); res.Request.URL.Path != "/me" || s.cookie() == nil {
		t.Fatalf("an unconfirmed erasure went to %s", res.Request.URL)
	}
	res, body := s.post("/me/erase", url.Values{"csrf": {s.csrf()}, "confirm": {"ERASE"}}, nil)
	if res.Request.URL.Path != "/login" || !strings.Contains(body, "Your data was erased") || s.cookie() != nil {
		t.Fatalf("after erasure at %s, cookie %v", res.Request.URL, s.cookie())
	}
	n, err := w.Srv.Conn.DB.Collection("sessions").CountDocuments(context.Background(), bson.D{{Key: "user", Value: w.Member.ID.String()}})
	must(t, err)
	if n != 0 {
		t.Fatalf("%d sessions survived the erasure", n)
	}
	w.WaitFor(t, "the view to be scrubbed", func() bool {
		v, err := w.Srv.TicketViews.Get(context.Background(), string(id))
		return err == nil && v.Topic == "" && v.Erased
	})
}

func TestPagesNamePeopleUntilTheyAreErased(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	openTicket(t, w, w.Member, "who am I")
	member := newSite(t, w)
	member.login(w.Member)
	staff := newSite(t, w)
	staff.login(w.Staff)
	list := "/guilds/" + w.Guild.ID.String() + "/tickets"
	w.WaitFor(t, "the opener's name on the tickets list", func() bool {
		_, body := staff.get(list)
		return strings.Contains(body, "Mia Member")
	})
	res, _ := member.post("/me/erase", url.Values{"csrf": {member.csrf()}, "confirm": {"ERASE"}}, nil)
	if res.Request.URL.Path != "/login" {
		t.Fatalf("the erasure ended at %s", res.Request.URL)
	}
	if _, body := staff.get(list); strings.Contains(body, "Mia Member") || !strings.Contains(body, "user "+w.Member.ID.String()) {
		t.Fatalf("after her erasure the tickets list still names her: %.2000s", body)
	}
}

func TestOnlyAServerManagerCanEraseTheServer(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	id := openTicket(t, w, w.Member, "server data")
	path := "/guilds/" + w.Guild.ID.String() + "/erase"
	staff := newSite(t, w)
	staff.login(w.Staff) // staff by role, without Manage Server
	if res, _ := staff.post(path, url.Values{"csrf": {staff.csrf()}, "confirm": {w.Guild.Name}}, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a staff member without Manage Server erased the server: %d", res.StatusCode)
	}
	owner := newSite(t, w)
	owner.login(w.Owner)
	if res, _ := owner.post(path, url.Values{"csrf": {owner.csrf()}, "confirm": {"wrong name"}}, nil); !strings.Contains(res.Request.URL.RawQuery, "refused") {
		t.Fatalf("a wrong confirmation was accepted: %s", res.Request.URL)
	}
	if v, _ := w.Srv.TicketViews.Get(context.Background(), string(id)); v.Topic != "server data" {
		t.Fatal("a refused erasure changed the ticket")
	}
	res, body := owner.post(path, url.Values{"csrf": {owner.csrf()}, "confirm": {w.Guild.Name}}, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "was erased") {
		t.Fatalf("the owner's erasure: %d %s", res.StatusCode, res.Request.URL)
	}
	if v, _ := w.Srv.TicketViews.Get(context.Background(), string(id)); v.Topic != "" {
		t.Fatalf("the server's ticket still shows %q", v.Topic)
	}
}

func TestThePrivacyPageListsEveryEventTypeWithPersonalData(t *testing.T) {
	w := testenv.NewWorld(t)
	_, body := newSite(t, w).get("/privacy")
	types := w.Srv.Store.Codec().PersonalTypes()
	if len(types) == 0 {
		t.Fatal("the codec knows no personal event types: the check would prove nothing")
	}
	for _, ty := range types {
		if !strings.Contains(body, `data-type="`+ty+`"`) {
			t.Errorf("the privacy page does not list %s", ty)
		}
	}
}

func TestCorrections(t *testing.T) {
	w := testenv.NewWorld(t)
	ctx := context.Background()
	t.Run("a person refreshes their name from Discord", func(t *testing.T) {
		s := newSite(t, w)
		s.login(w.Member)
		w.Fake.RenameUser(w.Member.ID, "mia-renamed", "Mia Renamed")
		res, body := s.post("/me/refresh", url.Values{"csrf": {s.csrf()}}, nil)
		if res.StatusCode != 200 || !strings.Contains(body, "Mia Renamed") {
			t.Fatalf("refresh: %d %s", res.StatusCode, res.Request.URL)
		}
		p, err := w.Srv.App.Profile(ctx, domain.UserID(w.Member.ID))
		must(t, err)
		if p.Current().GlobalName != "Mia Renamed" {
			t.Fatalf("the profile says %+v", p.Current())
		}
	})
	t.Run("staff correct a ticket's topic and category", func(t *testing.T) {
		setStaffRole(t, w)
		in := w.Fake.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("name", "Billing")))
		w.Reply(t, in, w.Deliver(t, in))
		id := openTicket(t, w, w.Member, "typo in topik")
		s := newSite(t, w)
		s.login(w.Staff)
		base := "/guilds/" + w.Guild.ID.String() + "/tickets/" + string(id)
		s.post(base+"/topic", url.Values{"csrf": {s.csrf()}, "topic": {"typo in topic"}}, nil)
		_, body := s.post(base+"/category", url.Values{"csrf": {s.csrf()}, "category": {"nope"}}, nil)
		if !strings.Contains(body, "no category") {
			t.Fatalf("an unknown category was not refused: %.300s", body)
		}
		v, err := w.Srv.TicketViews.Get(ctx, string(id))
		must(t, err)
		if v.Topic != "typo in topic" {
			t.Fatalf("topic %q after the correction", v.Topic)
		}
		w.WaitFor(t, "the correction in the audit timeline", func() bool {
			_, audit := s.get("/api/v1/guilds/" + w.Guild.ID.String() + "/audit?type=ticket.topic_corrected.v1")
			return strings.Contains(audit, `"source":"dashboard"`)
		})
	})
}

func TestOnlyAServerManagerCanExportTheServer(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	openTicket(t, w, w.Member, "exported topic")
	path := "/guilds/" + w.Guild.ID.String() + "/export.zip"
	staff := newSite(t, w)
	staff.login(w.Staff)
	if res, _ := staff.get(path); res.StatusCode != http.StatusForbidden {
		t.Fatalf("staff without Manage Server exported the server: %d", res.StatusCode)
	}
	member := newSite(t, w)
	member.login(w.Member)
	if res, _ := member.get(path); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a member exported the server: %d", res.StatusCode)
	}
	owner := newSite(t, w)
	owner.login(w.Owner)
	w.WaitFor(t, "the export to hold the ticket", func() bool {
		res, body := owner.get(path)
		if res.StatusCode != 200 {
			return false
		}
		zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
		if err != nil {
			return false
		}
		f, err := zr.Open("events.jsonl")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(f)
		return strings.Contains(string(b), "exported topic")
	})
}

func TestBehindATrustedProxyRateLimitsArePerClient(t *testing.T) {
	attempts := func(w *testenv.World, client string, n int) []int {
		var codes []int
		raw := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for range n {
			req, _ := http.NewRequest(http.MethodGet, "http://"+w.Srv.Addr()+"/auth/login", nil)
			req.Header.Set("X-Forwarded-For", client)
			res, err := raw.Do(req)
			must(t, err)
			res.Body.Close()
			codes = append(codes, res.StatusCode)
		}
		return codes
	}
	trusted := testenv.NewWorld(t, testenv.WithRequestsPerMinute(50), func(env map[string]string) { env["TICKETIFY_TRUSTED_PROXIES"] = "127.0.0.1" })
	if codes := attempts(trusted, "203.0.113.7", 6); codes[5] != http.StatusTooManyRequests {
		t.Fatalf("one client's logins: %v", codes)
	}
	if codes := attempts(trusted, "203.0.113.8", 1); codes[0] != http.StatusFound {
		t.Fatalf("another client behind the same proxy was limited too: %v", codes)
	}
	// Without a trusted proxy the header is the client's own claim: ignored.
	direct := testenv.NewWorld(t, testenv.WithRequestsPerMinute(50))
	attempts(direct, "203.0.113.7", 5)
	if codes := attempts(direct, "203.0.113.9", 1); codes[0] != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For escaped the limit: %v", codes)
	}
}

func TestAPanelIsPostedOnlyInAChannelOfItsServer(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	owner := newSite(t, w)
	owner.login(w.Owner)
	g := "/guilds/" + w.Guild.ID.String()
	res, _ := owner.post(g+"/panels/save", url.Values{"csrf": {owner.csrf()}, "key": {"main"}, "embed_title": {"Help"}, "buttons": {"general | Open"}}, nil)
	if res.StatusCode != 200 || !strings.Contains(res.Request.URL.RawQuery, "panel-saved") {
		t.Fatalf("save: %d %s", res.StatusCode, res.Request.URL)
	}
	elsewhere := w.Fake.AddGuild("Elsewhere", w.Owner)
	far := w.Fake.AddTextChannel(elsewhere.ID, "far")
	res, body := owner.post(g+"/panels/post", url.Values{"csrf": {owner.csrf()}, "key": {"main"}, "channel": {far.ID.String()}}, nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "not a text channel of this server") {
		t.Fatalf("a channel of another server: %d", res.StatusCode)
	}
	w.Settle(t)
	if len(w.Fake.Messages(far.ID)) != 0 {
		t.Fatal("the panel was posted in another server's channel")
	}
}

func TestStaffOutsideACategorysOwnTeamDoNotReadItsTickets(t *testing.T) {
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	team := w.Fake.AddRole(w.Guild.ID, "Appeals team", fakediscord.PermDefaultEveryone)
	for _, in := range []fakediscord.Interaction{
		w.Fake.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", "appeals"), fakediscord.Str("name", "Appeals"))),
		w.Fake.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-team", fakediscord.Str("category", "appeals"),
			fakediscord.RoleOpt("role", team.ID), fakediscord.BoolOpt("only", true))),
		w.Fake.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("category", "appeals"), fakediscord.Str("topic", "my ban"))),
	} {
		w.Reply(t, in, w.Deliver(t, in))
	}
	w.Settle(t)
	list, err := w.Srv.TicketViews.All(context.Background(), w.Guild.ID.String())
	if err != nil || len(list) != 1 {
		t.Fatalf("tickets: %v %v", list, err)
	}
	sam := newSite(t, w)
	sam.login(w.Staff)
	g := "/guilds/" + w.Guild.ID.String()
	if res, _ := sam.get(g + "/tickets/" + list[0].ID); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the ticket page for staff outside the team: %d", res.StatusCode)
	}
	if _, body := sam.get("/api/v1" + g + "/tickets"); strings.Contains(body, list[0].ID) {
		t.Fatalf("the list shows it: %s", body)
	}
	// Nor does the audit timeline, on the page or through the API, for the
	// whole server or asked for that ticket; the server's own changes stay.
	for _, path := range []string{g + "/audit", g + "/audit?ticket=" + list[0].ID, "/api/v1" + g + "/audit", "/api/v1" + g + "/audit?ticket=" + list[0].ID} {
		res, body := sam.get(path)
		api := strings.HasPrefix(path, "/api/") // a page echoes the ticket asked for in its filter form
		if res.StatusCode != http.StatusOK || api && strings.Contains(body, list[0].ID) || strings.Contains(body, "opened ticket #1") {
			t.Fatalf("%s shows the team's ticket to staff outside it (%d): %s", path, res.StatusCode, body)
		}
	}
	if _, body := sam.get(g + "/audit"); !strings.Contains(body, "Appeals") {
		t.Fatalf("the audit page lost the server's own changes: %s", body)
	}
	owner := newSite(t, w)
	owner.login(w.Owner)
	if res, _ := owner.get(g + "/tickets/" + list[0].ID); res.StatusCode != http.StatusOK {
		t.Fatalf("the owner (an admin): %d", res.StatusCode)
	}
	if _, body := owner.get("/api/v1" + g + "/audit"); !strings.Contains(body, list[0].ID) {
		t.Fatalf("the owner's audit timeline lacks the ticket: %s", body)
	}
}
