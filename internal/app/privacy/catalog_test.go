package privacy_test

import (
	"slices"
	"testing"

	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestEveryPersonalEventTypeIsDocumented(t *testing.T) {
	env := testenv.NewApp(t)
	sealed := env.Store.Codec().PersonalTypes()
	var documented []string
	for _, p := range privacy.PersonalEvents {
		if p.What == "" || p.Owner == "" {
			t.Fatalf("%s is documented without saying what or whose", p.Type)
		}
		documented = append(documented, p.Type)
	}
	slices.Sort(documented)
	for _, ty := range sealed {
		if !slices.Contains(documented, ty) {
			t.Errorf("event type %s carries personal data and is missing from the privacy page (internal/privacy/catalog.go)", ty)
		}
	}
	for _, ty := range documented {
		if !slices.Contains(sealed, ty) {
			t.Errorf("the privacy page lists %s, which carries no personal data (or does not exist)", ty)
		}
	}
}
