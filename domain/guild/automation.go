package guild

import (
	"fmt"
	"maps"
	"time"

	"github.com/ticketify/ticketify/domain"
)

// Bounds of the auto-close rule.
const (
	MinAutoCloseAfter = time.Hour
	MaxAutoCloseAfter = 30 * 24 * time.Hour
	// DefaultWarnBefore is how long before closing the warning is posted,
	// unless the period is shorter than twice that (then half the period).
	DefaultWarnBefore = 24 * time.Hour
)

// AutoClose is when an inactive ticket closes by itself: After without a
// message from its opener (zero: never). A warning with a "Keep open"
// button comes WarnBefore earlier (zero: the default). With OnlyWaiting,
// only tickets waiting on the opener close: the last message is not theirs.
type AutoClose struct {
	AfterMinutes      int  `bson:"after_minutes" json:"after_minutes"`
	WarnBeforeMinutes int  `bson:"warn_before_minutes,omitempty" json:"warn_before_minutes,omitempty"`
	OnlyWaiting       bool `bson:"only_waiting,omitempty" json:"only_waiting,omitempty"`
}

// Enabled reports whether the rule closes anything.
func (a AutoClose) Enabled() bool { return a.AfterMinutes > 0 }

// After is the inactivity period.
func (a AutoClose) After() time.Duration { return time.Duration(a.AfterMinutes) * time.Minute }

// WarnBefore is how long before closing the warning comes: as set, or 24 h,
// or half the period when that is shorter than 48 h.
func (a AutoClose) WarnBefore() time.Duration {
	if a.WarnBeforeMinutes > 0 {
		return time.Duration(a.WarnBeforeMinutes) * time.Minute
	}
	return min(DefaultWarnBefore, a.After()/2)
}

// String says the rule in words: "after 72 h (warning 24 h before)".
func (a AutoClose) String() string {
	if !a.Enabled() {
		return "off"
	}
	s := fmt.Sprintf("after %s without a message from the opener (warning %s before)", Hours(a.After()), Hours(a.WarnBefore()))
	if a.OnlyWaiting {
		s += ", only when the last message is not the opener's"
	}
	return s
}

// Hours writes a period the way people say it: "72 h", "90 min", "1 h 30 min".
func Hours(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	default:
		return fmt.Sprintf("%d h %d min", h, m)
	}
}

func (a AutoClose) validate() error {
	if !a.Enabled() {
		if a.AfterMinutes < 0 || a.WarnBeforeMinutes != 0 || a.OnlyWaiting {
			return domain.Refuse(domain.ErrInvalid, "guild.auto_close_off_with_options")
		}
		return nil
	}
	if a.After() < MinAutoCloseAfter || a.After() > MaxAutoCloseAfter {
		return domain.Refuse(domain.ErrInvalid, "guild.auto_close_period_out_of_range", "Min", MinAutoCloseAfter, "MaxDays", int(MaxAutoCloseAfter/(24*time.Hour)))
	}
	if a.WarnBeforeMinutes < 0 || a.WarnBefore() >= a.After() {
		return domain.Refuse(domain.ErrInvalid, "guild.auto_close_warning_too_late")
	}
	return nil
}

// AutoCloseSet records the auto-close rule of the server (Category empty)
// or a category's own rule. Inherit removes a category's own rule: its
// tickets follow the server's again.
type AutoCloseSet struct {
	Guild    domain.GuildID `json:"guild"`
	Category string         `json:"category,omitempty"`
	Rule     AutoClose      `json:"rule"`
	Inherit  bool           `json:"inherit,omitempty"`
	Previous AutoClose      `json:"previous"`
}

