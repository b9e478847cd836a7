package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// The catalogues are complete, consistent and in use: every language has
// every key, the same placeholders and the plural forms it needs; the code
// asks for no key the catalogues lack and the catalogues hold no key the
// code does not ask for.

// sentence is one catalogue entry: a sentence, or its plural forms.
type sentence map[string]string // "" for a plain sentence, else one/other/…

// entries is one language's entries by key, over all its files.
type entries map[string]sentence

var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

func readCatalogues(t *testing.T) map[string]entries {
	t.Helper()
	names, err := fs.Glob(files, "locales/*.toml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no catalogues: %v", err)
	}
	out := map[string]entries{}
	for _, name := range names {
		parts := strings.Split(filepath.Base(name), ".")
		if len(parts) != 3 {
			t.Fatalf("%s: a catalogue is named <part>.<language>.toml", name)
		}
		lang := parts[1]
		if _, ok := Exactly(lang); !ok {
			t.Errorf("%s: %s is not a shipped language (i18n.Languages)", name, lang)
		}
		b, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := toml.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if out[lang] == nil {
			out[lang] = entries{}
		}
		flatten(t, name, "", raw, out[lang])
	}
	return out
}

func flatten(t *testing.T, file, prefix string, raw map[string]any, into entries) {
	for k, v := range raw {
		key := prefix + k
		switch v := v.(type) {
		case string:
			put(t, file, key, sentence{"": v}, into)
		case map[string]any:
			if isPlural(v) {
				m := sentence{}
				for form, s := range v {
					text, ok := s.(string)
					if !ok || !slices.Contains(pluralForms, form) {
						t.Errorf("%s: %s mixes plural forms with %q", file, key, form)
					}
					m[form] = text
				}
				put(t, file, key, m, into)
				continue
			}
			flatten(t, file, key+".", v, into)
		default:
			t.Errorf("%s: %s is a %T, not a sentence", file, key, v)
		}
	}
}

func isPlural(m map[string]any) bool {
	_, ok := m["other"].(string)
	return ok
}

func put(t *testing.T, file, key string, m sentence, into entries) {
	if _, ok := into[key]; ok {
		t.Errorf("%s: %s is defined twice in the language", file, key)
	}
	into[key] = m
}

