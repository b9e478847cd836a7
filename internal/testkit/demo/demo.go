// Package demo fills a fake Discord with a sample server and drives a dozen
// tickets through the program the real way: signed interactions to
// /interactions and messages over the gateway. `ticketify demo` uses it.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
)

// World is the demo's Discord.
type World struct {
	Fake     *fakediscord.Server
	Guild    fakediscord.Guild
	Admin    fakediscord.User
	Staff    []fakediscord.User
	Members  []fakediscord.User
	Lobby    fakediscord.Channel
	Log      fakediscord.Channel
	Desk     fakediscord.Channel // quick questions are private threads under it (thread mode)
	Support  fakediscord.Role
	endpoint string
}

type story struct {
	category, topic, answer string
	chat                    []string
	claim, close            bool
	reason                  string
}

// stories are the demo's tickets: what members write is personal data as
// far as the program knows, which tests use to check it stays out of logs.
var stories = []story{
	{category: "billing", answer: "#10234", chat: []string{"I was charged twice this month.", "Can you check my invoice?"}, claim: true, close: true, reason: "Refunded the duplicate charge"},
	{category: "bugs", topic: "Login page loops", chat: []string{"After the update the login page keeps reloading.", "Chrome 156 on Windows."}, claim: true},
	{category: "other", topic: "Partnership request", chat: []string{"Hi! We run a community of 20k people and would love to partner."}},
	{category: "billing", answer: "#10311", chat: []string{"How do I change my billing address?"}, claim: true, close: true, reason: "Explained the settings page"},
	{category: "bugs", topic: "Export crashes", chat: []string{"Exporting a report with 10k rows crashes the app.", "Here is the stack trace: `panic: index out of range`"}, claim: true},
	{category: "other", topic: "Feature idea: dark mode", chat: []string{"Please add dark mode <3"}, close: true, reason: "Added to the roadmap"},
	{category: "bugs", topic: "Typos on the pricing page", chat: []string{"\"Profesional\" is misspelled."}, claim: true, close: true, reason: "Fixed, thanks!"},
	{category: "billing", answer: "#10402", chat: []string{"My coupon code is not accepted."}},
	{category: "other", topic: "Account deletion", chat: []string{"Please delete my account and all my data."}, claim: true},
	{category: "bugs", topic: "Notifications arrive twice", chat: []string{"Every notification shows up two times on my phone."}},
	{category: "other", topic: "Question about the API", chat: []string{"Is there a rate limit on the public API?", "And do you have webhooks?"}, claim: true, close: true, reason: "Linked the API docs"},
	{category: "billing", answer: "#10555", chat: []string{"I need an invoice with my company's VAT number."}, claim: true},
	{category: "quick", topic: "Where are my invoices?", chat: []string{"Where do I find last year's invoices?"}, claim: true}, // a private thread
}

// What the demo's first opener says with their rating, and why staff ask
// the second to agree to close.
const (
	ratingComment      = "Refunded within minutes, thank you!"
	closeRequestReason = "The fix is out in 2.4.1"
	staffNote          = "Second refund this month; check the card on file"
	demoWelcome        = "Hi {user}! Ticket {number} ({category}): {staff} usually answer within a few hours."
)

// Tickets is how many tickets the demo opens.
func Tickets() int { return len(stories) }

// Texts lists what the demo's people write and type (topics, form
// answers, messages, close reasons): tests look for them where they must
// never be, such as the logs.
func Texts() []string {
	out := []string{ratingComment, closeRequestReason, staffNote}
	for _, s := range stories {
		out = append(out, s.topic, s.answer, s.reason)
		out = append(out, s.chat...)
	}
	return slices.DeleteFunc(out, func(t string) bool { return t == "" })
}

// NewWorld creates the sample server on the fake Discord.
func NewWorld(fake *fakediscord.Server) *World {
	w := &World{Fake: fake}
	w.Admin = fake.NewUser("Demo Admin")
	w.Guild = fake.AddGuild("Ticketify Demo", w.Admin)
	w.Support = fake.AddRole(w.Guild.ID, "Support", fakediscord.PermDefaultEveryone)
	for _, n := range []string{"Sam Support", "Alex Agent", "Kim Helper"} {
		u := fake.NewUser(n)
		fake.AddMember(w.Guild.ID, u, w.Support.ID)
		w.Staff = append(w.Staff, u)
	}
	for _, n := range []string{"Mia", "Noah", "Olivia", "Liam", "Emma", "Lucas", "Ava", "Ethan", "Sofia", "Leo", "Isla", "Hugo"} {
		u := fake.NewUser(n)
		fake.AddMember(w.Guild.ID, u)
		w.Members = append(w.Members, u)
	}
	w.Lobby = fake.AddTextChannel(w.Guild.ID, "support")
	w.Log = fake.AddTextChannel(w.Guild.ID, "ticket-log")
	w.Desk = fake.AddTextChannel(w.Guild.ID, "help-desk")
	return w
}

