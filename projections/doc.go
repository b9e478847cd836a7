// Package projections is the read side's contract: what a projector is
// (Projector, Applier, Target), the tools projectors build views with (Docs,
// Journal, Pending, Erasure, Describe), and what a reactor is (Reactor).
// Projectors import this package and nothing of the transport: the runner
// (projections/runner) delivers the log to them.
//
// A projector has a stable name (its consumer group), writes only documents
// it owns, applies each event at most once per document (the document
// carries the stream version it has seen), and can be rebuilt from the log
// into a fresh generation of collections that then replaces the live one.
package projections
