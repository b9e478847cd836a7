package dashboard

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/platform/cache"
	"github.com/ticketify/ticketify/projections/analytics"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// page is what every template gets.
type page struct {
	Title  string
	User   *session
	CSRF   string
	Guild  *staffCtx
	Tab    string
	Flash  string
	Error  string
	Demo   bool
	Login  bool
	Data   any
	Names  map[string]string // user id → display name
	Prefix string            // this guild's URL prefix
	L      words             // the reader's language
	// The language chooser: the languages, and the page to come back to.
	Languages []langChoice
	Here      string
}

// Name is how a user id is shown.
func (p page) Name(id string) string {
	if id == "" {
		return ""
	}
	if n := p.Names[id]; n != "" {
		return n
	}
	return p.L.T("web.common.user", "ID", id)
}

var mentionRe = regexp.MustCompile(`<@!?(\d{1,20})>|<#\d{1,20}>|<@&\d{1,20}>`)

// Mentions shows Discord mentions in a line of text with names.
func (p page) Mentions(s string) string {
	return mentionRe.ReplaceAllStringFunc(s, func(m string) string {
		switch {
		case strings.HasPrefix(m, "<#"):
			return p.L.T("web.common.mention_channel")
		case strings.HasPrefix(m, "<@&"):
			return p.L.T("web.common.mention_role")
		}
		return "@" + p.Name(mentionRe.FindStringSubmatch(m)[1])
	})
}

// Said is a timeline entry's sentence in the reader's language, its
// mentions shown with names (Mentions). An entry recorded before the
// timeline kept sentences, or one whose sentence this build does not know,
// shows its English text.
func (p page) Said(e audit.Entry) string {
	if e.Said.IsZero() || !i18n.Has(e.Said.Key) {
		return p.Mentions(e.Text)
	}
	return p.Mentions(e.Said.Render(p.L.Locale))
}

// ChannelName names a channel as #name when the bot sees it, else by id.
func (p page) ChannelName(known []Named, id string) string {
	for _, n := range known {
		if n.ID == id {
			return "#" + n.Name
		}
	}
	return p.L.T("web.common.channel", "ID", id)
}

// mentioned lists the user ids mentioned in texts.
func mentioned(texts ...string) []string {
	var ids []string
	for _, t := range texts {
		for _, m := range mentionRe.FindAllStringSubmatch(t, -1) {
			if m[1] != "" {
				ids = append(ids, m[1])
			}
		}
	}
	return ids
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"stars": func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", max(0, 5-n)) },
		// tag, code and link make the markup of a sentence's placeholder
		// (words.H), their text escaped.
		"tag":  tagHTML,
		"code": func(text string) template.HTML { return tagHTML("code", "", text) },
		"link": linkHTML,
		"query": func(base string, kv ...any) string {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if s := fmt.Sprint(kv[i+1]); s != "" && s != "0" {
					v.Set(fmt.Sprint(kv[i]), s)
				}
			}
			if len(v) == 0 {
				return base
			}
			return base + "?" + v.Encode()
		},
		"add":      func(a, b int) int { return a + b },
		"markdown": transcripts.Markdown,
		// sample fills a message's placeholders as the preview shows them.
		"sample": func(text string) string {
			return guild.Fill(text, map[string]string{"{user}": "@Mia Member", "{number}": "42", "{category}": "General",
				"{staff}": "@Support"})
		},
		"colour": func(c int) string {
			if c == 0 {
				return ""
			}
			return fmt.Sprintf("#%06X", c)
		},
		"list": func(xs ...string) []string { return xs },
		// previewOf gives a panel's preview its language.
		"previewOf": func(panel panelView, l words) any {
			return struct {
				Panel panelView
				L     words
			}{panel, l}
		},
		"timelineOf": func(entries []audit.Entry, p page) any {
			return struct {
				Entries []audit.Entry
				Page    page
			}{entries, p}
		},
		"has": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
	}
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var partials []string
	for _, n := range names {
		if strings.HasPrefix(n, "templates/_") {
			b, err := fs.ReadFile(templateFS, n)
			if err != nil {
				return nil, err
			}
			partials = append(partials, string(b))
		}
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		body, err := fs.ReadFile(templateFS, n)
		if err != nil {
			return nil, err
		}
		t, err := template.New("layout").Funcs(funcs).Parse(string(layout))
		if err != nil {
			return nil, fmt.Errorf("template layout: %w", err)
		}
		for _, part := range partials {
			if _, err := t.Parse(part); err != nil {
				return nil, fmt.Errorf("template partial: %w", err)
			}
		}
		if _, err := t.Parse(string(body)); err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		out[base] = t
	}
	return out, nil
}

