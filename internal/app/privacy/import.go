package privacy

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	dprivacy "github.com/ticketify/ticketify/domain/privacy"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
)

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
	Fingerprint string // of the signing public key (Fingerprint)
	Events      int
}

// Trust names the signing key an import accepts: the exporting
// installation's public key, or its fingerprint as the operator confirmed
// it. An import trusts nothing by default.
type Trust struct {
	PublicKey   ed25519.PublicKey
	Fingerprint string // "SHA256:…", as Fingerprint writes it
}

// Fingerprint returns a public key's fingerprint: "SHA256:" and the
// unpadded base64 of the key's SHA-256, the way OpenSSH shows keys.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// ErrBadExport is returned for an export that is not intact, not signed by
// the trusted key, or holds anything but the server's own events; nothing
// is imported then.
var ErrBadExport = errors.New("the export is refused")

// ErrUntrusted is returned for an export whose signing key the import was
// not told to trust; nothing is imported then.
var ErrUntrusted = errors.New("the export's signing key is not trusted")

// UntrustedError says which key signed an export refused for want of trust,
// for the operator to compare with the key the exporting installation printed.
type UntrustedError struct {
	PublicKey   string // base64
	Fingerprint string // Fingerprint of it
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("%v: it is signed by key %s (public key %s)", ErrUntrusted, e.Fingerprint, e.PublicKey)
}

func (e *UntrustedError) Unwrap() error { return ErrUntrusted }

// requiredFiles are the files every export holds, so its manifest lists them.
var requiredFiles = []string{"events.jsonl"}

