package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// Every settings change is one named use case, whichever door it comes
// through; the settings decide who may: staff do it, a member is refused
// and nothing is appended.
func TestSettingsUseCases(t *testing.T) {
	ctx := context.Background()
	admin := guild.Member{User: 1, ManageServer: true}
	member := guild.Member{User: 2}
	cases := []struct {
		name  string
		do    func(a *app.App, by guild.Member) error
		check func(guild.Settings) bool
	}{
		{"staff roles", func(a *app.App, by guild.Member) error {
			return a.SetStaffRoles(ctx, g, by, []domain.RoleID{7, 8}, app.Meta{})
		},
			func(s guild.Settings) bool { return len(s.StaffRoles()) == 2 }},
		{"a category", func(a *app.App, by guild.Member) error {
			return a.AddCategory(ctx, g, by, guild.Category{Key: "bugs", Name: "Bugs"}, app.Meta{})
		}, func(s guild.Settings) bool { _, ok := s.Category("bugs"); return ok }},
		{"a long, optional question", func(a *app.App, by guild.Member) error {
			_, err := a.AddQuestion(ctx, g, by, "billing", guild.Question{Label: "What happened?", Long: true}, app.Meta{})
			return err
		}, func(s guild.Settings) bool {
			c, _ := s.Category("billing")
			return len(c.Questions) == 1 && c.Questions[0].Long && !c.Questions[0].Required
		}},
		{"a category removed", func(a *app.App, by guild.Member) error { return a.RemoveCategory(ctx, g, by, "billing", app.Meta{}) },
			func(s guild.Settings) bool { _, ok := s.Category("billing"); return !ok }},
		{"the ticket limit", func(a *app.App, by guild.Member) error { return a.SetTicketLimit(ctx, g, by, 3, app.Meta{}) },
			func(s guild.Settings) bool { return s.TicketLimit() == 3 }},
		{"retention", func(a *app.App, by guild.Member) error { return a.SetRetention(ctx, g, by, 30, app.Meta{}) },
			func(s guild.Settings) bool { return s.RetentionDays() == 30 }},
		{"the log channel", func(a *app.App, by guild.Member) error { return a.SetLogChannel(ctx, g, by, 44, app.Meta{}) },
			func(s guild.Settings) bool { return s.LogChannel() == 44 }},
		{"a user blacklisted", func(a *app.App, by guild.Member) error {
			return a.Blacklist(ctx, g, by, app.BlacklistTarget{User: 99}, app.Meta{})
		}, func(s guild.Settings) bool { blocked, _ := s.IsBlacklisted(99, nil); return blocked }},
		{"a role blacklisted", func(a *app.App, by guild.Member) error {
			return a.Blacklist(ctx, g, by, app.BlacklistTarget{Role: 98}, app.Meta{})
		}, func(s guild.Settings) bool { blocked, _ := s.IsBlacklisted(1, []domain.RoleID{98}); return blocked }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := testenv.NewMemApp(t)
			must(t, env.App.AddCategory(ctx, g, admin, guild.Category{Key: "billing", Name: "Billing"}, app.Meta{}))
			before := env.Head(t)
			if err := c.do(env.App, member); !errors.Is(err, domain.ErrForbidden) {
				t.Fatalf("a member: %v, want refused", err)
			}
			if h := env.Head(t); h != before {
				t.Fatalf("a refused change appended %d commits", h-before)
			}
			must(t, c.do(env.App, admin))
			s, err := env.App.Settings(ctx, g)
			must(t, err)
			if !c.check(s) {
				t.Fatal("the change is not in the settings")
			}
		})
	}
	env := testenv.NewMemApp(t)
	if _, err := env.App.StaffSettings(ctx, g, member); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a member reads the settings: %v", err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
