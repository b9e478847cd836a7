package tag_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/tag"
)

const g = domain.GuildID(42)

var refunds = tag.Tag{Name: "refunds", Text: "Refunds take 5 days."}

func TestTags(t *testing.T) {
	saved := tag.Saved{Guild: g, Tag: refunds}
	cases := []struct {
		name  string
		given []domain.Event
		when  func(tag.Library) ([]domain.Event, error)
		then  []domain.Event
		err   error
	}{
		{name: "staff add a tag, its name filed in lower case",
			when: func(l tag.Library) ([]domain.Event, error) {
				return l.Add(true, tag.Tag{Name: " Refunds ", Text: " Refunds take 5 days. "})
			},
			then: []domain.Event{saved}},
		{name: "an embed alone is enough",
			when: func(l tag.Library) ([]domain.Event, error) {
				return l.Add(true, tag.Tag{Name: "rules", Embed: tag.Embed{Title: "Rules", Color: 0x5865F2}})
			},
			then: []domain.Event{tag.Saved{Guild: g, Tag: tag.Tag{Name: "rules", Embed: tag.Embed{Title: "Rules", Color: 0x5865F2}}}}},
		{name: "a member may not",
			when: func(l tag.Library) ([]domain.Event, error) { return l.Add(false, refunds) },
			err:  domain.ErrForbidden},
		{name: "a name is taken once",
			given: []domain.Event{saved},
			when:  func(l tag.Library) ([]domain.Event, error) { return l.Add(true, refunds) },
			err:   domain.ErrConflict},
		{name: "an edit records before and after",
			given: []domain.Event{saved},
			when: func(l tag.Library) ([]domain.Event, error) {
				return l.Edit(true, tag.Tag{Name: "REFUNDS", Text: "Refunds take 3 days."})
			},
			then: []domain.Event{tag.Saved{Guild: g, Tag: tag.Tag{Name: "refunds", Text: "Refunds take 3 days."}, Previous: refunds}}},
		{name: "an edit that changes nothing",
			given: []domain.Event{saved},
			when:  func(l tag.Library) ([]domain.Event, error) { return l.Edit(true, refunds) },
			err:   domain.ErrUnchanged},
		{name: "editing a tag that does not exist",
			when: func(l tag.Library) ([]domain.Event, error) { return l.Edit(true, refunds) },
			err:  domain.ErrNotFound},
		{name: "a removal keeps what it removed",
			given: []domain.Event{saved},
			when:  func(l tag.Library) ([]domain.Event, error) { return l.Remove(true, "refunds") },
			then:  []domain.Event{tag.Removed{Guild: g, Previous: refunds}}},
		{name: "a removed tag is gone",
			given: []domain.Event{saved, tag.Removed{Guild: g, Previous: refunds}},
			when:  func(l tag.Library) ([]domain.Event, error) { return l.Remove(true, "refunds") },
			err:   domain.ErrNotFound},
	}
	for _, bad := range []tag.Tag{
		{Name: "", Text: "x"}, {Name: "two words", Text: "x"}, {Name: strings.Repeat("a", 33), Text: "x"}, {Name: "empty"},
		{Name: "long", Text: strings.Repeat("é", 2001)}, {Name: "title", Embed: tag.Embed{Title: strings.Repeat("t", 257)}},
		{Name: "colour", Text: "x", Embed: tag.Embed{Color: 0x1000000}}, {Name: "colour-only", Text: "x", Embed: tag.Embed{Color: 0xff0000}},
	} {
		cases = append(cases, struct {
			name  string
			given []domain.Event
			when  func(tag.Library) ([]domain.Event, error)
			then  []domain.Event
			err   error
		}{name: "refused: " + bad.Name, when: func(l tag.Library) ([]domain.Event, error) { return l.Add(true, bad) }, err: domain.ErrInvalid})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.when(tag.FromHistory(g, c.given))
			if c.err != nil {
				if !errors.Is(err, c.err) || got != nil {
					t.Fatalf("got %v, %v; want refusal %v", got, err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.then) {
				t.Fatalf("got %#v, %v; want %#v", got, err, c.then)
			}
		})
	}
}

func TestAutocompleteOffersPrefixesFirst(t *testing.T) {
	var given []domain.Event
	for _, n := range []string{"refunds", "refund-policy", "shipping", "late-refunds", "rules"} {
		given = append(given, tag.Saved{Guild: g, Tag: tag.Tag{Name: n, Text: n}})
	}
	l := tag.FromHistory(g, given)
	if got := l.Matching("REF", 25); !reflect.DeepEqual(got, []string{"refund-policy", "refunds", "late-refunds"}) {
		t.Fatalf("matching ref: %v", got)
	}
	if got := l.Matching("", 2); !reflect.DeepEqual(got, []string{"late-refunds", "refund-policy"}) {
		t.Fatalf("the first two of all: %v", got)
	}
}
