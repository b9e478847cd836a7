// Package config reads Ticketify's configuration from the environment and
// files, with documented defaults, and reports every problem at once.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ticketify/ticketify/internal/platform/logsafe"
	"github.com/ticketify/ticketify/internal/platform/tracing"
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
	// PublicURL is where people reach the dashboard (links, OAuth redirects).
	PublicURL string
	// Discord settings; see the Vars table.
	DiscordToken      string
	DiscordPublicKey  string
	DiscordAPIURL     string
	DiscordGatewayURL string
	// DiscordCDNURL is where attachments are downloaded from.
	DiscordCDNURL     string
	DeleteClosedAfter time.Duration
	// AttachmentMaxBytes and TicketAttachmentsMaxBytes cap the archive of
	// attachments: each file, and each ticket's files together.
	AttachmentMaxBytes        int64
	TicketAttachmentsMaxBytes int64
	// DiscordClientID and DiscordClientSecret are the application's OAuth2
	// client, for the dashboard's login. Empty: the dashboard cannot log in.
	DiscordClientID     string
	DiscordClientSecret string
	// TrustedProxies are reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []string
	// ShardCount is the bot's total number of gateway shards (0: Discord's
	// recommendation) and ShardIDs those this process runs (none: all).
	ShardCount int
	ShardIDs   []int
	// MetricsAddr is where GET /metrics is served: an address for a
	// listener of its own, "http" for the HTTP listener, or "" for nowhere
	// (the default: metrics are not public unless asked for).
	MetricsAddr string
	// Transport carries the log to projectors and reactors: TransportMongoDB
	// (the log itself, polled) or TransportNATS (JetStream, NATSURL).
	Transport string
	NATSURL   string
	// Partitions splits each projector that can be split by guild into
	// that many consumer groups, shared between processes.
	Partitions int
}

// validNATSURLs checks a NATS server URL, or a comma-separated list of
// them as the NATS client takes: scheme nats or tls, a host, a port from 1
// to 65535 when given.
func validNATSURLs(list string) bool {
	for _, one := range strings.Split(list, ",") {
		u, err := url.Parse(strings.TrimSpace(one))
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Hostname() == "" {
			return false
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return false
			}
		}
	}
	return true
}

// Transports.
const (
	TransportMongoDB = "mongodb"
	TransportNATS    = "nats"
)

// MaxPartitions bounds TICKETIFY_PARTITIONS: a partition is a consumer
// group per projector, with its lease and checkpoint.
const MaxPartitions = 256

