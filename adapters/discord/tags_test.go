package discord_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/audit"
)

// suggestions asks for the autocomplete of a command's name option.
func suggestions(t *testing.T, w *testenv.World, a fakediscord.Actor, command []string, typed string) []string {
	t.Helper()
	var in fakediscord.Interaction
	if len(command) == 2 {
		in = w.Fake.Autocomplete(a, command[0], fakediscord.Sub(command[1], fakediscord.Focused("name", typed)))
	} else {
		in = w.Fake.Autocomplete(a, command[0], fakediscord.Focused("name", typed))
	}
	res := w.Deliver(t, in)
	if res.Response.Type != fakediscord.ResponseAutocompleteResult {
		t.Fatalf("autocomplete answered %d: %s", res.Response.Type, res.Body)
	}
	var data struct {
		Choices []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(res.Response.Data, &data); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range data.Choices {
		out = append(out, c.Value)
	}
	return out
}

func TestStaffSaveTagsAndPostThemInTickets(t *testing.T) {
	w := testenv.NewWorld(t)
	f := w.Fake
	ctx := context.Background()
	staffSetup(t, w)
	add := func(who fakediscord.User, opts ...map[string]any) string {
		content, _ := run(t, w, f.SlashCommand(w.As(who, w.Lobby.ID), "tags", fakediscord.Sub("add", opts...)))
		return content
	}
	mustContain(t, "add", add(w.Staff, fakediscord.Str("name", "Refunds"), fakediscord.Str("text", "Refunds take 5 days."),
		fakediscord.Str("embed-title", "Refunds"), fakediscord.Str("colour", "#5865F2")), "Saved the tag **refunds**")
	mustContain(t, "add", add(w.Staff, fakediscord.Str("name", "rules"), fakediscord.Str("text", "Be kind.")), "Saved the tag **rules**")
	mustContain(t, "a member adds", add(w.Member, fakediscord.Str("name", "spam"), fakediscord.Str("text", "x")), "only staff")
	mustContain(t, "a bad colour", add(w.Staff, fakediscord.Str("name", "red"), fakediscord.Str("text", "x"), fakediscord.Str("colour", "red")), "not a colour")
	mustContain(t, "a name taken", add(w.Staff, fakediscord.Str("name", "rules"), fakediscord.Str("text", "x")), "already a tag")
	content, _ := run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "tags", fakediscord.Sub("edit", fakediscord.Str("name", "rules"), fakediscord.Str("text", "Be kind, always."))))
	mustContain(t, "edit", content, "Saved the tag **rules**")

	// Staff are offered the names as they type; members nothing.
	if got := suggestions(t, w, w.As(w.Staff, w.Lobby.ID), []string{"tag"}, "RE"); !slices.Equal(got, []string{"refunds"}) {
		t.Fatalf("staff typing re: %v", got)
	}
	if got := suggestions(t, w, w.As(w.Staff, w.Lobby.ID), []string{"tags", "remove"}, ""); !slices.Equal(got, []string{"refunds", "rules"}) {
		t.Fatalf("staff removing: %v", got)
	}
	if got := suggestions(t, w, w.As(w.Member, w.Lobby.ID), []string{"tag"}, "re"); len(got) != 0 {
		t.Fatalf("a member is offered %v", got)
	}

	ch := openTicket(t, w, "money back?")
	tk := ticketInChannel(t, w, ch)
	res := w.Deliver(t, f.SlashCommand(w.As(w.Staff, ch.ID), "tag", fakediscord.Str("name", "refunds")))
	var posted struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
		Embeds  []struct {
			Title string `json:"title"`
			Color int    `json:"color"`
		} `json:"embeds"`
	}
	if res.Response.Type != fakediscord.ResponseChannelMessage {
		t.Fatalf("/tag answered %d", res.Response.Type)
	}
	_ = json.Unmarshal(res.Response.Data, &posted)
	if posted.Content != "Refunds take 5 days." || posted.Flags&fakediscord.MessageFlagEphemeral != 0 || len(posted.Embeds) != 1 || posted.Embeds[0].Title != "Refunds" || posted.Embeds[0].Color != 0x5865F2 {
		t.Fatalf("the tag as posted: %+v", posted)
	}
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, ch.ID), "tag", fakediscord.Str("name", "nope")))
	mustContain(t, "an unknown tag", content, `no tag "nope"`)
	content, _ = run(t, w, f.SlashCommand(w.As(w.Member, ch.ID), "tag", fakediscord.Str("name", "rules")))
	mustContain(t, "a member posts", content, "only staff")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "tag", fakediscord.Str("name", "rules")))
	mustContain(t, "outside a ticket", content, "ticket")

	// The post is the staff member's answer (first response), counted by
	// tag, and on the ticket's timeline.
	w.Settle(t)
	today := w.Clock.Now().UTC().Format(time.DateOnly)
	days, err := w.Srv.Analytics.Range(ctx, w.Guild.ID.String(), today, today)
	if err != nil || len(days) != 1 {
		t.Fatalf("analytics: %v %v", days, err)
	}
	if days[0].Tags["refunds"] != 1 || len(days[0].Tags) != 1 || days[0].FirstResp.Count != 1 {
		t.Fatalf("the day counts tags %v, first responses %d", days[0].Tags, days[0].FirstResp.Count)
	}
	page, err := w.Srv.Audit.Timeline(ctx, audit.Query{Guild: w.Guild.ID.String(), Ticket: string(tk.ID())})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range page.Entries {
		found = found || strings.Contains(e.Text, `posted the saved answer "refunds"`)
	}
	if !found {
		t.Fatalf("the timeline lacks the tag: %+v", page.Entries)
	}

	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "tags", fakediscord.Sub("list")))
	mustContain(t, "list", content, "`refunds` `rules`")
	content, _ = run(t, w, f.SlashCommand(w.As(w.Staff, w.Lobby.ID), "tags", fakediscord.Sub("remove", fakediscord.Str("name", "rules"))))
	mustContain(t, "remove", content, "Removed the tag **rules**")
	if got := suggestions(t, w, w.As(w.Staff, w.Lobby.ID), []string{"tag"}, ""); !slices.Equal(got, []string{"refunds"}) {
		t.Fatalf("after the removal: %v", got)
	}
}
