// Package internal holds what Ticketify does not offer as a library, in four
// kinds, each in its own place:
//
//   - app: the use cases (app) and the privacy rights (app/privacy) — what
//     adapters call to change state; no adapter, no driver.
//   - platform: helpers every layer may use — the MongoDB connection and its
//     error classification, configuration, the private data directory,
//     log redaction, panic recovery.
//   - server: the composition root, the only place that wires adapters,
//     the store, the projections and the use cases together.
//   - testkit: what tests and the demo run against — the fake Discord, test
//     environments, benchmarks, the demo's sample server, repository checks.
package internal
