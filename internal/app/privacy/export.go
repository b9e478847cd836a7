// Package privacy keeps the privacy policy's promises that are more than a
// view: a person's export (access and portability), replayed from the event
// log through the subject index; erasure by destroying keys, with the
// projections scrubbed and a receipt appended.
package privacy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/projections/subjects"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// UserExportSchema names the JSON document a person's export is.
// WARNING: people and tools read it; a changed shape is a new version.
const UserExportSchema = "ticketify.user-export.v1"

// Sections of a person's export, in the manifest's order.
const (
	SectionProfile       = "profile"        // what Discord showed of you, and your dashboard logins
	SectionTicketsOpened = "tickets_opened" // tickets you opened, with your topic and form answers
	SectionMessages      = "messages"       // your messages in ticket channels, their edits and deletions
	SectionStaffActions  = "staff_actions"  // what you did to tickets and settings
	SectionAboutYou      = "about_you"      // what others did that names you (added you, claimed your ticket…)
	SectionMembership    = "membership"     // your ticket slots and leaving a server
	SectionCommandUsage  = "command_usage"  // each command and button you used
)

var sectionOrder = []string{SectionProfile, SectionTicketsOpened, SectionMessages, SectionStaffActions, SectionAboutYou,
	SectionMembership, SectionCommandUsage}

// Exporter writes exports from the subject index and the event codec.
type Exporter struct {
	Index *subjects.Reader
	Codec *eventstore.Codec
	// Store reads tickets' streams back, to replay transcripts into a ZIP.
	Store *eventstore.Store
	// Files reads archived attachments into ZIPs (nil: ZIPs carry none).
	Files transcripts.FileOpener
	Clock func() time.Time
}

// ExportRecord is one event in an export: its envelope and the event as
// decoded. Personal data that belongs to someone else is withheld.
type ExportRecord struct {
	Section  string          `json:"section"`
	Position int64           `json:"position"`
	Type     string          `json:"type"`
	At       time.Time       `json:"at"`
	Stream   string          `json:"stream"`
	Version  int64           `json:"version"`
	Guild    string          `json:"guild,omitempty"`
	Actor    ExportActor     `json:"actor"`
	Event    json.RawMessage `json:"event"`
	Erased   bool            `json:"erased,omitempty"`   // its personal data was erased
	Withheld string          `json:"withheld,omitempty"` // why its personal data is left out
}

// ExportActor is who caused the event and through which door.
type ExportActor struct {
	User    string `json:"user,omitempty"`
	Source  string `json:"source,omitempty"`
	Because string `json:"because,omitempty"`
}

// Manifest says what an export holds and what it leaves out, and why.
type Manifest struct {
	// TicketsOpened are the ids of the tickets the person opened.
	TicketsOpened []string       `json:"tickets_opened"`
	Included      map[string]int `json:"included"`
	Withheld      []Withheld     `json:"withheld"`
	Erased        int            `json:"erased_events"`
	Events        int            `json:"events"`
	// Attachments are the person's archived files (a ZIP export carries
	// them at their Path).
	Attachments []ExportedFile `json:"attachments,omitempty"`
}

// ExportedFile is an archived attachment of the person's, in a ZIP export.
type ExportedFile struct {
	Ticket     string `json:"ticket"`
	Message    string `json:"message"`
	Attachment string `json:"attachment"`
	Filename   string `json:"filename"`
	Path       string `json:"path"` // in the ZIP
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	file       string
	chunks     int
}

// Withheld is a kind of data left out of an export.
type Withheld struct {
	What  string `json:"what"`
	Why   string `json:"why"`
	Count int    `json:"count,omitempty"`
}

const withheldOthers = "personal data of another person"

