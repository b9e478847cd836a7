package privacy

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/projections/subjects"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// GuildExportSchema names a server's export: a ZIP of events.jsonl (every
// event of the server, personal data in clear for its admins), the tickets'
// transcripts (HTML and JSON, replayed from the events), manifest.json (what
// is in it, with each file's SHA-256) and signature.json (Ed25519 over the
// manifest).
// WARNING: people and tools read it, and `ticketify import` re-imports it; a
// changed shape is a new version.
const GuildExportSchema = "ticketify.guild-export.v1"

// GuildEvent is one line of events.jsonl.
type GuildEvent struct {
	Position int64           `json:"position"`
	Stream   string          `json:"stream"`
	Version  int64           `json:"version"`
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	At       time.Time       `json:"at"`
	Guild    string          `json:"guild,omitempty"`
	Actor    ExportActor     `json:"actor"`
	Event    json.RawMessage `json:"event"`
	Erased   bool            `json:"erased,omitempty"`
}

// GuildManifest describes a server's export.
type GuildManifest struct {
	Schema      string            `json:"schema"`
	Guild       string            `json:"guild"`
	GeneratedAt time.Time         `json:"generated_at"`
	AsOf        *time.Time        `json:"as_of,omitempty"`
	Events      int               `json:"events"`
	Tickets     int               `json:"tickets"`
	Erased      int               `json:"erased_events"`
	Files       map[string]string `json:"files"` // name → SHA-256 (hex)
	PublicKey   string            `json:"public_key"`
}

// Signature signs a manifest.
type Signature struct {
	Algorithm string `json:"algorithm"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"` // over manifest.json's bytes
}

// SigningKeyFile is the export signing key's file in the data directory.
const SigningKeyFile = "export-signing.key"

// SigningKey loads the Ed25519 key exports are signed with, generating it
// (mode 0600) on first use. A key file readable by others is refused.
func SigningKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, SigningKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(priv.Seed())), 0o600); err != nil {
			return nil, fmt.Errorf("export signing key: %w", err)
		}
		return priv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export signing key: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("export signing key %s: mode %v lets others read it; chmod 600", path, info.Mode().Perm())
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("export signing key %s: not a hex Ed25519 seed", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ExportGuild writes a server's export: every event of the server replayed
// from the subject index, in log order, signed. It streams: one index chunk
// is in memory at a time. Erasure receipts are left out (they belong to this
// instance's ledger).
func (x *Exporter) ExportGuild(ctx context.Context, w io.Writer, g domain.GuildID, asOf time.Time, key ed25519.PrivateKey) (GuildManifest, error) {
	pub := key.Public().(ed25519.PublicKey)
	m := GuildManifest{Schema: GuildExportSchema, Guild: g.String(), GeneratedAt: x.Clock().UTC(), Files: map[string]string{},
		PublicKey: base64.StdEncoding.EncodeToString(pub)}
	if !asOf.IsZero() {
		t := asOf.UTC()
		m.AsOf = &t
	}
	zw := zip.NewWriter(w)
	f, err := zw.Create("events.jsonl")
	if err != nil {
		return m, err
	}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 64<<10)
	var tickets []string
	err = x.Index.Each(ctx, "guild:"+g.String(), func(rec subjects.Record) error {
		if (!asOf.IsZero() && rec.OccurredAt.After(asOf)) || strings.HasPrefix(rec.Type, "privacy.") {
			return nil
		}
		d, err := x.Codec.Decode(ctx, rec.StoredRecord())
		if err != nil {
			return fmt.Errorf("decode %s at %d: %w", rec.Type, rec.Position, err)
		}
		body, err := json.Marshal(d.Event)
		if err != nil {
			return err
		}
		line, err := json.Marshal(GuildEvent{Position: rec.Position, Stream: rec.Stream, Version: rec.Version, ID: rec.ID,
			Type: rec.Type, At: rec.OccurredAt, Guild: rec.Guild, Actor: ExportActor{User: rec.User, Source: rec.Source, Because: rec.Because},
			Event: body, Erased: d.Erased})
		if err != nil {
			return err
		}
		m.Events++
		if d.Erased {
			m.Erased++
		}
		if rec.Type == "ticket.opened.v1" {
			m.Tickets++
			tickets = append(tickets, strings.TrimPrefix(rec.Stream, "ticket/"))
		}
		bw.Write(line)
		return bw.WriteByte('\n')
	})
	if err != nil {
		return m, fmt.Errorf("export of guild %s: %w", g, err)
	}
	if err := bw.Flush(); err != nil {
		return m, err
	}
	m.Files["events.jsonl"] = hex.EncodeToString(h.Sum(nil))
	// Readable transcripts, replayed from each ticket's events (the events
	// alone carry everything; these are for people).
	if x.Store != nil {
		for _, id := range tickets {
			tr, err := x.replay(ctx, id, asOf)
			if errors.Is(err, transcripts.ErrExpired) || errors.Is(err, transcripts.ErrNotFound) {
				continue
			}
			if err != nil {
				return m, err
			}
			sums, err := writeTranscript(zw, fmt.Sprintf("transcripts/%d", tr.Number), tr)
			if err != nil {
				return m, err
			}
			maps.Copy(m.Files, sums)
		}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	sig, err := json.MarshalIndent(Signature{Algorithm: "Ed25519", PublicKey: m.PublicKey,
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, manifest))}, "", "  ")
	if err != nil {
		return m, err
	}
	for _, file := range []struct {
		name string
		body []byte
	}{{"manifest.json", manifest}, {"signature.json", sig}} {
		f, err := zw.Create(file.name)
		if err != nil {
			return m, err
		}
		if _, err := f.Write(file.body); err != nil {
			return m, err
		}
	}
	return m, zw.Close()
}

