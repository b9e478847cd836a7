// Package storetest is the contract every event log implementation must
// pass: atomic multi-record appends, optimistic concurrency (20 writers at
// one revision, exactly one wins), idempotent retries, and a gap-free total
// order under concurrent appends, also from several processes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/eventstore"
)

// Log is the implementation under test.
type Log interface {
	eventstore.Log
	ReadLog(ctx context.Context, topic string, from int64, max int) ([]eventstore.StoredCommit, error)
	Head(ctx context.Context, topic string) (int64, error)
}

// Factory returns a Log on a fresh, empty database. SecondProcess returns
// another Log on the same database, as a second process would have.
type Factory struct {
	New           func(t *testing.T) Log
	SecondProcess func(t *testing.T, first Log) Log
}

var at = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Commit builds a commit of n records with distinct ids.
func Commit(id, stream string, n int) eventstore.Commit {
	c := eventstore.Commit{ID: id, Stream: stream, At: at, Actor: eventstore.Actor{User: "1", Source: "test"}}
	for i := range n {
		c.Records = append(c.Records, eventstore.Record{
			ID: fmt.Sprintf("%s-%d", id, i), Type: "test.happened.v1", Data: fmt.Appendf(nil, `{"n":%d}`, i),
		})
	}
	return c
}

// Run runs the contract.
func Run(t *testing.T, f Factory) {
	ctx := context.Background()

	t.Run("a stream reads back what was appended, with versions and revisions", func(t *testing.T) {
		log := f.New(t)
		r1, err := log.Append(ctx, Commit("c1", "s/a", 2), eventstore.NoStream)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := log.Append(ctx, Commit("c2", "s/a", 1), r1.Revision())
		if err != nil {
			t.Fatal(err)
		}
		commits, rev, err := log.ReadStream(ctx, "s/a")
		if err != nil {
			t.Fatal(err)
		}
		if len(commits) != 2 || commits[0].ID != "c1" || commits[1].ID != "c2" {
			t.Fatalf("stream = %+v", commits)
		}
		if rev != r2.Revision() || rev.Events() != 3 || rev.Commits() != 2 {
			t.Fatalf("revision %v, want v3 after two commits (append said %v)", rev, r2.Revision())
		}
		var versions []int64
		for _, c := range commits {
			for _, e := range c.Envelopes() {
				versions = append(versions, e.Version)
			}
		}
		if !slices.Equal(versions, []int64{1, 2, 3}) {
			t.Fatalf("versions %v", versions)
		}
		if _, rev, _ := log.ReadStream(ctx, "s/none"); rev != eventstore.NoStream {
			t.Fatalf("an empty stream has revision %v", rev)
		}
	})

	t.Run("a stale revision is a typed conflict and stores nothing", func(t *testing.T) {
		log := f.New(t)
		first, err := log.Append(ctx, Commit("c1", "s/a", 1), eventstore.NoStream)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := log.Append(ctx, Commit("c2", "s/a", 1), eventstore.NoStream); !errors.Is(err, eventstore.ErrConcurrency) {
			t.Fatalf("append at NoStream to an existing stream: %v, want ErrConcurrency", err)
		}
		if _, err := log.Append(ctx, Commit("c3", "s/a", 1), first.Revision()); err != nil {
			t.Fatalf("append at the current revision: %v", err)
		}
		if _, err := log.Append(ctx, Commit("c4", "s/a", 1), first.Revision()); !errors.Is(err, eventstore.ErrConcurrency) {
			t.Fatalf("append at a stale revision: %v, want ErrConcurrency", err)
		}
		all, _ := log.ReadLog(ctx, "", 1, 100)
		if ids := commitIDs(all); !slices.Equal(ids, []string{"c1", "c3"}) {
			t.Fatalf("log holds %v, want only the successful commits", ids)
		}
	})

	t.Run("20 concurrent writers at one revision: exactly one wins", func(t *testing.T) {
		log := f.New(t)
		base, err := log.Append(ctx, Commit("base", "s/race", 1), eventstore.NoStream)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = log.Append(ctx, Commit(fmt.Sprintf("w%d", i), "s/race", 2), base.Revision())
			}()
		}
		wg.Wait()
		won, lost := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, eventstore.ErrConcurrency):
				lost++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 || lost != 19 {
			t.Fatalf("%d won, %d got a conflict; want 1 and 19", won, lost)
		}
		commits, rev, _ := log.ReadStream(ctx, "s/race")
		if len(commits) != 2 || rev.Events() != 3 {
			t.Fatalf("stream has %d commits, v%d; want 2, v3", len(commits), rev.Events())
		}
	})

	t.Run("a commit of many records is stored whole", func(t *testing.T) {
		log := f.New(t)
		big := Commit("big", "s/big", 500)
		res, err := log.Append(ctx, big, eventstore.NoStream)
		if err != nil {
			t.Fatal(err)
		}
		if res.FirstEvent != 1 || res.LastEvent() != 500 {
			t.Fatalf("positions %d..%d", res.FirstEvent, res.LastEvent())
		}
		all, _ := log.ReadLog(ctx, "", 1, 10)
		if len(all) != 1 || len(all[0].Records) != 500 {
			t.Fatalf("log has %d commits", len(all))
		}
		for i, r := range all[0].Records {
			if r.ID != big.Records[i].ID || string(r.Data) != string(big.Records[i].Data) {
				t.Fatalf("record %d = %+v", i, r)
			}
		}
	})

	t.Run("a retried append of the same commit is stored once", func(t *testing.T) {
		log := f.New(t)
		c := Commit("same", "s/idem", 2)
		first, err := log.Append(ctx, c, eventstore.NoStream)
		if err != nil || first.AlreadyStored {
			t.Fatalf("first append: %v %v", first.AlreadyStored, err)
		}
		again, err := log.Append(ctx, c, eventstore.NoStream)
		if err != nil || !again.AlreadyStored || again.Position != first.Position {
			t.Fatalf("retry at the same revision: stored=%v pos %d (first %d) err %v", again.AlreadyStored, again.Position, first.Position, err)
		}
		other, err := log.Append(ctx, Commit("other", "s/idem", 1), first.Revision())
		if err != nil {
			t.Fatal(err)
		}
		late, err := log.Append(ctx, c, other.Revision())
		if err != nil || !late.AlreadyStored || late.Position != first.Position {
			t.Fatalf("retry after another commit: stored=%v pos %d err %v", late.AlreadyStored, late.Position, err)
		}
		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := log.Append(ctx, Commit("dup-any", "s/idem-any", 1), eventstore.Any); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		all, _ := log.ReadLog(ctx, "", 1, 100)
		if ids := commitIDs(all); !slices.Equal(ids, []string{"same", "other", "dup-any"}) {
			t.Fatalf("log holds %v", ids)
		}
	})

	t.Run("concurrent appends give a gap-free total order", func(t *testing.T) {
		log := f.New(t)
		const writers, each = 8, 40
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rev := eventstore.NoStream
				for i := range each {
					res, err := log.Append(ctx, Commit(fmt.Sprintf("w%d-%d", w, i), fmt.Sprintf("s/%d", w), 1+i%3), rev)
					if err != nil {
						t.Error(err)
						return
					}
					rev = res.Revision()
				}
			}()
		}
		wg.Wait()
		assertGapFree(t, log, writers*each)
	})

	t.Run("facts recorded with Any from many goroutines all land, in dense seqs", func(t *testing.T) {
		log := f.New(t)
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := log.Append(ctx, Commit(fmt.Sprintf("f%d", i), "s/facts", 1), eventstore.Any); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		commits, rev, err := log.ReadStream(ctx, "s/facts")
		if err != nil || len(commits) != 30 || rev.Events() != 30 {
			t.Fatalf("stream has %d commits (v%d), err %v", len(commits), rev.Events(), err)
		}
		for i, c := range commits {
			if c.Seq != int64(i+1) {
				t.Fatalf("commit %d has seq %d", i, c.Seq)
			}
		}
	})

	t.Run("topics are separate logs", func(t *testing.T) {
		log := f.New(t)
		a := Commit("a1", "", 1)
		a.Topic = "topic-a"
		b := Commit("b1", "", 1)
		b.Topic = "topic-b"
		ra, err := log.Append(ctx, a, eventstore.Any)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := log.Append(ctx, b, eventstore.Any)
		if err != nil {
			t.Fatal(err)
		}
		if ra.Position != 1 || rb.Position != 1 {
			t.Fatalf("positions %d, %d; each topic starts at 1", ra.Position, rb.Position)
		}
		if h, _ := log.Head(ctx, "topic-a"); h != 1 {
			t.Fatalf("head of topic-a = %d", h)
		}
	})

	t.Run("invalid commits are refused and store nothing", func(t *testing.T) {
		log := f.New(t)
		for name, c := range map[string]eventstore.Commit{
			"no id":      Commit("", "s/x", 1),
			"no records": Commit("x", "s/x", 0),
			"no time":    {ID: "t", Stream: "s/x", Records: Commit("t", "", 1).Records},
		} {
			if _, err := log.Append(ctx, c, eventstore.NoStream); !errors.Is(err, eventstore.ErrInvalidCommit) {
				t.Errorf("%s: %v, want ErrInvalidCommit", name, err)
			}
		}
		if h, _ := log.Head(ctx, eventstore.DefaultTopic); h != 0 {
			t.Fatalf("head %d after refused commits", h)
		}
	})

	if f.SecondProcess != nil {
		t.Run("two processes appending at once keep one gap-free order", func(t *testing.T) {
			one := f.New(t)
			two := f.SecondProcess(t, one)
			var wg sync.WaitGroup
			const each = 60
			for p, log := range []Log{one, two} {
				for g := range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range each / 3 {
							if _, err := log.Append(ctx, Commit(fmt.Sprintf("p%d-%d-%d", p, g, i), "", 1), eventstore.Any); err != nil {
								t.Error(err)
								return
							}
						}
					}()
				}
			}
			wg.Wait()
			assertGapFree(t, one, 2*each)
			// Both processes race for the same stream revision too.
			base, err := one.Append(ctx, Commit("base", "s/shared", 1), eventstore.NoStream)
			if err != nil {
				t.Fatal(err)
			}
			_, err1 := one.Append(ctx, Commit("x1", "s/shared", 1), base.Revision())
			_, err2 := two.Append(ctx, Commit("x2", "s/shared", 1), base.Revision())
			if (err1 == nil) == (err2 == nil) {
				t.Fatalf("both or neither won: %v / %v", err1, err2)
			}
		})
	}
}

func commitIDs(cs []eventstore.StoredCommit) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func assertGapFree(t *testing.T, log Log, wantCommits int) {
	t.Helper()
	all, err := log.ReadLog(context.Background(), "", 1, wantCommits+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != wantCommits {
		t.Fatalf("log has %d commits, want %d", len(all), wantCommits)
	}
	seen := map[string]bool{}
	nextEvent := int64(1)
	for i, c := range all {
		if c.Position != int64(i+1) {
			t.Fatalf("commit %d has position %d", i, c.Position)
		}
		if c.FirstEvent != nextEvent {
			t.Fatalf("commit %d starts at event %d, want %d", c.Position, c.FirstEvent, nextEvent)
		}
		if seen[c.ID] {
			t.Fatalf("commit %s appears twice", c.ID)
		}
		seen[c.ID] = true
		nextEvent = c.LastEvent() + 1
	}
	if h, _ := log.Head(context.Background(), ""); h != int64(wantCommits) {
		t.Fatalf("head %d, want %d", h, wantCommits)
	}
}
