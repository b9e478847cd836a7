package mongostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// Files keeps archived files (a ticket's attachments) as sealed chunks:
// each chunk is one document addressed by "<file id>/<n>", encrypted under
// the data key of the person whose file it is, so destroying that key
// (erasure, retention) erases the file wherever the chunks went, backups
// included. Files are data of record, like the log: the download cannot be
// repeated, so no rebuild ever drops them.
//
// Not GridFS: its chunks are found by a query on (files_id, n) through a
// secondary index, which FerretDB v1 answers by scanning, and it stores
// plaintext; here every read is an _id lookup and nothing is stored unsealed.
type Files struct {
	coll     *mongo.Collection
	attempts *mongo.Collection
	keys     eventstore.Keyring
	// writing admits one chunk write at a time: the embedded database has
	// one writer, and the log's appends (a captured message) must not
	// queue behind ten downloads' chunks.
	writing chan struct{}
}

// FilesCollection is where archived files' chunks live.
// WARNING: renaming it loses every archived file.
const FilesCollection = "file_chunks"

// AttemptsCollection lists the files being written whose fate is not
// settled yet (Begin … End): what a process killed midway left behind is
// found there, never by scanning the chunks.
const AttemptsCollection = "file_attempts"

type fileAttempt struct {
	ID      string    `bson:"_id"` // the file's id
	Started time.Time `bson:"started"`
}

// FileChunkSize is the plaintext size of a chunk (GridFS's size: far below
// a document's 16 MB, and what a download holds in memory at once).
const FileChunkSize = 255 << 10

// ErrFileTooLarge: the file went over the limit Write was given; nothing of
// it is kept.
var ErrFileTooLarge = errors.New("file over its size limit")

// ErrFileMissing: a chunk a file should have is not stored.
var ErrFileMissing = eventstore.ErrFileMissing

type fileChunk struct {
	ID    string `bson:"_id"` // "<file id>/<n>"
	KeyID string `bson:"key"`
	Gen   int64  `bson:"gen"`
	Nonce []byte `bson:"nonce"`
	Data  []byte `bson:"data"`
}

// OpenFiles opens the archive of files.
func OpenFiles(ctx context.Context, conn *mongodb.Conn, keys eventstore.Keyring) (*Files, error) {
	coll, err := conn.Collection(ctx, FilesCollection)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	attempts, err := conn.Collection(ctx, AttemptsCollection)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &Files{coll: coll, attempts: attempts, keys: keys, writing: make(chan struct{}, 1)}, nil
}

// StoredFile is what Write measured of a file.
type StoredFile struct {
	Size   int64
	Chunks int
	SHA256 string
	// ContentType is sniffed from the first bytes (http.DetectContentType):
	// whatever type the sender claimed is never used.
	ContentType string
}

func chunkID(file string, n int) string { return file + "/" + strconv.Itoa(n) }

// chunkAD binds a chunk's ciphertext to its place: a chunk copied under
// another id, or another file's, does not open.
func chunkAD(id string) []byte { return []byte("file-chunk|" + id) }

// Write reads r to its end and stores it as file id, sealed under key,
// one chunk at a time: memory holds a chunk, never the file. Beyond limit
// bytes it stops with ErrFileTooLarge, and when r fails it stops with that
// error, both having removed what they stored (a failed store leaves its
// chunks to the caller's attempt: see Begin).
func (f *Files) Write(ctx context.Context, id string, key eventstore.DataKey, r io.Reader, limit int64) (StoredFile, error) {
	var (
		st  StoredFile
		sum = sha256.New()
		buf = make([]byte, FileChunkSize)
	)
	for {
		n, err := fill(r, buf)
		if n > 0 {
			if st.Size+int64(n) > limit {
				return StoredFile{}, errors.Join(ErrFileTooLarge, f.Delete(context.WithoutCancel(ctx), id, st.Chunks))
			}
			if st.Chunks == 0 {
				st.ContentType = http.DetectContentType(buf[:n])
			}
			sum.Write(buf[:n])
			if werr := f.writeChunk(ctx, chunkID(id, st.Chunks), key, buf[:n]); werr != nil {
				return StoredFile{}, werr
			}
			st.Chunks++
			st.Size += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil { // the download broke off: what it stored is no file
			return StoredFile{}, errors.Join(fmt.Errorf("files: reading %s: %w", id, err), f.Delete(context.WithoutCancel(ctx), id, st.Chunks))
		}
	}
	st.SHA256 = hex.EncodeToString(sum.Sum(nil))
	if st.ContentType == "" {
		st.ContentType = "application/octet-stream" // an empty file
	}
	return st, nil
}

// fill reads into buf until it is full or r ends. Unlike io.ReadFull it
// tells the end of r (io.EOF) from r failing: an HTTP body cut short fails
// with io.ErrUnexpectedEOF, which io.ReadFull would report for any last,
// short chunk.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (f *Files) writeChunk(ctx context.Context, id string, key eventstore.DataKey, data []byte) error {
	s, err := eventstore.Seal(key, data, chunkAD(id))
	if err != nil {
		return fmt.Errorf("files: sealing %s: %w", id, err)
	}
	doc := fileChunk{ID: id, KeyID: s.KeyID, Gen: s.KeyGen, Nonce: s.Nonce, Data: s.Ciphertext}
	select {
	case f.writing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.writing }()
	_, err = f.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("files: storing %s: %w", id, unavailable(err))
	}
	return nil
}