// Importer re-imports a server's export into an empty instance.
type Importer struct {
	Store *eventstore.Store
	// Empty says whether the instance holds no events yet.
	Empty func(ctx context.Context) (bool, error)
	// ClaimNumbers makes the guild's next ticket number follow the imported ones.
	ClaimNumbers func(ctx context.Context, g domain.GuildID, through int64) error
}

// ImportResult is what an import did.
type ImportResult struct {
	Manifest    GuildManifest
	Fingerprint string // SHA-256 of the signing public key, hex
	Events      int
}

// ErrBadExport is returned for an export that is not intact or not signed
// by the expected key; nothing is imported then.
var ErrBadExport = errors.New("the export is not intact")

// Import verifies an export's signature and checksums, then appends its
// events to their streams at their versions, keeping their event ids, times
// and actors; the projections then rebuild the same views. trusted, when
// set, is the only public key accepted.
func (im *Importer) Import(ctx context.Context, path string, trusted ed25519.PublicKey) (ImportResult, error) {
	var res ImportResult
	zr, err := zip.OpenReader(path)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrBadExport, err)
	}
	defer zr.Close()
	read := func(name string) ([]byte, error) {
		f, err := zr.Open(name)
		if err != nil {
			return nil, fmt.Errorf("%w: no %s", ErrBadExport, name)
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, 1<<20))
	}
	manifest, err := read("manifest.json")
	if err != nil {
		return res, err
	}
	sigDoc, err := read("signature.json")
	if err != nil {
		return res, err
	}
	var sig Signature
	if err := json.Unmarshal(sigDoc, &sig); err != nil || sig.Algorithm != "Ed25519" {
		return res, fmt.Errorf("%w: signature.json is not an Ed25519 signature", ErrBadExport)
	}
	pub, err1 := base64.StdEncoding.DecodeString(sig.PublicKey)
	signature, err2 := base64.StdEncoding.DecodeString(sig.Signature)
	if err1 != nil || err2 != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, manifest, signature) {
		return res, fmt.Errorf("%w: the signature does not match the manifest", ErrBadExport)
	}
	if trusted != nil && !ed25519.PublicKey(pub).Equal(trusted) {
		return res, fmt.Errorf("%w: signed by a key other than the trusted one", ErrBadExport)
	}
	fp := sha256.Sum256(pub)
	res.Fingerprint = hex.EncodeToString(fp[:])
	if err := json.Unmarshal(manifest, &res.Manifest); err != nil || res.Manifest.Schema != GuildExportSchema {
		return res, fmt.Errorf("%w: the manifest is not a %s", ErrBadExport, GuildExportSchema)
	}
	g, err := domain.ParseGuildID(res.Manifest.Guild)
	if err != nil {
		return res, fmt.Errorf("%w: the manifest names no server", ErrBadExport)
	}
	// First pass: every file is the one the manifest signed.
	if err := im.eachLine(zr, func([]byte) error { return nil }, res.Manifest.Files["events.jsonl"]); err != nil {
		return res, err
	}
	for name, want := range res.Manifest.Files {
		if name == "events.jsonl" {
			continue
		}
		f, err := zr.Open(name)
		if err != nil {
			return res, fmt.Errorf("%w: the manifest lists %s, which is missing", ErrBadExport, name)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil || hex.EncodeToString(h.Sum(nil)) != want {
			return res, fmt.Errorf("%w: %s does not match the signed manifest", ErrBadExport, name)
		}
	}
	empty, err := im.Empty(ctx)
	if err != nil {
		return res, err
	}
	if !empty {
		return res, domain.Refuse(domain.ErrConflict, "an export is imported into an empty instance; this one holds events")
	}
	versions := map[string]int64{}
	var lastNumber int64
	err = im.eachLine(zr, func(line []byte) error {
		var ge GuildEvent
		if err := json.Unmarshal(line, &ge); err != nil {
			return fmt.Errorf("%w: a line is not an event: %v", ErrBadExport, err)
		}
		e, err := im.Store.Codec().FromJSON(ge.Type, ge.Event)
		if err != nil {
			return fmt.Errorf("%w: event %s: %v", ErrBadExport, ge.ID, err)
		}
		if o, ok := e.(ticket.Opened); ok {
			lastNumber = max(lastNumber, o.Number)
		}
		n := versions[ge.Stream]
		if ge.Version != n+1 {
			return fmt.Errorf("%w: stream %s jumps from version %d to %d", ErrBadExport, ge.Stream, n, ge.Version)
		}
		user, _ := domain.ParseUserID(ge.Actor.User)
		var eg domain.GuildID
		if ge.Guild != "" {
			if eg, err = domain.ParseGuildID(ge.Guild); err != nil {
				return fmt.Errorf("%w: event %s: %v", ErrBadExport, ge.ID, err)
			}
		}
		meta := eventstore.Meta{CommandID: "import/" + ge.ID, Guild: eg, At: ge.At,
			Actor: domain.Actor{User: user, Source: domain.Source(ge.Actor.Source), Because: ge.Actor.Because}}
		// One commit per event: the stream stands at n commits of n events.
		if _, err := im.Store.Import(ctx, ge.Stream, eventstore.RevisionAt(n, n), meta, []string{ge.ID}, e); err != nil {
			return err
		}
		versions[ge.Stream] = ge.Version
		res.Events++
		return nil
	}, "")
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	if lastNumber > 0 && im.ClaimNumbers != nil {
		if err := im.ClaimNumbers(ctx, g, lastNumber); err != nil {
			return res, err
		}
	}
	return res, nil
}

// eachLine calls f with every line of events.jsonl; with wantSHA set it
// checks the file's checksum at the end.
func (im *Importer) eachLine(zr *zip.ReadCloser, f func([]byte) error, wantSHA string) error {
	file, err := zr.Open("events.jsonl")
	if err != nil {
		return fmt.Errorf("%w: no events.jsonl", ErrBadExport)
	}
	defer file.Close()
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(file, h))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if err := f(sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadExport, err)
	}
	if wantSHA != "" && hex.EncodeToString(h.Sum(nil)) != wantSHA {
		return fmt.Errorf("%w: events.jsonl does not match the signed manifest", ErrBadExport)
	}
	return nil
}
