package dashboard

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/i18n"
)

// cookieName is the one cookie the dashboard sets.
const cookieName = "ticketify_session"

// guildsFresh is how long the user's guild list (and so Manage Server) is
// trusted before it is asked from Discord again.
const guildsFresh = 5 * time.Minute

func (d *Dashboard) setCookie(c *fiber.Ctx, token string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: cookieName, Value: token, Path: "/", Expires: expires, HTTPOnly: true,
		Secure: d.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

func (d *Dashboard) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: cookieName, Value: "", Path: "/", Expires: time.Unix(1, 0), MaxAge: -1, HTTPOnly: true,
		Secure: d.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

// safeNext keeps a post-login destination on this site: a local path with
// its query, re-encoded, or "/guilds". It refuses what a browser could read
// as another site or a server as another header: a control character or DEL
// (browsers drop tabs and newlines, so "/\t/evil" is "//evil"), a backslash
// (read as a slash), a scheme or host, "//" or a dot segment anywhere in the
// path at any level of percent-decoding, text that is not UTF-8, and the login
// routes in any case. What it
// keeps is written out percent-encoded, so the Location header is plain
// ASCII whatever Unicode the path held.
// hasDotSegment reports a "." or ".." path segment: a browser resolves them
// ("/.//evil" becomes "//evil"), so a kept path has none.
func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// isAuthRoute reports the login routes, which Fiber matches whatever the case.
func isAuthRoute(p string) bool {
	p = strings.ToLower(path.Clean(p))
	return p == "/auth" || strings.HasPrefix(p, "/auth/")
}

func safeNext(next string) string { return safeNextOr(next, "/guilds") }

// maxNext bounds a return address: a longer one (a Location header of
// hundreds of kilobytes that proxies refuse) goes home instead.
const maxNext = 2048

// safeNextOr is safeNext with another page for what it refuses.
func safeNextOr(next, home string) string {
	if len(next) > maxNext || !strings.HasPrefix(next, "/") || !utf8.ValidString(next) || strings.ContainsFunc(next, unsafeInPath) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	for p := u.Path; ; {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || hasDotSegment(p) || !utf8.ValidString(p) ||
			strings.ContainsFunc(p, unsafeInPath) || isAuthRoute(p) {
			return home
		}
		decoded, err := url.PathUnescape(p)
		if err != nil {
			return home
		}
		if decoded == p {
			break
		}
		p = decoded
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return home
	}
	return (&url.URL{Path: u.Path, RawQuery: query.Encode()}).String()
}

// unsafeInPath: ASCII control characters, DEL and the backslash.
func unsafeInPath(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }

// startLogin begins the authorization-code flow: a fresh login session
// holds the state's hash and the PKCE verifier; Discord gets the state and
// the verifier's S256 challenge. Anyone can link here, so it changes no
// live session: someone logged in is sent on to next as they are (another
// site cannot log them out or swap their session; logging out is a POST
// with the CSRF token), and only a page the browser navigates to starts a
// login, not another page's image, frame or fetch.
func (d *Dashboard) startLogin(c *fiber.Ctx) error {
	if !d.LoginEnabled() {
		return d.fail(c, fiber.StatusServiceUnavailable, "web.errors.login_not_configured")
	}
	if !pageNavigation(c) {
		return d.fail(c, fiber.StatusForbidden, "web.errors.login_not_navigation")
	}
	ctx := c.UserContext()
	next := safeNext(c.Query("next"))
	live, err := d.sessions.get(ctx, c.Cookies(cookieName))
	if err != nil {
		return d.unavailable(c, err)
	}
	if live != nil && live.Kind == "user" {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	token, id := newToken()
	state, verifier := randomString(), oauth2.GenerateVerifier()
	now := d.cfg.Clock()
	sess := &session{ID: id, Kind: "login", Created: now, Expires: now.Add(loginTTL), CSRF: randomString(),
		StateHash: hash(state), Next: next}
	sess.Verifier = d.sessions.seal(id, []byte(verifier))
	if err := d.sessions.insert(ctx, sess); err != nil {
		return d.unavailable(c, err)
	}
	d.setCookie(c, token, sess.Expires)
	return c.Redirect(d.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")), fiber.StatusFound)
}

// pageNavigation: the browser says (Fetch Metadata) that this request loads
// a page in its window, or says nothing (older browsers, scripts).
func pageNavigation(c *fiber.Ctx) bool {
	mode, dest := c.Get("Sec-Fetch-Mode"), c.Get("Sec-Fetch-Dest")
	return (mode == "" || mode == "navigate") && (dest == "" || dest == "document")
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// callback finishes the flow: the state must be this browser's, the code is
// exchanged with the verifier, the user and their guilds are read, and a new
// session replaces the login one (a session id is never reused across a
// login).
func (d *Dashboard) callback(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pending, err := d.sessions.get(ctx, c.Cookies(cookieName))
	if err != nil {
		return d.unavailable(c, err)
	}
	if pending == nil || pending.Kind != "login" ||
		subtle.ConstantTimeCompare([]byte(hash(c.Query("state"))), []byte(pending.StateHash)) != 1 {
		return d.fail(c, fiber.StatusBadRequest, "web.errors.login_state")
	}
	_ = d.sessions.delete(ctx, pending.ID) // one use
	if e := c.Query("error"); e != "" {
		d.clearCookie(c)
		return d.fail(c, fiber.StatusUnauthorized, "web.errors.login_not_authorized") // e is the URL's text: not shown
	}
	verifier, err := d.sessions.open(pending.ID, pending.Verifier)
	if err != nil {
		return d.fail(c, fiber.StatusBadRequest, "web.errors.login_not_verified")
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, d.http)
	tok, err := d.oauth.Exchange(hctx, c.Query("code"), oauth2.VerifierOption(string(verifier)))
	if err != nil {
		d.logger.Warn("oauth code exchange failed", "err", redact(err))
		return d.fail(c, fiber.StatusBadGateway, "web.errors.login_refused")
	}
	user, seen, err := d.discordMe(ctx, tok)
	if err != nil {
		return d.fail(c, fiber.StatusBadGateway, "web.errors.login_no_user")
	}
	var guilds []userGuild
	if err := d.discordGet(ctx, tok, "/users/@me/guilds", &guilds); err != nil {
		return d.fail(c, fiber.StatusBadGateway, "web.errors.login_no_guilds")
	}
	token, id := newToken()
	now := d.cfg.Clock()
	sess := &session{ID: id, Kind: "user", Created: now, Expires: now.Add(SessionTTL), CSRF: randomString(),
		User: user.String(), Username: seen.Username, GlobalName: seen.GlobalName, Avatar: seen.Avatar, Guilds: guilds, GuildsAt: now}
	if err := d.sessions.setToken(sess, tok); err != nil {
		return d.unavailable(c, err)
	}
	if err := d.sessions.insert(ctx, sess); err != nil {
		return d.unavailable(c, err)
	}
	// What Discord shows of the person, as an event (the profile's owner may
	// export or erase it); unchanged snapshots append nothing.
	meta := app.Meta{Actor: domain.Actor{User: user, Source: domain.SourceDashboard}}
	if err := d.app.ObserveProfile(ctx, user, seen, meta); err != nil {
		d.logger.Warn("profile not recorded at login", "err", err)
	}
	if err := d.app.RecordLogin(ctx, user, meta); err != nil {
		d.logger.Warn("login not recorded", "err", err)
	}
	d.setCookie(c, token, sess.Expires)
	return c.Redirect(safeNext(pending.Next), fiber.StatusFound)
}

// redact keeps an OAuth error's kind without echoing request details.
func redact(err error) string {
	var re *oauth2.RetrieveError
	if ok := asRetrieve(err, &re); ok {
		return fmt.Sprintf("%s (%d)", re.ErrorCode, re.Response.StatusCode)
	}
	return "transport error"
}

func asRetrieve(err error, target **oauth2.RetrieveError) bool {
	for err != nil {
		if re, ok := err.(*oauth2.RetrieveError); ok {
			*target = re
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// discordGet calls Discord's REST API with the user's bearer token.
func (d *Dashboard) discordGet(ctx context.Context, tok *oauth2.Token, path string, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(d.cfg.APIURL, "/")+path, nil)
	if err != nil {
		return err
	}
	tok.SetAuthHeader(req)
	req.Header.Set("User-Agent", "DiscordBot (https://github.com/ticketify/ticketify, 1.0) Ticketify-Dashboard")
	res, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("discord %s: %w", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
		return fmt.Errorf("discord %s: status %d", path, res.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(res.Body, 4<<20)).Decode(into)
}

// discordMe asks Discord whose token this is, and what it shows of them.
func (d *Dashboard) discordMe(ctx context.Context, tok *oauth2.Token) (domain.UserID, profile.Personal, error) {
	var me struct {
		ID         string  `json:"id"`
		Username   string  `json:"username"`
		GlobalName *string `json:"global_name"`
		Avatar     *string `json:"avatar"`
	}
	if err := d.discordGet(ctx, tok, "/users/@me", &me); err != nil {
		return 0, profile.Personal{}, err
	}
	user, err := domain.ParseUserID(me.ID)
	if err != nil {
		return 0, profile.Personal{}, fmt.Errorf("discord /users/@me: %w", err)
	}
	seen := profile.Personal{Username: me.Username}
	if me.GlobalName != nil {
		seen.GlobalName = *me.GlobalName
	}
	if me.Avatar != nil {
		seen.Avatar = *me.Avatar
	}
	return user, seen, nil
}

// freshToken returns the session's Discord token, refreshed when it expired.
// A refreshed one is sealed into the session and saved at once, whatever
// the caller does next: Discord rotates refresh tokens, so the old one no
// longer works.
func (d *Dashboard) freshToken(ctx context.Context, sess *session) (*oauth2.Token, error) {
	tok, err := d.sessions.token(sess)
	if err != nil {
		return nil, err
	}
	fresh, err := d.oauth.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, d.http), tok).Token()
	if err != nil {
		return nil, fmt.Errorf("refresh the Discord token: %s", redact(err))
	}
	if fresh.AccessToken != tok.AccessToken {
		if err := d.sessions.setToken(sess, fresh); err != nil {
			return nil, err
		}
		if err := d.sessions.replace(ctx, sess); err != nil {
			return nil, fmt.Errorf("save the refreshed Discord token: %w", err)
		}
	}
	return fresh, nil
}

// refreshGuilds asks Discord for the user's guilds again when the list is
// older than guildsFresh, refreshing the access token first if it expired.
// When Discord cannot be asked (it is down, the user removed the app, the
// refresh is refused), the last list serves until staleGrace past its
// freshness; after that the answer is errStale. Discord is asked once per
// request.
func (d *Dashboard) refreshGuilds(ctx context.Context, sess *session) error {
	age := d.cfg.Clock().Sub(sess.GuildsAt)
	if age < guildsFresh {
		return nil
	}
	if !sess.refreshTried {
		sess.refreshTried = true
		tok, err := d.freshToken(ctx, sess)
		var guilds []userGuild
		if err == nil {
			err = d.discordGet(ctx, tok, "/users/@me/guilds", &guilds)
		}
		if err == nil {
			sess.Guilds, sess.GuildsAt = guilds, d.cfg.Clock()
			return d.sessions.replace(ctx, sess)
		}
		sess.refreshErr = err
		d.logger.Warn("guild list not refreshed", "age", age.Round(time.Second), "err", err)
	}
	if age < guildsFresh+staleGrace {
		return nil
	}
	return fmt.Errorf("%w: the guild list is %s old: %w", errStale, age.Round(time.Second), sess.refreshErr)
}

func (d *Dashboard) logout(c *fiber.Ctx) error {
	sess := current(c)
	if tok, err := d.sessions.token(sess); err == nil {
		d.revoke(c.UserContext(), tok)
	}
	if err := d.sessions.delete(c.UserContext(), sess.ID); err != nil {
		return d.unavailable(c, err)
	}
	d.clearCookie(c)
	return back(c, "/login", noticeLoggedOut)
}

// revoke tells Discord to forget the token (best effort: the session,
// which alone held it, is deleted anyway).
func (d *Dashboard) revoke(ctx context.Context, tok *oauth2.Token) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	form := url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(d.cfg.APIURL, "/")+"/oauth2/token/revoke", strings.NewReader(form.Encode()))
	if err != nil {
		return
	}
	req.SetBasicAuth(url.QueryEscape(d.cfg.ClientID), url.QueryEscape(d.cfg.ClientSecret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := d.http.Do(req); err == nil {
		_ = res.Body.Close()
	}
}

// demoLogin chooses the demo admin at the fake Discord, then runs the real
// OAuth flow. Mounted only in demo mode.
func (d *Dashboard) demoLogin(c *fiber.Ctx) error {
	if err := d.cfg.DemoLogin(c.UserContext()); err != nil {
		return d.fail(c, fiber.StatusInternalServerError, "web.errors.demo_login", "Reason", err.Error())
	}
	return c.Redirect("/auth/login?next=/guilds", fiber.StatusSeeOther)
}

type ctxKey int

const sessionKey ctxKey = iota

// withSession loads the session named by the cookie, if any.
func (d *Dashboard) withSession(c *fiber.Ctx) error {
	sess, err := d.sessions.get(c.UserContext(), c.Cookies(cookieName))
	if err != nil {
		return d.unavailable(c, err)
	}
	if sess != nil && sess.Kind == "user" {
		c.Locals(sessionKey, sess)
	}
	return c.Next()
}

func current(c *fiber.Ctx) *session {
	s, _ := c.Locals(sessionKey).(*session)
	return s
}

// requireUser sends a browser without a live session to the login page
// (and back afterwards); the API answers 401.
func (d *Dashboard) requireUser(c *fiber.Ctx) error {
	if current(c) != nil {
		return c.Next()
	}
	if c.Cookies(cookieName) != "" {
		d.clearCookie(c) // expired or unknown
	}
	if isAPI(c) {
		return c.Status(fiber.StatusUnauthorized).JSON(apiError{Error: i18n.English().T("web.errors.api_log_in")})
	}
	if c.Method() != fiber.MethodGet {
		return d.fail(c, fiber.StatusUnauthorized, "web.errors.session_expired")
	}
	return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// checkCSRF: every state-changing request carries the session's CSRF token
// (a form field, or the X-CSRF-Token header for the API), compared in
// constant time, and comes from this site.
func (d *Dashboard) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if !d.originOK(c) {
		return d.fail(c, fiber.StatusForbidden, "web.errors.cross_site")
	}
	sess := current(c)
	given := c.Get("X-CSRF-Token")
	if given == "" {
		given = c.FormValue("csrf")
	}
	if sess == nil || given == "" || subtle.ConstantTimeCompare([]byte(given), []byte(sess.CSRF)) != 1 {
		return d.fail(c, fiber.StatusForbidden, "web.errors.csrf")
	}
	return c.Next()
}

// sameOrigin refuses a cross-site state-changing request outright.
func (d *Dashboard) sameOrigin(c *fiber.Ctx) error {
	if !d.originOK(c) {
		return d.fail(c, fiber.StatusForbidden, "web.errors.cross_site")
	}
	return c.Next()
}

// originOK: the browser says the request comes from this site (or says
// nothing, as non-browser API clients do).
func (d *Dashboard) originOK(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if origin := c.Get("Origin"); origin != "" {
		want, _ := url.Parse(d.cfg.PublicURL)
		got, err := url.Parse(origin)
		if err != nil || want == nil || got.Scheme+"://"+got.Host != want.Scheme+"://"+want.Host {
			return false
		}
	}
	return true
}

// refreshProfile asks Discord for the person's current name and avatar and
// records them (a correction: the dashboard and transcripts show them).
func (d *Dashboard) refreshProfile(c *fiber.Ctx) error {
	ctx := c.UserContext()
	sess := current(c)
	tok, err := d.freshToken(ctx, sess)
	if err != nil {
		return d.fail(c, fiber.StatusBadGateway, "web.errors.token_not_renewed")
	}
	user, seen, err := d.discordMe(ctx, tok)
	if err != nil || user.String() != sess.User {
		return d.fail(c, fiber.StatusBadGateway, "web.errors.discord_no_answer")
	}
	if err := d.app.ObserveProfile(ctx, user, seen, app.Meta{Actor: domain.Actor{User: user, Source: domain.SourceDashboard}}); err != nil {
		return d.unavailable(c, err)
	}
	sess.Username, sess.GlobalName, sess.Avatar = seen.Username, seen.GlobalName, seen.Avatar
	if err := d.sessions.replace(ctx, sess); err != nil {
		return d.unavailable(c, err)
	}
	_ = d.waitViews(ctx) // the new name reaches the names before they are read again
	d.ForgetName(user)
	return back(c, "/me", noticeProfileRefreshed)
}
