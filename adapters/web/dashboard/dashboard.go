// Package dashboard is Ticketify's web dashboard on Fiber: Discord OAuth2
// login (state and PKCE), server-side sessions in MongoDB with the OAuth
// tokens sealed, and server-rendered pages — guild picker, tickets, a
// ticket with its transcript and timeline, the guild's audit timeline,
// analytics, settings, "My data" — with the same data as JSON under
// /api/v1. Every request re-checks who may see the guild it names; every
// state-changing request needs the session's CSRF token; staff actions and
// settings go through the same use cases as Discord, as source "dashboard".
package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"golang.org/x/oauth2"

	"github.com/ticketify/ticketify/adapters/web"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/platform/cache"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections/analytics"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/names"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// Config is what the dashboard needs to know about its deployment.
type Config struct {
	// PublicURL is where browsers reach the program; the OAuth redirect is
	// PublicURL + "/auth/callback".
	PublicURL string
	// ClientID and ClientSecret are the Discord application's OAuth2 client.
	ClientID, ClientSecret string
	// APIURL is Discord's REST base (DISCORD_API_URL); the OAuth endpoints
	// are derived from it.
	APIURL string
	// SecretKey is TICKETIFY_SECRET_KEY; the tokens' key is derived from it.
	SecretKey []byte
	// DemoLogin, set only by `ticketify demo`, logs the demo admin in at the
	// fake Discord; it shows the "Log in as demo admin" button. Nil elsewhere.
	DemoLogin func(ctx context.Context) error
	// RequestsPerMinute bounds API and page requests per client address;
	// login attempts get a tenth of it. Default 600.
	RequestsPerMinute int
	// Clock is the dashboard's time; default time.Now.
	Clock func() time.Time
}

// Directory is what the dashboard asks Discord through the bot: a member's
// roles (for staff roles), and a guild's roles, text channels, categories
// and members by name (for the settings forms' pickers). Nil without a bot:
// then only Manage Server grants access, and the forms take ids.
type Directory interface {
	MemberRoles(ctx context.Context, g domain.GuildID, u domain.UserID) ([]domain.RoleID, error)
	GuildRoles(ctx context.Context, g domain.GuildID) ([]Named, error)
	GuildTextChannels(ctx context.Context, g domain.GuildID) ([]Named, error)
	GuildCategories(ctx context.Context, g domain.GuildID) ([]Named, error)
	SearchMembers(ctx context.Context, g domain.GuildID, query string, limit int) ([]Named, error)
}

// Named is a role or a channel.
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UserExporter writes a person's export (privacy.Exporter).
type UserExporter interface {
	ExportUser(ctx context.Context, w io.Writer, user domain.UserID, asOf time.Time) (privacy.Manifest, error)
	ExportUserZIP(ctx context.Context, w io.Writer, user domain.UserID, asOf time.Time) (privacy.Manifest, error)
}

// Eraser erases a person's or a server's data (privacy.Eraser).
type Eraser interface {
	EraseUser(ctx context.Context, user domain.UserID, m app.Meta) (privacy.Receipt, error)
	EraseGuild(ctx context.Context, g domain.GuildID, m app.Meta) (privacy.Receipt, error)
}

// GuildExporter writes a server's signed export (a ZIP).
type GuildExporter func(ctx context.Context, w io.Writer, g domain.GuildID) error

// Services are the privacy rights' use cases the dashboard offers; a nil one
// hides its buttons.
type Services struct {
	Exporter      UserExporter  // "Download my data"
	GuildExporter GuildExporter // a server's signed export, for its managers
	Eraser        Eraser        // "Delete my data" and a server's erasure
}

// Readers are the views the dashboard shows.
type Readers struct {
	Tickets     *ticketviews.Reader
	Transcripts *transcripts.Reader
	Audit       *audit.Reader
	Analytics   *analytics.Reader
	Names       *names.Reader
	// Files reads archived attachments (mongostore.Files).
	Files transcripts.FileOpener
	// Sync, when set, lets a dashboard action wait for the read models its
	// pages show (ticket views, transcripts, the timeline) to show it.
	Sync interface {
		WaitCaughtUpFor(ctx context.Context, projectors ...string) error
	}
}

