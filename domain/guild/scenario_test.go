package guild_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

// scenario is a settings decision as a specification: given a history,
// when a member decides something, then these events — or this refusal.
type scenario struct {
	name  string
	given []domain.Event
	when  func(guild.Settings) ([]domain.Event, error)
	then  []domain.Event
	err   error
}

func run(t *testing.T, cases []scenario) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.when(guild.FromHistory(g, c.given))
			if c.err != nil {
				if !errors.Is(err, c.err) || got != nil {
					t.Fatalf("got %v, %v; want refusal %v", got, err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.then) {
				t.Fatalf("got %#v, %v\nwant %#v", got, err, c.then)
			}
		})
	}
}
