// Package tag is a server's saved answers ("tags", canned responses): staff
// post one in a ticket with /tag <name> instead of typing it again. The
// library of a server is one aggregate, its stream "tags/<guild id>"; every
// change records the tag before and after. Tags are the server's words, not
// anyone's personal data: they are stored as written.
package tag

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ticketify/ticketify/domain"
)

// Stream returns the tag library stream of a guild.
func Stream(g domain.GuildID) string { return "tags/" + g.String() }

// Limits, Discord's where a tag becomes a message or an autocomplete choice.
const (
	MaxTags             = 1000
	MaxNameLength       = 32
	MaxTextLength       = 2000 // a message's content
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
)

// Embed is a tag's optional embed: a title, a text and a colour.
type Embed struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Color       int    `json:"color,omitempty"` // 0xRRGGBB; 0 is Discord's default
}

// IsZero reports whether there is no embed.
func (e Embed) IsZero() bool { return e == Embed{} }

// Tag is a saved answer.
type Tag struct {
	Name  string `json:"name"` // lower-case letters, digits, '-' and '_'
	Text  string `json:"text,omitempty"`
	Embed Embed  `json:"embed,omitzero"`
}

// Saved records a tag added (Previous zero) or changed.
type Saved struct {
	Guild    domain.GuildID `json:"guild"`
	Tag      Tag            `json:"tag"`
	Previous Tag            `json:"previous,omitzero"`
}

// Removed records a tag removed, as it was.
type Removed struct {
	Guild    domain.GuildID `json:"guild"`
	Previous Tag            `json:"previous"`
}

// WARNING: these names are stored; never change them.
func (Saved) EventType() string   { return "tag.saved.v1" }
func (Removed) EventType() string { return "tag.removed.v1" }

// Events lists one value of every event type of this package, for codecs.
func Events() []domain.Event { return []domain.Event{Saved{}, Removed{}} }

// Library is a server's tags.
type Library struct {
	guild domain.GuildID
	tags  map[string]Tag
}

// FromHistory folds a library's events.
func FromHistory(g domain.GuildID, events []domain.Event) Library {
	return Library{guild: g, tags: map[string]Tag{}}.With(events...)
}

// With returns the library with later events folded in; the library it was
// called on is unchanged (a cached fold stays valid for its readers).
func (l Library) With(events ...domain.Event) Library {
	if len(events) == 0 {
		return l
	}
	tags := make(map[string]Tag, len(l.tags)+1)
	for k, v := range l.tags {
		tags[k] = v
	}
	l.tags = tags
	for _, e := range events {
		switch e := e.(type) {
		case Saved:
			l.tags[e.Tag.Name] = e.Tag
		case Removed:
			delete(l.tags, e.Previous.Name)
		}
	}
	return l
}

// Len returns how many tags there are.
func (l Library) Len() int { return len(l.tags) }

// Get returns a tag by name.
func (l Library) Get(name string) (Tag, bool) {
	t, ok := l.tags[Normalize(name)]
	return t, ok
}

