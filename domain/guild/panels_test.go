package guild_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

func TestPanels(t *testing.T) {
	billing := guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}}
	s := guild.FromHistory(g, []domain.Event{billing})
	buttons, err := guild.ParsePanelButtons("billing | Billing | 💳 | success\nbilling|Refunds")
	if err != nil || len(buttons) != 2 {
		t.Fatalf("buttons: %v %v", buttons, err)
	}
	p := guild.Panel{Key: "main", Title: " Need help? ", Color: 0x5865F2, Buttons: buttons}
	evs, err := s.SavePanel(staff, p)
	want := guild.Panel{Key: "main", Title: "Need help?", Color: 0x5865F2, Buttons: []guild.PanelButton{
		{Category: "billing", Label: "Billing", Emoji: "💳", Style: "success"}, {Category: "billing", Label: "Refunds", Style: "primary"}}}
	if err != nil || !reflect.DeepEqual(evs, []domain.Event{guild.PanelSaved{Guild: g, Panel: want}}) {
		t.Fatalf("saved: %#v %v", evs, err)
	}
	s = guild.FromHistory(g, append([]domain.Event{billing}, evs...))
	if _, err := s.SavePanel(staff, want); !errors.Is(err, domain.ErrUnchanged) {
		t.Fatalf("the same panel again: %v", err)
	}
	post := guild.PanelPost{Channel: 5, Message: 6}
	evs, _ = s.RecordPanelPosted("main", post)
	s = guild.FromHistory(g, append([]domain.Event{billing, guild.PanelSaved{Guild: g, Panel: want}}, evs...))
	if got := s.PanelPosts("main"); !reflect.DeepEqual(got, []guild.PanelPost{post}) {
		t.Fatalf("posts: %v", got)
	}
	if again, _ := s.RecordPanelPosted("main", post); again != nil {
		t.Fatalf("a post recorded twice: %v", again)
	}
	for name, bad := range map[string]guild.Panel{
		"no button":           {Key: "x", Title: "t"},
		"an unknown category": {Key: "x", Title: "t", Buttons: []guild.PanelButton{{Category: "nope", Label: "l"}}},
		"a bad style":         {Key: "x", Title: "t", Buttons: []guild.PanelButton{{Category: "billing", Label: "l", Style: "blurple"}}},
		"an image over http":  {Key: "x", Title: "t", Image: "http://example.com/a.png", Buttons: []guild.PanelButton{{Category: "billing", Label: "l"}}},
		"a bad key":           {Key: "Main Panel", Title: "t", Buttons: []guild.PanelButton{{Category: "billing", Label: "l"}}},
		"a colour too big":    {Key: "x", Title: "t", Color: 0x1000000, Buttons: []guild.PanelButton{{Category: "billing", Label: "l"}}},
	} {
		if _, err := s.SavePanel(staff, bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := guild.ParsePanelButtons("just a label"); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a button without a category: %v", err)
	}
}

func TestAnOverflowNeedsAnOwnDiscordCategory(t *testing.T) {
	plain := guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "plain", Name: "Plain"}}
	placed := guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "placed", Name: "Placed", DiscordCategory: 70}}
	s := guild.FromHistory(g, []domain.Event{plain, placed})
	if _, err := s.SetCategoryOverflow(staff, "plain", []domain.ChannelID{71}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("no Discord category to overflow: %v", err)
	}
	if _, err := s.SetCategoryOverflow(staff, "placed", []domain.ChannelID{70}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("overflowing into itself: %v", err)
	}
	evs, err := s.SetCategoryOverflow(staff, "placed", []domain.ChannelID{71, 72})
	if err != nil || len(evs) != 1 || !reflect.DeepEqual(evs[0].(guild.CategoryUpdated).Category.Overflow, []domain.ChannelID{71, 72}) {
		t.Fatalf("overflow: %v %v", evs, err)
	}
}