// Seed configures the server and runs the sample tickets through the bot at
// endpoint (the program's /interactions).
func (w *World) Seed(ctx context.Context, endpoint string) error {
	w.endpoint = endpoint
	f := w.Fake
	as := func(u fakediscord.User, ch fakediscord.Snowflake) fakediscord.Actor {
		return fakediscord.Actor{Guild: w.Guild.ID, Channel: ch, User: u}
	}
	billing := f.AddCategory(w.Guild.ID, "Billing tickets")
	steps := []fakediscord.Interaction{
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("staff-role", fakediscord.RoleOpt("role", w.Support.ID))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("log-channel", fakediscord.ChannelOpt("channel", w.Log.ID))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("limit", fakediscord.Int("tickets", 2))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", "billing"), fakediscord.Str("name", "Billing"), fakediscord.ChannelOpt("discord-category", billing.ID))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("category-question", fakediscord.Str("key", "billing"), fakediscord.Str("label", "Order number"), map[string]any{"name": "required", "type": 5, "value": true})),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", "bugs"), fakediscord.Str("name", "Bug report"))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", "other"), fakediscord.Str("name", "Something else"))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("category-add", fakediscord.Str("key", "quick"), fakediscord.Str("name", "Quick question"))),
		// Quick questions are private threads under #help-desk, not channels.
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("threads", fakediscord.ChannelOpt("channel", w.Desk.ID), fakediscord.Str("category", "quick"))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("feedback", fakediscord.BoolOpt("enabled", true))),
		// The server's own words, and a saved answer staff post with /tag.
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("messages", fakediscord.Str("welcome", demoWelcome))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "tags", fakediscord.Sub("add", fakediscord.Str("name", "refunds"),
			fakediscord.Str("text", "Refunds reach your account within 5 working days."), fakediscord.Str("embed-title", "Refunds"),
			fakediscord.Str("embed-text", "Started from the order page; we confirm by e-mail."), fakediscord.Str("colour", "#57F287"))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("panel")),
		// Two panels of the server's own: buttons per category, and a select menu.
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("panel-save", fakediscord.Str("name", "support"),
			fakediscord.Str("title", "How can we help?"), fakediscord.Str("text", "Pick what it is about; only you and our staff see the ticket."),
			fakediscord.Str("buttons", "billing | Billing | 💳 | success; bugs | Report a bug | 🐞 | danger; other | Something else | 💬 | secondary"),
			fakediscord.Str("colour", "#57F287"))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("panel-save", fakediscord.Str("name", "compact"),
			fakediscord.Str("title", "Open a ticket"), fakediscord.Str("buttons", "billing | Billing; bugs | Bug report; other | Something else"),
			fakediscord.BoolOpt("select", true))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("panel", fakediscord.Str("name", "support"))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("panel", fakediscord.Str("name", "compact"))),
	}
	for _, in := range steps {
		if _, err := w.deliver(ctx, in); err != nil {
			return err
		}
	}
	for i, s := range stories {
		member := w.Members[i%len(w.Members)]
		staff := w.Staff[i%len(w.Staff)]
		var in fakediscord.Interaction
		if s.answer != "" {
			in = f.ModalSubmit(as(member, w.Lobby.ID), "/form/open/"+s.category, [][2]string{{"q0", s.answer}})
		} else {
			in = f.SlashCommand(as(member, w.Lobby.ID), "ticket", fakediscord.Sub("open", fakediscord.Str("topic", s.topic), fakediscord.Str("category", s.category)))
		}
		if _, err := w.deliver(ctx, in); err != nil {
			return err
		}
		ch, err := w.waitChannel(ctx, i+1)
		if err != nil {
			return err
		}
		for j, line := range s.chat {
			f.PostMessage(ch.ID, member, line)
			if j == 0 && s.claim {
				f.PostMessage(ch.ID, staff, fmt.Sprintf("Hi %s, I'm looking into it.", *member.GlobalName))
			}
		}
		if s.claim {
			if _, err := w.deliver(ctx, f.SlashCommand(as(staff, ch.ID), "ticket", fakediscord.Sub("claim"))); err != nil {
				return err
			}
		}
		if i == 0 { // a saved answer posted, and a note only staff read
			if _, err := w.deliver(ctx, f.SlashCommand(as(staff, ch.ID), "tag", fakediscord.Str("name", "refunds"))); err != nil {
				return err
			}
			if _, err := w.deliver(ctx, f.SlashCommand(as(staff, ch.ID), "ticket", fakediscord.Sub("note", fakediscord.Str("text", staffNote)))); err != nil {
				return err
			}
		}
		if i%4 == 1 {
			if _, err := w.deliver(ctx, f.SlashCommand(as(staff, ch.ID), "ticket", fakediscord.Sub("priority", fakediscord.Str("level", "high")))); err != nil {
				return err
			}
		}
		if s.close {
			if _, err := w.deliver(ctx, f.SlashCommand(as(staff, ch.ID), "ticket", fakediscord.Sub("close", fakediscord.Str("reason", s.reason)))); err != nil {
				return err
			}
		}
	}
	// Automation: quiet tickets close after three days (warned a day before),
	// and a member leaving closes their tickets — which one of them does.
	for _, in := range []fakediscord.Interaction{
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("auto-close", fakediscord.Int("hours", 72))),
		f.SlashCommand(as(w.Admin, w.Lobby.ID), "setup", fakediscord.Sub("close-on-leave", fakediscord.BoolOpt("enabled", true))),
	} {
		if _, err := w.deliver(ctx, in); err != nil {
			return err
		}
	}
	f.RemoveMember(w.Guild.ID, w.Members[len(w.Members)-1].ID)
	// The first ticket's opener rates it; staff ask the second's to agree to close.
	first, err := w.waitChannel(ctx, 1)
	if err != nil {
		return err
	}
	rate, err := w.waitButton(ctx, first.ID, "/ticket/rate/")
	if err != nil {
		return err
	}
	opener := w.Members[0]
	stars := strings.TrimPrefix(rate, "/ticket/rate/")
	stars = stars[:strings.LastIndex(stars, "/")+1] + "5"
	if _, err := w.deliver(ctx, f.ModalSubmit(as(opener, first.ID), "/form/rate/"+stars, [][2]string{{"comment", ratingComment}})); err != nil {
		return err
	}
	second, err := w.waitChannel(ctx, 2)
	if err != nil {
		return err
	}
	_, err = w.deliver(ctx, f.SlashCommand(as(w.Staff[1%len(w.Staff)], second.ID), "ticket",
		fakediscord.Sub("close-request", fakediscord.Str("reason", closeRequestReason), fakediscord.Str("after", "2d"))))
	return err
}

