package dashboard

import (
	"maps"
	"time"

	"github.com/ticketify/ticketify/domain/guild"
	"github.com/ticketify/ticketify/projections/analytics"
	"github.com/ticketify/ticketify/projections/audit"
	"github.com/ticketify/ticketify/projections/ticketviews"
)

// The JSON API's own types. /api/v1 is a contract with clients (described in
// docs/openapi.yaml, checked against real answers by api_test.go), so it
// does not serve the projections' documents as they are: a named converter
// copies what clients may see, and a projector's bookkeeping — the stream
// versions it has applied (apply-once guards), the erasure receipts it has
// scrubbed, who typed a name — stays behind. A field added to a view is
// not published until it is added here and to the description.

// apiError is every error answer of the API.
type apiError struct {
	Error string `json:"error"`
}

// apiOK answers a ticket action.
type apiOK struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// apiSettingsChanged answers a settings change.
type apiSettingsChanged struct {
	OK       bool        `json:"ok"`
	Message  string      `json:"message"`
	Settings apiSettings `json:"settings"`
}

// apiMe is the logged-in person.
type apiMe struct {
	ID             string    `json:"id"`
	Username       string    `json:"username"`
	GlobalName     string    `json:"global_name"`
	Avatar         string    `json:"avatar"`
	SessionExpires time.Time `json:"session_expires"`
	CSRFToken      string    `json:"csrf_token"`
}

func toAPIMe(s *session) apiMe {
	return apiMe{ID: s.User, Username: s.Username, GlobalName: s.GlobalName, Avatar: s.Avatar, SessionExpires: s.Expires,
		CSRFToken: s.CSRF}
}

// apiGuilds lists the servers the person may manage.
type apiGuilds struct {
	Guilds []apiGuild `json:"guilds"`
}

type apiGuild struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func toAPIGuilds(gs []guildEntry) apiGuilds {
	out := apiGuilds{Guilds: make([]apiGuild, 0, len(gs))}
	for _, g := range gs {
		out.Guilds = append(out.Guilds, apiGuild{ID: g.ID, Name: g.Name})
	}
	return out
}

// apiTicketPage is a page of a server's tickets, newest first.
type apiTicketPage struct {
	Tickets []apiTicketSummary `json:"tickets"`
	Total   int                `json:"total"`
	Page    int                `json:"page"`
	PerPage int                `json:"per_page"`
}

// apiTicketSummary is a ticket's line in a list.
type apiTicketSummary struct {
	ID           string     `json:"id"`
	Number       int64      `json:"number"`
	Status       string     `json:"status"`
	Opener       string     `json:"opener"`
	Claimer      string     `json:"claimer,omitempty"`
	Category     string     `json:"category"`
	Priority     string     `json:"priority"`
	Name         string     `json:"name"`
	Topic        string     `json:"topic,omitempty"`
	OpenedAt     time.Time  `json:"opened_at"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	MessageCount int        `json:"message_count"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

func toAPITicketPage(p ticketviews.Page) apiTicketPage {
	out := apiTicketPage{Tickets: make([]apiTicketSummary, 0, len(p.Tickets)), Total: p.Total, Page: p.Page, PerPage: p.PerPage}
	for _, s := range p.Tickets {
		out.Tickets = append(out.Tickets, toAPITicketSummary(s))
	}
	return out
}

func toAPITicketSummary(s ticketviews.Summary) apiTicketSummary {
	return apiTicketSummary{ID: s.ID, Number: s.Number, Status: s.Status, Opener: s.Opener, Claimer: s.Claimer,
		Category: s.Category, Priority: s.Priority, Name: s.Name, Topic: s.Topic, OpenedAt: s.OpenedAt, ClosedAt: s.ClosedAt,
		MessageCount: s.MessageCount, UpdatedAt: s.UpdatedAt}
}

// apiTicket is everything staff see about one ticket.
type apiTicket struct {
	ID                string      `json:"id"`
	Guild             string      `json:"guild"`
	Number            int64       `json:"number"`
	Status            string      `json:"status"`
	Opener            string      `json:"opener"`
	Claimer           string      `json:"claimer,omitempty"`
	Members           []string    `json:"members"`
	Category          string      `json:"category"`
	Priority          string      `json:"priority"`
	Channel           string      `json:"channel,omitempty"`
	ThreadOf          string      `json:"thread_of,omitempty"` // thread mode: the text channel its private thread is under
	Name              string      `json:"name"`
	Topic             string      `json:"topic,omitempty"`
	Answers           []apiAnswer `json:"answers,omitempty"`
	OpenedAt          time.Time   `json:"opened_at"`
	ClosedAt          *time.Time  `json:"closed_at,omitempty"`
	ClosedBy          string      `json:"closed_by,omitempty"`
	CloseReason       string      `json:"close_reason,omitempty"`
	Rating            int         `json:"rating,omitempty"`
	RatingComment     string      `json:"rating_comment,omitempty"`
	Notes             []apiNote   `json:"notes,omitempty"`
	ChannelLost       bool        `json:"channel_lost,omitempty"`
	TranscriptExpired bool        `json:"transcript_expired,omitempty"`
	LastFailure       string      `json:"last_failure,omitempty"`
	Erased            bool        `json:"erased,omitempty"`
	MessageCount      int         `json:"message_count"`
	LastMessageID     string      `json:"last_message_id,omitempty"`
	LastMessageAt     *time.Time  `json:"last_message_at,omitempty"`
	UpdatedAt         time.Time   `json:"updated_at"`
}

// apiNote is a staff note.
type apiNote struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Text   string    `json:"text,omitempty"`
	Erased bool      `json:"erased,omitempty"`
}

