// Package eventstore is Ticketify's source of truth: an append-only log of
// commits, each the events one command decided, stored atomically as one
// document. It defines the storage-neutral types (Commit, Record, Envelope,
// Revision), the Codec that turns domain events into records and seals their
// personal data, and the one update loop every command goes through
// (load → fold → decide → append with expected revision → bounded retry).
//
// The MongoDB implementation is in eventstore/mongostore; the contract every
// implementation must pass is in eventstore/storetest.
package eventstore
