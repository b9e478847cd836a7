package discord_test

import (
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// BenchmarkInteractions measures interactions end to end — a signed POST to
// /interactions until its response — on embedded FerretDB, with 1 and 16
// concurrent clients. "open" opens a ticket (each client a different member,
// the limit being one open ticket); "privacy" reads only the person's profile. The fake
// Discord answers in-process, so its own latency is negligible here.
//
// "open/idle" opens one ticket at a time on a server at rest: it waits for the
// projections and the reactor to finish the previous open first, so it shows
// an open's own latency rather than the queue behind the previous one's work.
//
// TICKETIFY_BENCH_LOCALE sets the members' Discord language (e.g. "de": every
// answer localized), to compare with English answers or an older build
// under the same benchmark names (docs/BENCHMARKS.md, "Localized replies").
func BenchmarkInteractions(b *testing.B) {
	locale := os.Getenv("TICKETIFY_BENCH_LOCALE")
	as := func(w *testenv.World, u fakediscord.User) fakediscord.Actor {
		a := w.As(u, w.Lobby.ID)
		a.Locale = locale
		return a
	}
	b.Run("open/idle", func(b *testing.B) {
		w := testenv.NewWorld(b)
		var took []time.Duration
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			m := w.Fake.NewUser("idle" + itoa(i%100) + itoa(i/100))
			w.Fake.AddMember(w.Guild.ID, m)
			w.Settle(b) // the previous open's projections, channel and welcome message
			b.StartTimer()
			res := w.Deliver(b, w.Fake.SlashCommand(as(w, m), "ticket", fakediscord.Sub("open")))
			took = append(took, res.Took)
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	})
	for _, kind := range []string{"open", "privacy"} {
		for _, clients := range []int{1, 16} {
			b.Run(kind+"/clients="+itoa(clients), func(b *testing.B) {
				w := testenv.NewWorld(b)
				members := make([]fakediscord.User, b.N)
				for i := range members {
					members[i] = w.Fake.NewUser("m" + itoa(i))
					w.Fake.AddMember(w.Guild.ID, members[i])
				}
				var next atomic.Int64
				var mu sync.Mutex
				var took []time.Duration
				missed := 0
				b.ResetTimer()
				var wg sync.WaitGroup
				for range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1) - 1
							if i >= int64(b.N) {
								return
							}
							var in fakediscord.Interaction
							if kind == "open" {
								in = w.Fake.SlashCommand(as(w, members[i]), "ticket", fakediscord.Sub("open"))
							} else {
								in = w.Fake.SlashCommand(as(w, members[i]), "privacy")
							}
							res := w.Deliver(b, in)
							mu.Lock()
							took = append(took, res.Took)
							if res.Took >= 3*time.Second || res.Status != 200 {
								missed++
							}
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "interactions/s")
				b.ReportMetric(float64(missed), "missed-3s")
			})
		}
	}
}

func itoa(i int) string {
	return string([]byte{byte('0' + i/10%10), byte('0' + i%10)})[map[bool]int{true: 1, false: 0}[i < 10]:]
}

// BenchmarkTags measures, on a server with 500 tags, the autocomplete of a
// tag's name (staff typing "t") and posting one with /tag in a ticket,
// against two baselines in the same run: the autocomplete on a server
// without tags, and /ticket priority (a ticket command that appends one
// event and answers in the channel, as /tag does). Each is one request at a
// time on a server at rest.
func BenchmarkTags(b *testing.B) {
	measure := func(b *testing.B, w *testenv.World, in func(i int) fakediscord.Interaction) {
		var took []time.Duration
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			interaction := in(i)
			w.Settle(b)
			b.StartTimer()
			res := w.Deliver(b, interaction)
			if res.Status != 200 {
				b.Fatalf("status %d: %s", res.Status, res.Body)
			}
			took = append(took, res.Took)
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	}
	world := func(b *testing.B, tags int) (*testenv.World, fakediscord.Snowflake) {
		w := testenv.NewWorld(b)
		staffSetup(b, w)
		for i := range tags {
			run(b, w, w.Fake.SlashCommand(w.As(w.Staff, w.Lobby.ID), "tags", fakediscord.Sub("add",
				fakediscord.Str("name", "tag-"+strconv.Itoa(i)), fakediscord.Str("text", "Saved answer number "+strconv.Itoa(i)))))
		}
		ch := openTicket(b, w, "benchmark")
		return w, ch.ID
	}
	for _, tags := range []int{0, 500} {
		b.Run("autocomplete/tags="+strconv.Itoa(tags), func(b *testing.B) {
			w, _ := world(b, tags)
			measure(b, w, func(int) fakediscord.Interaction {
				return w.Fake.Autocomplete(w.As(w.Staff, w.Lobby.ID), "tag", fakediscord.Focused("name", "t"))
			})
		})
	}
	b.Run("post/tags=500", func(b *testing.B) {
		w, ch := world(b, 500)
		measure(b, w, func(i int) fakediscord.Interaction {
			return w.Fake.SlashCommand(w.As(w.Staff, ch), "tag", fakediscord.Str("name", "tag-"+strconv.Itoa(i%500)))
		})
	})
	b.Run("ticket-priority", func(b *testing.B) {
		w, ch := world(b, 0)
		priorities := []string{"low", "high"}
		measure(b, w, func(i int) fakediscord.Interaction {
			return w.Fake.SlashCommand(w.As(w.Staff, ch), "ticket", fakediscord.Sub("priority", fakediscord.Str("level", priorities[i%2])))
		})
	})
}
