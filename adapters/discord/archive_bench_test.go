package discord_test

import (
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// waitOutcomes polls a ticket's messages stream until it holds the
// archiving outcome of every attachment in ids (or the message itself, for
// a message id), and returns when each appeared, measured from start.
func waitOutcomes(b *testing.B, w *testenv.World, id domain.TicketID, start time.Time, ids map[string]bool) map[string]time.Duration {
	seen := map[string]time.Duration{}
	deadline := time.Now().Add(5 * time.Minute)
	for len(seen) < len(ids) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d outcomes after 5 minutes", len(seen), len(ids))
		}
		h, err := w.Srv.Storage.Store.Load(b.Context(), ticket.MessagesStream(id))
		if err != nil {
			b.Fatal(err)
		}
		now := time.Since(start)
		for _, e := range h.Events {
			var key string
			switch ev := e.(type) {
			case ticket.AttachmentArchived:
				key = ev.Attachment
			case ticket.AttachmentNotArchived:
				b.Fatalf("attachment %s not archived: %s", ev.Attachment, ev.Reason)
			case ticket.MessagePosted:
				key = ev.Message.String()
			}
			if _, ok := seen[key]; !ok && ids[key] {
				seen[key] = now
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return seen
}

// BenchmarkArchive measures the attachment archiver against the fake CDN
// (on loopback, as fast as the socket) on embedded FerretDB:
//
//   - lag/1MB: one message with a 1 MB image at a time; its lag runs from
//     the post on Discord to the archived event in the log (p50, p99 over
//     b.N messages).
//   - lag/1MBx10: ten such messages at once, each lag measured alike.
//   - memory/25MBx10: one message with ten 25 MB files (Discord's most);
//     the heap's peak growth while they are archived (sampled every 5 ms,
//     GOGC 10) against the 250 MB they add up to — this process also runs
//     the embedded FerretDB that stores the chunks, and the fake CDN — and the capture lag of text
//     messages posted meanwhile against the same with the archiver idle.
func BenchmarkArchive(b *testing.B) {
	for _, burst := range []int{1, 10} {
		b.Run("lag/1MBx"+itoa(burst), func(b *testing.B) {
			w := testenv.NewWorld(b)
			ch := openTicket(b, w, "bench")
			tk := ticketInChannel(b, w, ch)
			var lags []time.Duration
			for b.Loop() {
				ids := map[string]bool{}
				start := time.Now()
				for range burst {
					m := w.Fake.PostFiles(ch.ID, w.Member, "", fakediscord.File{Name: "shot.png", Data: testenv.PNGBytes(1 << 20)})
					ids[m.Attachments[0].ID.String()] = true
				}
				for _, d := range waitOutcomes(b, w, tk.ID(), start, ids) {
					lags = append(lags, d)
				}
			}
			slices.Sort(lags)
			b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
	b.Run("memory/25MBx10", func(b *testing.B) { archiveTenLargeFiles(b, true) })
	b.Run("capture/while-archiving-25MBx10", func(b *testing.B) { archiveTenLargeFiles(b, false) })
}

// archiveTenLargeFiles posts one message with ten 25 MB files and measures
// either the heap's peak growth while they are archived, or the capture lag
// of text messages posted meanwhile against the same with the archiver idle.
func archiveTenLargeFiles(b *testing.B, memory bool) {
	w := testenv.NewWorld(b, func(env map[string]string) { env["TICKETIFY_TICKET_ATTACHMENTS_MAX_MB"] = "100000" })
	ch := openTicket(b, w, "bench")
	tk := ticketInChannel(b, w, ch)
	files := make([]fakediscord.File, 10)
	for i := range files {
		files[i] = fakediscord.File{Name: "video" + itoa(i) + ".mp4", Data: testenv.PNGBytes(25_000_000)}
	}
	captureLag := func() float64 {
		start := time.Now()
		m := w.Fake.PostMessage(ch.ID, w.Member, "still there?")
		return float64(waitOutcomes(b, w, tk.ID(), start, map[string]bool{m.ID.String(): true})[m.ID.String()].Microseconds()) / 1000
	}
	var peak, idle, busy []float64
	for b.Loop() {
		for range 10 {
			idle = append(idle, captureLag())
		}
		var top atomic.Uint64
		done := make(chan struct{})
		var wg sync.WaitGroup
		old := 100
		if memory {
			// The ten files themselves (250 MB, the fake CDN's) are live in
			// this heap: at the default GOGC the collector would let as much
			// garbage pile up before running, hiding what the archiver
			// holds. At 10 % the heap in use tracks what is live.
			old = debug.SetGCPercent(10)
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base := ms.HeapInuse
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					case <-time.After(5 * time.Millisecond):
					}
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > base && ms.HeapInuse-base > top.Load() {
						top.Store(ms.HeapInuse - base)
					}
				}
			})
		}
		start := time.Now()
		m := w.Fake.PostFiles(ch.ID, w.Member, "ten videos", files...)
		ids := map[string]bool{}
		for _, a := range m.Attachments {
			ids[a.ID.String()] = true
		}
		if !memory {
			for range 10 { // while the ten files download
				busy = append(busy, captureLag())
			}
		}
		waitOutcomes(b, w, tk.ID(), start, ids)
		close(done)
		wg.Wait()
		debug.SetGCPercent(old)
		peak = append(peak, float64(top.Load())/(1<<20))
	}
	if memory {
		b.ReportMetric(slices.Max(peak), "peak-heap-growth-MB")
		return
	}
	slices.Sort(idle)
	slices.Sort(busy)
	b.ReportMetric(idle[len(idle)/2], "idle-p50-ms")
	b.ReportMetric(busy[len(busy)/2], "busy-p50-ms")
	b.ReportMetric(busy[len(busy)-1], "busy-max-ms")
}
