// Package storetest is the contract every event log implementation must
// pass, one subtest per behaviour: streams read back with versions and
// revisions, optimistic concurrency (20 writers at one revision, exactly one
// wins), atomic commits of many records, idempotent command ids, and a
// gap-free order per topic under concurrent appends — with RunShared, also
// from several processes on one database.
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

// A behaviour is one clause of the contract, named like a specification,
// checked on a fresh, empty log.
type behaviour struct {
	name  string
	check func(t *testing.T, log Log)
}

var contract = []behaviour{
	{"a stream reads back its commits in order, with versions and revision", streamReadsBack},
	{"a stream never appended to is empty, at NoStream", unknownStreamIsEmpty},
	{"appending at NoStream to an existing stream is a concurrency conflict and stores nothing", noStreamOnExistingConflicts},
	{"appending at a stale revision is a concurrency conflict and stores nothing", staleRevisionConflicts},
	{"of 20 writers at the same revision exactly one wins, the others get a conflict", twentyWritersOneWins},
	{"a commit of 500 records is stored whole, its records at consecutive positions", bigCommitIsWhole},
	{"a retried commit is not stored again: the append answers with the stored commit", retryAnswersStored},
	{"a commit retried after its stream moved on is still stored once", retryAfterStreamMoved},
	{"a commit id is stored once in the whole log, whatever stream or topic it is retried on", commitIDIsGlobal},
	{"concurrent retries of one commit at Any store it once", concurrentRetriesStoreOnce},
	{"concurrent appends to many streams keep one gap-free order of commits and events", concurrentAppendsGapFree},
	{"facts appended at Any from many goroutines all land, at dense seqs", anyAppendsAllLand},
	{"each topic is its own log, numbered from 1", topicsAreSeparate},
	{"the log reads from any position, up to a limit, and ends at the head", readLogWindows},
	{"an invalid commit is refused and stores nothing", invalidCommitsRefused},
	{"an append whose context has ended stores nothing", cancelledAppendStoresNothing},
}

// Run checks the contract every log must pass, each behaviour a subtest on
// a fresh, empty log from newLog.
func Run(t *testing.T, newLog func(t *testing.T) Log) {
	for _, b := range contract {
		t.Run(b.name, func(t *testing.T) { b.check(t, newLog(t)) })
	}
}

var shared = []struct {
	name  string
	check func(t *testing.T, one, two Log)
}{
	{"two processes appending at once keep one gap-free order", twoProcessesGapFree},
	{"of two processes appending at the same revision exactly one wins", twoProcessesOneWins},
}

// RunShared checks the behaviours of a log that several processes share:
// newPair returns two Logs on one fresh, empty database, as two processes
// would open them.
func RunShared(t *testing.T, newPair func(t *testing.T) (one, two Log)) {
	for _, b := range shared {
		t.Run(b.name, func(t *testing.T) {
			one, two := newPair(t)
			b.check(t, one, two)
		})
	}
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

func streamReadsBack(t *testing.T, log Log) {
	ctx := context.Background()
	r1 := mustAppend(t, log, Commit("c1", "s/a", 2), eventstore.NoStream)
	r2 := mustAppend(t, log, Commit("c2", "s/a", 1), r1.Revision())
	commits, rev, err := log.ReadStream(ctx, "s/a")
	if err != nil {
		t.Fatal(err)
	}
	if ids := commitIDs(commits); !slices.Equal(ids, []string{"c1", "c2"}) {
		t.Fatalf("stream holds %v, want [c1 c2]", ids)
	}
	if rev != r2.Revision() || rev.Events() != 3 || rev.Commits() != 2 {
		t.Fatalf("revision %v, want v3 after two commits (the append said %v)", rev, r2.Revision())
	}
	var versions []int64
	for _, c := range commits {
		for _, e := range c.Envelopes() {
			versions = append(versions, e.Version)
		}
	}
	if !slices.Equal(versions, []int64{1, 2, 3}) {
		t.Fatalf("versions %v, want [1 2 3]", versions)
	}
	if commits[0].Seq != 1 || commits[1].Seq != 2 || !commits[1].At.Equal(at) || commits[1].Actor.User != "1" {
		t.Fatalf("second commit read back as %+v", commits[1])
	}
}

func unknownStreamIsEmpty(t *testing.T, log Log) {
	mustAppend(t, log, Commit("c1", "s/a", 1), eventstore.NoStream)
	commits, rev, err := log.ReadStream(context.Background(), "s/none")
	if err != nil || len(commits) != 0 || rev != eventstore.NoStream {
		t.Fatalf("an empty stream read as %d commits at %v, err %v; want none at NoStream", len(commits), rev, err)
	}
}

func noStreamOnExistingConflicts(t *testing.T, log Log) {
	mustAppend(t, log, Commit("c1", "s/a", 1), eventstore.NoStream)
	if _, err := log.Append(context.Background(), Commit("c2", "s/a", 1), eventstore.NoStream); !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("append at NoStream to an existing stream: %v, want ErrConcurrency", err)
	}
	assertLogHolds(t, log, "c1")
}

