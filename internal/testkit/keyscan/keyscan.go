// Package keyscan finds private keys in files, so that a test fails when one
// is committed: PEM and OpenSSH private keys anywhere in a file, and files
// that hold nothing but key material (raw, hex or base64 Ed25519 seeds and
// keys, AES keys, the way Ticketify's own secret.key and export-signing.key
// are written), or are named like keys (*.key, id_rsa, id_ed25519…).
//
// A file of nothing but 32 or 64 bytes of key material is taken for a
// private key even when it is a public one: keep public keys in a *.pub file
// or inside a document that says what they are.
package keyscan

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pemPrivate matches the header of a PEM private key of any kind (PKCS#1,
// PKCS#8, SEC1, encrypted, OpenSSH, PGP).
var pemPrivate = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----`)

// keyNames are the names SSH gives private key files.
var keyNames = map[string]bool{"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true, "id_ecdsa_sk": true, "id_ed25519_sk": true}

// Check says whether a file named name (a slash-separated path) with this
// content looks like it holds a private key, and why.
func Check(name string, content []byte) (why string, found bool) {
	if loc := pemPrivate.FindIndex(content); loc != nil {
		return fmt.Sprintf("holds a private key (%s)", strings.Trim(string(content[loc[0]:loc[1]]), "-")), true
	}
	base := path.Base(name)
	if path.Ext(base) == ".key" {
		return "is a .key file", true
	}
	if keyNames[base] {
		return "is named like an SSH private key", true
	}
	if path.Ext(base) == ".pub" {
		return "", false
	}
	if n := len(content); (n == 32 || n == 64) && !isText(content) {
		return fmt.Sprintf("is %d raw bytes, the size of an Ed25519 seed or private key", n), true
	}
	token := string(bytes.TrimSpace(content))
	if strings.ContainsAny(token, " \t\r\n") {
		return "", false
	}
	if n := len(token); n == 64 || n == 128 {
		if _, err := hex.DecodeString(token); err == nil {
			return fmt.Sprintf("is %d bytes in hex, the size of a secret key or Ed25519 private key", n/2), true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(token); err == nil && (len(b) == 32 || len(b) == 64) {
			return fmt.Sprintf("is %d bytes in base64, the size of a secret key or Ed25519 private key", len(b)), true
		}
	}
	return "", false
}

// isText says whether b is printable UTF-8 text.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < ' ' && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// ErrNoCheckout is returned when the directory is not in a git checkout or
// git is not installed.
var ErrNoCheckout = errors.New("not in a git checkout")

// File is a tracked file as staged: its path from the checkout's root and
// its content.
type File struct {
	Path    string
	Content []byte
}

// Tracked returns every file git tracks in the checkout that holds dir, with
// its staged content (what the next commit holds, even when the work tree
// differs). Symbolic links and submodules are left out.
func Tracked(dir string) ([]File, error) {
	root, err := exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoCheckout, err)
	}
	git := func(args ...string) *exec.Cmd {
		return exec.Command("git", append([]string{"-C", strings.TrimSpace(string(root))}, args...)...)
	}
	list, err := git("ls-files", "--stage", "-z").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []File
	var objects bytes.Buffer
	for entry := range bytes.SplitSeq(list, []byte{0}) {
		// "<mode> <object> <stage>\t<path>"
		meta, p, ok := strings.Cut(string(entry), "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 || fields[0] == "120000" || fields[0] == "160000" {
			continue
		}
		files = append(files, File{Path: p})
		objects.WriteString(fields[1] + "\n")
	}
	cat := git("cat-file", "--batch")
	cat.Stdin = &objects
	out, err := cat.Output()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	r := bufio.NewReader(bytes.NewReader(out))
	for i := range files {
		// "<object> <type> <size>\n<content>\n"
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file: %s: %w", files[i].Path, err)
		}
		fields := strings.Fields(header)
		if len(fields) != 3 {
			return nil, fmt.Errorf("git cat-file: %s: %q", files[i].Path, header)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: %s: %q", files[i].Path, header)
		}
		files[i].Content = make([]byte, size)
		if _, err := io.ReadFull(r, files[i].Content); err != nil {
			return nil, fmt.Errorf("git cat-file: %s: %w", files[i].Path, err)
		}
		if _, err := r.Discard(1); err != nil {
			return nil, fmt.Errorf("git cat-file: %s: %w", files[i].Path, err)
		}
	}
	return files, nil
}
