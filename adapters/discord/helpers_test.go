package discord_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

func ticketviewsFilter() ticketviews.Filter { return ticketviews.Filter{} }

func testNow() time.Time { return time.Now() }

// postSigned posts a body with the given signature headers and returns the status.
func postSigned(t *testing.T, url string, body []byte, sig, ts string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", sig)
	req.Header.Set("X-Signature-Timestamp", ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// checkpointAtStart rewinds a reactor to the log's second commit (the
// first is the test guild's arrival, which the reactor does nothing for):
// the very start, Checkpoint{Position: 1}, reads as "never ran", and a
// reactor that never ran begins at the head rather than acting on history.
func checkpointAtStart() mongolog.Checkpoint { return mongolog.Checkpoint{Position: 2} }
