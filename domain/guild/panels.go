package guild

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ticketify/ticketify/domain"
)

// PanelButton is one way to open from a panel: a category, as a button or
// a select option (label, emoji, and for buttons a style).
type PanelButton struct {
	Category string `json:"category"`
	Label    string `json:"label"`
	Emoji    string `json:"emoji,omitempty"`
	Style    string `json:"style,omitempty"` // primary (default), secondary, success, danger
}

// Panel is a message members open tickets from: an embed (title, text,
// colour, image) and buttons — or one select menu — mapping to categories.
type Panel struct {
	Key     string        `json:"key"`
	Title   string        `json:"title"`
	Text    string        `json:"text,omitempty"`
	Color   int           `json:"color,omitempty"`
	Image   string        `json:"image,omitempty"` // an https URL
	Select  bool          `json:"select,omitempty"`
	Buttons []PanelButton `json:"buttons"`
}

// PanelPost is a panel posted on Discord, to edit in place.
type PanelPost struct {
	Channel domain.ChannelID `json:"channel"`
	Message domain.MessageID `json:"message"`
}

// Panel limits (Discord's: 5 rows of 5 buttons, 25 select options, a
// button label of 80 characters, an embed title of 256).
const (
	MaxPanels       = 25
	MaxPanelButtons = 25
	MaxPanelTitle   = 256
	MaxPanelText    = 4000
	MaxButtonLabel  = 80
)

// PanelSaved records a panel added (Previous zero) or changed.
type PanelSaved struct {
	Guild    domain.GuildID `json:"guild"`
	Panel    Panel          `json:"panel"`
	Previous Panel          `json:"previous"`
}

// PanelRemoved records a panel removed (its posts stay on Discord).
type PanelRemoved struct {
	Guild    domain.GuildID `json:"guild"`
	Previous Panel          `json:"previous"`
}

// PanelPostRequested asks for a panel to be posted in a channel of the
// server (the Discord reactor posts it and records PanelPosted).
type PanelPostRequested struct {
	Guild   domain.GuildID   `json:"guild"`
	Panel   string           `json:"panel"`
	Channel domain.ChannelID `json:"channel"`
}

// PanelPosted records a panel's message on Discord.
type PanelPosted struct {
	Guild domain.GuildID `json:"guild"`
	Panel string         `json:"panel"`
	Post  PanelPost      `json:"post"`
}

// WARNING: these names are stored; never change them.
func (PanelSaved) EventType() string         { return "guild.panel_saved.v1" }
func (PanelRemoved) EventType() string       { return "guild.panel_removed.v1" }
func (PanelPostRequested) EventType() string { return "guild.panel_post_requested.v1" }
func (PanelPosted) EventType() string        { return "guild.panel_posted.v1" }

type panels struct {
	list  []Panel
	posts map[string][]PanelPost
}

func (p panels) apply(e domain.Event) panels {
	switch e := e.(type) {
	case PanelSaved:
		p.list = slices.Clone(p.list)
		if i := slices.IndexFunc(p.list, func(x Panel) bool { return x.Key == e.Panel.Key }); i >= 0 {
			p.list[i] = e.Panel
		} else {
			p.list = append(p.list, e.Panel)
		}
	case PanelRemoved:
		p.list = slices.DeleteFunc(slices.Clone(p.list), func(x Panel) bool { return x.Key == e.Previous.Key })
		p.posts = withEntry(p.posts, e.Previous.Key, nil)
	case PanelPosted:
		p.posts = withEntry(p.posts, e.Panel, append(slices.Clone(p.posts[e.Panel]), e.Post))
	}
	return p
}

// Panels returns the server's panels, in the order they were added.
func (s Settings) Panels() []Panel { return slices.Clone(s.panels.list) }

// Panel returns a panel by key.
func (s Settings) Panel(key string) (Panel, bool) {
	i := slices.IndexFunc(s.panels.list, func(x Panel) bool { return x.Key == key })
	if i < 0 {
		return Panel{}, false
	}
	return s.panels.list[i], true
}

// PanelPosts returns where a panel was posted.
func (s Settings) PanelPosts(key string) []PanelPost { return slices.Clone(s.panels.posts[key]) }

var panelKey = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

var buttonStyles = []string{"primary", "secondary", "success", "danger"}

