package app_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
)

// TestEveryEventTypeIsDocumented keeps docs/EVENTS.md and docs/PRIVACY.md true:
// every registered type is in the catalogue, and every type carrying personal
// data is marked there and listed on the privacy page.
func TestEveryEventTypeIsDocumented(t *testing.T) {
	codec, err := eventstore.NewCodec(nil, app.AllEvents()...)
	if err != nil {
		t.Fatal(err)
	}
	catalogue, err := os.ReadFile("../../docs/EVENTS.md")
	if err != nil {
		t.Fatal(err)
	}
	privacy, err := os.ReadFile("../../docs/PRIVACY.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(catalogue), "\n") {
		if name, ok := strings.CutPrefix(line, "| `"); ok {
			name, _, _ = strings.Cut(name, "`")
			rows[name] = line
		}
	}
	for _, typ := range codec.Types() {
		if _, ok := rows[typ]; !ok {
			t.Errorf("docs/EVENTS.md has no row for %s", typ)
		}
	}
	for _, typ := range codec.PersonalTypes() {
		if !strings.Contains(rows[typ], "🔒") {
			t.Errorf("docs/EVENTS.md does not mark %s's personal data with 🔒", typ)
		}
		if !strings.Contains(string(privacy), "`"+typ+"`") {
			t.Errorf("docs/PRIVACY.md does not list %s, which carries personal data", typ)
		}
	}
	for name := range rows {
		if !strings.Contains(strings.Join(codec.Types(), " "), name) {
			t.Errorf("docs/EVENTS.md lists %s, which is not a registered event type", name)
		}
	}
}
