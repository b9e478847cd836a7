package ticket

import (
	"strings"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/domain/member"
)

// OpenGrace is how long a slot reservation stays valid without its ticket
// being recorded as open. An open that does not complete within it (the
// process died between the two appends) stops counting against the limit,
// and a late completion is refused, so the limit is exact either way.
const OpenGrace = 2 * time.Minute

// DefaultCategory is the category of a guild that configured none.
var DefaultCategory = guild.Category{Key: "general", Name: "General"}

// OpenRequest is a member asking for a ticket, or staff opening one for
// them (By, ByStaff).
type OpenRequest struct {
	Ticket domain.TicketID
	Opener domain.UserID
	// By is who asks when it is not the opener: staff opening a ticket for
	// a member (/ticket open-for). ByStaff says they are staff.
	By       domain.UserID
	ByStaff  bool
	Roles    []domain.RoleID // the opener's roles, for the role blacklist
	Category string          // a category key; empty picks the only or the default one
	Topic    string
	Answers  []string // answers in the order of the category's questions
	// About quotes the message the ticket was opened about (the message
	// context menu): kept with the answers, as part of the opener's request.
	About string
	// OpenerName is the opener's user name, for a naming scheme that uses it.
	OpenerName string
}

// MaxAboutLength bounds a quoted message (an embed field's value).
const MaxAboutLength = 1024

// AboutQuestion labels the quoted message among a ticket's answers.
const AboutQuestion = "About this message"

// Opening is a decided open: events for the member's stream (the slot, which
// must be appended first, at the holdings' version) and the opened ticket,
// which gets its number only once the slot is taken, so that refused opens
// leave no gaps in the numbering.
type Opening struct {
	Reservation []domain.Event
	opened      Opened
	// naming names the channel once the number is known (empty: DefaultName).
	naming             string
	category, username string
}

// Numbered returns the events of the new ticket's stream, numbered.
func (o Opening) Numbered(number int64) ([]domain.Event, error) {
	if number < 1 {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.number_invalid")
	}
	if o.opened.Ticket.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.nothing_to_open")
	}
	e := o.opened
	e.Number = number
	if o.naming != "" {
		e.Personal.Name = guild.ChannelName(o.naming, number, o.category, o.username)
	}
	return []domain.Event{e}, nil
}

// Slots counts the open tickets a member holds. held must contain the
// current state of every reserved ticket that exists; a reservation whose
// ticket is not (yet) open counts only while it is younger than OpenGrace.
func Slots(h member.Holdings, held map[domain.TicketID]Ticket, now time.Time) int {
	n := 0
	for _, r := range h.Reservations() {
		t, ok := held[r.Ticket]
		switch {
		case ok && t.Exists():
			if t.Status() == StatusOpen {
				n++
			}
		case now.Sub(r.At) < OpenGrace:
			n++ // an open in flight
		}
	}
	return n
}

// Open decides a new ticket: the blacklist, the category and its form, the
// member's open ticket limits (the server's and the category's) and the wait
// between their opens. Staff opening a ticket for a member are not held to
// what stops the member (blacklist, limits, wait, form): they chose to.
func Open(req OpenRequest, g guild.Settings, h member.Holdings, held map[domain.TicketID]Ticket, now time.Time) (Opening, error) {
	if req.Ticket.IsZero() || req.Opener.IsZero() {
		return Opening{}, domain.Refuse(domain.ErrInvalid, "ticket.open_request_incomplete")
	}
	forSomeone := !req.By.IsZero() && req.By != req.Opener
	if forSomeone && !req.ByStaff {
		return Opening{}, domain.Refuse(domain.ErrForbidden, "ticket.open_for_someone_not_staff")
	}
	if banned, why := g.IsBlacklisted(req.Opener, req.Roles); banned && !forSomeone {
		return Opening{}, why
	}
	cat, err := pickCategory(g, req.Category)
	if err != nil {
		return Opening{}, err
	}
	var answers []Answer
	if !forSomeone {
		if answers, err = answerForm(cat, req.Answers); err != nil {
			return Opening{}, err
		}
	}
	if about := strings.TrimSpace(req.About); about != "" {
		if len([]rune(about)) > MaxAboutLength {
			return Opening{}, domain.Refuse(domain.ErrInvalid, "ticket.quote_too_long", "Max", MaxAboutLength)
		}
		answers = append(answers, Answer{Question: AboutQuestion, Answer: about})
	}
	topic := strings.TrimSpace(req.Topic)
	if len(topic) > MaxTopicLength {
		return Opening{}, domain.Refuse(domain.ErrInvalid, "ticket.topic_too_long", "Max", MaxTopicLength)
	}
	if !forSomeone {
		if err := withinLimits(cat, g, h, held, now); err != nil {
			return Opening{}, err
		}
	}
	opened := Opened{
		Ticket: req.Ticket, Guild: g.ID(), Opener: req.Opener,
		Category: cat.Key, Priority: PriorityNormal, At: now,
		Personal: OpenedPersonal{Topic: topic, Answers: answers},
	}
	if forSomeone {
		opened.By = req.By
	}
	return Opening{Reservation: h.Reserve(req.Ticket, cat.Key, now), opened: opened,
		naming: g.MessagesFor(cat.Key).Naming, category: cat.Name, username: req.OpenerName}, nil
}

