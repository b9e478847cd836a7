package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/ticketify/ticketify/adapters/discord"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/demo"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
)

// runDemo runs everything embedded against the fake Discord, fills a sample
// server through the real interaction path, and keeps running.
func runDemo(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	fake, err := fakediscord.Start()
	if err != nil {
		return fmt.Errorf("demo: fake Discord: %w", err)
	}
	defer fake.Close()
	dir := getenv("TICKETIFY_DATA_DIR")
	fate := "kept after exit: TICKETIFY_DATA_DIR is set"
	if dir == "" {
		if dir, err = os.MkdirTemp("", "ticketify-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		fate = "removed on exit"
	}
	overrides := map[string]string{
		"TICKETIFY_DATA_DIR": dir, "TICKETIFY_MONGODB_URI": "",
		"DISCORD_TOKEN": fake.Token, "DISCORD_PUBLIC_KEY": fake.PublicKey(),
		"DISCORD_API_URL": fake.APIURL(), "DISCORD_GATEWAY_URL": fake.GatewayURL(), "DISCORD_CDN_URL": fake.CDNURL(),
		"DISCORD_CLIENT_ID": fake.AppID.String(), "DISCORD_CLIENT_SECRET": fake.ClientSecret(),
	}
	cfg, err := config.Load(func(k string) string {
		if v, ok := overrides[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := cfg.Logger(stderr)
	world := demo.NewWorld(fake)
	// Demo mode only: the dashboard's "Log in as demo admin" chooses the
	// admin at the fake Discord, then runs the ordinary OAuth flow.
	srv, err := server.StartWith(ctx, cfg, logger, server.Options{DemoLogin: func(context.Context) error {
		fake.LoginAs(world.Admin)
		return nil
	}})
	if err != nil {
		return err
	}
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if _, err := discord.RegisterCommands(ctx, srv.Discord.Rest(), srv.Discord.ApplicationID(), nil); err != nil {
		return err
	}
	if err := fake.WaitConnected(ctx, 1); err != nil {
		return err
	}
	start := time.Now()
	if err := world.Seed(ctx, "http://"+srv.Addr()+"/interactions"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, `
Ticketify demo is running (seeded in %s).
  server:       %q with %d staff and %d members, %d tickets opened through signed interactions (one a private thread)
  automation:   auto-close after 72 h is on; a member left, which closed their tickets automatically
  dashboard:    http://%s  (press "Log in as demo admin")
  fake Discord: %s
  data:         %s (%s)
Press Ctrl-C to stop.
`, time.Since(start).Round(time.Millisecond), world.Guild.Name, len(world.Staff), len(world.Members), demo.Tickets(), srv.Addr(), fake.APIURL(), dir, fate)
	select {
	case <-ctx.Done():
		return nil
	case err := <-srv.Done():
		return err
	}
}

// discordCmd is `ticketify discord register-commands [--guild ID]`.
func discordCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "register-commands" {
		return errors.New("discord: say register-commands")
	}
	fs, guildFlag := registerFlags(stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cfg.DiscordToken == "" {
		return errors.New("discord: DISCORD_TOKEN is required to register commands")
	}
	bot, err := discord.New(server.DiscordConfig(cfg), discord.Deps{}, logger)
	if err != nil {
		return err
	}
	var guild *snowflake.ID
	if *guildFlag != "" {
		id, err := snowflake.Parse(*guildFlag)
		if err != nil {
			return fmt.Errorf("--guild: %w", err)
		}
		guild = &id
	}
	n, err := discord.RegisterCommands(ctx, bot.Rest(), bot.ApplicationID(), guild)
	if err != nil {
		return err
	}
	scope := "globally (may take up to an hour to appear)"
	if guild != nil {
		scope = "in guild " + guild.String()
	}
	fmt.Fprintf(stdout, "registered %d commands %s\n", n, scope)
	return nil
}