// Dashboard serves the pages and the API.
type Dashboard struct {
	cfg      Config
	app      *app.App
	read     Readers
	dir      Directory
	sessions *sessions
	oauth    *oauth2.Config
	http     *http.Client
	logger   *slog.Logger
	pages    map[string]*template.Template
	secure   bool // cookies are Secure (not on plain-http localhost)

	// rolesByMember holds members' roles read through the bot, by
	// "<guild>/<user>", aged by the dashboard's clock.
	rolesByMember *cache.Timed[string, []domain.RoleID]
	// settingsByGuild holds guilds' settings for settingsFresh.
	settingsByGuild *cache.Timed[domain.GuildID, guild.Settings]

	exporter      UserExporter
	guildExporter GuildExporter
	eraser        Eraser

	// renderedByTicket holds the last rendering of tickets' transcripts.
	renderedByTicket *cache.Weighted[string, renderedTranscript]
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns the dashboard. It creates the sessions collection.
func New(ctx context.Context, cfg Config, a *app.App, services Services, conn *mongodb.Conn, read Readers, dir Directory, logger *slog.Logger) (*Dashboard, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RequestsPerMinute <= 0 {
		cfg.RequestsPerMinute = 600
	}
	public, err := url.Parse(cfg.PublicURL)
	if err != nil || public.Host == "" {
		return nil, fmt.Errorf("dashboard: public URL %q: %v", cfg.PublicURL, err)
	}
	if len(cfg.SecretKey) != 32 {
		return nil, errors.New("dashboard: the secret key must be 32 bytes")
	}
	s, err := openSessions(ctx, conn, cfg.SecretKey, cfg.Clock)
	if err != nil {
		return nil, fmt.Errorf("dashboard sessions: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	d := &Dashboard{cfg: cfg, app: a, read: read, dir: dir, sessions: s, logger: logger.With("component", "dashboard"),
		exporter: services.Exporter, guildExporter: services.GuildExporter, eraser: services.Eraser,
		pages: pages, http: &http.Client{Timeout: 10 * time.Second}, renderedByTicket: newRenderedCache(),
		rolesByMember:   cache.NewTimed[string, []domain.RoleID](cachedMembers, rolesFresh, cfg.Clock),
		settingsByGuild: cache.NewTimed[domain.GuildID, guild.Settings](cachedGuilds, settingsFresh, time.Now),
		secure:          public.Scheme == "https" || !isLoopback(public.Hostname())}
	a.WatchGuilds(d.forgetSettings)
	d.oauth = &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Endpoint:    discordEndpoint(cfg.APIURL),
		RedirectURL: strings.TrimRight(cfg.PublicURL, "/") + "/auth/callback",
		Scopes:      []string{"identify", "guilds"},
	}
	return d, nil
}

// discordEndpoint derives the OAuth2 endpoints from the REST base URL:
// https://discord.com/api/v10 → https://discord.com/oauth2/authorize and
// https://discord.com/api/v10/oauth2/token.
func discordEndpoint(apiURL string) oauth2.Endpoint {
	apiURL = strings.TrimRight(apiURL, "/")
	base := apiURL
	if i := strings.Index(apiURL, "/api"); i >= 0 {
		base = apiURL[:i]
	}
	return oauth2.Endpoint{AuthURL: base + "/oauth2/authorize", TokenURL: apiURL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasSuffix(host, ".localhost")
}

// LoginEnabled says whether Discord login is configured.
func (d *Dashboard) LoginEnabled() bool { return d.cfg.ClientID != "" && d.cfg.ClientSecret != "" }

// Mount adds the dashboard's routes to app.
func (d *Dashboard) Mount(f *fiber.App) {
	f.Use(d.securityHeaders)
	f.Get("/static/*", d.static)

	key := web.ClientAddr // behind trusted proxies, what the outermost one saw
	limited := func(n int) fiber.Handler {
		return limiter.New(limiter.Config{Max: n, Expiration: time.Minute, KeyGenerator: key,
			LimitReached: func(c *fiber.Ctx) error {
				return d.fail(c, fiber.StatusTooManyRequests, "web.errors.too_many")
			}})
	}
	auth := f.Group("/auth", limited(max(d.cfg.RequestsPerMinute/10, 5)))
	auth.Get("/login", d.startLogin)
	auth.Get("/callback", d.callback)
	auth.Post("/logout", d.withSession, d.checkCSRF, d.logout)
	if d.cfg.DemoLogin != nil {
		auth.Post("/demo", d.sameOrigin, d.demoLogin)
	}

	f.Get("/", d.home)
	f.Get("/login", d.loginPage)
	f.Get("/privacy", d.privacyPage)
	// The language chooser on every page, logged in or not.
	f.Post("/language", limited(d.cfg.RequestsPerMinute), d.withSession, d.languageCSRF, d.chooseLanguage)

	// Pages and API: rate-limited, logged in, CSRF-checked.
	signedIn := []fiber.Handler{limited(d.cfg.RequestsPerMinute), d.withSession, d.requireUser, d.checkCSRF}
	get := func(path string, h fiber.Handler) { f.Get(path, append(signedIn[:len(signedIn):len(signedIn)], h)...) }
	post := func(path string, h fiber.Handler) { f.Post(path, append(signedIn[:len(signedIn):len(signedIn)], h)...) }
	get("/guilds", d.guildsPage)
	get("/me", d.myDataPage)
	get("/me/export.json", d.myExport("json"))
	get("/me/export.zip", d.myExport("zip"))
	post("/me/erase", d.eraseMe)
	post("/me/refresh", d.refreshProfile)
	post("/guilds/:guild/erase", d.staff(d.eraseGuild))
	get("/guilds/:guild/export.zip", d.staff(d.exportGuild))
	get("/guilds/:guild", d.staff(func(c *fiber.Ctx, s *staffCtx) error { return c.Redirect("/guilds/" + s.guild.String() + "/tickets") }))
	get("/guilds/:guild/tickets", d.staff(d.ticketsPage))
	get("/guilds/:guild/tickets/:ticket", d.staff(d.ticketPage))
	get("/guilds/:guild/tickets/:ticket/transcript.html", d.staff(d.transcriptFile("html")))
	get("/guilds/:guild/tickets/:ticket/transcript.json", d.staff(d.transcriptFile("json")))
	get("/guilds/:guild/tickets/:ticket/transcript.zip", d.staff(d.transcriptZIP))
	get("/guilds/:guild/tickets/:ticket/attachments/:file", d.staff(d.attachment))
	post("/guilds/:guild/tickets/:ticket/:action", d.staff(d.ticketActionForm))
	get("/guilds/:guild/audit", d.staff(d.auditPage))
	get("/guilds/:guild/analytics", d.staff(d.analyticsPage))
	get("/guilds/:guild/analytics.csv", d.staff(d.analyticsFile("csv")))
	get("/guilds/:guild/analytics.json", d.staff(d.analyticsFile("json")))
	get("/guilds/:guild/settings", d.staff(d.settingsPage))
	get("/guilds/:guild/members.json", d.staff(d.searchMembers))
	post("/guilds/:guild/settings/:what", d.staff(d.settingsForm))
	get("/guilds/:guild/tags", d.staff(d.tagsPage))
	get("/guilds/:guild/panels", d.staff(d.panelsPage))
	post("/guilds/:guild/panels/:what", d.staff(d.panelsForm))
	post("/guilds/:guild/tags/:what", d.staff(d.tagsForm))

	get("/api/v1/me", d.apiMe)
	get("/api/v1/guilds", d.apiGuilds)
	get("/api/v1/guilds/:guild/tickets", d.staff(d.apiTickets))
	get("/api/v1/guilds/:guild/tickets/:ticket", d.staff(d.apiTicket))
	get("/api/v1/guilds/:guild/tickets/:ticket/transcript", d.staff(d.transcriptFile("json")))
	post("/api/v1/guilds/:guild/tickets/:ticket/:action", d.staff(d.apiTicketAction))
	get("/api/v1/guilds/:guild/audit", d.staff(d.apiAudit))
	get("/api/v1/guilds/:guild/analytics", d.staff(d.apiAnalytics))
	get("/api/v1/guilds/:guild/settings", d.staff(d.apiSettings))
	post("/api/v1/guilds/:guild/settings/:what", d.staff(d.apiSettingsChange))

	f.Use(func(c *fiber.Ctx) error { return d.fail(c, fiber.StatusNotFound, "web.errors.no_page") })
}

// Sweep deletes expired sessions every interval until ctx ends.
func (d *Dashboard) Sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := d.sessions.deleteExpired(ctx); err != nil && ctx.Err() == nil {
			d.logger.Warn("expired sessions not swept", "err", err)
		} else if n > 0 {
			d.logger.Info("expired sessions swept", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// securityHeaders: no inline script anywhere, no framing, no sniffing.
func (d *Dashboard) securityHeaders(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/interactions") || c.Path() == "/healthz" {
		return c.Next()
	}
	c.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self' "+d.oauthOrigin()+"; frame-ancestors 'none'; base-uri 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Every answer but the static assets (which say otherwise) is someone's
	// data or a page made for them: no cache keeps it (the JSON API and the
	// analytics downloads too, not only the pages).
	c.Set(fiber.HeaderCacheControl, "no-store")
	if d.secure {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}

func (d *Dashboard) oauthOrigin() string {
	u, err := url.Parse(d.oauth.Endpoint.AuthURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (d *Dashboard) static(c *fiber.Ctx) error {
	name := c.Params("*")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "..") {
		return fiber.ErrNotFound
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		c.Type("css", "utf-8")
	case strings.HasSuffix(name, ".js"):
		c.Type("js", "utf-8")
	case strings.HasSuffix(name, ".svg"):
		c.Type("svg")
	}
	c.Set("Cache-Control", "public, max-age=3600")
	return c.Send(b)
}

func (d *Dashboard) home(c *fiber.Ctx) error {
	sess, _ := d.sessions.get(c.UserContext(), c.Cookies(cookieName))
	if sess != nil && sess.Kind == "user" {
		return c.Redirect("/guilds")
	}
	return c.Redirect("/login")
}
