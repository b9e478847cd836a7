// Package natstest starts a NATS server with JetStream inside a test
// (github.com/nats-io/nats-server/v2, the real server), so tests of the NATS
// transport run anywhere, without the machine's own.
package natstest

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a running NATS server.
type Server struct {
	*server.Server
	dir  string
	port int
}

// Start runs a NATS server with JetStream on a free loopback port, its
// storage in a directory of the test; it stops with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s := start(t, t.TempDir(), -1)
	t.Cleanup(s.Shutdown)
	return s
}

func start(t testing.TB, dir string, port int) *Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("the NATS server did not start within 10s")
	}
	return &Server{Server: ns, dir: dir, port: ns.Addr().(*net.TCPAddr).Port}
}

// URL is the server's client URL.
func (s *Server) URL() string { return s.ClientURL() }

// Restart stops the server and starts it again on the same port and
// storage (its streams and durable consumers survive, as on disk).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Shutdown()
	s.WaitForShutdown()
	n := start(t, s.dir, s.port)
	s.Server = n.Server
}