// apiAnswer is an answered form question.
type apiAnswer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

func toAPITicket(v ticketviews.View) apiTicket {
	out := apiTicket{ID: v.ID, Guild: v.Guild, Number: v.Number, Status: v.Status, Opener: v.Opener, Claimer: v.Claimer,
		Members: append([]string{}, v.Members...), Category: v.Category, Priority: v.Priority, Channel: v.Channel, ThreadOf: v.ThreadOf,
		Name: v.Name, Topic: v.Topic, OpenedAt: v.OpenedAt, ClosedAt: v.ClosedAt, ClosedBy: v.ClosedBy,
		CloseReason: v.CloseReason, Rating: v.Rating, RatingComment: v.RatingComment, ChannelLost: v.ChannelLost, TranscriptExpired: v.TranscriptExpired,
		LastFailure: v.LastFailure, Erased: v.Erased, MessageCount: v.MessageCount, LastMessageID: v.LastMessageID,
		LastMessageAt: v.LastMessageAt, UpdatedAt: v.UpdatedAt}
	for _, a := range v.Answers {
		out.Answers = append(out.Answers, apiAnswer{Question: a.Question, Answer: a.Answer})
	}
	for _, n := range v.Notes {
		out.Notes = append(out.Notes, apiNote{By: n.By, At: n.At, Text: n.Text, Erased: n.Erased})
	}
	return out
}

// apiAuditPage is a page of the audit timeline, newest first.
type apiAuditPage struct {
	Entries []apiAuditEntry `json:"entries"`
	Next    int64           `json:"next,omitempty"`
}

// apiAuditEntry is one thing that happened. Position, stream, version and
// hash identify the event and its place in its stream's hash chain
// (`ticketify audit verify`); they are facts about the event, not the
// projector's state.
type apiAuditEntry struct {
	Position int64             `json:"position"`
	At       time.Time         `json:"at"`
	Type     string            `json:"type"`
	Stream   string            `json:"stream"`
	Version  int64             `json:"version"`
	Guild    string            `json:"guild"`
	Ticket   string            `json:"ticket,omitempty"`
	Actor    string            `json:"actor,omitempty"`
	Source   string            `json:"source,omitempty"`
	Because  string            `json:"because,omitempty"`
	Text     string            `json:"text"`
	Details  map[string]string `json:"details,omitempty"`
	Hash     string            `json:"hash"`
}

func toAPIAuditPage(p audit.Page) apiAuditPage {
	out := apiAuditPage{Entries: make([]apiAuditEntry, 0, len(p.Entries)), Next: p.Next}
	for _, e := range p.Entries {
		out.Entries = append(out.Entries, apiAuditEntry{Position: e.Position, At: e.At, Type: e.Type, Stream: e.Stream,
			Version: e.Version, Guild: e.Guild, Ticket: e.Ticket, Actor: e.Actor, Source: e.Source, Because: e.Because,
			Text: e.Text, Details: maps.Clone(map[string]string(e.Details)), Hash: e.Hash})
	}
	return out
}

// apiAnalytics is a server's daily numbers over a range of days.
type apiAnalytics struct {
	Guild string   `json:"guild"`
	From  string   `json:"from"`
	To    string   `json:"to"`
	Days  []apiDay `json:"days"`
}

// apiDay is one UTC day of a server's numbers.
type apiDay struct {
	Day           string         `json:"day"`
	Opened        int            `json:"opened"`
	Closed        int            `json:"closed"`
	AutoClosed    map[string]int `json:"auto_closed"`
	CloseRequests map[string]int `json:"close_requests"`
	Ratings       apiRatings     `json:"ratings"`
	Reopened      int            `json:"reopened"`
	Backlog       int            `json:"backlog"`
	Commands      map[string]int `json:"commands"`
	Tags          map[string]int `json:"tags"`
	FirstResponse apiPercentiles `json:"first_response"`
	// FirstResponseInHours counts only the time within support hours.
	FirstResponseInHours apiPercentiles      `json:"first_response_in_hours"`
	Resolution           apiPercentiles      `json:"resolution"`
	Staff                map[string]apiStaff `json:"staff"`
}

