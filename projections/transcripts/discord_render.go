package transcripts

import (
	"bytes"
	"strconv"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// discordRenderer renders what Discord renders differently from goldmark's
// HTML renderer, and the nodes goldmark has no renderer for. Discord shows a
// message as one run of text: a paragraph is not a <p>, a single newline is
// a line break, and every blank line is an empty line (separate). It writes
// only the elements, attributes and classes that policy allows.
type discordRenderer struct{}

var _ renderer.NodeRenderer = discordRenderer{}

// RegisterFuncs implements renderer.NodeRenderer.
func (r discordRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindParagraph, r.paragraph)
	reg.Register(ast.KindTextBlock, r.paragraph)
	reg.Register(ast.KindHeading, r.heading)
	reg.Register(ast.KindList, r.list)
	reg.Register(ast.KindListItem, r.element("li"))
	reg.Register(ast.KindText, r.text)
	reg.Register(ast.KindLink, r.link)
	reg.Register(ast.KindAutoLink, r.autoLink)
	reg.Register(kindQuote, r.quote)
	reg.Register(kindCodeBlock, r.code)
	reg.Register(kindInlineCodeBlock, r.code)
	reg.Register(kindUnderline, r.element("u"))
	reg.Register(kindSpoiler, r.span("spoiler"))
	reg.Register(kindMention, r.mention)
	reg.Register(kindEmoji, r.emoji)
	reg.Register(kindTimestamp, r.timestamp)
}

func (discordRenderer) paragraph(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		separate(w, source, n)
	}
	return ast.WalkContinue, nil
}

func (discordRenderer) heading(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	if entering {
		separate(w, source, n)
		_, _ = w.WriteString("<h" + strconv.Itoa(n.Level) + ">")
	} else {
		_, _ = w.WriteString("</h" + strconv.Itoa(n.Level) + ">")
	}
	return ast.WalkContinue, nil
}

func (discordRenderer) list(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.List)
	switch {
	case !entering && n.IsOrdered():
		_, _ = w.WriteString("</ol>")
	case !entering:
		_, _ = w.WriteString("</ul>")
	case n.IsOrdered() && n.Start != 1:
		separate(w, source, n)
		_, _ = w.WriteString(`<ol start="` + strconv.Itoa(n.Start) + `">`)
	case n.IsOrdered():
		separate(w, source, n)
		_, _ = w.WriteString("<ol>")
	default:
		separate(w, source, n)
		_, _ = w.WriteString("<ul>")
	}
	return ast.WalkContinue, nil
}

func (discordRenderer) quote(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		separate(w, source, n)
		_, _ = w.WriteString("<blockquote>")
	} else {
		_, _ = w.WriteString("</blockquote>")
	}
	return ast.WalkContinue, nil
}

// element renders a node as an element without attributes.
func (discordRenderer) element(tag string) renderer.NodeRendererFunc {
	open, closing := "<"+tag+">", "</"+tag+">"
	return func(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString(open)
		} else {
			_, _ = w.WriteString(closing)
		}
		return ast.WalkContinue, nil
	}
}

// span renders a node as a span of a class.
func (discordRenderer) span(class string) renderer.NodeRendererFunc {
	open := `<span class="` + class + `">`
	return func(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString(open)
		} else {
			_, _ = w.WriteString("</span>")
		}
		return ast.WalkContinue, nil
	}
}

// text writes a line of text and, as on Discord, a line break after it
// unless a code block beside it already breaks the line. Trailing spaces and
// a trailing backslash are not line breaks of their own on Discord: every
// newline is one.
func (discordRenderer) text(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Text)
	value := n.Segment.Value(source)
	if n.IsRaw() {
		writer.RawWrite(w, value)
	} else {
		writer.Write(w, value)
	}
	if n.HardLineBreak() && n.Segment.Stop < len(source) && source[n.Segment.Stop] == '\\' {
		_ = w.WriteByte('\\') // CommonMark's "\" line break: Discord shows the \
	}
	if n.SoftLineBreak() || n.HardLineBreak() {
		next, prev := n.NextSibling(), n.PreviousSibling()
		if (next == nil || next.Kind() != kindInlineCodeBlock) && (len(value) > 0 || prev == nil || prev.Kind() != kindInlineCodeBlock) {
			_, _ = w.WriteString("<br>\n")
		}
	}
	return ast.WalkContinue, nil
}

const linkAttributes = `" rel="noopener noreferrer nofollow" target="_blank">`

func (discordRenderer) link(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	href := webURL(n.Destination) // never "": linkParser keeps other links as text
	if href == "" {
		return ast.WalkContinue, nil
	}
	if entering {
		_, _ = w.WriteString(`<a href="`)
		writer.RawWrite(w, []byte(href))
		_, _ = w.WriteString(linkAttributes)
	} else {
		_, _ = w.WriteString("</a>")
	}
	return ast.WalkContinue, nil
}

func (discordRenderer) autoLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.AutoLink)
	if !entering {
		return ast.WalkContinue, nil
	}
	label := n.Label(source)
	href := webURL(n.URL(source)) // never "": the parsers take http(s) URLs only
	if href == "" {
		writer.RawWrite(w, label)
		return ast.WalkSkipChildren, nil
	}
	_, _ = w.WriteString(`<a href="`)
	writer.RawWrite(w, []byte(href))
	_, _ = w.WriteString(linkAttributes)
	writer.RawWrite(w, label)
	_, _ = w.WriteString("</a>")
	return ast.WalkSkipChildren, nil
}

