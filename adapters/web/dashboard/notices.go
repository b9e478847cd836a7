package dashboard

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/ticketify/ticketify/internal/i18n"
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
	noticeLanguage         notice = "language-saved"
)

// noticePriority is the notice for a priority just set.
func noticePriority(p string) notice { return notice("priority-" + p) }

type noticeText struct {
	key     string // its sentence in the catalogue
	refused bool   // shown as an error, under ?refused=
}

var notices = map[notice]noticeText{
	noticeClaimed:            {key: "web.notices.claimed"},
	noticeUnclaimed:          {key: "web.notices.unclaimed"},
	noticeClosed:             {key: "web.notices.closed"},
	noticeReopened:           {key: "web.notices.reopened"},
	noticeTopic:              {key: "web.notices.topic"},
	noticeCategory:           {key: "web.notices.category"},
	noticePriority("low"):    {key: "web.notices.priority_low"},
	noticePriority("normal"): {key: "web.notices.priority_normal"},
	noticePriority("high"):   {key: "web.notices.priority_high"},
	noticePriority("urgent"): {key: "web.notices.priority_urgent"},
	noticeStaffRoles:         {key: "web.notices.staff_roles"},
	noticeLimit:              {key: "web.notices.limit"},
	noticeRetention:          {key: "web.notices.retention"},
	noticeLogChannel:         {key: "web.notices.log_channel"},
	noticeThreadMode:         {key: "web.notices.thread_mode"},
	noticeAutoClose:          {key: "web.notices.auto_close"},
	noticeCloseOnLeave:       {key: "web.notices.close_on_leave"},
	noticeTranscriptDM:       {key: "web.notices.transcript_dm"},
	noticeFeedback:           {key: "web.notices.feedback"},
	noticeReminder:           {key: "web.notices.reminder"},
	noticeSupportHours:       {key: "web.notices.support_hours"},
	noticeCategoryAdded:      {key: "web.notices.category_added"},
	noticeNoteAdded:          {key: "web.notices.note_added"},
	noticeCooldown:           {key: "web.notices.cooldown"},
	noticeClaimMode:          {key: "web.notices.claim_mode"},
	noticeMessages:           {key: "web.notices.messages"},
	noticeCategoryLimit:      {key: "web.notices.category_limit"},
	noticeCategoryTeam:       {key: "web.notices.category_team"},
	noticeCategoryOverflow:   {key: "web.notices.category_overflow"},
	noticeReplied:            {key: "web.notices.replied"},
	noticeTagAdded:           {key: "web.notices.tag_added"},
	noticePanelSaved:         {key: "web.notices.panel_saved"},
	noticePanelRemoved:       {key: "web.notices.panel_removed"},
	noticePanelPosted:        {key: "web.notices.panel_posted"},
	noticeTagSaved:           {key: "web.notices.tag_saved"},
	noticeTagRemoved:         {key: "web.notices.tag_removed"},
	noticeQuestionAdded:      {key: "web.notices.question_added"},
	noticeCategoryRemoved:    {key: "web.notices.category_removed"},
	noticeUserBlacklisted:    {key: "web.notices.user_blacklisted"},
	noticeUserAllowed:        {key: "web.notices.user_allowed"},
	noticeRoleBlacklisted:    {key: "web.notices.role_blacklisted"},
	noticeRoleAllowed:        {key: "web.notices.role_allowed"},
	noticeProfileRefreshed:   {key: "web.notices.profile_refreshed"},
	noticeGuildErased:        {key: "web.notices.guild_erased"},
	noticeLoggedOut:          {key: "web.notices.logged_out"},
	noticeErased:             {key: "web.notices.erased"},
	noticeConfirmErase:       {key: "web.notices.confirm_erase", refused: true},
	noticeConfirmName:        {key: "web.notices.confirm_name", refused: true},
	noticeLanguage:           {key: "web.notices.language"},
}

// String is the notice's sentence in English, as the API says it ("" for
// an unknown code).
func (n notice) String() string { return n.In(i18n.English()) }

// In is the notice's sentence in l ("" for an unknown code).
func (n notice) In(l i18n.Locale) string {
	t, ok := notices[n]
	if !ok {
		return ""
	}
	return l.T(t.key)
}

// banners reads a page's banners from the URL's codes, in the reader's
// language.
func banners(c *fiber.Ctx) (done, refused string) {
	l := localeOf(c)
	if n, ok := notices[notice(c.Query("done"))]; ok && !n.refused {
		done = l.T(n.key)
	}
	if n, ok := notices[notice(c.Query("refused"))]; ok && n.refused {
		refused = l.T(n.key)
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
