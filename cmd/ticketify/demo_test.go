package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// announced is a writer that cancels the demo once it has said it is running.
type announced struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (a *announced) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.buf.Write(p)
	if strings.Contains(a.buf.String(), "Press Ctrl-C") {
		a.cancel()
	}
	return len(p), nil
}

func (a *announced) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.String()
}

var dataLine = regexp.MustCompile(`(?m)^\s*data:\s+(\S+) \((.*)\)$`)

// TestTheDemoSaysWhatHappensToItsData: with TICKETIFY_DATA_DIR unset the
// demo's data is in a temporary directory it removes on exit, and it says
// so; with it set, the data stays, and the demo says that instead.
func TestTheDemoSaysWhatHappensToItsData(t *testing.T) {
	demo := func(t *testing.T, env map[string]string) (dir, fate string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out := &announced{cancel: cancel}
		env["TICKETIFY_HTTP_ADDR"], env["TICKETIFY_LOG_LEVEL"] = "127.0.0.1:0", "error"
		if err := runDemo(ctx, func(k string) string { return env[k] }, out, io.Discard); err != nil {
			t.Fatalf("demo: %v\n%s", err, out.String())
		}
		m := dataLine.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("the demo does not say where its data is:\n%s", out.String())
		}
		return m[1], m[2]
	}

	t.Run("TICKETIFY_DATA_DIR unset", func(t *testing.T) {
		t.Setenv("TMPDIR", t.TempDir()) // where its temporary directory goes
		dir, fate := demo(t, map[string]string{})
		if !strings.Contains(fate, "removed on exit") {
			t.Errorf("the demo says its data is %q", fate)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the demo (%v)", dir, err)
		}
	})

	t.Run("TICKETIFY_DATA_DIR set", func(t *testing.T) {
		want := filepath.Join(t.TempDir(), "demo-data")
		dir, fate := demo(t, map[string]string{"TICKETIFY_DATA_DIR": want})
		if dir != want {
			t.Errorf("the demo says its data is in %s, not %s", dir, want)
		}
		if strings.Contains(fate, "removed") || !strings.Contains(fate, "kept") {
			t.Errorf("the demo says its data is %q", fate)
		}
		if des, err := os.ReadDir(dir); err != nil || len(des) == 0 {
			t.Errorf("%s after the demo: %d entries (%v), want the data kept", dir, len(des), err)
		}
	})
}
