// Command ticketify is an event-sourced Discord ticket system: one binary,
// one command. Run `ticketify help` for the commands and settings.
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/i18n"
	"github.com/ticketify/ticketify/internal/i18n/said"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/projections/runner"
	"github.com/ticketify/ticketify/projections/subjects"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ticketify:", oneLine(err))
		os.Exit(1)
	}
}

// oneLine keeps the first line of an error for the terminal; details go to
// the log. A broken rule in it is said in English, not named by its key.
func oneLine(err error) string {
	s := err.Error()
	var rule *domain.RuleError
	if errors.As(err, &rule) {
		s = strings.Replace(s, rule.Error(), said.Refusal(i18n.English(), rule), 1)
	}
	s = strings.ReplaceAll(s, "\n", "; ")
	return s
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch {
	case cmd == "help":
		return printHelp(stdout, args)
	case isHelpFlag(cmd):
		printUsage(stdout)
		return nil
	case !known(cmd):
		printUsage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	case slices.ContainsFunc(args, isHelpFlag):
		return printHelp(stdout, append([]string{cmd}, args...))
	}
	if cmd == "demo" {
		return runDemo(ctx, getenv, stdout, stderr)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := cfg.Logger(stderr)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger)
	case "projections":
		return projectionsCmd(ctx, cfg, logger, args, stdout)
	case "discord":
		return discordCmd(ctx, cfg, logger, args, stdout, stderr)
	case "audit":
		return auditCmd(ctx, cfg, logger, args, stdout)
	case "export":
		return exportCmd(ctx, cfg, logger, args, stdout, stderr)
	case "erase":
		return eraseCmd(ctx, cfg, logger, args, stdout, stderr)
	case "import":
		return importCmd(ctx, cfg, logger, args, stdout, stderr)
	default:
		printUsage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func serve(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	logger.Info("starting", "mongodb", describeDB(cfg), "http", cfg.HTTPAddr)
	srv, err := server.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-srv.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return errors.Join(runErr, srv.Shutdown(shutdownCtx))
}

func describeDB(cfg config.Config) string {
	if cfg.MongoDBURI == "" {
		return "embedded FerretDB in " + cfg.DataDir
	}
	return mongodb.Redact(cfg.MongoDBURI)
}

func projectionsCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("projections: say rebuild or list")
	}
	st, err := server.OpenStorage(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	rt, err := st.NewRuntime(ctx, cfg, logger)
	if err != nil {
		return err
	}
	switch args[0] {
	case "rebuild":
		start := time.Now()
		if err := rt.Rebuild(ctx, args[1:]...); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	case "list":
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tVERSION\tGENERATION")
		for _, p := range server.Projectors() {
			t, err := rt.Target(ctx, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\n", p.Name(), p.Version(), t.Generation)
		}
		_ = tw.Flush()
		parked, err := rt.Parked(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d parked event(s)\n", len(parked))
		for _, p := range parked {
			fmt.Fprintf(stdout, "  %s at %d: %s (%s): %s\n", p.Projector, p.Position, p.EventID, p.Type, p.Error)
		}
		return nil
	default:
		return fmt.Errorf("projections: unknown subcommand %q", args[0])
	}
}

// auditCmd is `ticketify audit verify`.
func auditCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("audit: say verify")
	}
	st, err := server.OpenStorage(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	rt, err := st.NewRuntime(ctx, cfg, logger)
	if err != nil {
		return err
	}
	n, mismatches, err := server.AuditReader(rt).Verify(ctx, st.Store, st.Log)
	if err != nil {
		return err
	}
	for _, m := range mismatches {
		fmt.Fprintf(stdout, "MISMATCH %s version %d (position %d): recorded %s, log gives %s\n", m.Stream, m.Version, m.Position, m.Stored, m.Computed)
	}
	if len(mismatches) > 0 {
		return fmt.Errorf("audit: %d of %d streams' hash chains do not match the log", len(mismatches), n)
	}
	fmt.Fprintf(stdout, "%d streams verified: every hash chain matches the log\n", n)
	return nil
}

// exportCmd is `ticketify export user USER_ID [--out FILE] [--as-of TIME]`
// and `ticketify export guild GUILD_ID --out FILE [--as-of TIME]`.
func exportCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) >= 2 && args[0] == "guild" {
		return exportGuildCmd(ctx, cfg, logger, args[1:], stdout, stderr)
	}
	if len(args) < 2 || args[0] != "user" {
		return errors.New("export: say `export user USER_ID [--out FILE] [--as-of 2026-01-31T00:00:00Z]` or `export guild GUILD_ID --out FILE`")
	}
	user, err := domain.ParseUserID(args[1])
	if err != nil {
		return fmt.Errorf("export: %q is not a Discord user id", args[1])
	}
	fs, opts := exportUserFlags(stderr)
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	out := opts.out
	asOf, err := parseAsOf(*opts.asOf)
	if err != nil {
		return err
	}
	st, rt, err := openForExport(ctx, cfg, logger, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	export := st.Exporter(rt, nil).ExportUser
	if strings.HasSuffix(*out, ".zip") {
		export = st.Exporter(rt, nil).ExportUserZIP // with the transcripts of their tickets
	}
	m, err := export(ctx, w, user, asOf)
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(stdout, "exported %d events about %s to %s\n", m.Events, user, *out)
	}
	return nil
}

// indexBehind says how many events the subject index has not applied yet.
func indexBehind(ctx context.Context, st *server.Storage) (int64, error) {
	last, _, err := st.Log.LastEvent(ctx, eventstore.DefaultTopic)
	if err != nil || last == 0 {
		return 0, err
	}
	cp, err := st.Checkpoints.Load(ctx, eventstore.DefaultTopic, subjects.Name)
	if err != nil {
		return 0, err
	}
	return max(last-cp.Event, 0), nil
}

