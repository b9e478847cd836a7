package privacy_test

import (
	"archive/zip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/analytics"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/subjects"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/transcripts"
)

var viewProjectors = []projections.Projector{ticketviews.Projector{}, transcripts.Projector{}, analytics.Projector{}}

// guildScenario runs a small server's week on an instance.
func guildScenario(t *testing.T, env *testenv.AppEnv) {
	t.Helper()
	ctx := context.Background()
	as := func(u domain.UserID) app.Meta {
		return app.Meta{Actor: domain.Actor{User: u, Source: domain.SourceSlashCommand}}
	}
	must(t, env.App.RecordBotJoined(ctx, g, "Server", staff))
	must(t, env.App.SetStaffRoles(ctx, g, guild.Member{User: staff, ManageServer: true}, []domain.RoleID{77}, as(staff)))
	s := ticket.Participant{User: staff, Staff: true, Guild: g}
	for i, u := range []domain.UserID{mia, bo} {
		o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: u, Topic: "topic of " + u.String(), Meta: as(u)})
		must(t, err)
		must(t, env.App.RecordUsage(ctx, g, u, "ticket open", as(u)))
		must(t, env.App.AttachChannel(ctx, o.Ticket, domain.ChannelID(10+i), 0, app.Meta{Actor: domain.Actor{Source: domain.SourceAutomation}}))
		must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: o.Ticket, Channel: domain.ChannelID(10 + i), Message: domain.MessageID(100 + i),
			Author: u, AuthorName: "person " + u.String(), At: time.Now(), Content: "hello from " + u.String()}))
		must(t, env.App.Claim(ctx, o.Ticket, s, as(staff)))
		must(t, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: o.Ticket, Channel: domain.ChannelID(10 + i), Message: domain.MessageID(200 + i),
			Author: staff, AuthorName: "Sam", At: time.Now(), Content: "**on it**"}))
		if i == 0 {
			must(t, env.App.Close(ctx, o.Ticket, s, "solved", as(staff)))
		}
	}
}

func exportGuild(t *testing.T, env *testenv.AppEnv, rt *runner.Runtime, key ed25519.PrivateKey) string {
	t.Helper()
	x := &privacy.Exporter{Codec: env.Store.Codec(), Clock: time.Now, Store: env.Store,
		Index: subjects.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, subjects.Projector{}) })}
	path := filepath.Join(t.TempDir(), "guild.zip")
	f, err := os.Create(path)
	must(t, err)
	m, err := x.ExportGuild(context.Background(), f, g, time.Time{}, key)
	must(t, err)
	must(t, f.Close())
	if m.Tickets != 2 || m.Events == 0 || m.Files["transcripts/1.html"] == "" || m.Files["transcripts/2.json"] == "" {
		t.Fatalf("manifest: %+v", m)
	}
	return path
}

func importer(env *testenv.AppEnv) *privacy.Importer {
	return &privacy.Importer{Store: env.Store,
		Empty: func(ctx context.Context) (bool, error) {
			h, err := env.Log.Head(ctx, "")
			return h == 0, err
		},
		ClaimNumbers: func(ctx context.Context, g domain.GuildID, n int64) error {
			seq, err := mongodb.OpenSequence(ctx, env.Conn)
			if err != nil {
				return err
			}
			return seq.ClaimThrough(ctx, app.TicketNumberKey(g), n)
		}}
}

var positions = regexp.MustCompile(`"pos":\{"\$numberLong":"\d+"\}`)

