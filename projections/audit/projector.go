package audit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Projector builds the audit timeline.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// PerGuild implements projections.PerGuild: it can be split by guild.
func (Projector) PerGuild() {}

// Version implements projections.Projector. 3: entries keep their
// sentence (Entry.Said) for the dashboard to say in the reader's language.
func (Projector) Version() int { return 3 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{"audit"} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	coll, err := t.Conn.Collection(ctx, t.Collection("audit"))
	if err != nil {
		return nil, err
	}
	return &applier{store: t.Store, docs: projections.NewDocs(coll, t), part: t.Partition}, nil
}

type applier struct {
	store *eventstore.Store
	docs  *projections.Docs // *chain, *page, *index
	part  projections.Partition
}

// audited says whether an event belongs on the timeline: plumbing (slot
// reservations), per-use counters and profile snapshots do not.
func audited(e projections.Event) bool {
	if e.Guild == "" || e.Stream == "" {
		return false
	}
	switch {
	case strings.HasPrefix(e.Type, "usage."), strings.HasPrefix(e.Type, "profile."),
		e.Type == "member.ticket_reserved.v1", e.Type == "member.ticket_released.v1",
		e.Type == "ticket.message_posted.v1", e.Type == "ticket.message_edited.v1",
		e.Type == "ticket.attachment_archived.v1", e.Type == "ticket.attachment_not_archived.v1": // the transcript shows them
		return false
	}
	return true
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	if !a.part.Owns(e.Guild) {
		return nil // an event of no guild: the first partition's
	}
	if e.Stream == "" {
		return nil
	}
	c, err := a.chain(ctx, e.Stream)
	if err != nil {
		return err
	}
	events, err := projections.Pending(ctx, a.store, e, c.Version)
	if err != nil {
		return err
	}
	for _, ev := range events {
		c.Hash = link(c.Hash, ev)
		c.Version = ev.Version
		if audited(ev) {
			if err := a.record(ctx, entryOf(ev, c.Hash)); err != nil {
				return err
			}
		}
	}
	if len(events) > 0 {
		a.docs.Changed(c.ID)
	}
	return nil
}

// link is one step of a stream's hash chain: the previous hash, then
// everything that identifies the stored event. Erasure destroys keys, not
// ciphertexts, so an erased event still verifies.
func link(prev string, e projections.Event) string {
	h := sha256.New()
	h.Write([]byte(prev))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(e.Version))
	h.Write(n[:])
	for _, s := range []string{e.ID, e.Type, string(e.Data), e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000000Z"), e.Actor.User, e.Actor.Source, e.Actor.Because, e.Guild} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	if e.Sealed != nil {
		h.Write(e.Sealed.Nonce)
		h.Write(e.Sealed.Ciphertext)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func entryOf(e projections.Event, hash string) Entry {
	said := projections.SayImpersonally(e)
	en := Entry{Position: e.Position, At: e.OccurredAt.UTC(), Type: e.Type, Stream: e.Stream, Version: e.Version, Guild: e.Guild,
		Actor: e.Actor.User, Source: e.Actor.Source, Because: e.Actor.Because, Text: said.Render(i18n.English()), Said: said, // Text: DescribeImpersonally(e)
		Details: details(e.Event), Hash: hash}
	if id, _, ok := projections.TicketStream(e.Stream); ok {
		en.Ticket = id
	}
	return en
}

// details gives settings changes their before and after.
func details(e domain.Event) mongodb.SortedMap[string] {
	ba := func(before, after any) mongodb.SortedMap[string] {
		return mongodb.SortedMap[string]{"before": fmt.Sprint(before), "after": fmt.Sprint(after)}
	}
	switch ev := e.(type) {
	case guild.StaffRolesSet:
		return ba(ev.Previous, ev.Roles)
	case guild.TicketLimitSet:
		return ba(ev.Previous, ev.Limit)
	case guild.RetentionSet:
		return ba(ev.Previous, ev.Days)
	case guild.LogChannelSet:
		return ba(ev.Previous, ev.Channel)
	case guild.CategoryUpdated:
		return mongodb.SortedMap[string]{"before": fmt.Sprintf("%s (%d questions)", ev.Previous.Name, len(ev.Previous.Questions)),
			"after": fmt.Sprintf("%s (%d questions)", ev.Category.Name, len(ev.Category.Questions))}
	}
	return nil
}

func (a *applier) chain(ctx context.Context, stream string) (*chain, error) {
	id := "s/" + stream
	return projections.Load(ctx, a.docs, id, func() *chain { return &chain{ID: id, Stream: stream} })
}

// record puts an entry on its guild's timeline and, for ticket events, on
// the ticket's; an entry already there (same position) is left as it is.
func (a *applier) record(ctx context.Context, en Entry) error {
	scopes := []string{"g/" + en.Guild}
	if en.Ticket != "" {
		scopes = append(scopes, "t/"+en.Ticket)
	}
	n := en.Position / PageSpan
	for _, scope := range scopes {
		p, err := a.page(ctx, fmt.Sprintf("%s/%d", scope, n))
		if err != nil {
			return err
		}
		i, found := slices.BinarySearchFunc(p.Entries, en.Position, func(x Entry, pos int64) int { return cmp.Compare(x.Position, pos) })
		if found {
			continue
		}
		p.Entries = slices.Insert(p.Entries, i, en)
		a.docs.Changed(p.ID)
		idx, err := a.index(ctx, scope)
		if err != nil {
			return err
		}
		j, ok := slices.BinarySearch(idx.Pages, n)
		if !ok {
			idx.Pages = slices.Insert(idx.Pages, j, n)
			idx.Counts = slices.Insert(idx.Counts, j, 0)
		}
		idx.Counts[j]++
		a.docs.Changed(idx.ID)
	}
	return nil
}

func (a *applier) page(ctx context.Context, id string) (*page, error) {
	return projections.Load(ctx, a.docs, id, func() *page { return &page{ID: id, Entries: []Entry{}} })
}

func (a *applier) index(ctx context.Context, id string) (*index, error) {
	return projections.Load(ctx, a.docs, id, func() *index { return &index{ID: id, Pages: []int64{}, Counts: []int{}} })
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	if err := a.docs.Flush(ctx); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
