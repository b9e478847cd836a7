package audit_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/audit"
)

// Each entry keeps its sentence beside its English text, read back from
// the database as it was written: the dashboard says it in the reader's
// language, the text stays what the API and exports give.
func TestEntriesKeepTheirSentence(t *testing.T) {
	env := testenv.NewApp(t)
	rt := env.Projections(t, audit.Projector{})
	history(t, env)
	env.Caught(t, rt)
	page, err := reader(rt).Timeline(context.Background(), audit.Query{Guild: g.String()})
	must(t, err)
	if len(page.Entries) == 0 {
		t.Fatal("no entries")
	}
	for _, e := range page.Entries {
		if e.Said.IsZero() || e.Said.Render(i18n.English()) != e.Text {
			t.Errorf("%s: the sentence %+v says %q, the text is %q", e.Type, e.Said, e.Said.Render(i18n.English()), e.Text)
		}
		if e.Type == "ticket.closed.v1" && (e.Said.Args["Reason"] != "audit.recorded" || !slices.Contains(e.Said.Words, "Reason")) {
			t.Errorf("the close's reason is not the word for recorded: %+v", e.Said)
		}
		for name, v := range e.Said.Args {
			if strings.Contains(v, "very private reason") || strings.Contains(v, "secret topic") {
				t.Errorf("%s: personal data in the sentence's %s", e.Type, name)
			}
		}
		b, err := json.Marshal(e)
		must(t, err)
		if strings.Contains(string(b), `"said"`) || strings.Contains(string(b), "audit.") {
			t.Errorf("the JSON of an entry shows its sentence: %s", b)
		}
	}
}

// An entry recorded before entries kept sentences reads back without one
// (the dashboard then shows its text).
func TestAnOlderEntryHasNoSentence(t *testing.T) {
	b, err := bson.Marshal(bson.D{{Key: "pos", Value: int64(1)}, {Key: "type", Value: "ticket.claimed.v1"}, {Key: "text", Value: "<@9> claimed the ticket"}})
	must(t, err)
	var e audit.Entry
	must(t, bson.Unmarshal(b, &e))
	if !e.Said.IsZero() || e.Text != "<@9> claimed the ticket" {
		t.Fatalf("an older entry: %+v", e)
	}
}
