package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/profile"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/platform/config"
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
	// The export says which key signed it; the import wants that key, or
	// its fingerprint, confirmed.
	fp := regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`).FindString(out.String())
	pub := regexp.MustCompile(`public key ([A-Za-z0-9+/]{43}=)`).FindStringSubmatch(out.String())
	if fp == "" || pub == nil {
		t.Fatalf("the export does not print its key and fingerprint: %q", out.String())
	}
	envB := map[string]string{"TICKETIFY_DATA_DIR": t.TempDir(), "TICKETIFY_HTTP_ADDR": freeAddr(t), "TICKETIFY_LOG_LEVEL": "error"}
	getB := func(k string) string { return envB[k] }
	err = run(ctx, []string{"import", zipPath}, getB, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), fp) || !strings.Contains(err.Error(), "--fingerprint "+fp) || !strings.Contains(err.Error(), "--trust") {
		t.Fatalf("an import without a trusted key: %v; want a refusal naming %s and how to confirm it", err, fp)
	}
	t.Logf("without a trusted key: %v", err)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	otherFP := privacy.Fingerprint(otherKey.Public().(ed25519.PublicKey))
	for _, bad := range [][]string{
		{"--fingerprint", otherFP},
		{"--trust", base64.StdEncoding.EncodeToString(otherKey.Public().(ed25519.PublicKey))},
		{"--fingerprint", strings.TrimPrefix(fp, "SHA256:")}, // not in the form printed
		{"--trust", "not-a-key"},
	} {
		if err := run(ctx, append([]string{"import", zipPath}, bad...), getB, io.Discard, io.Discard); err == nil {
			t.Fatalf("import %v was accepted", bad)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"import", zipPath, "--fingerprint", fp}, getB, &out, io.Discard); err != nil {
		t.Fatalf("the import refused after %d refusals (did one append?): %v", 4, err)
	}
	if !strings.Contains(out.String(), fp) {
		t.Fatalf("the import does not say which key signed it: %q", out.String())
	}
	if err := run(ctx, []string{"import", zipPath, "--trust", pub[1]}, getB, io.Discard, io.Discard); err == nil {
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
