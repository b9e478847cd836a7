package keyscan_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/testkit/keyscan"
)

// TestNoTrackedFileHoldsAPrivateKey reads every file git tracks (as staged,
// so a key added and then deleted from the work tree is still found) and
// fails when one looks like a private key. It skips outside a git checkout
// (a module downloaded from a proxy), except in CI.
func TestNoTrackedFileHoldsAPrivateKey(t *testing.T) {
	files, err := keyscan.Tracked(".")
	if errors.Is(err, keyscan.ErrNoCheckout) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI runs in a git checkout: %v", err)
		}
		t.Skipf("not in a git checkout: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("git tracks no files here?")
	}
	for _, f := range files {
		if why, found := keyscan.Check(f.Path, f.Content); found {
			t.Errorf("%s is tracked and %s: remove it from git (git rm --cached) and rotate the key", f.Path, why)
		}
	}
}

func TestCheckFindsPrivateKeys(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(priv)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)

	// The files Ticketify writes itself.
	dir := t.TempDir()
	if _, err := privacy.SigningKey(dir); err != nil {
		t.Fatal(err)
	}
	signing, _ := os.ReadFile(filepath.Join(dir, privacy.SigningKeyFile))
	cfg, err := config.Load(func(k string) string { return map[string]string{"TICKETIFY_DATA_DIR": dir}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.EnsureSecretKey(); err != nil {
		t.Fatal(err)
	}
	secret, _ := os.ReadFile(filepath.Join(dir, "secret.key"))

	keys := []struct {
		name    string
		path    string
		content []byte
	}{
		{"PKCS#8 PEM", "certs/server.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})},
		{"SEC1 PEM inside Go source", "x/fixture.go", []byte("const k = `\n" + string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})) + "`\n")},
		{"OpenSSH", "deploy/id", []byte("-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n")},
		{"raw Ed25519 private key", "testdata/k.bin", priv},
		{"raw Ed25519 seed", "testdata/seed", priv.Seed()},
		{"hex seed (export-signing.key)", "cmd/ticketify/data/export-signing.key", signing},
		{"hex seed, another name", "fixtures/signer", signing},
		{"hex secret (secret.key)", "data/secret.key", secret},
		{"hex private key", "k.txt", []byte(hex.EncodeToString(priv) + "\n")},
		{"base64 seed", "seed.b64", []byte(base64.StdEncoding.EncodeToString(priv.Seed()))},
		{"base64 private key", "priv.txt", []byte(base64.StdEncoding.EncodeToString(priv) + "\n")},
		{"an empty .key file", "tls/server.key", nil},
		{"an ssh key by name", "home/.ssh/id_ed25519", []byte("anything")},
	}
	for _, k := range keys {
		if why, found := keyscan.Check(k.path, k.content); !found {
			t.Errorf("%s (%s) was not found", k.name, k.path)
		} else if why == "" {
			t.Errorf("%s: found without a reason", k.name)
		}
	}

	notKeys := []struct {
		name    string
		path    string
		content []byte
	}{
		{"Go source", "main.go", []byte("package main\n\nfunc main() {}\n")},
		{"a 32-byte text", "VERSION.txt", []byte("ticketify 1.0.0, released today\n")},
		{"a public key in a .pub file", "trusted.pub", []byte(base64.StdEncoding.EncodeToString(pub) + "\n")},
		{"a public key PEM", "keys/signer.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})},
		{"a checksum among other text", "SHA256SUMS", []byte(hex.EncodeToString(priv.Seed()) + "  ticketify.tar.gz\n")},
		{"a doc that names the header", "docs/SECURITY.md", []byte("Never commit a file that starts with BEGIN PRIVATE KEY.\n")},
		{"an empty file", "empty", nil},
	}
	for _, n := range notKeys {
		if why, found := keyscan.Check(n.path, n.content); found {
			t.Errorf("%s (%s) was taken for a key: %s", n.name, n.path, why)
		}
	}
}

func TestTrackedReadsStagedContent(t *testing.T) {
	files, err := keyscan.Tracked(".")
	if errors.Is(err, keyscan.ErrNoCheckout) {
		t.Skip("not in a git checkout")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f.Path, "internal/keyscan/keyscan_test.go") {
			if !strings.Contains(string(f.Content), "TestTrackedReadsStagedContent") {
				t.Fatalf("%s holds %d bytes without this test's name", f.Path, len(f.Content))
			}
			return
		}
	}
	t.Skip("this file is not tracked yet")
}