// apiPercentiles are durations in milliseconds over a day's tickets.
type apiPercentiles struct {
	Count  int   `json:"count"`
	Median int64 `json:"median_ms"`
	P90    int64 `json:"p90_ms"`
}

// apiStaff is what one staff member did on a day.
type apiStaff struct {
	Claimed int        `json:"claimed"`
	Closed  int        `json:"closed"`
	Ratings apiRatings `json:"ratings"`
}

func toAPIAnalytics(guild, from, to string, days []analytics.Day) apiAnalytics {
	out := apiAnalytics{Guild: guild, From: from, To: to, Days: make([]apiDay, 0, len(days))}
	for _, d := range days {
		day := apiDay{Day: d.Day, Opened: d.Opened, Closed: d.Closed, Reopened: d.Reopened, Backlog: d.Backlog,
			Commands: map[string]int{}, Tags: map[string]int{}, Staff: map[string]apiStaff{}, AutoClosed: map[string]int{}, CloseRequests: map[string]int{},
			Ratings:              toAPIRatings(d.Ratings),
			FirstResponse:        apiPercentiles{Count: d.FirstResp.Count, Median: d.FirstResp.Median, P90: d.FirstResp.P90},
			FirstResponseInHours: apiPercentiles{Count: d.FirstRespInHours.Count, Median: d.FirstRespInHours.Median, P90: d.FirstRespInHours.P90},
			Resolution:           apiPercentiles{Count: d.Resolve.Count, Median: d.Resolve.Median, P90: d.Resolve.P90}}
		maps.Copy(day.Commands, d.Commands)
		maps.Copy(day.Tags, d.Tags)
		maps.Copy(day.AutoClosed, d.AutoClosed)
		maps.Copy(day.CloseRequests, d.CloseRequests)
		for who, s := range d.Staff {
			day.Staff[who] = apiStaff{Claimed: s.Claimed, Closed: s.Closed, Ratings: toAPIRatings(s.Ratings)}
		}
		out.Days = append(out.Days, day)
	}
	return out
}

// apiRatings are the ratings of a day: how many, their average, and how
// many of each star count.
type apiRatings struct {
	Count        int     `json:"count"`
	Average      float64 `json:"average"`
	Distribution []int   `json:"distribution"`
}

func toAPIRatings(r analytics.Ratings) apiRatings {
	return apiRatings{Count: r.Count, Average: r.Average, Distribution: r.Distribution[:]}
}

// apiSettings is a server's settings.
type apiSettings struct {
	StaffRoles       []string      `json:"staff_roles"`
	Categories       []apiCategory `json:"categories"`
	TicketLimit      int           `json:"ticket_limit"`
	RetentionDays    int           `json:"retention_days"`
	LogChannel       string        `json:"log_channel,omitempty"`
	Language         string        `json:"language,omitempty"` // the channels' language; "": the server's in Discord
	BlacklistedUsers []string      `json:"blacklisted_users"`
	BlacklistedRoles []string      `json:"blacklisted_roles"`
}

// apiCategory is a ticket category and its form's questions.
type apiCategory struct {
	Key             string   `json:"key"`
	Name            string   `json:"name"`
	DiscordCategory string   `json:"discord_category,omitempty"`
	Questions       []string `json:"questions"`
}

func toAPISettings(g guild.Settings) apiSettings {
	out := apiSettings{TicketLimit: g.TicketLimit(), RetentionDays: g.RetentionDays(), Language: g.Language(), StaffRoles: []string{},
		Categories: []apiCategory{}, BlacklistedUsers: []string{}, BlacklistedRoles: []string{}}
	for _, r := range g.StaffRoles() {
		out.StaffRoles = append(out.StaffRoles, r.String())
	}
	for _, c := range g.Categories() {
		ac := apiCategory{Key: c.Key, Name: c.Name, Questions: []string{}}
		if !c.DiscordCategory.IsZero() {
			ac.DiscordCategory = c.DiscordCategory.String()
		}
		for _, q := range c.Questions {
			ac.Questions = append(ac.Questions, q.Label)
		}
		out.Categories = append(out.Categories, ac)
	}
	if !g.LogChannel().IsZero() {
		out.LogChannel = g.LogChannel().String()
	}
	for _, u := range g.BlacklistedUsers() {
		out.BlacklistedUsers = append(out.BlacklistedUsers, u.String())
	}
	for _, r := range g.BlacklistedRoles() {
		out.BlacklistedRoles = append(out.BlacklistedRoles, r.String())
	}
	return out
}
