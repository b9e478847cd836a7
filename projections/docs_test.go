package projections_test

import (
	"context"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type note struct {
	ID   string `bson:"_id"`
	Text string `bson:"text"`
}

func newNote(id string) func() *note { return func() *note { return &note{ID: id} } }

// TestDocsWritesWhatChangedAndOnlyThat runs the write-behind cache against
// a real collection in both modes: a live generation (documents may exist)
// and a fresh one (nothing exists until written).
func TestDocsWritesWhatChangedAndOnlyThat(t *testing.T) {
	ctx := context.Background()
	for _, fresh := range []bool{false, true} {
		env := testenv.NewApp(t)
		tgt := projections.Target{Conn: env.Conn, Generation: 1, Fresh: fresh}
		coll, err := env.Conn.Collection(ctx, tgt.Collection("notes"))
		if err != nil {
			t.Fatal(err)
		}
		if !fresh {
			if _, err := coll.InsertOne(ctx, note{ID: "old", Text: "from before"}); err != nil {
				t.Fatal(err)
			}
		}
		d := projections.NewDocs(coll, tgt)
		a, err := projections.Load(ctx, d, "a", newNote("a"))
		if err != nil {
			t.Fatal(err)
		}
		a.Text = "changed"
		d.Changed("a")
		if _, err := projections.Load(ctx, d, "untouched", newNote("untouched")); err != nil {
			t.Fatal(err)
		}
		d.Put("old", &note{ID: "old", Text: "put over"}) // exists in the live mode: replaced, not duplicated
		d.Put("gone", &note{ID: "gone", Text: "x"})
		d.Delete("gone")
		if err := d.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{`{"_id":"a","text":"changed"}`, `{"_id":"old","text":"put over"}`}
		if got := testenv.Dump(t, env, coll.Name()); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("fresh=%v: collection holds %v, want %v", fresh, got, want)
		}

		// Load after a flush sees the written document; a deleted one can be
		// loaded again (a zero value) and stays deleted unless changed.
		a, err = projections.Load(ctx, d, "a", newNote("a"))
		if err != nil || a.Text != "changed" {
			t.Fatalf("fresh=%v: reloaded %+v, %v", fresh, a, err)
		}
		d.Delete("a")
		if z, err := projections.Load(ctx, d, "a", newNote("a")); err != nil || z.Text != "" {
			t.Fatalf("fresh=%v: a deleted document loads as %+v, %v", fresh, z, err)
		}
		d.Delete("old")
		o, _ := projections.Load(ctx, d, "old", newNote("old"))
		o.Text = "recreated"
		d.Changed("old")
		if err := d.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		want = []string{`{"_id":"old","text":"recreated"}`}
		if got := testenv.Dump(t, env, coll.Name()); len(got) != 1 || got[0] != want[0] {
			t.Fatalf("fresh=%v: collection holds %v, want %v", fresh, got, want)
		}
	}
}