// render writes a page; the whole page is rendered before anything is sent.
func (d *Dashboard) render(c *fiber.Ctx, name string, p page) error {
	t, ok := d.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	p.User = current(c)
	if p.User != nil {
		p.CSRF = p.User.CSRF
	}
	l := localeOf(c)
	p.L, p.Languages, p.Here = words{l}, langChoices(l), d.here(c)
	p.Demo, p.Login = d.cfg.DemoLogin != nil, d.LoginEnabled()
	if p.Guild != nil {
		p.Prefix = "/guilds/" + p.Guild.guild.String()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		d.logger.Error("template failed", "page", name, "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString(l.T("web.errors.not_rendered"))
	}
	c.Type("html", "utf-8")
	c.Set("Cache-Control", "no-store")
	// The page is in the reader's language: chosen by cookie, else by
	// Accept-Language.
	c.Set(fiber.HeaderContentLanguage, l.Tag())
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	return c.Send(buf.Bytes())
}

// names resolves user ids to the names Discord last showed of them (the
// display-names projection). A name that cannot be read now shows as the
// id; the page does not fail for it.
func (d *Dashboard) names(ctx context.Context, ids ...string) map[string]string {
	out, err := d.read.Names.Names(ctx, ids...)
	if err != nil {
		d.logger.Debug("names not read", "err", err)
	}
	return out
}

// ForgetName drops a remembered name (after a profile is corrected or erased).
func (d *Dashboard) ForgetName(u domain.UserID) { d.read.Names.Forget(u) }

func (d *Dashboard) loginPage(c *fiber.Ctx) error {
	if sess, _ := d.sessions.get(c.UserContext(), c.Cookies(cookieName)); sess != nil && sess.Kind == "user" {
		return c.Redirect("/guilds")
	}
	p := page{Title: localeOf(c).T("web.login.title"), Data: map[string]any{"Next": safeNext(c.Query("next"))}}
	p.Flash, p.Error = banners(c)
	return d.render(c, "login", p)
}

func (d *Dashboard) privacyPage(c *fiber.Ctx) error {
	sess, _ := d.sessions.get(c.UserContext(), c.Cookies(cookieName))
	if sess != nil && sess.Kind == "user" {
		c.Locals(sessionKey, sess)
	}
	return d.render(c, "privacy", page{Title: localeOf(c).T("web.privacy.title"), Data: map[string]any{"Personal": personalEvents(localeOf(c)),
		"Retention": guild.DefaultRetentionDays, "Session": int(SessionTTL / (24 * time.Hour))}})
}

// personalEvent is a line of the privacy page's table of personal data.
type personalEvent struct{ Type, What, Owner string }

// personalEvents is the program's list of personal data
// (privacy.PersonalEvents) in l. The list says it in English; personalKeys
// finds each sentence's translation by that English, so a line changed or
// added there shows in English until the catalogue has it.
func personalEvents(l i18n.Locale) []personalEvent {
	say := func(english string) string {
		if k, ok := personalKeys[english]; ok {
			return l.T(k)
		}
		return english
	}
	out := make([]personalEvent, 0, len(privacy.PersonalEvents))
	for _, p := range privacy.PersonalEvents {
		out = append(out, personalEvent{Type: p.Type, What: say(p.What), Owner: say(p.Owner)})
	}
	return out
}

var personalKeys = map[string]string{
	"the ticket's topic and the answers to its category's form":                                                    "web.privacy.what_ticket_opened",
	"a message's text, its author's name and avatar as shown, attachment names and links, embeds":                  "web.privacy.what_ticket_message_posted",
	"the SHA-256 of a file attached to a message; the file itself is archived in chunks sealed under the same key": "web.privacy.what_ticket_attachment_archived",
	"a message's new text and embeds (earlier versions stay in the transcript)":                                    "web.privacy.what_ticket_message_edited",
	"a topic as staff corrected it, and the one it replaced":                                                       "web.privacy.what_ticket_topic_corrected",
	"the channel name typed, and the previous one":                                                                 "web.privacy.what_ticket_renamed",
	"the close reason": "web.privacy.what_ticket_closed",
	"the comment given with a rating of a ticket": "web.privacy.what_ticket_rated",
	"why staff asked to close":                    "web.privacy.what_ticket_close_requested",
	"a private staff note (never posted, never in a transcript; the opener's export says one exists)": "web.privacy.what_ticket_note_added",
	"a reply staff wrote on the dashboard, and their name as the transcript shows it":                 "web.privacy.what_ticket_replied_from_dashboard",
	"the user name, display name and avatar hash Discord showed":                                      "web.privacy.what_profile_observed",
	"the person who opened it, per ticket":                                                            "web.privacy.whose_opener_it",
	"the message's author, per ticket":                                                                "web.privacy.whose_author",
	"the person who opened the ticket, per ticket":                                                    "web.privacy.whose_opener",
	"the person who renamed, per ticket":                                                              "web.privacy.whose_renamer",
	"the person who closed, per ticket":                                                               "web.privacy.whose_closer",
	"the staff member who asked, per ticket":                                                          "web.privacy.whose_asker",
	"the staff member who wrote it, per ticket":                                                       "web.privacy.whose_writer",
	"the person, in their profile scope":                                                              "web.privacy.whose_person",
}

// guildEntry is a guild on the picker.
type guildEntry struct {
	ID, Name string
	Open     int
}

// visibleGuilds lists the guilds the user may manage, re-checked now.
func (d *Dashboard) visibleGuilds(ctx context.Context, sess *session) ([]guildEntry, error) {
	if err := d.refreshGuilds(ctx, sess); err != nil {
		return nil, err
	}
	var out []guildEntry
	for _, ug := range sess.Guilds {
		s, err := d.access(ctx, sess, ug.ID)
		if errors.Is(err, errNoAccess) || errors.Is(err, errStale) { // errStale here: that guild's roles
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, guildEntry{ID: s.guild.String(), Name: ug.Name})
	}
	return out, nil
}

func (d *Dashboard) guildsPage(c *fiber.Ctx) error {
	gs, err := d.visibleGuilds(c.UserContext(), current(c))
	if err != nil {
		return d.denied(c, err)
	}
	if len(gs) == 1 && c.Query("pick") == "" {
		return c.Redirect("/guilds/" + gs[0].ID + "/tickets")
	}
	return d.render(c, "guilds", page{Title: localeOf(c).T("web.guilds.title"), Data: gs})
}

func (d *Dashboard) myDataPage(c *fiber.Ctx) error {
	p := page{Title: localeOf(c).T("web.me.title"), Data: map[string]any{"Export": d.exporter != nil, "Erase": d.eraser != nil}}
	p.Flash, p.Error = banners(c)
	return d.render(c, "me", p)
}

// eraseMe erases the logged-in person's data once they confirmed by typing
// ERASE, then ends their session (which the erasure deleted).
func (d *Dashboard) eraseMe(c *fiber.Ctx) error {
	if d.eraser == nil {
		return d.fail(c, fiber.StatusServiceUnavailable, "web.errors.erasure_unavailable")
	}
	if strings.TrimSpace(c.FormValue("confirm")) != "ERASE" {
		return back(c, "/me", noticeConfirmErase)
	}
	sess := current(c)
	user, err := domain.ParseUserID(sess.User)
	if err != nil {
		return d.fail(c, fiber.StatusBadRequest, "web.errors.session_no_user")
	}
	if _, err := d.eraser.EraseUser(c.UserContext(), user, app.Meta{Actor: domain.Actor{User: user, Source: domain.SourceDashboard}}); err != nil {
		return d.unavailable(c, err)
	}
	_ = d.waitViews(c.UserContext()) // the receipt reaches the names before they are read again
	d.ForgetName(user)
	d.clearCookie(c)
	return back(c, "/login", noticeErased)
}

// exportGuild streams a server's signed export to someone who manages it.
func (d *Dashboard) exportGuild(c *fiber.Ctx, s *staffCtx) error {
	if d.guildExporter == nil {
		return d.fail(c, fiber.StatusServiceUnavailable, "web.errors.exports_unavailable")
	}
	if !s.manages {
		return d.fail(c, fiber.StatusForbidden, "web.errors.export_manage_server")
	}
	c.Attachment(fmt.Sprintf("ticketify-guild-%s-%s.zip", s.guild, d.cfg.Clock().UTC().Format("20060102")))
	c.Set("Cache-Control", "no-store")
	g := s.guild
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		if err := d.guildExporter(ctx, w, g); err != nil {
			d.logger.Error("guild export failed midway", "guild", g, "err", err)
		}
	})
	return nil
}

