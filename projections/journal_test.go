package projections_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
)

// A flush writes several documents in several collections; a process
// killed between any two of those writes leaves some old and some new. The
// next applier of the generation completes the flush before it reads
// anything, so the collections hold exactly what the whole flush wrote —
// whether the record was one document or several parts, and whatever had
// been written when the process died.
func TestAFlushCutShortIsCompletedBeforeTheNextApplierReads(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		maxBytes int // a small bound splits the record into parts
		written  int // Docs that wrote their changes before the kill
	}{
		{"killed after the record", 4 << 20, 0},
		{"killed after one collection", 4 << 20, 1},
		{"killed after the record's parts", 64, 0},
		{"killed after one collection, record in parts", 64, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.NewApp(t)
			open := func() (*projections.Journal, *projections.Docs, *projections.Docs) {
				j, err := projections.NewJournal(ctx, env.Conn, "test-journal", 1, tc.maxBytes)
				if err != nil {
					t.Fatal(err)
				}
				tgt := projections.Target{Conn: env.Conn, Generation: 1, Journal: j}
				views, err := env.Conn.Collection(ctx, tgt.Collection("views"))
				if err != nil {
					t.Fatal(err)
				}
				lists, err := env.Conn.Collection(ctx, tgt.Collection("lists"))
				if err != nil {
					t.Fatal(err)
				}
				return j, projections.NewDocs(views, tgt), projections.NewDocs(lists, tgt)
			}

			// A first process writes a state, whole.
			j, views, lists := open()
			for i := range 5 {
				views.Put(fmt.Sprint("v", i), &note{ID: fmt.Sprint("v", i), Text: "first"})
			}
			lists.Put("l", &note{ID: "l", Text: "v0 v1 v2 v3 v4"})
			if err := j.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			// It changes, adds and deletes documents in both collections and
			// is killed in the middle of writing them.
			v1, err := projections.Load(ctx, views, "v1", newNote("v1"))
			if err != nil {
				t.Fatal(err)
			}
			v1.Text = "second"
			views.Changed("v1")
			views.Put("v5", &note{ID: "v5", Text: "new"})
			views.Delete("v2")
			lists.Put("l", &note{ID: "l", Text: "v0 v1 v3 v4 v5"})
			if err := j.FlushCutShort(ctx, tc.written); err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{
				"views.g1": {`{"_id":"v0","text":"first"}`, `{"_id":"v1","text":"second"}`, `{"_id":"v3","text":"first"}`,
					`{"_id":"v4","text":"first"}`, `{"_id":"v5","text":"new"}`},
				"lists.g1": {`{"_id":"l","text":"v0 v1 v3 v4 v5"}`},
			}
			if tc.written == 0 && slices.Equal(testenv.Dump(t, env, "views.g1"), want["views.g1"]) {
				t.Fatal("the cut-short flush wrote the views (the test could not fail)")
			}

			// The next process: its first read completes the flush.
			_, views2, _ := open()
			if _, err := projections.Load(ctx, views2, "v0", newNote("v0")); err != nil {
				t.Fatal(err)
			}
			for coll, docs := range want {
				if got := testenv.Dump(t, env, coll); !slices.Equal(got, docs) {
					t.Errorf("%s after recovery:\n got %v\nwant %v", coll, got, docs)
				}
			}
			// Only the current record remains in the journal: parts of older
			// records are gone.
			for _, doc := range testenv.Dump(t, env, projections.JournalCollection) {
				if strings.Contains(doc, `"seq":{"$numberLong":"1"}`) {
					t.Errorf("the first flush's record outlived the second: %.120s", doc)
				}
			}
		})
	}
}