// All returns the tags by name.
func (l Library) All() []Tag {
	out := make([]Tag, 0, len(l.tags))
	for _, t := range l.tags {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Matching returns up to n tag names for what someone has typed so far:
// names starting with it first, then names containing it, each by name
// (Discord's autocomplete shows at most 25).
func (l Library) Matching(typed string, n int) []string {
	typed = Normalize(typed)
	var prefix, inside []string
	for name := range l.tags {
		switch {
		case strings.HasPrefix(name, typed):
			prefix = append(prefix, name)
		case strings.Contains(name, typed):
			inside = append(inside, name)
		}
	}
	slices.Sort(prefix)
	slices.Sort(inside)
	out := append(prefix, inside...)
	return out[:min(n, len(out))]
}

// Normalize is a name as tags are filed: trimmed, lower case.
func Normalize(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

var validName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// validate checks a tag as Discord will show it.
func validate(t Tag) (Tag, error) {
	t.Name = Normalize(t.Name)
	t.Text = strings.TrimSpace(t.Text)
	t.Embed.Title = strings.TrimSpace(t.Embed.Title)
	t.Embed.Description = strings.TrimSpace(t.Embed.Description)
	switch {
	case t.Name == "" || len(t.Name) > MaxNameLength || !validName.MatchString(t.Name):
		return t, domain.Refuse(domain.ErrInvalid, "tag.name_invalid", "Max", MaxNameLength)
	case t.Text == "" && t.Embed.Title == "" && t.Embed.Description == "":
		return t, domain.Refuse(domain.ErrInvalid, "tag.content_missing")
	case utf8.RuneCountInString(t.Text) > MaxTextLength:
		return t, domain.Refuse(domain.ErrInvalid, "tag.text_too_long", "Max", MaxTextLength)
	case utf8.RuneCountInString(t.Embed.Title) > MaxEmbedTitle:
		return t, domain.Refuse(domain.ErrInvalid, "tag.embed_title_too_long", "Max", MaxEmbedTitle)
	case utf8.RuneCountInString(t.Embed.Description) > MaxEmbedDescription:
		return t, domain.Refuse(domain.ErrInvalid, "tag.embed_text_too_long", "Max", MaxEmbedDescription)
	case t.Embed.Color < 0 || t.Embed.Color > 0xFFFFFF:
		return t, domain.Refuse(domain.ErrInvalid, "tag.colour_out_of_range")
	case t.Embed.Color != 0 && t.Embed.Title == "" && t.Embed.Description == "":
		return t, domain.Refuse(domain.ErrInvalid, "tag.colour_without_embed")
	}
	return t, nil
}

func mayManage(staff bool) error {
	if !staff {
		return domain.Refuse(domain.ErrForbidden, "tag.not_staff")
	}
	return nil
}

// Add decides a new tag; staff only, a name not taken.
func (l Library) Add(staff bool, t Tag) ([]domain.Event, error) {
	if err := mayManage(staff); err != nil {
		return nil, err
	}
	t, err := validate(t)
	if err != nil {
		return nil, err
	}
	if _, ok := l.tags[t.Name]; ok {
		return nil, domain.Refuse(domain.ErrConflict, "tag.exists", "Tag", t.Name)
	}
	if len(l.tags) >= MaxTags {
		return nil, domain.Refuse(domain.ErrConflict, "tag.too_many", "Max", MaxTags)
	}
	return []domain.Event{Saved{Guild: l.guild, Tag: t}}, nil
}

// Edit decides a changed tag, found by its name.
func (l Library) Edit(staff bool, t Tag) ([]domain.Event, error) {
	if err := mayManage(staff); err != nil {
		return nil, err
	}
	t, err := validate(t)
	if err != nil {
		return nil, err
	}
	prev, ok := l.tags[t.Name]
	if !ok {
		return nil, domain.Refuse(domain.ErrNotFound, "tag.unknown", "Tag", t.Name)
	}
	if prev == t {
		return nil, domain.Refuse(domain.ErrUnchanged, "tag.unchanged")
	}
	return []domain.Event{Saved{Guild: l.guild, Tag: t, Previous: prev}}, nil
}

// Remove decides a tag's removal.
func (l Library) Remove(staff bool, name string) ([]domain.Event, error) {
	if err := mayManage(staff); err != nil {
		return nil, err
	}
	prev, ok := l.tags[Normalize(name)]
	if !ok {
		return nil, domain.Refuse(domain.ErrNotFound, "tag.unknown", "Tag", Normalize(name))
	}
	return []domain.Event{Removed{Guild: l.guild, Previous: prev}}, nil
}

// ParseColour reads a colour as people type it: "#5865F2" or "5865f2".
func ParseColour(s string) (int, error) {
	hex := strings.TrimPrefix(strings.TrimSpace(s), "#")
	var c int
	if len(hex) != 6 {
		return 0, domain.Refuse(domain.ErrInvalid, "tag.colour_invalid", "Colour", s)
	}
	for _, r := range strings.ToLower(hex) {
		switch {
		case r >= '0' && r <= '9':
			c = c*16 + int(r-'0')
		case r >= 'a' && r <= 'f':
			c = c*16 + int(r-'a') + 10
		default:
			return 0, domain.Refuse(domain.ErrInvalid, "tag.colour_invalid", "Colour", s)
		}
	}
	return c, nil
}
