package ticketviews

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/projections"
)

// Projector builds ticket views.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// PerGuild implements projections.PerGuild: it can be split by guild.
func (Projector) PerGuild() {}

// Version implements projections.Projector.
func (Projector) Version() int { return 3 }

// Collections implements projections.Projector.
func (Projector) Collections() []string {
	return []string{"ticket_views", "ticket_lists", "ticket_channels"}
}

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	views, err := t.Conn.Collection(ctx, t.Collection("ticket_views"))
	if err != nil {
		return nil, err
	}
	lists, err := t.Conn.Collection(ctx, t.Collection("ticket_lists"))
	if err != nil {
		return nil, err
	}
	channels, err := t.Conn.Collection(ctx, t.Collection("ticket_channels"))
	if err != nil {
		return nil, err
	}
	return &applier{store: t.Store, views: projections.NewDocs(views, t), lists: projections.NewDocs(lists, t),
		channels: projections.NewDocs(channels, t), part: t.Partition}, nil
}

// applier is the only writer of its generation's documents (the consumer
// group lease makes it so), which is why it may keep them cached.
type applier struct {
	store    *eventstore.Store
	views    *projections.Docs // *View by ticket
	lists    *projections.Docs // *page by "<guild>/<n>", *guildIndex by guild
	channels *projections.Docs // channelLink by channel
	part     projections.Partition
}

// Apply implements projections.Applier.
func (a *applier) Apply(ctx context.Context, e projections.Event) error {
	if r, ok := projections.ErasureOf(e); ok {
		return a.scrub(ctx, r)
	}
	id, messages, ok := projections.TicketStream(e.Stream)
	if !ok {
		return nil
	}
	v, err := a.view(ctx, id)
	if err != nil {
		return err
	}
	applied := &v.Version
	if messages {
		applied = &v.MessagesVersion
	}
	events, err := projections.Pending(ctx, a.store, e, *applied)
	if err != nil {
		return err
	}
	if len(events) > 0 {
		before := v.Channel
		for _, ev := range events {
			fold(v, ev)
		}
		if v.Channel != "" && v.Channel != before {
			a.channels.Put(v.Channel, &channelLink{ID: v.Channel, Ticket: v.ID, Guild: v.Guild})
		}
		*applied = e.Version
		a.views.Changed(id)
	}
	return a.ensureListed(ctx, v)
}

func (a *applier) view(ctx context.Context, id string) (*View, error) {
	return projections.Load(ctx, a.views, id, func() *View { return &View{ID: id, Members: []string{}} })
}

func idString(s interface{ String() string }) string { return s.String() }

// automaticReason is why a ticket closed by itself: its commit's words, or
// else its cause.
func automaticReason(because string, c ticket.Cause) string {
	if because != "" {
		return because
	}
	return strings.ReplaceAll(string(c), "_", " ")
}

// fold applies one event. Fields fed by both of a ticket's streams take the
// latest time, so the result does not depend on how deliveries interleave.
func fold(v *View, e projections.Event) {
	if e.OccurredAt.After(v.UpdatedAt) {
		v.UpdatedAt = e.OccurredAt.UTC()
	}
	if e.Erased {
		v.Erased = true
	}
	switch ev := e.Event.(type) {
	case ticket.Opened:
		v.Guild, v.Number, v.Opener, v.Category = idString(ev.Guild), ev.Number, idString(ev.Opener), ev.Category
		v.Priority, v.Status, v.OpenedAt, v.Name = ev.Priority.String(), ticket.StatusOpen.String(), ev.At.UTC(), ticket.DefaultName(ev.Number)
		if ev.Personal.Name != "" && !e.Erased { // the server's naming scheme: the opener's data
			v.Name, v.NamedBy = ev.Personal.Name, idString(ev.Opener)
		}
		v.Topic, v.Answers = ev.Personal.Topic, nil
		for _, ans := range ev.Personal.Answers {
			v.Answers = append(v.Answers, Answer{Question: ans.Question, Answer: ans.Answer})
		}
	case ticket.ChannelAttached:
		v.Channel, v.ThreadOf, v.ChannelLost = idString(ev.Channel), "", false
		if !ev.ThreadOf.IsZero() {
			v.ThreadOf = idString(ev.ThreadOf)
		}
	case ticket.Claimed:
		v.Claimer = idString(ev.By)
	case ticket.Unclaimed:
		v.Claimer = ""
	case ticket.Transferred:
		v.Claimer = idString(ev.To)
	case ticket.MemberAdded:
		v.Members = append(slices.DeleteFunc(v.Members, func(m string) bool { return m == idString(ev.Member) }), idString(ev.Member))
	case ticket.MemberRemoved:
		v.Members = slices.DeleteFunc(v.Members, func(m string) bool { return m == idString(ev.Member) })
	case ticket.Renamed:
		v.Name, v.NamedBy = ev.Personal.Name, idString(ev.By)
		if e.Erased {
			v.Name = ticket.DefaultName(v.Number)
		}
	case ticket.PrioritySet:
		v.Priority = ev.Priority.String()
	case ticket.TopicCorrected:
		v.Topic = ev.Personal.Topic
	case ticket.CategoryChanged:
		v.Category = ev.Category
	case ticket.Closed:
		t := ev.At.UTC()
		v.Status, v.ClosedAt, v.ClosedBy, v.CloseReason = ticket.StatusClosed.String(), &t, idString(ev.By), ev.Personal.Reason
		if ev.By.IsZero() { // closed by itself: why, in the automation's words (no one's personal data)
			v.ClosedBy, v.CloseReason = "", "closed automatically: "+automaticReason(e.Actor.Because, ev.Cause)
		}
	case ticket.Reopened:
		v.Status, v.ClosedAt, v.ClosedBy, v.CloseReason = ticket.StatusOpen.String(), nil, "", ""
	case ticket.ChannelLost:
		v.ChannelLost = true
		if ev.WasOpen {
			t := ev.At.UTC()
			v.Status, v.ClosedAt, v.ClosedBy, v.CloseReason = ticket.StatusClosed.String(), &t, "", "the channel was deleted on Discord"
		}
	case ticket.TranscriptExpired:
		v.TranscriptExpired, v.Topic, v.Answers, v.CloseReason, v.Name, v.NamedBy = true, "", nil, "", ticket.DefaultName(v.Number), ""
		v.RatingComment = ""
		for i := range v.Notes {
			v.Notes[i].Text, v.Notes[i].Erased = "", true
		}
	case ticket.ChannelRemoved:
		v.Channel = ""
	case ticket.Rated:
		v.Rating, v.RatingComment = ev.Stars, ev.Personal.Comment
	case ticket.NoteAdded:
		v.Notes = append(v.Notes, Note{By: idString(ev.By), At: ev.At.UTC(), Text: ev.Personal.Text, Erased: e.Erased})
	case ticket.DiscordActionFailed:
		v.LastFailure = ev.Action + ": " + ev.Error
	case ticket.MessagePosted:
		v.MessageCount++
		if t := ev.At.UTC(); v.LastMessageAt == nil || t.After(*v.LastMessageAt) {
			v.LastMessageAt = &t
		}
		if last, _ := domain.ParseMessageID(v.LastMessageID); ev.Message > last {
			v.LastMessageID = ev.Message.String()
		}
	}
}

