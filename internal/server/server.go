// Package server assembles Ticketify from its parts: the database (embedded
// or external), the event store, the projections and the HTTP surface. The
// CLI, the demo and the component tests all start the program through it.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/adapters/discord"
	"github.com/ticketify/ticketify/adapters/mongo/embedded"
	"github.com/ticketify/ticketify/adapters/web"
	"github.com/ticketify/ticketify/adapters/web/dashboard"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/platform/metrics"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/internal/platform/tracing"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/analytics"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/names"
	"github.com/ticketify/ticketify/projections/retention"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/subjects"
	"github.com/ticketify/ticketify/projections/ticketviews"
	"github.com/ticketify/ticketify/projections/timers"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// Storage is the opened database and event store, without anything running.
type Storage struct {
	Embedded *embedded.Server // nil with an external server
	Conn     *mongodb.Conn
	Log      *mongostore.Log
	Keys     *mongostore.Keyring
	// Files holds archived attachments, sealed like the events.
	Files       *mongostore.Files
	Store       *eventstore.Store
	Checkpoints *mongolog.Checkpoints
	App         *app.App
	// SecretKey is the key-encryption key (TICKETIFY_SECRET_KEY or the
	// generated one); it never enters the database.
	SecretKey []byte
}

// OpenStorage connects to the configured server (starting the embedded one
// when no URI is set) and opens the event store.
func OpenStorage(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Storage, error) {
	s := &Storage{}
	uri := cfg.MongoDBURI
	var hook mongodb.CollectionHook
	if uri == "" {
		if err := checkWritable(cfg.DataDir); err != nil {
			return nil, err
		}
		srv, err := embedded.Start(ctx, embedded.Config{Dir: cfg.DataDir, Logger: logger})
		if err != nil {
			return nil, err
		}
		s.Embedded, uri, hook = srv, srv.URI(), srv.IndexIDLookups
		logger.Info("embedded FerretDB started", "backend", "sqlite", "data_dir", cfg.DataDir)
	}
	conn, err := mongodb.Connect(ctx, uri, cfg.Database, mongodb.Options{AfterCreate: hook})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Conn = conn
	if err := cfg.EnsureSecretKey(); err != nil {
		s.Close()
		return nil, err
	}
	logger.Info("secret key loaded", "from", cfg.SecretKeySource)
	s.SecretKey = cfg.SecretKey
	if s.Log, err = mongostore.Open(ctx, conn, mongostore.Config{}); err != nil {
		s.Close()
		return nil, err
	}
	if s.Keys, err = mongostore.OpenKeyring(ctx, conn, cfg.SecretKey); err != nil {
		s.Close()
		return nil, err
	}
	if s.Files, err = mongostore.OpenFiles(ctx, conn, s.Keys); err != nil {
		s.Close()
		return nil, err
	}
	codec, err := eventstore.NewCodec(s.Keys, app.AllEvents()...)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Store = eventstore.NewStore(s.Log, codec)
	if s.Checkpoints, err = mongolog.OpenCheckpoints(ctx, conn); err != nil {
		s.Close()
		return nil, err
	}
	seq, err := mongodb.OpenSequence(ctx, conn)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.App = app.New(s.Store, seq, nil)
	return s, nil
}

func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s cannot be created: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, err)
	}
	name := probe.Name()
	_ = probe.Close()
	return os.Remove(name)
}

// Close releases the storage: the log's writers finish their batches first.
func (s *Storage) Close() {
	if s.Log != nil {
		s.Log.Close()
	}
	if s.Conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.Conn.Close(ctx)
		cancel()
	}
	if s.Embedded != nil {
		s.Embedded.Stop()
	}
}

// Projectors returns every projector of this build.
func Projectors() []projections.Projector {
	return []projections.Projector{ticketviews.Projector{}, transcripts.Projector{}, audit.Projector{}, analytics.Projector{},
		retention.Projector{}, subjects.Projector{}, names.Projector{}, timers.Projector{}}
}

// The runner reads the MongoDB log and its consumer groups' checkpoints
// through its own small interfaces.
var (
	_ runner.Log         = (*mongostore.Log)(nil)
	_ runner.Checkpoints = (*mongolog.Checkpoints)(nil)
)

// NewRuntime returns the projection runtime over the storage: live delivery
// through the MongoDB log's subscribers.
func (s *Storage) NewRuntime(ctx context.Context, cfg config.Config, logger *slog.Logger) (*runner.Runtime, error) {
	return s.newRuntime(ctx, cfg, logger, LogSubscribers(s.Log, s.Checkpoints, cfg.PollInterval, logger))
}

