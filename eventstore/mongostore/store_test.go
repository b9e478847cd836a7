package mongostore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/adapters/mongo/embedded"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/eventstore/storetest"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

var now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// testKEK is one key-encryption key for every store of a test binary, as one
// TICKETIFY_SECRET_KEY is for every process of a deployment.
var testKEK = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}()

func newStore(t *testing.T, conn *mongodb.Conn) (*eventstore.Store, *mongostore.Log, *mongostore.Keyring) {
	t.Helper()
	log := openLog(t, conn)
	kek := testKEK
	keys, err := mongostore.OpenKeyring(context.Background(), conn, kek)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := eventstore.NewCodec(keys, append(ticket.Events(), guild.Events()...)...)
	if err != nil {
		t.Fatal(err)
	}
	return eventstore.NewStore(log, codec), log, keys
}

// dumpDatabase returns every document of every collection as extended JSON.
func dumpDatabase(t *testing.T, conn *mongodb.Conn) []byte {
	t.Helper()
	ctx := context.Background()
	names, err := conn.DB.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, n := range names {
		cur, err := conn.DB.Collection(n).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			j, err := bson.MarshalExtJSON(cur.Current, false, false)
			if err != nil {
				t.Fatal(err)
			}
			out.Write(j)
			out.WriteByte('\n')
		}
		_ = cur.Close(ctx)
	}
	return out.Bytes()
}

const tid domain.TicketID = "01JD7Q4V3S8X2N6M5K4J3H2G1F"

func TestPersonalDataIsSealedAndErasable(t *testing.T) {
	conn := testenv.SQLite(t)
	store, _, keys := newStore(t, conn)
	ctx := context.Background()
	secret := "my landlord Bob Example at 12 Secret Street"
	opened := ticket.Opened{Ticket: tid, Guild: 1, Number: 1, Opener: 42, Category: "general", Priority: ticket.PriorityNormal, At: now,
		Personal: ticket.OpenedPersonal{Topic: secret}}
	if _, err := store.Append(ctx, ticket.Stream(tid), eventstore.NoStream, eventstore.Meta{At: now, Guild: 1}, opened); err != nil {
		t.Fatal(err)
	}
	if dump := dumpDatabase(t, conn); bytes.Contains(dump, []byte("Secret Street")) {
		t.Fatalf("the raw database holds personal data in the clear:\n%s", dump)
	}
	h, err := store.Load(ctx, ticket.Stream(tid))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Events[0].(ticket.Opened); got.Personal.Topic != secret || got.Opener != 42 {
		t.Fatalf("read back %+v", got)
	}

	if err := keys.Destroy(ctx, eventstore.KeyID(opened.DataOwner()), now); err != nil {
		t.Fatal(err)
	}
	// A fresh process (no key cache) reads the same log.
	again, _, _ := newStore(t, conn)
	d, err := again.Codec().Decode(ctx, h.Envelopes[0].Record)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Erased || d.Event.(ticket.Opened).Personal.Topic != "" || d.Event.(ticket.Opened).Opener != 42 {
		t.Fatalf("after erasure: erased=%v event %+v", d.Erased, d.Event)
	}
	// New data of the same owner gets a new key generation; the old stays unreadable.
	closed := ticket.Closed{Ticket: tid, By: 42, At: now, Personal: ticket.ClosedPersonal{Reason: "fresh"}}
	if _, err := store.Append(ctx, ticket.Stream(tid), h.Revision, eventstore.Meta{At: now}, closed); err != nil {
		t.Fatal(err)
	}
	h2, err := again.Load(ctx, ticket.Stream(tid))
	if err != nil {
		t.Fatal(err)
	}
	if h2.Events[1].(ticket.Closed).Personal.Reason != "fresh" || h2.Events[0].(ticket.Opened).Personal.Topic != "" {
		t.Fatalf("after re-keying: %+v", h2.Events)
	}
}

func TestCodecRefusesEventsBreakingThePersonalDataConvention(t *testing.T) {
	if _, err := eventstore.NewCodec(nil, leaky{}); err == nil {
		t.Fatal("an event with a Personal field and no DataOwner was accepted")
	}
}

type leaky struct {
	Personal struct{ Secret string }
}

func (leaky) EventType() string { return "test.leaky.v1" }

func TestUpdateLoopRetriesConcurrentCommandsAndIsIdempotent(t *testing.T) {
	conn := testenv.SQLite(t)
	store, _, _ := newStore(t, conn)
	ctx := context.Background()
	const g domain.GuildID = 9
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := store.Update(ctx, guild.Stream(g), eventstore.Meta{At: now, CommandID: fmt.Sprintf("bl-%d", i)},
				func(h eventstore.History) ([]domain.Event, error) {
					return guild.FromHistory(g, h.Events).BlacklistUser(guild.Member{User: 1, ManageServer: true}, domain.UserID(100+i))
				})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	h, _ := store.Load(ctx, guild.Stream(g))
	if s := guild.FromHistory(g, h.Events); len(s.BlacklistedUsers()) != 20 {
		t.Fatalf("%d users blacklisted, want 20 (no command lost to a conflict)", len(s.BlacklistedUsers()))
	}

	decided := 0
	decide := func(h eventstore.History) ([]domain.Event, error) {
		decided++
		return guild.FromHistory(g, h.Events).SetRetention(guild.Member{User: 1, ManageServer: true}, 30)
	}
	first, err := store.Update(ctx, guild.Stream(g), eventstore.Meta{At: now, CommandID: "interaction-1"}, decide)
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Update(ctx, guild.Stream(g), eventstore.Meta{At: now, CommandID: "interaction-1"}, decide)
	if err != nil || !second.AlreadyStored || second.Position != first.Position || decided != 1 {
		t.Fatalf("a re-delivered command: stored=%v, pos %d vs %d, decided %d times, err %v",
			second.AlreadyStored, second.Position, first.Position, decided, err)
	}
}