// MetricsOnHTTP as TICKETIFY_METRICS_ADDR serves /metrics on the HTTP
// listener (for those who protect it themselves).
const MetricsOnHTTP = "http"

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
	{"TICKETIFY_PUBLIC_URL", "http://<TICKETIFY_HTTP_ADDR>", "where people reach the dashboard (links, OAuth redirect)"},
	{"DISCORD_TOKEN", "(empty: no gateway, no Discord side effects)", "the bot token; never logged"},
	{"DISCORD_TOKEN_FILE", "", "a file holding the bot token; must be mode 0600 or stricter"},
	{"DISCORD_PUBLIC_KEY", "(empty: /interactions answers 503)", "the application's public key (hex) that signs interactions"},
	{"DISCORD_API_URL", "https://discord.com/api/v10", "Discord's REST base URL (tests and the demo point it at the fake Discord)"},
	{"DISCORD_GATEWAY_URL", "wss://gateway.discord.gg", "Discord's gateway URL"},
	{"DISCORD_CDN_URL", "https://cdn.discordapp.com", "Discord's CDN: attachments are archived only from links under it (and media.discordapp.net)"},
	{"TICKETIFY_ATTACHMENT_MAX_MB", "25", "the largest attachment archived with a transcript, in MiB (0: none is archived)"},
	{"TICKETIFY_TICKET_ATTACHMENTS_MAX_MB", "500", "the most a ticket's archived attachments take together, in MiB"},
	{"TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER", "24h", "how long a closed ticket's locked channel stays before the bot deletes it; 0 keeps it"},
	{"TICKETIFY_SHARD_COUNT", "(empty: Discord's recommendation)", "the bot's total number of gateway shards; set it when processes split them"},
	{"TICKETIFY_SHARDS", "(empty: all shards)", "the shards this process runs, like 0-3 or 0,2 (needs TICKETIFY_SHARD_COUNT): one range per process"},
	{"TICKETIFY_METRICS_ADDR", "(empty: no metrics)", "Prometheus metrics: an address like 127.0.0.1:9090 serves /metrics on a listener of its own; http serves it on the HTTP listener"},
	{"TICKETIFY_TRANSPORT", "mongodb", "how events reach projectors and reactors: mongodb (the log itself; other processes' appends are polled) or nats (NATS JetStream, fed by a relay from the log)"},
	{"TICKETIFY_NATS_URL", "(empty)", "the NATS server for TICKETIFY_TRANSPORT=nats, like nats://127.0.0.1:4222"},
	{"TICKETIFY_PARTITIONS", "1", "consumer groups each per-server projector is split into by server, shared between processes (changing it rebuilds those projections at the next start)"},
	{"TICKETIFY_TRUSTED_PROXIES", "(empty: none)", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For names the client (rate limits)"},
	{"DISCORD_CLIENT_ID", "(empty: no dashboard login)", "the application's OAuth2 client id, for the dashboard's Discord login"},
	{"DISCORD_CLIENT_SECRET", "", "its client secret; never logged"},
	{"DISCORD_CLIENT_SECRET_FILE", "", "a file holding the client secret; must be mode 0600 or stricter"},
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
	if v := strings.TrimSpace(getenv("TICKETIFY_SHARD_COUNT")); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > MaxShards || strings.HasPrefix(v, "+") {
			errs = append(errs, fmt.Errorf("TICKETIFY_SHARD_COUNT: want a number of shards from 1 to %d, got %q", MaxShards, v))
		} else {
			c.ShardCount = n
		}
	}
	if v := strings.TrimSpace(getenv("TICKETIFY_SHARDS")); v != "" {
		ids, err := parseShards(v, c.ShardCount)
		if err != nil {
			errs = append(errs, fmt.Errorf("TICKETIFY_SHARDS: %w", err))
		}
		c.ShardIDs = ids
	}
	c.Transport = strings.ToLower(or(strings.TrimSpace(getenv("TICKETIFY_TRANSPORT")), TransportMongoDB))
	c.NATSURL = strings.TrimSpace(getenv("TICKETIFY_NATS_URL"))
	switch c.Transport {
	case TransportMongoDB:
	case TransportNATS:
		if c.NATSURL == "" {
			errs = append(errs, errors.New("TICKETIFY_NATS_URL: required with TICKETIFY_TRANSPORT=nats (e.g. nats://127.0.0.1:4222)"))
		} else if !validNATSURLs(c.NATSURL) {
			errs = append(errs, errors.New("TICKETIFY_NATS_URL: want nats://host:port or tls://host:port (several separated by commas)"))
		}
	default:
		errs = append(errs, fmt.Errorf("TICKETIFY_TRANSPORT: want %s or %s, got %q", TransportMongoDB, TransportNATS, c.Transport))
	}
	c.Partitions = 1
	if v := strings.TrimSpace(getenv("TICKETIFY_PARTITIONS")); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > MaxPartitions || strings.HasPrefix(v, "+") {
			errs = append(errs, fmt.Errorf("TICKETIFY_PARTITIONS: want a number from 1 to %d, got %q", MaxPartitions, v))
		} else {
			c.Partitions = n
		}
	}
	c.MetricsAddr = strings.TrimSpace(getenv("TICKETIFY_METRICS_ADDR"))
	if c.MetricsAddr != "" && c.MetricsAddr != MetricsOnHTTP {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("TICKETIFY_METRICS_ADDR: want host:port or %s: %w", MetricsOnHTTP, err))
		}
	}
	if c.MongoDBURI != "" && !strings.HasPrefix(c.MongoDBURI, "mongodb://") && !strings.HasPrefix(c.MongoDBURI, "mongodb+srv://") {
		errs = append(errs, errors.New("TICKETIFY_MONGODB_URI: must start with mongodb:// or mongodb+srv://"))
	}
	if strings.ContainsAny(c.Database, `/\. "$`) {
		errs = append(errs, fmt.Errorf("TICKETIFY_DATABASE: %q is not a valid database name", c.Database))
	}
	c.PublicURL = strings.TrimRight(or(getenv("TICKETIFY_PUBLIC_URL"), "http://"+c.HTTPAddr), "/")
	c.DiscordPublicKey = strings.TrimSpace(getenv("DISCORD_PUBLIC_KEY"))
	c.DiscordAPIURL = strings.TrimRight(or(getenv("DISCORD_API_URL"), "https://discord.com/api/v10"), "/")
	c.DiscordGatewayURL = or(getenv("DISCORD_GATEWAY_URL"), "wss://gateway.discord.gg")
	c.DiscordCDNURL = strings.TrimRight(or(getenv("DISCORD_CDN_URL"), "https://cdn.discordapp.com"), "/")
	if u, err := url.Parse(c.DiscordCDNURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("DISCORD_CDN_URL: want an http(s) URL, got %q", c.DiscordCDNURL))
	}
	for _, v := range []struct {
		name string
		def  int64
		to   *int64
	}{{"TICKETIFY_ATTACHMENT_MAX_MB", 25, &c.AttachmentMaxBytes}, {"TICKETIFY_TICKET_ATTACHMENTS_MAX_MB", 500, &c.TicketAttachmentsMaxBytes}} {
		mb := v.def
		if s := strings.TrimSpace(getenv(v.name)); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 || n > 1<<20 || strings.HasPrefix(s, "+") {
				errs = append(errs, fmt.Errorf("%s: want a whole number of MiB from 0 to %d, got %q", v.name, 1<<20, s))
				continue
			}
			mb = n
		}
		*v.to = mb << 20
	}
	if c.DeleteClosedAfter, err = time.ParseDuration(or(getenv("TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER"), "24h")); err != nil || c.DeleteClosedAfter < 0 {
		errs = append(errs, fmt.Errorf("TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER: want a duration like 24h or 0, got %q", getenv("TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER")))
	}
	switch token, file := getenv("DISCORD_TOKEN"), getenv("DISCORD_TOKEN_FILE"); {
	case token != "" && file != "":
		errs = append(errs, errors.New("set DISCORD_TOKEN or DISCORD_TOKEN_FILE, not both"))
	case token != "":
		c.DiscordToken = strings.TrimSpace(token)
	case file != "":
		b, err := readSecretFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("DISCORD_TOKEN_FILE: %w", err))
		}
		c.DiscordToken = strings.TrimSpace(string(b))
	}
	for _, p := range strings.Split(getenv("TICKETIFY_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		_, _, cidrErr := net.ParseCIDR(p)
		if net.ParseIP(p) == nil && cidrErr != nil {
			errs = append(errs, fmt.Errorf("TICKETIFY_TRUSTED_PROXIES: %q is not an IP address or CIDR range", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	c.DiscordClientID = strings.TrimSpace(getenv("DISCORD_CLIENT_ID"))
	switch secret, file := getenv("DISCORD_CLIENT_SECRET"), getenv("DISCORD_CLIENT_SECRET_FILE"); {
	case secret != "" && file != "":
		errs = append(errs, errors.New("set DISCORD_CLIENT_SECRET or DISCORD_CLIENT_SECRET_FILE, not both"))
	case secret != "":
		c.DiscordClientSecret = strings.TrimSpace(secret)
	case file != "":
		b, err := readSecretFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("DISCORD_CLIENT_SECRET_FILE: %w", err))
		}
		c.DiscordClientSecret = strings.TrimSpace(string(b))
	}
	if (c.DiscordClientID == "") != (c.DiscordClientSecret == "") {
		errs = append(errs, errors.New("DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET go together"))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TICKETIFY_PUBLIC_URL: want an http(s) URL like https://tickets.example.com, got %q", c.PublicURL))
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
	b, err := readSecretFile(path)
	if err != nil {
		return nil, err
	}
	return decodeKey(string(b))
}

// readSecretFile reads a secret, refusing files others could read.
func readSecretFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %o; a secret file must be 0600 or stricter", path, info.Mode().Perm())
	}
	return os.ReadFile(path)
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

// Logger is the program's logger at the configured level, writing text to
// w. Whatever logs through it — the program and the libraries it hands it
// to — never prints the configured secrets or a Discord URL's token
// (logsafe).
func (c Config) Logger(w io.Writer) *slog.Logger {
	secrets := []string{c.DiscordToken, c.DiscordClientSecret}
	if len(c.SecretKey) > 0 {
		secrets = append(secrets, hex.EncodeToString(c.SecretKey), base64.StdEncoding.EncodeToString(c.SecretKey))
	}
	// Lines logged with a context carry its trace and span ids.
	return slog.New(tracing.LogHandler(logsafe.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: c.LogLevel}), secrets...)))
}

// MaxShards bounds TICKETIFY_SHARD_COUNT (Discord's largest bots run a few
// thousand shards).
const MaxShards = 1 << 16

// parseShards reads shard ids like "0-3" or "0,2,5" (or both, comma
// separated), each below count.
func parseShards(v string, count int) ([]int, error) {
	if count == 0 {
		return nil, errors.New("a range of shards needs TICKETIFY_SHARD_COUNT, the total")
	}
	var ids []int
	seen := map[int]bool{}
	for _, part := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		from, err1 := strconv.Atoi(strings.TrimSpace(lo))
		to, err2 := from, error(nil)
		if isRange {
			to, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || from < 0 || to < from || to >= count {
			return nil, fmt.Errorf("%q is not a shard or range of shards below %d", part, count)
		}
		for id := from; id <= to; id++ {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}
