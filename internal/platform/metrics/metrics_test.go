package metrics_test

import (
	"testing"

	"github.com/ticketify/ticketify/internal/platform/metrics"
)

func TestRoutesCarryNoIds(t *testing.T) {
	for path, want := range map[string]string{
		"/channels/1577265237814411267/messages":                                                           "/channels/{id}/messages",
		"/guilds/1577265237814411267/members/search":                                                       "/guilds/{id}/members/search",
		"/webhooks/900000000000000001/aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnRva2Vu/messages/@original": "/webhooks/{id}/{token}/messages/@original",
		"/guilds/1577/tickets/01M8RGD2YD6R5ME7AQN597JWRQ":                                                  "/guilds/{id}/tickets/{id}",
		"/interactions": "/interactions",
	} {
		if got := metrics.Route(path); got != want {
			t.Errorf("Route(%q) = %q, want %q", path, got, want)
		}
	}
}
