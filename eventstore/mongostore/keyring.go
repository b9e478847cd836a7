package mongostore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Keyring stores data keys in their own collection, each wrapped (AES-GCM)
// under a key-encryption key that never enters the database. A key lives in
// the document "<key id>#<generation>"; destroying it replaces the document
// with a tombstone, after which the owner's next data gets generation+1 and
// the old ciphertexts stay unreadable. Generations are created by insert, so
// two processes racing to create one agree on a single key.
type Keyring struct {
	coll *mongo.Collection
	kek  cipher.AEAD

	mu      sync.Mutex
	current map[string]cachedKey // key id → current key
	byGen   map[string]cachedKey // "id#gen" → key
	// destroys counts the starts and ends of Destroy. A key read from the
	// database is cached only if no Destroy started or ended meanwhile:
	// otherwise a read that found the key alive just before the tombstone
	// was written would put it back in the cache after Destroy cleared it,
	// and data erased in the database would go on opening here.
	destroys uint64
}

// KeyCacheTTL bounds how long a process keeps using a key it read: a key
// destroyed by another process stops opening data here within this time.
const KeyCacheTTL = time.Minute

type cachedKey struct {
	eventstore.DataKey
	read time.Time
}

func (c cachedKey) fresh() bool { return time.Since(c.read) < KeyCacheTTL }

// keyCacheSweep is the cache size above which stale entries are dropped.
const keyCacheSweep = 50_000

// sweep drops stale entries from a large cache; k.mu is held.
func sweep(m map[string]cachedKey) {
	if len(m) < keyCacheSweep {
		return
	}
	for id, c := range m {
		if !c.fresh() {
			delete(m, id)
		}
	}
}

var _ eventstore.Keyring = (*Keyring)(nil)

// KeysCollection is where data keys live.
// WARNING: renaming it loses every key, which erases all personal data.
const KeysCollection = "keys"

type keyDoc struct {
	ID          string    `bson:"_id"`
	Key         string    `bson:"key"`
	Gen         int64     `bson:"gen"`
	Subject     string    `bson:"subject"`
	Scope       string    `bson:"scope"`
	Wrapped     []byte    `bson:"wrapped,omitempty"`
	CreatedAt   time.Time `bson:"created_at"`
	Destroyed   bool      `bson:"destroyed,omitempty"`
	DestroyedAt time.Time `bson:"destroyed_at,omitzero"`
}

