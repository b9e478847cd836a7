package transcripts

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Projector builds transcripts.
type Projector struct{}

var _ projections.Projector = Projector{}

// Name implements projections.Projector.
func (Projector) Name() string { return Name }

// PerGuild implements projections.PerGuild: it can be split by guild.
func (Projector) PerGuild() {}

// Version implements projections.Projector.
func (Projector) Version() int { return 4 }

// Collections implements projections.Projector.
func (Projector) Collections() []string { return []string{"transcripts"} }

// Open implements projections.Projector.
func (Projector) Open(ctx context.Context, t projections.Target) (projections.Applier, error) {
	coll, err := t.Conn.Collection(ctx, t.Collection("transcripts"))
	if err != nil {
		return nil, err
	}
	return &applier{store: t.Store, docs: projections.NewDocs(coll, t), part: t.Partition}, nil
}

// applier is the only writer of its generation (the consumer group lease).
type applier struct {
	store *eventstore.Store
	docs  *projections.Docs // *header, *chunk, *location
	part  projections.Partition
}

func locationID(ticket, message string) string { return ticket + "/m/" + message }

// locate returns the chunk holding a message, or -1.
func (a *applier) locate(ctx context.Context, ticket, message string) (int, error) {
	id := locationID(ticket, message)
	l, err := projections.Load(ctx, a.docs, id, func() *location { return &location{ID: id, Chunk: -1} })
	if err != nil {
		return 0, err
	}
	return l.Chunk, nil
}

func (a *applier) header(ctx context.Context, id string) (*header, error) {
	return projections.Load(ctx, a.docs, id, func() *header { return &header{ID: id, People: mongodb.SortedMap[Person]{}} })
}

func chunkID(ticket string, n int) string { return fmt.Sprintf("%s/%d", ticket, n) }

func (a *applier) chunk(ctx context.Context, ticket string, n int) (*chunk, error) {
	id := chunkID(ticket, n)
	return projections.Load(ctx, a.docs, id, func() *chunk { return &chunk{ID: id, Ticket: ticket, N: n, Entries: []Entry{}} })
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
	h, err := a.header(ctx, id)
	if err != nil {
		return err
	}
	applied := &h.V
	if messages {
		applied = &h.MV
	}
	events, err := projections.Pending(ctx, a.store, e, *applied)
	if err != nil || len(events) == 0 {
		return err
	}
	for _, ev := range events {
		if err := fold(ctx, a, h, ev); err != nil {
			return err
		}
	}
	*applied = e.Version
	a.docs.Changed(h.ID)
	return nil
}

// book is where a transcript's entries live while events are folded: the
// projection's chunk documents, or memory when a transcript is replayed
// straight from the log (exports).
type book interface {
	add(ctx context.Context, h *header, en Entry) error
	update(ctx context.Context, h *header, messageID string, f func(*Entry)) error
	locate(ctx context.Context, ticket, message string) (int, error) // -1: not seen
	expire(h *header) error
}

