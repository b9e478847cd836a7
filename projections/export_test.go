package projections

import (
	"context"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// NewJournal returns a projector generation's journal, as the runtime makes
// it, with records split into parts above maxBytes.
func NewJournal(ctx context.Context, conn *mongodb.Conn, projector string, generation, maxBytes int) (*Journal, error) {
	js, err := OpenJournals(ctx, conn)
	if err != nil {
		return nil, err
	}
	j := js.Of(projector, generation)
	j.maxBytes = maxBytes
	return j, nil
}

// FlushCutShort is a flush killed after its record and the writes of the
// first n Docs: what a SIGKILL at that line leaves behind.
func (j *Journal) FlushCutShort(ctx context.Context, n int) error {
	changes, err := j.begin(ctx)
	if err != nil || changes == nil {
		return err
	}
	return j.write(ctx, changes, n)
}
