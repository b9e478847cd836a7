package transcripts

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/ticketify/ticketify/eventstore"
)

// FileOpener reads archived files (mongostore.Files).
type FileOpener interface {
	Open(ctx context.Context, id string, chunks int) io.Reader
}

// WriteZIP adds a transcript to a ZIP as name.html and name.json and, when
// files is set, its archived attachments next to them at FilePath — where
// the HTML links them. A file whose key was destroyed since (its author
// erased) is left out. It returns every written file's SHA-256 by name.
func WriteZIP(ctx context.Context, zw *zip.Writer, name string, t Transcript, files FileOpener) (map[string]string, error) {
	sums := map[string]string{}
	for _, file := range []struct {
		ext    string
		render func(io.Writer, Transcript) error
	}{{".html", RenderHTML}, {".json", RenderJSON}} {
		if err := zipFile(zw, name+file.ext, sums, func(w io.Writer) error { return file.render(w, t) }); err != nil {
			return nil, err
		}
	}
	if files == nil {
		return sums, nil
	}
	dir := path.Dir(name)
	for _, e := range t.Entries {
		for _, a := range e.Attachments {
			if a.Archived == nil {
				continue
			}
			if err := AddArchived(ctx, zw, path.Join(dir, FilePath(a)), files, a, sums); err != nil {
				return nil, fmt.Errorf("transcript %s: %w", t.Ticket, err)
			}
		}
	}
	return sums, nil
}

// AddArchived adds an archived attachment to a ZIP as name, recording its
// SHA-256 in sums when sums is set. A file whose key was destroyed (its
// author erased) or whose chunks were deleted (retention) is left out.
func AddArchived(ctx context.Context, zw *zip.Writer, name string, files FileOpener, a Attachment, sums map[string]string) error {
	r, err := OpenArchived(ctx, files, a)
	if errors.Is(err, eventstore.ErrKeyDestroyed) || errors.Is(err, eventstore.ErrFileMissing) {
		return nil
	}
	if err == nil {
		err = zipFile(zw, name, sums, func(w io.Writer) error {
			_, err := io.Copy(w, r)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("attachment %s: %w", a.ID, err)
	}
	return nil
}

// OpenArchived opens an archived attachment, reading its first
// chunk before it returns: a file whose key is destroyed, or whose chunks
// are gone, fails here, before anything of it is sent.
func OpenArchived(ctx context.Context, files FileOpener, a Attachment) (io.Reader, error) {
	if a.Archived == nil {
		return nil, fmt.Errorf("attachment %s is not archived", a.ID)
	}
	r := bufio.NewReaderSize(files.Open(ctx, a.Archived.File, a.Archived.Chunks), 32<<10)
	if _, err := r.Peek(1); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return r, nil
}

// zipFile adds one file to a ZIP, written by write, and records its SHA-256.
func zipFile(zw *zip.Writer, name string, sums map[string]string, write func(io.Writer) error) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return err
	}
	h := sha256.New()
	if err := write(io.MultiWriter(f, h)); err != nil {
		return err
	}
	if sums != nil {
		sums[name] = hex.EncodeToString(h.Sum(nil))
	}
	return nil
}
