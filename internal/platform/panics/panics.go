// Package panics turns a recovered panic into an error that says where it
// happened without what it carried: a panic's value is built by code from
// whatever it was handling — a message's content, a close reason — and
// must not reach a log or a stored error.
package panics

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Error is a recovered panic.
type Error struct {
	// What is a runtime error's message ("index out of range [3] with
	// length 2") or, for any other value, only its type.
	What string
	// Stack is the goroutine's stack where it panicked (function names,
	// files and lines; arguments only as machine words).
	Stack string
}

func (e *Error) Error() string { return "panic: " + e.What }

// Describe says what a recovered value was without its content: a runtime
// error's message, which holds no data, or else the value's type.
func Describe(v any) string {
	if re, ok := v.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("a %T", v)
}

// Recover turns a panic of the calling function into *err; use it as
// `defer panics.Recover(&err)` in a function with a named error result.
func Recover(err *error) {
	if r := recover(); r != nil {
		*err = &Error{What: Describe(r), Stack: string(debug.Stack())}
	}
}

// Call runs f, turning a panic into an error: for the body of a loop that
// must outlive one bad iteration (a periodic job, a queue's consumer).
func Call(f func() error) (err error) {
	defer Recover(&err)
	return f()
}
