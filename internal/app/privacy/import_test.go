package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
	dprivacy "github.com/ticketify/ticketify/domain/privacy"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/subjects"
)

// other is a second server on the exporting installation: its events are
// what a forged export of g smuggles in.
const other domain.GuildID = 66

// zipEntry is one file of a ZIP, in order.
type zipEntry struct {
	name string
	body []byte
}

func readZip(t *testing.T, path string) []zipEntry {
	t.Helper()
	zr, err := zip.OpenReader(path)
	must(t, err)
	defer zr.Close()
	var out []zipEntry
	for _, f := range zr.File {
		r, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(r)
		must(t, err)
		r.Close()
		out = append(out, zipEntry{f.Name, b})
	}
	return out
}

func writeZip(t *testing.T, entries []zipEntry) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "forged.zip")
	f, err := os.Create(path)
	must(t, err)
	zw := zip.NewWriter(f)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		must(t, err)
		_, err = w.Write(e.body)
		must(t, err)
	}
	must(t, zw.Close())
	must(t, f.Close())
	return path
}

func parseLines(t *testing.T, body []byte) []privacy.GuildEvent {
	t.Helper()
	var out []privacy.GuildEvent
	for l := range strings.SplitSeq(strings.TrimSpace(string(body)), "\n") {
		var ge privacy.GuildEvent
		must(t, json.Unmarshal([]byte(l), &ge))
		out = append(out, ge)
	}
	return out
}

// forgery is a server's export taken apart, to be changed and signed again
// by the trusted key: every forged export below carries a valid signature,
// so only the importer's own checks can refuse it.
type forgery struct {
	lines    []privacy.GuildEvent // events.jsonl
	noEvents bool                 // leave events.jsonl out of the ZIP
	files    []zipEntry           // the other files (transcripts)
	unlisted []string             // files in the ZIP the manifest leaves out
	dup      string               // a file the ZIP holds twice (the second copy differs)
	manifest privacy.GuildManifest
}

func takeApart(t *testing.T, path string) *forgery {
	t.Helper()
	f := &forgery{}
	for _, e := range readZip(t, path) {
		switch e.name {
		case "events.jsonl":
			f.lines = parseLines(t, e.body)
		case "manifest.json":
			must(t, json.Unmarshal(e.body, &f.manifest))
		case "signature.json":
		default:
			f.files = append(f.files, e)
		}
	}
	return f
}

// sign writes the forgery as a ZIP signed by key: checksums and the event
// count follow the content, except for what the forgery says to leave out.
func (f *forgery) sign(t *testing.T, key ed25519.PrivateKey) string {
	t.Helper()
	var entries []zipEntry
	if !f.noEvents {
		var buf bytes.Buffer
		for _, ge := range f.lines {
			b, err := json.Marshal(ge)
			must(t, err)
			buf.Write(append(b, '\n'))
		}
		entries = append(entries, zipEntry{"events.jsonl", buf.Bytes()})
	}
	entries = append(entries, f.files...)
	m := f.manifest
	m.Files = map[string]string{}
	m.Events = len(f.lines)
	for _, e := range entries {
		sum := sha256.Sum256(e.body)
		m.Files[e.name] = hex.EncodeToString(sum[:])
	}
	for _, name := range f.unlisted {
		delete(m.Files, name)
	}
	if f.dup != "" {
		for _, e := range slices.Clone(entries) {
			if e.name == f.dup {
				entries = append(entries, zipEntry{e.name, append(slices.Clone(e.body), " "...)})
			}
		}
	}
	if m.PublicKey == "" {
		m.PublicKey = base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	must(t, err)
	sig, err := json.Marshal(privacy.Signature{Algorithm: "Ed25519", PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, manifest))})
	must(t, err)
	return writeZip(t, append(entries, zipEntry{"manifest.json", manifest}, zipEntry{"signature.json", sig}))
}

// importFixture is an installation holding two servers, with g's export and
// the other server's events, signed by key.
type importFixture struct {
	key       ed25519.PrivateKey
	trust     privacy.Trust
	path      string               // g's export, intact
	foreign   []privacy.GuildEvent // every event of the other server
	ticketOfG domain.TicketID
}

