package privacy

// PersonalEvent documents one event type that carries personal data, for
// the privacy page. TestEveryPersonalEventTypeIsDocumented keeps this list
// equal to what the codec seals: a new event type with a personal field and
// no entry here fails the build's tests.
type PersonalEvent struct {
	Type  string // the stored type name
	What  string // the personal data it holds
	Owner string // whose data it is, and so whose key seals it
}

// PersonalEvents are the event types whose personal data is sealed under a
// per-person key, in the order the privacy page lists them.
var PersonalEvents = []PersonalEvent{
	{"ticket.opened.v1", "the ticket's topic and the answers to its category's form", "the person who opened it, per ticket"},
	{"ticket.message_posted.v1", "a message's text, its author's name and avatar as shown, attachment names and links, embeds", "the message's author, per ticket"},
	{"ticket.attachment_archived.v1", "the SHA-256 of a file attached to a message; the file itself is archived in chunks sealed under the same key", "the message's author, per ticket"},
	{"ticket.message_edited.v1", "a message's new text and embeds (earlier versions stay in the transcript)", "the message's author, per ticket"},
	{"ticket.topic_corrected.v1", "a topic as staff corrected it, and the one it replaced", "the person who opened the ticket, per ticket"},
	{"ticket.renamed.v1", "the channel name typed, and the previous one", "the person who renamed, per ticket"},
	{"ticket.closed.v1", "the close reason", "the person who closed, per ticket"},
	{"ticket.rated.v1", "the comment given with a rating of a ticket", "the person who opened the ticket, per ticket"},
	{"ticket.close_requested.v1", "why staff asked to close", "the staff member who asked, per ticket"},
	{"ticket.note_added.v1", "a private staff note (never posted, never in a transcript; the opener's export says one exists)", "the staff member who wrote it, per ticket"},
	{"ticket.replied_from_dashboard.v1", "a reply staff wrote on the dashboard, and their name as the transcript shows it", "the staff member who wrote it, per ticket"},
	{"profile.observed.v1", "the user name, display name and avatar hash Discord showed", "the person, in their profile scope"},
}
