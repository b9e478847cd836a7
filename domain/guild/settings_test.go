package guild_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

const g domain.GuildID = 1

func TestSettingsDecisions(t *testing.T) {
	billing := guild.Category{Key: "billing", Name: "Billing"}
	cases := []struct {
		name  string
		given []domain.Event
		when  func(guild.Settings) ([]domain.Event, error)
		then  []domain.Event
		err   error
	}{
		{name: "staff roles are stored sorted with the previous ones",
			given: []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{5}}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetStaffRoles([]domain.RoleID{9, 3, 9}) },
			then:  []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{3, 9}, Previous: []domain.RoleID{5}}}},
		{name: "the same staff roles change nothing",
			given: []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{3, 9}}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetStaffRoles([]domain.RoleID{9, 3}) },
			err:   domain.ErrUnchanged},
		{name: "a category with six questions does not fit a modal",
			when: func(s guild.Settings) ([]domain.Event, error) {
				c := billing
				for range 6 {
					c.Questions = append(c.Questions, guild.Question{Label: "q"})
				}
				return s.AddCategory(c)
			}, err: domain.ErrInvalid},
		{name: "a category key must be a slug",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.AddCategory(guild.Category{Key: "Bad Key", Name: "x"})
			},
			err: domain.ErrInvalid},
		{name: "a duplicate category", given: []domain.Event{guild.CategoryAdded{Guild: g, Category: billing}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.AddCategory(billing) }, err: domain.ErrConflict},
		{name: "an update carries the previous category", given: []domain.Event{guild.CategoryAdded{Guild: g, Category: billing}},
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.UpdateCategory(guild.Category{Key: "billing", Name: "Payments"})
			},
			then: []domain.Event{guild.CategoryUpdated{Guild: g, Category: guild.Category{Key: "billing", Name: "Payments"}, Previous: billing}}},
		{name: "retention above 90 days breaks the privacy policy",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetRetention(91) }, err: domain.ErrInvalid},
		{name: "retention is recorded with the previous value",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetRetention(30) },
			then: []domain.Event{guild.RetentionSet{Guild: g, Days: 30, Previous: 90}}},
		{name: "a limit of zero", when: func(s guild.Settings) ([]domain.Event, error) { return s.SetTicketLimit(0) }, err: domain.ErrInvalid},
		{name: "blacklisting twice", given: []domain.Event{guild.UserBlacklisted{Guild: g, User: 7}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.BlacklistUser(7) }, err: domain.ErrUnchanged},
		{name: "unblacklisting", given: []domain.Event{guild.RoleBlacklisted{Guild: g, Role: 7}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.UnblacklistRole(7) },
			then: []domain.Event{guild.RoleUnblacklisted{Guild: g, Role: 7}}},
		{name: "the bot joining twice is one fact", given: []domain.Event{guild.BotJoined{Guild: g}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.RecordBotJoined("x", 0) }},
		{name: "the bot removed", given: []domain.Event{guild.BotJoined{Guild: g}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.RecordBotRemoved() },
			then: []domain.Event{guild.BotRemoved{Guild: g}}},
	}
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

func TestSettingsQueries(t *testing.T) {
	s := guild.FromHistory(g, []domain.Event{
		guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{10}},
		guild.RoleBlacklisted{Guild: g, Role: 66},
		guild.UserBlacklisted{Guild: g, User: 7},
		guild.UserUnblacklisted{Guild: g, User: 7},
	})
	if !s.IsStaff([]domain.RoleID{1, 10}, false) || s.IsStaff([]domain.RoleID{1}, false) || !s.IsStaff(nil, true) {
		t.Fatal("IsStaff disagrees with the staff roles and Manage Server")
	}
	if banned, _ := s.IsBlacklisted(7, nil); banned {
		t.Fatal("an unblacklisted user is still blacklisted")
	}
	if banned, why := s.IsBlacklisted(8, []domain.RoleID{66}); !banned || why == "" {
		t.Fatal("a blacklisted role does not block, or gives no reason")
	}
	if s.RetentionDays() != 90 || s.TicketLimit() != 1 {
		t.Fatalf("defaults: retention %d, limit %d", s.RetentionDays(), s.TicketLimit())
	}
}
