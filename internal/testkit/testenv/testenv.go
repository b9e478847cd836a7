// Package testenv gives tests real databases: embedded FerretDB on SQLite,
// embedded FerretDB on this machine's PostgreSQL, and any MongoDB named by
// TICKETIFY_TEST_MONGODB_URI. Each test gets a fresh database, dropped when
// it ends.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketify/ticketify/adapters/mongo/embedded"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Backend is a kind of server tests run against.
type Backend struct {
	Name    string
	Connect func(t testing.TB) *mongodb.Conn
}

// Backends returns every backend available here: SQLite always; PostgreSQL
// when it answers on 127.0.0.1:5432 (in CI it must); an external server when
// TICKETIFY_TEST_MONGODB_URI is set.
func Backends() []Backend {
	bs := []Backend{{Name: "ferretdb-sqlite", Connect: SQLite}}
	bs = append(bs, Backend{Name: "ferretdb-postgresql", Connect: PostgreSQL})
	if os.Getenv("TICKETIFY_TEST_MONGODB_URI") != "" {
		bs = append(bs, Backend{Name: "external", Connect: External})
	}
	return bs
}

type shared struct {
	once sync.Once
	srv  *embedded.Server
	err  error
	dir  string
}

var (
	sqliteServer   shared
	postgresServer shared
)

// PostgreSQLURL is the PostgreSQL FerretDB's PostgreSQL backend uses in tests.
func PostgreSQLURL() string {
	if u := os.Getenv("TICKETIFY_TEST_POSTGRESQL_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test"
}

func (s *shared) start(t testing.TB, b embedded.Backend) *embedded.Server {
	s.once.Do(func() {
		s.dir, s.err = os.MkdirTemp("", "ticketify-test-"+string(b)+"-")
		if s.err != nil {
			return
		}
		s.srv, s.err = embedded.Start(context.Background(), embedded.Config{
			Dir: s.dir, Backend: b, PostgreSQLURL: PostgreSQLURL(),
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4})), // FerretDB logs every duplicate key as an error
		})
	})
	if s.err != nil {
		t.Fatalf("start embedded FerretDB (%s): %v", b, s.err)
	}
	return s.srv
}

// Stop stops the shared servers; call it from TestMain after m.Run.
func Stop() {
	for _, s := range []*shared{&sqliteServer, &postgresServer} {
		if s.srv != nil {
			s.srv.Stop()
		}
		if s.dir != "" {
			_ = os.RemoveAll(s.dir)
		}
	}
}

// Main runs a package's tests and stops the shared servers. It fails the
// run when the tests left a new file or directory in the package's source
// directory: tests write under t.TempDir() (the program's default data
// directory, ./data, is the usual culprit: set TICKETIFY_DATA_DIR).
func Main(m interface{ Run() int }) {
	before := entries()
	code := m.Run()
	Stop()
	if added := newEntries(before, entries()); len(added) > 0 {
		wd, _ := os.Getwd()
		fmt.Fprintf(os.Stderr, "FAIL: the tests wrote %s into the source directory %s; remove it, and write under t.TempDir() (set TICKETIFY_DATA_DIR)\n",
			strings.Join(added, ", "), wd)
		code = max(code, 1)
	}
	os.Exit(code)
}

// entries lists the names in the working directory (the package's).
func entries() map[string]bool {
	des, _ := os.ReadDir(".")
	names := map[string]bool{}
	for _, de := range des {
		names[de.Name()] = true
	}
	return names
}

// newEntries lists the names that appeared, except the profiles and traces
// asked for with go test's flags.
func newEntries(before, after map[string]bool) []string {
	asked := map[string]bool{}
	for _, name := range []string{"cpuprofile", "memprofile", "blockprofile", "mutexprofile", "trace", "coverprofile"} {
		if f := flag.Lookup("test." + name); f != nil && f.Value.String() != "" {
			asked[filepath.Base(f.Value.String())] = true
		}
	}
	var added []string
	for name := range after {
		if !before[name] && !asked[name] {
			added = append(added, name)
		}
	}
	slices.Sort(added)
	return added
}

// DatabaseName returns a fresh database name.
func DatabaseName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

func connect(t testing.TB, uri string, hook mongodb.CollectionHook) *mongodb.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := mongodb.Connect(ctx, uri, DatabaseName(), mongodb.Options{AfterCreate: hook})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = conn.DB.Drop(ctx)
		_ = conn.Close(ctx)
	})
	return conn
}

// SQLite returns a fresh database on embedded FerretDB with the SQLite backend.
func SQLite(t testing.TB) *mongodb.Conn {
	t.Helper()
	srv := sqliteServer.start(t, embedded.SQLite)
	return connect(t, srv.URI(), srv.IndexIDLookups)
}

// SQLiteServer returns the shared embedded SQLite server.
func SQLiteServer(t testing.TB) *embedded.Server { return sqliteServer.start(t, embedded.SQLite) }

// PostgreSQL returns a fresh database on embedded FerretDB with the
// PostgreSQL backend. It skips when PostgreSQL does not answer, except in CI.
func PostgreSQL(t testing.TB) *mongodb.Conn {
	t.Helper()
	srv := PostgreSQLServer(t)
	return connect(t, srv.URI(), nil)
}

// PostgreSQLServer returns the shared embedded FerretDB with the PostgreSQL
// backend — the stand-in for a MongoDB replica set that several processes
// share. It skips when PostgreSQL does not answer, except in CI.
func PostgreSQLServer(t testing.TB) *embedded.Server {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is not answering on 127.0.0.1:5432 and CI=true: %v", err)
		}
		t.Skipf("PostgreSQL is not answering on 127.0.0.1:5432: %v", err)
	}
	_ = c.Close()
	return postgresServer.start(t, embedded.PostgreSQL)
}

// External returns a fresh database on the server named by TICKETIFY_TEST_MONGODB_URI.
func External(t testing.TB) *mongodb.Conn {
	t.Helper()
	uri := os.Getenv("TICKETIFY_TEST_MONGODB_URI")
	if uri == "" {
		t.Skip("TICKETIFY_TEST_MONGODB_URI is not set")
	}
	return connect(t, uri, nil)
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Must fails the test on error.
func Must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(fmt.Errorf("unexpected error: %w", err))
		}
		return v
	}
}