func (s *Storage) newRuntime(ctx context.Context, cfg config.Config, logger *slog.Logger, subs runner.Subscribers) (*runner.Runtime, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return runner.New(ctx, runner.Config{
		Conn: s.Conn, Log: s.Log, Checkpoints: s.Checkpoints, Store: s.Store, Logger: logger,
		Subscribers: subs, Partitions: cfg.Partitions,
	}, Projectors()...)
}

// LogSubscribers makes each consumer group's subscriber on the MongoDB log
// itself (adapters/bus/mongolog), polling for other processes' appends every
// poll (0: the subscriber's default).
func LogSubscribers(log mongolog.Log, cps *mongolog.Checkpoints, poll time.Duration, logger *slog.Logger) runner.Subscribers {
	return Subscribers(log, cps, poll, nil, nil, logger)
}

// Subscribers makes each consumer group's subscriber: its lease and
// checkpoint in MongoDB, its commits from feeds (nil: the log itself,
// polled every poll), its share of partitioned groups from members (nil:
// whatever group is free).
func Subscribers(log mongolog.Log, cps *mongolog.Checkpoints, poll time.Duration, feeds mongolog.Feeds, members *mongolog.Members, logger *slog.Logger) runner.Subscribers {
	return func(g runner.ConsumerGroup) (message.Subscriber, error) {
		return mongolog.NewSubscriber(log, cps, mongolog.SubscriberConfig{ConsumerGroup: g.Name, PollInterval: poll,
			NackResendSleep: g.Redelivery, BeforeCheckpoint: g.BeforeCheckpoint, Acquired: g.Acquired, RewindOnNack: g.Rewind,
			Feeds: feeds, Members: members, Family: g.Family, Partitions: g.Partition.Count,
			Logger: watermill.NewSlogLogger(logger)})
	}
}

// Exporter writes people's exports from the subject index's live generation.
func (s *Storage) Exporter(rt *runner.Runtime, clock func() time.Time) *privacy.Exporter {
	if clock == nil {
		clock = time.Now
	}
	return &privacy.Exporter{Codec: s.Store.Codec(), Clock: clock, Store: s.Store, Files: s.Files,
		Index: subjects.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, subjects.Projector{}) })}
}

// Eraser erases people's and servers' data; forget drops what in-memory
// caches remember of a person (may be nil).
func (s *Storage) Eraser(rt *runner.Runtime, clock func() time.Time, logger *slog.Logger, forget func(domain.UserID)) *privacy.Eraser {
	if clock == nil {
		clock = time.Now
	}
	conn := s.Conn
	return &privacy.Eraser{App: s.App, Keys: s.Keys, Clock: clock, Logger: logger, Forget: forget,
		Index: subjects.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, subjects.Projector{}) }),
		Sync:  rt.WaitCaughtUp,
		DeleteSessions: func(ctx context.Context, u domain.UserID) error {
			return dashboard.DeleteUserSessions(ctx, conn, u.String())
		}}
}

// Importer re-imports a server's export into this (empty) instance.
func (s *Storage) Importer() *privacy.Importer {
	return &privacy.Importer{Store: s.Store,
		Empty: func(ctx context.Context) (bool, error) {
			h, err := s.Log.Head(ctx, eventstore.DefaultTopic)
			return h == 0, err
		},
		ClaimNumbers: func(ctx context.Context, g domain.GuildID, n int64) error {
			seq, err := mongodb.OpenSequence(ctx, s.Conn)
			if err != nil {
				return err
			}
			return seq.ClaimThrough(ctx, app.TicketNumberKey(g), n)
		}}
}

// AuditReader reads the audit timeline's live generation.
func AuditReader(rt *runner.Runtime) *audit.Reader {
	return audit.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, audit.Projector{}) })
}

// Server is the running program.
type Server struct {
	*Storage
	Projections *runner.Runtime
	TicketViews *ticketviews.Reader
	Transcripts *transcripts.Reader
	Audit       *audit.Reader
	Analytics   *analytics.Reader
	Discord     *discord.Bot
	Reactor     *discord.Reactor
	Archiver    *discord.Archiver
	Retention   *app.Retention
	Automation  *app.Automation
	Dashboard   *dashboard.Dashboard
	Exporter    *privacy.Exporter
	Eraser      *privacy.Eraser
	Metrics     *metrics.Metrics // nil when off
	stopTracing func(context.Context) error
	transport   *transport
	http        *fiber.App
	metricsSrv  *http.Server // when /metrics has a listener of its own
	metricsLn   net.Listener
	ln          net.Listener
	httpDone    chan error
	logger      *slog.Logger
	stop        context.CancelFunc
	cfg         config.Config
}

