// Package domain holds the vocabulary every Ticketify aggregate shares: Discord
// identifiers as value types, the Event interface, actors and the rules for
// personal data carried by events.
//
// domain and its sub-packages are pure: plain Go values and decision functions.
// They import only the standard library; time is always passed in. A test
// (TestDomainImportsNoIO) fails the build if that ever changes.
package domain
