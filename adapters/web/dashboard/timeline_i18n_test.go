package dashboard_test

import (
	"context"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/audit"
)

// timelineLine is the text of the first timeline entry of a type on a page.
func timelineLine(t *testing.T, body, eventType string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<li data-type="` + regexp.QuoteMeta(eventType) + `">.*?<span class="text">(.*?)</span>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the page has no %s entry on its timeline: %.3000s", eventType, body)
	}
	return m[1]
}

// shownAs matches a sentence as the page shows it: escaped, its mentions
// replaced by names.
func shownAs(sentence string) *regexp.Regexp {
	mention := regexp.MustCompile(`<@!?\d+>|<#\d+>|<@&\d+>`)
	var parts []string
	for _, p := range mention.Split(sentence, -1) {
		parts = append(parts, regexp.QuoteMeta(template.HTMLEscapeString(p)))
	}
	return regexp.MustCompile(`^` + strings.Join(parts, `[^<]+?`) + `$`)
}

// The timeline says what happened in the reader's language: each entry's
// sentence said with the page's Locale, its words (here a priority) in
// that language; an English reader reads the English text the API gives.
func TestTheTimelineSpeaksTheReadersLanguage(t *testing.T) {
	w := testenv.NewWorld(t)
	id := openTicket(t, w, w.Member, "zeitleiste")
	ctx := context.Background()
	guildID := domain.GuildID(w.Guild.ID)
	owner := domain.UserID(w.Owner.ID)
	must(t, w.Srv.App.SetPriority(ctx, id, ticket.Participant{User: owner, Staff: true, Admin: true, Guild: guildID}, ticket.PriorityHigh,
		app.Meta{Actor: domain.Actor{User: owner, Source: domain.SourceDashboard}}))
	var entry audit.Entry
	w.WaitFor(t, "the priority on the timeline", func() bool {
		p, err := w.Srv.Audit.Timeline(ctx, audit.Query{Guild: guildID.String(), Ticket: string(id), Type: "ticket.priority_set.v1"})
		if err != nil || len(p.Entries) == 0 {
			return false
		}
		entry = p.Entries[0]
		return true
	})
	de, en := i18n.Of("de"), i18n.Of("en")
	if entry.Said.IsZero() || entry.Said.Render(en) != entry.Text {
		t.Fatalf("the entry's sentence %+v does not say its text %q", entry.Said, entry.Text)
	}
	high := said.Priority(de, ticket.PriorityHigh)
	if high == "high" {
		t.Fatal("no German priority: the check would prove nothing")
	}

	s := newSite(t, w)
	s.login(w.Owner)
	g := "/guilds/" + w.Guild.ID.String()
	for _, path := range []string{g + "/tickets/" + string(id), g + "/audit"} {
		_, body := s.getIn(path, "de")
		line := timelineLine(t, body, "ticket.priority_set.v1")
		if !shownAs(entry.Said.Render(de)).MatchString(line) {
			t.Errorf("%s in German shows %q, want %q", path, line, entry.Said.Render(de))
		}
		if !strings.Contains(line, template.HTMLEscapeString(high)) || strings.Contains(line, " high ") {
			t.Errorf("%s in German: the priority is not said in German: %q", path, line)
		}
		if strings.Contains(line, "&lt;@") {
			t.Errorf("%s in German: a mention not shown as a name: %q", path, line)
		}
		_, body = s.getIn(path, "en")
		if line := timelineLine(t, body, "ticket.priority_set.v1"); !shownAs(entry.Text).MatchString(line) || !strings.Contains(line, " set the priority to high (was normal)") {
			t.Errorf("%s in English shows %q, want %q", path, line, entry.Text)
		}
	}
	// The API's text stays English whatever the browser says.
	if _, body := s.getIn("/api/v1"+g+"/audit?type=ticket.priority_set.v1", "de"); !strings.Contains(body, "set the priority to high (was normal)") || strings.Contains(body, `"said"`) {
		t.Errorf("the API in German: %s", body)
	}
}
