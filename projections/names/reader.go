package names

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/platform/cache"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Fresh is how long a name read is reused: names change rarely, and a page
// resolves dozens of them.
const Fresh = time.Minute

// NamelessFresh is how long "no name" is reused. It is short because a
// person's first snapshot (their first login, say) reaches the projection
// a moment after it is recorded, and their name should show from then on.
const NamelessFresh = 2 * time.Second

// cachedUsers bounds the names remembered.
const cachedUsers = 50_000

// readsAtOnce bounds the _id reads one call runs concurrently.
const readsAtOnce = 8

// Reader resolves user ids to display names from the live generation.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
	// namesByUser holds names read lately ("" for no name), by user id.
	namesByUser *cache.Timed[string, string]
}

// NewReader returns a Reader.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	return &Reader{target: target, namesByUser: cache.NewTimed[string, string](cachedUsers, Fresh, time.Now)}
}

// Names returns the display names of the given user ids that have one. An
// id that is not a user id, or whose name could not be read, is left out
// (the error says why for the latter), so a page shows it as an id.
func (r *Reader) Names(ctx context.Context, ids ...string) (map[string]string, error) {
	out := map[string]string{}
	now := time.Now()
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := domain.ParseUserID(id); err != nil {
			continue
		}
		if name, age, ok := r.namesByUser.GetWithAge(id); ok && age < freshness(name) {
			if name != "" {
				out[id] = name
			}
			continue
		}
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return out, nil
	}
	t, err := r.target(ctx)
	if err != nil {
		return out, err
	}
	coll := t.Conn.DB.Collection(t.Collection(collection))
	found := make([]string, len(missing))
	errs := make([]error, len(missing))
	var wg sync.WaitGroup
	sem := make(chan struct{}, readsAtOnce)
	for i, id := range missing {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			d, err := mongodb.FindByID[doc](ctx, coll, id)
			if err != nil {
				errs[i] = fmt.Errorf("display name of %s: %w", id, err)
				return
			}
			if d != nil {
				found[i] = d.Name
			}
		})
	}
	wg.Wait()
	for i, id := range missing {
		if errs[i] != nil {
			continue // not remembered: read again next time
		}
		r.namesByUser.AddAt(id, found[i], now) // as of before the reads
		if found[i] != "" {
			out[id] = found[i]
		}
	}
	return out, errors.Join(errs...)
}

func freshness(name string) time.Duration {
	if name == "" {
		return NamelessFresh
	}
	return Fresh
}

// Forget drops what the reader remembers of a person, so their next page
// shows what the projection holds now (after they refreshed their profile,
// or were erased).
func (r *Reader) Forget(user domain.UserID) { r.namesByUser.Remove(user.String()) }