func staleRevisionConflicts(t *testing.T, log Log) {
	first := mustAppend(t, log, Commit("c1", "s/a", 1), eventstore.NoStream)
	mustAppend(t, log, Commit("c2", "s/a", 1), first.Revision())
	if _, err := log.Append(context.Background(), Commit("c3", "s/a", 1), first.Revision()); !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("append at a stale revision: %v, want ErrConcurrency", err)
	}
	assertLogHolds(t, log, "c1", "c2")
	if _, rev, _ := log.ReadStream(context.Background(), "s/a"); rev.Events() != 2 {
		t.Fatalf("stream at %v after a refused append, want v2", rev)
	}
}

func twentyWritersOneWins(t *testing.T, log Log) {
	base := mustAppend(t, log, Commit("base", "s/race", 1), eventstore.NoStream)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			_, errs[i] = log.Append(context.Background(), Commit(fmt.Sprintf("w%d", i), "s/race", 2), base.Revision())
		})
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
	commits, rev, _ := log.ReadStream(context.Background(), "s/race")
	if len(commits) != 2 || rev.Events() != 3 {
		t.Fatalf("stream has %d commits, v%d; want 2, v3", len(commits), rev.Events())
	}
}

func bigCommitIsWhole(t *testing.T, log Log) {
	big := Commit("big", "s/big", 500)
	res := mustAppend(t, log, big, eventstore.NoStream)
	if res.FirstEvent != 1 || res.LastEvent() != 500 {
		t.Fatalf("positions %d..%d, want 1..500", res.FirstEvent, res.LastEvent())
	}
	all, err := log.ReadLog(context.Background(), "", 1, 10)
	if err != nil || len(all) != 1 || len(all[0].Records) != 500 {
		t.Fatalf("log has %d commits, err %v; want one of 500 records", len(all), err)
	}
	for i, r := range all[0].Records {
		if r.ID != big.Records[i].ID || string(r.Data) != string(big.Records[i].Data) {
			t.Fatalf("record %d = %+v", i, r)
		}
	}
}

func retryAnswersStored(t *testing.T, log Log) {
	c := Commit("same", "s/idem", 2)
	first := mustAppend(t, log, c, eventstore.NoStream)
	if first.AlreadyStored {
		t.Fatal("a first append says AlreadyStored")
	}
	again, err := log.Append(context.Background(), c, eventstore.NoStream)
	if err != nil || !again.AlreadyStored || again.Position != first.Position || again.Seq != 1 || again.ID != "same" {
		t.Fatalf("retry at the same revision: stored=%v position %d seq %d (first %d) err %v",
			again.AlreadyStored, again.Position, again.Seq, first.Position, err)
	}
	assertLogHolds(t, log, "same")
}

func retryAfterStreamMoved(t *testing.T, log Log) {
	c := Commit("same", "s/idem", 2)
	first := mustAppend(t, log, c, eventstore.NoStream)
	other := mustAppend(t, log, Commit("other", "s/idem", 1), first.Revision())
	for _, rev := range []eventstore.Revision{other.Revision(), eventstore.NoStream, eventstore.Any} {
		late, err := log.Append(context.Background(), c, rev)
		if err != nil || !late.AlreadyStored || late.Position != first.Position {
			t.Fatalf("retry at %v after another commit: stored=%v position %d err %v", rev, late.AlreadyStored, late.Position, err)
		}
	}
	assertLogHolds(t, log, "same", "other")
}