func TestAServerExportReimportedIntoAnEmptyInstanceRebuildsTheSameViews(t *testing.T) {
	a := testenv.NewApp(t)
	rtA := a.Projections(t, append(slices.Clone(viewProjectors), subjects.Projector{})...)
	guildScenario(t, a)
	a.Caught(t, rtA)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	path := exportGuild(t, a, rtA, key)

	b := testenv.NewApp(t)
	rtB := b.Projections(t, viewProjectors...)
	res, err := importer(b).Import(context.Background(), path, privacy.Trust{PublicKey: key.Public().(ed25519.PublicKey)})
	must(t, err)
	if res.Events != res.Manifest.Events || res.Fingerprint == "" {
		t.Fatalf("import: %+v", res)
	}
	b.Caught(t, rtB)
	ctx := context.Background()
	if list, err := ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) { return rtB.Target(ctx, ticketviews.Projector{}) }).All(ctx, g.String()); err != nil || len(list) != 2 {
		t.Fatalf("the imported instance lists %d tickets (%v)", len(list), err)
	}
	for _, p := range viewProjectors {
		ta, err := rtA.Target(ctx, p)
		must(t, err)
		tb, err := rtB.Target(ctx, p)
		must(t, err)
		for _, c := range p.Collections() {
			da, db := testenv.Dump(t, a, ta.Collection(c)), testenv.Dump(t, b, tb.Collection(c))
			if p.Name() == transcripts.Name { // log positions differ between instances: only the order must agree
				for i := range da {
					da[i] = positions.ReplaceAllString(da[i], `"pos":0`)
				}
				for i := range db {
					db[i] = positions.ReplaceAllString(db[i], `"pos":0`)
				}
				slices.Sort(da)
				slices.Sort(db)
			}
			if !slices.Equal(da, db) {
				t.Fatalf("%s differs after import\nexported: %v\nimported: %v", c, da, db)
			}
		}
	}
	// The next ticket on the new instance follows the imported numbers.
	o, err := b.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: 3003})
	must(t, err)
	if o.Number != 3 {
		t.Fatalf("the first new ticket is number %d, want 3", o.Number)
	}
	// An instance that holds events refuses the import, and changes nothing.
	head := b.Head(t)
	if _, err := importer(b).Import(ctx, path, privacy.Trust{PublicKey: key.Public().(ed25519.PublicKey)}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("import into a used instance: %v", err)
	}
	if b.Head(t) != head {
		t.Fatal("a refused import appended events")
	}
}

func TestATamperedOrForeignExportIsRefused(t *testing.T) {
	a := testenv.NewApp(t)
	rtA := a.Projections(t, subjects.Projector{})
	guildScenario(t, a)
	a.Caught(t, rtA)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	path := exportGuild(t, a, rtA, key)
	trusted := privacy.Trust{PublicKey: key.Public().(ed25519.PublicKey)}
	b := testenv.NewApp(t)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := importer(b).Import(context.Background(), path, privacy.Trust{PublicKey: other}); !errors.Is(err, privacy.ErrBadExport) {
		t.Fatalf("an export signed by another key: %v", err)
	}
	// Change one event's text and re-zip with the original manifest and signature.
	tampered := filepath.Join(t.TempDir(), "tampered.zip")
	rewrite(t, path, tampered, func(name string, body []byte) []byte {
		if name == "events.jsonl" {
			return []byte(regexp.MustCompile(`hello from`).ReplaceAllString(string(body), "HELLO FROM"))
		}
		return body
	})
	if _, err := importer(b).Import(context.Background(), tampered, trusted); !errors.Is(err, privacy.ErrBadExport) {
		t.Fatalf("a tampered export: %v", err)
	}
	tamperedTranscript := filepath.Join(t.TempDir(), "tampered-transcript.zip")
	rewrite(t, path, tamperedTranscript, func(name string, body []byte) []byte {
		if name == "transcripts/1.html" {
			return append(body, "<!-- edited -->"...)
		}
		return body
	})
	if _, err := importer(b).Import(context.Background(), tamperedTranscript, trusted); !errors.Is(err, privacy.ErrBadExport) {
		t.Fatalf("an export with an edited transcript: %v", err)
	}
	if b.Head(t) != 0 {
		t.Fatal("a refused export appended events")
	}
	// The events file holds the personal data in clear, for the server's admins.
	var lines []privacy.GuildEvent
	rewrite(t, path, filepath.Join(t.TempDir(), "copy.zip"), func(name string, body []byte) []byte {
		if name == "events.jsonl" {
			for _, l := range regexp.MustCompile(`\n`).Split(string(body), -1) {
				var ge privacy.GuildEvent
				if json.Unmarshal([]byte(l), &ge) == nil {
					lines = append(lines, ge)
				}
			}
		}
		return body
	})
	if !slices.ContainsFunc(lines, func(ge privacy.GuildEvent) bool { return regexp.MustCompile(`hello from 1001`).Match(ge.Event) }) {
		t.Fatal("the export lacks the server's messages")
	}
}

func rewrite(t *testing.T, from, to string, f func(name string, body []byte) []byte) {
	t.Helper()
	zr, err := zip.OpenReader(from)
	must(t, err)
	defer zr.Close()
	out, err := os.Create(to)
	must(t, err)
	zw := zip.NewWriter(out)
	for _, file := range zr.File {
		r, err := file.Open()
		must(t, err)
		body, err := io.ReadAll(r)
		must(t, err)
		r.Close()
		w, err := zw.Create(file.Name)
		must(t, err)
		_, err = w.Write(f(file.Name, body))
		must(t, err)
	}
	must(t, zw.Close())
	must(t, out.Close())
}
