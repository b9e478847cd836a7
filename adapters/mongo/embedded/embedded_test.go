package embedded_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/adapters/mongo/embedded"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// A data directory whose path is too long for a Unix socket (sun_path holds
// about 107 bytes) — under a long TMPDIR too — still starts: the socket goes
// into a short private directory, which Stop removes.
func TestADeepDataDirectoryGetsAShortPrivateSocket(t *testing.T) {
	deep := filepath.Join(t.TempDir(), strings.Repeat("very-long-directory-name/", 5), "data")
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), strings.Repeat("long-temporary-directory-", 4)))
	if err := os.MkdirAll(os.Getenv("TMPDIR"), 0o700); err != nil {
		t.Fatal(err)
	}
	srv, err := embedded.Start(context.Background(), embedded.Config{Dir: deep, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	sock := srv.Socket()
	t.Logf("socket %s for data in %s", sock, deep)
	if len(sock) > 100 || strings.HasPrefix(sock, deep) {
		t.Fatalf("socket %s (%d bytes)", sock, len(sock))
	}
	info, err := os.Stat(filepath.Dir(sock))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory %s: %v %v", filepath.Dir(sock), info.Mode(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := mongodb.Connect(ctx, srv.URI(), "probe", mongodb.Options{})
	if err != nil {
		t.Fatalf("connecting through %s: %v", srv.URI(), err)
	}
	_ = conn.Close(ctx)
	srv.Stop()
	if _, err := os.Stat(filepath.Dir(sock)); !os.IsNotExist(err) {
		t.Fatalf("the socket directory outlived the server: %v", err)
	}
}
