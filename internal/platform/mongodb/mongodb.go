// Package mongodb connects to the MongoDB-compatible server (MongoDB, or
// FerretDB embedded or standalone) and is the one place driver errors are
// classified and collections are prepared.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// Flavor is the kind of server at the other end.
type Flavor string

// Server flavors. FerretDB pushes down only a few filters, so hot paths are
// written for it; a few safety nets that cost a scan there are only used on
// MongoDB.
const (
	FlavorMongoDB  Flavor = "mongodb"
	FlavorFerretDB Flavor = "ferretdb"
)

// CollectionHook runs after a collection is created (the embedded server adds
// the SQLite index that makes _id lookups fast).
type CollectionHook func(ctx context.Context, database, collection string) error

// Conn is a connected database.
type Conn struct {
	Client *mongo.Client
	DB     *mongo.Database
	Flavor Flavor
	hook   CollectionHook
}

// Options tune Connect.
type Options struct {
	// ConnectTimeout bounds the first contact with the server; default 10s.
	ConnectTimeout time.Duration
	// AfterCreate runs after each collection Conn.Collection creates.
	AfterCreate CollectionHook
	// Monitor sees every command (tests count round trips with it).
	Monitor *event.CommandMonitor
}

// Connect dials uri and checks the server answers. Writes use majority write
// concern and reads go to the primary, so that on a replica set an
// acknowledged append survives a failover and a reader never sees a later
// commit without the earlier ones.
func Connect(ctx context.Context, uri, database string, o Options) (*Conn, error) {
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	copts := options.Client().ApplyURI(uri)
	if copts.ServerSelectionTimeout != nil { // the URI's serverSelectionTimeoutMS wins
		o.ConnectTimeout = *copts.ServerSelectionTimeout
	}
	copts.SetWriteConcern(writeconcern.Majority()).
		SetReadPreference(readpref.Primary()).
		SetServerSelectionTimeout(o.ConnectTimeout).
		SetConnectTimeout(o.ConnectTimeout).
		SetMaxPoolSize(64)
	if o.Monitor != nil {
		copts.SetMonitor(o.Monitor)
	}
	if err := copts.Validate(); err != nil {
		return nil, fmt.Errorf("mongodb uri: %w", err)
	}
	client, err := mongo.Connect(copts)
	if err != nil {
		return nil, fmt.Errorf("mongodb uri: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	if err := client.Ping(pingCtx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("mongodb server at %s does not answer within %s: %s", Redact(uri), o.ConnectTimeout, rootCause(err))
	}
	c := &Conn{Client: client, DB: client.Database(database), Flavor: FlavorMongoDB, hook: o.AfterCreate}
	var info bson.M
	if err := client.Database("admin").RunCommand(pingCtx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err == nil {
		if _, ok := info["ferretdbVersion"]; ok {
			c.Flavor = FlavorFerretDB
		}
	}
	return c, nil
}

// Redact hides the credentials of a connection string, for messages and logs.
func Redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparseable uri)"
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	return u.String()
}

// rootCause shortens the driver's server-selection error (which describes
// the whole topology) to the last dial error, for a one-line message.
func rootCause(err error) string {
	s := err.Error()
	if _, last, ok := strings.Cut(s, "Last error: "); ok {
		last, _, _ = strings.Cut(last, " }")
		return last
	}
	return s
}

// Close disconnects.
func (c *Conn) Close(ctx context.Context) error { return c.Client.Disconnect(ctx) }

// Collection returns a collection, creating it and its indexes if needed.
func (c *Conn) Collection(ctx context.Context, name string, indexes ...mongo.IndexModel) (*mongo.Collection, error) {
	err := c.DB.CreateCollection(ctx, name)
	var ce mongo.CommandError
	if err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
		return nil, fmt.Errorf("create collection %s: %w", name, Classify(err))
	}
	coll := c.DB.Collection(name)
	if err := createMissingIndexes(ctx, coll, indexes); err != nil {
		return nil, fmt.Errorf("create indexes of %s: %w", name, err)
	}
	if c.hook != nil {
		if err := c.hook(ctx, c.DB.Name(), name); err != nil {
			return nil, fmt.Errorf("prepare collection %s: %w", name, err)
		}
	}
	return coll, nil
}

// createMissingIndexes creates the named indexes that do not exist yet, one
// per command: FerretDB v1.24.2 panics on a createIndexes that names two
// indexes which both exist already (a slices.Delete at a stale index).
func createMissingIndexes(ctx context.Context, coll *mongo.Collection, indexes []mongo.IndexModel) error {
	if len(indexes) == 0 {
		return nil
	}
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return Classify(err)
	}
	have := map[string]bool{}
	for _, s := range specs {
		have[s.Name] = true
	}
	for _, ix := range indexes {
		var o options.IndexOptions
		if ix.Options != nil {
			for _, set := range ix.Options.List() {
				_ = set(&o)
			}
		}
		if o.Name == nil {
			return errors.New("every index needs a name")
		}
		if have[*o.Name] {
			continue
		}
		if _, err := coll.Indexes().CreateOne(ctx, ix); err != nil {
			return Classify(err)
		}
	}
	return nil
}

// ErrUnavailable marks errors where the server could not be reached or timed out.
var ErrUnavailable = errors.New("database unavailable")

// Classify wraps network and timeout errors with ErrUnavailable; others are
// returned as they are.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var ne net.Error
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.As(err, &ne) ||
		errors.Is(err, mongo.ErrClientDisconnected) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var se mongo.ServerError
	if errors.As(err, &se) && se.HasErrorLabel("RetryableWriteError") {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// IsDuplicateKey reports a unique index violation.
func IsDuplicateKey(err error) bool { return mongo.IsDuplicateKeyError(err) }

// FindByID reads the document with the given _id — the one lookup every
// backend indexes — into a T. It returns nil, nil when there is none.
func FindByID[T any](ctx context.Context, coll *mongo.Collection, id string) (*T, error) {
	var v T
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, Classify(err)
	}
	return &v, nil
}
