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

func TestWithTracingOffNoTraceContextIsWrittenIntoEvents(t *testing.T) {
	ctx, span := sdktrace.NewTracerProvider().Tracer("test").Start(context.Background(), "work")
	defer span.End()
	if md := tracing.Inject(ctx); md != nil {
		t.Fatalf("tracing is off (no Setup) but the append would carry %v", md)
	}
	if got := tracing.Extract(context.Background(), map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}); got != context.Background() {
		t.Fatal("tracing is off but an event's old trace context was read")
	}
}