// eraseCmd is `ticketify erase user USER_ID` and `ticketify erase guild GUILD_ID`.
func eraseCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) != 2 || (args[0] != "user" && args[0] != "guild") {
		return errors.New("erase: say `erase user USER_ID` or `erase guild GUILD_ID`")
	}
	st, err := server.OpenStorage(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	rt, err := st.NewRuntime(ctx, cfg, logger)
	if err != nil {
		return err
	}
	eraser := st.Eraser(rt, nil, logger, nil)
	eraser.Sync = nil // the projections are not running here: the index is read as it is
	meta := app.Meta{Actor: domain.Actor{Source: domain.SourceCLI}}
	var r privacy.Receipt
	if args[0] == "user" {
		user, perr := domain.ParseUserID(args[1])
		if perr != nil {
			return fmt.Errorf("erase: %q is not a Discord user id", args[1])
		}
		r, err = eraser.EraseUser(ctx, user, meta)
	} else {
		g, perr := domain.ParseGuildID(args[1])
		if perr != nil {
			return fmt.Errorf("erase: %q is not a Discord server id", args[1])
		}
		if behind, berr := indexBehind(ctx, st); berr == nil && behind > 0 {
			return fmt.Errorf("erase: the subject index is %d events behind the log, so some of the server's tickets could be missed; start ticketify once, then erase", behind)
		}
		r, err = eraser.EraseGuild(ctx, g, meta)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "erased %s %s: %d keys destroyed, %d tickets to scrub (receipt %s); the views are scrubbed when ticketify runs\n",
		args[0], args[1], r.Keys, r.Tickets, r.Request)
	return nil
}

func exportGuildCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	g, err := domain.ParseGuildID(args[0])
	if err != nil {
		return fmt.Errorf("export: %q is not a Discord server id", args[0])
	}
	fs, opts := exportGuildFlags(stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	out := opts.out
	if *out == "" {
		return errors.New("export guild: say where with --out FILE.zip")
	}
	asOf, err := parseAsOf(*opts.asOf)
	if err != nil {
		return err
	}
	key, err := privacy.SigningKey(cfg.DataDir)
	if err != nil {
		return err
	}
	st, rt, err := openForExport(ctx, cfg, logger, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	m, err := st.Exporter(rt, nil).ExportGuild(ctx, f, g, asOf, key)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	pub := key.Public().(ed25519.PublicKey)
	fmt.Fprintf(stdout, "exported %d events of %d tickets of server %s to %s, signed by key %s (public key %s)\n",
		m.Events, m.Tickets, g, *out, privacy.Fingerprint(pub), m.PublicKey)
	return nil
}

// importCmd is `ticketify import FILE (--trust PUBLIC_KEY | --fingerprint SHA256:…)`.
func importCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) < 1 || strings.HasPrefix(args[0], "-") {
		return errors.New("import: say `import FILE.zip --trust PUBLIC_KEY_BASE64` or `import FILE.zip --fingerprint SHA256:…`")
	}
	fs, opts := importFlags(stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var trust privacy.Trust
	if *opts.trust != "" {
		b, err := base64.StdEncoding.DecodeString(*opts.trust)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return errors.New("import: --trust wants a base64 Ed25519 public key, as `ticketify export guild` printed it")
		}
		trust.PublicKey = b
	}
	if fp := *opts.fingerprint; fp != "" {
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(fp, "SHA256:"))
		if !strings.HasPrefix(fp, "SHA256:") || err != nil || len(b) != 32 {
			return errors.New("import: --fingerprint wants SHA256:… (43 characters after the colon), as `ticketify export guild` printed it")
		}
		trust.Fingerprint = fp
	}
	st, err := server.OpenStorage(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.Importer().Import(ctx, args[0], trust)
	if untrusted, ok := errors.AsType[*privacy.UntrustedError](err); ok {
		return fmt.Errorf("import: nothing imported: %s is signed by key %s (public key %s), and no key is trusted yet. "+
			"Compare it with the key the exporting installation printed (`ticketify export guild` prints it); if they are the same, run again with --fingerprint %s (or --trust %s)",
			args[0], untrusted.Fingerprint, untrusted.PublicKey, untrusted.Fingerprint, untrusted.PublicKey)
	}
	if err != nil && res.Events == 0 {
		return fmt.Errorf("import: nothing imported: %w", err)
	}
	if err != nil {
		return fmt.Errorf("import: stopped after %d of %d events; restore an empty instance before trying again: %w", res.Events, res.Manifest.Events, err)
	}
	fmt.Fprintf(stdout, "imported %d events of server %s (signed by key %s); start ticketify to build the views\n",
		res.Events, res.Manifest.Guild, res.Fingerprint)
	return nil
}

// parseAsOf reads --as-of; empty means now.
func parseAsOf(text string) (time.Time, error) {
	if text == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return t, fmt.Errorf("export: --as-of: want a time like 2026-01-31T00:00:00Z: %w", err)
	}
	return t, nil
}

// openForExport opens the storage and a (not started) projection runtime to
// read the subject index, warning when the index lags the log.
func openForExport(ctx context.Context, cfg config.Config, logger *slog.Logger, stderr io.Writer) (*server.Storage, *runner.Runtime, error) {
	st, err := server.OpenStorage(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	rt, err := st.NewRuntime(ctx, cfg, logger)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if behind, err := indexBehind(ctx, st); err == nil && behind > 0 {
		fmt.Fprintf(stderr, "warning: the subject index is %d events behind the log; start ticketify once to bring it up to date\n", behind)
	}
	return st, rt, nil
}
