// Package metrics is Ticketify's Prometheus instrumentation: the counters
// and histograms the program's parts record into, and the gauges read when
// Prometheus scrapes (lag, parked events, gateway state). Labels name
// routes, commands, projectors and outcomes — never a person, a server, a
// ticket or any other id: an id in a route becomes "{id}".
//
// Every recording method works on a nil *Metrics (and does nothing), so a
// part built without metrics — a test, a tool — needs no stand-in.
package metrics

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric of the program.
const Namespace = "ticketify"

// Metrics holds the program's metrics and the registry they are exposed from.
type Metrics struct {
	Registry *prometheus.Registry

	appends         *prometheus.CounterVec
	appendSeconds   prometheus.Histogram
	interactions    *prometheus.HistogramVec
	deferrals       *prometheus.CounterVec
	discordRequests *prometheus.CounterVec
	discordLimited  *prometheus.CounterVec
	httpSeconds     *prometheus.HistogramVec
	erasures        *prometheus.CounterVec
	retentionRuns   *prometheus.CounterVec
	retentionKeys   prometheus.Counter
}

// New registers the program's metrics, with Go's runtime and process ones,
// in a registry of their own.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := factory{reg}
	latency := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	return &Metrics{
		Registry: reg,
		appends: f.counterVec("event_appends_total", "Commits appended to the event log, by outcome (ok, conflict, unavailable, error).",
			"outcome"),
		appendSeconds: f.histogram("event_append_seconds", "Time to append a commit to the event log.", latency),
		interactions: f.histogramVec("interaction_seconds", "Time to handle a Discord interaction, by command or component (no ids).",
			latency, "command"),
		deferrals: f.counterVec("interaction_deferrals_total", "Interactions answered with a deferral because their work took longer than the acknowledgement delay.",
			"command"),
		discordRequests: f.counterVec("discord_requests_total", "Requests to Discord's REST API, by method, route (ids as {id}) and status class.",
			"method", "route", "status"),
		discordLimited: f.counterVec("discord_rate_limited_total", "Discord REST answers 429, by route and scope (route or global).",
			"route", "scope"),
		httpSeconds: f.histogramVec("http_request_seconds", "Time to serve an HTTP request, by method, route pattern and status class.",
			latency, "method", "route", "status"),
		erasures:      f.counterVec("erasures_total", "Erasures carried out, by kind (user, guild).", "kind"),
		retentionRuns: f.counterVec("retention_batches_total", "Retention batches (a pass runs batches of due transcripts until one is not full), by outcome (ok, error).", "outcome"),
		retentionKeys: f.counter("retention_transcripts_deleted_total", "Transcripts deleted by retention (their data keys destroyed)."),
	}
}

type factory struct{ reg prometheus.Registerer }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets})
	f.reg.MustRegister(h)
	return h
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	// One scrape at a time: a scrape reads the database (lag, parked events).
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry, Timeout: 10 * time.Second, MaxRequestsInFlight: 1})
}

// ObserveAppend records an append to the event log and how it ended.
func (m *Metrics) ObserveAppend(took time.Duration, outcome string) {
	if m == nil {
		return
	}
	m.appends.WithLabelValues(outcome).Inc()
	m.appendSeconds.Observe(took.Seconds())
}

// ObserveInteraction records a handled interaction; command is the route's
// name ("ticket open", "button:claim"), which carries no id.
func (m *Metrics) ObserveInteraction(command string, took time.Duration, deferred bool) {
	if m == nil {
		return
	}
	m.interactions.WithLabelValues(command).Observe(took.Seconds())
	if deferred {
		m.deferrals.WithLabelValues(command).Inc()
	}
}

// ObserveHTTP records a served request under its route pattern.
func (m *Metrics) ObserveHTTP(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.httpSeconds.WithLabelValues(method, route, statusClass(status)).Observe(took.Seconds())
}

// Erased counts an erasure of a user's or a guild's data.
func (m *Metrics) Erased(kind string) {
	if m == nil {
		return
	}
	m.erasures.WithLabelValues(kind).Inc()
}

// RetentionRan counts a retention batch and the transcripts it deleted.
func (m *Metrics) RetentionRan(deleted int, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.retentionRuns.WithLabelValues(outcome).Inc()
	m.retentionKeys.Add(float64(deleted))
}

// Gauge is a value read when Prometheus scrapes, with its labels' values.
type Gauge struct {
	Labels []string
	Value  float64
}

// AddGauges registers gauges read at each scrape by read, which gets a
// context bounded by the scrape. A failing read reports nothing (the
// scrape stays up; the gauge is absent, which alerts can see).
func (m *Metrics) AddGauges(name, help string, labels []string, read func(ctx context.Context) ([]Gauge, error)) {
	if m == nil {
		return
	}
	desc := prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
	m.Registry.MustRegister(gaugeCollector{desc: desc, read: read})
}

type gaugeCollector struct {
	desc *prometheus.Desc
	read func(ctx context.Context) ([]Gauge, error)
}

func (g gaugeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g gaugeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	values, err := g.read(ctx)
	if err != nil {
		return
	}
	for _, v := range values {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v.Value, v.Labels...)
	}
}

func statusClass(code int) string {
	switch {
	case code >= 500:
		return "5xx"
	case code >= 400:
		return "4xx"
	case code >= 300:
		return "3xx"
	case code >= 200:
		return "2xx"
	}
	return "other"
}

// idLike is a path segment that names something rather than a route: one
// that is a number or holds one of six digits or more (a snowflake, an interaction
// token's id), a ULID, or a long token.
var idLike = regexp.MustCompile(`^\d+$|\d{6,}|^[0-9A-HJKMNP-TV-Z]{26}$|^[A-Za-z0-9_\-.]{40,}$`)

// Route turns a request path into its pattern: ids become {id}; the token
// of Discord's webhook and interaction routes ({id}/{token}) {token}.
func Route(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		switch {
		case i == 2 && (segs[0] == "webhooks" || segs[0] == "interactions"):
			segs[i] = "{token}"
		case idLike.MatchString(s):
			segs[i] = "{id}"
		}
	}
	return "/" + strings.Join(segs, "/")
}

// DiscordTransport counts the requests made through next to Discord's REST
// API by route and status class, and its 429s by route and scope.
func (m *Metrics) DiscordTransport(next http.RoundTripper) http.RoundTripper {
	if m == nil {
		return next
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(req)
		route := DiscordRoute(req)
		if err != nil {
			m.discordRequests.WithLabelValues(req.Method, route, "error").Inc()
			return res, err
		}
		m.discordRequests.WithLabelValues(req.Method, route, statusClass(res.StatusCode)).Inc()
		if res.StatusCode == http.StatusTooManyRequests {
			scope := "route"
			if res.Header.Get("X-RateLimit-Global") == "true" || res.Header.Get("X-RateLimit-Scope") == "global" {
				scope = "global"
			}
			m.discordLimited.WithLabelValues(route, scope).Inc()
		}
		return res, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// DiscordRoute is a request's Discord API route without ids (the path
// after /api/v10, through Route).
func DiscordRoute(req *http.Request) string {
	return Route(strings.TrimPrefix(req.URL.Path, apiPrefix(req.URL.Path)))
}

// apiPrefix is the part of a Discord API path before its route (/api/v10).
func apiPrefix(path string) string {
	if i := strings.Index(path, "/api/v"); i >= 0 {
		if j := strings.IndexByte(path[i+len("/api/v"):], '/'); j >= 0 {
			return path[:i+len("/api/v")+j]
		}
	}
	return ""
}
