package guild_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
)

func TestAutoCloseSettings(t *testing.T) {
	billing := guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}}
	h72 := guild.AutoClose{AfterMinutes: 72 * 60}
	cases := []scenario{
		{name: "the server's rule, with the previous one",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetAutoClose(staff, "", h72) },
			then: []domain.Event{guild.AutoCloseSet{Guild: g, Rule: h72}}},
		{name: "less than an hour is refused",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetAutoClose(staff, "", guild.AutoClose{AfterMinutes: 59})
			},
			err: domain.ErrInvalid},
		{name: "more than 30 days is refused",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetAutoClose(staff, "", guild.AutoClose{AfterMinutes: 30*24*60 + 1})
			},
			err: domain.ErrInvalid},
		{name: "a warning as long as the period is refused",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetAutoClose(staff, "", guild.AutoClose{AfterMinutes: 120, WarnBeforeMinutes: 120})
			},
			err: domain.ErrInvalid},
		{name: "off with options is refused",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetAutoClose(staff, "", guild.AutoClose{OnlyWaiting: true})
			},
			err: domain.ErrInvalid},
		{name: "a member who is not staff may not",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetAutoClose(guild.Member{User: 99}, "", h72)
			},
			err: domain.ErrForbidden},
		{name: "the same rule again changes nothing",
			given: []domain.Event{guild.AutoCloseSet{Guild: g, Rule: h72}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetAutoClose(staff, "", h72) },
			err:   domain.ErrUnchanged},
		{name: "a category's own rule starts from the server's",
			given: []domain.Event{billing, guild.AutoCloseSet{Guild: g, Rule: h72}},
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetAutoClose(staff, "billing", guild.AutoClose{})
			},
			then: []domain.Event{guild.AutoCloseSet{Guild: g, Category: "billing", Rule: guild.AutoClose{}, Previous: h72}}},
		{name: "an unknown category is refused",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetAutoClose(staff, "nope", h72) },
			err:  domain.ErrNotFound},
		{name: "a category without its own rule has nothing to inherit",
			given: []domain.Event{billing},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.InheritAutoClose(staff, "billing") },
			err:   domain.ErrUnchanged},
		{name: "close on leave is set once",
			given: []domain.Event{guild.CloseOnLeaveSet{Guild: g, Enabled: true}},
			when:  func(s guild.Settings) ([]domain.Event, error) { return s.SetCloseOnLeave(staff, true) },
			err:   domain.ErrUnchanged},
		{name: "feedback asked in the channel moves to direct messages",
			given: []domain.Event{guild.FeedbackSet{Guild: g, Enabled: true}},
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetFeedback(staff, guild.Feedback{Enabled: true, ByDM: true})
			},
			then: []domain.Event{guild.FeedbackSet{Guild: g, Enabled: true, ByDM: true}}},
		{name: "feedback off asks nowhere, whatever the place said",
			given: []domain.Event{guild.FeedbackSet{Guild: g, Enabled: true, ByDM: true}},
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetFeedback(staff, guild.Feedback{ByDM: true})
			},
			then: []domain.Event{guild.FeedbackSet{Guild: g}}},
		{name: "claims hide tickets from other staff in one category",
			given: []domain.Event{billing},
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetClaimMode(staff, "billing", guild.ClaimHides)
			},
			then: []domain.Event{guild.ClaimModeSet{Guild: g, Category: "billing", Mode: guild.ClaimHides}}},
		{name: "the server's mode again changes nothing",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetClaimMode(staff, "", guild.ClaimLabel) },
			err:  domain.ErrUnchanged},
		{name: "a claim mode for a category that does not exist",
			when: func(s guild.Settings) ([]domain.Event, error) { return s.SetClaimMode(staff, "nope", guild.ClaimHides) },
			err:  domain.ErrNotFound},
		{name: "feedback off twice changes nothing",
			when: func(s guild.Settings) ([]domain.Event, error) {
				return s.SetFeedback(staff, guild.Feedback{ByDM: true})
			},
			err: domain.ErrUnchanged},
	}
	run(t, cases)
}

func TestACategoryFollowsTheServersRuleUnlessItHasItsOwn(t *testing.T) {
	h72 := guild.AutoClose{AfterMinutes: 72 * 60}
	h4 := guild.AutoClose{AfterMinutes: 4 * 60, OnlyWaiting: true}
	s := guild.FromHistory(g, []domain.Event{
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}},
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "bugs", Name: "Bugs"}},
		guild.AutoCloseSet{Guild: g, Rule: h72},
		guild.AutoCloseSet{Guild: g, Category: "billing", Rule: h4},
	})
	if s.AutoCloseFor("billing") != h4 || s.AutoCloseFor("bugs") != h72 {
		t.Fatalf("billing %v, bugs %v", s.AutoCloseFor("billing"), s.AutoCloseFor("bugs"))
	}
	evs, err := s.InheritAutoClose(staff, "billing")
	if err != nil {
		t.Fatal(err)
	}
	if after := guild.FromHistory(g, append([]domain.Event{
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}},
		guild.AutoCloseSet{Guild: g, Rule: h72},
		guild.AutoCloseSet{Guild: g, Category: "billing", Rule: h4}}, evs...)); after.AutoCloseFor("billing") != h72 {
		t.Fatalf("after inheriting: %v", after.AutoCloseFor("billing"))
	}
	removed := guild.FromHistory(g, []domain.Event{
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}},
		guild.AutoCloseSet{Guild: g, Category: "billing", Rule: h4},
		guild.CategoryRemoved{Guild: g, Previous: guild.Category{Key: "billing", Name: "Billing"}},
		guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing again"}},
	})
	if _, own := removed.CategoryAutoClose("billing"); own {
		t.Fatal("a category added again under a removed one's key inherited its rule")
	}
}

