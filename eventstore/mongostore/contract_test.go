package mongostore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/eventstore/storetest"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func openLog(t *testing.T, conn *mongodb.Conn) *mongostore.Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log, err := mongostore.Open(ctx, conn, mongostore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(log.Close)
	return log
}

func TestContract(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			conns := map[storetest.Log]*mongodb.Conn{}
			storetest.Run(t, storetest.Factory{
				New: func(t *testing.T) storetest.Log {
					conn := b.Connect(t)
					log := openLog(t, conn)
					conns[log] = conn
					return log
				},
				SecondProcess: func(t *testing.T, first storetest.Log) storetest.Log {
					return openLog(t, conns[first])
				},
			})
		})
	}
}