// eraseGuild erases every ticket's personal data in a server. Only someone
// with Manage Server there may, after typing the server's name.
func (d *Dashboard) eraseGuild(c *fiber.Ctx, s *staffCtx) error {
	if d.eraser == nil {
		return d.fail(c, fiber.StatusServiceUnavailable, "web.errors.erasure_unavailable")
	}
	if !s.manages {
		return d.fail(c, fiber.StatusForbidden, "web.errors.erase_manage_server")
	}
	to := "/guilds/" + s.guild.String() + "/settings"
	if strings.TrimSpace(c.FormValue("confirm")) != s.name {
		return back(c, to, noticeConfirmName)
	}
	if _, err := d.eraser.EraseGuild(c.UserContext(), s.guild, app.Meta{Actor: domain.Actor{User: s.by.User, Source: domain.SourceDashboard}}); err != nil {
		return d.unavailable(c, err)
	}
	_ = d.waitViews(c.UserContext())
	return back(c, to, noticeGuildErased)
}

// myExport streams the logged-in person's export, replayed from the events
// that name them: everything Ticketify holds about them, as JSON, or as a
// ZIP with the transcripts of the tickets they opened.
func (d *Dashboard) myExport(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if d.exporter == nil {
			return d.fail(c, fiber.StatusServiceUnavailable, "web.errors.exports_unavailable")
		}
		sess := current(c)
		user, err := domain.ParseUserID(sess.User)
		if err != nil {
			return d.fail(c, fiber.StatusBadRequest, "web.errors.session_no_user")
		}
		export := d.exporter.ExportUser
		if format == "zip" {
			export = d.exporter.ExportUserZIP
		}
		c.Attachment("ticketify-export-" + user.String() + "." + format)
		c.Set("Cache-Control", "no-store")
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if _, err := export(ctx, w, user, time.Time{}); err != nil {
				d.logger.Error("export failed midway", "err", err)
			}
		})
		return nil
	}
}

