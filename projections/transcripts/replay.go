package transcripts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// memory is a book in memory: a transcript replayed straight from a
// ticket's events, with the projection's own folding rules.
type memory struct {
	entries []Entry
	byMsg   map[string]int
}

func (m *memory) add(_ context.Context, h *header, en Entry) error {
	if en.Kind == KindMessage {
		m.byMsg[en.MessageID] = len(m.entries)
	}
	m.entries = append(m.entries, en)
	h.Count++
	return nil
}

func (m *memory) update(_ context.Context, _ *header, messageID string, f func(*Entry)) error {
	if i, ok := m.byMsg[messageID]; ok {
		f(&m.entries[i])
	}
	return nil
}

func (m *memory) locate(_ context.Context, _, message string) (int, error) {
	if _, ok := m.byMsg[message]; ok {
		return 0, nil
	}
	return -1, nil
}

func (m *memory) expire(h *header) error {
	m.entries, m.byMsg = nil, map[string]int{}
	h.expire()
	return nil
}

// Replay builds a ticket's transcript from its events (both of its streams,
// in any order: they are applied by log position), as the projection would.
// Exports use it, so a person's transcript comes from the log, not a view.
func Replay(ctx context.Context, ticketID string, events []projections.Event) (Transcript, error) {
	events = slices.Clone(events)
	slices.SortFunc(events, func(a, b projections.Event) int { return cmp.Compare(a.Position, b.Position) })
	h := &header{ID: ticketID, People: mongodb.SortedMap[Person]{}}
	m := &memory{byMsg: map[string]int{}}
	for _, e := range events {
		if id, _, ok := projections.TicketStream(e.Stream); !ok || id != ticketID {
			continue
		}
		if err := fold(ctx, m, h, e); err != nil {
			return Transcript{}, fmt.Errorf("replay transcript %s: %w", ticketID, err)
		}
	}
	if h.Number == 0 {
		return Transcript{}, fmt.Errorf("%w: %s", ErrNotFound, ticketID)
	}
	if h.Expired {
		return Transcript{}, fmt.Errorf("%w: ticket %d", ErrExpired, h.Number)
	}
	out := Transcript{Schema: Schema, Ticket: h.ID, Guild: h.Guild, Number: h.Number, Name: h.Name, Category: h.Category,
		Opener: h.Opener, Topic: h.Topic, Answers: h.Answers, Status: h.Status, OpenedAt: h.OpenedAt, ClosedAt: h.ClosedAt,
		ClosedBy: h.ClosedBy, CloseReason: h.CloseReason, People: h.People, Entries: m.entries}
	slices.SortStableFunc(out.Entries, func(a, b Entry) int { return cmp.Compare(a.Position, b.Position) })
	millis(&out)
	return out, nil
}

// millis keeps times to the millisecond, as the projection's documents do,
// so a replay and a read give the same transcript.
func millis(t *Transcript) {
	ms := func(p *time.Time) { *p = p.Truncate(time.Millisecond) }
	ms(&t.OpenedAt)
	if t.ClosedAt != nil {
		v := t.ClosedAt.Truncate(time.Millisecond)
		t.ClosedAt = &v
	}
	for i := range t.Entries {
		e := &t.Entries[i]
		ms(&e.At)
		if e.EditedAt != nil {
			v := e.EditedAt.Truncate(time.Millisecond)
			e.EditedAt = &v
		}
		if e.DeletedAt != nil {
			v := e.DeletedAt.Truncate(time.Millisecond)
			e.DeletedAt = &v
		}
		for j := range e.Edits {
			ms(&e.Edits[j].At)
		}
	}
}
