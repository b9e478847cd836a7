package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/demo"
)

// syncBuffer is a bytes.Buffer safe for the program's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The demo at debug level — the most a log ever says — with a dashboard
// login and a transcript read, leaves in its log no token, no secret and
// nothing a person wrote: logs outlive retention and erasure.
func TestTheLogHoldsNoSecretsAndNoPersonalDataEvenAtDebug(t *testing.T) {
	addr := freeAddr(t)
	env := map[string]string{"TICKETIFY_LOG_LEVEL": "debug", "TICKETIFY_HTTP_ADDR": addr, "TICKETIFY_DATA_DIR": t.TempDir()}
	var stdout, log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo"}, func(k string) string { return env[k] }, &stdout, &log) }()
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(stdout.String(), "demo is running") {
		select {
		case err := <-done:
			t.Fatalf("the demo stopped: %v\n%s", err, log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not start\n%s", log.String())
		}
	}
	// An admin logs in (the OAuth flow with its code, tokens and client
	// secret) and reads the tickets, transcripts included.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	base := "http://" + addr
	req, _ := http.NewRequest(http.MethodPost, base+"/auth/demo", nil)
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tickets := regexp.MustCompile(`/guilds/[0-9]+/tickets/[0-9A-Z]{26}`).FindAllString(string(page), -1)
	if len(tickets) == 0 {
		for _, g := range regexp.MustCompile(`/guilds/[0-9]+`).FindAllString(string(page), 1) {
			if r, err := client.Get(base + g + "/tickets"); err == nil {
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				tickets = regexp.MustCompile(`/guilds/[0-9]+/tickets/[0-9A-Z]{26}`).FindAllString(string(b), -1)
			}
		}
	}
	if len(tickets) == 0 {
		t.Fatalf("the logged-in dashboard lists no tickets (status %d)", resp.StatusCode)
	}
	for _, tk := range tickets[:min(3, len(tickets))] {
		r, err := client.Get(base + tk)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.Contains(string(b), "transcript") {
			t.Fatalf("ticket page %s: %d", tk, r.StatusCode)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	out := log.String()
	if !strings.Contains(out, "level=DEBUG") || strings.Count(out, "\n") < 50 {
		t.Fatalf("the log has too little to judge (%d lines): the test could not fail", strings.Count(out, "\n"))
	}
	forbidden := append(demo.Texts(), "Sam Support", "Alex Agent", "Kim Helper", "Demo Admin", "sam support", "demo admin")
	for _, s := range forbidden {
		if strings.Contains(out, s) {
			t.Errorf("the log holds what a person wrote or is called: %q\n%s", s, around(out, s))
		}
	}
	for name, pattern := range map[string]string{
		"the bot token":          `OTAwMDAwMDAwMDAwMDAwMDAx\.`, // base64 of the fake application id, then the token's secret parts
		"the client secret":      `fake-client-secret-`,
		"an interaction token":   `itok\.`,
		"an OAuth token":         `\b[ar]t-[0-9]{12,}`,
		"an authorization value": `(?i)authorization[=:" ]+(bot|bearer)`,
	} {
		if m := regexp.MustCompile(pattern).FindString(out); m != "" {
			t.Errorf("the log holds %s: %q\n%s", name, m, around(out, m))
		}
	}
}

// around shows the log line holding s.
func around(log, s string) string {
	i := strings.Index(log, s)
	start := strings.LastIndex(log[:i], "\n") + 1
	end := i + strings.Index(log[i:]+"\n", "\n")
	return "  " + log[start:min(end, start+600)]
}
