package i18n

import (
	"fmt"
	"testing"
)

// BenchmarkSentence compares a localized sentence with one placeholder with
// the fmt.Sprintf it replaced (docs/BENCHMARKS.md, "Localized replies").
func BenchmarkSentence(b *testing.B) {
	b.Run("sprintf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = fmt.Sprintf("Ticketify now speaks %s in this server's channels; each member's answers stay in their own language.", "Deutsch")
		}
	})
	for _, tag := range []string{"en", "de"} {
		l := Of(tag)
		b.Run("localized-"+tag, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = l.T("bot.setup.language_set", "Language", "Deutsch")
			}
		})
	}
	b.Run("choose-locale", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Of("pt-BR")
		}
	})
}
