package bench_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/adapters/bus/natsbus"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/natstest"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	testenv.Stop()
	os.Exit(code)
}

// cleanups run after every benchmark: seeded databases outlive the
// sub-benchmark that first asked for them.
var cleanups []func()

type keepTB struct{ testing.TB }

func (keepTB) Cleanup(f func()) { cleanups = append(cleanups, f) }

// A seeded database: tickets with their lifecycle and conversation, about
// 25 events each, appended the way the program appends them.
type seeded struct {
	env     *testenv.AppEnv
	tickets []domain.TicketID
	events  int64
}

var (
	seedMu sync.Mutex
	seeds  = map[string]*seeded{}
)

var backends = map[string]func(testing.TB) *mongodb.Conn{
	"sqlite":     testenv.SQLite,
	"postgresql": testenv.PostgreSQL,
}

func seed(b testing.TB, backend string, events int) *seeded {
	b.Helper()
	seedMu.Lock()
	defer seedMu.Unlock()
	key := fmt.Sprintf("%s/%d", backend, events)
	if s, ok := seeds[key]; ok {
		return s
	}
	keep := keepTB{b}
	env := testenv.NewAppOn(keep, backends[backend](keep))
	s := &seeded{env: env}
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const perTicket = 25
	n := events / perTicket
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				id := domain.TicketID(fmt.Sprintf("01JBENCH%018d", i))
				user := domain.UserID(1000 + i)
				m := eventstore.Meta{At: at, Guild: 1, Actor: domain.Actor{User: user, Source: domain.SourceSlashCommand}}
				life := []domain.Event{
					ticket.Opened{Ticket: id, Guild: 1, Number: int64(i + 1), Opener: user, Category: "general", Priority: ticket.PriorityNormal, At: at, Personal: ticket.OpenedPersonal{Topic: "my order never arrived"}},
					ticket.ChannelAttached{Ticket: id, Channel: domain.ChannelID(5000 + i)},
					ticket.Claimed{Ticket: id, By: 7},
				}
				rev := eventstore.NoStream
				for _, e := range life {
					res, err := env.Store.Append(ctx, ticket.Stream(id), rev, m, e)
					if err != nil {
						b.Error(err)
						return
					}
					rev = res.Revision()
				}
				for k := range perTicket - 4 {
					e := ticket.MessagePosted{Ticket: id, Channel: domain.ChannelID(5000 + i), Message: domain.MessageID(i*100 + k + 1), Author: user, At: at,
						Personal: ticket.MessagePersonal{Content: "Hello, this is a realistic support message of about a hundred characters in length.", AuthorName: "someone"}}
					if _, err := env.Store.Append(ctx, ticket.MessagesStream(id), eventstore.Any, m, e); err != nil {
						b.Error(err)
						return
					}
				}
				if _, err := env.Store.Append(ctx, ticket.Stream(id), rev, m, ticket.Closed{Ticket: id, By: 7, At: at, Personal: ticket.ClosedPersonal{Reason: "solved"}}); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				s.tickets = append(s.tickets, id)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	s.events = int64(n * perTicket)
	b.Logf("seeded %s with %d events in %s", key, s.events, time.Since(start).Round(time.Millisecond))
	seeds[key] = s
	return s
}

func sizes() []int {
	if testing.Short() {
		return []int{1_000}
	}
	return []int{1_000, 100_000}
}

// forEach runs a benchmark on each backend (TICKETIFY_BENCH_BACKENDS, comma
// separated, narrows them) and each size.
func forEach(b *testing.B, f func(b *testing.B, backend string, events int)) {
	which := []string{"sqlite", "postgresql"}
	if v := os.Getenv("TICKETIFY_BENCH_BACKENDS"); v != "" {
		which = strings.Split(v, ",")
	}
	for _, backend := range which {
		for _, n := range sizes() {
			b.Run(fmt.Sprintf("%s/%dk", backend, n/1000), func(b *testing.B) { f(b, backend, n) })
		}
	}
}

// latencies reports p50 and p99 of per-operation durations.
func latencies(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
}

