// Package names projects the names people are shown by: per user, the
// display name Discord last showed of them (profile.observed.v1 on
// "profile/<user>"), so that a page resolves user ids with one _id read each
// instead of loading and decrypting profile streams.
//
// A name is personal data, sealed in the log under the user's profile key.
// When that key is destroyed (privacy.user_erased.v1), the name is dropped
// here too, leaving what a rebuild shows now that the snapshots decode
// without their data.
package names

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/projections"
)

// Name is the projector's name and consumer group.
// WARNING: renaming it re-consumes the whole log.
const Name = "display-names"

// collection is the base name of the projection's collection.
const collection = "display_names"

// doc is one person's display name.
type doc struct {
	ID string `bson:"_id"` // the user id
	// Name is the global name Discord showed, else the username; empty
	// when none is readable (erased, or never seen).
	Name string `bson:"name,omitempty"`
	// At is the global position of the snapshot Name comes from: an erasure
	// receipt after it drops the name.
	At int64 `bson:"at,omitempty"`
	// ErasedAt is the global position of the latest erasure receipt of the
	// person: no snapshot recorded before it is shown again.
	ErasedAt int64 `bson:"erased_at,omitempty"`
	// V is the version of the profile stream applied: the apply-once guard.
	V int64 `bson:"v"`
}

// Projector builds the display names.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// Version implements projections.Projector.
func (Projector) Version() int { return 1 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{collection} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	coll, err := t.Conn.Collection(ctx, t.Collection(collection))
	if err != nil {
		return nil, err
	}
	return &applier{store: t.Store, docs: projections.NewDocs(coll, t)}, nil
}

// applier is the only writer of its generation's documents.
type applier struct {
	store *eventstore.Store
	docs  *projections.Docs // *doc by user id
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	if r, ok := projections.ErasureOf(e); ok {
		// Only a person's erasure destroys their profile key; a server's
		// erasure destroys its tickets' keys (r.User is empty then).
		if r.User == "" {
			return nil
		}
		return a.erase(ctx, r.User, e.Position)
	}
	user, ok := strings.CutPrefix(e.Stream, "profile/")
	if !ok {
		return nil
	}
	d, err := a.load(ctx, user)
	if err != nil {
		return err
	}
	events, err := projections.Pending(ctx, a.store, e, d.V)
	if err != nil || len(events) == 0 {
		return err
	}
	for _, ev := range events {
		fold(d, ev)
	}
	d.V = e.Version
	a.docs.Changed(user)
	return nil
}

func (a *applier) load(ctx context.Context, user string) (*doc, error) {
	return projections.Load(ctx, a.docs, user, func() *doc { return &doc{ID: user} })
}

// fold applies one event of a profile stream. A snapshot whose data was
// erased says nothing (as profile.FromHistory reads it), and neither does
// one recorded before the person's latest erasure receipt, even if it still
// decodes (see erase).
func fold(d *doc, e projections.Event) {
	o, ok := e.Event.(profile.Observed)
	if !ok || o.Personal.Username == "" || e.Position < d.ErasedAt {
		return
	}
	d.Name, d.At = displayName(o.Personal), e.Position
}

// displayName is how Ticketify shows a person: the name they chose on
// Discord, else their username.
func displayName(p profile.Personal) string {
	if p.GlobalName != "" {
		return p.GlobalName
	}
	return p.Username
}

// erase applies a person's erasure receipt at global position at: a name
// from a snapshot recorded before it is dropped, and such snapshots are
// ignored from now on. The erasure destroyed the key they were sealed under
// before appending the receipt, so a rebuild decodes none of them and
// shows no name either; a snapshot recorded after the receipt is under a new
// key and shows. Deciding by position, not by decoding the stream again,
// gives the same document live, rebuilt and in any delivery order, and a
// process that still caches the destroyed key (for up to a minute,
// mongostore.KeyCacheTTL) cannot bring the name back. (A snapshot recorded
// between the key's destruction and the receipt is dropped too, though it
// would decode: privacy errs on the side of showing less.)
func (a *applier) erase(ctx context.Context, user string, at int64) error {
	d, err := a.load(ctx, user)
	if err != nil {
		return err
	}
	if at <= d.ErasedAt {
		return nil // applied already
	}
	d.ErasedAt = at
	if d.At < at {
		d.Name, d.At = "", 0
	}
	a.docs.Changed(user)
	return nil
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	if err := a.docs.Flush(ctx); err != nil {
		return fmt.Errorf("display names: %w", err)
	}
	return nil
}
