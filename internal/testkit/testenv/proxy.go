package testenv

import (
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// SlowProxy forwards TCP to a target (a host:port, or the path of a Unix
// socket such as the embedded database's), delaying every chunk sent to it:
// a slow database, seen through the real driver.
type SlowProxy struct {
	ln    net.Listener
	delay atomic.Int64
}

// StartSlowProxy listens on a free loopback port and forwards to target.
func StartSlowProxy(t testing.TB, target string) *SlowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &SlowProxy{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c, target)
		}
	}()
	return p
}

// Addr is the proxy's address.
func (p *SlowProxy) Addr() string { return p.ln.Addr().String() }

// SetDelay sets the delay added to each request.
func (p *SlowProxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

func (p *SlowProxy) pipe(client net.Conn, target string) {
	network := "tcp"
	if strings.HasPrefix(target, "/") {
		network = "unix"
	}
	server, err := net.Dial(network, target)
	if err != nil {
		_ = client.Close()
		return
	}
	go func() {
		_, _ = io.Copy(client, server)
		_ = client.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = server.Close()
}