func sampleCommit(i int) eventstore.Commit {
	return eventstore.Commit{ID: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i), Stream: fmt.Sprintf("bench/%d-%d", time.Now().UnixNano(), i),
		At: time.Now().UTC(), Guild: "1", Actor: eventstore.Actor{User: "7", Source: "slash_command"},
		Records: []eventstore.Record{{ID: fmt.Sprintf("r-%d-%d", time.Now().UnixNano(), i), Type: "ticket.claimed.v1",
			Data: []byte(`{"ticket":"01JD7Q4V3S8X2N6M5K4J3H2G1F","by":"123456789012345678"}`)}}}
}

// rawDoc is a document the size of a stored commit, for the driver baseline.
func rawDoc(i int) bson.D {
	c := sampleCommit(i)
	return bson.D{{Key: "_id", Value: fmt.Sprintf("raw/%d/%d", time.Now().UnixNano(), i)}, {Key: "topic", Value: "events"}, {Key: "pos", Value: int64(i)},
		{Key: "first", Value: int64(i)}, {Key: "stream", Value: c.Stream}, {Key: "seq", Value: int64(1)}, {Key: "ver", Value: int64(1)},
		{Key: "cid", Value: c.ID}, {Key: "at", Value: c.At}, {Key: "guild", Value: "1"}, {Key: "actor", Value: bson.D{{Key: "user", Value: "7"}, {Key: "src", Value: "slash_command"}}},
		{Key: "ev", Value: bson.A{bson.D{{Key: "id", Value: c.Records[0].ID}, {Key: "type", Value: c.Records[0].Type}, {Key: "data", Value: string(c.Records[0].Data)}}}}}
}

func rawColl(b *testing.B, s *seeded) *mongo.Collection {
	coll, err := s.env.Conn.Collection(context.Background(), "raw_baseline")
	if err != nil {
		b.Fatal(err)
	}
	return coll
}

// BenchmarkAppend: one command's commit, appended alone, one after another,
// against the raw driver's InsertOne of an equally sized document.
func BenchmarkAppend(b *testing.B) {
	forEach(b, func(b *testing.B, backend string, n int) {
		s := seed(b, backend, n)
		ctx := context.Background()
		b.Run("eventstore", func(b *testing.B) {
			d := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := s.env.Log.Append(ctx, sampleCommit(i), eventstore.NoStream); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(t0))
			}
			latencies(b, d)
		})
		b.Run("raw-insertone", func(b *testing.B) {
			coll := rawColl(b, s)
			d := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := coll.InsertOne(ctx, rawDoc(i)); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(t0))
			}
			latencies(b, d)
		})
	})
}

