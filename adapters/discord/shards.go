package discord

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/disgo/sharding"
)

// The gateway runs through disgo's shard manager: this process runs the
// configured shards (Config.ShardIDs, default all) of Config.ShardCount (0:
// the count Discord recommends in GET /gateway/bot), identifying within
// Discord's max_concurrency buckets (disgo's identify rate limiter, fed the
// session start limit Discord gives). Guilds are Discord's to assign:
// (guild_id >> 22) % shard_count. Several processes split the shards by
// static ranges (docs/OPERATIONS.md, scale-out): no balancer of our own.

// shardSet is the shard manager once the shard count is known, and the
// shards it was asked to run.
type shardSet struct {
	manager sharding.ShardManager
	ids     []int
	count   int
}

// ShardState is one shard's connection, for health and metrics.
type ShardState struct {
	ID      int
	Ready   bool
	Status  string
	LastAck time.Time // when Discord last acknowledged its heartbeat (zero before the first)
}

// acks keeps each shard's last heartbeat acknowledgement.
type acks struct {
	mu sync.Mutex
	at map[int]time.Time
}

func (a *acks) record(shard int, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.at == nil {
		a.at = map[int]time.Time{}
	}
	a.at[shard] = at
}

func (a *acks) of(shard int) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.at[shard]
}

// startShards asks Discord for the recommended shard count (when none is
// configured) and its identify concurrency, then builds the shard manager.
// During an outage it keeps asking, with a growing pause.
func (b *Bot) startShards(ctx context.Context) (*shardSet, error) {
	count, concurrency := b.cfg.ShardCount, 1
	var starts *discord.SessionStartLimit
	delay := time.Second
	for {
		gb, err := b.client.Rest.GetGatewayBot(rest.WithCtx(ctx))
		if err == nil {
			if count == 0 {
				count = max(gb.Shards, 1)
			}
			concurrency = max(gb.SessionStartLimit.MaxConcurrency, 1)
			starts = &gb.SessionStartLimit
			break
		}
		b.gatewayErr.Store(&err)
		if b.cfg.ShardCount > 0 {
			break // the count is known: go on, identifying one at a time, without waiting for REST
		}
		b.logger.Warn("asking Discord for the shard count failed; trying again", "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
	ids := slices.Clone(b.cfg.ShardIDs)
	if len(ids) == 0 {
		for id := range count {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if id >= count {
			return nil, fmt.Errorf("shard %d of %d: TICKETIFY_SHARDS names a shard beyond TICKETIFY_SHARD_COUNT", id, count)
		}
	}
	// Discord allows a bot so many session starts a day, and resets the
	// token of one that goes beyond: with too few left for these shards
	// (a crash loop spends them), wait for the reset instead.
	if starts != nil && starts.Remaining < len(ids) && starts.ResetAfter > 0 {
		wait := time.Duration(starts.ResetAfter) * time.Millisecond
		b.logger.Warn("Discord's session starts for today are used up; waiting for their reset before identifying",
			"remaining", starts.Remaining, "shards", len(ids), "in", wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
	client := b.client
	set := &shardSet{ids: ids, count: count}
	set.manager = sharding.New(b.cfg.Token, func(g gateway.Gateway, t gateway.EventType, seq int, ev gateway.EventData) {
		client.EventManager.HandleGatewayEvent(g, t, seq, ev)
	}, sharding.WithShardIDs(ids...), sharding.WithShardCount(count), sharding.WithLogger(b.libLogger),
		// A running shard that closes for good (a close code forbidding a
		// reconnect) is tried again, slower; not after the bot closed it.
		sharding.WithCloseHandler(func(g gateway.Gateway, err error, reconnect bool) {
			if !reconnect && ctx.Err() == nil {
				go b.keepUp(ctx, set, g.ShardID(), err)
			}
		}),
		sharding.WithGatewayConfigOpts(b.gatewayOpts...),
		sharding.WithIdentifyRateLimiter(gateway.NewIdentifyRateLimiter(gateway.WithIdentifyMaxConcurrency(concurrency),
			gateway.WithIdentifyRateLimiterLogger(b.libLogger))))
	b.shards.Store(set)
	return set, nil
}

// Shards reports the state of the shards this process runs; before the
// shard count is known, the configured shards (or shard 0) as connecting.
func (b *Bot) Shards() []ShardState {
	set := b.shards.Load()
	if set == nil {
		if !b.gateway {
			return nil
		}
		ids := b.cfg.ShardIDs
		if len(ids) == 0 {
			ids = []int{0}
		}
		var out []ShardState
		for _, id := range ids {
			out = append(out, ShardState{ID: id, Status: "Connecting"})
		}
		return out
	}
	var out []ShardState
	for _, id := range set.ids {
		st := ShardState{ID: id, Status: gateway.StatusUnconnected.String(), LastAck: b.acks.of(id)}
		if g := set.manager.Shard(id); g != nil {
			st.Status, st.Ready = g.Status().String(), g.Status() == gateway.StatusReady
		}
		out = append(out, st)
	}
	return out
}
