package projections

import (
	"context"
	"fmt"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Event is a stored event decoded for a projector.
type Event struct {
	eventstore.Envelope
	Event domain.Event
	// Erased says the event's personal data was erased (its key destroyed).
	Erased bool
}

// Applier applies events to one generation of a projector's collections.
// Apply may buffer its writes; Flush writes them. The runner flushes before
// it lets a checkpoint move past an event, so a crash never loses an update
// the checkpoint claims.
type Applier interface {
	Apply(ctx context.Context, e Event) error
	Flush(ctx context.Context) error
}

// Target is where a generation of a projector writes.
type Target struct {
	Conn *mongodb.Conn
	// Generation numbers the collections: a projector names its collections
	// with Collection, which appends it.
	Generation int
	// Store reads streams back, for projectors that fill gaps from the log.
	Store *eventstore.Store
	// Fresh says the generation's collections start empty (a rebuild), so a
	// document not written yet need not be looked for (see Docs).
	Fresh bool
	// Journal, set by the runner for a live generation it applies events
	// to, makes each flush of the applier's Docs land whole (see Journal).
	Journal *Journal
	// Partition is the share of the guilds this applier writes (see
	// PerGuild); the whole log unless the projector is split.
	Partition Partition
}

// Collection returns the name of a collection of this generation.
func (t Target) Collection(base string) string { return fmt.Sprintf("%s.g%d", base, t.Generation) }

// DropGeneration drops a generation of a projector: its journal, then its
// collections.
func DropGeneration(ctx context.Context, conn *mongodb.Conn, p Projector, t Target) error {
	if err := dropJournal(ctx, conn, p.Name(), t.Generation); err != nil { // first: it could recreate documents
		return err
	}
	for _, base := range p.Collections() {
		if err := conn.DB.Collection(t.Collection(base)).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", t.Collection(base), mongodb.Classify(err))
		}
	}
	return nil
}

// Projector builds one read model.
type Projector interface {
	// Name identifies the projector; it is its consumer group and handler name.
	// WARNING: renaming a projector makes it consume the whole log again.
	Name() string
	// Version of the projection's shape; raising it rebuilds the projection at
	// the next start.
	Version() int
	// Open prepares a generation's collections and returns its applier.
	Open(ctx context.Context, t Target) (Applier, error)
	// Collections lists the base names of the collections a generation owns,
	// so that an old generation can be dropped.
	Collections() []string
}
