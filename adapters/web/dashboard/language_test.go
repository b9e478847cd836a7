package dashboard

import (
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ticketify/ticketify/internal/i18n"
)

// webKeys are the keys of the dashboard's catalogue, web.en.toml: a table of
// one/other forms is one key.
func webKeys(t *testing.T) []string {
	t.Helper()
	var doc map[string]any
	if _, err := toml.DecodeFile(filepath.Join("..", "..", "..", "internal", "i18n", "locales", "web.en.toml"), &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		if _, plural := m["other"]; plural {
			keys = append(keys, prefix)
			return
		}
		for k, v := range m {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			if sub, ok := v.(map[string]any); ok {
				walk(name, sub)
			} else {
				keys = append(keys, name)
			}
		}
	}
	walk("", doc)
	slices.Sort(keys)
	return keys
}

var keyLiteral = regexp.MustCompile(`"(web\.[a-z0-9_]+(?:\.[a-z0-9_]+)+)"`)

// The dashboard's code and templates ask only for keys its catalogue holds,
// and the catalogue holds no key they do not ask for.
func TestEveryWebKeyIsInTheCatalogueAndUsed(t *testing.T) {
	var source strings.Builder
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".go") && !strings.HasSuffix(f.Name(), "_test.go") {
			b, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			source.Write(b)
		}
	}
	err = fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, err := fs.ReadFile(templateFS, path)
			source.Write(b)
			return err
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range keyLiteral.FindAllStringSubmatch(source.String(), -1) {
		used[m[1]] = true
		if !i18n.Has(m[1]) {
			t.Errorf("%s is asked for but not in web.en.toml", m[1])
		}
	}
	keys := webKeys(t)
	for _, k := range keys {
		if !used[k] {
			t.Errorf("%s is in web.en.toml but nothing asks for it", k)
		}
	}
	if len(keys) < 300 {
		t.Fatalf("only %d keys: the catalogue was not read", len(keys))
	}
	t.Logf("%d keys", len(keys))
}

// Every shipped language renders every page's words without a template
// error, and a sentence's markup comes only from the page.
func TestWordsMarkupAndFormats(t *testing.T) {
	w := words{i18n.Of("de")}
	h := w.H("web.login.cookie", "Cookie", tagHTML("code", "", "<x>"), "Privacy", linkHTML("//evil.example", "a&b"))
	if !strings.Contains(string(h), `<code>&lt;x&gt;</code>`) || !strings.Contains(string(h), `<a href="/">a&amp;b</a>`) {
		t.Fatalf("H: %s", h)
	}
	if got := (words{}).H("web.timeline.because", "Reason", "<b>"); got != template.HTML("because: &lt;b&gt;") {
		t.Fatalf("a text placeholder is not escaped: %s", got)
	}
	if got := (words{}).H("web.ticket.closed_by_reason", "When", "now", "Who", "\ue0000\ue001", "Reason", tagHTML("q", "", "r")); got != template.HTML("now by 0: <q>r</q>") {
		t.Fatalf("text posed as markup: %s", got)
	}
	day := "2026-11-01"
	for tag, want := range map[string][2]string{"en": {"2026-11-01", "11-01"}, "de": {"01.11.2026", "01.11."}, "fr": {"01/11/2026", "01/11"}} {
		l := words{i18n.Of(tag)}
		if l.Day(day) != want[0] || l.ShortDay(day) != want[1] {
			t.Errorf("%s: %q %q, want %v", tag, l.Day(day), l.ShortDay(day), want)
		}
	}
	at := time.Date(2026, 11, 1, 18, 30, 0, 0, time.FixedZone("CET", 3600))
	if got := (words{}).Time(at); got != "2026-11-01 17:30 UTC" {
		t.Fatalf("English time %q, want the dashboard's format before localisation", got)
	}
	if got := (words{i18n.Of("de")}).Num(1234.5); got != "1.234,5" {
		t.Fatalf("German number %q", got)
	}
	if got := (words{}).Num(0.25); got != "0.25" {
		t.Fatalf("English number %q", got)
	}
}
