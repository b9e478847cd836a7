package mongolog_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// Hold gives a group's lease to one holder at a time, until it releases it.
func TestHoldGivesAGroupToOneHolderUntilReleased(t *testing.T) {
	ctx := context.Background()
	cps, err := mongolog.OpenCheckpoints(ctx, testenv.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	release, held, err := cps.Hold(ctx, "events", "g", "rebuild-1", time.Minute)
	if err != nil || !held {
		t.Fatalf("a free group: held %v, %v", held, err)
	}
	if _, held, err := cps.Hold(ctx, "events", "g", "rebuild-2", time.Minute); err != nil || held {
		t.Fatalf("a held group was held again: %v, %v", held, err)
	}
	release()
	release2, held, err := cps.Hold(ctx, "events", "g", "rebuild-2", time.Minute)
	if err != nil || !held {
		t.Fatalf("a released group: held %v, %v", held, err)
	}
	release2()
}