func TestTheWarningComesADayBeforeOrHalfwayThroughAShortPeriod(t *testing.T) {
	for _, c := range []struct {
		rule guild.AutoClose
		want time.Duration
	}{
		{guild.AutoClose{AfterMinutes: 72 * 60}, 24 * time.Hour},
		{guild.AutoClose{AfterMinutes: 48 * 60}, 24 * time.Hour},
		{guild.AutoClose{AfterMinutes: 12 * 60}, 6 * time.Hour},
		{guild.AutoClose{AfterMinutes: 72 * 60, WarnBeforeMinutes: 90}, 90 * time.Minute},
	} {
		if got := c.rule.WarnBefore(); got != c.want {
			t.Errorf("%v: warning %v before, want %v", c.rule, got, c.want)
		}
	}
}

func TestACategoryClaimModeOverridesTheServers(t *testing.T) {
	s := guild.FromHistory(g, []domain.Event{guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}},
		guild.ClaimModeSet{Guild: g, Mode: guild.ClaimReadOnly}, guild.ClaimModeSet{Guild: g, Category: "billing", Mode: guild.ClaimLabel}})
	if s.ClaimMode("billing") != guild.ClaimLabel || s.ClaimMode("other") != guild.ClaimReadOnly || s.ClaimMode("") != guild.ClaimReadOnly {
		t.Fatalf("modes: billing %q, other %q, server %q", s.ClaimMode("billing"), s.ClaimMode("other"), s.ClaimMode(""))
	}
	if _, err := guild.ParseClaimMode("invisible"); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("an unknown mode: %v", err)
	}
}

func TestMessagesInTheServersWords(t *testing.T) {
	s := guild.FromHistory(g, []domain.Event{guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}}})
	welcome := guild.Messages{Welcome: " Hi {user}, ticket {number} ({category}); {staff} will help. ", Ping: []domain.RoleID{9, 7, 9}}
	evs, err := s.SetMessages(staff, "billing", welcome)
	want := []domain.Event{guild.MessagesSet{Guild: g, Category: "billing",
		Messages: guild.Messages{Welcome: "Hi {user}, ticket {number} ({category}); {staff} will help.", Ping: []domain.RoleID{7, 9}}}}
	if err != nil || !reflect.DeepEqual(evs, want) {
		t.Fatalf("got %#v, %v", evs, err)
	}
	s = guild.FromHistory(g, append([]domain.Event{guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}}}, evs...))
	if got := s.MessagesFor("billing").Welcome; got == "" || s.MessagesFor("other").Welcome != "" {
		t.Fatalf("billing %q, other %q", got, s.MessagesFor("other").Welcome)
	}
	for name, m := range map[string]guild.Messages{
		"an unknown placeholder": {Welcome: "Hi {username}"},
		"a close too long":       {Close: strings.Repeat("x", guild.MaxCloseLength+1)},
		"too many roles pinged":  {Ping: []domain.RoleID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	} {
		if _, err := s.SetMessages(staff, "", m); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := guild.Fill("Hi {user}, #{number} {unknown}", map[string]string{"{user}": "<@1>", "{number}": "42"}); got != "Hi <@1>, #42 {unknown}" {
		t.Fatalf("filled: %q", got)
	}
}

func TestACategoryTeamBesidesOrInsteadOfTheServersStaff(t *testing.T) {
	billing := guild.CategoryAdded{Guild: g, Category: guild.Category{Key: "billing", Name: "Billing"}}
	s := guild.FromHistory(g, []domain.Event{billing, guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{1}}})
	evs, err := s.SetCategoryTeam(staff, "billing", []domain.RoleID{5, 5}, true)
	if err != nil || len(evs) != 1 {
		t.Fatalf("a team only: %v %v", evs, err)
	}
	s = guild.FromHistory(g, append([]domain.Event{billing, guild.StaffRolesSet{Guild: g, Roles: []domain.RoleID{1}}}, evs...))
	if got := s.StaffRolesFor("billing"); !reflect.DeepEqual(got, []domain.RoleID{5}) {
		t.Fatalf("billing's staff roles: %v", got)
	}
	if got := s.StaffRolesFor("other"); !reflect.DeepEqual(got, []domain.RoleID{1}) {
		t.Fatalf("another category's: %v", got)
	}
	if teams, excluded := s.TeamsOf([]domain.RoleID{1}); len(teams) != 0 || !reflect.DeepEqual(excluded, []string{"billing"}) {
		t.Fatalf("the server's staff: teams %v, excluded %v", teams, excluded)
	}
	if teams, _ := s.TeamsOf([]domain.RoleID{5}); !reflect.DeepEqual(teams, []string{"billing"}) {
		t.Fatalf("the team: %v", teams)
	}
	if _, err := s.SetCategoryTeam(staff, "billing", nil, true); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("only, without roles: %v", err)
	}
}

func TestChannelsNamedTheServersWay(t *testing.T) {
	if got := guild.ChannelName("{category}-{username}-{number}", 7, "Billing Help", "Mia Member!"); got != "billing-help-mia-member-0007" {
		t.Fatalf("named %q", got)
	}
	if got := guild.ChannelName("", 42, "x", "y"); got != "ticket-0042" {
		t.Fatalf("the default: %q", got)
	}
	s := guild.New(g)
	for scheme, ok := range map[string]bool{"{category}-{number}": true, "{username}": false, "t {number}": false, "{number}-{user}": false, "support_{number}": true} {
		_, err := s.SetMessages(staff, "", guild.Messages{Naming: scheme})
		if (err == nil) != ok {
			t.Errorf("scheme %q: %v", scheme, err)
		}
	}
}
