package ticket

import "github.com/ticketify/ticketify/domain"

// action is what someone asks of a ticket, for the refusals that name it:
// the ticket is closed, they are not staff, someone else's claim keeps them
// off. Each action has a sentence of its own in each of those refusals (a
// language words the whole sentence, not a verb put into one).
type action int

const (
	actAddMember action = iota + 1
	actAddNote
	actAnswerCloseRequest
	actAskToClose
	actChangeCategory
	actClaim
	actClose
	actCorrectTopic
	actKeepOpen
	actPostTag
	actPrioritise
	actRemoveMember
	actRename
	actReopen
	actReply
	actTransfer
	actUnclaim
)

// closedRefusal refuses an action on a closed ticket.
func (t Ticket) closedRefusal(a action) error {
	switch a {
	case actAddMember:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_add_member", "Number", t.number)
	case actAnswerCloseRequest:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_answer_close_request", "Number", t.number)
	case actAskToClose:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_ask_to_close", "Number", t.number)
	case actClaim:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_claim", "Number", t.number)
	case actKeepOpen:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_keep_open", "Number", t.number)
	case actPostTag:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_post_tag", "Number", t.number)
	case actPrioritise:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_prioritise", "Number", t.number)
	case actRemoveMember:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_remove_member", "Number", t.number)
	case actRename:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_rename", "Number", t.number)
	case actTransfer:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_transfer", "Number", t.number)
	case actUnclaim:
		return domain.Refuse(domain.ErrConflict, "ticket.closed_cannot_unclaim", "Number", t.number)
	}
	return domain.Refuse(domain.ErrConflict, "ticket.already_closed", "Number", t.number)
}

// notStaffRefusal refuses an action to someone who is not staff for the
// ticket's category.
func notStaffRefusal(a action) error {
	switch a {
	case actAddMember:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_add_member")
	case actAddNote:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_add_note")
	case actAskToClose:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_ask_to_close")
	case actChangeCategory:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_change_category")
	case actClaim:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_claim")
	case actCorrectTopic:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_correct_topic")
	case actPostTag:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_post_tag")
	case actPrioritise:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_prioritise")
	case actRemoveMember:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_remove_member")
	case actRename:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_rename")
	case actReply:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_reply")
	case actTransfer:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_transfer")
	case actUnclaim:
		return domain.Refuse(domain.ErrForbidden, "ticket.not_staff_unclaim")
	}
	return domain.Refuse(domain.ErrForbidden, "ticket.not_staff")
}

// claimedRefusal refuses an action to staff whom the ticket's restricting
// claim keeps off.
func (t Ticket) claimedRefusal(a action) error {
	switch a {
	case actAddMember:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_add_member", "Claimer", t.claimer)
	case actAskToClose:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_ask_to_close", "Claimer", t.claimer)
	case actChangeCategory:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_change_category", "Claimer", t.claimer)
	case actClose:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_close", "Claimer", t.claimer)
	case actCorrectTopic:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_correct_topic", "Claimer", t.claimer)
	case actPostTag:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_post_tag", "Claimer", t.claimer)
	case actPrioritise:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_prioritise", "Claimer", t.claimer)
	case actRemoveMember:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_remove_member", "Claimer", t.claimer)
	case actRename:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_rename", "Claimer", t.claimer)
	case actReopen:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_reopen", "Claimer", t.claimer)
	case actReply:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_reply", "Claimer", t.claimer)
	case actTransfer:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_transfer", "Claimer", t.claimer)
	case actUnclaim:
		return domain.Refuse(domain.ErrForbidden, "ticket.claimed_cannot_unclaim", "Claimer", t.claimer)
	}
	return domain.Refuse(domain.ErrForbidden, "ticket.claimed_by_other_only", "Claimer", t.claimer)
}