// filterOf reads the tickets list's filter from the query.
func filterOf(c *fiber.Ctx) ticketviews.Filter {
	return ticketviews.Filter{Status: c.Query("status"), Category: c.Query("category"), Opener: c.Query("opener"),
		Claimer: c.Query("claimer"), Priority: c.Query("priority"), Text: c.Query("q"), Page: c.QueryInt("page", 1),
		PerPage: c.QueryInt("per_page", 50)}
}

func (d *Dashboard) ticketsPage(c *fiber.Ctx, s *staffCtx) error {
	f := filterOf(c)
	list, err := d.read.Tickets.List(c.UserContext(), s.guild.String(), f)
	list = visibleTo(s, list)
	if err != nil {
		return d.unavailable(c, err)
	}
	var ids []string
	for _, t := range list.Tickets {
		ids = append(ids, t.Opener, t.Claimer)
	}
	pages := (list.Total + list.PerPage - 1) / list.PerPage
	l := words{localeOf(c)}
	p := page{Title: l.T("web.tickets.title"), Guild: s, Tab: "tickets", Names: d.names(c.UserContext(), ids...), L: l}
	prefix := "/guilds/" + s.guild.String() + "/tickets"
	rows := make([]ticketRow, len(list.Tickets))
	for i, t := range list.Tickets {
		rows[i] = ticketRow{Number: t.Number, Href: prefix + "/" + t.ID, Name: t.Name, Topic: t.Topic, Status: t.Status,
			StatusLabel: l.Status(t.Status), Priority: t.Priority, PriorityLabel: l.Priority(t.Priority), Category: t.Category,
			Opener: p.Name(t.Opener), OpenerHref: prefix + "?opener=" + t.Opener,
			Messages: l.Number(t.MessageCount), Opened: l.Time(t.OpenedAt)}
		if t.Claimer != "" {
			rows[i].Claimer, rows[i].ClaimerHref = p.Name(t.Claimer), prefix+"?claimer="+t.Claimer
		}
	}
	p.Data = map[string]any{"List": list, "Rows": rowsHTML(rows), "Filter": f, "Pages": pages, "Categories": s.settings.Categories()}
	return d.render(c, "tickets", p)
}

