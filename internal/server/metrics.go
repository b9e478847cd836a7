package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/ticketify/ticketify/adapters/bus/natsbus"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/platform/metrics"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/runner"
)

// appendOutcome names how an append to the log ended, for the metrics.
func appendOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, eventstore.ErrConcurrency):
		return "conflict"
	case errors.Is(err, eventstore.ErrUnavailable):
		return "unavailable"
	}
	return "error"
}

// newMetrics makes the program's metrics when they are served somewhere,
// and has the event store report its appends into them.
func newMetrics(metricsAddr string, st *Storage) *metrics.Metrics {
	if metricsAddr == "" {
		return nil
	}
	m := metrics.New()
	st.Store.ObserveAppends(func(took time.Duration, err error) { m.ObserveAppend(took, appendOutcome(err)) })
	return m
}

// addGauges registers what is read at each scrape: the log's head, each
// consumer group's lag and parked events, the gateway, the automation's
// backlog.
func (s *Server) addGauges(m *metrics.Metrics, clock func() time.Time) {
	m.AddGauges("event_log_head", "Position of the event log's last commit.", nil, func(ctx context.Context) ([]metrics.Gauge, error) {
		_, head, err := s.Log.LastEvent(ctx, eventstore.DefaultTopic)
		return []metrics.Gauge{{Value: float64(head)}}, err
	})
	// Both lag gauges come from one read of the checkpoints per scrape.
	var lagMu sync.Mutex
	var lagAt time.Time
	var lagRead []runner.GroupLag
	readLag := func(ctx context.Context) ([]runner.GroupLag, error) {
		lagMu.Lock()
		defer lagMu.Unlock()
		if time.Since(lagAt) < time.Second {
			return lagRead, nil
		}
		groups, err := s.Projections.Lag(ctx, clock())
		if err != nil {
			return nil, err
		}
		lagAt, lagRead = time.Now(), groups
		return groups, nil
	}
	lag := func(value func(commits int64, age time.Duration) float64) func(ctx context.Context) ([]metrics.Gauge, error) {
		return func(ctx context.Context) ([]metrics.Gauge, error) {
			groups, err := readLag(ctx)
			var out []metrics.Gauge
			for _, g := range groups {
				kind := "projector"
				if g.Reactor {
					kind = "reactor"
				}
				out = append(out, metrics.Gauge{Labels: []string{g.Family, strconv.Itoa(g.Partition.Index), kind}, Value: value(g.Commits, g.Age)})
			}
			return out, err
		}
	}
	m.AddGauges("consumer_lag_commits", "Commits a projector or reactor (a partition of it, when split by guild) has not consumed yet.", []string{"group", "partition", "kind"},
		lag(func(commits int64, _ time.Duration) float64 { return float64(commits) }))
	m.AddGauges("consumer_lag_seconds", "Age of the oldest commit a projector or reactor (a partition of it) has not consumed yet (0: caught up).", []string{"group", "partition", "kind"},
		lag(func(_ int64, age time.Duration) float64 { return age.Seconds() }))
	m.AddGauges("parked_events", "Events a projector or reactor could not handle and parked, by group.", []string{"group"}, func(ctx context.Context) ([]metrics.Gauge, error) {
		parked, err := s.Projections.ParkedCount(ctx)
		var out []metrics.Gauge
		for group, n := range parked {
			out = append(out, metrics.Gauge{Labels: []string{group}, Value: float64(n)})
		}
		return out, err
	})
	m.AddGauges("gateway_up", "1 when the shard's gateway connection is ready, else 0, for each shard this process runs.", []string{"shard"}, func(context.Context) ([]metrics.Gauge, error) {
		var out []metrics.Gauge
		for _, sh := range s.Discord.Shards() {
			up := 0.0
			if sh.Ready {
				up = 1
			}
			out = append(out, metrics.Gauge{Labels: []string{strconv.Itoa(sh.ID)}, Value: up})
		}
		return out, nil
	})
	m.AddGauges("gateway_heartbeat_ack_age_seconds", "Time since Discord last acknowledged the shard's heartbeat (above the heartbeat interval: a zombie connection).", []string{"shard"}, func(context.Context) ([]metrics.Gauge, error) {
		var out []metrics.Gauge
		for _, sh := range s.Discord.Shards() {
			if !sh.LastAck.IsZero() {
				out = append(out, metrics.Gauge{Labels: []string{strconv.Itoa(sh.ID)}, Value: time.Since(sh.LastAck).Seconds()})
			}
		}
		return out, nil
	})
	m.AddGauges("scheduled_overdue", "The reactor's delayed actions (deletions of closed channels, deferred renames) past their due time.", nil, func(ctx context.Context) ([]metrics.Gauge, error) {
		if s.Reactor == nil {
			return nil, nil
		}
		n, err := s.Reactor.Overdue(ctx, clock().Add(-time.Minute)) // a minute's grace: the schedule runs every few seconds
		return []metrics.Gauge{{Value: float64(n)}}, err
	})
	if s.transport.members != nil {
		m.AddGauges("members_live", "Processes consuming this database's consumer groups, by their heartbeats (the divisor of each one's share of the partitions).", nil, func(context.Context) ([]metrics.Gauge, error) {
			return []metrics.Gauge{{Value: float64(s.transport.members.Live())}}, nil
		})
		m.AddGauges("partitions_held", "Partitions of a projector split by server that this process consumes now.", []string{"group"}, func(context.Context) ([]metrics.Gauge, error) {
			var out []metrics.Gauge
			for _, p := range Projectors() {
				if _, ok := p.(projections.PerGuild); ok {
					out = append(out, metrics.Gauge{Labels: []string{p.Name()}, Value: float64(s.transport.members.Held(p.Name()))})
				}
			}
			return out, nil
		})
	}
	if s.transport.relay != nil {
		m.AddGauges("nats_relay_lag_commits", "Commits of the log the NATS relay has not published yet (whichever process holds it).", nil, func(ctx context.Context) ([]metrics.Gauge, error) {
			_, head, err := s.Log.LastEvent(ctx, eventstore.DefaultTopic)
			if err != nil {
				return nil, err
			}
			cp, err := s.Checkpoints.Load(ctx, eventstore.DefaultTopic, natsbus.RelayGroup)
			return []metrics.Gauge{{Value: float64(max(0, head-cp.Position+1))}}, err
		})
	}
	m.AddGauges("automation_backlog_seconds", "How far the automation's cursor (inactivity closes, reminders, close-request deadlines) is behind now.", nil, func(ctx context.Context) ([]metrics.Gauge, error) {
		at, err := s.Automation.Cursor.Load(ctx)
		if err != nil || at.IsZero() {
			return nil, err
		}
		return []metrics.Gauge{{Value: max(0, clock().Sub(at).Seconds())}}, nil
	})
}

// serveMetrics serves GET /metrics on a listener of its own, or on the HTTP
// listener when asked to (config.MetricsOnHTTP).
func (s *Server) serveMetrics(m *metrics.Metrics, addr string) error {
	if m == nil {
		return nil
	}
	if addr == config.MetricsOnHTTP {
		s.http.Get("/metrics", adaptor.HTTPHandler(m.Handler()))
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listener %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	s.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.metricsLn = ln
	go func() { _ = s.metricsSrv.Serve(ln) }()
	return nil
}

// MetricsAddr is the address /metrics is served on when it has a listener
// of its own ("" otherwise).
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}
