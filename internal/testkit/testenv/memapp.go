package testenv

import (
	"context"
	"testing"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/memstore"
	"github.com/ticketify/ticketify/internal/app"
)

// MemAppEnv is the application on the in-memory event store, keyring and
// ticket numbers (eventstore/memstore): for tests of use cases that do not
// test the database. Tests of storage, concurrency against the real server,
// projections or the whole program use NewApp.
type MemAppEnv struct {
	Log     *memstore.Log
	Keys    *memstore.Keyring
	Numbers *memstore.Sequence
	Store   *eventstore.Store
	App     *app.App
}

// NewMemApp returns the application on a fresh in-memory store, reading the
// wall clock (App.WithClock gives it another).
func NewMemApp(t testing.TB) *MemAppEnv {
	t.Helper()
	keys := memstore.NewKeyring()
	codec, err := eventstore.NewCodec(keys, app.AllEvents()...)
	if err != nil {
		t.Fatal(err)
	}
	log, numbers := memstore.New(), memstore.NewSequence()
	store := eventstore.NewStore(log, codec)
	return &MemAppEnv{Log: log, Keys: keys, Numbers: numbers, Store: store, App: app.New(store, numbers, nil)}
}

// Head returns the position of the last commit of the default topic.
func (e *MemAppEnv) Head(t testing.TB) int64 {
	t.Helper()
	h, err := e.Log.Head(context.Background(), eventstore.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
