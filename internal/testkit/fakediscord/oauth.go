package fakediscord

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The OAuth2 authorization-code flow with PKCE, as
// https://discord.com/developers/docs/topics/oauth2 describes it. The fake's
// authorize page logs in whichever user the test chose with LoginAs (or the
// query's login_as), the way a person would click "Authorize".

type oauthGrant struct {
	user          User
	redirectURI   string
	codeChallenge string
	scope         string
}

type oauthState struct {
	mu       sync.Mutex
	loginAs  *User
	lifetime time.Duration // of access tokens; Discord's last a week
	codes    map[string]oauthGrant
	tokens   map[string]oauthToken
	refresh  map[string]oauthToken
}

type oauthToken struct {
	user    User
	scope   string
	expires time.Time
}

func newOAuthState() *oauthState {
	return &oauthState{lifetime: 7 * 24 * time.Hour, codes: map[string]oauthGrant{}, tokens: map[string]oauthToken{}, refresh: map[string]oauthToken{}}
}

// LoginAs chooses who is logged in on the fake's authorize page.
func (s *Server) LoginAs(u User) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.loginAs = &u
}

// AuthorizeURL is Discord's authorize endpoint on the fake.
func (s *Server) AuthorizeURL() string { return s.BaseURL() + "/oauth2/authorize" }

// TokenURL is Discord's token endpoint on the fake.
func (s *Server) TokenURL() string { return s.APIURL() + "/oauth2/token" }

func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.oauth.mu.Lock()
	who := s.oauth.loginAs
	s.oauth.mu.Unlock()
	if q.Get("response_type") != "code" || q.Get("client_id") != s.AppID.String() || q.Get("redirect_uri") == "" || who == nil {
		http.Error(w, "invalid authorize request", http.StatusBadRequest)
		return
	}
	code := "code-" + s.NewID().String()
	s.oauth.mu.Lock()
	s.oauth.codes[code] = oauthGrant{user: *who, redirectURI: q.Get("redirect_uri"), codeChallenge: q.Get("code_challenge"), scope: q.Get("scope")}
	s.oauth.mu.Unlock()
	to, _ := url.Parse(q.Get("redirect_uri"))
	v := to.Query()
	v.Set("code", code)
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// clientForm parses an OAuth2 endpoint's form and checks the client's
// credentials (HTTP Basic, or client_id and client_secret in the form); it
// answers 401 invalid_client itself.
func (s *Server) clientForm(w http.ResponseWriter, r *http.Request, body []byte) (url.Values, bool) {
	form, _ := url.ParseQuery(string(body))
	clientID, secret, ok := r.BasicAuth()
	if !ok {
		clientID, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if clientID != s.AppID.String() || secret != s.ClientSecret() {
		s.writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return nil, false
	}
	return form, true
}

func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request, body []byte) {
	form, ok := s.clientForm(w, r, body)
	if !ok {
		return
	}
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	var tok oauthToken
	switch form.Get("grant_type") {
	case "authorization_code":
		g, ok := s.oauth.codes[form.Get("code")]
		delete(s.oauth.codes, form.Get("code"))
		if !ok || g.redirectURI != form.Get("redirect_uri") {
			s.writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
			return
		}
		if g.codeChallenge != "" {
			sum := sha256.Sum256([]byte(form.Get("code_verifier")))
			if base64.RawURLEncoding.EncodeToString(sum[:]) != g.codeChallenge {
				s.writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
				return
			}
		}
		tok = oauthToken{user: g.user, scope: g.scope}
	case "refresh_token":
		old, ok := s.oauth.refresh[form.Get("refresh_token")]
		delete(s.oauth.refresh, form.Get("refresh_token"))
		if !ok {
			s.writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
			return
		}
		tok = oauthToken{user: old.user, scope: old.scope}
	default:
		s.writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	tok.expires = s.now().Add(s.oauth.lifetime)
	access, refresh := "at-"+s.nextID().String(), "rt-"+s.nextID().String()
	s.oauth.tokens[access], s.oauth.refresh[refresh] = tok, tok
	s.writeJSON(w, 200, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(s.oauth.lifetime.Seconds()),
		"refresh_token": refresh, "scope": tok.scope})
}

// ClientSecret is the application's OAuth2 client secret (DISCORD_CLIENT_SECRET).
func (s *Server) ClientSecret() string { return "fake-client-secret-" + s.AppID.String() }

func (s *Server) bearer(r *http.Request) (oauthToken, bool) {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return oauthToken{}, false
	}
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	t, ok := s.oauth.tokens[auth]
	return t, ok && s.now().Before(t.expires)
}

func (s *Server) usersMe(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.bearer(r); ok {
		s.writeJSON(w, 200, t.user)
		return
	}
	if r.Header.Get("Authorization") == "Bot "+s.Token {
		s.writeJSON(w, 200, s.BotUser)
		return
	}
	s.writeError(w, 401, codeUnauthorized, "401: Unauthorized")
}

// usersMeGuilds is GET /users/@me/guilds with a user's bearer token.
func (s *Server) usersMeGuilds(w http.ResponseWriter, r *http.Request) {
	t, ok := s.bearer(r)
	if !ok {
		s.writeError(w, 401, codeUnauthorized, "401: Unauthorized")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, g := range s.guilds {
		m, ok := g.members[t.user.ID]
		if !ok {
			continue
		}
		out = append(out, map[string]any{"id": g.ID, "name": g.Name, "icon": nil, "owner": g.OwnerID == t.user.ID,
			"permissions": perm(s.permissionsLocked(g, m)), "features": []string{}})
	}
	s.writeJSON(w, 200, out)
}

// oauthRevoke is POST /oauth2/token/revoke: the token stops working.
func (s *Server) oauthRevoke(w http.ResponseWriter, r *http.Request, body []byte) {
	form, ok := s.clientForm(w, r, body)
	if !ok {
		return
	}
	s.oauth.mu.Lock()
	delete(s.oauth.tokens, form.Get("token"))
	delete(s.oauth.refresh, form.Get("token"))
	s.oauth.mu.Unlock()
	s.writeJSON(w, 200, map[string]any{})
}

// SetTokenLifetime makes the access tokens issued from now on expire after
// d (Discord's last a week): a short one makes the program refresh tokens.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.lifetime = d
}

// RevokeUserTokens is the user removing the application under Discord's
// Authorized Apps: every access and refresh token of theirs stops working.
func (s *Server) RevokeUserTokens(user Snowflake) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	for _, m := range []map[string]oauthToken{s.oauth.tokens, s.oauth.refresh} {
		for k, t := range m {
			if t.user.ID == user {
				delete(m, k)
			}
		}
	}
}

// UserTokens counts the user's access tokens that still work (tests of
// logout and revocation).
func (s *Server) UserTokens(user Snowflake) int {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	n := 0
	for _, t := range s.oauth.tokens {
		if t.user.ID == user && s.now().Before(t.expires) {
			n++
		}
	}
	return n
}

// RenameUser changes a user's names as Discord would when they edit their
// profile: later calls to /users/@me and member lists show the new ones.
func (s *Server) RenameUser(user Snowflake, username, globalName string) {
	s.oauth.mu.Lock()
	for _, m := range []map[string]oauthToken{s.oauth.tokens, s.oauth.refresh} {
		for k, t := range m {
			if t.user.ID == user {
				t.user.Username, t.user.GlobalName = username, &globalName
				m[k] = t
			}
		}
	}
	s.oauth.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.guilds {
		if m, ok := g.members[user]; ok && m.User != nil {
			m.User.Username, m.User.GlobalName = username, &globalName
		}
	}
}