func newImportFixture(t *testing.T) importFixture {
	t.Helper()
	ctx := context.Background()
	a := testenv.NewApp(t)
	rtA := a.Projections(t, subjects.Projector{})
	guildScenario(t, a)
	as := app.Meta{Actor: domain.Actor{User: staff, Source: domain.SourceSlashCommand}}
	must(t, a.App.RecordBotJoined(ctx, other, "Other", staff))
	o, err := a.App.OpenTicket(ctx, app.OpenTicket{Guild: other, Opener: bo, Topic: "elsewhere", Meta: as})
	must(t, err)
	must(t, a.App.RecordUsage(ctx, other, bo, "ticket open", as))
	must(t, a.App.RecordMessagePosted(ctx, other, ticket.PostedMessage{Ticket: o.Ticket, Channel: 30, Message: 300, Author: bo, At: time.Now(), Content: "psst"}))
	a.Caught(t, rtA)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	fx := importFixture{key: key, trust: privacy.Trust{PublicKey: key.Public().(ed25519.PublicKey)}, path: exportGuild(t, a, rtA, key)}
	x := &privacy.Exporter{Codec: a.Store.Codec(), Clock: time.Now, Store: a.Store,
		Index: subjects.NewReader(func(ctx context.Context) (projections.Target, error) { return rtA.Target(ctx, subjects.Projector{}) })}
	var buf bytes.Buffer
	_, err = x.ExportGuild(ctx, &buf, other, time.Time{}, key)
	must(t, err)
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(t, err)
	r, err := zr.Open("events.jsonl")
	must(t, err)
	body, err := io.ReadAll(r)
	must(t, err)
	fx.foreign = parseLines(t, body)
	for _, ge := range takeApart(t, fx.path).lines {
		if ge.Type == "ticket.opened.v1" {
			fx.ticketOfG = domain.TicketID(strings.TrimPrefix(ge.Stream, "ticket/"))
		}
	}
	return fx
}

// foreignOn returns the other server's events on streams starting with
// prefix, relabelled as g's when relabel is set.
func (fx importFixture) foreignOn(t *testing.T, prefix string, relabel bool) []privacy.GuildEvent {
	t.Helper()
	var out []privacy.GuildEvent
	for _, ge := range fx.foreign {
		if strings.HasPrefix(ge.Stream, prefix) {
			if relabel {
				ge.Guild = g.String()
			}
			out = append(out, ge)
		}
	}
	if len(out) == 0 {
		t.Fatalf("the other server has no events on %s*", prefix)
	}
	return out
}

// made is an event line made up for a forgery, claiming to be g's.
func made(t *testing.T, stream string, version int64, e domain.Event) privacy.GuildEvent {
	t.Helper()
	body, err := json.Marshal(e)
	must(t, err)
	return privacy.GuildEvent{Stream: stream, Version: version, ID: "made-" + stream + "-" + e.EventType(), Type: e.EventType(),
		At: time.Now().UTC(), Guild: g.String(), Actor: privacy.ExportActor{User: staff.String(), Source: "cli"}, Event: body}
}

// lastVersion is the highest version of stream among lines.
func lastVersion(lines []privacy.GuildEvent, stream string) int64 {
	var v int64
	for _, ge := range lines {
		if ge.Stream == stream {
			v = max(v, ge.Version)
		}
	}
	return v
}

