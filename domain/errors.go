package domain

import "errors"

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

// RuleError is a broken business rule: a sentinel Kind plus a sentence for humans.
type RuleError struct {
	Kind    error
	Message string
}

func (e *RuleError) Error() string { return e.Message }

// Unwrap lets errors.Is match the Kind.
func (e *RuleError) Unwrap() error { return e.Kind }

// Refuse builds a RuleError.
func Refuse(kind error, message string) error { return &RuleError{Kind: kind, Message: message} }
