package app_test

import (
	"context"
	"testing"

	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/tag"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// Each process keeps its own fold of a server's tags and decodes only what
// came after it: another process's changes are seen at the next read, and
// a fold handed out never changes under its reader.
func TestATagLibraryFoldFollowsChangesMadeElsewhere(t *testing.T) {
	ctx := context.Background()
	env := testenv.NewMemApp(t)
	here, there := env.App, app.New(env.Store, env.Numbers, nil) // two processes, one log
	admin := guild.Member{User: staffU, ManageServer: true}
	must(t, there.AddTag(ctx, g, admin, tag.Tag{Name: "refunds", Text: "5 days"}, app.Meta{}))
	before, err := here.Tags(ctx, g)
	must(t, err)
	if got, ok := before.Get("refunds"); !ok || got.Text != "5 days" {
		t.Fatalf("first read: %+v %v", got, ok)
	}
	must(t, there.EditTag(ctx, g, admin, tag.Tag{Name: "refunds", Text: "3 days"}, app.Meta{}))
	must(t, there.AddTag(ctx, g, admin, tag.Tag{Name: "rules", Text: "Be kind"}, app.Meta{}))
	must(t, there.RemoveTag(ctx, g, admin, "rules", app.Meta{}))
	after, err := here.Tags(ctx, g)
	must(t, err)
	if got, _ := after.Get("refunds"); got.Text != "3 days" || after.Len() != 1 {
		t.Fatalf("after changes elsewhere: %+v, %d tags", got, after.Len())
	}
	if got, _ := before.Get("refunds"); got.Text != "5 days" {
		t.Fatalf("the fold read first changed under its reader: %+v", got)
	}
	if _, err := here.Tags(ctx, g+1); err != nil {
		t.Fatalf("a server without tags: %v", err)
	}
}