// fold applies one event of a ticket's two streams to its transcript.
func fold(ctx context.Context, a book, h *header, e projections.Event) error {
	if h.Expired {
		return nil // retention deleted it; nothing comes back
	}
	at := e.OccurredAt.UTC()
	switch ev := e.Event.(type) {
	case ticket.Opened:
		h.Guild, h.Number, h.Category, h.Opener, h.Status = ev.Guild.String(), ev.Number, ev.Category, ev.Opener.String(), "open"
		h.OpenedAt, h.Name = ev.At.UTC(), ticket.DefaultName(ev.Number)
		if ev.Personal.Name != "" && !e.Erased {
			h.Name, h.NamedBy = ev.Personal.Name, ev.Opener.String()
		}
		h.Topic, h.Answers = ev.Personal.Topic, nil
		for _, ans := range ev.Personal.Answers {
			h.Answers = append(h.Answers, Answer(ans))
		}
	case ticket.Renamed:
		h.Name, h.NamedBy = ev.Personal.Name, ev.By.String()
		if e.Erased {
			h.Name = ticket.DefaultName(h.Number)
		}
	case ticket.Closed:
		t := ev.At.UTC()
		h.Status, h.ClosedAt, h.CloseReason, h.ClosedBy = "closed", &t, ev.Personal.Reason, ev.By.String()
	case ticket.Reopened:
		h.Status, h.ClosedAt, h.CloseReason, h.ClosedBy = "open", nil, "", ""
	case ticket.TopicCorrected:
		h.Topic = ev.Personal.Topic
	case ticket.CategoryChanged:
		h.Category = ev.Category
	case ticket.ChannelLost:
		if ev.WasOpen {
			t := ev.At.UTC()
			h.Status, h.ClosedAt, h.ClosedBy = "closed", &t, ""
		}
	case ticket.TranscriptExpired:
		return a.expire(h)
	case ticket.MessagePosted:
		return posted(ctx, a, h, e, ev)
	case ticket.MessageEdited:
		return edited(ctx, a, h, e, ev)
	case ticket.MessageDeleted:
		return a.update(ctx, h, ev.Message.String(), func(en *Entry) {
			t := ev.At.UTC()
			en.Deleted, en.DeletedAt = true, &t
		})
	case ticket.AttachmentArchived:
		return a.update(ctx, h, ev.Message.String(), func(en *Entry) {
			f := &ArchivedFile{File: ev.File, Size: ev.Size, ContentType: ev.ContentType, Chunks: ev.Chunks}
			if !e.Erased {
				f.SHA256 = ev.Personal.SHA256
			}
			attachment(en, ev.Attachment, func(at *Attachment) { at.Archived = f })
		})
	case ticket.AttachmentNotArchived:
		return a.update(ctx, h, ev.Message.String(), func(en *Entry) {
			attachment(en, ev.Attachment, func(at *Attachment) { at.NotArchived = string(ev.Reason) })
		})
	case ticket.ChannelAttached, ticket.DiscordActionFailed:
		return nil // not part of the conversation
	case ticket.NoteAdded:
		return nil // staff's private notes: on the dashboard's ticket page, never in a transcript
	case ticket.RepliedFromDashboard: // their message, which the bot posted (its own copy is not captured)
		if name := ev.Personal.AuthorName; name != "" && !e.Erased && h.People[ev.By.String()].Name == "" {
			h.People[ev.By.String()] = Person{Name: name}
		}
		return a.add(ctx, h, Entry{Position: e.Position, At: ev.At.UTC(), Kind: KindMessage,
			Author: ev.By.String(), Content: ev.Personal.Text, Erased: e.Erased, Source: "dashboard"})
	}
	en := Entry{Position: e.Position, At: at, Kind: KindEvent, Event: e.Type, Actor: e.Actor.User, Text: projections.Describe(e), Erased: e.Erased}
	if p, ok := e.Event.(domain.PersonalEvent); ok {
		en.Owner = p.DataOwner().Subject.String()
	}
	return a.add(ctx, h, en)
}

func (a *applier) add(ctx context.Context, h *header, en Entry) error {
	n := h.Count / ChunkSize
	c, err := a.chunk(ctx, h.ID, n)
	if err != nil {
		return err
	}
	c.Entries = append(c.Entries, en)
	h.Count++
	h.Chunks = n + 1
	if en.Kind == KindMessage {
		id := locationID(h.ID, en.MessageID)
		a.docs.Put(id, &location{ID: id, Chunk: n})
	}
	h.chunkChanged(n, c)
	a.docs.Changed(c.ID)
	return nil
}

func posted(ctx context.Context, a book, h *header, e projections.Event, ev ticket.MessagePosted) error {
	p := ev.Personal
	name := p.AuthorName
	if e.Erased || name == "" {
		name = ""
	}
	if name != "" {
		h.People[ev.Author.String()] = Person{Name: name, Avatar: p.AuthorAvatar}
	}
	en := Entry{Position: e.Position, At: ev.At.UTC(), Kind: KindMessage, MessageID: ev.Message.String(), Author: ev.Author.String(),
		Bot: ev.Bot, Content: p.Content, Erased: e.Erased}
	for _, at := range p.Attachments {
		en.Attachments = append(en.Attachments, Attachment{ID: at.ID, Filename: at.Filename, URL: at.URL, Size: at.Size, ContentType: at.ContentType})
	}
	en.Embeds = embedsOf(p.Embeds)
	// The store keeps one post per Discord message (its command id), so a
	// post is new unless an edit showed the message first.
	if slices.Contains(h.Unposted, en.MessageID) {
		return nil
	}
	return a.add(ctx, h, en)
}

func edited(ctx context.Context, a book, h *header, e projections.Event, ev ticket.MessageEdited) error {
	n, err := a.locate(ctx, h.ID, ev.Message.String())
	if err != nil {
		return err
	}
	if n < 0 {
		// An edit of a message never captured (sent before the ticket, say):
		// show what is known.
		t := ev.At.UTC()
		h.Unposted = append(h.Unposted, ev.Message.String())
		return a.add(ctx, h, Entry{Position: e.Position, At: t, Kind: KindMessage, MessageID: ev.Message.String(),
			Author: ev.Author.String(), Content: ev.Personal.Content, EditedAt: &t, Erased: e.Erased})
	}
	return a.update(ctx, h, ev.Message.String(), func(en *Entry) {
		t := ev.At.UTC()
		en.Edits = append(en.Edits, Edit{At: editedFrom(en), Content: en.Content})
		en.Content, en.EditedAt = ev.Personal.Content, &t
		if e.Erased {
			en.Erased = true
		}
	})
}