// SavePanel adds or changes a panel, validated as Discord will show it.
func (s Settings) SavePanel(by Member, p Panel) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	p.Key, p.Title, p.Text, p.Image = strings.TrimSpace(p.Key), strings.TrimSpace(p.Title), strings.TrimSpace(p.Text), strings.TrimSpace(p.Image)
	switch {
	case !panelKey.MatchString(p.Key):
		return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_key_invalid")
	case p.Title == "" || utf8.RuneCountInString(p.Title) > MaxPanelTitle:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_title_length", "Max", MaxPanelTitle)
	case utf8.RuneCountInString(p.Text) > MaxPanelText:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_text_too_long", "Max", MaxPanelText)
	case p.Color < 0 || p.Color > 0xFFFFFF:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_colour_out_of_range")
	case len(p.Buttons) == 0:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_buttons_missing")
	case len(p.Buttons) > MaxPanelButtons:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_buttons_too_many", "Max", MaxPanelButtons)
	}
	if p.Image != "" {
		u, err := url.Parse(p.Image)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(p.Image) > 500 {
			return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_image_invalid")
		}
	}
	p.Buttons = slices.Clone(p.Buttons)
	for i, b := range p.Buttons {
		b.Category, b.Label, b.Emoji, b.Style = strings.TrimSpace(b.Category), strings.TrimSpace(b.Label), strings.TrimSpace(b.Emoji), strings.ToLower(strings.TrimSpace(b.Style))
		if b.Style == "" {
			b.Style = "primary"
		}
		switch {
		case s.categoryIndex(b.Category) < 0 && !(len(s.categories) == 0 && b.Category == "general"):
			return nil, domain.Refuse(domain.ErrNotFound, "guild.panel_button_category_unknown", "Button", i+1, "Category", b.Category)
		case b.Label == "" || utf8.RuneCountInString(b.Label) > MaxButtonLabel:
			return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_button_label_length", "Button", i+1, "Max", MaxButtonLabel)
		case utf8.RuneCountInString(b.Emoji) > 64:
			return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_button_emoji_invalid", "Button", i+1)
		case !slices.Contains(buttonStyles, b.Style):
			return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_button_style_invalid", "Button", i+1)
		}
		p.Buttons[i] = b
	}
	prev, exists := s.Panel(p.Key)
	if !exists && len(s.panels.list) >= MaxPanels {
		return nil, domain.Refuse(domain.ErrConflict, "guild.panels_too_many", "Max", MaxPanels)
	}
	if exists && samePanel(prev, p) {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.panel_unchanged")
	}
	return []domain.Event{PanelSaved{Guild: s.id, Panel: p, Previous: prev}}, nil
}

func samePanel(a, b Panel) bool {
	return a.Key == b.Key && a.Title == b.Title && a.Text == b.Text && a.Color == b.Color && a.Image == b.Image &&
		a.Select == b.Select && slices.Equal(a.Buttons, b.Buttons)
}

// RemovePanel removes a panel.
func (s Settings) RemovePanel(by Member, key string) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	prev, ok := s.Panel(key)
	if !ok {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.panel_unknown", "Panel", key)
	}
	return []domain.Event{PanelRemoved{Guild: s.id, Previous: prev}}, nil
}

// RequestPanelPost asks for a panel to be posted in a channel (which the
// caller checked is one of this server's).
func (s Settings) RequestPanelPost(by Member, key string, ch domain.ChannelID) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if _, ok := s.Panel(key); !ok {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.panel_unknown", "Panel", key)
	}
	if ch.IsZero() {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_channel_missing")
	}
	return []domain.Event{PanelPostRequested{Guild: s.id, Panel: key, Channel: ch}}, nil
}

// RecordPanelPosted records a panel's message on Discord.
func (s Settings) RecordPanelPosted(key string, post PanelPost) ([]domain.Event, error) {
	if _, ok := s.Panel(key); !ok {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.panel_unknown", "Panel", key)
	}
	if slices.Contains(s.panels.posts[key], post) {
		return nil, nil
	}
	return []domain.Event{PanelPosted{Guild: s.id, Panel: key, Post: post}}, nil
}

// ParsePanelButtons reads buttons as /setup and the dashboard take them:
// one per line (or separated by ';'): category | label | emoji | style.
func ParsePanelButtons(s string) ([]PanelButton, error) {
	var out []PanelButton
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ';' }) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) < 2 || len(parts) > 4 {
			return nil, domain.Refuse(domain.ErrInvalid, "guild.panel_button_line_invalid", "Line", strings.TrimSpace(line))
		}
		b := PanelButton{Category: strings.TrimSpace(parts[0]), Label: strings.TrimSpace(parts[1])}
		if len(parts) > 2 {
			b.Emoji = strings.TrimSpace(parts[2])
		}
		if len(parts) > 3 {
			b.Style = strings.TrimSpace(parts[3])
		}
		out = append(out, b)
	}
	return out, nil
}
