// Package embedded runs FerretDB inside the Ticketify process, so that with
// no MongoDB configured the program still speaks the MongoDB wire protocol to
// a real server through the official driver: the same code path as
// production. The default backend is SQLite in the data directory; tests
// also run it on PostgreSQL.
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // the driver FerretDB's SQLite backend uses; we open the same files

	"github.com/ticketify/ticketify/internal/platform/datadir"
)

// Backend is FerretDB's storage.
type Backend string

// Backends.
const (
	SQLite     Backend = "sqlite"
	PostgreSQL Backend = "postgresql"
)

// Config configures the embedded server.
type Config struct {
	// Dir is the data directory (SQLite files, lock file). Required.
	Dir string
	// Backend defaults to SQLite.
	Backend Backend
	// PostgreSQLURL is required for the PostgreSQL backend.
	PostgreSQLURL string
	// Logger receives FerretDB's warnings; default slog.Default().
	Logger *slog.Logger
}

// Server is a running embedded FerretDB.
type Server struct {
	cfg     Config
	uri     string
	cancel  context.CancelFunc
	done    chan struct{}
	lock    *os.File
	mu      sync.Mutex
	sqlite  map[string]*sql.DB // per database, for index tuning
	stopped bool

	socket    string // the Unix socket the server listens on
	socketDir string // a private directory made for the socket, removed at Stop
}

// ErrDataDirInUse is returned when another process holds the data directory.
var ErrDataDirInUse = errors.New("data directory is in use by another ticketify process")

// Start starts FerretDB on a Unix socket (no TCP listener) with its files in
// cfg.Dir, which it makes private first.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Backend == "" {
		cfg.Backend = SQLite
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Dir == "" {
		return nil, errors.New("embedded database: data directory is empty")
	}
	tightened, err := datadir.Prepare(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	if len(tightened) > 0 {
		cfg.Logger.Warn("the data directory was readable by other users; made private (0700, files 0600)", "paths", len(tightened))
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	// No TCP listener: the server is reachable only through a Unix socket
	// in a 0700 directory of this user, so no other local user or process
	// of another user can connect, list collections or forge a session.
	sock, sockDir, err := socketPath(cfg.Dir)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	// A socket left by a killed process would make the listen fail; the
	// directory's lock says no other server uses it.
	if err := os.Remove(sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = lock.Close()
		return nil, fmt.Errorf("embedded database: remove stale socket %s: %w", sock, err)
	}
	if err := checkListenable(sock); err != nil {
		_ = lock.Close()
		return nil, err
	}
	fc := &ferretdb.Config{
		Handler:  string(cfg.Backend),
		Listener: ferretdb.ListenerConfig{Unix: sock},
		Logger:   quiet(cfg.Logger),
	}
	switch cfg.Backend {
	case SQLite:
		fc.SQLiteURL = "file:" + filepath.ToSlash(cfg.Dir) + "/" + sqlitePragmas
	case PostgreSQL:
		fc.PostgreSQLURL = cfg.PostgreSQLURL
	default:
		_ = lock.Close()
		return nil, fmt.Errorf("embedded database: unknown backend %q", cfg.Backend)
	}
	f, err := ferretdb.New(fc)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cfg: cfg, cancel: cancel, done: make(chan struct{}), lock: lock, sqlite: map[string]*sql.DB{},
		socket: sock, socketDir: sockDir}
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx)
	}()
	// MongoDBURI blocks until the listener is bound.
	uriCh := make(chan string, 1)
	go func() { uriCh <- f.MongoDBURI() }()
	select {
	case s.uri = <-uriCh:
	case <-s.done:
		_ = lock.Close()
		return nil, errors.New("embedded database stopped while starting")
	case <-time.After(30 * time.Second):
		cancel()
		_ = lock.Close()
		return nil, errors.New("embedded database did not start within 30s")
	}
	// The socket was created under the umask (077): make it exactly 0600.
	if err := os.Chmod(sock, datadir.FileMode); err != nil {
		s.Stop()
		return nil, fmt.Errorf("embedded database: socket %s: %w", sock, err)
	}
	return s, nil
}

// maxSocketPath is what fits in sockaddr_un's sun_path (108 bytes on Linux,
// 104 on the BSDs) with room for the terminating NUL.
const maxSocketPath = 100

// socketPath is where the server listens: "ferretdb.sock" in the data
// directory, or — when that path is too long for a Unix socket — in a new
// private (0700) directory of this user under the system's temporary
// directory, which Stop removes.
func socketPath(dir string) (sock, privateDir string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("embedded database: %w", err)
	}
	if sock = filepath.Join(abs, "ferretdb.sock"); len(sock) <= maxSocketPath {
		return sock, "", nil
	}
	for _, parent := range []string{os.TempDir(), "/tmp"} { // TMPDIR may be long too
		if len(filepath.Join(parent, "ticketify-db-0123456789", "db.sock")) > maxSocketPath {
			continue
		}
		if privateDir, err = os.MkdirTemp(parent, "ticketify-db-"); err != nil {
			continue
		}
		if err := os.Chmod(privateDir, datadir.DirMode); err != nil {
			_ = os.RemoveAll(privateDir)
			return "", "", fmt.Errorf("embedded database: a socket directory: %w", err)
		}
		return filepath.Join(privateDir, "db.sock"), privateDir, nil
	}
	return "", "", fmt.Errorf("embedded database: the socket path %s is too long for a Unix socket and no short temporary directory is writable; use a shorter TICKETIFY_DATA_DIR", sock)
}