// TestAnImportIsRefusedWholeUnlessEveryPartBelongsToTheServer: each forged
// export is signed by the trusted key and refused for what it smuggles in;
// the refusal comes before anything is appended, so the log's head is still
// zero. The foreign part is put last, so that an importer appending as it
// validates would have appended the rest.
func TestAnImportIsRefusedWholeUnlessEveryPartBelongsToTheServer(t *testing.T) {
	fx := newImportFixture(t)
	now := time.Now().UTC()
	cases := []struct {
		name  string
		forge func(f *forgery)
		want  string // in the refusal
	}{
		{"another server's events", func(f *forgery) {
			f.lines = append(f.lines, fx.foreignOn(t, "ticket/", false)...)
		}, "server 66"},
		{"another server's ticket relabelled as this server's", func(f *forgery) {
			f.lines = append(f.lines, fx.foreignOn(t, "ticket/", true)...)
		}, "66"},
		{"messages of a ticket the export does not open", func(f *forgery) {
			var msgs []privacy.GuildEvent
			for _, ge := range fx.foreignOn(t, "ticket/", true) {
				if strings.HasSuffix(ge.Stream, "/messages") {
					msgs = append(msgs, ge)
				}
			}
			f.lines = append(f.lines, msgs...)
		}, "not opened"},
		{"another server's settings stream", func(f *forgery) {
			f.lines = append(f.lines, fx.foreignOn(t, "guild/", true)...)
		}, "guild/66"},
		{"another server's settings stream, its payload naming this server", func(f *forgery) {
			f.lines = append(f.lines, made(t, guild.Stream(other), 1, guild.LogChannelSet{Guild: g, Channel: 5}))
		}, "stream guild/66 is not one of server 55's"},
		{"another server's member stream, its payload naming this server", func(f *forgery) {
			f.lines = append(f.lines, made(t, member.Stream(other, mia), 1, member.LeftGuild{Guild: g, User: mia}))
		}, "stream member/66/1001 is not one of server 55's"},
		{"another server's member stream", func(f *forgery) {
			f.lines = append(f.lines, fx.foreignOn(t, "member/", true)...)
		}, "member/66/"},
		{"another server's usage stream", func(f *forgery) {
			f.lines = append(f.lines, fx.foreignOn(t, "usage/", true)...)
		}, "usage/66/"},
		{"a person's profile stream", func(f *forgery) {
			f.lines = append(f.lines, made(t, profile.Stream(mia), 1, profile.LoggedIn{User: mia, At: now}))
		}, "profile"},
		{"the erasure ledger", func(f *forgery) {
			f.lines = append(f.lines, made(t, dprivacy.Stream, 1, dprivacy.ErasureRequested{Request: "r1", Subject: "user:" + mia.String(), At: now}))
		}, "ledger"},
		{"an erasure receipt on the server's stream", func(f *forgery) {
			s := guild.Stream(g)
			f.lines = append(f.lines, made(t, s, lastVersion(f.lines, s)+1, dprivacy.GuildErased{Request: "r1", Guild: g, At: now}))
		}, "ledger"},
		{"a stream no server owns", func(f *forgery) {
			f.lines = append(f.lines, made(t, "sessions/abc", 1, guild.LogChannelSet{Guild: g, Channel: 5}))
		}, "sessions/abc"},
		{"an event of the wrong kind for its stream", func(f *forgery) {
			s := guild.Stream(g)
			f.lines = append(f.lines, made(t, s, lastVersion(f.lines, s)+1, ticket.Claimed{Ticket: fx.ticketOfG, By: staff}))
		}, "ticket.claimed.v1"},
		{"a ticket's event naming another ticket", func(f *forgery) {
			s := ticket.Stream(fx.ticketOfG)
			f.lines = append(f.lines, made(t, s, lastVersion(f.lines, s)+1, ticket.Claimed{Ticket: "01JOTHERTICKET0000000000000", By: staff}))
		}, "01JOTHERTICKET0000000000000"},
		{"a member event naming another member", func(f *forgery) {
			s := "member/" + g.String() + "/" + mia.String()
			f.lines = append(f.lines, made(t, s, lastVersion(f.lines, s)+1, ticketReleased(bo)))
		}, "member"},
		{"an event id twice", func(f *forgery) {
			last := f.lines[len(f.lines)-1]
			dup := last
			dup.Version = lastVersion(f.lines, last.Stream) + 1
			f.lines = append(f.lines, dup)
		}, "twice"},
		{"a stream that skips a version", func(f *forgery) {
			last := &f.lines[len(f.lines)-1]
			last.Version += 5
		}, "jumps"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := takeApart(t, fx.path)
			c.forge(f)
			refused(t, f.sign(t, fx.key), fx.trust, privacy.ErrBadExport, c.want)
		})
	}
}

// ticketReleased is a release naming user, to put on another member's stream.
func ticketReleased(user domain.UserID) domain.Event {
	return member.TicketReleased{Guild: g, User: user, Ticket: "01JSOMETICKET00000000000000", Reason: "closed"}
}

// refused imports path into a fresh installation, wants the error to be
// sentinel and to mention want, and the log untouched.
func refused(t *testing.T, path string, trust privacy.Trust, sentinel error, want string) error {
	t.Helper()
	b := testenv.NewApp(t)
	before := b.Head(t)
	_, err := importer(b).Import(context.Background(), path, trust)
	if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), want) {
		t.Errorf("import: %v; want %v mentioning %q", err, sentinel, want)
	}
	t.Logf("refused: %v", err)
	if after := b.Head(t); after != before {
		t.Errorf("a refused import moved the log's head from %d to %d", before, after)
	}
	return err
}