// rowsHTML writes the tickets table's lines. It is the page's hot loop, so
// it escapes each value directly (html.EscapeString in text and in quoted
// attributes) instead of through html/template's reflection; every value
// comes from ticketRow and goes through esc.
func rowsHTML(rows []ticketRow) template.HTML {
	var b strings.Builder
	esc := html.EscapeString
	for _, r := range rows {
		fmt.Fprintf(&b, `<tr data-ticket="%d"><td>%d</td><td><a href="%s">%s</a>`, r.Number, r.Number, esc(r.Href), esc(r.Name))
		if r.Topic != "" {
			fmt.Fprintf(&b, `<div class="muted small">%s</div>`, esc(r.Topic))
		}
		fmt.Fprintf(&b, `</td><td><span class="badge %s">%s</span></td><td><span class="prio %s">%s</span></td><td>%s</td><td><a href="%s">%s</a></td><td>`,
			esc(r.Status), esc(r.StatusLabel), esc(r.Priority), esc(r.PriorityLabel), esc(r.Category), esc(r.OpenerHref), esc(r.Opener))
		if r.Claimer != "" {
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, esc(r.ClaimerHref), esc(r.Claimer))
		}
		fmt.Fprintf(&b, "</td><td>%s</td><td>%s</td></tr>\n", esc(r.Messages), esc(r.Opened))
	}
	return template.HTML(b.String()) //nolint:gosec // every value escaped above
}

// ticketRow is a line of the tickets table, prepared for the template
// (a page of 50 lines renders in well under a millisecond this way).
type ticketRow struct {
	Number                                        int64
	Href, Name, Topic, Status, Priority, Category string
	StatusLabel, PriorityLabel                    string // in the reader's language
	Opener, OpenerHref, Claimer, ClaimerHref      string
	Messages, Opened                              string // in the reader's format
}

// ticketIn returns the URL's ticket if it belongs to the guild.
func (d *Dashboard) ticketIn(c *fiber.Ctx, s *staffCtx) (ticketviews.View, error) {
	if _, err := domain.ParseTicketID(c.Params("ticket")); err != nil {
		return ticketviews.View{}, ticketviews.ErrNotFound
	}
	v, err := d.read.Tickets.Get(c.UserContext(), c.Params("ticket"))
	if err != nil {
		return v, err
	}
	// Another server's ticket, or one of a category whose own team the
	// person is not on (it replaces the server's staff there), is not theirs
	// to read: as if it did not exist.
	if v.Guild != s.guild.String() || !s.by.StaffFor(v.Category) {
		return ticketviews.View{}, ticketviews.ErrNotFound
	}
	return v, nil
}

