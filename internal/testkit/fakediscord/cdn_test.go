package fakediscord_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func get(t *testing.T, url string) (int, []byte, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// The fake CDN behaves as Discord's: a person's file is served at a signed
// link until it expires (24 hours on the fake's clock), never at a link
// whose signature was changed, never once deleted; and it can be slow,
// fail, or drop a download halfway.
func TestTheCDNServesSignedLinksUntilTheyExpire(t *testing.T) {
	c := testenv.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	f, err := fakediscord.Start(fakediscord.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	owner := f.NewUser("Owner")
	g := f.AddGuild("CDN", owner)
	ch := f.AddTextChannel(g.ID, "files")
	data := bytes.Repeat([]byte("0123456789abcdef"), 8192) // 128 KiB
	m := f.PostFiles(ch.ID, owner, "see attached", fakediscord.File{Name: "log.txt", ContentType: "text/plain", Data: data})
	if len(m.Attachments) != 1 || m.Attachments[0].Size != len(data) {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	link := m.Attachments[0].URL
	for _, part := range []string{"ex=", "is=", "hm="} {
		if !strings.Contains(link, part) {
			t.Fatalf("link %s has no %s", link, part)
		}
	}

	if code, body, err := get(t, link); code != 200 || err != nil || !bytes.Equal(body, data) {
		t.Fatalf("a valid link: %d, %d bytes, %v", code, len(body), err)
	}
	if code, _, _ := get(t, strings.Replace(link, "hm=", "hm=0", 1)); code != 404 {
		t.Errorf("a link with another signature: %d, want 404", code)
	}
	if code, _, _ := get(t, strings.SplitN(link, "?", 2)[0]); code != 404 {
		t.Errorf("a link without its signature: %d, want 404", code)
	}

	f.FailCDN(1, http.StatusServiceUnavailable)
	if code, _, _ := get(t, link); code != 503 {
		t.Errorf("a failing download: %d, want 503", code)
	}
	f.CutCDN(1000)
	if _, body, err := get(t, link); err == nil || len(body) >= len(data) {
		t.Errorf("a cut download read %d bytes without an error", len(body))
	}
	f.SetCDNSpeed(50*time.Millisecond, 512<<10)
	start := time.Now()
	if code, body, _ := get(t, link); code != 200 || len(body) != len(data) {
		t.Errorf("a slow download: %d, %d bytes", code, len(body))
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("128 KiB at 512 KiB/s after 50 ms took %v", took)
	}
	f.SetCDNSpeed(0, 0)
	if n, all := f.Downloads(m.Attachments[0].ID); n != 6 || all != 6 {
		t.Errorf("downloads counted %d of %d, want 6", n, all)
	}

	c.Advance(fakediscord.LinkLifetime + time.Second)
	if code, _, _ := get(t, link); code != 404 {
		t.Errorf("an expired link: %d, want 404", code)
	}
	m2 := f.PostFiles(ch.ID, owner, "again", fakediscord.File{Name: "b.bin", Data: []byte{1, 2, 3}})
	f.DeleteFile(m2.Attachments[0].ID)
	if code, _, _ := get(t, m2.Attachments[0].URL); code != 404 {
		t.Errorf("a deleted file: %d, want 404", code)
	}
}
