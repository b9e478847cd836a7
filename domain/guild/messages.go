package guild

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ticketify/ticketify/domain"
)

// Messages are what the bot says in a ticket in the server's words: the
// welcome at the open (placeholders: Placeholders), the roles pinged then,
// and a message added to the close.
type Messages struct {
	Welcome string          `json:"welcome,omitempty"`
	Ping    []domain.RoleID `json:"ping,omitempty"`
	Close   string          `json:"close,omitempty"`
	// Naming is how a ticket's channel is named (NamePlaceholders; empty:
	// ticket-{number}).
	Naming string `json:"naming,omitempty"`
}

// IsZero reports whether the messages are the bot's own.
func (m Messages) IsZero() bool {
	return m.Welcome == "" && len(m.Ping) == 0 && m.Close == "" && m.Naming == ""
}

// NamePlaceholders are what a channel naming scheme may name: the ticket's
// number (4 digits), its category and the opener's user name.
var NamePlaceholders = []string{"{number}", "{category}", "{username}"}

// MaxNamingLength bounds a naming scheme.
const MaxNamingLength = 60

// Message limits: an embed's description, a message's content.
const (
	MaxWelcomeLength = 2000 // filled in, it stays within an embed's 4,096 with the answers beside it
	MaxCloseLength   = 1000 // posted as a message of its own
	MaxPingRoles     = 10
)

// Placeholders are what a welcome or close message may name, filled in for
// each ticket: the opener (a mention), its number and category, and the
// staff roles (mentions, without pinging them). Never the topic or a user
// name: the bot's messages are captured into the transcript as the bot's,
// where an erasure of the opener would not reach their words (the welcome
// shows the topic in a field of its own, which is not captured).
var Placeholders = []string{"{user}", "{number}", "{category}", "{staff}"}

var placeholder = regexp.MustCompile(`\{[^{}\s]*\}`)

// checkPlaceholders refuses a welcome message (or, closing, a close
// message) naming a placeholder that does not exist.
func checkPlaceholders(text string, closing bool) error {
	for _, p := range placeholder.FindAllString(text, -1) {
		if slices.Contains(Placeholders, p) {
			continue
		}
		if closing {
			return domain.Refuse(domain.ErrInvalid, "guild.close_message_placeholder_unknown", "Placeholder", p, "Placeholders", strings.Join(Placeholders, ", "))
		}
		return domain.Refuse(domain.ErrInvalid, "guild.welcome_message_placeholder_unknown", "Placeholder", p, "Placeholders", strings.Join(Placeholders, ", "))
	}
	return nil
}

// Fill puts a ticket's values in a message's placeholders.
func Fill(text string, values map[string]string) string {
	return placeholder.ReplaceAllStringFunc(text, func(p string) string {
		if v, ok := values[p]; ok {
			return v
		}
		return p
	})
}

// MessagesSet records a server's (Category "") or a category's messages.
type MessagesSet struct {
	Guild    domain.GuildID `json:"guild"`
	Category string         `json:"category,omitempty"`
	Messages Messages       `json:"messages"`
	Previous Messages       `json:"previous"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (MessagesSet) EventType() string { return "guild.messages_set.v1" }

// MessagesFor returns the messages of a category: its own, or the server's.
func (s Settings) MessagesFor(category string) Messages { return forCategory(s.messages, category) }

// SetMessages sets the server's (category "") or a category's messages,
// validated: known placeholders, lengths, the roles pinged.
func (s Settings) SetMessages(by Member, category string, m Messages) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if category != "" && s.categoryIndex(category) < 0 {
		return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", category)
	}
	m.Welcome, m.Close = strings.TrimSpace(m.Welcome), strings.TrimSpace(m.Close)
	switch {
	case utf8.RuneCountInString(m.Welcome) > MaxWelcomeLength:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.welcome_message_too_long", "Max", MaxWelcomeLength)
	case utf8.RuneCountInString(m.Close) > MaxCloseLength:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.close_message_too_long", "Max", MaxCloseLength)
	case len(m.Ping) > MaxPingRoles:
		return nil, domain.Refuse(domain.ErrInvalid, "guild.ping_roles_too_many", "Max", MaxPingRoles)
	}
	if err := checkPlaceholders(m.Welcome, false); err != nil {
		return nil, err
	}
	if err := checkPlaceholders(m.Close, true); err != nil {
		return nil, err
	}
	if err := checkNaming(m.Naming); err != nil {
		return nil, err
	}
	m.Naming = strings.TrimSpace(m.Naming)
	m.Ping = slices.Compact(slices.Sorted(slices.Values(m.Ping)))
	prev, own := s.messages[category]
	if !own && category != "" {
		prev = s.messages[""]
	}
	if (own || category == "") && prev.Welcome == m.Welcome && prev.Close == m.Close && prev.Naming == m.Naming && slices.Equal(prev.Ping, m.Ping) {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.messages_unchanged")
	}
	return []domain.Event{MessagesSet{Guild: s.id, Category: category, Messages: m, Previous: prev}}, nil
}

// checkNaming refuses a naming scheme Discord would not take as a channel
// name, or one that could give two tickets the same name (without {number}).
func checkNaming(scheme string) error {
	scheme = strings.TrimSpace(scheme)
	if scheme == "" {
		return nil
	}
	if utf8.RuneCountInString(scheme) > MaxNamingLength {
		return domain.Refuse(domain.ErrInvalid, "guild.naming_too_long", "Max", MaxNamingLength)
	}
	for _, p := range placeholder.FindAllString(scheme, -1) {
		if !slices.Contains(NamePlaceholders, p) {
			return domain.Refuse(domain.ErrInvalid, "guild.naming_placeholder_unknown", "Placeholder", p, "Placeholders", strings.Join(NamePlaceholders, ", "))
		}
	}
	if !strings.Contains(scheme, "{number}") {
		return domain.Refuse(domain.ErrInvalid, "guild.naming_without_number")
	}
	rest := placeholder.ReplaceAllString(scheme, "")
	if !channelNameChars.MatchString(strings.ToLower(rest)) {
		return domain.Refuse(domain.ErrInvalid, "guild.naming_characters_invalid")
	}
	return nil
}

var channelNameChars = regexp.MustCompile(`^[\p{L}\p{N}_\-]*$`)

// ChannelName names a ticket's channel by a scheme, as Discord would take
// it: lower case, no spaces, only letters, digits, '-' and '_', at most 100
// characters. An empty scheme gives ticket-{number}.
func ChannelName(scheme string, number int64, category, username string) string {
	if strings.TrimSpace(scheme) == "" {
		scheme = "ticket-{number}"
	}
	clean := func(s string) string {
		s = strings.ToLower(strings.Join(strings.Fields(s), "-"))
		return strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, s)
	}
	name := Fill(strings.TrimSpace(scheme), map[string]string{"{number}": fmt.Sprintf("%04d", number),
		"{category}": clean(category), "{username}": clean(username)})
	name = clean(name)
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	return name
}