func (d *Dashboard) ticketPage(c *fiber.Ctx, s *staffCtx) error {
	v, err := d.ticketIn(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	done, refused := banners(c)
	return d.showTicket(c, s, v, done, refused)
}

// showTicket renders a ticket's page with its banners.
func (d *Dashboard) showTicket(c *fiber.Ctx, s *staffCtx, v ticketviews.View, done, refused string) error {
	ctx := c.UserContext()
	l := localeOf(c)
	// A reply's id is made with the form: sending it twice (a retry, a
	// double click) records and posts it once.
	data := map[string]any{"Ticket": v, "Categories": s.settings.Categories(), "ReplyID": newReplyID()}
	tr, err := d.read.Transcripts.Get(ctx, v.ID)
	switch {
	case errors.Is(err, transcripts.ErrExpired):
		data["TranscriptGone"] = l.N("web.ticket.transcript_expired", s.settings.RetentionDays())
	case errors.Is(err, transcripts.ErrNotFound):
		data["TranscriptGone"] = l.T("web.ticket.transcript_none")
	case err != nil:
		return d.unavailable(c, err)
	default:
		html, err := d.renderEntries(tr)
		if err != nil {
			return d.unavailable(c, err)
		}
		data["Transcript"] = html
		data["Entries"] = len(tr.Entries)
	}
	tl, err := d.read.Audit.Timeline(ctx, audit.Query{Guild: s.guild.String(), Ticket: v.ID, Limit: 200})
	if err != nil {
		return d.unavailable(c, err)
	}
	data["Timeline"] = tl.Entries
	ids := append([]string{v.Opener, v.Claimer, v.ClosedBy}, v.Members...)
	for _, e := range tl.Entries {
		ids = append(ids, e.Actor)
		ids = append(ids, mentioned(e.Text)...)
	}
	p := page{Title: l.T("web.ticket.title", "Number", v.Number), Guild: s, Tab: "tickets", Names: d.names(ctx, ids...), Data: data,
		Flash: done, Error: refused}
	return d.render(c, "ticket", p)
}

// renderedCacheBytes bounds the cache of rendered transcripts, and
// renderedCacheEntries the number of transcripts in it.
const renderedCacheBytes, renderedCacheEntries = 64 << 20, 10_000

func newRenderedCache() *cache.Weighted[string, renderedTranscript] {
	return cache.NewWeighted[string](renderedCacheEntries, renderedCacheBytes, func(r renderedTranscript) int { return len(r.html) })
}

// renderEntries renders a transcript's entries, reusing the last rendering
// of the same revision (a 1,000-message transcript takes ~20 ms to render).
func (d *Dashboard) renderEntries(tr transcripts.Transcript) (template.HTML, error) {
	if tr.Revision != "" {
		if r, ok := d.renderedByTicket.Get(tr.Ticket); ok && r.revision == tr.Revision {
			return r.html, nil
		}
	}
	var buf bytes.Buffer
	if err := transcripts.RenderEntries(&buf, tr, "/guilds/"+tr.Guild+"/tickets/"+tr.Ticket+"/"); err != nil {
		return "", err
	}
	html := template.HTML(buf.String()) //nolint:gosec // rendered by the transcripts package, escaped there
	if tr.Revision != "" {
		d.renderedByTicket.Add(tr.Ticket, renderedTranscript{revision: tr.Revision, html: html})
	}
	return html, nil
}

type renderedTranscript struct {
	revision string
	html     template.HTML
}

func (d *Dashboard) transcriptFile(format string) staffHandler {
	return func(c *fiber.Ctx, s *staffCtx) error {
		tr, ok, err := d.transcriptOf(c, s)
		if !ok {
			return err
		}
		var buf bytes.Buffer
		c.Set("Cache-Control", "no-store")
		if format == "json" {
			if err := transcripts.RenderJSON(&buf, tr); err != nil {
				return d.unavailable(c, err)
			}
			c.Type("json", "utf-8")
		} else {
			if err := transcripts.RenderHTML(&buf, tr); err != nil {
				return d.unavailable(c, err)
			}
			c.Type("html", "utf-8")
			// The transcript page is self-contained: its own, stricter policy.
			c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
			if c.Query("download") != "" {
				c.Attachment(tr.Name + ".html")
			}
		}
		return c.Send(buf.Bytes())
	}
}

func (d *Dashboard) auditPage(c *fiber.Ctx, s *staffCtx) error {
	q := audit.Query{Guild: s.guild.String(), Ticket: c.Query("ticket"), Actor: c.Query("actor"), Type: c.Query("type"),
		Before: int64(c.QueryInt("before")), Limit: 50}
	tl, err := d.read.Audit.Timeline(c.UserContext(), q)
	if err == nil {
		tl, err = d.auditVisibleTo(c.UserContext(), s, tl)
	}
	if err != nil {
		return d.unavailable(c, err)
	}
	var ids []string
	for _, e := range tl.Entries {
		ids = append(ids, e.Actor)
		ids = append(ids, mentioned(e.Text)...)
	}
	return d.render(c, "audit", page{Title: localeOf(c).T("web.audit.title"), Guild: s, Tab: "audit", Names: d.names(c.UserContext(), ids...),
		Data: map[string]any{"Page": tl, "Query": q}})
}

// series reads the guild's analytics over the query's day range.
func (d *Dashboard) series(c *fiber.Ctx, s *staffCtx) (from, to string, days []analytics.Day, err error) {
	if from, to, err = d.dayRange(c); err != nil {
		return "", "", nil, err
	}
	days, err = d.read.Analytics.Series(c.UserContext(), s.guild.String(), from, to)
	return from, to, days, err
}

// dayRange reads from/to (YYYY-MM-DD, UTC), default the last 30 days.
func (d *Dashboard) dayRange(c *fiber.Ctx) (from, to string, err error) {
	today := d.cfg.Clock().UTC()
	to, from = c.Query("to", today.Format(time.DateOnly)), c.Query("from", today.AddDate(0, 0, -29).Format(time.DateOnly))
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) || t.Sub(f) > 366*24*time.Hour {
		return "", "", badRequest{"web.errors.day_range"}
	}
	return from, to, nil
}

