package memstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
)

// Keyring keeps data keys in memory and answers like mongostore.Keyring:
// one key per owner and scope, created on first use; destroying a key
// destroys every generation of it, and the owner's next data gets a new
// generation, so what the old one sealed stays unreadable. Secrets are not
// wrapped: there is no database for them to leak from.
type Keyring struct {
	mu   sync.Mutex
	keys map[string][]*generation // by key id; generation g at index g-1
}

type generation struct {
	secret    []byte
	subject   domain.UserID
	scope     domain.Scope
	destroyed bool
}

var _ eventstore.Keyring = (*Keyring)(nil)

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring { return &Keyring{keys: map[string][]*generation{}} }

// DataKey returns the owner's current key, creating it on first use.
func (k *Keyring) DataKey(ctx context.Context, owner domain.DataOwner) (eventstore.DataKey, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.DataKey{}, fmt.Errorf("keyring: %w", err)
	}
	id := eventstore.KeyID(owner)
	k.mu.Lock()
	defer k.mu.Unlock()
	gens := k.keys[id]
	if len(gens) == 0 || gens[len(gens)-1].destroyed {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return eventstore.DataKey{}, fmt.Errorf("keyring: %w", err)
		}
		gens = append(gens, &generation{secret: secret, subject: owner.Subject, scope: owner.Scope})
		k.keys[id] = gens
	}
	return eventstore.DataKey{ID: id, Gen: int64(len(gens)), Secret: bytes.Clone(gens[len(gens)-1].secret)}, nil
}

// Lookup returns a key by id and generation, or eventstore.ErrKeyDestroyed
// (also for a key that never existed, as mongostore.Keyring does).
func (k *Keyring) Lookup(ctx context.Context, id string, gen int64) (eventstore.DataKey, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.DataKey{}, fmt.Errorf("keyring: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	gens := k.keys[id]
	if gen < 1 || gen > int64(len(gens)) || gens[gen-1].destroyed {
		return eventstore.DataKey{}, fmt.Errorf("key %s#%d: %w", id, gen, eventstore.ErrKeyDestroyed)
	}
	return eventstore.DataKey{ID: id, Gen: gen, Secret: bytes.Clone(gens[gen-1].secret)}, nil
}

// Destroy shreds every generation of a key. Destroying twice is a no-op.
func (k *Keyring) Destroy(ctx context.Context, id string, _ time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.destroy(id)
	return nil
}

// destroy shreds a key's generations; k.mu is held.
func (k *Keyring) destroy(id string) {
	for _, g := range k.keys[id] {
		g.secret, g.destroyed = nil, true
	}
}

// DestroyScope shreds every key of a scope (every person's key for one
// ticket, say) and returns how many live keys it destroyed.
func (k *Keyring) DestroyScope(ctx context.Context, scope domain.Scope, _ time.Time) (int, error) {
	return k.destroyWhere(ctx, func(g *generation) bool { return g.scope == scope })
}

// DestroySubject shreds every key of a person, in every scope, and returns
// how many live keys it destroyed.
func (k *Keyring) DestroySubject(ctx context.Context, subject domain.UserID, _ time.Time) (int, error) {
	return k.destroyWhere(ctx, func(g *generation) bool { return g.subject == subject })
}

func (k *Keyring) destroyWhere(ctx context.Context, match func(*generation) bool) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("keyring: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for id, gens := range k.keys {
		if slices.ContainsFunc(gens, func(g *generation) bool { return !g.destroyed && match(g) }) {
			k.destroy(id)
			n++
		}
	}
	return n, nil
}

// Scopes lists every scope a subject has had a key in, destroyed keys
// included, sorted.
func (k *Keyring) Scopes(ctx context.Context, subject domain.UserID) ([]domain.Scope, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []domain.Scope
	for _, gens := range k.keys {
		for _, g := range gens {
			if g.subject == subject {
				out = append(out, g.scope)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