// seedWait bounds each wait for the bot while seeding: generous, since a
// busy machine (a CI running every package's tests at once) slows it down.
const seedWait = time.Minute

// waitButton returns the custom id of the first button in a channel whose id
// starts with prefix, once the bot has posted it.
func (w *World) waitButton(ctx context.Context, ch fakediscord.Snowflake, prefix string) (string, error) {
	deadline := time.Now().Add(seedWait)
	for time.Now().Before(deadline) {
		for _, m := range w.Fake.Messages(ch) {
			for _, row := range m.Components {
				var r struct {
					Components []struct {
						CustomID string `json:"custom_id"`
					} `json:"components"`
				}
				_ = json.Unmarshal(row, &r)
				for _, c := range r.Components {
					if strings.HasPrefix(c.CustomID, prefix) {
						return c.CustomID, nil
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("demo: no %s button in channel %s", prefix, ch)
}

func (w *World) deliver(ctx context.Context, in fakediscord.Interaction) (string, error) {
	res, err := w.Fake.Deliver(ctx, w.endpoint, in)
	if err != nil {
		return "", fmt.Errorf("demo interaction: %w", err)
	}
	if res.Status != 200 {
		return "", fmt.Errorf("demo interaction answered %d: %s", res.Status, res.Body)
	}
	var data struct {
		Content string `json:"content"`
	}
	_ = json.Unmarshal(res.Response.Data, &data)
	if strings.Contains(data.Content, "went wrong") {
		return "", fmt.Errorf("demo interaction failed: %s", data.Content)
	}
	return data.Content, nil
}

func (w *World) waitChannel(ctx context.Context, number int) (fakediscord.Channel, error) {
	name := fmt.Sprintf("ticket-%04d", number)
	deadline := time.Now().Add(seedWait)
	for time.Now().Before(deadline) {
		for _, c := range w.Fake.Channels(w.Guild.ID) {
			if c.Name == name {
				return c, nil
			}
		}
		select {
		case <-ctx.Done():
			return fakediscord.Channel{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fakediscord.Channel{}, fmt.Errorf("demo: channel %s never appeared", name)
}
