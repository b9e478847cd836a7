// Package config reads Ticketify's configuration from the environment and
// files, with documented defaults, and reports every problem at once.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the program's configuration.
type Config struct {
	// MongoDBURI names a MongoDB (≥ 6, replica set for production) or FerretDB
	// server. Empty starts embedded FerretDB on SQLite in DataDir.
	MongoDBURI string
	// Database is the database name. Default "ticketify".
	Database string
	// DataDir holds the embedded database and generated keys. Default "./data".
	DataDir string
	// HTTPAddr is where /healthz, /interactions and the dashboard listen.
	HTTPAddr string
	// SecretKey is the 32-byte key-encryption key for data keys and tokens.
	SecretKey []byte
	// SecretKeySource says where SecretKey came from, for the log (never the key).
	SecretKeySource string
	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level
	// PollInterval is how often other processes' appends are looked for.
	PollInterval time.Duration
}

// Var describes one environment variable, for the README's table and --help.
type Var struct{ Name, Default, Meaning string }

// Vars lists every setting.
var Vars = []Var{
	{"TICKETIFY_MONGODB_URI", "(empty: embedded FerretDB)", "MongoDB or FerretDB connection string; credentials are never logged"},
	{"TICKETIFY_DATABASE", "ticketify", "database name"},
	{"TICKETIFY_DATA_DIR", "./data", "embedded database files and the generated secret key (directory mode 0700)"},
	{"TICKETIFY_HTTP_ADDR", "127.0.0.1:8080", "HTTP listener: /healthz, /interactions, dashboard"},
	{"TICKETIFY_SECRET_KEY", "(generated into DATA_DIR/secret.key, mode 0600)", "32 bytes, hex or base64: encrypts data keys and OAuth tokens"},
	{"TICKETIFY_SECRET_KEY_FILE", "", "file holding the secret key; must not be readable by group or others"},
	{"TICKETIFY_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"TICKETIFY_POLL_INTERVAL", "100ms", "how often projections look for events appended by other processes"},
}

// Load reads the configuration. Problems are reported together.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		MongoDBURI: strings.TrimSpace(getenv("TICKETIFY_MONGODB_URI")),
		Database:   or(getenv("TICKETIFY_DATABASE"), "ticketify"),
		DataDir:    or(getenv("TICKETIFY_DATA_DIR"), "./data"),
		HTTPAddr:   or(getenv("TICKETIFY_HTTP_ADDR"), "127.0.0.1:8080"),
	}
	var errs []error
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("TICKETIFY_LOG_LEVEL"), "info"))); err != nil {
		errs = append(errs, fmt.Errorf("TICKETIFY_LOG_LEVEL: %w", err))
	}
	var err error
	if c.PollInterval, err = time.ParseDuration(or(getenv("TICKETIFY_POLL_INTERVAL"), "100ms")); err != nil || c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("TICKETIFY_POLL_INTERVAL: want a positive duration like 100ms, got %q", getenv("TICKETIFY_POLL_INTERVAL")))
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("TICKETIFY_HTTP_ADDR: %w", err))
	}
	if c.MongoDBURI != "" && !strings.HasPrefix(c.MongoDBURI, "mongodb://") && !strings.HasPrefix(c.MongoDBURI, "mongodb+srv://") {
		errs = append(errs, errors.New("TICKETIFY_MONGODB_URI: must start with mongodb:// or mongodb+srv://"))
	}
	if strings.ContainsAny(c.Database, `/\. "$`) {
		errs = append(errs, fmt.Errorf("TICKETIFY_DATABASE: %q is not a valid database name", c.Database))
	}
	switch key, file := getenv("TICKETIFY_SECRET_KEY"), getenv("TICKETIFY_SECRET_KEY_FILE"); {
	case key != "" && file != "":
		errs = append(errs, errors.New("set TICKETIFY_SECRET_KEY or TICKETIFY_SECRET_KEY_FILE, not both"))
	case key != "":
		if c.SecretKey, err = decodeKey(key); err != nil {
			errs = append(errs, fmt.Errorf("TICKETIFY_SECRET_KEY: %w", err))
		}
		c.SecretKeySource = "TICKETIFY_SECRET_KEY"
	case file != "":
		if c.SecretKey, err = readKeyFile(file); err != nil {
			errs = append(errs, fmt.Errorf("TICKETIFY_SECRET_KEY_FILE: %w", err))
		}
		c.SecretKeySource = file
	}
	return c, errors.Join(errs...)
}

func or(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, dec := range []func(string) ([]byte, error){hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString} {
		if b, err := dec(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("want 32 bytes as 64 hex digits or base64")
}

func readKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %o; a secret key file must be 0600 or stricter", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeKey(string(b))
}

// EnsureSecretKey generates the secret key into the data directory (mode
// 0600) when none was configured, or reads the one generated before.
func (c *Config) EnsureSecretKey() error {
	if c.SecretKey != nil {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	key, err := readKeyFile(path)
	if err == nil {
		c.SecretKey, c.SecretKeySource = key, path
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secret key: %w", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("secret key: cannot create data directory %s: %w", c.DataDir, err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("secret key: cannot write %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return fmt.Errorf("secret key: cannot write %s: %w", path, err)
	}
	c.SecretKey, c.SecretKeySource = key, path+" (generated)"
	return f.Sync()
}
