package memstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/eventstore/memstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// sequence is what app.Numbers and the import's ClaimNumbers use.
type sequence interface {
	Claim(ctx context.Context, key, claimant string) (int64, error)
	Claimed(ctx context.Context, key, claimant string, since time.Time) (int64, bool, error)
	ClaimThrough(ctx context.Context, key string, n int64) error
}

// TestSequenceAnswersLikeMongoDB runs the same checks on memstore.Sequence
// and on mongodb.Sequence (embedded FerretDB), so that the in-memory one
// stays a faithful stand-in.
func TestSequenceAnswersLikeMongoDB(t *testing.T) {
	impls := []struct {
		name string
		open func(t *testing.T) sequence
	}{
		{"memory", func(*testing.T) sequence { return memstore.NewSequence() }},
		{"ferretdb-sqlite", func(t *testing.T) sequence {
			s, err := mongodb.OpenSequence(context.Background(), testenv.SQLite(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	}
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			t.Run("numbers are dense from 1, per key", func(t *testing.T) {
				s := impl.open(t)
				got := []int64{claim(t, s, "a", "t1"), claim(t, s, "a", "t2"), claim(t, s, "b", "t3"), claim(t, s, "a", "t4")}
				if !slices.Equal(got, []int64{1, 2, 1, 3}) {
					t.Fatalf("claims got %v, want [1 2 1 3]", got)
				}
			})
			t.Run("concurrent claims take distinct numbers without a gap", func(t *testing.T) {
				s := impl.open(t)
				got := make([]int64, 10)
				var wg sync.WaitGroup
				for i := range got {
					wg.Go(func() { got[i] = claim(t, s, "k", fmt.Sprint("t", i)) })
				}
				wg.Wait()
				slices.Sort(got)
				if !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
					t.Fatalf("concurrent claims got %v, want 1..10", got)
				}
			})
			t.Run("Claimed finds the number a claimant took", func(t *testing.T) {
				s := impl.open(t)
				since := time.Now()
				claim(t, s, "k", "t1")
				claim(t, s, "k", "t2")
				claim(t, s, "k", "t3")
				if n, ok, err := s.Claimed(context.Background(), "k", "t2", since); err != nil || !ok || n != 2 {
					t.Fatalf("Claimed(t2) = %d, %v, %v; want 2", n, ok, err)
				}
				if n, ok, err := s.Claimed(context.Background(), "k", "t9", since); err != nil || ok {
					t.Fatalf("Claimed(t9) = %d, %v, %v; want not found", n, ok, err)
				}
				if _, ok, _ := s.Claimed(context.Background(), "other", "t2", since); ok {
					t.Fatal("Claimed found t2 under another key")
				}
			})
			t.Run("Claimed stops at claims a minute older than since", func(t *testing.T) {
				s := impl.open(t)
				claim(t, s, "k", "old")
				claim(t, s, "k", "new")
				if _, ok, _ := s.Claimed(context.Background(), "k", "old", time.Now().Add(2*time.Minute)); ok {
					t.Fatal("Claimed walked back past claims older than since less a minute")
				}
				if n, ok, _ := s.Claimed(context.Background(), "k", "old", time.Now().Add(30*time.Second)); !ok || n != 1 {
					t.Fatalf("Claimed within the minute's lookback = %d, %v; want 1", n, ok)
				}
			})
			t.Run("ClaimThrough makes the next number follow n, and never goes back", func(t *testing.T) {
				s := impl.open(t)
				claim(t, s, "k", "t1")
				if err := s.ClaimThrough(context.Background(), "k", 5); err != nil {
					t.Fatal(err)
				}
				if n := claim(t, s, "k", "t6"); n != 6 {
					t.Fatalf("the claim after ClaimThrough(5) got %d, want 6", n)
				}
				if err := s.ClaimThrough(context.Background(), "k", 3); err != nil {
					t.Fatal(err)
				}
				if n := claim(t, s, "k", "t7"); n != 7 {
					t.Fatalf("the claim after ClaimThrough(3) got %d, want 7", n)
				}
			})
		})
	}
}

func claim(t *testing.T, s sequence, key, claimant string) int64 {
	t.Helper()
	n, err := s.Claim(context.Background(), key, claimant)
	if err != nil {
		t.Error(err)
	}
	return n
}