// Open returns a reader of file id, which has chunks chunks: each is read
// by its _id and opened when the reader reaches it. Reading fails with
// eventstore.ErrKeyDestroyed once the file's key is erased.
func (f *Files) Open(ctx context.Context, id string, chunks int) io.Reader {
	return &fileReader{ctx: ctx, files: f, id: id, chunks: chunks}
}

type fileReader struct {
	ctx    context.Context
	files  *Files
	id     string
	chunks int
	next   int
	buf    []byte
}

func (r *fileReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.next >= r.chunks {
			return 0, io.EOF
		}
		data, err := r.files.chunk(r.ctx, chunkID(r.id, r.next))
		if err != nil {
			return 0, err
		}
		r.buf = data
		r.next++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (f *Files) chunk(ctx context.Context, id string) ([]byte, error) {
	d, err := mongodb.FindByID[fileChunk](ctx, f.coll, id)
	if err != nil {
		return nil, fmt.Errorf("files: reading %s: %w", id, unavailable(err))
	}
	if d == nil {
		return nil, fmt.Errorf("files: %s: %w", id, ErrFileMissing)
	}
	data, err := eventstore.Unseal(ctx, f.keys, eventstore.Sealed{KeyID: d.KeyID, KeyGen: d.Gen, Nonce: d.Nonce, Ciphertext: d.Data}, chunkAD(id))
	if err != nil {
		return nil, fmt.Errorf("files: opening %s: %w", id, err)
	}
	return data, nil
}

// Begin records that file id is about to be written; End says its fate is
// settled (it is kept, or deleted). A file begun and never ended is listed
// by Unsettled.
func (f *Files) Begin(ctx context.Context, id string, now time.Time) error {
	_, err := f.attempts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, fileAttempt{ID: id, Started: now.UTC()}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("files: beginning %s: %w", id, unavailable(err))
	}
	return nil
}

// End settles file id's attempt.
func (f *Files) End(ctx context.Context, id string) error {
	if _, err := f.attempts.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("files: ending %s: %w", id, unavailable(err))
	}
	return nil
}

// Unsettled lists the files begun before a time and not ended (the
// collection holds only attempts under way: reading it whole is cheap).
func (f *Files) Unsettled(ctx context.Context, before time.Time) ([]string, error) {
	cur, err := f.attempts.Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("files: unsettled: %w", unavailable(err))
	}
	var all []fileAttempt
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("files: unsettled: %w", unavailable(err))
	}
	var out []string
	for _, a := range all {
		if a.Started.Before(before) {
			out = append(out, a.ID)
		}
	}
	return out, nil
}

// DeleteAll removes every chunk of a file whose chunk count is not known:
// chunks are written from 0 on, so it stops at the first one missing.
func (f *Files) DeleteAll(ctx context.Context, id string) error {
	for n := 0; ; n++ {
		res, err := f.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(id, n)}})
		if err != nil {
			return fmt.Errorf("files: deleting %s: %w", id, unavailable(err))
		}
		if res.DeletedCount == 0 {
			return nil
		}
	}
}

// Delete removes a file's chunks, one _id at a time (an equality on _id is
// the lookup every backend indexes; FerretDB v1 may scan for $in), the
// last first, so that a delete cut short leaves chunks 0..k for DeleteAll.
// Destroying the file's key has already made them noise; this gives the
// space back.
func (f *Files) Delete(ctx context.Context, id string, chunks int) error {
	for n := chunks - 1; n >= 0; n-- {
		if _, err := f.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(id, n)}}); err != nil {
			return fmt.Errorf("files: deleting %s: %w", id, unavailable(err))
		}
	}
	return nil
}