// OpenKeyring opens the keyring; kek must be 32 bytes.
func OpenKeyring(ctx context.Context, conn *mongodb.Conn, kek []byte) (*Keyring, error) {
	if len(kek) != 32 {
		return nil, fmt.Errorf("keyring: the key-encryption key must be 32 bytes, got %d", len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	coll, err := conn.Collection(ctx, KeysCollection)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return &Keyring{coll: coll, kek: aead, current: map[string]cachedKey{}, byGen: map[string]cachedKey{}}, nil
}

func genID(id string, gen int64) string { return fmt.Sprintf("%s#%d", id, gen) }

// DataKey returns the owner's current key, creating it on first use.
func (k *Keyring) DataKey(ctx context.Context, owner domain.DataOwner) (eventstore.DataKey, error) {
	id := eventstore.KeyID(owner)
	k.mu.Lock()
	if c, ok := k.current[id]; ok && c.fresh() {
		k.mu.Unlock()
		return c.DataKey, nil
	}
	epoch := k.destroys
	k.mu.Unlock()
	for gen := int64(1); ; {
		d, err := k.find(ctx, genID(id, gen))
		if err != nil {
			return eventstore.DataKey{}, err
		}
		if d == nil {
			created, err := k.create(ctx, owner, id, gen)
			if errors.Is(err, errRaced) {
				continue // someone created this generation first: read theirs
			}
			if err != nil {
				return eventstore.DataKey{}, err
			}
			d = created
		}
		if d.Destroyed {
			gen++
			continue
		}
		dk, err := k.unwrap(d)
		if err != nil {
			return eventstore.DataKey{}, err
		}
		k.mu.Lock()
		if k.destroys == epoch {
			c := cachedKey{dk, time.Now()}
			sweep(k.current)
			sweep(k.byGen)
			k.current[id], k.byGen[d.ID] = c, c
		}
		k.mu.Unlock()
		return dk, nil
	}
}

var errRaced = errors.New("key created concurrently")

func (k *Keyring) create(ctx context.Context, owner domain.DataOwner, id string, gen int64) (*keyDoc, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	nonce := make([]byte, k.kek.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	d := keyDoc{
		ID: genID(id, gen), Key: id, Gen: gen, Subject: owner.Subject.String(), Scope: string(owner.Scope),
		CreatedAt: time.Now().UTC(),
	}
	d.Wrapped = k.kek.Seal(nonce, nonce, secret, []byte(d.ID))
	if _, err := k.coll.InsertOne(ctx, d); err != nil {
		if mongodb.IsDuplicateKey(err) {
			return nil, errRaced
		}
		return nil, unavailable(err)
	}
	return &d, nil
}

func (k *Keyring) find(ctx context.Context, id string) (*keyDoc, error) {
	d, err := mongodb.FindByID[keyDoc](ctx, k.coll, id)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", unavailable(err))
	}
	return d, nil
}

func (k *Keyring) unwrap(d *keyDoc) (eventstore.DataKey, error) {
	n := k.kek.NonceSize()
	if len(d.Wrapped) < n {
		return eventstore.DataKey{}, fmt.Errorf("keyring: key %s is malformed", d.ID)
	}
	secret, err := k.kek.Open(nil, d.Wrapped[:n], d.Wrapped[n:], []byte(d.ID))
	if err != nil {
		return eventstore.DataKey{}, fmt.Errorf("keyring: key %s does not open with this TICKETIFY_SECRET_KEY: %w", d.ID, err)
	}
	return eventstore.DataKey{ID: d.Key, Gen: d.Gen, Secret: secret}, nil
}

// Lookup returns a key by id and generation, or eventstore.ErrKeyDestroyed.
func (k *Keyring) Lookup(ctx context.Context, id string, gen int64) (eventstore.DataKey, error) {
	gid := genID(id, gen)
	k.mu.Lock()
	if c, ok := k.byGen[gid]; ok && c.fresh() {
		k.mu.Unlock()
		return c.DataKey, nil
	}
	epoch := k.destroys
	k.mu.Unlock()
	d, err := k.find(ctx, gid)
	if err != nil {
		return eventstore.DataKey{}, err
	}
	if d == nil || d.Destroyed {
		return eventstore.DataKey{}, fmt.Errorf("key %s: %w", gid, eventstore.ErrKeyDestroyed)
	}
	dk, err := k.unwrap(d)
	if err != nil {
		return eventstore.DataKey{}, err
	}
	k.mu.Lock()
	if k.destroys == epoch {
		sweep(k.byGen)
		k.byGen[gid] = cachedKey{dk, time.Now()}
	}
	k.mu.Unlock()
	return dk, nil
}

// forget drops a key's every generation from the cache and bumps the
// destroy count, so that no read already under way caches it again.
func (k *Keyring) forget(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.destroys++
	delete(k.current, id)
	for gid, c := range k.byGen {
		if c.ID == id {
			delete(k.byGen, gid)
		}
	}
}

// DestroyScope shreds every key of a scope — every person's key for one
// ticket, say — and returns how many keys it destroyed. It finds them with a
// query on the scope (a scan on FerretDB/SQLite: a rare, bounded operation).
func (k *Keyring) DestroyScope(ctx context.Context, scope domain.Scope, now time.Time) (int, error) {
	return k.destroyWhere(ctx, bson.E{Key: "scope", Value: string(scope)}, now)
}

// destroyWhere destroys every live key matching one field, and returns how
// many it destroyed.
func (k *Keyring) destroyWhere(ctx context.Context, match bson.E, now time.Time) (int, error) {
	cur, err := k.coll.Find(ctx, bson.D{match, {Key: "destroyed", Value: bson.D{{Key: "$ne", Value: true}}}})
	if err != nil {
		return 0, fmt.Errorf("keyring: %w", unavailable(err))
	}
	var docs []keyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, fmt.Errorf("keyring: %w", unavailable(err))
	}
	seen := map[string]bool{}
	for _, d := range docs {
		if seen[d.Key] {
			continue
		}
		seen[d.Key] = true
		if err := k.Destroy(ctx, d.Key, now); err != nil {
			return len(seen) - 1, err
		}
	}
	return len(seen), nil
}

// Scopes lists every scope a subject has had a key in, destroyed keys
// included (their tombstones keep subject and scope): which tickets held a
// person's words, say. It queries by subject (a scan on FerretDB/SQLite:
// erasure is rare).
func (k *Keyring) Scopes(ctx context.Context, subject domain.UserID) ([]domain.Scope, error) {
	cur, err := k.coll.Find(ctx, bson.D{{Key: "subject", Value: subject.String()}})
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", unavailable(err))
	}
	var docs []keyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("keyring: %w", unavailable(err))
	}
	var out []domain.Scope
	for _, d := range docs {
		out = append(out, domain.Scope(d.Scope))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// DestroySubject shreds every key of a person, in every scope: all they
// wrote in every ticket and their profile become unreadable everywhere.
// Destroying twice is a no-op; it returns how many keys it destroyed now.
func (k *Keyring) DestroySubject(ctx context.Context, subject domain.UserID, now time.Time) (int, error) {
	return k.destroyWhere(ctx, bson.E{Key: "subject", Value: subject.String()}, now)
}

// Destroy shreds every generation of a key: the data it sealed is erased
// wherever its ciphertext lives. Destroying twice is a no-op.
func (k *Keyring) Destroy(ctx context.Context, id string, now time.Time) error {
	k.forget(id)
	defer k.forget(id) // and what a read racing the tombstones cached
	for gen := int64(1); ; gen++ {
		d, err := k.find(ctx, genID(id, gen))
		if err != nil {
			return err
		}
		if d == nil {
			return nil
		}
		if d.Destroyed {
			continue
		}
		tomb := keyDoc{ID: d.ID, Key: d.Key, Gen: d.Gen, Subject: d.Subject, Scope: d.Scope, CreatedAt: d.CreatedAt, Destroyed: true, DestroyedAt: now.UTC()}
		if _, err := k.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, tomb); err != nil {
			return fmt.Errorf("keyring: destroy %s: %w", d.ID, unavailable(err))
		}
	}
}