func embedsOf(in []ticket.Embed) []Embed {
	var out []Embed
	for _, em := range in {
		e := Embed{Author: em.Author, Title: em.Title, Description: em.Description, URL: em.URL, Footer: em.Footer}
		for _, f := range em.Fields {
			e.Fields = append(e.Fields, EmbedField(f))
		}
		out = append(out, e)
	}
	return out
}

// attachment changes a message's attachment by its id.
func attachment(en *Entry, id string, f func(*Attachment)) {
	for i := range en.Attachments {
		if en.Attachments[i].ID == id {
			f(&en.Attachments[i])
		}
	}
}

func editedFrom(en *Entry) time.Time {
	if en.EditedAt != nil {
		return *en.EditedAt
	}
	return en.At
}

func (a *applier) update(ctx context.Context, h *header, messageID string, f func(*Entry)) error {
	n, err := a.locate(ctx, h.ID, messageID)
	if err != nil || n < 0 {
		return err
	}
	c, err := a.chunk(ctx, h.ID, n)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(c.Entries, func(en Entry) bool { return en.MessageID == messageID })
	if i < 0 {
		return nil
	}
	f(&c.Entries[i])
	h.chunkChanged(n, c)
	a.docs.Changed(c.ID)
	return nil
}

// expire deletes the transcript's content: day 91 shows nothing. The
// message locations hold no content and stay, so a late duplicate of a
// message is still known not to be new.
func (a *applier) expire(h *header) error {
	for n := range h.Chunks {
		a.docs.Delete(chunkID(h.ID, n))
	}
	h.expire()
	return nil
}

// expire keeps of a header only what holds no content.
func (h *header) expire() {
	*h = header{ID: h.ID, Guild: h.Guild, Number: h.Number, Status: "closed", Expired: true, OpenedAt: h.OpenedAt,
		ClosedAt: h.ClosedAt, People: mongodb.SortedMap[Person]{}, V: h.V, MV: h.MV, Category: h.Category,
		Opener: h.Opener, Name: ticket.DefaultName(h.Number), Scrubbed: h.Scrubbed}
}

// scrub removes an erased person's (or a whole server's) personal data from
// the transcripts an erasure receipt names, leaving exactly what a rebuild
// shows now that their keys are gone. Each receipt applies once.
func (a *applier) scrub(ctx context.Context, r projections.Erasure) error {
	for _, id := range r.Tickets {
		h, err := a.header(ctx, id)
		if err != nil {
			return err
		}
		if a.part.Split() && (h.Guild == "" || !a.part.Owns(h.Guild)) {
			// Another partition's ticket, or one this partition has not
			// seen opened: its owner scrubs it when it reaches the receipt.
			continue
		}
		i, done := slices.BinarySearch(h.Scrubbed, r.Request)
		if done {
			continue
		}
		h.Scrubbed = slices.Insert(h.Scrubbed, i, r.Request)
		a.docs.Changed(h.ID)
		if h.Expired {
			continue
		}
		if r.Owns(h.Opener) {
			h.Topic, h.Answers = "", nil
		}
		if r.Owns(h.ClosedBy) {
			h.CloseReason = ""
		}
		if r.Owns(h.NamedBy) {
			h.Name = ticket.DefaultName(h.Number)
		}
		for who := range h.People {
			if r.Owns(who) {
				delete(h.People, who)
			}
		}
		for n := range h.Chunks {
			c, err := a.chunk(ctx, h.ID, n)
			if err != nil {
				return err
			}
			changed := false
			for i := range c.Entries {
				changed = scrubEntry(&c.Entries[i], r) || changed
			}
			if changed {
				h.chunkChanged(n, c)
				a.docs.Changed(c.ID)
			}
		}
	}
	return nil
}

// scrubEntry erases the entry's personal data when it is the erased
// person's, as decoding it without its key would have.
func scrubEntry(en *Entry, r projections.Erasure) bool {
	switch {
	case en.Kind == KindMessage && r.Owns(en.Author):
		en.Content, en.Attachments, en.Embeds, en.Erased = "", nil, nil, true
		for i := range en.Edits {
			en.Edits[i].Content = ""
		}
		return true
	case en.Kind == KindEvent && r.Owns(en.Owner):
		owner, err := domain.ParseUserID(en.Owner)
		if err != nil {
			return false
		}
		var e domain.Event
		switch en.Event {
		case "ticket.renamed.v1":
			e = ticket.Renamed{By: owner}
		case "ticket.closed.v1":
			e = ticket.Closed{By: owner}
		default:
			en.Erased = true
			return true
		}
		en.Text, en.Erased = projections.Describe(projections.Event{Event: e, Erased: true}), true
		return true
	}
	return false
}

// Flush implements projections.Applier.
func (a *applier) Flush(ctx context.Context) error {
	if err := a.docs.Flush(ctx); err != nil {
		return fmt.Errorf("transcripts: %w", err)
	}
	return nil
}
