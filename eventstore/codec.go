package eventstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/ticketify/ticketify/domain"
)

// ErrKeyDestroyed is returned by a Keyring for a key that was erased.
var ErrKeyDestroyed = errors.New("data key destroyed")

// ErrUnknownEventType is returned when decoding a record whose type no
// registered event has.
var ErrUnknownEventType = errors.New("unknown event type")

// DataKey is a 256-bit key sealing one owner's personal data in one scope.
type DataKey struct {
	ID     string
	Gen    int64
	Secret []byte
}

// Keyring keeps the data keys. Implementations store them apart from the
// events they seal, wrapped under a key-encryption key.
type Keyring interface {
	// DataKey returns the current key of an owner, creating it on first use.
	DataKey(ctx context.Context, owner domain.DataOwner) (DataKey, error)
	// Lookup returns a key by id and generation, or ErrKeyDestroyed.
	Lookup(ctx context.Context, id string, gen int64) (DataKey, error)
}

// KeyID names the data key of an owner: one per person per scope.
func KeyID(o domain.DataOwner) string { return string(o.Scope) + "/" + o.Subject.String() }

type eventType struct {
	typ          reflect.Type
	personalJSON string // JSON name of the Personal field; "" when none
	personalIdx  int
	subjectIdx   []int // top-level fields holding user or guild ids
}

// Codec turns domain events into records and back. It knows every event
// type by its stored name and seals the Personal field of PersonalEvents.
type Codec struct {
	types map[string]eventType
	keys  Keyring
}

var (
	personalEventIface = reflect.TypeFor[domain.PersonalEvent]()
	userIDType         = reflect.TypeFor[domain.UserID]()
	guildIDType        = reflect.TypeFor[domain.GuildID]()
)

