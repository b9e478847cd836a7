package memstore_test

import (
	"testing"

	"github.com/ticketify/ticketify/eventstore/memstore"
	"github.com/ticketify/ticketify/eventstore/storetest"
)

var _ storetest.Log = (*memstore.Log)(nil)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Log { return memstore.New() })
}
