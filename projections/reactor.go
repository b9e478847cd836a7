package projections

import "context"

// Reactor turns events into side effects outside the store (Discord calls).
// Unlike a projector it is never rebuilt or replayed: a reactor seen for the
// first time starts at the log's head, and its effects must be idempotent,
// because delivery is at least once.
type Reactor interface {
	// Name is the reactor's consumer group.
	// WARNING: renaming a reactor makes it start over at the head.
	Name() string
	// React performs the event's side effects. An error means "try again
	// later" (the event is delivered again); a reactor records permanent
	// failures itself and returns nil.
	React(ctx context.Context, e Event) error
}
