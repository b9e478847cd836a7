package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ticketify/ticketify/adapters/bus/natsbus"
	"github.com/ticketify/ticketify/adapters/discord"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/config"
	"github.com/ticketify/ticketify/internal/server"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/natstest"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/runner"
)

// fleet is three `ticketify serve` processes sharing one MongoDB-wire
// server (embedded FerretDB on the machine's PostgreSQL, standing in for a
// replica set) and one NATS JetStream server, each running one of three
// gateway shards, the projectors split into three partitions.
type fleet struct {
	t        *testing.T
	fake     *fakediscord.Server
	guilds   []fakediscord.Guild // one per shard
	lobbies  []fakediscord.Channel
	members  [][]fakediscord.User
	env      []string // shared
	procs    []*fleetProc
	mu       sync.Mutex
	answered map[string]string // interaction id → answer
	sent     map[string]fakediscord.Interaction
}

type fleetProc struct {
	c        *child
	addr     string
	endpoint string
	dead     bool
}

const fleetSize, fleetPartitions = 3, 3

func newFleet(t *testing.T, membersPerGuild int) *fleet {
	db := testenv.PostgreSQLServer(t)
	ns := natstest.Start(t)
	fake, err := fakediscord.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	fake.SetShards(fleetSize, 1)
	f := &fleet{t: t, fake: fake, answered: map[string]string{}, sent: map[string]fakediscord.Interaction{}}
	owner := fake.NewUser("Owner")
	staff := fake.NewUser("Sam Staff")
	for shard := range fleetSize {
		g := fake.AddGuildOnShard(fmt.Sprintf("Server %d", shard), owner, shard, fleetSize)
		role := fake.AddRole(g.ID, "Support", fakediscord.PermDefaultEveryone)
		fake.AddMember(g.ID, staff, role.ID)
		var ms []fakediscord.User
		for i := range membersPerGuild {
			u := fake.NewUser(fmt.Sprintf("member%d-%03d", shard, i))
			fake.AddMember(g.ID, u)
			ms = append(ms, u)
		}
		f.guilds, f.members = append(f.guilds, g), append(f.members, ms)
		f.lobbies = append(f.lobbies, fake.AddTextChannel(g.ID, "lobby"))
		defer func(g fakediscord.Guild, lobby fakediscord.Channel, role fakediscord.Role) {
			// Set up once the processes run: through any of them.
			if !f.deliver(f.procs[0], fake.SlashCommand(fakediscord.Actor{Guild: g.ID, Channel: lobby.ID, User: owner}, "setup",
				fakediscord.Sub("staff-role", fakediscord.RoleOpt("role", role.ID)))) {
				t.Fatal("setting up the staff role got no answer")
			}
		}(g, f.lobbies[shard], role)
	}
	f.env = []string{"TICKETIFY_MONGODB_URI=" + db.URI(), "TICKETIFY_DATABASE=" + testenv.DatabaseName(),
		"TICKETIFY_TRANSPORT=nats", "TICKETIFY_NATS_URL=" + ns.URL(), "TICKETIFY_PARTITIONS=" + strconv.Itoa(fleetPartitions),
		"TICKETIFY_SHARD_COUNT=" + strconv.Itoa(fleetSize), "TICKETIFY_SECRET_KEY=" + fmt.Sprintf("%x", testenv.KEK),
		"DISCORD_TOKEN=" + fake.Token, "DISCORD_PUBLIC_KEY=" + fake.PublicKey(),
		"DISCORD_API_URL=" + fake.APIURL(), "DISCORD_GATEWAY_URL=" + fake.GatewayURL(),
		"TICKETIFY_CLOSED_CHANNEL_DELETE_AFTER=0"}
	for i := range fleetSize {
		addr := freeAddr(t)
		p := &fleetProc{addr: addr, endpoint: "http://" + addr + "/interactions"}
		p.c = startChild(t, append(f.env, "TICKETIFY_HTTP_ADDR="+addr, "TICKETIFY_DATA_DIR="+t.TempDir(),
			"TICKETIFY_SHARDS="+strconv.Itoa(i))...)
		f.procs = append(f.procs, p)
	}
	for _, p := range f.procs {
		waitHealthy(t, p.addr, p.c)
	}
	return f
}

