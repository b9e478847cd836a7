package tracing_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/ticketify/ticketify/internal/platform/tracing"
)

func TestALineLoggedWithinASpanCarriesItsTraceID(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(tracing.LogHandler(slog.NewTextHandler(&out, nil)))
	ctx, span := sdktrace.NewTracerProvider().Tracer("test").Start(context.Background(), "work")
	logger.InfoContext(ctx, "inside")
	span.End()
	logger.Info("outside")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := "trace_id=" + span.SpanContext().TraceID().String()
	if len(lines) != 2 || !strings.Contains(lines[0], want) || !strings.Contains(lines[0], "span_id=") || strings.Contains(lines[1], "trace_id") {
		t.Fatalf("logged:\n%s\nwant the first line with %s and only it", out.String(), want)
	}
}
