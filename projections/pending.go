package projections

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketify/ticketify/eventstore"
)

// Pending returns the events a document must apply, given the version of
// e's stream it has applied so far: nothing for a duplicate (e.Version ≤
// applied), e alone when it is the next one, and — when delivery skipped
// ahead — the missing events read back from the store, in order. This is the
// apply-once guard every stream-fed document uses.
func Pending(ctx context.Context, store *eventstore.Store, e Event, applied int64) ([]Event, error) {
	switch {
	case e.Version <= applied:
		return nil, nil
	case e.Version == applied+1:
		return []Event{e}, nil
	}
	h, err := store.Load(ctx, e.Stream)
	if err != nil {
		return nil, err
	}
	if int64(len(h.Events)) < e.Version {
		return nil, fmt.Errorf("stream %s has %d events, an event claims version %d", e.Stream, len(h.Events), e.Version)
	}
	out := make([]Event, 0, e.Version-applied)
	for i := applied; i < e.Version; i++ {
		out = append(out, Event{Envelope: h.Envelopes[i], Event: h.Events[i], Erased: h.Erased[i]})
	}
	return out, nil
}

// TicketStream recognises "ticket/<id>" and "ticket/<id>/messages".
func TicketStream(stream string) (id string, messages, ok bool) {
	rest, found := strings.CutPrefix(stream, "ticket/")
	if !found {
		return "", false, false
	}
	id, suffix, _ := strings.Cut(rest, "/")
	return id, suffix == "messages", suffix == "" || suffix == "messages"
}