func commitIDIsGlobal(t *testing.T, log Log) {
	ctx := context.Background()
	first := mustAppend(t, log, Commit("cmd-1", "s/a", 1), eventstore.NoStream)
	elsewhere, err := log.Append(ctx, Commit("cmd-1", "s/b", 1), eventstore.NoStream)
	if err != nil || !elsewhere.AlreadyStored || elsewhere.Stream != "s/a" || elsewhere.Position != first.Position {
		t.Fatalf("the same id on another stream: stored=%v stream %q err %v; want the commit on s/a", elsewhere.AlreadyStored, elsewhere.Stream, err)
	}
	other := Commit("cmd-1", "", 1)
	other.Topic = "topic-b"
	if res, err := log.Append(ctx, other, eventstore.Any); err != nil || !res.AlreadyStored || res.Stream != "s/a" {
		t.Fatalf("the same id on another topic: stored=%v stream %q err %v; want the commit on s/a", res.AlreadyStored, res.Stream, err)
	}
	if _, rev, _ := log.ReadStream(ctx, "s/b"); rev != eventstore.NoStream {
		t.Fatalf("s/b is at %v, want NoStream", rev)
	}
	if h, _ := log.Head(ctx, "topic-b"); h != 0 {
		t.Fatalf("topic-b has head %d, want 0", h)
	}
	assertLogHolds(t, log, "cmd-1")
}

func concurrentRetriesStoreOnce(t *testing.T, log Log) {
	var wg sync.WaitGroup
	results := make([]eventstore.AppendResult, 5)
	for i := range results {
		wg.Go(func() {
			var err error
			if results[i], err = log.Append(context.Background(), Commit("dup-any", "s/idem-any", 1), eventstore.Any); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	fresh := 0
	for _, r := range results {
		if !r.AlreadyStored {
			fresh++
		}
		if r.Position != 1 || r.Seq != 1 {
			t.Errorf("a retry answered position %d seq %d, want 1 and 1", r.Position, r.Seq)
		}
	}
	if fresh != 1 {
		t.Errorf("%d appends say they stored the commit, want 1", fresh)
	}
	assertLogHolds(t, log, "dup-any")
}

func concurrentAppendsGapFree(t *testing.T, log Log) {
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rev := eventstore.NoStream
			for i := range each {
				res, err := log.Append(context.Background(), Commit(fmt.Sprintf("w%d-%d", w, i), fmt.Sprintf("s/%d", w), 1+i%3), rev)
				if err != nil {
					t.Error(err)
					return
				}
				rev = res.Revision()
			}
		})
	}
	wg.Wait()
	assertGapFree(t, log, writers*each)
}

func anyAppendsAllLand(t *testing.T, log Log) {
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if _, err := log.Append(context.Background(), Commit(fmt.Sprintf("f%d", i), "s/facts", 1), eventstore.Any); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	commits, rev, err := log.ReadStream(context.Background(), "s/facts")
	if err != nil || len(commits) != 30 || rev.Events() != 30 {
		t.Fatalf("stream has %d commits (v%d), err %v; want 30", len(commits), rev.Events(), err)
	}
	for i, c := range commits {
		if c.Seq != int64(i+1) {
			t.Fatalf("commit %d has seq %d", i, c.Seq)
		}
	}
}

func topicsAreSeparate(t *testing.T, log Log) {
	ctx := context.Background()
	a := Commit("a1", "", 1)
	a.Topic = "topic-a"
	b := Commit("b1", "", 1)
	b.Topic = "topic-b"
	ra := mustAppend(t, log, a, eventstore.Any)
	rb := mustAppend(t, log, b, eventstore.Any)
	if ra.Position != 1 || rb.Position != 1 || ra.FirstEvent != 1 || rb.FirstEvent != 1 {
		t.Fatalf("positions %d, %d; each topic starts at 1", ra.Position, rb.Position)
	}
	if h, _ := log.Head(ctx, "topic-a"); h != 1 {
		t.Fatalf("head of topic-a = %d, want 1", h)
	}
	if h, _ := log.Head(ctx, eventstore.DefaultTopic); h != 0 {
		t.Fatalf("head of the default topic = %d, want 0", h)
	}
	if all, _ := log.ReadLog(ctx, "topic-b", 1, 10); !slices.Equal(commitIDs(all), []string{"b1"}) {
		t.Fatalf("topic-b holds %v, want [b1]", commitIDs(all))
	}
}

