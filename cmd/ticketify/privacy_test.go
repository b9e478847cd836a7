package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/config"
	"github.com/ticketify/ticketify/internal/privacy"
	"github.com/ticketify/ticketify/internal/server"
)

func TestExportUserWritesThePersonsDataToAPrivateFile(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TICKETIFY_DATA_DIR": dir, "TICKETIFY_HTTP_ADDR": freeAddr(t), "TICKETIFY_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv, err := server.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	const user domain.UserID = 4242
	meta := app.Meta{Actor: domain.Actor{User: user, Source: domain.SourceSlashCommand}}
	if err := srv.App.ObserveProfile(ctx, user, profile.Personal{Username: "zed"}, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.OpenTicket(ctx, app.OpenTicket{Guild: 7, Opener: user, Topic: "lost password", Meta: meta}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := srv.Projections.WaitCaughtUp(wctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "export.json")
	var stdout bytes.Buffer
	if err := run(ctx, []string{"export", "user", user.String(), "--out", out}, getenv, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("the export file has mode %v, want 0600", info.Mode().Perm())
	}
	b, _ := os.ReadFile(out)
	var doc struct {
		Schema   string           `json:"schema"`
		Manifest privacy.Manifest `json:"manifest"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Schema != privacy.UserExportSchema || doc.Manifest.Included[privacy.SectionTicketsOpened] != 1 ||
		!strings.Contains(string(b), "lost password") || !strings.Contains(string(b), `"zed"`) {
		t.Fatalf("export: %s", b)
	}
	if !strings.Contains(stdout.String(), "exported") {
		t.Fatalf("stdout: %q", stdout.String())
	}
	if err := run(ctx, []string{"export", "user", "not-a-number"}, getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("a bad user id was accepted")
	}

	// Erase them from the command line; the next start scrubs the views.
	stdout.Reset()
	if err := run(ctx, []string{"erase", "user", user.String()}, getenv, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "1 tickets to scrub") {
		t.Fatalf("erase said %q", stdout.String())
	}
	srv, err = server.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	if err := srv.Projections.WaitCaughtUp(wctx); err != nil {
		t.Fatal(err)
	}
	list, err := srv.TicketViews.All(ctx, "7")
	if err != nil || len(list) != 1 || list[0].Topic != "" {
		t.Fatalf("after the erasure the list shows %+v (%v)", list, err)
	}
	var after bytes.Buffer
	if _, err := srv.Exporter.ExportUser(ctx, &after, user, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(after.String(), "lost password") || strings.Contains(after.String(), `"zed"`) || !strings.Contains(after.String(), "[erased]") {
		t.Fatalf("the export after erasure: %s", after.String())
	}
}

func TestExportGuildThenImportIntoAFreshInstance(t *testing.T) {
	ctx := context.Background()
	envA := map[string]string{"TICKETIFY_DATA_DIR": t.TempDir(), "TICKETIFY_HTTP_ADDR": freeAddr(t), "TICKETIFY_LOG_LEVEL": "error"}
	cfgA, err := config.Load(func(k string) string { return envA[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Start(ctx, cfgA, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.OpenTicket(ctx, app.OpenTicket{Guild: 8, Opener: 81, Topic: "moving house"}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := srv.Projections.WaitCaughtUp(wctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "guild.zip")
	var out bytes.Buffer
	if err := run(ctx, []string{"export", "guild", "8", "--out", zipPath}, func(k string) string { return envA[k] }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(envA["TICKETIFY_DATA_DIR"], privacy.SigningKeyFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the signing key file: %v %v", info, err)
	}
	envB := map[string]string{"TICKETIFY_DATA_DIR": t.TempDir(), "TICKETIFY_HTTP_ADDR": freeAddr(t), "TICKETIFY_LOG_LEVEL": "error"}
	getB := func(k string) string { return envB[k] }
	if err := run(ctx, []string{"import", zipPath}, getB, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"import", zipPath}, getB, io.Discard, io.Discard); err == nil {
		t.Fatal("a second import into the same instance was accepted")
	}
	cfgB, _ := config.Load(getB)
	srvB, err := server.Start(ctx, cfgB, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srvB.Shutdown(ctx)
	if err := srvB.Projections.WaitCaughtUp(wctx); err != nil {
		t.Fatal(err)
	}
	list, err := srvB.TicketViews.All(ctx, "8")
	if err != nil || len(list) != 1 || list[0].Topic != "moving house" {
		t.Fatalf("the imported instance lists %+v (%v)", list, err)
	}
}
