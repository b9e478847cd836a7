package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/google/uuid"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/adapters/bus/natsbus"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/platform/panics"
	"github.com/ticketify/ticketify/projections/runner"
)

// transport is how a serving process's consumer groups get their events:
// the heartbeat that shares partitions (Members), and with
// TICKETIFY_TRANSPORT=nats the JetStream feeds, the relay and the nudges.
type transport struct {
	members *mongolog.Members // nil unsplit (TICKETIFY_PARTITIONS=1)
	subs    runner.Subscribers
	relay   *natsbus.Relay // nil on the MongoDB transport
	nudger  *natsbus.Nudger
}

// memberTTL is how long a process's heartbeat lasts unrenewed.
const memberTTL = 6 * time.Second

// openTransport prepares the transport; run starts its background work.
func openTransport(ctx context.Context, cfg config.Config, st *Storage, logger *slog.Logger) (*transport, error) {
	t := &transport{}
	if cfg.Partitions > 1 {
		// Heartbeats expire sooner than leases (10 s): a dead process is
		// counted out (within 6.75 s) before its partitions come free, so the
		// survivors' shares have grown by then. Unsplit, there is nothing to
		// share: whichever process finds a group free takes it, as before.
		members, err := mongolog.OpenMembers(ctx, st.Conn, "process-"+uuid.NewString(), memberTTL)
		if err != nil {
			return nil, err
		}
		t.members = members
	}
	var feeds mongolog.Feeds
	if cfg.Transport == config.TransportNATS {
		logID, err := st.Checkpoints.LogID(ctx)
		if err != nil {
			return nil, err
		}
		// The stream is this database's log's own: deployments (or a
		// database recreated) sharing a NATS server never mix their commits.
		ncfg := natsbus.Config{URL: cfg.NATSURL, Stream: "ticketify-" + logID, Logger: watermill.NewSlogLogger(logger)}
		if err := natsbus.EnsureStream(ncfg, ""); err != nil {
			// Not fatal: the log is the truth, and the subscribers read it
			// themselves until NATS answers (the relay keeps trying).
			logger.Error("NATS JetStream does not answer; events are read from the log until it does", "err", err)
		}
		feeds = natsbus.Feeds(ncfg, st.Log, time.Second)
		t.relay = &natsbus.Relay{Config: ncfg, Log: st.Log, Checkpoints: st.Checkpoints, Logger: logger}
		nudger, err := natsbus.NewNudger(ncfg)
		if err != nil {
			return nil, err
		}
		t.nudger = nudger
		st.Store.ObserveAppends(func(_ time.Duration, err error) {
			if err == nil {
				nudger.Appended()
			}
		})
		logger.Info("events travel over NATS JetStream", "stream", ncfg.Stream, "partitions", cfg.Partitions)
	}
	t.subs = Subscribers(st.Log, st.Checkpoints, cfg.PollInterval, feeds, t.members, logger)
	return t, nil
}

// run keeps the heartbeat and the relay going until ctx ends.
func (t *transport) run(ctx context.Context, logger *slog.Logger) {
	if t.members != nil {
		go t.members.Run(ctx)
	}
	if t.relay != nil {
		go func() {
			if err := panics.Call(func() error { return t.relay.Run(ctx) }); err != nil {
				logger.Error("the NATS relay stopped; subscribers read the log itself meanwhile", "err", err)
			}
		}()
	}
}

func (t *transport) close() {
	if t.nudger != nil {
		t.nudger.Close()
	}
}