// deliver sends an interaction to a process and records a definite answer.
func (f *fleet) deliver(p *fleetProc, in fakediscord.Interaction) bool {
	f.mu.Lock()
	f.sent[in.ID.String()] = in
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	content, ok, _ := answer(ctx, f.fake, p.endpoint, in)
	if !ok {
		return false
	}
	f.mu.Lock()
	f.answered[in.ID.String()] = content
	f.mu.Unlock()
	return true
}

// Three processes share the work: opens go to all three through signed
// interactions while one of them is killed with SIGKILL. Then every
// answered open has its ticket exactly once, Discord saw one channel and
// one welcome per ticket, the dead process's partitions and shard-free work
// moved to the others (within 30 seconds; see below), and every projection equals a
// rebuild.
func TestThreeProcessesShareTheWorkAndSurviveAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three real processes")
	}
	f := newFleet(t, 40)
	var wg sync.WaitGroup
	next := make([]int, fleetSize)
	var nextMu sync.Mutex
	openOne := func(worker int) bool {
		nextMu.Lock()
		g := worker % fleetSize
		if next[g] >= len(f.members[g]) {
			nextMu.Unlock()
			return false
		}
		m := f.members[g][next[g]]
		next[g]++
		nextMu.Unlock()
		in := f.fake.SlashCommand(fakediscord.Actor{Guild: f.guilds[g].ID, Channel: f.lobbies[g].ID, User: m}, "ticket",
			fakediscord.Sub("open", fakediscord.Str("topic", "help with "+m.Username)))
		// Interactions reach any process; a dead one's are sent again to
		// another, as a member presses the button again.
		for try := range fleetSize {
			p := f.procs[(worker+try)%fleetSize]
			if f.deliver(p, in) {
				return true
			}
		}
		return true
	}
	for w := range 6 {
		wg.Go(func() {
			for openOne(w) {
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	cfg, err := config.Load(envMap(append(f.env, "TICKETIFY_DATA_DIR="+t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := server.OpenStorage(ctx, cfg, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	groups := []string{discord.ReactorName, natsbus.RelayGroup}
	for _, p := range server.Projectors() {
		groups = append(groups, runner.GroupsOf(p, fleetPartitions)...)
	}
	checkpoints := func() map[string]eventstore.Checkpoint {
		out := map[string]eventstore.Checkpoint{}
		for _, g := range groups {
			cp, err := st.Checkpoints.Load(ctx, eventstore.DefaultTopic, g)
			if err != nil {
				t.Fatal(err)
			}
			out[g] = cp
		}
		return out
	}

	victim := f.procs[1]
	if err := victim.c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.c.cmd.Wait()
	killedAt := time.Now()
	victim.dead = true
	atKill := checkpoints()

	// Every consumer group moves on after the kill — the partitions, the
	// relay and the reactor the dead process held too — while the opens go
	// on. By design that takes the lease (10 s) plus a take-over: 10.3 s on
	// the machine that measured it for docs/SCALING.md, 14.0–14.5 s on a
	// slower one alone and 21–23 s there with the rest of `go test ./...`
	// beside it on two cores. The test bounds it at 30 s: a take-over that
	// waits for anything beyond the lease fails; the time itself is a
	// measurement (logged here, in docs/BENCHMARKS.md), not a pass/fail.
	moved := map[string]time.Duration{}
	for deadline := killedAt.Add(30 * time.Second); len(moved) < len(groups) && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for g, cp := range checkpoints() {
			if _, ok := moved[g]; !ok && cp.Position > atKill[g].Position {
				moved[g] = time.Since(killedAt)
			}
		}
	}
	var slowest time.Duration
	for _, g := range groups {
		took, ok := moved[g]
		if !ok || took > 30*time.Second {
			t.Errorf("consumer group %s did not move on within 30s of the kill (moved: %v, %v)", g, ok, took)
		}
		slowest = max(slowest, took)
	}
	t.Logf("moved on after the kill: %v", moved)
	t.Logf("every consumer group moved on within %v of the kill", slowest.Round(time.Millisecond))
	wg.Wait()

	// Then the survivors consume the whole log: every group at the head, and
	// the head still (the reactor's work appends as it goes). FerretDB on
	// PostgreSQL with the rest of the suite beside it on two cores took more
	// than 90 s once; the bound is for a survivor that stopped consuming.
	consumed := func() {
		var lastHead int64 = -1
		for deadline := time.Now().Add(180 * time.Second); ; time.Sleep(250 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the survivors did not consume the whole log within 180s:\n%s\n%s", f.procs[0].c.out, f.procs[2].c.out)
			}
			last, head, err := st.Log.LastEvent(ctx, eventstore.DefaultTopic)
			if err != nil {
				continue
			}
			done := head == lastHead
			lastHead = head
			for g, cp := range checkpoints() {
				if (g == natsbus.RelayGroup && cp.Position <= head) || (g != natsbus.RelayGroup && cp.Event != last) {
					done = false
				}
			}
			if done {
				return
			}
		}
	}
	consumed()
	f.checkTickets(ctx, st)
	consumed() // the welcomes checked above were captured as they came
	for _, p := range f.procs {
		if !p.dead {
			_ = p.c.cmd.Process.Signal(syscall.SIGINT)
			_ = p.c.cmd.Wait()
		}
	}
	w := &crashWorld{t: t}
	w.checkProjectionsEqualARebuild(ctx, cfg, st)
}

// checkTickets: one ticket per answered open, one channel and one welcome
// per ticket on Discord.
func (f *fleet) checkTickets(ctx context.Context, st *server.Storage) {
	t := f.t
	commits, err := st.Log.ReadLog(ctx, eventstore.DefaultTopic, 1, 10_000_000)
	if err != nil {
		t.Fatal(err)
	}
	byCommand := map[string]int{}
	tickets := 0
	for _, c := range commits {
		for _, env := range c.Envelopes() {
			if env.Type == "ticket.opened.v1" {
				interaction, _, _ := strings.Cut(c.ID, "/")
				byCommand[interaction]++
				tickets++
			}
		}
	}
	f.mu.Lock()
	opened := 0
	for id, answer := range f.answered {
		if strings.Contains(answer, "opened") {
			opened++
			if byCommand[id] != 1 {
				t.Errorf("interaction %s answered %q but opened %d tickets", id, answer, byCommand[id])
			}
		}
	}
	f.mu.Unlock()
	for id, n := range byCommand {
		if n > 1 {
			t.Errorf("interaction %s opened %d tickets", id, n)
		}
	}
	if opened < fleetSize*20 {
		t.Fatalf("only %d opens answered", opened)
	}
	// The reactor's effects happen once, wherever it ran.
	deadline := time.Now().Add(30 * time.Second)
	for {
		channels, welcomes := 0, 0
		doubled := ""
		for _, g := range f.guilds {
			for _, c := range f.fake.Channels(g.ID) {
				if c.Topic == nil || !strings.HasPrefix(*c.Topic, "Ticketify ticket ") {
					continue
				}
				channels++
				n := 0
				for _, m := range f.fake.Messages(c.ID) {
					if m.Author.ID == f.fake.BotUser.ID && len(m.Embeds) > 0 {
						n++
					}
				}
				welcomes += min(n, 1)
				if n > 1 {
					doubled = fmt.Sprintf("%s has %d welcomes", c.Name, n)
				}
			}
		}
		if doubled != "" {
			t.Fatalf("a Discord action ran twice: %s", doubled)
		}
		if channels == tickets && welcomes == tickets {
			t.Logf("%d tickets, %d opens answered, %d channels with one welcome each", tickets, opened, channels)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Discord has %d ticket channels and %d welcomes for %d tickets", channels, welcomes, tickets)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