// Config returns the configuration the server started with.
func (s *Server) Config() config.Config { return s.cfg }

// Options are what tests and the demo change about a normal start.
type Options struct {
	// Clock is the program's time (events, the reactor's delays,
	// retention); default time.Now.
	Clock func() time.Time
	// ScheduleEvery is how often delayed Discord actions are checked; default 10s.
	ScheduleEvery time.Duration
	// RetentionEvery is how often due retention deletions run; default 5m.
	// They also run at every start, which catches up a missed window.
	RetentionEvery time.Duration
	// AutomationEvery is how often due automated steps (auto-close) are
	// looked for; default 30s.
	AutomationEvery time.Duration
	// DemoLogin enables the dashboard's "Log in as demo admin" button; only
	// `ticketify demo` sets it.
	DemoLogin func(ctx context.Context) error
	// RequestsPerMinute bounds dashboard requests per client address
	// (default 600); load tests raise it.
	RequestsPerMinute int
	// ArchiveRetryPause is the archiver's first pause between download
	// attempts (default 500ms); tests shorten it.
	ArchiveRetryPause time.Duration
}

// DiscordConfig is the adapter's configuration from the program's.
func DiscordConfig(cfg config.Config) discord.Config {
	return discord.Config{Token: cfg.DiscordToken, PublicKey: cfg.DiscordPublicKey, APIURL: cfg.DiscordAPIURL,
		GatewayURL: cfg.DiscordGatewayURL, DeleteClosedAfter: cfg.DeleteClosedAfter, DashboardURL: cfg.PublicURL,
		ShardCount: cfg.ShardCount, ShardIDs: cfg.ShardIDs}
}

// ErrPortInUse is returned when the HTTP address is taken.
var ErrPortInUse = errors.New("HTTP address already in use")

// Start starts the whole program and returns once it serves.
func Start(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Server, error) {
	return StartWith(ctx, cfg, logger, Options{})
}

