// Package web is Ticketify's HTTP surface on Fiber: health now; the
// interactions endpoint and the dashboard mount here too.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/realclientip/realclientip-go"

	"github.com/ticketify/ticketify/internal/platform/panics"
)

// Check is one named health check: nil means healthy.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// New returns the HTTP app. trustedProxies are the addresses (IPs or CIDR
// ranges) of reverse proxies whose X-Forwarded-For names the client — for
// per-client rate limits (ClientAddr); requests from anyone else are taken
// at their connection's address.
//
// A handler that panics is recovered by Fiber's recover middleware: the
// request gets a bare 500, the log the stack (never the panic's value, which
// may hold what the request carried), and the server goes on.
func New(logger *slog.Logger, checks []Check, trustedProxies ...string) *fiber.App {
	return NewObserved(logger, checks, nil, trustedProxies...)
}

// Observer is told of every request served: its method, its route pattern
// (Fiber's, with parameters as :name — never the ids themselves), its
// status and how long it took.
type Observer func(method, route string, status int, took time.Duration)

// NewObserved is New with every request reported to observe (nil: none).
func NewObserved(logger *slog.Logger, checks []Check, observe Observer, trustedProxies ...string) *fiber.App {
	app := fiber.New(fiber.Config{
		ErrorHandler:          plainErrors,
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		BodyLimit:             1 << 20,
		// Fiber believes X-Forwarded-* only from these proxies (from nobody
		// when there are none). It is not given a ProxyHeader: its c.IP()
		// would then be X-Forwarded-For's leftmost entry, which the client
		// writes; c.IP() stays the connection's address.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          trustedProxies,
	})
	if observe != nil {
		app.Use(func(c *fiber.Ctx) error {
			start := time.Now()
			err := c.Next() // a panic is recovered inside and comes back as an error
			status := c.Response().StatusCode()
			var fe *fiber.Error
			if errors.As(err, &fe) {
				status = fe.Code
			} else if err != nil {
				status = fiber.StatusInternalServerError
			}
			route := c.Route().Path
			if route == "/" && c.Path() != "/" || route == "" {
				route = "unmatched" // no route: the path is whatever was asked
			}
			// Fiber's strings point into buffers it reuses: the label keeps a copy.
			observe(strings.Clone(c.Method()), strings.Clone(route), status, time.Since(start))
			return err
		})
	}
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, v any) {
		logger.Error("an HTTP handler panicked", "method", c.Method(), "route", c.Route().Path,
			"panic", panics.Describe(v), "stack", string(debug.Stack()))
	}}))
	app.Use(clientAddr(trustedProxies))
	app.Get("/healthz", health(checks))
	return app
}

// plainErrors answers errors no handler answered: a Fiber error with its
// own status and text, anything else (a failure, a recovered panic) with a
// bare 500 that repeats nothing of it.
func plainErrors(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return c.Status(fe.Code).SendString(fe.Message)
	}
	return c.Status(fiber.StatusInternalServerError).SendString("Internal Server Error")
}

type clientAddrKey struct{}

// ClientAddr is the address of the client that sent the request: the
// connection's, or, when that is a trusted proxy, the rightmost
// X-Forwarded-For address (over all the header's lines) that is not a
// trusted proxy — the one the outermost trusted proxy saw. Entries further
// left are whatever the client wrote and are never used.
func ClientAddr(c *fiber.Ctx) string {
	if a, ok := c.Locals(clientAddrKey{}).(string); ok {
		return a
	}
	return c.Context().RemoteIP().String()
}

// clientAddr notes each request's ClientAddr, chosen by realclientip's
// rightmost-untrusted strategy.
func clientAddr(trustedProxies []string) fiber.Handler {
	var trusted []net.IPNet
	for _, p := range trustedProxies { // one by one: an entry that is no address or range (config refuses those) trusts nobody
		if nets, err := realclientip.AddressesAndRangesToIPNets(p); err == nil {
			trusted = append(trusted, nets...)
		}
	}
	strategy, err := realclientip.NewRightmostTrustedRangeStrategy(fiber.HeaderXForwardedFor, trusted)
	if err != nil { // only for a header other than X-Forwarded-For or Forwarded
		panic(err)
	}
	return func(c *fiber.Ctx) error {
		addr := c.Context().RemoteIP().String()
		if len(trusted) > 0 && c.IsProxyTrusted() {
			header := http.Header{}
			for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
				header.Add(fiber.HeaderXForwardedFor, string(v))
			}
			if ip := strategy.ClientIP(header, ""); ip != "" {
				addr = ip
			}
		}
		c.Locals(clientAddrKey{}, addr)
		return c.Next()
	}
}

// health answers 200 when every check passes, else 503 with the reasons.
func health(checks []Check) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
		defer cancel()
		report := fiber.Map{}
		healthy := true
		for _, ch := range checks {
			if err := ch.Check(ctx); err != nil {
				healthy = false
				report[ch.Name] = err.Error()
			} else {
				report[ch.Name] = "ok"
			}
		}
		if !healthy {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": report})
		}
		return c.JSON(fiber.Map{"status": "ok", "checks": report})
	}
}
