package memstore_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/memstore"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// keyring is what the codec, erasure and retention use of a keyring.
type keyring interface {
	eventstore.Keyring
	Destroy(ctx context.Context, id string, now time.Time) error
	DestroyScope(ctx context.Context, scope domain.Scope, now time.Time) (int, error)
	DestroySubject(ctx context.Context, subject domain.UserID, now time.Time) (int, error)
	Scopes(ctx context.Context, subject domain.UserID) ([]domain.Scope, error)
}

// TestKeyringAnswersLikeMongoDB runs the same checks on memstore.Keyring and
// on mongostore.Keyring (embedded FerretDB).
func TestKeyringAnswersLikeMongoDB(t *testing.T) {
	impls := []struct {
		name string
		open func(t *testing.T) keyring
	}{
		{"memory", func(*testing.T) keyring { return memstore.NewKeyring() }},
		{"ferretdb-sqlite", func(t *testing.T) keyring {
			k, err := mongostore.OpenKeyring(context.Background(), testenv.SQLite(t), testenv.KEK)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}},
	}
	ctx := context.Background()
	const ann, bob domain.UserID = 1, 2
	ticketA, ticketB := domain.TicketScope("A"), domain.TicketScope("B")
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			t.Run("an owner keeps one key until it is destroyed; owners do not share keys", func(t *testing.T) {
				k := impl.open(t)
				first := dataKey(t, k, ann, ticketA)
				again := dataKey(t, k, ann, ticketA)
				if again.ID != first.ID || again.Gen != 1 || !bytes.Equal(again.Secret, first.Secret) || len(first.Secret) != 32 {
					t.Fatalf("the second DataKey is %s#%d, want the first, %s#1, with its secret", again.ID, again.Gen, first.ID)
				}
				for _, other := range []eventstore.DataKey{dataKey(t, k, bob, ticketA), dataKey(t, k, ann, ticketB)} {
					if other.ID == first.ID || bytes.Equal(other.Secret, first.Secret) {
						t.Fatalf("%s shares a key with %s", other.ID, first.ID)
					}
				}
				looked, err := k.Lookup(ctx, first.ID, 1)
				if err != nil || !bytes.Equal(looked.Secret, first.Secret) {
					t.Fatalf("Lookup = %v, %v; want the key", looked.ID, err)
				}
			})
			t.Run("a destroyed key does not open, and the owner's next key is a new generation", func(t *testing.T) {
				k := impl.open(t)
				first := dataKey(t, k, ann, ticketA)
				if err := k.Destroy(ctx, first.ID, time.Now()); err != nil {
					t.Fatal(err)
				}
				if err := k.Destroy(ctx, first.ID, time.Now()); err != nil {
					t.Fatalf("destroying twice: %v", err)
				}
				if _, err := k.Lookup(ctx, first.ID, 1); !errors.Is(err, eventstore.ErrKeyDestroyed) {
					t.Fatalf("Lookup of a destroyed key: %v, want ErrKeyDestroyed", err)
				}
				next := dataKey(t, k, ann, ticketA)
				if next.ID != first.ID || next.Gen != 2 || bytes.Equal(next.Secret, first.Secret) {
					t.Fatalf("after Destroy: %s#%d, want %s#2 with a new secret", next.ID, next.Gen, first.ID)
				}
			})
			t.Run("a key that never existed does not open", func(t *testing.T) {
				k := impl.open(t)
				if _, err := k.Lookup(ctx, "ticket:Z/1", 1); !errors.Is(err, eventstore.ErrKeyDestroyed) {
					t.Fatalf("Lookup of an unknown key: %v, want ErrKeyDestroyed", err)
				}
			})
			t.Run("DestroyScope destroys every person's key in the scope, and counts the live ones", func(t *testing.T) {
				k := impl.open(t)
				a, b, other := dataKey(t, k, ann, ticketA), dataKey(t, k, bob, ticketA), dataKey(t, k, ann, ticketB)
				if n, err := k.DestroyScope(ctx, ticketA, time.Now()); err != nil || n != 2 {
					t.Fatalf("DestroyScope = %d, %v; want 2", n, err)
				}
				if n, err := k.DestroyScope(ctx, ticketA, time.Now()); err != nil || n != 0 {
					t.Fatalf("DestroyScope again = %d, %v; want 0", n, err)
				}
				for _, d := range []eventstore.DataKey{a, b} {
					if _, err := k.Lookup(ctx, d.ID, d.Gen); !errors.Is(err, eventstore.ErrKeyDestroyed) {
						t.Fatalf("%s after DestroyScope: %v", d.ID, err)
					}
				}
				if _, err := k.Lookup(ctx, other.ID, other.Gen); err != nil {
					t.Fatalf("a key of another scope: %v", err)
				}
			})
			t.Run("DestroySubject destroys a person's keys in every scope; Scopes still lists them", func(t *testing.T) {
				k := impl.open(t)
				dataKey(t, k, ann, ticketB)
				dataKey(t, k, ann, domain.ProfileScope)
				dataKey(t, k, ann, ticketA)
				bobs := dataKey(t, k, bob, ticketA)
				want := []domain.Scope{domain.ProfileScope, ticketA, ticketB}
				if got, err := k.Scopes(ctx, ann); err != nil || !slices.Equal(got, want) {
					t.Fatalf("Scopes = %v, %v; want %v", got, err, want)
				}
				if n, err := k.DestroySubject(ctx, ann, time.Now()); err != nil || n != 3 {
					t.Fatalf("DestroySubject = %d, %v; want 3", n, err)
				}
				if got, err := k.Scopes(ctx, ann); err != nil || !slices.Equal(got, want) {
					t.Fatalf("Scopes after erasure = %v, %v; want %v", got, err, want)
				}
				if _, err := k.Lookup(ctx, bobs.ID, bobs.Gen); err != nil {
					t.Fatalf("another person's key: %v", err)
				}
			})
		})
	}
}

func dataKey(t *testing.T, k keyring, u domain.UserID, s domain.Scope) eventstore.DataKey {
	t.Helper()
	d, err := k.DataKey(context.Background(), domain.DataOwner{Subject: u, Scope: s})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
