package discord_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// A signed interaction is only good around the time it was signed: a
// captured request replayed later, or one with a timestamp that is not a
// time at all, is refused (401) — even with a valid signature over it — and
// changes nothing.
func TestSignedInteractionsWithStaleOrBogusTimestampsAreRefused(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	now := w.Clock.Now()
	open := f.SlashCommand(w.As(w.Member, w.Lobby.ID), "ticket", fakediscord.Sub("open"))
	body, _ := json.Marshal(open)
	w.Settle(t)
	before := head(t, w)
	for name, ts := range map[string]string{
		"the epoch's first second": "1",
		"not a number":             "not-a-number",
		"six minutes old":          unix(now.Add(-6 * time.Minute)),
		"six minutes ahead":        unix(now.Add(6 * time.Minute)),
		"a sign before the digits": "+" + unix(now),
		"empty":                    "",
		"far too long":             "0000000000000000000" + unix(now),
	} {
		sig := signRaw(t, f, ts, body)
		if status := postSigned(t, w.Endpoint, body, sig, ts); status != 401 {
			t.Errorf("%s (%q): status %d, want 401", name, ts, status)
		}
	}
	w.Settle(t)
	if h := head(t, w); h != before {
		t.Fatalf("refused interactions appended %d commits", h-before)
	}
	// Within five minutes either way, a correct signature is accepted.
	for _, at := range []time.Time{now.Add(-4 * time.Minute), now.Add(4 * time.Minute)} {
		ping, _ := json.Marshal(f.Ping())
		ts := unix(at)
		if status := postSigned(t, w.Endpoint, ping, signRaw(t, f, ts, ping), ts); status != 200 {
			t.Errorf("a PING signed at %s: status %d, want 200", at.Sub(now), status)
		}
	}
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// signRaw signs an arbitrary timestamp string with the fake Discord's key.
func signRaw(t *testing.T, f *fakediscord.Server, ts string, body []byte) string {
	t.Helper()
	return f.SignRaw(body, ts)
}
