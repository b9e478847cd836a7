package discord_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/adapters/discord"
	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/member"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func shardsEnv(count, ids string) testenv.WorldOption {
	return func(env map[string]string) {
		env["TICKETIFY_SHARD_COUNT"] = count
		if ids != "" {
			env["TICKETIFY_SHARDS"] = ids
		}
	}
}

func botPresent(w *testenv.World, g fakediscord.Guild) bool {
	s, err := w.Srv.App.Settings(context.Background(), domain.GuildID(g.ID))
	return err == nil && s.BotPresent()
}

func TestOneProcessRunsEveryShardAndEachGuildArrivesOnItsOwn(t *testing.T) {
	w := testenv.NewWorld(t, testenv.WithGuildOnShard(0, 2), shardsEnv("2", ""))
	f := w.Fake
	w.WaitFor(t, "both shards connected", func() bool {
		got := f.SessionShards()
		slices.Sort(got)
		return slices.Equal(got, []int{0, 1})
	})
	second := f.AddGuildOnShard("Second Server", w.Owner, 1, 2)
	f.DropGateway(false) // the shards identify again and receive their guilds anew
	w.WaitFor(t, "the guild of shard 1 received by shard 1", func() bool { return botPresent(w, second) })
	w.WaitFor(t, "both shards ready", func() bool {
		shards := w.Srv.Discord.Shards()
		return len(shards) == 2 && shards[0].Ready && shards[1].Ready
	})
	// Its gateway events reach this process through shard 1: a member leaving.
	leaver := f.NewUser("Lee Leaver")
	f.AddMember(second.ID, leaver)
	f.RemoveMember(second.ID, leaver.ID)
	w.WaitFor(t, "the leave recorded from shard 1", func() bool {
		h, err := w.Srv.Store.Load(context.Background(), member.Stream(domain.GuildID(second.ID), domain.UserID(leaver.ID)))
		return err == nil && len(h.Events) == 1 && h.Events[0].EventType() == "member.left_guild.v1"
	})
	if f.IdentifiedTooFast() != 0 {
		t.Fatalf("%d identifies refused for Discord's identify concurrency", f.IdentifiedTooFast())
	}
}

func TestAProcessRunsOnlyItsStaticRangeOfShards(t *testing.T) {
	w := testenv.NewWorld(t, testenv.WithGuildOnShard(0, 2), shardsEnv("2", "0"))
	f := w.Fake
	other := f.AddGuildOnShard("Another process's server", w.Owner, 1, 2)
	f.DropGateway(false)
	w.WaitFor(t, "shard 0 back", func() bool { return slices.Equal(f.SessionShards(), []int{0}) })
	w.Settle(t)
	if botPresent(w, other) {
		t.Fatal("a guild of shard 1 reached the process that runs shard 0 only")
	}
	if s := w.Srv.Discord.Shards(); len(s) != 1 || s[0].ID != 0 {
		t.Fatalf("the process runs shards %+v, want shard 0 alone", s)
	}
}

func TestShardsIdentifyWithinDiscordsConcurrency(t *testing.T) {
	start := time.Now()
	// Discord recommends 2 shards and lets one identify at a time.
	w := testenv.NewWorld(t, testenv.WithGuildOnShard(0, 2), testenv.WithRecommendedShards(2, 1))
	f := w.Fake
	w.WaitFor(t, "the second shard, after Discord's identify interval", func() bool { return len(f.SessionShards()) == 2 })
	if took := time.Since(start); took < fakediscord.IdentifyInterval {
		t.Fatalf("both shards identified within %s: faster than Discord allows", took)
	}
	if n := f.IdentifiedTooFast(); n != 0 {
		t.Fatalf("%d identifies refused: the bot did not wait its turn", n)
	}
}

func TestAShardDiscordRefusesIsTriedAgainUntilItIsAccepted(t *testing.T) {
	defer func(d time.Duration) { *discord.ShardRetryDelay = d }(*discord.ShardRetryDelay)
	*discord.ShardRetryDelay = 200 * time.Millisecond
	w := testenv.NewWorld(t)
	f := w.Fake
	// Discord starts refusing the bot's intents (as after a change on the
	// developer portal): a close code that forbids reconnecting.
	f.RefuseIdentify(4014)
	f.DropGateway(false)
	w.WaitFor(t, "the refusal named by the health check", func() bool {
		err := w.Srv.Discord.Health(context.Background())
		return err != nil && strings.Contains(err.Error(), "4014")
	})
	f.RefuseIdentify(0) // fixed on Discord's side: no restart needed
	w.WaitFor(t, "the shard back", func() bool { return w.Srv.Discord.Health(context.Background()) == nil })
}

func TestTheBotWaitsForItsSessionStartsToResetWhenTheyAreUsedUp(t *testing.T) {
	start := time.Now()
	// A crash loop spent today's session starts: identifying now could get the
	// token reset. The bot waits for the reset (3 s here) instead.
	w := testenv.NewWorld(t, testenv.WithSessionStarts(0, 3*time.Second))
	if took := time.Since(start); took < 3*time.Second {
		t.Fatalf("the bot identified %s after starting, before its session starts reset", took)
	}
	if w.Fake.IdentifiedTooFast() != 0 {
		t.Fatal("an identify was refused")
	}
}
