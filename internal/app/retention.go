package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/platform/panics"
)

// DueTranscripts lists the tickets whose retention may have passed (the
// retention projection's jobs): candidates only, each decided again here.
type DueTranscripts interface {
	Due(ctx context.Context, now time.Time, limit int) ([]domain.TicketID, error)
}

// KeyShredder destroys data keys (the keyring): what makes a deletion reach
// every copy of the data, backups included.
type KeyShredder interface {
	DestroyScope(ctx context.Context, scope domain.Scope, now time.Time) (int, error)
}

// FileRemover deletes archived files (mongostore.Files).
type FileRemover interface {
	Delete(ctx context.Context, id string, chunks int) error
}

// Retention deletes transcripts whose retention has passed: the policy's
// "kept up to 90 days". It runs at start (which catches up a window missed
// while the program was down) and every interval.
type Retention struct {
	App  *App
	Jobs DueTranscripts
	Keys KeyShredder
	// Files, when set, gets an expired ticket's archived attachments
	// deleted once their keys are destroyed (they are noise by then; this
	// gives the space back).
	Files  FileRemover
	Clock  func() time.Time
	Logger *slog.Logger
	// Ran, when set, is told of each batch: transcripts deleted and the
	// error, if any (for metrics).
	Ran func(deleted int, err error)
}

// RetentionBatch bounds one RunDue; Run goes on while batches come back full.
const RetentionBatch = 500

// RunDue expires every ticket whose retention has passed and returns how
// many it expired. The decision is the ticket's own (ticket.TranscriptDue),
// on its stream and its server's current retention, so a projection that is
// behind can never expire a reopened ticket or one whose server extended its
// retention.
func (r *Retention) RunDue(ctx context.Context) (int, error) {
	now := r.Clock()
	ids, err := r.Jobs.Due(ctx, now, RetentionBatch)
	if err != nil {
		return 0, fmt.Errorf("retention jobs: %w", err)
	}
	expired := 0
	for _, id := range ids {
		done, err := r.expire(ctx, id, now)
		if err != nil {
			return expired, fmt.Errorf("retention of ticket %s: %w", id, err)
		}
		if done {
			expired++
		}
	}
	return expired, nil
}

func (r *Retention) expire(ctx context.Context, id domain.TicketID, now time.Time) (bool, error) {
	tk, err := r.App.Ticket(ctx, id)
	if err != nil {
		return false, err
	}
	s, err := r.App.Settings(ctx, tk.Guild())
	if err != nil {
		return false, err
	}
	because, due := tk.TranscriptDue(s.RetentionDays(), now)
	if !due {
		return false, nil
	}
	// Keys first: if the process dies before the receipt, the job is still
	// there and both steps run again (each is idempotent).
	n, err := r.Keys.DestroyScope(ctx, domain.TicketScope(id), now)
	if err != nil {
		return false, err
	}
	if r.Files != nil {
		files, err := r.App.ArchivedFiles(ctx, id)
		if err != nil {
			return false, err
		}
		for _, f := range files {
			if err := r.Files.Delete(ctx, f.File, f.Chunks); err != nil {
				return false, err
			}
		}
	}
	err = r.App.ExpireTranscript(ctx, id, Meta{CommandID: "retention/" + string(id),
		Actor: domain.Actor{Source: domain.SourceAutomation, Because: because}})
	if err != nil && !errors.Is(err, domain.ErrUnchanged) {
		return false, err
	}
	if r.Logger != nil {
		r.Logger.Info("transcript expired", "ticket", id, "keys_destroyed", n)
	}
	return true, nil
}

// Run performs due deletions now and then every interval until ctx ends; a
// failing or panicking run is logged and the next one goes on.
func (r *Retention) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			var n int
			err := panics.Call(func() (err error) { n, err = r.RunDue(ctx); return err })
			if r.Ran != nil && ctx.Err() == nil {
				r.Ran(n, err)
			}
			if err != nil && ctx.Err() == nil && r.Logger != nil {
				r.Logger.Error("retention", "err", err)
			}
			if err != nil || n < RetentionBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