// StartWith starts the program with options.
func StartWith(ctx context.Context, cfg config.Config, logger *slog.Logger, opts Options) (*Server, error) {
	if opts.ScheduleEvery <= 0 {
		opts.ScheduleEvery = 10 * time.Second
	}
	if opts.RetentionEvery <= 0 {
		opts.RetentionEvery = 5 * time.Minute
	}
	if opts.AutomationEvery <= 0 {
		opts.AutomationEvery = 30 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	// Bind first: a taken port should fail fast, before the database starts.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%w: %s", ErrPortInUse, cfg.HTTPAddr)
		}
		return nil, fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	if cfg.PublicURL == "http://"+cfg.HTTPAddr { // the default: name the port actually bound
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	stopTracing, err := tracing.Setup(ctx)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("tracing: %w", err)
	}
	st, err := OpenStorage(ctx, cfg, logger)
	if err != nil {
		_ = ln.Close()
		_ = stopTracing(ctx)
		return nil, err
	}
	st.App = st.App.WithClock(opts.Clock)
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{Storage: st, ln: ln, logger: logger, httpDone: make(chan error, 1), stop: stop, cfg: cfg,
		Metrics: newMetrics(cfg.MetricsAddr, st), stopTracing: stopTracing}
	if s.transport, err = openTransport(ctx, cfg, st, logger); err != nil {
		s.abort()
		return nil, err
	}
	s.transport.run(runCtx, logger)
	if s.Projections, err = st.newRuntime(ctx, cfg, logger, s.transport.subs); err != nil {
		s.abort()
		return nil, err
	}
	s.TicketViews = ticketviews.NewReader(func(ctx context.Context) (projections.Target, error) {
		return s.Projections.Target(ctx, ticketviews.Projector{})
	})
	s.Transcripts = transcripts.NewReader(func(ctx context.Context) (projections.Target, error) {
		return s.Projections.Target(ctx, transcripts.Projector{})
	})
	s.Audit = AuditReader(s.Projections)
	s.Analytics = analytics.NewReader(func(ctx context.Context) (projections.Target, error) {
		return s.Projections.Target(ctx, analytics.Projector{})
	})
	displayNames := names.NewReader(func(ctx context.Context) (projections.Target, error) {
		return s.Projections.Target(ctx, names.Projector{})
	})
	// The privacy rights' use cases, before the adapters that offer them.
	s.Exporter = st.Exporter(s.Projections, opts.Clock)
	s.Eraser = st.Eraser(s.Projections, opts.Clock, logger, displayNames.Forget)
	s.Eraser.Erased = s.Metrics.Erased
	var guildExporter dashboard.GuildExporter
	if key, kerr := privacy.SigningKey(cfg.DataDir); kerr != nil {
		logger.Warn("server exports are off: no signing key", "err", kerr)
	} else {
		guildExporter = func(ctx context.Context, w io.Writer, g domain.GuildID) error {
			_, err := s.Exporter.ExportGuild(ctx, w, g, time.Time{}, key)
			return err
		}
	}
	dcfg := DiscordConfig(cfg)
	dcfg.Clock = opts.Clock
	if s.Discord, err = discord.New(dcfg, discord.Deps{App: st.App, Store: st.Store, Tickets: s.TicketViews,
		Transcripts: s.Transcripts, Files: st.Files, Sync: s.Projections, Metrics: s.Metrics,
		EraseGuild: func(ctx context.Context, g domain.GuildID, by domain.Actor) (int, error) {
			r, err := s.Eraser.EraseGuild(ctx, g, app.Meta{Actor: by})
			return r.Tickets, err
		}}, logger); err != nil {
		s.abort()
		return nil, err
	}
	if cfg.DiscordToken != "" {
		if s.Reactor, err = discord.NewReactor(ctx, s.Discord, st.Conn, opts.Clock); err != nil {
			s.abort()
			return nil, err
		}
		s.Projections.AddReactor(s.Reactor)
		s.Archiver = discord.NewArchiver(discord.ArchiverConfig{App: st.App, Files: st.Files, Keys: st.Keys,
			CDNURL: cfg.DiscordCDNURL, RetryPause: opts.ArchiveRetryPause, Logger: logger,
			Limits: ticket.ArchiveLimits{PerFile: cfg.AttachmentMaxBytes, PerTicket: cfg.TicketAttachmentsMaxBytes}})
		s.Projections.AddReactor(s.Archiver)
	}
	s.Projections.AddReactor(app.LeavingPolicy{App: st.App})
	if err := s.Projections.Start(runCtx); err != nil {
		s.abort()
		return nil, err
	}
	if err := s.Discord.Open(ctx); err != nil {
		s.abort()
		return nil, err
	}
	if s.Reactor != nil {
		go s.Reactor.RunSchedule(runCtx, opts.ScheduleEvery)
		go s.Archiver.RunSweeps(runCtx, 10*time.Minute)
	}
	s.Retention = &app.Retention{App: st.App, Keys: st.Keys, Files: st.Files, Clock: opts.Clock, Logger: logger, Ran: s.Metrics.RetentionRan,
		Jobs: retention.NewReader(func(ctx context.Context) (projections.Target, error) {
			return s.Projections.Target(ctx, retention.Projector{})
		})}
	go s.Retention.Run(runCtx, opts.RetentionEvery)
	cursor, err := timers.OpenCursor(ctx, st.Conn)
	if err != nil {
		s.abort()
		return nil, err
	}
	s.Automation = &app.Automation{App: st.App, Cursor: cursor, Synced: s.Projections, Clock: opts.Clock, Logger: logger,
		Timers: timers.NewReader(func(ctx context.Context) (projections.Target, error) {
			return s.Projections.Target(ctx, timers.Projector{})
		})}
	go s.Automation.Run(runCtx, opts.AutomationEvery)
	if !DiscordConfig(cfg).Enabled() {
		logger.Warn("Discord is not configured (DISCORD_TOKEN, DISCORD_PUBLIC_KEY): serving without a bot")
	}
	var observe web.Observer
	if s.Metrics != nil {
		observe = s.Metrics.ObserveHTTP
	}
	s.http = web.NewObserved(logger, []web.Check{
		{Name: "store", Check: st.Log.Ping},
		{Name: "projections", Check: func(context.Context) error { return s.Projections.Health() }},
		{Name: "discord", Check: s.Discord.Health},
	}, observe, cfg.TrustedProxies...)
	if s.Metrics != nil {
		s.addGauges(s.Metrics, opts.Clock)
	}
	if err := s.serveMetrics(s.Metrics, cfg.MetricsAddr); err != nil {
		s.abort()
		return nil, err
	}
	s.http.Post("/interactions", s.Discord.InteractionsHandler())
	var dir dashboard.Directory
	if d := s.Discord.Directory(); d != nil {
		dir = directory{d}
	}
	s.Dashboard, err = dashboard.New(ctx, dashboard.Config{PublicURL: cfg.PublicURL, ClientID: cfg.DiscordClientID,
		ClientSecret: cfg.DiscordClientSecret, APIURL: cfg.DiscordAPIURL, SecretKey: st.SecretKey, DemoLogin: opts.DemoLogin,
		Clock: opts.Clock, RequestsPerMinute: opts.RequestsPerMinute},
		st.App, dashboard.Services{Exporter: s.Exporter, GuildExporter: guildExporter, Eraser: s.Eraser},
		st.Conn, dashboard.Readers{Tickets: s.TicketViews, Transcripts: s.Transcripts, Audit: s.Audit,
			Analytics: s.Analytics, Sync: s.Projections, Names: displayNames, Files: st.Files}, dir, logger)
	if err != nil {
		s.abort()
		return nil, err
	}
	s.Dashboard.Mount(s.http)
	go s.Dashboard.Sweep(runCtx, time.Hour)
	go func() { // an erasure interrupted by a crash is finished now
		var n int
		if err := panics.Call(func() (err error) { n, err = s.Eraser.ResumePending(runCtx); return err }); err != nil {
			logger.Error("unfinished erasures could not be finished; they will be at the next start", "err", err)
		} else if n > 0 {
			logger.Info("unfinished erasures finished", "count", n)
		}
	}()
	go func() { s.httpDone <- s.http.Listener(ln) }()
	logger.Info("ticketify serving", "http", ln.Addr().String())
	return s, nil
}