// scrub removes an erased person's (or a whole server's) personal data from
// the tickets an erasure receipt names, leaving what a rebuild would show
// now that their keys are gone. Each receipt applies once per ticket.
func (a *applier) scrub(ctx context.Context, r projections.Erasure) error {
	for _, id := range r.Tickets {
		v, err := a.view(ctx, id)
		if err != nil {
			return err
		}
		if a.part.Split() && (v.Guild == "" || !a.part.Owns(v.Guild)) {
			// Another partition's ticket, or one this partition has not
			// seen opened: its owner scrubs it when it reaches the receipt.
			continue
		}
		if i, done := slices.BinarySearch(v.Scrubbed, r.Request); !done {
			v.Scrubbed = slices.Insert(v.Scrubbed, i, r.Request)
		} else {
			continue
		}
		if r.Owns(v.Opener) {
			v.Topic, v.Answers, v.RatingComment = "", nil, ""
		}
		if r.Owns(v.ClosedBy) {
			v.CloseReason = ""
		}
		if v.NamedBy != "" && r.Owns(v.NamedBy) {
			v.Name = ticket.DefaultName(v.Number)
		}
		for i := range v.Notes {
			if r.Owns(v.Notes[i].By) {
				v.Notes[i].Text, v.Notes[i].Erased = "", true
			}
		}
		v.Erased = true
		a.views.Changed(id)
		if err := a.ensureListed(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// ensureListed brings the ticket's line in its guild's list up to the view.
func (a *applier) ensureListed(ctx context.Context, v *View) error {
	if v.Number == 0 {
		return nil // messages seen before the ticket's opening; listed once it arrives
	}
	pid := fmt.Sprintf("%s/%d", v.Guild, pageOf(v.Number))
	p, err := projections.Load(ctx, a.lists, pid, func() *page {
		return &page{ID: pid, Guild: v.Guild, Page: pageOf(v.Number), Tickets: []Summary{}}
	})
	if err != nil {
		return err
	}
	i, found := slices.BinarySearchFunc(p.Tickets, v.Number, func(s Summary, n int64) int { return cmp.Compare(s.Number, n) })
	line := v.summary()
	delta := weight(line)
	switch {
	case found && p.Tickets[i].Version == v.Version && p.Tickets[i].MessagesVer == v.MessagesVersion && p.Tickets[i].Scrubbed == line.Scrubbed:
		return nil
	case found:
		delta -= weight(p.Tickets[i])
		p.Tickets[i] = line
	default:
		p.Tickets = slices.Insert(p.Tickets, i, line)
	}
	a.lists.Changed(pid)
	g, err := projections.Load(ctx, a.lists, v.Guild, func() *guildIndex { return &guildIndex{ID: v.Guild, PageV: []int64{}} })
	if err != nil {
		return err
	}
	if need := pageOf(v.Number) + 1; g.Pages < need {
		g.Pages = need
	}
	for int64(len(g.PageV)) < g.Pages {
		g.PageV = append(g.PageV, 0)
	}
	g.PageV[pageOf(v.Number)] += delta
	a.lists.Changed(v.Guild)
	return nil
}

// Flush implements projections.Applier: it writes every changed document.
func (a *applier) Flush(ctx context.Context) error {
	for _, d := range []*projections.Docs{a.views, a.lists, a.channels} {
		if err := d.Flush(ctx); err != nil {
			return fmt.Errorf("ticket views: %w", err)
		}
	}
	return nil
}