func readLogWindows(t *testing.T, log Log) {
	ctx := context.Background()
	for i := range 5 {
		mustAppend(t, log, Commit(fmt.Sprintf("c%d", i+1), "", i+1), eventstore.Any)
	}
	for _, tc := range []struct {
		from int64
		max  int
		want []string
	}{
		{1, 100, []string{"c1", "c2", "c3", "c4", "c5"}},
		{2, 2, []string{"c2", "c3"}},
		{4, 10, []string{"c4", "c5"}},
		{6, 10, nil},
	} {
		got, err := log.ReadLog(ctx, "", tc.from, tc.max)
		if err != nil || !slices.Equal(commitIDs(got), tc.want) {
			t.Fatalf("ReadLog(from %d, max %d) = %v, err %v; want %v", tc.from, tc.max, commitIDs(got), err, tc.want)
		}
	}
	if got, _ := log.ReadLog(ctx, "", 3, 1); len(got) != 1 || got[0].FirstEvent != 4 || got[0].LastEvent() != 6 {
		t.Fatalf("commit 3 read as %+v, want events 4..6", got)
	}
	if h, err := log.Head(ctx, ""); err != nil || h != 5 {
		t.Fatalf("head %d, err %v; want 5", h, err)
	}
}

func invalidCommitsRefused(t *testing.T, log Log) {
	for _, tc := range []struct {
		name     string
		commit   eventstore.Commit
		expected eventstore.Revision
	}{
		{"no id", Commit("", "s/x", 1), eventstore.NoStream},
		{"no records", Commit("x", "s/x", 0), eventstore.NoStream},
		{"no time", eventstore.Commit{ID: "t", Stream: "s/x", Records: Commit("t", "", 1).Records}, eventstore.NoStream},
		{"a stream-less commit expecting a revision", Commit("r", "", 1), eventstore.RevisionAt(1, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := log.Append(context.Background(), tc.commit, tc.expected); !errors.Is(err, eventstore.ErrInvalidCommit) {
				t.Errorf("%v, want ErrInvalidCommit", err)
			}
		})
	}
	if h, _ := log.Head(context.Background(), eventstore.DefaultTopic); h != 0 {
		t.Fatalf("head %d after refused commits, want 0", h)
	}
}

func cancelledAppendStoresNothing(t *testing.T, log Log) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := log.Append(ctx, Commit("late", "s/a", 1), eventstore.NoStream); !errors.Is(err, context.Canceled) {
		t.Fatalf("append with an ended context: %v, want context.Canceled", err)
	}
	if h, _ := log.Head(context.Background(), ""); h != 0 {
		t.Fatalf("head %d, want 0", h)
	}
	// The id was not used up: the command can still be stored.
	if res := mustAppend(t, log, Commit("late", "s/a", 1), eventstore.NoStream); res.AlreadyStored || res.Position != 1 {
		t.Fatalf("the command after its cancelled attempt: stored=%v position %d", res.AlreadyStored, res.Position)
	}
}

func twoProcessesGapFree(t *testing.T, one, two Log) {
	var wg sync.WaitGroup
	const each = 60
	for p, log := range []Log{one, two} {
		for g := range 3 {
			wg.Go(func() {
				for i := range each / 3 {
					if _, err := log.Append(context.Background(), Commit(fmt.Sprintf("p%d-%d-%d", p, g, i), "", 1), eventstore.Any); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	assertGapFree(t, one, 2*each)
	assertGapFree(t, two, 2*each)
}

func twoProcessesOneWins(t *testing.T, one, two Log) {
	ctx := context.Background()
	base := mustAppend(t, one, Commit("base", "s/shared", 1), eventstore.NoStream)
	_, err1 := one.Append(ctx, Commit("x1", "s/shared", 1), base.Revision())
	_, err2 := two.Append(ctx, Commit("x2", "s/shared", 1), base.Revision())
	if (err1 == nil) == (err2 == nil) {
		t.Fatalf("both or neither won: %v / %v", err1, err2)
	}
	for _, err := range []error{err1, err2} {
		if err != nil && !errors.Is(err, eventstore.ErrConcurrency) {
			t.Fatalf("the loser got %v, want ErrConcurrency", err)
		}
	}
}

func mustAppend(t *testing.T, log Log, c eventstore.Commit, expected eventstore.Revision) eventstore.AppendResult {
	t.Helper()
	res, err := log.Append(context.Background(), c, expected)
	if err != nil {
		t.Fatalf("append %s at %v: %v", c.ID, expected, err)
	}
	return res
}

func commitIDs(cs []eventstore.StoredCommit) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// assertLogHolds checks the default topic holds exactly the given commits, in order.
func assertLogHolds(t *testing.T, log Log, ids ...string) {
	t.Helper()
	all, err := log.ReadLog(context.Background(), "", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := commitIDs(all); !slices.Equal(got, ids) {
		t.Fatalf("log holds %v, want %v", got, ids)
	}
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
