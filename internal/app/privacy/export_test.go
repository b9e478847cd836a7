package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/subjects"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	g     domain.GuildID = 55
	mia   domain.UserID  = 1001 // the person exporting
	bo    domain.UserID  = 1002 // another member
	staff domain.UserID  = 9
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type exported struct {
	Schema   string                 `json:"schema"`
	User     string                 `json:"user"`
	AsOf     *time.Time             `json:"as_of"`
	Records  []privacy.ExportRecord `json:"records"`
	Manifest privacy.Manifest       `json:"manifest"`
	bySect   map[string][]privacy.ExportRecord
}

func export(t *testing.T, x *privacy.Exporter, u domain.UserID, asOf time.Time) exported {
	t.Helper()
	var buf bytes.Buffer
	if _, err := x.ExportUser(context.Background(), &buf, u, asOf); err != nil {
		t.Fatal(err)
	}
	var out exported
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, buf.String())
	}
	out.bySect = map[string][]privacy.ExportRecord{}
	for _, r := range out.Records {
		out.bySect[r.Section] = append(out.bySect[r.Section], r)
	}
	return out
}

func field(t *testing.T, r privacy.ExportRecord, path ...string) any {
	t.Helper()
	var v any
	must(t, json.Unmarshal(r.Event, &v))
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func setup(t *testing.T) (*testenv.AppEnv, *privacy.Exporter, domain.TicketID, time.Time) {
	t.Helper()
	env := testenv.NewApp(t)
	rt := env.Projections(t, subjects.Projector{})
	ctx := context.Background()
	who := func(u domain.UserID, src domain.Source) app.Meta {
		return app.Meta{Actor: domain.Actor{User: u, Source: src}}
	}
	must(t, env.App.ObserveProfile(ctx, mia, profile.Personal{Username: "mia", GlobalName: "Mia", Avatar: "a1"}, who(mia, domain.SourceDashboard)))
	must(t, env.App.RecordLogin(ctx, mia, who(mia, domain.SourceDashboard)))
	o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: mia, Topic: "my printer", Meta: who(mia, domain.SourceSlashCommand)})
	must(t, err)
	must(t, env.App.RecordUsage(ctx, g, mia, "ticket open", who(mia, domain.SourceSlashCommand)))
	post := func(id domain.TicketID, msg domain.MessageID, author domain.UserID, content string) {
		must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: id, Channel: 1, Message: msg, Author: author,
			AuthorName: "name", At: time.Now(), Content: content}))
	}
	post(o.Ticket, 1, mia, "it is on fire")
	must(t, env.App.RecordMessageEdited(ctx, g, o.Ticket, 1, mia, "it is really on fire", nil, time.Now()))
	post(o.Ticket, 2, staff, "have you tried water")
	cut := time.Now().Add(time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	s := ticket.Participant{User: staff, Staff: true, Guild: g}
	must(t, env.App.Close(ctx, o.Ticket, s, "staff's own words", who(staff, domain.SourceButton)))
	// Bo's ticket, where staff adds Mia.
	ob, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: bo, Topic: "bo's secret"})
	must(t, err)
	post(ob.Ticket, 3, bo, "bo's words")
	must(t, env.App.AddMember(ctx, ob.Ticket, s, mia, who(staff, domain.SourceSlashCommand)))
	env.Caught(t, rt)
	x := &privacy.Exporter{Codec: env.Store.Codec(), Clock: time.Now,
		Index: subjects.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, subjects.Projector{}) })}
	return env, x, o.Ticket, cut
}