func TestEveryLanguageHasEveryKey(t *testing.T) {
	all := readCatalogues(t)
	en := all["en"]
	if len(en) == 0 {
		t.Fatal("no English catalogue")
	}
	for _, l := range Languages()[1:] {
		lang := l.Tag()
		other := all[lang]
		var missing, extra []string
		for key := range en {
			if _, ok := other[key]; !ok {
				missing = append(missing, key)
			}
		}
		for key := range other {
			if _, ok := en[key]; !ok {
				extra = append(extra, key)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 {
			t.Errorf("%s lacks %d of English's %d keys: %s", lang, len(missing), len(en), short(missing))
		}
		if len(extra) > 0 {
			t.Errorf("%s has %d keys English does not: %s", lang, len(extra), short(extra))
		}
	}
}

func short(keys []string) string {
	if len(keys) > 12 {
		return strings.Join(keys[:12], ", ") + fmt.Sprintf(", … (%d more)", len(keys)-12)
	}
	return strings.Join(keys, ", ")
}

// placeholder is a sentence's one kind of template action: {{.Name}}.
var (
	action      = regexp.MustCompile(`{{[^}]*}}`)
	placeholder = regexp.MustCompile(`^{{\s*\.([A-Z][A-Za-z0-9]*)\s*}}$`)
)

func placeholders(t *testing.T, lang, key string, m sentence) map[string]bool {
	names := map[string]bool{}
	for _, text := range m {
		for _, a := range action.FindAllString(text, -1) {
			p := placeholder.FindStringSubmatch(a)
			if p == nil {
				t.Errorf("%s %s: %q is not a placeholder like {{.Name}} (no logic in sentences)", lang, key, a)
				continue
			}
			names[p[1]] = true
		}
	}
	return names
}

func TestPlaceholdersAgreeBetweenLanguages(t *testing.T) {
	all := readCatalogues(t)
	for key, m := range all["en"] {
		want := placeholders(t, "en", key, m)
		for _, l := range Languages()[1:] {
			lang := l.Tag()
			om, ok := all[lang][key]
			if !ok {
				continue // TestEveryLanguageHasEveryKey says so
			}
			got := placeholders(t, lang, key, om)
			if !sameSet(want, got) {
				t.Errorf("%s: English has placeholders %v, %s has %v", key, sorted(want), lang, sorted(got))
			}
			if (len(m) == 1 && m[""] != "") != (len(om) == 1 && om[""] != "") {
				t.Errorf("%s: a plural in one language and a plain sentence in %s", key, lang)
			}
			if len(om) > 1 {
				for _, form := range []string{"one", "other"} {
					if _, ok := om[form]; !ok {
						t.Errorf("%s: %s has no %q form", key, lang, form)
					}
				}
			}
			for form, text := range om {
				if strings.TrimSpace(text) == "" && strings.TrimSpace(m[form]) != "" {
					t.Errorf("%s: %s's %q is empty", key, lang, form)
				}
			}
		}
	}
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// keyShaped is a string literal that reads like a catalogue key.
var keyShaped = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-z0-9_-]+)+$`)

// repositoryRoot is the module's root, two folders up.
const repositoryRoot = "../.."

// source is what the program's source (tests excluded) and the dashboard's
// templates say about catalogue keys.
type source struct {
	seen    map[string][]string // every key-shaped string literal, where
	asked   map[string][]string // every key a lookup or a key-valued literal names, where
	calls   []lookup            // lookups whose key and placeholder names are literals
	unnamed []string            // refusals whose key is not a literal, where
}

// lookup is one call asking a catalogue for a sentence.
type lookup struct {
	key    string
	names  []string // the placeholders it fills
	plural bool     // N
	at     string
}

// keyParts are the first parts of every key: a key-shaped literal starting
// with one names a key, even in a map or an array (an event type such as
// "ticket.closed.v1" does not: it ends in its version).
func keyParts(en entries) map[string]bool {
	parts := map[string]bool{}
	for key := range en {
		first, _, _ := strings.Cut(key, ".")
		parts[first] = true
	}
	delete(parts, "cmd") // the commands' keys are their paths (adapters/discord's commands tests)
	return parts
}

var eventType = regexp.MustCompile(`\.v[0-9]+$`)

func readSource(t *testing.T, parts map[string]bool) source {
	src := source{seen: map[string][]string{}, asked: map[string][]string{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(repositoryRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != repositoryRoot || d.Name() == "testdata" || d.Name() == "testkit") {
			return filepath.SkipDir
		}
		switch {
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && keyShaped.MatchString(s) {
						at := fset.Position(n.Pos()).String()
						src.seen[s] = append(src.seen[s], at)
						if first, _, _ := strings.Cut(s, "."); parts[first] && !eventType.MatchString(s) {
							src.asked[s] = append(src.asked[s], at)
						}
					}
				case *ast.CallExpr:
					src.call(n, fset.Position(n.Pos()).String())
				}
				return true
			})
		case strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".tmpl"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
				src.seen[m[1]] = append(src.seen[m[1]], path)
			}
			for _, m := range templateLookup.FindAllStringSubmatch(string(b), -1) {
				src.asked[m[1]] = append(src.asked[m[1]], path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// templateKey is a quoted key-shaped string in a template; templateLookup
// one a template asks the catalogues for: {{.L.T "web.tickets.title"}}
// (T, N, or H, which writes a sentence around markup).
var (
	templateKey    = regexp.MustCompile(`"([a-z][a-z0-9]*(?:\.[a-z0-9_-]+)+)"`)
	templateLookup = regexp.MustCompile(`\b(?:T|N|H)\s+"([a-z][a-z0-9]*(?:\.[a-z0-9_-]+)+)"`)
)

// call records a catalogue lookup (T, N, H, Message, Translations) or a
// refusal (domain.Refuse, whose key must be a literal).
func (src *source) call(call *ast.CallExpr, at string) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	arg := 0
	switch sel.Sel.Name {
	case "T", "N", "H", "Message", "Translations":
	case "Refuse":
		arg = 1
	default:
		return
	}
	if len(call.Args) <= arg {
		return
	}
	key, ok := literal(call.Args[arg])
	if !ok || !keyShaped.MatchString(key) {
		if sel.Sel.Name == "Refuse" {
			src.unnamed = append(src.unnamed, at)
		}
		return
	}
	src.asked[key] = append(src.asked[key], at)
	first := arg + 1
	switch sel.Sel.Name {
	case "N":
		first++ // the count
	case "Message", "Translations":
		return // a map of values, or none
	}
	l := lookup{key: key, plural: sel.Sel.Name == "N", at: at}
	for i := first; i < len(call.Args); i += 2 {
		name, ok := literal(call.Args[i])
		if !ok {
			return // names not written out: not checked
		}
		l.names = append(l.names, name)
	}
	src.calls = append(src.calls, l)
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func TestTheCodeAsksOnlyForKeysTheCataloguesHave(t *testing.T) {
	en := readCatalogues(t)["en"]
	src := readSource(t, keyParts(en))
	var missing []string
	for key, where := range src.asked {
		if _, ok := en[key]; !ok {
			missing = append(missing, key+" ("+where[0]+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no catalogue has %s", m)
	}
	for _, at := range src.unnamed {
		t.Errorf("%s: a refusal whose key is not written out (domain.Refuse(kind, \"package.rule\", …))", at)
	}
}

// TestEveryLookupFillsItsSentence: a call fills exactly the placeholders its
// English sentence has ("<no value>" otherwise, or a value nobody reads),
// and asks for a number's form (N) exactly when the sentence has them.
func TestEveryLookupFillsItsSentence(t *testing.T) {
	en := readCatalogues(t)["en"]
	src := readSource(t, keyParts(en))
	if len(src.calls) < 100 {
		t.Fatalf("only %d lookups found: the source was not read", len(src.calls))
	}
	for _, c := range src.calls {
		m, ok := en[c.key]
		if !ok {
			continue // TestTheCodeAsksOnlyForKeysTheCataloguesHave says so
		}
		if plural := len(m) > 1 || m[""] == ""; plural != c.plural {
			t.Errorf("%s: %s is asked for with %s but %s", c.at, c.key, map[bool]string{true: "N", false: "T"}[c.plural],
				map[bool]string{true: "has a number's forms", false: "is one sentence"}[plural])
		}
		want := placeholders(t, "en", c.key, m)
		got := map[string]bool{}
		for _, n := range c.names {
			got[n] = true
		}
		if c.plural {
			got["Count"] = true
			if !want["Count"] {
				delete(got, "Count") // a form may leave the number out
			}
		}
		if !sameSet(want, got) {
			t.Errorf("%s: %s fills %v; its sentence has %v", c.at, c.key, sorted(got), sorted(want))
		}
	}
}

// TestEveryKeyIsUsed: a key no code or template names is a sentence nobody
// reads. The commands' keys are the commands' paths, not literals:
// adapters/discord's TestEveryCommandKeyIsACommand checks those.
func TestEveryKeyIsUsed(t *testing.T) {
	en := readCatalogues(t)["en"]
	seen := readSource(t, keyParts(en)).seen
	var unused []string
	for key := range en {
		if strings.HasPrefix(key, "cmd.") || key == "language.name" {
			continue
		}
		if _, ok := seen[key]; !ok {
			unused = append(unused, key)
		}
	}
	sort.Strings(unused)
	for _, k := range unused {
		t.Errorf("no code or template uses %s", k)
	}
}

func TestALanguageIsChosenFromWhatDiscordOrTheBrowserSays(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"de", "de"}, {"fr", "fr"}, {"es-ES", "es"}, {"es-419", "es"}, {"pt-BR", "pt-BR"},
		{"en-US", "en"}, {"en-GB", "en"}, {"ja", "en"}, {"", "en"}, {"not a tag!", "en"},
	} {
		if got := Of(c.in).Tag(); got != c.want {
			t.Errorf("Discord locale %q: %s, want %s", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"de-DE,de;q=0.9,en;q=0.8", "de"}, {"fr-CA,fr;q=0.9", "fr"}, {"pt", "pt-BR"}, {"es-MX", "es"},
		{"ja,zh;q=0.5", "en"}, {"", "en"}, {";;;", "en"}, {"en-US,de;q=0.5", "en"},
		{"de;q=abc,fr", "fr"}, {"x,de", "de"}, {"\xff\xfe, de", "de"},
	} {
		if got := OfAcceptLanguage(c.in).Tag(); got != c.want {
			t.Errorf("Accept-Language %q: %s, want %s", c.in, got, c.want)
		}
	}
	if _, ok := Exactly("pt"); ok {
		t.Error(`Exactly("pt") found a language: a choice names a shipped tag exactly`)
	}
}

func TestNumbersAndDatesInTheLanguagesFormat(t *testing.T) {
	de, en := Of("de"), Of("en")
	if got := de.Number(1234567); got != "1.234.567" {
		t.Errorf("German 1234567: %q", got)
	}
	if got := en.Number(1234567); got != "1,234,567" {
		t.Errorf("English 1234567: %q", got)
	}
	if got := de.Decimal(4.5, 1); got != "4,5" {
		t.Errorf("German 4.5: %q", got)
	}
	if got := Of("fr").Decimal(4.5, 1); got != "4,5" {
		t.Errorf("French 4.5: %q", got)
	}
	at := mustTime(t, "2026-12-01T09:05:00Z")
	if got := de.DateTime(at); got != "01.12.2026, 09:05 UTC" {
		t.Errorf("German date: %q", got)
	}
	if got := en.DateTime(at); got != "2026-12-01 09:05 UTC" {
		t.Errorf("English date: %q", got)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}
