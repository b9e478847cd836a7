package privacy_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/privacy"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func TestAnErasureIsPendingUntilItsReceipt(t *testing.T) {
	var l privacy.Ledger
	evs, id, err := l.RequestErasure("user:42", "r1", now)
	if err != nil || id != "r1" || len(evs) != 1 {
		t.Fatalf("request: %v %q %v", evs, id, err)
	}
	l = privacy.FromHistory(evs)
	if p := l.Pending(); len(p) != 1 || p[0].Subject != "user:42" {
		t.Fatalf("pending: %+v", p)
	}
	// Asking again while it runs joins it.
	if again, id, err := l.RequestErasure("user:42", "r2", now); err != nil || len(again) != 0 || id != "r1" {
		t.Fatalf("second request: %v %q %v", again, id, err)
	}
	receipt, err := l.Complete(privacy.UserErased{Request: "r1", User: 42, At: now})
	if err != nil {
		t.Fatal(err)
	}
	if l = privacy.FromHistory(append(evs, receipt...)); len(l.Pending()) != 0 {
		t.Fatal("a finished erasure is still pending")
	}
	if _, err := l.Complete(privacy.UserErased{Request: "r1", User: 42}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("a second receipt: %v", err)
	}
}

func TestAReceiptMustMatchItsRequest(t *testing.T) {
	evs, _, _ := privacy.Ledger{}.RequestErasure("guild:7", "r1", now)
	l := privacy.FromHistory(evs)
	if _, err := l.Complete(privacy.UserErased{Request: "r1", User: 7}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a user receipt for a guild request: %v", err)
	}
	for _, bad := range []string{"", "user:", "user:abc", "team:1", "guild"} {
		if _, _, err := (privacy.Ledger{}).RequestErasure(bad, "x", now); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("subject %q: %v", bad, err)
		}
	}
}
