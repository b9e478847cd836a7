package discord

import (
	"net/http"
	"strings"

	"golang.org/x/time/rate"
)

// GlobalRequestsPerSecond is Discord's global limit on a bot's requests.
const GlobalRequestsPerSecond = 50

// globalLimit keeps the bot under Discord's global rate limit on its own,
// rather than learning it from 429s (disgo's limiter follows the per-route
// buckets Discord announces, and the global limit only once it is hit; too
// many 429s get a bot banned for an hour). Requests to /interactions and
// /webhooks — an interaction's answers — are not under the global limit
// and never wait here: a burst of reactor work must not delay an answer
// past Discord's 3 seconds.
//
// The bucket holds 45 a second with bursts of 5, so no window of one second
// sees more than 50.
type globalLimit struct {
	next    http.RoundTripper
	limiter *rate.Limiter
}

func newGlobalLimit(next http.RoundTripper) *globalLimit {
	if next == nil {
		next = http.DefaultTransport
	}
	return &globalLimit{next: next, limiter: rate.NewLimiter(rate.Limit(GlobalRequestsPerSecond-5), 5)}
}

// RoundTrip implements http.RoundTripper.
func (g *globalLimit) RoundTrip(r *http.Request) (*http.Response, error) {
	if !exempt(r.URL.Path) {
		if err := g.limiter.Wait(r.Context()); err != nil {
			return nil, err
		}
	}
	return g.next.RoundTrip(r)
}

// exempt tells whether a request is an interaction's answer.
func exempt(path string) bool {
	return strings.Contains(path, "/interactions/") || strings.Contains(path, "/webhooks/")
}