func TestAnExportHoldsEverythingAboutThePersonAndNothingOfOthers(t *testing.T) {
	_, x, _, _ := setup(t)
	e := export(t, x, mia, time.Time{})
	if e.Schema != privacy.UserExportSchema || e.User != "1001" {
		t.Fatalf("header: %s %s", e.Schema, e.User)
	}
	prof := e.bySect[privacy.SectionProfile]
	if len(prof) != 2 || field(t, prof[0], "personal", "username") != "mia" || prof[1].Type != "profile.logged_in.v1" {
		t.Fatalf("profile section: %+v", prof)
	}
	opened := e.bySect[privacy.SectionTicketsOpened]
	if len(opened) != 1 || field(t, opened[0], "personal", "topic") != "my printer" {
		t.Fatalf("tickets opened: %+v", opened)
	}
	msgs := e.bySect[privacy.SectionMessages]
	if len(msgs) != 2 || field(t, msgs[0], "personal", "content") != "it is on fire" ||
		msgs[1].Type != "ticket.message_edited.v1" || field(t, msgs[1], "personal", "content") != "it is really on fire" {
		t.Fatalf("messages: %+v", msgs)
	}
	if n := len(e.bySect[privacy.SectionCommandUsage]); n != 1 {
		t.Fatalf("%d command uses, want 1", n)
	}
	if m := e.bySect[privacy.SectionMembership]; len(m) != 2 || m[0].Type != "member.ticket_reserved.v1" || m[1].Type != "member.ticket_released.v1" {
		t.Fatalf("membership: %+v, want the slot her open took and its release at the close", m)
	}
	about := e.bySect[privacy.SectionAboutYou]
	if len(about) != 1 || about[0].Type != "ticket.member_added.v1" {
		t.Fatalf("about you: %+v", about)
	}
	all, _ := json.Marshal(e.Records)
	for _, other := range []string{"have you tried water", "bo's words", "bo's secret", "staff's own words"} {
		if strings.Contains(string(all), other) {
			t.Fatalf("the export holds someone else's data: %q", other)
		}
	}
	if e.Manifest.Events != len(e.Records) || e.Manifest.Included[privacy.SectionMessages] != 2 || len(e.Manifest.Withheld) == 0 {
		t.Fatalf("manifest: %+v", e.Manifest)
	}
	for i := 1; i < len(e.Records); i++ {
		if e.Records[i].Position <= e.Records[i-1].Position {
			t.Fatal("records are not in log order")
		}
	}
}

func TestAnExportAsOfATimeLeavesOutLaterEvents(t *testing.T) {
	_, x, _, cut := setup(t)
	e := export(t, x, mia, cut)
	if e.AsOf == nil {
		t.Fatal("the export does not say its point in time")
	}
	for _, r := range e.Records {
		if r.At.After(cut) {
			t.Fatalf("an event of %s is in an export as of %s", r.At, cut)
		}
	}
	if len(e.bySect[privacy.SectionAboutYou]) != 0 || len(e.bySect[privacy.SectionMessages]) != 2 {
		t.Fatalf("as-of export sections: %v", e.Manifest.Included)
	}
}

func TestTheZIPExportCarriesTheTranscriptsOfTheirTicketsReplayedFromTheLog(t *testing.T) {
	env, x, mine, _ := setup(t)
	x.Store = env.Store
	var buf bytes.Buffer
	m, err := x.ExportUserZIP(context.Background(), &buf, mia, time.Time{})
	must(t, err)
	if len(m.TicketsOpened) != 1 || m.TicketsOpened[0] != string(mine) {
		t.Fatalf("tickets opened: %v", m.TicketsOpened)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(t, err)
	files := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		must(t, err)
		b, _ := io.ReadAll(r)
		files[f.Name] = string(b)
	}
	html, ok := files["transcripts/55-1.html"]
	if !ok || files["export.json"] == "" || files["transcripts/55-1.json"] == "" {
		t.Fatalf("the ZIP holds %v", keys(files))
	}
	if !strings.Contains(html, "it is really on fire") || !strings.Contains(html, "it is on fire") {
		t.Fatal("the transcript lacks the person's own messages and their edit")
	}
	for _, other := range []string{"have you tried water", "staff&#39;s own words", "staff's own words"} {
		if strings.Contains(html, other) || strings.Contains(files["transcripts/55-1.json"], other) {
			t.Fatalf("the transcript in the export holds another person's words: %q", other)
		}
	}
	if !strings.Contains(html, "withheld") {
		t.Fatal("the transcript does not say what it withheld")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
