package mongostore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestAnArchivedFileIsStoredSealedInChunksAndReadBackWhole(t *testing.T) {
	ctx := context.Background()
	conn := testenv.SQLite(t)
	_, _, keys := newStore(t, conn)
	files, err := mongostore.OpenFiles(ctx, conn, keys)
	if err != nil {
		t.Fatal(err)
	}
	owner := domain.DataOwner{Subject: 7, Scope: domain.TicketScope("t1")}
	key, err := keys.DataKey(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	data := testenv.PNGBytes(2*mongostore.FileChunkSize + 1000)
	st, err := files.Write(ctx, "t1/a1", key, bytes.NewReader(data), 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if st.Size != int64(len(data)) || st.Chunks != 3 || st.ContentType != "image/png" || st.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored %+v", st)
	}
	got, err := io.ReadAll(files.Open(ctx, "t1/a1", st.Chunks))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), want the %d written", len(got), err, len(data))
	}

	// No chunk holds the file's bytes in the clear.
	cur, err := conn.DB.Collection(mongostore.FilesCollection).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("%d chunk documents, want 3", len(docs))
	}
	for _, d := range docs {
		raw, _ := bson.Marshal(d)
		if bytes.Contains(raw, data[100:140]) {
			t.Fatalf("chunk %v holds the file's bytes unsealed", d["_id"])
		}
	}

	// A chunk moved to another place does not open there.
	var first bson.M
	if err := conn.DB.Collection(mongostore.FilesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "t1/a1/0"}}).Decode(&first); err != nil {
		t.Fatal(err)
	}
	first["_id"] = "t1/a1/2"
	if _, err := conn.DB.Collection(mongostore.FilesCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: "t1/a1/2"}}, first); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(files.Open(ctx, "t1/a1", st.Chunks)); err == nil {
		t.Fatal("a chunk copied over another opened")
	}

	// Destroying the key erases the file.
	if _, err := keys.DestroyScope(ctx, owner.Scope, now); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(files.Open(ctx, "t1/a1", st.Chunks)); !errors.Is(err, eventstore.ErrKeyDestroyed) {
		t.Fatalf("reading a file whose key is destroyed: %v, want ErrKeyDestroyed", err)
	}
	if err := files.Delete(ctx, "t1/a1", st.Chunks); err != nil {
		t.Fatal(err)
	}
	if n, _ := conn.DB.Collection(mongostore.FilesCollection).CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d chunks left after Delete", n)
	}
}

func TestAFileOverItsLimitIsNotKept(t *testing.T) {
	ctx := context.Background()
	conn := testenv.SQLite(t)
	_, _, keys := newStore(t, conn)
	files, err := mongostore.OpenFiles(ctx, conn, keys)
	if err != nil {
		t.Fatal(err)
	}
	key, err := keys.DataKey(ctx, domain.DataOwner{Subject: 7, Scope: domain.TicketScope("t1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = files.Write(ctx, "t1/big", key, bytes.NewReader(testenv.PNGBytes(mongostore.FileChunkSize*2)), mongostore.FileChunkSize+1)
	if !errors.Is(err, mongostore.ErrFileTooLarge) {
		t.Fatalf("writing past the limit: %v, want ErrFileTooLarge", err)
	}
	if n, _ := conn.DB.Collection(mongostore.FilesCollection).CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d chunks of a refused file kept", n)
	}
	if _, err := io.ReadAll(files.Open(ctx, "t1/big", 1)); !errors.Is(err, mongostore.ErrFileMissing) {
		t.Fatalf("reading a file never stored: %v, want ErrFileMissing", err)
	}
}
