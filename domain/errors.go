package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors shared by all aggregates. Each edge maps them once to a
// Discord reply or an HTTP status.
var (
	// ErrForbidden: the actor may not do this.
	ErrForbidden = errors.New("not allowed")
	// ErrInvalid: the command is malformed (bad name, too long, out of range).
	ErrInvalid = errors.New("invalid")
	// ErrConflict: the command contradicts the current state (close a closed ticket).
	ErrConflict = errors.New("conflicts with current state")
	// ErrNotFound: the aggregate does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnchanged: the command would change nothing.
	ErrUnchanged = errors.New("nothing to change")
)

// RuleError is a broken business rule: a sentinel Kind, and the sentence
// that explains it to people named by Key, with the values its placeholders
// take. The sentences themselves are the message catalogues' (internal/i18n,
// locales/domain.*.toml), one per language: the domain decides, the edges
// speak.
type RuleError struct {
	Kind error
	Key  string
	Args map[string]any
}

// Error is the key and its values: what a log or a test sees. People see
// the sentence in their language (i18n.Locale.Message(Key, Args)).
func (e *RuleError) Error() string {
	if len(e.Args) == 0 {
		return e.Key
	}
	names := make([]string, 0, len(e.Args))
	for name := range e.Args {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(e.Key)
	for i, name := range names {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", name, e.Args[name])
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap lets errors.Is match the Kind.
func (e *RuleError) Unwrap() error { return e.Kind }

// Refuse builds a RuleError: key names its sentence in the catalogues, args
// are its placeholders' values as pairs of a name and a value, like slog's:
//
//	domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", name)
func Refuse(kind error, key string, args ...any) error {
	e := &RuleError{Kind: kind, Key: key}
	if len(args) > 1 {
		e.Args = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			e.Args[name] = args[i+1]
		}
	}
	return e
}