func (d *Dashboard) analyticsPage(c *fiber.Ctx, s *staffCtx) error {
	from, to, days, err := d.series(c, s)
	if err != nil {
		return d.failed(c, err)
	}
	sum := summarize(days)
	var staff []string
	for id := range sum.Staff {
		staff = append(staff, id)
	}
	l := localeOf(c)
	return d.render(c, "analytics", page{Title: l.T("web.analytics.title"), Guild: s, Tab: "analytics", Names: d.names(c.UserContext(), staff...),
		Data: map[string]any{"From": from, "To": to, "Days": days, "Sum": sum, "Charts": charts(l, days)}})
}

func (d *Dashboard) analyticsFile(format string) staffHandler {
	return func(c *fiber.Ctx, s *staffCtx) error {
		from, to, days, err := d.series(c, s)
		if err != nil {
			return d.failed(c, err)
		}
		name := fmt.Sprintf("ticketify-analytics-%s-%s-%s", s.guild, from, to)
		if format == "json" {
			c.Attachment(name + ".json")
			return c.JSON(fiber.Map{"guild": s.guild.String(), "from": from, "to": to, "days": days})
		}
		c.Attachment(name + ".csv")
		return c.Send(analyticsCSV(days))
	}
}

// totals sums a range of days.
type totals struct {
	Opened, Closed, Reopened, Backlog int
	Commands                          map[string]int
	Staff                             map[string]analytics.Staff
}

func summarize(days []analytics.Day) totals {
	t := totals{Commands: map[string]int{}, Staff: map[string]analytics.Staff{}}
	for _, d := range days {
		t.Opened += d.Opened
		t.Closed += d.Closed
		t.Reopened += d.Reopened
		t.Backlog = d.Backlog
		for k, n := range d.Commands {
			t.Commands[k] += n
		}
		for k, s := range d.Staff {
			cur := t.Staff[k]
			cur.Claimed += s.Claimed
			cur.Closed += s.Closed
			t.Staff[k] = cur
		}
	}
	return t
}