// NewCodec registers event types. It refuses a type that breaks the personal
// data convention: a Personal field without DataOwner, or DataOwner without a
// Personal field.
func NewCodec(keys Keyring, events ...domain.Event) (*Codec, error) {
	c := &Codec{types: map[string]eventType{}, keys: keys}
	var errs []error
	for _, e := range events {
		name := e.EventType()
		t := reflect.TypeOf(e)
		if t.Kind() != reflect.Struct {
			errs = append(errs, fmt.Errorf("%s: events are structs, got %s", name, t))
			continue
		}
		if _, dup := c.types[name]; dup {
			errs = append(errs, fmt.Errorf("%s: registered twice", name))
			continue
		}
		et := eventType{typ: t, personalIdx: -1}
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case f.Name == "Personal":
				et.personalIdx = i
				et.personalJSON, _, _ = strings.Cut(f.Tag.Get("json"), ",")
				if et.personalJSON == "" {
					et.personalJSON = f.Name
				}
			case f.Type == userIDType || f.Type == guildIDType ||
				(f.Type.Kind() == reflect.Slice && f.Type.Elem() == userIDType):
				et.subjectIdx = append(et.subjectIdx, i)
			}
		}
		hasOwner := t.Implements(personalEventIface)
		if hasOwner != (et.personalIdx >= 0) {
			errs = append(errs, fmt.Errorf("%s: an event with a Personal field must implement DataOwner, and only such an event", name))
			continue
		}
		c.types[name] = et
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// Types returns the registered type names, sorted.
func (c *Codec) Types() []string {
	out := make([]string, 0, len(c.types))
	for n := range c.types {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// PersonalTypes returns the registered type names that carry personal data.
func (c *Codec) PersonalTypes() []string {
	var out []string
	for n, t := range c.types {
		if t.personalIdx >= 0 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Encode turns an event into a record with a fresh id, sealing its personal data.
func (c *Codec) Encode(ctx context.Context, e domain.Event) (Record, error) {
	return c.EncodeAs(ctx, e, "")
}

// EncodeAs is Encode with a given event id (an imported event keeps its
// own); the id is part of the sealed data's associated data.
func (c *Codec) EncodeAs(ctx context.Context, e domain.Event, id string) (Record, error) {
	et, ok := c.types[e.EventType()]
	if !ok {
		return Record{}, fmt.Errorf("encode %s: %w", e.EventType(), ErrUnknownEventType)
	}
	if id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return Record{}, fmt.Errorf("encode %s: event id: %w", e.EventType(), err)
		}
		id = u.String()
	}
	var err error
	rec := Record{ID: id, Type: e.EventType()}
	v := reflect.ValueOf(e)
	if et.personalIdx < 0 {
		if rec.Data, err = json.Marshal(e); err != nil {
			return Record{}, fmt.Errorf("encode %s: %w", rec.Type, err)
		}
		return rec, nil
	}
	// Marshal the event without its Personal field: copy it with that field zeroed
	// and drop the key, so no personal byte reaches Data.
	plain := reflect.New(et.typ).Elem()
	plain.Set(v)
	personal, err := json.Marshal(v.Field(et.personalIdx).Interface())
	if err != nil {
		return Record{}, fmt.Errorf("encode %s personal data: %w", rec.Type, err)
	}
	plain.Field(et.personalIdx).SetZero()
	var fields map[string]json.RawMessage
	raw, err := json.Marshal(plain.Interface())
	if err == nil {
		err = json.Unmarshal(raw, &fields)
	}
	if err != nil {
		return Record{}, fmt.Errorf("encode %s: %w", rec.Type, err)
	}
	delete(fields, et.personalJSON)
	if rec.Data, err = json.Marshal(fields); err != nil {
		return Record{}, fmt.Errorf("encode %s: %w", rec.Type, err)
	}
	owner := e.(domain.PersonalEvent).DataOwner()
	if owner.Subject.IsZero() && string(personal) == "{}" {
		return rec, nil // no person, no personal data (a ticket closing by itself): nothing to seal
	}
	if owner.Subject.IsZero() || owner.Scope == "" {
		return Record{}, fmt.Errorf("encode %s: %w: personal data without an owner", rec.Type, ErrInvalidCommit)
	}
	key, err := c.keys.DataKey(ctx, owner)
	if err != nil {
		return Record{}, fmt.Errorf("encode %s: data key: %w", rec.Type, err)
	}
	if rec.Sealed, err = seal(key, personal, aad(rec)); err != nil {
		return Record{}, fmt.Errorf("encode %s: %w", rec.Type, err)
	}
	return rec, nil
}

// aad binds a ciphertext to its record, so sealed data cannot be moved to
// another event.
func aad(r Record) []byte { return []byte(r.ID + "|" + r.Type) }

func seal(k DataKey, plaintext, ad []byte) (*Sealed, error) {
	gcm, err := newGCM(k.Secret)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return &Sealed{KeyID: k.ID, KeyGen: k.Gen, Nonce: nonce, Ciphertext: gcm.Seal(nil, nonce, plaintext, ad)}, nil
}

func newGCM(secret []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return cipher.NewGCM(block)
}

// Decoded is a record turned back into a domain event.
type Decoded struct {
	Event domain.Event
	// Erased is true when the event's personal data could not be unsealed
	// because its key was destroyed; Event's Personal field is then zero.
	Erased bool
}

// FromJSON makes an event of a registered type from its whole JSON,
// personal data included (an export's event, being imported).
func (c *Codec) FromJSON(typ string, data []byte) (domain.Event, error) {
	et, ok := c.types[typ]
	if !ok {
		return nil, fmt.Errorf("%s: %w", typ, ErrUnknownEventType)
	}
	ptr := reflect.New(et.typ)
	if err := json.Unmarshal(data, ptr.Interface()); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	return ptr.Elem().Interface().(domain.Event), nil
}

// Decode turns a record back into its domain event, unsealing personal data
// when its key still exists.
func (c *Codec) Decode(ctx context.Context, r Record) (Decoded, error) {
	et, ok := c.types[r.Type]
	if !ok {
		return Decoded{}, fmt.Errorf("decode %s (%s): %w", r.Type, r.ID, ErrUnknownEventType)
	}
	ptr := reflect.New(et.typ)
	if err := json.Unmarshal(r.Data, ptr.Interface()); err != nil {
		return Decoded{}, fmt.Errorf("decode %s (%s): %w", r.Type, r.ID, err)
	}
	var d Decoded
	if r.Sealed != nil && et.personalIdx >= 0 {
		plaintext, err := c.unseal(ctx, r)
		switch {
		case errors.Is(err, ErrKeyDestroyed):
			d.Erased = true
		case err != nil:
			return Decoded{}, fmt.Errorf("decode %s (%s): %w", r.Type, r.ID, err)
		default:
			if err := json.Unmarshal(plaintext, ptr.Elem().Field(et.personalIdx).Addr().Interface()); err != nil {
				return Decoded{}, fmt.Errorf("decode %s (%s) personal data: %w", r.Type, r.ID, err)
			}
		}
	}
	d.Event = ptr.Elem().Interface().(domain.Event)
	return d, nil
}

func (c *Codec) unseal(ctx context.Context, r Record) ([]byte, error) {
	return Unseal(ctx, c.keys, *r.Sealed, aad(r))
}

// Seal encrypts personal data that is not an event's (an archived file's
// pieces) under a data key, bound to ad: what it belongs to, which opening
// it must name again, so a ciphertext cannot be moved to another place.
func Seal(k DataKey, plaintext, ad []byte) (*Sealed, error) { return seal(k, plaintext, ad) }

// Unseal opens what Seal sealed; ErrKeyDestroyed once its key is erased.
func Unseal(ctx context.Context, keys Keyring, s Sealed, ad []byte) ([]byte, error) {
	key, err := keys.Lookup(ctx, s.KeyID, s.KeyGen)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(key.Secret)
	if err != nil {
		return nil, err
	}
	plaintext, err := gcm.Open(nil, s.Nonce, s.Ciphertext, ad)
	if err != nil {
		return nil, fmt.Errorf("unseal with key %s: %w", s.KeyID, err)
	}
	return plaintext, nil
}

// Subjects returns the people and guilds an event is about, as "user:<id>"
// and "guild:<id>".
func (c *Codec) Subjects(e domain.Event) []string {
	et, ok := c.types[e.EventType()]
	if !ok {
		return nil
	}
	v := reflect.ValueOf(e)
	var out []string
	for _, i := range et.subjectIdx {
		f := v.Field(i)
		switch {
		case f.Type() == guildIDType && !f.IsZero():
			out = append(out, "guild:"+f.Interface().(domain.GuildID).String())
		case f.Type() == userIDType && !f.IsZero():
			out = append(out, "user:"+f.Interface().(domain.UserID).String())
		case f.Kind() == reflect.Slice:
			for _, u := range f.Interface().([]domain.UserID) {
				out = append(out, "user:"+u.String())
			}
		}
	}
	return out
}