// withinLimits checks a member's own open against the server's limit, the
// category's and the wait between opens.
func withinLimits(cat guild.Category, g guild.Settings, h member.Holdings, held map[domain.TicketID]Ticket, now time.Time) error {
	if open := Slots(h, held, now); open >= g.TicketLimit() {
		return domain.Refuse(domain.ErrForbidden, "ticket.limit_reached", "Open", open, "Limit", g.TicketLimit())
	}
	if cat.Limit > 0 {
		inCategory := 0
		for _, r := range h.Reservations() {
			t, ok := held[r.Ticket]
			switch {
			case ok && t.Exists():
				if t.Status() == StatusOpen && t.Category() == cat.Key {
					inCategory++
				}
			case r.Category == cat.Key && now.Sub(r.At) < OpenGrace:
				inCategory++ // an open in flight in this category
			}
		}
		if inCategory >= cat.Limit {
			return domain.Refuse(domain.ErrForbidden, "ticket.category_limit_reached", "Open", inCategory, "Category", cat.Name, "Limit", cat.Limit)
		}
	}
	if wait := g.OpenCooldown(); wait > 0 {
		if last := h.LastOpened(); !last.IsZero() && now.Before(last.Add(wait)) {
			return domain.Refuse(domain.ErrConflict, "ticket.open_cooldown", "Unix", last.Add(wait).Unix())
		}
	}
	return nil
}

// ConfirmOpen guards the second step of an open: the ticket stream must
// still be empty and the reservation still within OpenGrace.
func ConfirmOpen(t Ticket, reservedAt, now time.Time) error {
	if t.Exists() {
		return domain.Refuse(domain.ErrConflict, "ticket.already_exists")
	}
	if now.Sub(reservedAt) >= OpenGrace {
		return domain.Refuse(domain.ErrConflict, "ticket.open_abandoned")
	}
	return nil
}

func pickCategory(g guild.Settings, key string) (guild.Category, error) {
	cats := g.Categories()
	switch {
	case len(cats) == 0 && (key == "" || key == DefaultCategory.Key):
		return DefaultCategory, nil
	case key == "" && len(cats) == 1:
		return cats[0], nil
	case key == "":
		return guild.Category{}, domain.Refuse(domain.ErrInvalid, "ticket.category_not_picked")
	}
	c, ok := g.Category(key)
	if !ok {
		return guild.Category{}, domain.Refuse(domain.ErrNotFound, "ticket.category_unknown", "Category", key)
	}
	return c, nil
}

func answerForm(c guild.Category, given []string) ([]Answer, error) {
	if len(given) > len(c.Questions) {
		return nil, domain.Refuse(domain.ErrInvalid, "ticket.answers_too_many", "Category", c.Key, "Questions", len(c.Questions), "Answers", len(given))
	}
	var out []Answer
	for i, q := range c.Questions {
		a := ""
		if i < len(given) {
			a = strings.TrimSpace(given[i])
		}
		if a == "" && q.Required {
			return nil, domain.Refuse(domain.ErrInvalid, "ticket.answer_missing", "Question", q.Label)
		}
		if len(a) > MaxAnswerLength {
			return nil, domain.Refuse(domain.ErrInvalid, "ticket.answer_too_long", "Question", q.Label, "Max", MaxAnswerLength)
		}
		if a != "" {
			out = append(out, Answer{Question: q.Label, Answer: a})
		}
	}
	return out, nil
}

// Reopening is a decided reopen: a slot for the opener (appended first) and
// the ticket's Reopened event.
type Reopening struct {
	Reservation []domain.Event
	Ticket      []domain.Event
}

// Reopen decides reopening a closed ticket. The opener reopening their own
// ticket is held to the open ticket limit; staff may reopen beyond it. The
// ticket takes a slot either way, so the holdings stay true.
func (t Ticket) Reopen(by Participant, g guild.Settings, h member.Holdings, held map[domain.TicketID]Ticket, now time.Time) (Reopening, error) {
	if err := t.reopenable(by); err != nil {
		return Reopening{}, err
	}
	if err := t.mayHandle(by, actReopen); err != nil {
		return Reopening{}, err
	}
	if !by.StaffFor(t.category) {
		if open := Slots(h, held, now); open >= g.TicketLimit() {
			return Reopening{}, domain.Refuse(domain.ErrForbidden, "ticket.limit_reached", "Open", open, "Limit", g.TicketLimit())
		}
	}
	return Reopening{
		Reservation: h.Reserve(t.id, t.category, now),
		Ticket:      []domain.Event{Reopened{Ticket: t.id, By: by.User, At: now}},
	}, nil
}
