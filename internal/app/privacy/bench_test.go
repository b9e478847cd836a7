package privacy_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/app/privacy"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections"
	"github.com/ticketify/ticketify/projections/subjects"
)

// BenchmarkExportUser exports a person who wrote 10,000 messages in 10
// tickets, on embedded FerretDB. The baseline reads the same records from
// the subject index without decoding or writing them.
//
//	go test ./internal/privacy/ -run '^$' -bench ExportUser -benchtime 5x
func BenchmarkExportUser(b *testing.B) {
	env := testenv.NewApp(b)
	rt := env.Projections(b, subjects.Projector{})
	ctx := context.Background()
	const messages, tickets = 10_000, 10
	var ids []domain.TicketID
	for i := range tickets {
		o, err := env.App.OpenTicket(ctx, app.OpenTicket{Guild: g, Opener: domain.UserID(5000 + i), Topic: "t"})
		must(b, err)
		ids = append(ids, o.Ticket)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= messages {
					return
				}
				must(b, env.App.RecordMessagePosted(ctx, g, ticket.PostedMessage{Ticket: ids[i%tickets], Channel: 1,
					Message: domain.MessageID(i + 1), Author: mia, AuthorName: "Mia", At: time.Now(),
					Content: fmt.Sprintf("message %d with some words in it, as people write", i)}))
			}
		})
	}
	wg.Wait()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	must(b, rt.WaitCaughtUp(wctx))
	b.Logf("seeded %d messages in %s", messages, time.Since(start).Round(time.Millisecond))
	index := subjects.NewReader(func(ctx context.Context) (projections.Target, error) { return rt.Target(ctx, subjects.Projector{}) })
	x := &privacy.Exporter{Codec: env.Store.Codec(), Clock: time.Now, Index: index}
	b.Run("baseline-read-index", func(b *testing.B) {
		for b.Loop() {
			n := 0
			must(b, index.Each(ctx, "user:"+mia.String(), func(subjects.Record) error { n++; return nil }))
			if n < messages {
				b.Fatalf("read %d records", n)
			}
		}
	})
	b.Run("export", func(b *testing.B) {
		for b.Loop() {
			m, err := x.ExportUser(ctx, io.Discard, mia, time.Time{})
			must(b, err)
			if m.Included[privacy.SectionMessages] != messages {
				b.Fatalf("exported %d messages", m.Included[privacy.SectionMessages])
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/export")
	})
}
