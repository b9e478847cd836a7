package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/adapters/web"
)

// A handler that panics answers that one request with a bare 500 and
// takes nothing else down; neither the answer nor the log repeats the
// panic's value (it may hold what the request carried).
func TestAPanickingHandlerAnswers500AndTheServerGoesOn(t *testing.T) {
	var log bytes.Buffer
	app := web.New(slog.New(slog.NewTextHandler(&log, nil)), nil)
	app.Get("/boom", func(*fiber.Ctx) error { panic("the reason someone typed") })
	app.Get("/fine", func(c *fiber.Ctx) error { return c.SendString("fine") })

	for range 3 {
		resp, err := app.Test(httptest.NewRequest("GET", "/boom", nil))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 500 || strings.Contains(string(body), "typed") {
			t.Fatalf("a panic answered %d %q, want a bare 500", resp.StatusCode, body)
		}
	}
	resp, err := app.Test(httptest.NewRequest("GET", "/fine", nil))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the panics: %v %v", resp, err)
	}
	if !strings.Contains(log.String(), "an HTTP handler panicked") || !strings.Contains(log.String(), "web_test.go") {
		t.Fatalf("the log lacks the panic's stack:\n%s", log.String())
	}
	if strings.Contains(log.String(), "typed") {
		t.Fatalf("the log repeats the panic's value:\n%s", log.String())
	}
}