// BenchmarkAppendConcurrent: 16 writers at once (group commit) against 16
// concurrent raw InsertOnes, and batches of 100 against raw InsertMany(100).
func BenchmarkAppendConcurrent(b *testing.B) {
	forEach(b, func(b *testing.B, backend string, n int) {
		s := seed(b, backend, n)
		ctx := context.Background()
		var ctr atomic.Int64
		b.Run("eventstore-16-writers", func(b *testing.B) {
			b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 goroutines
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.env.Log.Append(ctx, sampleCommit(int(ctr.Add(1))), eventstore.NoStream); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("raw-insertone-16-writers", func(b *testing.B) {
			coll := rawColl(b, s)
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := coll.InsertOne(ctx, rawDoc(int(ctr.Add(1)))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("raw-insertmany-100", func(b *testing.B) {
			coll := rawColl(b, s)
			for b.Loop() {
				docs := make([]any, 100)
				for i := range docs {
					docs[i] = rawDoc(int(ctr.Add(1)))
				}
				if _, err := coll.InsertMany(ctx, docs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100, "docs/op")
		})
	})
}

// BenchmarkLoadDecideAppend: the update loop on a ticket (read its stream,
// fold, decide, append at the revision read), going round the seeded tickets.
// "cold" turns the stream cache off so that every load reads the database;
// "warm" is the default configuration.
func BenchmarkLoadDecideAppend(b *testing.B) {
	forEach(b, func(b *testing.B, backend string, n int) {
		s := seed(b, backend, n)
		ctx := context.Background()
		for _, mode := range []string{"cold", "warm"} {
			b.Run(mode, func(b *testing.B) {
				cache := -1
				if mode == "warm" {
					cache = 0
				}
				log, err := mongostore.Open(ctx, s.env.Conn, mongostore.Config{CachedStreams: cache})
				if err != nil {
					b.Fatal(err)
				}
				defer log.Close()
				store := eventstore.NewStore(log, s.env.Store.Codec())
				if mode == "warm" { // read the streams the loop will touch
					for i := range min(b.N, len(s.tickets)) {
						if _, err := store.Load(ctx, ticket.Stream(s.tickets[i])); err != nil {
							b.Fatal(err)
						}
					}
				}
				d := make([]time.Duration, 0, b.N)
				for i := 0; b.Loop(); i++ {
					id := s.tickets[i%len(s.tickets)]
					t0 := time.Now()
					_, err := store.Update(ctx, ticket.Stream(id), eventstore.Meta{At: time.Now()}, func(h eventstore.History) ([]domain.Event, error) {
						t := ticket.FromHistory(h.Events)
						p := ticket.PriorityHigh
						if t.Priority() == p {
							p = ticket.PriorityLow
						}
						return []domain.Event{ticket.PrioritySet{Ticket: id, By: 7, Priority: p, Previous: t.Priority()}}, nil
					})
					if err != nil {
						b.Fatal(err)
					}
					d = append(d, time.Since(t0))
				}
				latencies(b, d)
			})
		}
	})
}

// BenchmarkCatchUp: a subscriber reads the seeded log from its start
// through Watermill, 100 acknowledged messages per iteration; at the end of
// the log it starts over with a fresh subscriber.
func BenchmarkCatchUp(b *testing.B) {
	forEach(b, func(b *testing.B, backend string, n int) {
		s := seed(b, backend, n)
		ctx := context.Background()
		var (
			sub  *mongolog.Subscriber
			msgs <-chan *message.Message
			left int64
		)
		restart := func() {
			if sub != nil {
				_ = sub.Close()
			}
			var err error
			if sub, err = mongolog.NewSubscriber(s.env.Log, nil, mongolog.SubscriberConfig{}); err != nil {
				b.Fatal(err)
			}
			if msgs, err = sub.Subscribe(ctx, eventstore.DefaultTopic); err != nil {
				b.Fatal(err)
			}
			left = s.events // the seeded events; later benchmarks' appends come after them
		}
		restart()
		defer func() { _ = sub.Close() }()
		for b.Loop() {
			if left < 100 {
				b.StopTimer()
				restart()
				b.StartTimer()
			}
			for range 100 {
				m := <-msgs
				m.Ack()
			}
			left -= 100
		}
		b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkAppendToHandlerLag: time from an append returning to a subscribed
// handler receiving the event, in the same process (woken at once) and from
// another process (found by polling every 100ms), and from another process
// over NATS JetStream (the appender nudges the relay, the relay publishes,
// the subscriber's durable consumer receives).
func BenchmarkAppendToHandlerLag(b *testing.B) {
	forEach(b, func(b *testing.B, backend string, n int) {
		s := seed(b, backend, n)
		for _, mode := range []string{"same-process", "other-process", "other-process-nats"} {
			b.Run(mode, func(b *testing.B) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				reader := s.env.Log
				var feeds mongolog.Feeds
				appended := func() {}
				if mode == "other-process-nats" {
					// The appending process nudges; the relay and the
					// subscriber read through their own log, as another
					// process would.
					other, err := mongostore.Open(ctx, s.env.Conn, mongostore.Config{})
					if err != nil {
						b.Fatal(err)
					}
					defer other.Close()
					reader = other
					ncfg := natsbus.Config{URL: natstest.Start(b).URL()}
					cps, err := mongolog.OpenCheckpoints(ctx, s.env.Conn)
					if err != nil {
						b.Fatal(err)
					}
					head, _ := s.env.Log.Head(ctx, "")
					_ = cps.Save(ctx, eventstore.DefaultTopic, natsbus.RelayGroup, mongolog.Checkpoint{Position: head + 1})
					relay := &natsbus.Relay{Config: ncfg, Log: other, Checkpoints: cps}
					go func() { _ = relay.Run(ctx) }()
					nudger, err := natsbus.NewNudger(ncfg)
					if err != nil {
						b.Fatal(err)
					}
					defer nudger.Close()
					appended = nudger.Appended
					feeds = natsbus.Feeds(ncfg, other, time.Second)
				}
				if mode == "other-process" {
					other, err := mongostore.Open(ctx, s.env.Conn, mongostore.Config{})
					if err != nil {
						b.Fatal(err)
					}
					defer other.Close()
					reader = other
				}
				cps, err := mongolog.OpenCheckpoints(ctx, s.env.Conn)
				if err != nil {
					b.Fatal(err)
				}
				sub, err := mongolog.NewSubscriber(reader, cps, mongolog.SubscriberConfig{ConsumerGroup: fmt.Sprintf("lag-%d", time.Now().UnixNano()), Feeds: feeds})
				if err != nil {
					b.Fatal(err)
				}
				defer sub.Close()
				head, _ := s.env.Log.Head(ctx, "")
				_ = cps.Save(ctx, eventstore.DefaultTopic, subGroup(sub), mongolog.Checkpoint{Position: head + 1})
				msgs, err := sub.Subscribe(ctx, eventstore.DefaultTopic)
				if err != nil {
					b.Fatal(err)
				}
				received := make(chan *message.Message, 1)
				go func() {
					for m := range msgs {
						m.Ack()
						received <- m
					}
				}()
				if mode == "other-process-nats" {
					// The feed subscribes its durable consumer in the
					// background: until then it reads the log once a second.
					// Measured from the first commit it got over NATS.
					for i := -1; ; i-- {
						if _, err := s.env.Log.Append(ctx, sampleCommit(i), eventstore.NoStream); err != nil {
							b.Fatal(err)
						}
						appended()
						t0 := time.Now()
						<-received
						if time.Since(t0) < 100*time.Millisecond {
							break
						}
					}
				}
				d := make([]time.Duration, 0, b.N)
				for i := 0; b.Loop(); i++ {
					if _, err := s.env.Log.Append(ctx, sampleCommit(i), eventstore.NoStream); err != nil {
						b.Fatal(err)
					}
					t0 := time.Now()
					appended()
					<-received
					d = append(d, time.Since(t0))
				}
				latencies(b, d)
			})
		}
	})
}

func subGroup(s *mongolog.Subscriber) string { return s.ConsumerGroup() }

// BenchmarkRebuild: replay the whole log into fresh generations, each
// projector alone and all of them in one shared pass (what
// "ticketify projections rebuild" does). The baseline is a projector that
// writes nothing: the price of reading and decoding the log, which every
// rebuild pays.
func BenchmarkRebuild(b *testing.B) {
	all := server.Projectors()
	cases := []string{readLogOnly{}.Name(), "all"}
	for _, p := range all {
		cases = append(cases, p.Name())
	}
	forEach(b, func(b *testing.B, backend string, n int) {
		if backend == "postgresql" && n > 1_000 {
			b.Skip("FerretDB/PostgreSQL scans on every _id lookup; 100k would take hours")
		}
		s := seed(b, backend, n)
		ctx := context.Background()
		cps, err := mongolog.OpenCheckpoints(ctx, s.env.Conn)
		if err != nil {
			b.Fatal(err)
		}
		rt, err := runner.New(ctx, runner.Config{Conn: s.env.Conn, Log: s.env.Log, Checkpoints: cps, Store: s.env.Store,
			Logger: slog.New(slog.DiscardHandler)}, append(all, readLogOnly{})...)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range cases {
			b.Run(name, func(b *testing.B) {
				names := []string{name}
				if name == "all" {
					names = nil
					for _, p := range all {
						names = append(names, p.Name())
					}
				}
				for b.Loop() {
					if err := rt.Rebuild(ctx, names...); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(s.events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	})
}

// readLogOnly is the rebuild baseline: it decodes every event and keeps
// nothing.
type readLogOnly struct{}

func (readLogOnly) Name() string          { return "baseline-read-log" }
func (readLogOnly) Version() int          { return 1 }
func (readLogOnly) Collections() []string { return nil }
func (readLogOnly) Open(context.Context, projections.Target) (projections.Applier, error) {
	return readLogOnly{}, nil
}
func (readLogOnly) Apply(context.Context, projections.Event) error { return nil }
func (readLogOnly) Flush(context.Context) error                    { return nil }
