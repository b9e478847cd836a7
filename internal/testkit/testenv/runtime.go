package testenv

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
)

// Projections starts a projection runtime for the given projectors; it stops
// with the test.
func (e *AppEnv) Projections(t testing.TB, ps ...projections.Projector) *runner.Runtime {
	t.Helper()
	return e.ProjectionsAndReactors(t, nil, ps...)
}

// ProjectionsAndReactors starts a projection runtime for the given reactors
// and projectors; it stops with the test.
func (e *AppEnv) ProjectionsAndReactors(t testing.TB, reactors []projections.Reactor, ps ...projections.Projector) *runner.Runtime {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cps, err := mongolog.OpenCheckpoints(ctx, e.Conn)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	rt, err := runner.New(ctx, runner.Config{
		Conn: e.Conn, Log: e.Log, Checkpoints: cps, Store: e.Store, RetryDelay: 10 * time.Millisecond, Logger: logger,
		Subscribers: server.LogSubscribers(e.Log, cps, 20*time.Millisecond, logger),
	}, ps...)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range reactors {
		rt.AddReactor(re)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rt.Close()
		cancel()
	})
	return rt
}

// Caught waits until the runtime applied everything appended so far.
func (e *AppEnv) Caught(t testing.TB, rt *runner.Runtime) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last, _, err := e.Log.LastEvent(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if last == 0 {
		return
	}
	if err := rt.WaitApplied(ctx, last); err != nil {
		t.Fatal(err)
	}
}

// Dump returns every document of a collection as extended JSON, by _id.
func Dump(t testing.TB, e *AppEnv, collection string) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := e.Conn.DB.Collection(collection).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for cur.Next(ctx) {
		j, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(j))
	}
	slices.Sort(out)
	return out
}

// AllEvents decodes the whole default topic, in order.
func AllEvents(t testing.TB, e *AppEnv) []projections.Event {
	t.Helper()
	ctx := context.Background()
	commits, err := e.Log.ReadLog(ctx, "", 1, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	var out []projections.Event
	for _, c := range commits {
		for _, env := range c.Envelopes() {
			d, err := e.Store.Codec().Decode(ctx, env.Record)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, projections.Event{Envelope: env, Event: d.Event, Erased: d.Erased})
		}
	}
	return out
}
