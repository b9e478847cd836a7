// Package web is Ticketify's HTTP surface on Fiber: health now; the
// interactions endpoint and the dashboard mount here too.
package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Check is one named health check: nil means healthy.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// New returns the HTTP app. trustedProxies are the addresses (IPs or CIDR
// ranges) of reverse proxies whose X-Forwarded-For names the client — for
// per-client rate limits; requests from anyone else are taken at their
// connection's address.
func New(checks []Check, trustedProxies ...string) *fiber.App {
	cfg := fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		BodyLimit:             1 << 20,
	}
	if len(trustedProxies) > 0 {
		cfg.ProxyHeader, cfg.EnableTrustedProxyCheck, cfg.TrustedProxies = fiber.HeaderXForwardedFor, true, trustedProxies
		cfg.EnableIPValidation = true
	}
	app := fiber.New(cfg)
	app.Get("/healthz", health(checks))
	return app
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