// checkListenable binds the socket once and lets it go: FerretDB v1.24.2's
// New leaks its storage backend when its own listen fails, and the leaked
// backend's finalizer panics the process later.
func checkListenable(sock string) error {
	l, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("embedded database: cannot listen on %s: %w", sock, err)
	}
	_ = l.Close() // removes the socket file
	_ = os.Remove(sock)
	return nil
}

// Socket returns the path of the server's Unix socket.
func (s *Server) Socket() string { return s.socket }

// sqlitePragmas tune the SQLite files for reads by _id on a large log:
// memory-mapped I/O (shared by FerretDB's pooled connections through the OS
// page cache) and a larger page cache per connection. secure_delete zeroes
// what a deletion frees, so an expired transcript's projected copy does not
// linger in free pages. Durability settings stay SQLite's defaults (WAL,
// synchronous FULL): an acknowledged append survives a power loss.
var sqlitePragmas = "?_pragma=mmap_size(2147483648)&_pragma=cache_size(-16384)&_pragma=secure_delete(1)"

// quiet keeps only FerretDB's errors: it logs every connection at info and
// every unsupported driver courtesy call (endSessions) at warn.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{Handler: l.Handler(), min: slog.LevelError}).With("component", "ferretdb")
}

// levelFilter passes on records at min or above. FerretDB derives a logger
// per connection and per command; the attributes and groups are only kept
// here and given to the real handler when a record gets through, which
// spares formatting them for the records dropped (nearly all).
type levelFilter struct {
	slog.Handler
	min slog.Level
	ops []func(slog.Handler) slog.Handler
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) Handle(ctx context.Context, r slog.Record) error {
	h := f.Handler
	for _, op := range f.ops {
		h = op(h)
	}
	return h.Handle(ctx, r)
}

func (f levelFilter) with(op func(slog.Handler) slog.Handler) levelFilter {
	f.ops = append(slices.Clip(f.ops), op)
	return f
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return f.with(func(h slog.Handler) slog.Handler { return h.WithAttrs(a) })
}

func (f levelFilter) WithGroup(n string) slog.Handler {
	return f.with(func(h slog.Handler) slog.Handler { return h.WithGroup(n) })
}

// lockDir takes an exclusive lock on the data directory: FerretDB keeps the
// collection catalogue in memory, so two processes on one directory would
// corrupt each other's view of it.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "ticketify.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded database: data directory %s is not writable: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		_ = f.Close()
		return nil, fmt.Errorf("%w: %s (pid %s)", ErrDataDirInUse, dir, strings.TrimSpace(string(b)))
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// URI returns the mongodb:// URI of the server.
func (s *Server) URI() string { return s.uri }

// Backend returns the storage backend.
func (s *Server) Backend() Backend { return s.cfg.Backend }

// IndexIDLookups makes `_id` equality lookups use an index. FerretDB's SQLite
// backend indexes `_id` as the expression _ferretdb_sjson->"_id" but filters
// on _ferretdb_sjson->'$._id', which SQLite cannot match to that index, so
// every lookup scans the table (~265 ms at 50k documents). An index on the
// exact filter expression makes it ~0.5 ms. It is a no-op for PostgreSQL.
//
// It has the signature of mongodb.CollectionHook.
func (s *Server) IndexIDLookups(ctx context.Context, database, collection string) error {
	if s.cfg.Backend != SQLite {
		return nil
	}
	db, err := s.sqliteDB(database)
	if err != nil {
		return err
	}
	var table string
	err = db.QueryRowContext(ctx, `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&table)
	if err != nil {
		return fmt.Errorf("find table of %s.%s: %w", database, collection, err)
	}
	// WARNING: the index name is part of the data directory's format.
	q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"_ticketify_id_lookup", table)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("index _id lookups of %s.%s: %w", database, collection, err)
	}
	return nil
}

func (s *Server) sqliteDB(database string) (*sql.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if db, ok := s.sqlite[database]; ok {
		return db, nil
	}
	path := filepath.Join(s.cfg.Dir, database+".sqlite")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s.sqlite[database] = db
	return db, nil
}

// Stop stops the server and releases the data directory.
func (s *Server) Stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	for _, db := range s.sqlite {
		_ = db.Close()
	}
	s.mu.Unlock()
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
	}
	_ = os.Remove(s.socket)
	if s.socketDir != "" {
		_ = os.RemoveAll(s.socketDir)
	}
	_ = s.lock.Close()
}
