// Package datadir keeps Ticketify's data directory private to the user that
// runs it: the embedded database's files, its socket, the generated keys.
// The privacy policy promises that "database access is restricted to the
// application server"; on a shared host that starts with file modes.
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// DirMode and FileMode are what everything in the data directory gets.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// ErrNotOwned refuses a data directory that belongs to another user: they
// could read it, or swap its files, whatever its mode.
var ErrNotOwned = errors.New("data directory belongs to another user")

// Tightened names what Prepare had to make private.
type Tightened []string

// Prepare creates dir (0700) when missing and makes it and everything in it
// private: directories 0700, files 0600. A directory of another user is
// refused. It also sets the process's umask to 077, so that every file
// created from now on — the SQLite files and journals FerretDB opens, keys,
// exports — is private from its first byte, not after a chmod.
//
// WARNING: the umask is process-wide; Ticketify creates nothing meant for
// other users.
func Prepare(dir string) (Tightened, error) {
	syscall.Umask(0o077)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, fmt.Errorf("data directory %s cannot be created: %w", dir, err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("data directory %s is not a directory", dir)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return nil, fmt.Errorf("%w: %s is owned by uid %d, Ticketify runs as uid %d; give it to this user (chown) or choose another TICKETIFY_DATA_DIR",
			ErrNotOwned, dir, st.Uid, os.Geteuid())
	}
	var tightened Tightened
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		want := FileMode
		switch {
		case d.IsDir():
			want = DirMode
		case d.Type()&fs.ModeSymlink != 0:
			return nil // its target is not ours to change; its own mode means nothing
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&^want == 0 {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
			return fmt.Errorf("%w: %s is owned by uid %d", ErrNotOwned, path, st.Uid)
		}
		if err := os.Chmod(path, info.Mode().Perm()&want); err != nil {
			return err
		}
		tightened = append(tightened, path)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("data directory %s cannot be made private: %w", dir, err)
	}
	return tightened, nil
}