// Import verifies an export, then appends its events to their streams at
// their versions, keeping their event ids, times and actors; the
// projections then rebuild the same views.
//
// Everything is checked before anything is appended: the signature, by the
// trusted key (trust); the manifest, which must list events.jsonl and every
// other file in the ZIP, each once, with its checksum; and every event,
// which must be the manifest's server's: its guild is that server, any
// server its payload names is that server, and its stream is one of the
// server's — guild/<id>, member/<id>/<user>, usage/<id>/<day>, or
// ticket/<ticket> and ticket/<ticket>/messages of a ticket the export opens
// in that server. A person's profile stream (profile/<user>) is theirs
// across every server, not the server's: a server's export never holds one,
// and an import refuses it rather than let an export set a person's name.
// The erasure ledger (privacy.* events, privacy/erasures) belongs to the
// installation that erased, and is refused too.
func (im *Importer) Import(ctx context.Context, path string, trust Trust) (ImportResult, error) {
	var res ImportResult
	zr, err := zip.OpenReader(path)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrBadExport, err)
	}
	defer zr.Close()
	if res, err = verifyExport(&zr.Reader, trust); err != nil {
		return res, err
	}
	g, _ := domain.ParseGuildID(res.Manifest.Guild) // verified
	check := newImportCheck(g, im.Store.Codec())
	if err := eachLine(&zr.Reader, res.Manifest.Files["events.jsonl"], check.line); err != nil {
		return res, err
	}
	if err := check.done(res.Manifest); err != nil {
		return res, err
	}
	empty, err := im.Empty(ctx)
	if err != nil {
		return res, err
	}
	if !empty {
		return res, domain.Refuse(domain.ErrConflict, "privacy.import_not_empty")
	}
	// The lines appended are the lines checked: the file is read again, so
	// each line is compared with the digest taken when it was checked.
	i := 0
	err = eachLine(&zr.Reader, "", func(line []byte) error {
		if i >= len(check.digests) || sha256.Sum256(line) != check.digests[i] {
			return fmt.Errorf("%w: events.jsonl changed while it was imported", ErrBadExport)
		}
		i++
		ge, e, err := check.parse(line)
		if err != nil {
			return err
		}
		user, _ := domain.ParseUserID(ge.Actor.User)
		meta := eventstore.Meta{CommandID: "import/" + ge.ID, Guild: g, At: ge.At,
			Actor: domain.Actor{User: user, Source: domain.Source(ge.Actor.Source), Because: ge.Actor.Because}}
		// One commit per event: the stream stands at n commits of n events.
		n := ge.Version - 1
		if _, err := im.Store.Import(ctx, ge.Stream, eventstore.RevisionAt(n, n), meta, []string{ge.ID}, e); err != nil {
			return err
		}
		res.Events++
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	if check.lastNumber > 0 && im.ClaimNumbers != nil {
		if err := im.ClaimNumbers(ctx, g, check.lastNumber); err != nil {
			return res, err
		}
	}
	return res, nil
}

// verifyExport checks an export's signature against the trusted key, its
// manifest, and every file against the manifest.
func verifyExport(zr *zip.Reader, trust Trust) (ImportResult, error) {
	var res ImportResult
	seen := map[string]bool{}
	for _, f := range zr.File {
		if seen[f.Name] {
			return res, fmt.Errorf("%w: the ZIP holds %s twice", ErrBadExport, f.Name)
		}
		seen[f.Name] = true
	}
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
	res.Fingerprint = Fingerprint(pub)
	switch {
	case trust.PublicKey == nil && trust.Fingerprint == "":
		return res, &UntrustedError{PublicKey: sig.PublicKey, Fingerprint: res.Fingerprint}
	case trust.PublicKey != nil && !ed25519.PublicKey(pub).Equal(trust.PublicKey):
		return res, fmt.Errorf("%w: it is signed by key %s, not by the trusted key %s", ErrBadExport, res.Fingerprint, Fingerprint(trust.PublicKey))
	case trust.Fingerprint != "" && trust.Fingerprint != res.Fingerprint:
		return res, fmt.Errorf("%w: it is signed by key %s, not by the trusted key %s", ErrBadExport, res.Fingerprint, trust.Fingerprint)
	}
	m := &res.Manifest
	if err := json.Unmarshal(manifest, m); err != nil || m.Schema != GuildExportSchema {
		return res, fmt.Errorf("%w: the manifest is not a %s", ErrBadExport, GuildExportSchema)
	}
	if g, err := domain.ParseGuildID(m.Guild); err != nil || g.String() != m.Guild {
		return res, fmt.Errorf("%w: the manifest names no server", ErrBadExport)
	}
	if m.PublicKey != sig.PublicKey {
		return res, fmt.Errorf("%w: the manifest names another public key than the signature's", ErrBadExport)
	}
	for _, name := range requiredFiles {
		if _, ok := m.Files[name]; !ok {
			return res, fmt.Errorf("%w: the manifest does not list %s", ErrBadExport, name)
		}
	}
	for _, f := range zr.File {
		if _, ok := m.Files[f.Name]; !ok && f.Name != "manifest.json" && f.Name != "signature.json" {
			return res, fmt.Errorf("%w: the ZIP holds %s, which the manifest does not list", ErrBadExport, f.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Files)) {
		f, err := zr.Open(name)
		if err != nil {
			return res, fmt.Errorf("%w: the manifest lists %s, which is missing", ErrBadExport, name)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil || hex.EncodeToString(h.Sum(nil)) != m.Files[name] {
			return res, fmt.Errorf("%w: %s does not match the signed manifest", ErrBadExport, name)
		}
	}
	return res, nil
}

// importCheck checks every event of an export before any is appended.
type importCheck struct {
	guild      domain.GuildID
	codec      *eventstore.Codec
	ids        map[string]bool
	versions   map[string]int64
	opened     map[domain.TicketID]bool   // tickets the export opens
	named      map[domain.TicketID]string // ticket → a stream of it, to check it is opened
	lastNumber int64
	digests    [][sha256.Size]byte // of each line checked
}

func newImportCheck(g domain.GuildID, codec *eventstore.Codec) *importCheck {
	return &importCheck{guild: g, codec: codec, ids: map[string]bool{}, versions: map[string]int64{},
		opened: map[domain.TicketID]bool{}, named: map[domain.TicketID]string{}}
}

// parse reads one line of events.jsonl.
func (c *importCheck) parse(line []byte) (GuildEvent, domain.Event, error) {
	var ge GuildEvent
	if err := json.Unmarshal(line, &ge); err != nil {
		return ge, nil, fmt.Errorf("%w: a line is not an event: %v", ErrBadExport, err)
	}
	if ge.ID == "" {
		return ge, nil, fmt.Errorf("%w: an event on %s has no id", ErrBadExport, ge.Stream)
	}
	if isLedger(ge) {
		return ge, nil, fmt.Errorf("%w: event %s is a %s on %s: the erasure ledger belongs to the installation that erased and is never imported",
			ErrBadExport, ge.ID, ge.Type, ge.Stream)
	}
	e, err := c.codec.FromJSON(ge.Type, ge.Event)
	if err != nil {
		return ge, nil, fmt.Errorf("%w: event %s: %v", ErrBadExport, ge.ID, err)
	}
	return ge, e, nil
}

// isLedger says whether an event belongs to the erasure ledger.
func isLedger(ge GuildEvent) bool {
	return strings.HasPrefix(ge.Type, "privacy.") || ge.Stream == dprivacy.Stream || strings.HasPrefix(ge.Stream, "privacy/")
}

// line checks one event.
func (c *importCheck) line(line []byte) error {
	c.digests = append(c.digests, sha256.Sum256(line))
	ge, e, err := c.parse(line)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("event %s (%s on %s)", ge.ID, ge.Type, ge.Stream)
	if c.ids[ge.ID] {
		return fmt.Errorf("%w: %s: the id appears twice", ErrBadExport, what)
	}
	c.ids[ge.ID] = true
	if ge.At.IsZero() {
		return fmt.Errorf("%w: %s has no time", ErrBadExport, what)
	}
	if ge.Guild != c.guild.String() {
		owner := fmt.Sprintf("server %q", ge.Guild)
		if other, err := domain.ParseGuildID(ge.Guild); err == nil {
			owner = "server " + other.String()
		}
		return fmt.Errorf("%w: %s belongs to %s, not %s", ErrBadExport, what, owner, c.guild)
	}
	for _, s := range c.codec.Subjects(e) {
		if other, ok := strings.CutPrefix(s, "guild:"); ok && other != c.guild.String() {
			return fmt.Errorf("%w: %s names server %s, not %s", ErrBadExport, what, other, c.guild)
		}
	}
	if ge.Actor.User != "" {
		if u, err := domain.ParseUserID(ge.Actor.User); err != nil || u.String() != ge.Actor.User {
			return fmt.Errorf("%w: %s: actor %q is not a user id", ErrBadExport, what, ge.Actor.User)
		}
	}
	if err := c.stream(ge, e, what); err != nil {
		return err
	}
	if n := c.versions[ge.Stream]; ge.Version != n+1 {
		return fmt.Errorf("%w: stream %s jumps from version %d to %d", ErrBadExport, ge.Stream, n, ge.Version)
	}
	c.versions[ge.Stream] = ge.Version
	return nil
}

// stream checks that an event's stream is one of the server's, and that the
// event belongs on it.
func (c *importCheck) stream(ge GuildEvent, e domain.Event, what string) error {
	var probe struct { // the ids an event's payload may repeat from its stream
		Ticket *domain.TicketID `json:"ticket"`
		User   *domain.UserID   `json:"user"`
		Day    *string          `json:"day"`
	}
	if b, err := json.Marshal(e); err == nil { // the event as decoded, not the line's spelling
		_ = json.Unmarshal(b, &probe)
	}
	parts := strings.Split(ge.Stream, "/")
	ours := len(parts) > 1 && parts[1] == c.guild.String()
	var kind string
	switch {
	case parts[0] == "guild" && len(parts) == 2 && ours:
		kind = "guild."
	case parts[0] == "member" && len(parts) == 3 && ours:
		kind = "member."
		u, err := domain.ParseUserID(parts[2])
		if err != nil || u.String() != parts[2] {
			return fmt.Errorf("%w: %s: the stream names no member", ErrBadExport, what)
		}
		if probe.User != nil && *probe.User != u {
			return fmt.Errorf("%w: %s names member %s, not the stream's", ErrBadExport, what, probe.User)
		}
	case parts[0] == "usage" && len(parts) == 3 && ours:
		kind = "usage."
		if _, err := time.Parse(time.DateOnly, parts[2]); err != nil {
			return fmt.Errorf("%w: %s: the stream names no day", ErrBadExport, what)
		}
		if probe.Day != nil && *probe.Day != parts[2] {
			return fmt.Errorf("%w: %s names day %s, not the stream's", ErrBadExport, what, *probe.Day)
		}
	case parts[0] == "ticket" && (len(parts) == 2 || (len(parts) == 3 && parts[2] == "messages")):
		kind = "ticket."
		id, err := domain.ParseTicketID(parts[1])
		if err != nil {
			return fmt.Errorf("%w: %s: the stream names no ticket", ErrBadExport, what)
		}
		if probe.Ticket != nil && *probe.Ticket != id {
			return fmt.Errorf("%w: %s names ticket %s, not the stream's", ErrBadExport, what, *probe.Ticket)
		}
		opens := len(parts) == 2 && ge.Version == 1
		if _, isOpened := e.(ticket.Opened); isOpened != opens {
			return fmt.Errorf("%w: %s: a ticket's stream begins with ticket.opened.v1, and only it", ErrBadExport, what)
		}
		if o, ok := e.(ticket.Opened); ok {
			if o.Guild != c.guild {
				return fmt.Errorf("%w: %s opens the ticket in server %s, not %s", ErrBadExport, what, o.Guild, c.guild)
			}
			c.opened[id] = true
			c.lastNumber = max(c.lastNumber, o.Number)
		}
		if _, ok := c.named[id]; !ok {
			c.named[id] = ge.Stream
		}
	case parts[0] == "profile":
		return fmt.Errorf("%w: %s: a person's profile is theirs, not a server's; a server's export never holds one, and it is not imported",
			ErrBadExport, what)
	default:
		return fmt.Errorf("%w: %s: stream %s is not one of server %s's", ErrBadExport, what, ge.Stream, c.guild)
	}
	if !strings.HasPrefix(ge.Type, kind) {
		return fmt.Errorf("%w: %s: a %s event does not belong on %s", ErrBadExport, what, ge.Type, ge.Stream)
	}
	return nil
}

// done checks what only the whole file can say.
func (c *importCheck) done(m GuildManifest) error {
	for _, id := range slices.Sorted(maps.Keys(c.named)) {
		if !c.opened[id] {
			return fmt.Errorf("%w: %s belongs to ticket %s, not opened in this export", ErrBadExport, c.named[id], id)
		}
	}
	if len(c.digests) != m.Events {
		return fmt.Errorf("%w: the manifest counts %d events, events.jsonl holds %d", ErrBadExport, m.Events, len(c.digests))
	}
	return nil
}

// eachLine calls f with every line of events.jsonl; with wantSHA set it
// checks the file's checksum at the end.
func eachLine(zr *zip.Reader, wantSHA string, f func([]byte) error) error {
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
