package guild

import (
	"slices"

	"github.com/ticketify/ticketify/domain"
)

// LanguageSet records the language Ticketify speaks in the server's
// channels: the welcome, the close notice, reminders, the log channel. An
// answer to a person is in their own Discord language; this is for what
// everyone reads. Empty: the server's own language in Discord (its
// community setting), English when it has none Ticketify speaks.
type LanguageSet struct {
	Guild    domain.GuildID `json:"guild"`
	Language string         `json:"language,omitempty"` // a BCP 47 tag: "de", "pt-BR"
	Previous string         `json:"previous,omitempty"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (LanguageSet) EventType() string { return "guild.language_set.v1" }

// Language is the language chosen for the server's channels; empty when
// none was (then the server's language in Discord is).
func (s Settings) Language() string { return s.language }

// SetLanguage chooses the language of the server's channels among those
// Ticketify speaks ("" goes back to the server's language in Discord).
func (s Settings) SetLanguage(by Member, language string, spoken []string) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if language != "" && !slices.Contains(spoken, language) {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.language_unknown", "Language", language)
	}
	if language == s.language {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.language_unchanged")
	}
	return []domain.Event{LanguageSet{Guild: s.id, Language: language, Previous: s.language}}, nil
}
