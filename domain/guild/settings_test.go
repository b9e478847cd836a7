package guild_test

import (
	"errors"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

const g domain.GuildID = 1

var staff = guild.Member{User: 10, ManageServer: true}

func TestSettingsDecisions(t *testing.T) {
	billing := guild.Category{Key: "billing", Name: "Billing"}
	cases := []scenario{
		{name: "staff roles are stored sorted with the previous ones",
			given: []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{5}}},
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetStaffRoles(staff, []domain.RoleID{9, 3, 9})
			},
			then: []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{3, 9}, Previous: []domain.RoleID{5}}}},
		{name: "the same staff roles change nothing",
			given: []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{3, 9}}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetStaffRoles(staff, []domain.RoleID{9, 3}) },
			err:   domain.ErrUnchanged},
		{name: "a category with six questions does not fit a modal",
			when: func(s guild.Settings) ([]domain.Event, error) {
				c := billing
				for range 6 {
					c.Questions = append(c.Questions, guild.Question{Label: "q"})
				}
				return s.AddCategory(staff, c)
			}, err: domain.ErrInvalid},
		{name: "a category key must be a slug",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.AddCategory(staff, guild.Category{Key: "Bad Key", Name: "x"})
			},
			err: domain.ErrInvalid},
		{name: "a duplicate category", given: []domain.Event{guild.CategoryAdded{Guild: g, Category: billing}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.AddCategory(staff, billing) }, err: domain.ErrConflict},
		{name: "an update carries the previous category", given: []domain.Event{guild.CategoryAdded{Guild: g, Category: billing}},
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.UpdateCategory(staff, guild.Category{Key: "billing", Name: "Payments"})
			},
			then: []domain.Event{guild.CategoryUpdated{Guild: g, Category: guild.Category{Key: "billing", Name: "Payments"}, Previous: billing}}},
		{name: "retention above 90 days breaks the privacy policy",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetRetention(staff, 91) }, err: domain.ErrInvalid},
		{name: "retention is recorded with the previous value",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetRetention(staff, 30) },
			then: []domain.Event{guild.RetentionSet{Guild: g, Days: 30, Previous: 90}}},
		{name: "a limit of zero", when: func(s guild.Settings) ([]domain.Event, error) { return s.SetTicketLimit(staff, 0) }, err: domain.ErrInvalid},
		{name: "blacklisting twice", given: []domain.Event{guild.UserBlacklisted{Guild: g, User: 7}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.BlacklistUser(staff, 7) }, err: domain.ErrUnchanged},
		{name: "unblacklisting", given: []domain.Event{guild.RoleBlacklisted{Guild: g, Role: 7}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.UnblacklistRole(staff, 7) },
			then: []domain.Event{guild.RoleUnblacklisted{Guild: g, Role: 7}}},
		{name: "the bot joining twice is one fact", given: []domain.Event{guild.BotJoined{Guild: g}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.RecordBotJoined("x", 0) }},
		{name: "the bot removed", given: []domain.Event{guild.BotJoined{Guild: g}},
			when: func(s guild.Settings) ([]domain.Event, error) { return s.RecordBotRemoved() },
			then: []domain.Event{guild.BotRemoved{Guild: g}}},
	}
	run(t, cases)
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
	var rule *domain.RuleError
	if banned, why := s.IsBlacklisted(8, []domain.RoleID{66}); !banned || !errors.As(why, &rule) ||
		rule.Key != "guild.blacklisted_role" || rule.Args["Role"] != domain.RoleID(66) {
		t.Fatalf("a blacklisted role does not block, or gives no reason: %v", why)
	}
	if s.RetentionDays() != 90 || s.TicketLimit() != 1 {
		t.Fatalf("defaults: retention %d, limit %d", s.RetentionDays(), s.TicketLimit())
	}
}

// Who may change what is the settings' rule, whichever door the request came
// through: staff — Manage Server or a staff role — and nobody else.
func TestOnlyStaffChangeSettings(t *testing.T) {
	withRole := guild.FromHistory(g, []domain.Event{guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{5}},
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}}})
	member := guild.Member{User: 20, Roles: []domain.RoleID{6}}
	staffByRole := guild.Member{User: 21, Roles: []domain.RoleID{6, 5}}
	changes := map[string]func(guild.Settings, guild.Member) ([]domain.Event, error){
		"staff roles": func(s guild.Settings, by guild.Member) ([]domain.Event, error) {
			return s.SetStaffRoles(by, []domain.RoleID{7})
		},
		"add category": func(s guild.Settings, by guild.Member) ([]domain.Event, error) {
			return s.AddCategory(by, guild.Category{Key: "bugs", Name: "Bugs"})
		},
		"add question": func(s guild.Settings, by guild.Member) ([]domain.Event, error) {
			return s.AddQuestion(by, "billing", guild.Question{Label: "Order?", Required: true, Long: true})
		},
		"remove category": func(s guild.Settings, by guild.Member) ([]domain.Event, error) {
			return s.RemoveCategory(by, "billing")
		},
		"limit":          func(s guild.Settings, by guild.Member) ([]domain.Event, error) { return s.SetTicketLimit(by, 3) },
		"retention":      func(s guild.Settings, by guild.Member) ([]domain.Event, error) { return s.SetRetention(by, 30) },
		"log channel":    func(s guild.Settings, by guild.Member) ([]domain.Event, error) { return s.SetLogChannel(by, 44) },
		"blacklist user": func(s guild.Settings, by guild.Member) ([]domain.Event, error) { return s.BlacklistUser(by, 99) },
		"blacklist role": func(s guild.Settings, by guild.Member) ([]domain.Event, error) { return s.BlacklistRole(by, 98) },
	}
	for name, change := range changes {
		if evs, err := change(withRole, member); !errors.Is(err, domain.ErrForbidden) || evs != nil {
			t.Errorf("%s by a member: %v %v, want refused", name, evs, err)
		}
		if _, err := change(withRole, guild.Member{}); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s by nobody: %v, want refused", name, err)
		}
		if evs, err := change(withRole, staffByRole); err != nil || len(evs) != 1 {
			t.Errorf("%s by a staff role: %v %v, want one event", name, evs, err)
		}
		if evs, err := change(withRole, staff); err != nil || len(evs) != 1 {
			t.Errorf("%s by Manage Server: %v %v, want one event", name, evs, err)
		}
	}
	if err := withRole.MayRead(member); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a member reads the settings: %v", err)
	}
	q, err := withRole.AddQuestion(staff, "billing", guild.Question{Label: "Order?", Long: true})
	if err != nil || !q[0].(guild.CategoryUpdated).Category.Questions[0].Long {
		t.Errorf("a long, optional question: %v %v", q, err)
	}
}
