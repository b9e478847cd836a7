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
			storetest.Run(t, func(t *testing.T) storetest.Log { return openLog(t, b.Connect(t)) })
			storetest.RunShared(t, func(t *testing.T) (storetest.Log, storetest.Log) {
				conn := b.Connect(t)
				return openLog(t, conn), openLog(t, conn)
			})
		})
	}
}