func (d *Dashboard) settingsPage(c *fiber.Ctx, s *staffCtx) error {
	done, refused := banners(c)
	return d.showSettings(c, s, done, refused)
}

// showSettings renders a guild's settings page with its banners.
func (d *Dashboard) showSettings(c *fiber.Ctx, s *staffCtx, done, refused string) error {
	ctx := c.UserContext()
	data := map[string]any{"Settings": settingsOf(s.settings, localeOf(c)), "Manages": s.manages && d.eraser != nil,
		"Export": s.manages && d.guildExporter != nil, "Language": s.settings.Language(), "Languages": langChoices(i18n.English())}
	if d.dir != nil {
		roles, err := d.dir.GuildRoles(ctx, s.guild)
		if err != nil {
			d.logger.Warn("guild roles not read", "guild", s.guild, "err", err)
		}
		channels, err := d.dir.GuildTextChannels(ctx, s.guild)
		if err != nil {
			d.logger.Warn("guild channels not read", "guild", s.guild, "err", err)
		}
		categories, err := d.dir.GuildCategories(ctx, s.guild)
		if err != nil {
			d.logger.Warn("guild categories not read", "guild", s.guild, "err", err)
		}
		data["Roles"], data["Channels"], data["DiscordCategories"] = roles, channels, categories
	}
	users := make([]string, 0)
	for _, u := range s.settings.BlacklistedUsers() {
		users = append(users, u.String())
	}
	p := page{Title: localeOf(c).T("web.settings.title"), Guild: s, Tab: "settings", Names: d.names(ctx, users...), Data: data, Flash: done, Error: refused}
	return d.render(c, "settings", p)
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// searchMembers is GET …/members.json?q=: members whose name starts with q,
// for the pickers that name a member (the blacklist). Staff only, like the
// page that asks; nothing without a bot.
func (d *Dashboard) searchMembers(c *fiber.Ctx, s *staffCtx) error {
	out := []Named{}
	if d.dir != nil {
		found, err := d.dir.SearchMembers(c.UserContext(), s.guild, c.Query("q"), 10)
		if err != nil {
			return d.unavailable(c, err)
		}
		out = append(out, found...)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// auditVisibleTo drops from a page of the audit timeline the entries of
// tickets the person may not read: those of categories whose own team
// replaces the server's staff, when they are not on it (by the category the
// ticket is in now; a ticket the views do not know yet is left out too).
// The server's own entries stay. (The page then holds fewer entries.)
func (d *Dashboard) auditVisibleTo(ctx context.Context, s *staffCtx, p audit.Page) (audit.Page, error) {
	if len(s.by.Excluded) == 0 {
		return p, nil
	}
	all, err := d.read.Tickets.All(ctx, s.guild.String())
	if err != nil {
		return p, err
	}
	category := make(map[string]string, len(all))
	for _, t := range all {
		category[t.ID] = t.Category
	}
	kept := p.Entries[:0:0]
	for _, e := range p.Entries {
		if c, known := category[e.Ticket]; e.Ticket == "" || known && s.by.StaffFor(c) {
			kept = append(kept, e)
		}
	}
	p.Entries = kept
	return p, nil
}

// visibleTo drops from a page of tickets those of categories whose own team
// replaces the server's staff, when the person is not on it. (The page then
// holds fewer than a full page; its total counts what is left of it.)
func visibleTo(s *staffCtx, p ticketviews.Page) ticketviews.Page {
	if len(s.by.Excluded) == 0 {
		return p
	}
	kept := p.Tickets[:0:0]
	for _, t := range p.Tickets {
		if s.by.StaffFor(t.Category) {
			kept = append(kept, t)
		}
	}
	p.Total -= len(p.Tickets) - len(kept)
	p.Tickets = kept
	return p
}
