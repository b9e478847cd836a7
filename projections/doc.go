// Package projections runs the read side: projectors are Watermill handlers
// with stable names that turn the event log into views. Each projector is a
// consumer group of the log (its own checkpoint), writes only documents it
// owns, applies each event at most once per document (the document carries
// the stream version it has seen), and can be rebuilt from the log into a
// fresh generation of collections that then replaces the live one. An event
// a projector cannot apply after retries is parked and reported, never
// silently skipped.
package projections
