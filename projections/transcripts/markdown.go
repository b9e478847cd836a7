package transcripts

import (
	"bufio"
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// discordMarkdown turns a message's content into HTML the way Discord shows
// it (discordFlavour). Built once: goldmark's parser and renderer are safe
// for concurrent use.
var discordMarkdown = goldmark.New(
	goldmark.WithParser(parser.NewParser()),
	goldmark.WithRenderer(renderer.NewRenderer(renderer.WithNodeRenderers(
		util.Prioritized(html.NewRenderer(html.WithWriter(writer)), 1000)))),
	goldmark.WithExtensions(discordFlavour{}),
)

// policy allows exactly the markup discordRenderer and goldmark write (and
// bluemonday's own rel and target on links): whatever a bug in a parser or
// renderer let through, a message cannot add an element, an attribute, a
// class or a link of its own.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("strong", "em", "u", "del", "br", "pre", "code", "blockquote", "h1", "h2", "h3", "ul", "ol", "li")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+.#-]{1,32}$`)).OnElements("code")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(mention|spoiler|emoji)$`)).OnElements("span")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	p.AllowAttrs("datetime").Matching(regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`)).OnElements("time")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^noopener noreferrer nofollow$`)).OnElements("a")
	p.AllowAttrs("target").Matching(regexp.MustCompile(`^_blank$`)).OnElements("a")
	p.AllowURLSchemes("http", "https")
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// scratch is one rendering's buffers, reused.
type scratch struct {
	html, out bytes.Buffer
	w         *bufio.Writer
	src       []byte
	in        bytes.Reader
}

var scratches = sync.Pool{New: func() any {
	s := &scratch{}
	s.w = bufio.NewWriter(&s.html)
	return s
}}

// markdown renders a message's content as Discord shows it, with the people
// it mentions named by who, as sanitized HTML.
func markdown(s string, who func(id string) string) template.HTML {
	if plain(s) {
		return template.HTML(escape(s)) //nolint:gosec // escaped text
	}
	return template.HTML(render(s, who)) //nolint:gosec // sanitized by policy
}

// render is markdown without the shortcut for plain text: goldmark, then
// the sanitizer.
func render(s string, who func(id string) string) string {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.html.Reset()
	sc.out.Reset()
	sc.w.Reset(&sc.html)
	sc.src = append(sc.src[:0], s...)
	pc := parser.NewContext()
	pc.Set(namesKey, who)
	if err := discordMarkdown.Convert(sc.src, sc.w, parser.WithContext(pc)); err != nil {
		return escape(s)
	}
	sc.in.Reset(sc.html.Bytes())
	if err := policy.SanitizeReaderToWriter(&sc.in, &sc.out); err != nil {
		return escape(s)
	}
	return sc.out.String()
}

// markup are the bytes that can start Discord syntax somewhere in a line,
// or that goldmark trims.
var markup = func() (m [256]bool) {
	for _, c := range []byte("*_~|`<>[]\\\n\r\t\v\f") {
		m[c] = true
	}
	return m
}()

// plain reports whether s is text without any Discord syntax: one line, no
// markup bytes, no URL, not starting like a heading, quote or list and not
// ending in a space. Most messages are; they are only escaped, with the
// same result as the full pass (a test compares them).
func plain(s string) bool {
	if s == "" {
		return true
	}
	if c := s[0]; c == '#' || c == '-' || c == '+' || c == ' ' || '0' <= c && c <= '9' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if markup[s[i]] {
			return false
		}
	}
	return !strings.Contains(s, "://")
}

// escaper escapes text as the sanitizer writes it.
var escaper = strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "\x00", "\ufffd")

func escape(s string) string { return escaper.Replace(s) }

// Markdown renders text as Discord shows it (mentions as their ids), as
// sanitized HTML: for previews of what the bot will post.
func Markdown(s string) template.HTML {
	return markdown(s, func(id string) string { return id })
}
