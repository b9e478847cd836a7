package testenv

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// AppEnv is the application on a fresh embedded database.
type AppEnv struct {
	Conn  *mongodb.Conn
	Log   *mongostore.Log
	Keys  *mongostore.Keyring
	Store *eventstore.Store
	App   *app.App
}

// KEK is the key-encryption key of every test store in this process.
var KEK = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}()

// NewApp returns the application on a fresh SQLite-backed database.
func NewApp(t testing.TB) *AppEnv { return NewAppOn(t, SQLite(t)) }

// NewAppOn returns the application on a given database (a second "process"
// when the database is shared).
func NewAppOn(t testing.TB, conn *mongodb.Conn) *AppEnv { return NewAppClock(t, conn, nil) }

// NewAppClock returns the application reading time from clock.
func NewAppClock(t testing.TB, conn *mongodb.Conn, clock func() time.Time) *AppEnv {
	t.Helper()
	ctx := context.Background()
	log, err := mongostore.Open(ctx, conn, mongostore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	keys, err := mongostore.OpenKeyring(ctx, conn, KEK)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := eventstore.NewCodec(keys, app.AllEvents()...)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := mongodb.OpenSequence(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	store := eventstore.NewStore(log, codec)
	return &AppEnv{Conn: conn, Log: log, Keys: keys, Store: store, App: app.New(store, seq, clock)}
}

// Head returns the position of the last commit of the default topic.
func (e *AppEnv) Head(t testing.TB) int64 {
	t.Helper()
	h, err := e.Log.Head(context.Background(), eventstore.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
