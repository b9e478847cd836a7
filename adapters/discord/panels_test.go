package discord_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

// panelIn returns the lobby's message whose embed has the title, and its
// buttons' custom ids.
func panelIn(w *testenv.World, ch fakediscord.Snowflake, title string) (fakediscord.Message, []string, bool) {
	for _, m := range w.Fake.Messages(ch) {
		if len(m.Embeds) == 0 || m.Embeds[0].Title != title {
			continue
		}
		raw, _ := json.Marshal(m.Components)
		var rows []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
			} `json:"components"`
		}
		_ = json.Unmarshal(raw, &rows)
		var ids []string
		for _, r := range rows {
			for _, c := range r.Components {
				ids = append(ids, c.CustomID)
			}
		}
		return m, ids, true
	}
	return fakediscord.Message{}, nil, false
}

func TestPanelsArePostedOpenInTheirCategoryAndFollowTheirEdits(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	staffSetup(t, w)
	for _, key := range []string{"billing", "bugs"} {
		run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", key), fakediscord.Str("name", key))))
	}
	save := func(title string) string {
		content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("panel-save", fakediscord.Str("name", "main"),
			fakediscord.Str("title", title), fakediscord.Str("buttons", "billing | Billing | 💳 | success; bugs | Report a bug | 🐞 | danger"),
			fakediscord.Str("colour", "#57F287"))))
		return content
	}
	mustContain(t, "panel-save", save("Need help?"), "Panel **main** saved")
	content, _ := run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("panel-save", fakediscord.Str("name", "bad"),
		fakediscord.Str("title", "t"), fakediscord.Str("buttons", "nope | Nope"))))
	mustContain(t, "an unknown category", content, `"nope", which does not exist`)
	content, _ = run(t, w, f.SlashCommand(w.As(w.Owner, w.Lobby.ID), "setup", fakediscord.Sub("panel", fakediscord.Str("name", "main"))))
	mustContain(t, "panel post", content, "being posted")

	var posted fakediscord.Message
	var ids []string
	w.WaitFor(t, "the panel in the lobby", func() bool {
		var ok bool
		posted, ids, ok = panelIn(w, w.Lobby.ID, "Need help?")
		return ok
	})
	if strings.Join(ids, ",") != "/panel/open/billing/0,/panel/open/bugs/1" || posted.Embeds[0].Color != 0x57F287 {
		t.Fatalf("the panel's buttons %v, colour %x", ids, posted.Embeds[0].Color)
	}
	content, _ = run(t, w, f.Button(w.As(w.Member, w.Lobby.ID), ids[1], &posted))
	mustContain(t, "open from the panel", content, "opened")
	w.Settle(t)
	list, err := w.Srv.TicketViews.All(t.Context(), w.Guild.ID.String())
	if err != nil || len(list) != 1 || list[0].Category != "bugs" {
		t.Fatalf("the ticket from the panel: %+v %v", list, err)
	}

	// Edited: the same message on Discord changes.
	save("Need help now?")
	w.WaitFor(t, "the post edited in place", func() bool {
		m, _, ok := panelIn(w, w.Lobby.ID, "Need help now?")
		return ok && m.ID == posted.ID
	})
}