// ExportUser writes everything held about a user, replayed from the events
// that name them, as one JSON document (UserExportSchema). It streams: the
// records go out as they are read, one index chunk at a time, and the
// manifest comes last. asOf, when not zero, leaves out later events.
func (x *Exporter) ExportUser(ctx context.Context, w io.Writer, user domain.UserID, asOf time.Time) (Manifest, error) {
	if user.IsZero() {
		return Manifest{}, domain.Refuse(domain.ErrInvalid, "privacy.export_user_missing")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	m := Manifest{Included: map[string]int{}, TicketsOpened: []string{}}
	for _, s := range sectionOrder {
		m.Included[s] = 0
	}
	head := map[string]any{"schema": UserExportSchema, "user": user.String(), "generated_at": x.Clock().UTC()}
	if !asOf.IsZero() {
		head["as_of"] = asOf.UTC()
	}
	hb, err := json.Marshal(head)
	if err != nil {
		return m, err
	}
	bw.Write(hb[:len(hb)-1]) // leave the object open
	bw.WriteString(`,"records":[`)
	othersWithheld := 0
	first := true
	files := ownFiles{names: map[string]string{}}
	err = x.Index.Each(ctx, "user:"+user.String(), func(rec subjects.Record) error {
		if !asOf.IsZero() && rec.OccurredAt.After(asOf) {
			return nil
		}
		out, e, err := x.exportRecord(ctx, rec, user)
		if err != nil {
			return err
		}
		if out == nil {
			return nil
		}
		files.add(e, out.Erased, user)
		if out.Withheld != "" {
			othersWithheld++
		}
		m.Included[out.Section]++
		m.Events++
		if out.Section == SectionTicketsOpened {
			if id, ok := strings.CutPrefix(out.Stream, "ticket/"); ok {
				m.TicketsOpened = append(m.TicketsOpened, id)
			}
		}
		if out.Erased {
			m.Erased++
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString("\n")
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return m, fmt.Errorf("export of %s: %w", user, err)
	}
	m.Attachments = files.list
	m.Withheld = []Withheld{
		{What: "other people's messages in your tickets", Why: "they are the other person's data; a server's admins can export their server's transcripts"},
		{What: "other people's personal data inside events that name you (a staff member's words when they added you, say)", Why: "the data belongs to that person", Count: othersWithheld},
		{What: "dashboard sessions and OAuth tokens", Why: "they are credentials, not records about you; they end after 7 days and at logout"},
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return m, err
	}
	bw.WriteString("\n],\"manifest\":")
	bw.Write(mb)
	bw.WriteString("}\n")
	return m, bw.Flush()
}

// exportRecord decodes one record for the user's export (nil for an event
// type this build does not know); Withheld says when someone else's
// personal data was left out.
func (x *Exporter) exportRecord(ctx context.Context, rec subjects.Record, user domain.UserID) (*ExportRecord, domain.Event, error) {
	d, err := x.Codec.Decode(ctx, rec.StoredRecord())
	if errors.Is(err, eventstore.ErrUnknownEventType) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("decode %s at %d: %w", rec.Type, rec.Position, err)
	}
	section := sectionOf(rec, d.Event, user)
	body, err := json.Marshal(d.Event)
	if err != nil {
		return nil, nil, err
	}
	out := &ExportRecord{Section: section, Position: rec.Position, Type: rec.Type, At: rec.OccurredAt, Stream: rec.Stream,
		Version: rec.Version, Guild: rec.Guild, Actor: ExportActor{User: rec.User, Source: rec.Source, Because: rec.Because},
		Event: body, Erased: d.Erased}
	p, personal := d.Event.(domain.PersonalEvent)
	if !personal {
		return out, d.Event, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, nil, err
	}
	switch {
	case p.DataOwner().Subject != user: // someone else's words
		delete(fields, "personal")
		out.Withheld, out.Erased = withheldOthers, false
	case d.Erased:
		fields["personal"] = json.RawMessage(`"[erased]"`)
	default:
		return out, d.Event, nil
	}
	if out.Event, err = json.Marshal(fields); err != nil {
		return nil, nil, err
	}
	return out, d.Event, nil
}

// sectionOf sorts an event naming the user into a section of their export.
func sectionOf(rec subjects.Record, e domain.Event, user domain.UserID) string {
	by := rec.User == user.String()
	owner := domain.UserID(0)
	if p, ok := e.(domain.PersonalEvent); ok {
		owner = p.DataOwner().Subject
	}
	switch t := rec.Type; {
	case strings.HasPrefix(t, "profile."):
		return SectionProfile
	case strings.HasPrefix(t, "usage."):
		return SectionCommandUsage
	case strings.HasPrefix(t, "member."):
		return SectionMembership
	case t == "ticket.opened.v1" && owner == user:
		return SectionTicketsOpened
	case slices.Contains([]string{"ticket.message_posted.v1", "ticket.message_edited.v1", "ticket.attachment_archived.v1"}, t) && owner == user:
		return SectionMessages
	case by && t != "ticket.message_posted.v1" && t != "ticket.message_edited.v1":
		return SectionStaffActions
	}
	return SectionAboutYou
}

// ownFiles gathers a person's archived attachments from their export's
// events: a message's files are named by its post, archived by a later event.
type ownFiles struct {
	names map[string]string // attachment id → file name
	list  []ExportedFile
}

func (f *ownFiles) add(e domain.Event, erased bool, user domain.UserID) {
	switch ev := e.(type) {
	case ticket.MessagePosted:
		if ev.Author == user && !erased {
			for _, a := range ev.Personal.Attachments {
				f.names[a.ID] = a.Filename
			}
		}
	case ticket.AttachmentArchived:
		name, ok := f.names[ev.Attachment]
		if ev.Author != user || erased || !ok {
			return
		}
		a := transcripts.Attachment{ID: ev.Attachment, Filename: name}
		f.list = append(f.list, ExportedFile{Ticket: ev.Ticket.String(), Message: ev.Message.String(), Attachment: ev.Attachment,
			Filename: name, Path: "transcripts/" + transcripts.FilePath(a), Size: ev.Size, SHA256: ev.Personal.SHA256, file: ev.File, chunks: ev.Chunks})
	}
}
