package dashboard

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/oauth2"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
)

// SessionTTL is how long a login lasts, as the privacy policy says.
const SessionTTL = 7 * 24 * time.Hour

// loginTTL is how long a started login may take to come back from Discord.
const loginTTL = 10 * time.Minute

// session is a server-side session. The browser holds only a random token
// in the session cookie; the document's _id is that token's SHA-256, so a
// leaked database does not yield usable cookies. OAuth tokens are sealed.
type session struct {
	ID      string    `bson:"_id"`
	Kind    string    `bson:"kind"` // "login" while Discord is asked, then "user"
	Created time.Time `bson:"created"`
	Expires time.Time `bson:"expires"`
	CSRF    string    `bson:"csrf"`

	// A login in progress: the state's hash, the PKCE verifier (sealed) and
	// where to go afterwards.
	StateHash string `bson:"state_hash,omitempty"`
	Verifier  []byte `bson:"verifier,omitempty"`
	Next      string `bson:"next,omitempty"`

	// A logged-in user.
	User       string      `bson:"user,omitempty"`
	Username   string      `bson:"username,omitempty"`
	GlobalName string      `bson:"global_name,omitempty"`
	Avatar     string      `bson:"avatar,omitempty"`
	Guilds     []userGuild `bson:"guilds,omitempty"`
	GuildsAt   time.Time   `bson:"guilds_at,omitempty"`
	Token      []byte      `bson:"token,omitempty"` // sealed oauth2.Token JSON

	// This request's attempt to read the guild list again (not stored).
	refreshTried bool
	refreshErr   error
}

// userGuild is a guild as Discord lists it for the user (GET /users/@me/guilds).
type userGuild struct {
	ID          string `bson:"id" json:"id"`
	Name        string `bson:"name" json:"name"`
	Owner       bool   `bson:"owner" json:"owner"`
	Permissions string `bson:"permissions" json:"permissions"`
}

// Discord permission bits the dashboard cares about.
const (
	permAdministrator = 1 << 3
	permManageGuild   = 1 << 5
)

func (g userGuild) managesServer() bool {
	var p uint64
	_, _ = fmt.Sscan(g.Permissions, &p)
	return g.Owner || p&permAdministrator != 0 || p&permManageGuild != 0
}

// sessions stores sessions in MongoDB, looked up by _id only.
type sessions struct {
	conn *mongodb.Conn
	box  cipher.AEAD
	now  func() time.Time
}

const sessionsCollection = "sessions"

func openSessions(ctx context.Context, conn *mongodb.Conn, secret []byte, now func() time.Time) (*sessions, error) {
	if _, err := conn.Collection(ctx, sessionsCollection); err != nil {
		return nil, err
	}
	// The tokens' key is derived from the secret key, so it is never the
	// key that wraps the event log's data keys.
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("ticketify/dashboard/oauth-tokens/v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	box, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sessions{conn: conn, box: box, now: now}, nil
}

// newToken returns a random cookie token and its session id.
func newToken() (token, id string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, idOf(token)
}

func idOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// seal encrypts b for the session with the given id: the id is the
// associated data, so a sealed token cannot be moved to another session.
func (s *sessions) seal(id string, b []byte) []byte {
	nonce := make([]byte, s.box.NonceSize())
	_, _ = rand.Read(nonce)
	return s.box.Seal(nonce, nonce, b, []byte(id))
}

func (s *sessions) open(id string, b []byte) ([]byte, error) {
	n := s.box.NonceSize()
	if len(b) < n {
		return nil, errors.New("sealed value too short")
	}
	return s.box.Open(nil, b[:n], b[n:], []byte(id))
}

// get returns the live session for a cookie token, or nil.
func (s *sessions) get(ctx context.Context, token string) (*session, error) {
	if token == "" {
		return nil, nil
	}
	sess, err := mongodb.FindByID[session](ctx, s.conn.DB.Collection(sessionsCollection), idOf(token))
	if err != nil || sess == nil {
		return nil, err
	}
	if !s.now().Before(sess.Expires) {
		return nil, s.delete(ctx, sess.ID)
	}
	return sess, nil
}

func (s *sessions) insert(ctx context.Context, sess *session) error {
	_, err := s.conn.DB.Collection(sessionsCollection).InsertOne(ctx, sess)
	return mongodb.Classify(err)
}

func (s *sessions) replace(ctx context.Context, sess *session) error {
	_, err := s.conn.DB.Collection(sessionsCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: sess.ID}}, sess)
	return mongodb.Classify(err)
}

func (s *sessions) delete(ctx context.Context, id string) error {
	_, err := s.conn.DB.Collection(sessionsCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mongodb.Classify(err)
}

// deleteExpired removes sessions past their expiry (FerretDB has no TTL
// indexes, so the dashboard sweeps).
func (s *sessions) deleteExpired(ctx context.Context) (int64, error) {
	res, err := s.conn.DB.Collection(sessionsCollection).DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: s.now()}}}})
	if err != nil {
		return 0, mongodb.Classify(err)
	}
	return res.DeletedCount, nil
}

// DeleteUserSessions deletes every session of a person, with their sealed
// tokens (erasure).
func DeleteUserSessions(ctx context.Context, conn *mongodb.Conn, user string) error {
	_, err := conn.DB.Collection(sessionsCollection).DeleteMany(ctx, bson.D{{Key: "user", Value: user}})
	return mongodb.Classify(err)
}

func (s *sessions) setToken(sess *session, tok *oauth2.Token) error {
	b, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	sess.Token = s.seal(sess.ID, b)
	return nil
}

func (s *sessions) token(sess *session) (*oauth2.Token, error) {
	b, err := s.open(sess.ID, sess.Token)
	if err != nil {
		return nil, fmt.Errorf("session token: %w", err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, fmt.Errorf("session token: %w", err)
	}
	return &tok, nil
}
