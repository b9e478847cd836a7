package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

// TestMain doubles as the real program: with TICKETIFY_TEST_CHILD set, the
// test binary runs `ticketify serve` in a child process the tests can kill.
func TestMain(m *testing.M) {
	if os.Getenv("TICKETIFY_TEST_CHILD") != "" {
		if err := run(context.Background(), []string{"serve"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "ticketify:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	testenv.Main(m)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type child struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

func startChild(t *testing.T, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"TICKETIFY_TEST_CHILD=1", "TICKETIFY_LOG_LEVEL=warn"}, env...)...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &child{cmd: cmd, out: out}
}

func waitHealthy(t *testing.T, addr string, c *child) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the child never became healthy:\n%s", c.out)
}

// TestKilledBetweenAppendAndDeliveryViewsConverge: a writer appends while
// the projecting process is killed with SIGKILL (no shutdown, no checkpoint
// flush) and while it is dead; after a restart its views equal a replay of
// the whole log: nothing lost, nothing applied twice.
func TestKilledBetweenAppendAndDeliveryViewsConverge(t *testing.T) {
	srv := testenv.SQLiteServer(t)
	conn := testenv.SQLite(t)
	writer := testenv.NewAppOn(t, conn) // the appending process
	uri := srv.URI()
	addr := freeAddr(t)
	// The data directory still holds the generated keys (export signing)
	// with MongoDB elsewhere: never the default ./data, in the source tree.
	childEnv := []string{"TICKETIFY_MONGODB_URI=" + uri, "TICKETIFY_DATABASE=" + conn.DB.Name(), "TICKETIFY_DATA_DIR=" + t.TempDir(),
		"TICKETIFY_HTTP_ADDR=" + addr, "TICKETIFY_SECRET_KEY=" + fmt.Sprintf("%x", testenv.KEK)}
	projector := startChild(t, childEnv...)
	waitHealthy(t, addr, projector)

	ctx := context.Background()
	var ids []domain.TicketID
	burst := func(from, to int) {
		for u := from; u < to; u++ {
			o, err := writer.App.OpenTicket(ctx, app.OpenTicket{Guild: 7, Opener: domain.UserID(u)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.Ticket)
			for m := range 5 {
				if err := writer.App.RecordMessagePosted(ctx, 7, ticket.PostedMessage{Ticket: o.Ticket, Channel: 1, Message: domain.MessageID(u*100 + m), Author: domain.UserID(u), At: time.Now(), Content: "x"}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	burst(1, 40)
	if err := projector.cmd.Process.Signal(syscall.SIGKILL); err != nil { // mid-delivery, no goodbye
		t.Fatal(err)
	}
	_ = projector.cmd.Wait()
	burst(40, 80) // appended while nobody delivers
	for _, id := range ids[:10] {
		if err := writer.App.Close(ctx, id, ticket.Participant{User: 1, Staff: true, Guild: 7}, "done", app.Meta{}); err != nil {
			t.Fatal(err)
		}
	}

	restarted := startChild(t, childEnv...)
	waitHealthy(t, addr, restarted)

	replayRT, err := runner.New(ctx, runner.Config{Conn: conn, Log: writer.Log, Checkpoints: mustCheckpoints(t, writer), Store: writer.Store}, ticketviews.Projector{})
	if err != nil {
		t.Fatal(err)
	}
	want := projections.Target{Conn: conn, Generation: 99, Store: writer.Store}
	if _, err := replayRT.Replay(ctx, ticketviews.Projector{}, want, 0); err != nil {
		t.Fatal(err)
	}
	live, err := replayRT.Target(ctx, ticketviews.Projector{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		same := true
		for _, c := range (ticketviews.Projector{}).Collections() {
			if !slices.Equal(testenv.Dump(t, writer, live.Collection(c)), testenv.Dump(t, writer, want.Collection(c))) {
				same = false
			}
		}
		if same {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("views did not converge after the restart\nchild output:\n%s", restarted.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	reader := ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) { return live, nil })
	all, err := reader.All(ctx, "7")
	if err != nil || len(all) != 79 {
		t.Fatalf("%d tickets listed, err %v", len(all), err)
	}
	for _, s := range all {
		if s.MessageCount != 5 {
			t.Fatalf("ticket %d shows %d messages, want 5 (lost or doubled)", s.Number, s.MessageCount)
		}
	}
}

func mustCheckpoints(t *testing.T, e *testenv.AppEnv) *mongologCheckpoints {
	t.Helper()
	cps, err := openCheckpoints(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return cps
}

func TestHealthzReportsADeadDatabase(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"TICKETIFY_DATA_DIR": t.TempDir(), "TICKETIFY_HTTP_ADDR": "127.0.0.1:0", "TICKETIFY_LOG_LEVEL": "error"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Start(context.Background(), cfg, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	status, body := get(t, "http://"+srv.Addr()+"/healthz")
	if status != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("healthy server: %d %s", status, body)
	}
	srv.Embedded.Stop()
	status, body = get(t, "http://"+srv.Addr()+"/healthz")
	var report struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	_ = json.Unmarshal([]byte(body), &report)
	if status != 503 || report.Status != "unavailable" || report.Checks["store"] == "ok" || report.Checks["store"] == "" {
		t.Fatalf("with the database gone: %d %s", status, body)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStartupErrorsAreOneClearLine(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"a port in use", map[string]string{"TICKETIFY_HTTP_ADDR": taken.Addr().String(), "TICKETIFY_DATA_DIR": dir}, "already in use"},
		{"a bad uri", map[string]string{"TICKETIFY_MONGODB_URI": "postgres://x", "TICKETIFY_DATA_DIR": dir}, "must start with mongodb://"},
		{"an unreachable server", map[string]string{"TICKETIFY_MONGODB_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500", "TICKETIFY_HTTP_ADDR": "127.0.0.1:0", "TICKETIFY_DATA_DIR": dir}, "does not answer"},
		{"a data dir it cannot write", map[string]string{"TICKETIFY_DATA_DIR": "/proc/ticketify", "TICKETIFY_HTTP_ADDR": "127.0.0.1:0"}, "data directory"},
		{"an unknown command", map[string]string{"TICKETIFY_DATA_DIR": dir}, "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"serve"}
			if c.name == "an unknown command" {
				args = []string{"frobnicate"}
			}
			var out bytes.Buffer
			err := run(context.Background(), args, func(k string) string { return c.env[k] }, &out, &out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
