// Package logsafe keeps secrets and personal data out of Ticketify's logs,
// at every level. Logs outlive retention and erasure — they are copied,
// shipped and kept — so nothing in them may be a token, a secret, or what a
// person wrote.
//
// It is a slog.Handler wrapper, so it also covers the libraries that log
// through the program's logger (disgo, Watermill, FerretDB): every message
// and string value loses the configured secrets, the tokens Discord puts in
// URLs (interaction and webhook tokens) and user ids in REST paths, and
// attributes under withheld
// keys — where libraries put request and response bodies, gateway payloads
// and panic values — keep only their size.
package logsafe

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"log/slog"
)

// Withheld is what stands in for a withheld or redacted value.
const Withheld = "[withheld]"

// LibraryKeys are the attribute keys under which disgo logs bodies,
// payloads, interactions and panic values (at debug: every REST request
// and response, every gateway event).
var LibraryKeys = []string{"body", "data", "payload", "arg", "interaction", "vars", "event", "content", "d", "request", "response"}

// tokenInURL finds the secret segment of Discord URLs: interaction and
// webhook tokens (/interactions/<id>/<token>/…, /webhooks/<id>/<token>…).
var tokenInURL = regexp.MustCompile(`(/(?:interactions|webhooks)/[0-9]+/)[^/?#\s"']+`)

// tokenParam finds the same tokens as disgo's rate-limit bucket keys name
// them ("…+interaction.token=<token>").
var tokenParam = regexp.MustCompile(`((?:interaction|webhook)\.token=)[^\s"'+&,;]+`)

// userInPath finds user ids in REST paths (/guilds/G/members/<user>,
// /channels/C/permissions/<user or role>, /users/<user>): a user id is
// personal data.
var userInPath = regexp.MustCompile(`(/(?:members|users|permissions|recipients)/)[0-9]{15,21}`)

// Handler is a slog.Handler that redacts before passing records on.
type Handler struct {
	next     slog.Handler
	secrets  []string
	withheld map[string]bool
}

var _ slog.Handler = Handler{}

// New wraps next: the given secrets (a bot token, a client secret, …;
// empty ones are ignored) never reach it.
func New(next slog.Handler, secrets ...string) Handler {
	h := Handler{next: next, withheld: map[string]bool{}}
	for _, s := range secrets {
		if s = strings.TrimSpace(s); len(s) >= 8 { // shorter "secrets" would redact ordinary words
			h.secrets = append(h.secrets, s)
		}
	}
	return h
}

// Withhold returns a logger whose records keep only the size of attributes
// under keys (for a library's logger: LibraryKeys).
func Withhold(l *slog.Logger, keys ...string) *slog.Logger {
	h, ok := l.Handler().(Handler)
	if !ok {
		h = New(l.Handler())
	}
	w := map[string]bool{}
	for k := range h.withheld {
		w[k] = true
	}
	for _, k := range keys {
		w[k] = true
	}
	h.withheld = w
	return slog.New(h)
}

// Enabled implements slog.Handler.
func (h Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.clean(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h Handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.clean(a)
	}
	h.next = h.next.WithAttrs(clean)
	return h
}

// WithGroup implements slog.Handler.
func (h Handler) WithGroup(name string) slog.Handler {
	h.next = h.next.WithGroup(name)
	return h
}

func (h Handler) clean(a slog.Attr) slog.Attr {
	if h.withheld[a.Key] {
		return slog.String(a.Key, fmt.Sprintf("%s (%d bytes)", Withheld, len(a.Value.String())))
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, x := range g {
			clean[i] = h.clean(x)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindString:
		return slog.String(a.Key, h.redact(v.String()))
	case slog.KindAny:
		if b, ok := v.Any().([]byte); ok { // printed as text by the handlers
			return slog.String(a.Key, h.redact(string(b)))
		}
		if err, ok := v.Any().(error); ok {
			// As its message: slog's handlers print an error with %+v, which
			// for errors of github.com/pkg/errors (NATS's and Watermill's
			// libraries) adds a stack of build paths over many lines.
			return slog.String(a.Key, h.redact(err.Error()))
		}
		// errors, URLs, structs: judged by how they would print.
		s := v.String()
		if r := h.redact(s); r != s {
			return slog.String(a.Key, r)
		}
		return slog.Attr{Key: a.Key, Value: v}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// redact removes the secrets and URL tokens from s.
func (h Handler) redact(s string) string {
	for _, secret := range h.secrets {
		s = strings.ReplaceAll(s, secret, Withheld)
	}
	if strings.Contains(s, "/interactions/") || strings.Contains(s, "/webhooks/") {
		s = tokenInURL.ReplaceAllString(s, "${1}"+Withheld)
	}
	if strings.Contains(s, ".token=") {
		s = tokenParam.ReplaceAllString(s, "${1}"+Withheld)
	}
	if strings.Contains(s, "/members/") || strings.Contains(s, "/users/") || strings.Contains(s, "/permissions/") || strings.Contains(s, "/recipients/") {
		s = userInPath.ReplaceAllString(s, "${1}"+Withheld)
	}
	return s
}
