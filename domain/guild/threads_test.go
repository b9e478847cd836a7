package guild_test

import (
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

func TestThreadMode(t *testing.T) {
	const support, other domain.ChannelID = 300, 301
	billing := guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}}
	staffOnly := guild.Member{User: 11, Roles: []domain.RoleID{5}}
	cases := []scenario{
		{name: "the server's tickets become threads of the support channel",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(staff, "", support) },
			then: []domain.Event{guild.ThreadModeSet{Guild: g, Channel: support}}},
		{name: "one category's tickets become threads, with what it followed before",
			given: []domain.Event{billing, guild.ThreadModeSet{Guild: g, Channel: support}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(staff, "billing", other) },
			then:  []domain.Event{guild.ThreadModeSet{Guild: g, Category: "billing", Channel: other, Previous: support}}},
		{name: "a category can keep channels while the server uses threads",
			given: []domain.Event{billing, guild.ThreadModeSet{Guild: g, Channel: support}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(staff, "billing", 0) },
			then:  []domain.Event{guild.ThreadModeSet{Guild: g, Category: "billing", Previous: support}}},
		{name: "channels again where there are channels changes nothing",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(staff, "", 0) },
			err:  domain.ErrUnchanged},
		{name: "the same support channel again changes nothing",
			given: []domain.Event{guild.ThreadModeSet{Guild: g, Channel: support}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(staff, "", support) },
			err:   domain.ErrUnchanged},
		{name: "a category that does not exist",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(staff, "nope", support) },
			err:  domain.ErrNotFound},
		{name: "staff without Manage Server cannot change who sees tickets",
			given: []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{5}}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetThreadMode(staffOnly, "", support) },
			err:   domain.ErrForbidden},
	}
	run(t, cases)
}

func TestACategoryMadeInThreadsOrChannelsFollowsItsOwnChoiceOverTheServers(t *testing.T) {
	const support, other domain.ChannelID = 300, 301
	s := guild.FromHistory(g, []domain.Event{
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}},
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "bugs", Name: "Bugs"}},
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "ideas", Name: "Ideas"}},
		guild.ThreadModeSet{Guild: g, Channel: support},
		guild.ThreadModeSet{Guild: g, Category: "billing", Channel: other},
		guild.ThreadModeSet{Guild: g, Category: "ideas"},
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "appeals", Name: "Appeals", StaffRoles: []domain.RoleID{9}, TeamOnly: true}},
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "abuse", Name: "Abuse", StaffRoles: []domain.RoleID{9}, TeamOnly: true}},
		guild.ThreadModeSet{Guild: g, Category: "abuse", Channel: other + 1},
	})
	// A team-only category does not follow the server's support channel,
	// whose thread managers are the server's staff: only its own.
	for category, want := range map[string]domain.ChannelID{"": support, "bugs": support, "billing": other, "ideas": 0, "appeals": 0, "abuse": other + 1} {
		if got := s.ThreadChannel(category); got != want {
			t.Errorf("category %q: threads under %v, want %v", category, got, want)
		}
	}
}
