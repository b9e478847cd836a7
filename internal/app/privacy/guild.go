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
			sums, err := transcripts.WriteZIP(ctx, zw, fmt.Sprintf("transcripts/%d", tr.Number), tr, x.Files)
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