func (s *Server) abort() {
	s.stop()
	if s.Discord != nil {
		s.Discord.Close(context.Background())
	}
	if s.Projections != nil {
		_ = s.Projections.Close()
	}
	if s.transport != nil {
		s.transport.close()
	}
	_ = s.ln.Close()
	if s.metricsSrv != nil {
		_ = s.metricsSrv.Close()
	}
	s.Storage.Close()
	_ = s.stopTracing(context.Background())
}

// Addr returns the HTTP address actually bound.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Done reports the HTTP server stopping by itself.
func (s *Server) Done() <-chan error { return s.httpDone }

// Shutdown stops taking requests, lets projections save their checkpoints,
// lets the log's writers finish, and stops the database.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if err := s.http.ShutdownWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	if s.metricsSrv != nil {
		if err := s.metricsSrv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("metrics: %w", err))
		}
	}
	s.Discord.Close(ctx) // while the views and the reactor still run: a reply may wait for them
	s.stop()
	if err := s.Projections.Close(); err != nil {
		errs = append(errs, fmt.Errorf("projections: %w", err))
	}
	s.transport.close()
	s.Storage.Close()
	if err := s.stopTracing(ctx); err != nil { // the spans still buffered go out
		errs = append(errs, fmt.Errorf("tracing: %w", err))
	}
	s.logger.Info("ticketify stopped")
	return errors.Join(errs...)
}

// directory adapts the Discord adapter's directory to the dashboard's.
type directory struct{ d *discord.Directory }

func (x directory) MemberRoles(ctx context.Context, g domain.GuildID, u domain.UserID) ([]domain.RoleID, error) {
	return x.d.MemberRoles(ctx, g, u)
}

func (x directory) GuildRoles(ctx context.Context, g domain.GuildID) ([]dashboard.Named, error) {
	return named(x.d.GuildRoles(ctx, g))
}

func (x directory) GuildTextChannels(ctx context.Context, g domain.GuildID) ([]dashboard.Named, error) {
	return named(x.d.GuildTextChannels(ctx, g))
}

func (x directory) GuildCategories(ctx context.Context, g domain.GuildID) ([]dashboard.Named, error) {
	return named(x.d.GuildCategories(ctx, g))
}

func (x directory) SearchMembers(ctx context.Context, g domain.GuildID, query string, limit int) ([]dashboard.Named, error) {
	return named(x.d.SearchMembers(ctx, g, query, limit))
}

func named(in []discord.Named, err error) ([]dashboard.Named, error) {
	out := make([]dashboard.Named, len(in))
	for i, n := range in {
		out[i] = dashboard.Named{ID: n.ID, Name: n.Name}
	}
	return out, err
}
