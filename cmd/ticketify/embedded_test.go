package main

import (
	"bufio"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The embedded database is Ticketify's alone: after a start the process
// listens on no TCP port but its HTTP one (the database is a Unix socket),
// and the data directory, every file in it and the socket are private to
// the user running it — also when the directory was created loosely before.
func TestTheEmbeddedDatabaseIsReachableByTicketifyOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil { // as a careless operator might
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("left by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	c := startChild(t, "TICKETIFY_DATA_DIR="+dir, "TICKETIFY_HTTP_ADDR="+addr)
	waitHealthy(t, addr, c)

	listening := tcpListeners(t, c.cmd.Process.Pid)
	if len(listening) != 1 || listening[0] != addr {
		t.Fatalf("the process listens on TCP %v, want only its HTTP address %s", listening, addr)
	}

	sock := filepath.Join(dir, "ferretdb.sock")
	info, err := os.Stat(sock)
	if err != nil {
		t.Fatalf("no database socket in the data directory: %v", err)
	}
	if info.Mode().Type() != fs.ModeSocket || info.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s has mode %s, want a socket with 0600", sock, info.Mode())
	}
	if conn, err := net.Dial("unix", sock); err != nil { // the owner (this user) can connect
		t.Fatalf("the socket does not answer its owner: %v", err)
	} else {
		conn.Close()
	}
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", path, info.Mode().Perm(), want)
		}
		if strings.HasSuffix(path, ".sqlite") {
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no SQLite files were checked")
	}
}

// tcpListeners lists the local addresses of the TCP sockets in LISTEN state
// that process pid holds, from /proc.
func tcpListeners(t *testing.T, pid int) []string {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Skipf("no /proc to inspect: %v", err)
	}
	for _, fd := range fds {
		target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name())
		if inode, ok := strings.CutPrefix(target, "socket:["); err == nil && ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/net/" + table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] { // 0A: LISTEN
				continue
			}
			out = append(out, procAddr(t, fields[1]))
		}
		f.Close()
	}
	return out
}

// procAddr decodes /proc/net/tcp's "0100007F:1F90" into "127.0.0.1:8080".
func procAddr(t *testing.T, s string) string {
	t.Helper()
	hexIP, hexPort, _ := strings.Cut(s, ":")
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, len(hexIP)/2)
	for i := range raw {
		b, err := strconv.ParseUint(hexIP[2*i:2*i+2], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		raw[i] = byte(b)
	}
	for i := 0; i+4 <= len(raw); i += 4 { // each 32-bit word is in host (little-endian) order
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	return net.JoinHostPort(net.IP(raw).String(), strconv.FormatUint(port, 10))
}
