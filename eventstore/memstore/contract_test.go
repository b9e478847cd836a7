package memstore_test

import (
	"testing"

	"github.com/ticketify/ticketify/eventstore/memstore"
	"github.com/ticketify/ticketify/eventstore/storetest"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// TestMain stops the embedded FerretDB the comparisons with the MongoDB
// implementations start.
func TestMain(m *testing.M) { testenv.Main(m) }

var _ storetest.Log = (*memstore.Log)(nil)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Log { return memstore.New() })
}
