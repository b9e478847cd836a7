package discord

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The bot's own limiter keeps any second under Discord's global limit, and
// an interaction's answer never waits behind the queue.
func TestTheBotStaysUnderTheGlobalRateLimitButAnswersDoNotWait(t *testing.T) {
	var mu sync.Mutex
	var seen []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !exempt(r.URL.Path) {
			mu.Lock()
			seen = append(seen, time.Now())
			mu.Unlock()
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: newGlobalLimit(nil)}
	get := func(path string) {
		res, err := client.Get(srv.URL + path)
		if err != nil {
			t.Error(err)
			return
		}
		res.Body.Close()
	}
	var wg sync.WaitGroup
	for range 120 { // more than two seconds' worth, all at once
		wg.Add(1)
		go func() { defer wg.Done(); get("/api/v10/channels/1/messages") }()
	}
	time.Sleep(100 * time.Millisecond) // the queue is long now
	start := time.Now()
	get("/api/v10/interactions/1/token/callback")
	if waited := time.Since(start); waited > 200*time.Millisecond {
		t.Errorf("an interaction's answer waited %s behind the queue", waited)
	}
	wg.Wait()
	for i := range seen {
		n := 0
		for _, at := range seen[i:] {
			if at.Sub(seen[i]) < time.Second {
				n++
			}
		}
		if n > GlobalRequestsPerSecond {
			t.Fatalf("%d requests within one second from request %d", n, i)
		}
	}
}
