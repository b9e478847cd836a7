// Command ticketify is an event-sourced Discord ticket system: one binary,
// one command. Run `ticketify help` for the commands and settings.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ticketify/ticketify/internal/config"
	"github.com/ticketify/ticketify/internal/mongodb"
	"github.com/ticketify/ticketify/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ticketify:", oneLine(err))
		os.Exit(1)
	}
}

// oneLine keeps the first line of an error for the terminal; details go to the log.
func oneLine(err error) string {
	s := err.Error()
	s = strings.ReplaceAll(s, "\n", "; ")
	return s
}

const usage = `ticketify — event-sourced Discord tickets

Usage:
  ticketify [serve]                       run the bot, projections and HTTP server (default)
  ticketify demo                          everything embedded with a fake Discord and a sample server
  ticketify discord register-commands [--guild ID]
                                          register the slash commands (globally, or in one guild at once)
  ticketify projections rebuild [NAME...] rebuild projections from the event log (all when none named)
  ticketify projections list              list projections, their generations and parked events
  ticketify audit verify                  recompute every stream's hash chain from the log and compare
  ticketify help                          this text

Settings (environment):
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		printUsage(stdout)
		return nil
	}
	if cmd == "demo" {
		return runDemo(ctx, getenv, stdout, stderr)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger)
	case "projections":
		return projectionsCmd(ctx, cfg, logger, args, stdout)
	case "discord":
		return discordCmd(ctx, cfg, logger, args, stdout)
	case "audit":
		return auditCmd(ctx, cfg, logger, args, stdout)
	default:
		printUsage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, v := range config.Vars {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, v.Default, v.Meaning)
	}
	_ = tw.Flush()
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
	n, mismatches, err := server.AuditReader(rt).Verify(ctx, st.Store)
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
