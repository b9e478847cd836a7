package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/ticketify/ticketify/domain"
)

func TestSnowflakesRoundTripThroughJSONIncludingZero(t *testing.T) {
	for _, id := range []domain.UserID{0, 1, 123456789012345678} {
		b, err := json.Marshal(struct{ U domain.UserID }{id})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ U domain.UserID }
		if err := json.Unmarshal(b, &back); err != nil || back.U != id {
			t.Fatalf("%d → %s → %d, %v", id, b, back.U, err)
		}
	}
	if _, err := domain.ParseUserID("0"); err == nil {
		t.Fatal("0 parsed as a valid user id")
	}
}