// TestAnImportChecksEveryFileAgainstTheManifest: the manifest must list
// events.jsonl, every file in the ZIP must be listed (and so checksummed),
// each name once, the event count must agree, and the manifest's key must
// be the signature's.
func TestAnImportChecksEveryFileAgainstTheManifest(t *testing.T) {
	fx := newImportFixture(t)
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name  string
		forge func(f *forgery)
		want  string
	}{
		{"events.jsonl left out of the manifest", func(f *forgery) { f.unlisted = []string{"events.jsonl"} }, "events.jsonl"},
		{"no events.jsonl at all", func(f *forgery) { f.noEvents, f.lines = true, nil }, "events.jsonl"},
		{"a transcript left out of the manifest", func(f *forgery) { f.unlisted = []string{"transcripts/1.html"} }, "transcripts/1.html"},
		{"a file the manifest does not know", func(f *forgery) {
			f.files = append(f.files, zipEntry{"notes.txt", []byte("hello")})
			f.unlisted = []string{"notes.txt"}
		}, "notes.txt"},
		{"events.jsonl twice", func(f *forgery) { f.dup = "events.jsonl" }, "twice"},
		{"a transcript twice", func(f *forgery) { f.dup = "transcripts/1.json" }, "twice"},
		{"a manifest naming another key than the signature's", func(f *forgery) {
			f.manifest.PublicKey = base64.StdEncoding.EncodeToString(stranger.Public().(ed25519.PublicKey))
		}, "key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := takeApart(t, fx.path)
			c.forge(f)
			refused(t, f.sign(t, fx.key), fx.trust, privacy.ErrBadExport, c.want)
		})
	}
	t.Run("an event count other than the manifest's", func(t *testing.T) {
		f := takeApart(t, fx.path)
		n := len(f.lines)
		f.lines = f.lines[:n-1]
		refused(t, f.signClaiming(t, fx.key, n), fx.trust, privacy.ErrBadExport, "events")
	})
}

// signClaiming signs the forgery with a manifest that counts n events.
func (f *forgery) signClaiming(t *testing.T, key ed25519.PrivateKey, n int) string {
	t.Helper()
	entries := readZip(t, f.sign(t, key))
	var m privacy.GuildManifest
	for _, e := range entries {
		if e.name == "manifest.json" {
			must(t, json.Unmarshal(e.body, &m))
		}
	}
	m.Events = n
	manifest, err := json.MarshalIndent(m, "", "  ")
	must(t, err)
	sig, err := json.Marshal(privacy.Signature{Algorithm: "Ed25519", PublicKey: m.PublicKey,
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, manifest))})
	must(t, err)
	for i := range entries {
		switch entries[i].name {
		case "manifest.json":
			entries[i].body = manifest
		case "signature.json":
			entries[i].body = sig
		}
	}
	return writeZip(t, entries)
}

// TestAnImportNeedsATrustedKey: with no key and no fingerprint the import is
// refused, saying the signer's fingerprint to confirm; the right fingerprint
// imports; a wrong key or fingerprint is refused.
func TestAnImportNeedsATrustedKey(t *testing.T) {
	fx := newImportFixture(t)
	pub := fx.key.Public().(ed25519.PublicKey)
	fp := privacy.Fingerprint(pub)
	if !strings.HasPrefix(fp, "SHA256:") || len(fp) != len("SHA256:")+43 {
		t.Fatalf("fingerprint %q", fp)
	}
	err := refused(t, fx.path, privacy.Trust{}, privacy.ErrUntrusted, fp)
	var untrusted *privacy.UntrustedError
	if !errors.As(err, &untrusted) || untrusted.Fingerprint != fp || untrusted.PublicKey != base64.StdEncoding.EncodeToString(pub) {
		t.Fatalf("the refusal does not carry the signer's key: %#v", err)
	}
	stranger, _, _ := ed25519.GenerateKey(rand.Reader)
	refused(t, fx.path, privacy.Trust{PublicKey: stranger}, privacy.ErrBadExport, fp)
	refused(t, fx.path, privacy.Trust{Fingerprint: privacy.Fingerprint(stranger)}, privacy.ErrBadExport, fp)
	refused(t, fx.path, privacy.Trust{PublicKey: pub, Fingerprint: privacy.Fingerprint(stranger)}, privacy.ErrBadExport, fp)

	b := testenv.NewApp(t)
	res, err := importer(b).Import(context.Background(), fx.path, privacy.Trust{Fingerprint: fp})
	must(t, err)
	if res.Fingerprint != fp || res.Events != res.Manifest.Events || b.Head(t) == 0 {
		t.Fatalf("import by fingerprint: %+v, head %d", res, b.Head(t))
	}
}
