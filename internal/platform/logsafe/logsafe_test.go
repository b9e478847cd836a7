package logsafe_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	pkgerrors "github.com/pkg/errors"

	"github.com/ticketify/ticketify/internal/platform/logsafe"
)

func TestSecretsAndURLTokensNeverReachTheLog(t *testing.T) {
	const token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.secret-part-of-the-bot-token"
	var out bytes.Buffer
	log := slog.New(logsafe.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}), token, "short"))
	url := "https://discord.com/api/v10/interactions/1234567890/aW50ZXJhY3Rpb24tdG9rZW4/callback"
	log.With("auth", "Bot "+token).WithGroup("req").Debug("sending "+url,
		"err", errors.New(`Post "`+url+`": EOF`),
		"raw", []byte("Authorization: Bot "+token),
		"hook", "https://discord.com/api/webhooks/99/d2ViaG9vay10b2tlbg?wait=true",
		slog.Group("inner", "token", token), "note", "short",
		"hash", "PATCH+/webhooks/{application.id}/{interaction.token}/messages/@original+interaction.token=aXRvay5idXJzdC4zNQ",
		"endpoint", "/guilds/1577141130586226000/members/1577141130586226695 and /channels/1/permissions/1577141130586226696")
	got := out.String()
	for _, leak := range []string{token, "aW50ZXJhY3Rpb24tdG9rZW4", "d2ViaG9vay10b2tlbg", "aXRvay5idXJzdC4zNQ", "1577141130586226695", "1577141130586226696"} {
		if strings.Contains(got, leak) {
			t.Errorf("the log holds %q:\n%s", leak, got)
		}
	}
	if !strings.Contains(got, "/interactions/1234567890/"+logsafe.Withheld+"/callback") {
		t.Errorf("the URL lost more than its token:\n%s", got)
	}
	if !strings.Contains(got, "short") { // too short to be a secret: words are left alone
		t.Errorf("a short value was redacted:\n%s", got)
	}
}

func TestWithheldKeysKeepOnlyTheirSize(t *testing.T) {
	var out bytes.Buffer
	base := slog.New(logsafe.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	lib := logsafe.Withhold(base.With("component", "discord"), logsafe.LibraryKeys...)
	lib.Debug("new request", "endpoint", "/channels/1/messages", "body", `{"content":"my private words"}`)
	lib.Debug("received gateway message", slog.Group("d", "content", "more private words"))
	base.Info("own line", "body", "kept: not a library logger")
	got := out.String()
	if strings.Contains(got, "private words") {
		t.Fatalf("a withheld value reached the log:\n%s", got)
	}
	if !strings.Contains(got, "body=\""+logsafe.Withheld+" (30 bytes)\"") || !strings.Contains(got, "endpoint=/channels/1/messages") {
		t.Fatalf("withholding lost the wrong things:\n%s", got)
	}
	if !strings.Contains(got, "kept: not a library logger") {
		t.Fatalf("withholding leaked into the program's own logger:\n%s", got)
	}
}

// An error is logged as its message, on one line: not with the stack of
// build paths that github.com/pkg/errors prints under %+v (which slog's
// handlers use).
func TestAnErrorIsLoggedAsItsMessageWithoutAStack(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logsafe.New(slog.NewTextHandler(&buf, nil)))
	log.Error("publishing failed", "err", pkgerrors.Wrap(errors.New("nats: timeout"), "sending message failed"))
	out := buf.String()
	if !strings.Contains(out, "sending message failed: nats: timeout") || strings.Count(out, "\n") != 1 || strings.Contains(out, ".go:") {
		t.Errorf("logged %q", out)
	}
}