func TestLastEventIsWhereAConsumerThatSawEverythingStands(t *testing.T) {
	conn := testenv.SQLite(t)
	store, log, _ := newStore(t, conn)
	ctx := context.Background()
	if ev, c, err := log.LastEvent(ctx, eventstore.DefaultTopic); ev != 0 || c != 0 || err != nil {
		t.Fatalf("an empty log: event %d, commit %d, %v", ev, c, err)
	}
	const g domain.GuildID = 9
	for i, days := range []int{30, 40} {
		if _, err := store.Append(ctx, guild.Stream(g), eventstore.Any, eventstore.Meta{At: now}, guild.RetentionSet{Guild: g, Days: days}, guild.TicketLimitSet{Guild: g, Limit: i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	if ev, c, err := log.LastEvent(ctx, ""); ev != 4 || c != 2 || err != nil {
		t.Fatalf("two commits of two events: event %d, commit %d, %v; want 4, 2", ev, c, err)
	}
}

func TestAMissingStreamEntryIsRepairedFromTheLog(t *testing.T) {
	conn := testenv.SQLite(t)
	store, _, _ := newStore(t, conn)
	ctx := context.Background()
	const g domain.GuildID = 5
	for _, days := range []int{10, 20} {
		if _, err := store.Update(ctx, guild.Stream(g), eventstore.Meta{At: now}, func(h eventstore.History) ([]domain.Event, error) {
			return guild.FromHistory(g, h.Events).SetRetention(guild.Member{User: 1, ManageServer: true}, days)
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A crash between a commit and its entry, on a server applying insertMany
	// document by document, leaves the commit without its entry.
	if _, err := conn.DB.Collection("events").DeleteOne(ctx, bson.D{{Key: "_id", Value: "s/guild/5/000000000002"}}); err != nil {
		t.Fatal(err)
	}
	fresh, _, _ := newStore(t, conn) // no stream cache
	if _, err := fresh.Update(ctx, guild.Stream(g), eventstore.Meta{At: now}, func(h eventstore.History) ([]domain.Event, error) {
		return guild.FromHistory(g, h.Events).SetLogChannel(guild.Member{User: 1, ManageServer: true}, 77)
	}); err != nil {
		t.Fatal(err)
	}
	h, _ := fresh.Load(ctx, guild.Stream(g))
	s := guild.FromHistory(g, h.Events)
	if len(h.Events) != 3 || s.RetentionDays() != 20 || s.LogChannel() != 77 {
		t.Fatalf("after repair: %d events, retention %d, log channel %d", len(h.Events), s.RetentionDays(), s.LogChannel())
	}
}

func TestADeadDatabaseIsAClearErrorAndStoresNothing(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(context.Background(), embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := mongodb.Connect(context.Background(), srv.URI(), "dead", mongodb.Options{ConnectTimeout: time.Second, AfterCreate: srv.IndexIDLookups})
	if err != nil {
		t.Fatal(err)
	}
	log, err := mongostore.Open(context.Background(), conn, mongostore.Config{WriteAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := log.Append(context.Background(), storetest.Commit("before", "s/x", 1), eventstore.NoStream); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	start := time.Now()
	_, err = log.Append(context.Background(), storetest.Commit("during", "s/x", 1), eventstore.Any)
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("append to a dead database: %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("the error took %s", took)
	}
	if _, err := embedded.Start(context.Background(), embedded.Config{Dir: dir}); err != nil {
		t.Fatalf("restart on the same data dir after stop: %v", err)
	}
}

func TestTheDataDirectoryIsLocked(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(context.Background(), embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if _, err := embedded.Start(context.Background(), embedded.Config{Dir: dir}); !errors.Is(err, embedded.ErrDataDirInUse) {
		t.Fatalf("a second server on the same directory: %v, want ErrDataDirInUse", err)
	}
}

// Readers look a key up while it is destroyed. A read that found it alive
// just before the tombstone must not put it back in this process's cache:
// once Destroy returns, the key opens nothing here (retention and erasure
// promise exactly that).
func TestAKeyReadWhileItIsDestroyedIsNotCachedAgain(t *testing.T) {
	conn := testenv.SQLite(t)
	ctx := context.Background()
	keys, err := mongostore.OpenKeyring(ctx, conn, testKEK)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		owner := domain.DataOwner{Subject: domain.UserID(1000 + round), Scope: domain.TicketScope(tid)}
		dk, err := keys.DataKey(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for range 4 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
						_, _ = keys.Lookup(ctx, dk.ID, dk.Gen)
					}
				}
			}()
		}
		time.Sleep(2 * time.Millisecond)
		if err := keys.Destroy(ctx, dk.ID, now); err != nil {
			t.Fatal(err)
		}
		close(stop)
		readers.Wait()
		if _, err := keys.Lookup(ctx, dk.ID, dk.Gen); !errors.Is(err, eventstore.ErrKeyDestroyed) {
			t.Fatalf("round %d: after Destroy the key still opens here (err %v)", round, err)
		}
	}
}