// TranscriptDMSet records whether the opener of a ticket gets its
// transcript by direct message when it closes.
type TranscriptDMSet struct {
	Guild   domain.GuildID `json:"guild"`
	Enabled bool           `json:"enabled"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (TranscriptDMSet) EventType() string { return "guild.transcript_dm_set.v1" }

// CloseOnLeaveSet records whether a member leaving the server closes the
// tickets they opened.
type CloseOnLeaveSet struct {
	Guild   domain.GuildID `json:"guild"`
	Enabled bool           `json:"enabled"`
}

// Feedback is whether the opener is asked to rate a ticket when it closes,
// and where.
type Feedback struct {
	Enabled bool
	// ByDM asks by direct message rather than in the ticket's channel. When
	// the opener does not accept direct messages from the bot, the failure
	// is recorded on the ticket and the question is asked in the channel.
	ByDM bool
}

// String says the setting the way /setup show and the timeline do.
func (f Feedback) String() string {
	switch {
	case !f.Enabled:
		return "off"
	case f.ByDM:
		return "on, by direct message"
	}
	return "on, in the ticket's channel"
}

// FeedbackSet records whether the opener is asked to rate a ticket when it
// closes, and where (ByDM arrived later: older events ask in the channel).
type FeedbackSet struct {
	Guild   domain.GuildID `json:"guild"`
	Enabled bool           `json:"enabled"`
	ByDM    bool           `json:"by_dm,omitempty"`
}

// Feedback returns the setting the event sets.
func (e FeedbackSet) Feedback() Feedback {
	return Feedback{Enabled: e.Enabled, ByDM: e.Enabled && e.ByDM}
}

// WARNING: these names are stored; never change them.
func (FeedbackSet) EventType() string     { return "guild.feedback_set.v1" }
func (AutoCloseSet) EventType() string    { return "guild.auto_close_set.v1" }
func (CloseOnLeaveSet) EventType() string { return "guild.close_on_leave_set.v1" }

// AutoCloseRules are a server's auto-close rules: its own and its
// categories' own. The settings fold them, and so does the timers
// projection, which schedules from them without loading the settings.
type AutoCloseRules struct {
	Server     AutoClose            `bson:"server" json:"server"`
	ByCategory map[string]AutoClose `bson:"by_category,omitempty" json:"by_category,omitempty"`
	// RemindAfterMinutes is the staff reminder (0: none): ping the staff
	// roles once when a ticket has waited this long for a staff answer.
	RemindAfterMinutes int `bson:"remind_after,omitempty" json:"remind_after,omitempty"`
}

// Automation is what happens by itself to a ticket of one category: its
// auto-close rule and the server's staff reminder.
type Automation struct {
	AutoClose   AutoClose
	RemindAfter time.Duration // 0: no reminder
}

// Automation returns what a ticket of a category follows.
func (r AutoCloseRules) Automation(category string) Automation {
	return Automation{AutoClose: r.For(category), RemindAfter: time.Duration(r.RemindAfterMinutes) * time.Minute}
}

// Bounds of the staff reminder.
const (
	MinReminder = 5 * time.Minute
	MaxReminder = 7 * 24 * time.Hour
)

// ReminderSet records the staff reminder: after how many minutes without a
// staff answer the staff roles are pinged in the ticket (0: off).
type ReminderSet struct {
	Guild        domain.GuildID `json:"guild"`
	AfterMinutes int            `json:"after_minutes"`
	Previous     int            `json:"previous"`
}

// EventType implements domain.Event.
// WARNING: the name is stored; never change it.
func (ReminderSet) EventType() string { return "guild.reminder_set.v1" }

// Reminder returns the staff reminder's delay, zero when off.
func (s Settings) Reminder() time.Duration {
	return time.Duration(s.automation.rules.RemindAfterMinutes) * time.Minute
}

// AutomationFor returns what a ticket of a category follows.
func (s Settings) AutomationFor(category string) Automation {
	return s.automation.rules.Automation(category)
}

// SetReminder sets the staff reminder (0 minutes: off).
func (s Settings) SetReminder(by Member, minutes int) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	d := time.Duration(minutes) * time.Minute
	if minutes != 0 && (d < MinReminder || d > MaxReminder) {
		return nil, domain.Refuse(domain.ErrInvalid, "guild.reminder_out_of_range")
	}
	if minutes == s.automation.rules.RemindAfterMinutes {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.reminder_unchanged")
	}
	return []domain.Event{ReminderSet{Guild: s.id, AfterMinutes: minutes, Previous: s.automation.rules.RemindAfterMinutes}}, nil
}

// With folds one event of the guild's stream.
func (r AutoCloseRules) With(e domain.Event) AutoCloseRules {
	switch e := e.(type) {
	case AutoCloseSet:
		if e.Category == "" {
			r.Server = e.Rule
			return r
		}
		r.ByCategory = maps.Clone(r.ByCategory)
		if r.ByCategory == nil {
			r.ByCategory = map[string]AutoClose{}
		}
		if e.Inherit {
			delete(r.ByCategory, e.Category)
		} else {
			r.ByCategory[e.Category] = e.Rule
		}
	case ReminderSet:
		r.RemindAfterMinutes = e.AfterMinutes
	case CategoryRemoved:
		if _, ok := r.ByCategory[e.Previous.Key]; ok {
			r.ByCategory = maps.Clone(r.ByCategory)
			delete(r.ByCategory, e.Previous.Key)
		}
	}
	return r
}

// For returns the rule a ticket of a category follows: the category's own,
// or else the server's.
func (r AutoCloseRules) For(category string) AutoClose {
	if own, ok := r.ByCategory[category]; ok {
		return own
	}
	return r.Server
}

// automation is the part of Settings this file folds.
type automation struct {
	rules        AutoCloseRules
	closeOnLeave bool
	transcriptDM bool
	feedback     Feedback
}

func (a automation) apply(e domain.Event) automation {
	a.rules = a.rules.With(e)
	switch e := e.(type) {
	case CloseOnLeaveSet:
		a.closeOnLeave = e.Enabled
	case TranscriptDMSet:
		a.transcriptDM = e.Enabled
	case FeedbackSet:
		a.feedback = e.Feedback()
	}
	return a
}

// AutoClose returns the server's own auto-close rule.
func (s Settings) AutoClose() AutoClose { return s.automation.rules.Server }

// AutoCloseRules returns the server's and its categories' rules.
func (s Settings) AutoCloseRules() AutoCloseRules { return s.automation.rules }

// CategoryAutoClose returns a category's own rule, if it has one.
func (s Settings) CategoryAutoClose(category string) (AutoClose, bool) {
	r, ok := s.automation.rules.ByCategory[category]
	return r, ok
}

// AutoCloseFor returns the rule a ticket of a category follows: the
// category's own, or else the server's.
func (s Settings) AutoCloseFor(category string) AutoClose { return s.automation.rules.For(category) }

// CloseOnLeave reports whether a member leaving closes their tickets.
func (s Settings) CloseOnLeave() bool { return s.automation.closeOnLeave }

// SetAutoClose sets the server's auto-close rule (category empty) or a
// category's own.
func (s Settings) SetAutoClose(by Member, category string, rule AutoClose) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if err := rule.validate(); err != nil {
		return nil, err
	}
	prev := s.automation.rules.Server
	if category != "" {
		if _, ok := s.Category(category); !ok {
			return nil, domain.Refuse(domain.ErrNotFound, "guild.category_unknown", "Category", category)
		}
		prev = s.AutoCloseFor(category) // what its tickets followed
		if _, own := s.CategoryAutoClose(category); own && prev == rule {
			return nil, domain.Refuse(domain.ErrUnchanged, "guild.category_auto_close_unchanged", "Category", category)
		}
	} else if prev == rule {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.auto_close_unchanged")
	}
	return []domain.Event{AutoCloseSet{Guild: s.id, Category: category, Rule: rule, Previous: prev}}, nil
}

// InheritAutoClose removes a category's own auto-close rule.
func (s Settings) InheritAutoClose(by Member, category string) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	prev, own := s.CategoryAutoClose(category)
	if !own {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.category_auto_close_inherited", "Category", category)
	}
	return []domain.Event{AutoCloseSet{Guild: s.id, Category: category, Inherit: true, Rule: s.automation.rules.Server, Previous: prev}}, nil
}

// Feedback reports whether openers are asked to rate their closed
// tickets, and where.
func (s Settings) Feedback() Feedback { return s.automation.feedback }

// SetFeedback sets whether openers are asked to rate their closed tickets,
// and where (asking nobody, it asks nowhere).
func (s Settings) SetFeedback(by Member, f Feedback) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	f.ByDM = f.Enabled && f.ByDM
	if s.automation.feedback == f {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.setting_unchanged")
	}
	return []domain.Event{FeedbackSet{Guild: s.id, Enabled: f.Enabled, ByDM: f.ByDM}}, nil
}

// TranscriptDM reports whether openers get their transcript by direct
// message when their ticket closes.
func (s Settings) TranscriptDM() bool { return s.automation.transcriptDM }

// SetTranscriptDM sets whether openers get their transcript by direct
// message when their ticket closes.
func (s Settings) SetTranscriptDM(by Member, enabled bool) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if s.automation.transcriptDM == enabled {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.setting_unchanged")
	}
	return []domain.Event{TranscriptDMSet{Guild: s.id, Enabled: enabled}}, nil
}

// SetCloseOnLeave sets whether a member leaving closes their tickets.
func (s Settings) SetCloseOnLeave(by Member, enabled bool) ([]domain.Event, error) {
	if err := s.mayConfigure(by); err != nil {
		return nil, err
	}
	if s.automation.closeOnLeave == enabled {
		return nil, domain.Refuse(domain.ErrUnchanged, "guild.setting_unchanged")
	}
	return []domain.Event{CloseOnLeaveSet{Guild: s.id, Enabled: enabled}}, nil
}