func (discordRenderer) code(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	var language []byte
	var code *text.Segments
	switch n := node.(type) {
	case *codeBlock:
		separate(w, source, n)
		language, code = n.language, n.Lines()
	case *inlineCodeBlock:
		language, code = n.language, &n.code
	}
	_, _ = w.WriteString("<pre><code")
	if len(language) > 0 {
		_, _ = w.WriteString(` class="language-`)
		writer.RawWrite(w, language)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	for i := range code.Len() {
		line := code.At(i)
		writer.RawWrite(w, line.Value(source))
	}
	_, _ = w.WriteString("</code></pre>")
	return ast.WalkSkipChildren, nil
}

func (discordRenderer) mention(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(`<span class="mention">`)
		writer.RawWrite(w, []byte(node.(*mention).label))
		_, _ = w.WriteString("</span>")
	}
	return ast.WalkSkipChildren, nil
}

func (discordRenderer) emoji(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(`<span class="emoji">:`)
		writer.RawWrite(w, node.(*emoji).name)
		_, _ = w.WriteString(":</span>")
	}
	return ast.WalkSkipChildren, nil
}

// timestampLayouts are Discord's timestamp styles, in UTC (Discord shows
// the reader's time zone and language; a saved page has neither). A
// relative time (R) would be relative to whenever the page is read, so it
// shows as the date and time too.
var timestampLayouts = [256]string{
	't': "15:04 UTC",
	'T': "15:04:05 UTC",
	'd': "2006-01-02",
	'D': "2 January 2006",
	'f': "2 January 2006 15:04 UTC",
	'F': "Monday, 2 January 2006 15:04 UTC",
	'R': "2 January 2006 15:04 UTC",
}

func (discordRenderer) timestamp(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		n := node.(*timestamp)
		var b [64]byte
		_, _ = w.WriteString(`<time datetime="`)
		_, _ = w.Write(n.at.AppendFormat(b[:0], "2006-01-02T15:04:05Z"))
		_, _ = w.WriteString(`">`)
		_, _ = w.Write(n.at.AppendFormat(b[:0], timestampLayouts[n.style]))
		_, _ = w.WriteString("</time>")
	}
	return ast.WalkSkipChildren, nil
}

// separate writes the line breaks between a block and the one before it:
// one per blank line between them, and one more between two paragraphs,
// which are lines of text (a heading, list, quote or code block breaks the
// line itself).
func separate(w util.BufWriter, source []byte, n ast.Node) {
	prev := n.PreviousSibling()
	if prev == nil {
		return
	}
	start, end := n.Pos(), blockEnd(prev)
	if start < 0 || end < 0 || end > start {
		return
	}
	breaks := bytes.Count(source[end:start], []byte{'\n'}) - 1
	if isParagraph(prev) && isParagraph(n) {
		breaks++
	}
	for range breaks {
		_, _ = w.WriteString("<br>\n")
	}
}

func isParagraph(n ast.Node) bool {
	return n.Kind() == ast.KindParagraph || n.Kind() == ast.KindTextBlock
}

// blockEnd is where a block's last line ends in the source.
func blockEnd(n ast.Node) int {
	for n != nil {
		if c, ok := n.(*codeBlock); ok && c.end > 0 {
			return c.end
		}
		if lines := n.Lines(); lines.Len() > 0 {
			return lines.At(lines.Len() - 1).Stop
		}
		if n.LastChild() == nil {
			return n.Pos()
		}
		n = n.LastChild()
	}
	return -1
}

// writer writes text as Discord shows it: a backslash escapes punctuation,
// but HTML character references are text (Discord shows "&amp;" as typed,
// where CommonMark would show "&"), and NUL becomes U+FFFD.
var writer html.Writer = textWriter{}

type textWriter struct{}

var replacement = []byte("\ufffd")

// Write writes text with its backslash escapes applied.
func (t textWriter) Write(w util.BufWriter, source []byte) {
	n := 0
	for i := 0; i < len(source); i++ {
		if source[i] == '\\' && i+1 < len(source) && util.IsPunct(source[i+1]) {
			t.RawWrite(w, source[n:i])
			n = i + 1
			i++
		}
	}
	t.RawWrite(w, source[n:])
}

// RawWrite writes text as it is, escaped for HTML.
func (textWriter) RawWrite(w util.BufWriter, source []byte) {
	n := 0
	for i, c := range source {
		var esc []byte
		if c == 0 {
			esc = replacement
		} else if esc = util.EscapeHTMLByte(c); esc == nil {
			continue
		}
		_, _ = w.Write(source[n:i])
		_, _ = w.Write(esc)
		n = i + 1
	}
	_, _ = w.Write(source[n:])
}

// SecureWrite writes source with NUL replaced (it is not escaped for HTML:
// goldmark uses it for what it has escaped already).
func (textWriter) SecureWrite(w util.BufWriter, source []byte) {
	html.DefaultWriter.SecureWrite(w, source)
}
