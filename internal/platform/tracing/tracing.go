// Package tracing sets up OpenTelemetry tracing: off unless an OTLP endpoint
// is configured through the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT
// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; the exporter reads the other OTEL_*
// variables itself), then spans go out over OTLP/HTTP in batches.
//
// The program's parts record spans through OpenTelemetry's global API
// (Tracer), which is a no-op until Setup installs a provider. A trace runs
// from an interaction through its appends to every projector and reactor
// that handles the events, and the reactor's Discord calls: the append
// writes the W3C traceparent into each record's metadata, which the
// transport carries to the consumers (Extract).
//
// Spans carry no personal data: names are routes, commands and consumer
// names; attributes are ids of interactions, guilds, tickets and events —
// never a user id, a name or a message.
package tracing

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/ticketify/ticketify/domain"
)

// Name is the instrumentation's name.
const Name = "github.com/ticketify/ticketify"

// Tracer is the program's tracer (a no-op until Setup).
func Tracer() trace.Tracer { return otel.Tracer(Name) }

// Enabled reports whether the environment asks for traces.
func Enabled(getenv func(string) string) bool {
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// on is whether Setup installed an exporting provider: off, no trace
// context is written into events or read from them either.
var on atomic.Bool

// Setup installs an OTLP/HTTP exporting tracer provider and W3C
// trace-context propagation when the environment asks for them (always
// OTLP over HTTP: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported). The
// returned shutdown flushes the spans still buffered.
func Setup(ctx context.Context) (shutdown func(context.Context) error, err error) {
	if !Enabled(os.Getenv) || os.Getenv("OTEL_SDK_DISABLED") == "true" {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	// service.name "ticketify", unless OTEL_SERVICE_NAME or
	// OTEL_RESOURCE_ATTRIBUTES say otherwise (the later option wins).
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "ticketify")),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	on.Store(true)
	return func(ctx context.Context) error {
		on.Store(false)
		return tp.Shutdown(ctx)
	}, nil
}

// Inject returns the trace context of ctx as metadata (nil without one, or
// with tracing off).
func Inject(ctx context.Context) map[string]string {
	if !on.Load() || !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	return carrier
}

// Extract returns ctx with the trace context carried in metadata (ctx as
// it is with tracing off).
func Extract(ctx context.Context, metadata map[string]string) context.Context {
	if !on.Load() {
		return ctx
	}
	return otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier(metadata))
}

// End ends a span, marking it failed when err is not nil. The error's text
// is not recorded: it may name a person (a stream "member/<guild>/<user>")
// or hold a credential (an interaction token in a URL), and spans leave the
// program; the span says what kind of failure it was.
func End(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, Reason(err))
	}
	span.End()
}

// Reason says what kind of failure err is, in words that carry nothing of
// its text.
func Reason(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, domain.ErrForbidden), errors.Is(err, domain.ErrInvalid), errors.Is(err, domain.ErrConflict),
		errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrUnchanged):
		return "refused"
	}
	return "failed"
}

// Transport makes a client span for each request through next, named by
// route (which must carry no ids: see metrics.Route).
func Transport(next http.RoundTripper, route func(*http.Request) string) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		ctx, span := Tracer().Start(req.Context(), "discord "+req.Method+" "+route(req), trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("http.request.method", req.Method)))
		res, err := next.RoundTrip(req.WithContext(ctx))
		if err == nil {
			span.SetAttributes(attribute.Int("http.response.status_code", res.StatusCode))
			if res.StatusCode >= 400 {
				span.SetStatus(codes.Error, http.StatusText(res.StatusCode))
			}
		}
		End(span, err)
		return res, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// WithCorrelation returns ctx carrying a correlation id (the interaction
// that started it all), which log lines written with it carry.
func WithCorrelation(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, correlationKey{}, id)
}

type correlationKey struct{}

// LogHandler adds the trace and span ids and the correlation id of a
// record's context to it, so a log line can be found from its trace and
// its command, and the other way round.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if id, ok := ctx.Value(correlationKey{}).(string); ok {
		r.AddAttrs(slog.String("correlation_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }
