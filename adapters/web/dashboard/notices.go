package dashboard

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// notice is a banner a page shows after a form sends the browser back to
// it, named in the URL by a code (?done=claimed, ?refused=confirm-erase).
// Anyone can write a link to the dashboard, so only these sentences can
// appear: text from the URL is never shown, and an unknown code shows
// nothing. A refusal decided by the domain is shown on the answer to the
// form itself, not through the URL.
type notice string

const (
	noticeClaimed          notice = "claimed"
	noticeUnclaimed        notice = "unclaimed"
	noticeClosed           notice = "closed"
	noticeReopened         notice = "reopened"
	noticeTopic            notice = "topic-corrected"
	noticeCategory         notice = "category-changed"
	noticeStaffRoles       notice = "staff-roles-saved"
	noticeLimit            notice = "limit-saved"
	noticeRetention        notice = "retention-saved"
	noticeLogChannel       notice = "log-channel-saved"
	noticeThreadMode       notice = "thread-mode-saved"
	noticeAutoClose        notice = "auto-close-saved"
	noticeCloseOnLeave     notice = "close-on-leave-saved"
	noticeTranscriptDM     notice = "transcript-dm-saved"
	noticeFeedback         notice = "feedback-saved"
	noticeReminder         notice = "reminder-saved"
	noticeSupportHours     notice = "support-hours-saved"
	noticeCategoryAdded    notice = "category-added"
	noticeQuestionAdded    notice = "question-added"
	noticeCategoryRemoved  notice = "category-removed"
	noticeUserBlacklisted  notice = "user-blacklisted"
	noticeUserAllowed      notice = "user-unblacklisted"
	noticeRoleBlacklisted  notice = "role-blacklisted"
	noticeRoleAllowed      notice = "role-unblacklisted"
	noticeNoteAdded        notice = "note-added"
	noticeCooldown         notice = "cooldown-saved"
	noticeClaimMode        notice = "claim-mode-saved"
	noticeMessages         notice = "messages-saved"
	noticeCategoryLimit    notice = "category-limit-saved"
	noticeCategoryTeam     notice = "category-team-saved"
	noticeCategoryOverflow notice = "category-overflow-saved"
	noticeReplied          notice = "replied"
	noticeTagAdded         notice = "tag-added"
	noticePanelSaved       notice = "panel-saved"
	noticePanelRemoved     notice = "panel-removed"
	noticePanelPosted      notice = "panel-posted"
	noticeTagSaved         notice = "tag-saved"
	noticeTagRemoved       notice = "tag-removed"
	noticeProfileRefreshed notice = "profile-refreshed"
	noticeGuildErased      notice = "guild-erased"
	noticeLoggedOut        notice = "logged-out"
	noticeErased           notice = "erased"
	noticeConfirmErase     notice = "confirm-erase"
	noticeConfirmName      notice = "confirm-name"
)

// noticePriority is the notice for a priority just set.
func noticePriority(p string) notice { return notice("priority-" + p) }

type noticeText struct {
	text    string
	refused bool // shown as an error, under ?refused=
}

var notices = map[notice]noticeText{
	noticeClaimed:            {text: "Claimed."},
	noticeUnclaimed:          {text: "Unclaimed."},
	noticeClosed:             {text: "Closed."},
	noticeReopened:           {text: "Reopened."},
	noticeTopic:              {text: "Topic corrected."},
	noticeCategory:           {text: "Category changed."},
	noticePriority("low"):    {text: "Priority set to low."},
	noticePriority("normal"): {text: "Priority set to normal."},
	noticePriority("high"):   {text: "Priority set to high."},
	noticePriority("urgent"): {text: "Priority set to urgent."},
	noticeStaffRoles:         {text: "Staff roles saved."},
	noticeLimit:              {text: "Ticket limit saved."},
	noticeRetention:          {text: "Transcript retention saved."},
	noticeLogChannel:         {text: "Log channel saved."},
	noticeThreadMode:         {text: "Where new tickets are made saved. Tickets made before stay as they are."},
	noticeAutoClose:          {text: "Auto-close saved."},
	noticeCloseOnLeave:       {text: "Closing on leave saved."},
	noticeTranscriptDM:       {text: "Transcripts by direct message saved."},
	noticeFeedback:           {text: "Ratings setting saved."},
	noticeReminder:           {text: "Staff reminder saved."},
	noticeSupportHours:       {text: "Support hours saved."},
	noticeCategoryAdded:      {text: "Category added."},
	noticeNoteAdded:          {text: "Note added."},
	noticeCooldown:           {text: "Wait between opens saved."},
	noticeClaimMode:          {text: "Claim mode saved: it applies to claims from now on."},
	noticeMessages:           {text: "Messages saved: the next tickets use them."},
	noticeCategoryLimit:      {text: "Category limit saved."},
	noticeCategoryTeam:       {text: "Category team saved."},
	noticeCategoryOverflow:   {text: "Overflow categories saved."},
	noticeReplied:            {text: "Reply sent: the bot posts it in the ticket's channel in your name."},
	noticeTagAdded:           {text: "Tag added."},
	noticePanelSaved:         {text: "Panel saved: its posts on Discord follow."},
	noticePanelRemoved:       {text: "Panel removed (its posts stay on Discord until deleted there)."},
	noticePanelPosted:        {text: "The bot is posting the panel."},
	noticeTagSaved:           {text: "Tag saved."},
	noticeTagRemoved:         {text: "Tag removed."},
	noticeQuestionAdded:      {text: "Question added."},
	noticeCategoryRemoved:    {text: "Category removed."},
	noticeUserBlacklisted:    {text: "User blacklisted."},
	noticeUserAllowed:        {text: "User removed from the blacklist."},
	noticeRoleBlacklisted:    {text: "Role blacklisted."},
	noticeRoleAllowed:        {text: "Role removed from the blacklist."},
	noticeProfileRefreshed:   {text: "Your name and avatar were refreshed from Discord."},
	noticeGuildErased:        {text: "The personal data of this server's tickets was erased."},
	noticeLoggedOut:          {text: "You are logged out. Your session was deleted."},
	noticeErased:             {text: "Your data was erased: your keys are destroyed, your sessions deleted, and your messages show as erased."},
	noticeConfirmErase:       {text: "Type ERASE to confirm: nothing was deleted.", refused: true},
	noticeConfirmName:        {text: "Type the server's name to confirm: nothing was deleted.", refused: true},
}

// String is the notice's sentence ("" for an unknown code).
func (n notice) String() string { return notices[n].text }

// banners reads a page's banners from the URL's codes.
func banners(c *fiber.Ctx) (done, refused string) {
	if n, ok := notices[notice(c.Query("done"))]; ok && !n.refused {
		done = n.text
	}
	if n, ok := notices[notice(c.Query("refused"))]; ok && n.refused {
		refused = n.text
	}
	return done, refused
}

// back sends the browser to the page a form came from, with a notice.
func back(c *fiber.Ctx, to string, n notice) error {
	key := "done"
	if notices[n].refused {
		key = "refused"
	}
	return c.Redirect(to+"?"+url.Values{key: {string(n)}}.Encode(), fiber.StatusSeeOther)
}
