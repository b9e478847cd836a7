package transcripts

import (
	"bytes"
	"net/url"
	"strconv"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// discordFlavour is Discord's message Markdown as a goldmark extension. It is
// meant for a parser with no parsers of its own (parser.NewParser()): it adds
// goldmark's CommonMark parsers where Discord agrees with CommonMark (lists,
// code spans, * emphasis, masked links, <https://…> links, bare http(s) URLs,
// ~~ strikethrough) and its own where Discord differs or goldmark has nothing
// (headings, ``` code blocks, quotes, paragraphs, _ and __, spoilers,
// mentions, custom emoji and timestamps). What Discord does not render is
// left out, so it stays text: raw HTML, images, tables, setext headings,
// thematic breaks, indented code blocks and link reference definitions.
type discordFlavour struct{}

var _ goldmark.Extender = discordFlavour{}

// Extend implements goldmark.Extender.
func (discordFlavour) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(
		parser.WithBlockParsers(
			util.Prioritized(parser.NewListParser(), 300),
			util.Prioritized(parser.NewListItemParser(), 400),
			util.Prioritized(headingParser{}, 600),
			util.Prioritized(fenceParser{}, 700),
			util.Prioritized(quoteParser{}, 800),
			util.Prioritized(paragraphParser{parser.NewParagraphParser()}, 1000),
		),
		parser.WithInlineParsers(
			util.Prioritized(inlineFenceParser{}, 90),
			util.Prioritized(parser.NewCodeSpanParser(), 100),
			util.Prioritized(newLinkParser(), 200),
			util.Prioritized(tokenParser{}, 250),
			util.Prioritized(autoLinkParser{parser.NewAutoLinkParser()}, 300),
			util.Prioritized(starParser{parser.NewEmphasisParser()}, 500),
			util.Prioritized(delimiterParser{underscores}, 500),
			util.Prioritized(delimiterParser{spoilers}, 500),
			util.Prioritized(strikethroughParser{extension.NewStrikethroughParser()}, 500),
			util.Prioritized(linkifyParser{extension.NewLinkifyParser(
				extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}))}, 999),
		),
	)
	m.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(extension.NewStrikethroughHTMLRenderer(), 500),
		util.Prioritized(discordRenderer{}, 100),
	))
}

// namesKey holds, in a parse's context, the func(user id) string that names
// the people mentioned.
var namesKey = parser.NewContextKey()

// Nodes goldmark has no equivalent for.
var (
	kindQuote           = ast.NewNodeKind("DiscordQuote")
	kindCodeBlock       = ast.NewNodeKind("DiscordCodeBlock")
	kindInlineCodeBlock = ast.NewNodeKind("DiscordInlineCodeBlock")
	kindUnderline       = ast.NewNodeKind("DiscordUnderline")
	kindSpoiler         = ast.NewNodeKind("DiscordSpoiler")
	kindMention         = ast.NewNodeKind("DiscordMention")
	kindEmoji           = ast.NewNodeKind("DiscordEmoji")
	kindTimestamp       = ast.NewNodeKind("DiscordTimestamp")
)

// quote is "> " (this line) or ">>> " (everything after it).
type quote struct {
	ast.BaseBlock
	rest bool
}

func (n *quote) Kind() ast.NodeKind            { return kindQuote }
func (n *quote) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// codeBlock is a ``` block that starts a line; its lines are the code.
type codeBlock struct {
	ast.BaseBlock
	language []byte
	end      int // where the closing ``` ends in the source
}

func (n *codeBlock) Kind() ast.NodeKind            { return kindCodeBlock }
func (n *codeBlock) IsRaw() bool                   { return true }
func (n *codeBlock) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// inlineCodeBlock is a ``` block that starts within a line (Discord renders
// it as a block all the same).
type inlineCodeBlock struct {
	ast.BaseInline
	language []byte
	code     text.Segments
}

func (n *inlineCodeBlock) Kind() ast.NodeKind            { return kindInlineCodeBlock }
func (n *inlineCodeBlock) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

type underline struct{ ast.BaseInline }

func (n *underline) Kind() ast.NodeKind            { return kindUnderline }
func (n *underline) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

type spoiler struct{ ast.BaseInline }

func (n *spoiler) Kind() ast.NodeKind            { return kindSpoiler }
func (n *spoiler) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// mention is a user, role or channel mention, with the text it shows.
type mention struct {
	ast.BaseInline
	label string
}

func (n *mention) Kind() ast.NodeKind            { return kindMention }
func (n *mention) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// emoji is a server's custom emoji: its image is on Discord's CDN, which a
// transcript does not load, so it shows as :name:.
type emoji struct {
	ast.BaseInline
	name []byte
}

func (n *emoji) Kind() ast.NodeKind            { return kindEmoji }
func (n *emoji) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

type timestamp struct {
	ast.BaseInline
	at    time.Time
	style byte
}

func (n *timestamp) Kind() ast.NodeKind            { return kindTimestamp }
func (n *timestamp) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// paragraphParser is goldmark's paragraph parser with two Discord rules:
// a line that follows a "> " quote without "> " of its own is not part of
// the quote (CommonMark would continue the quoted paragraph lazily), and an
// indented line is text (Discord has no indented code blocks).
type paragraphParser struct{ parser.BlockParser }

func (p paragraphParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	if last := pc.LastOpenedBlock().Node; last != nil && ast.IsParagraph(last) && !leftQuote(last, parent) {
		return nil, parser.NoChildren // goldmark continues last with this line
	}
	return p.BlockParser.Open(parent, reader, pc)
}

// CanInterruptParagraph is true so that Open can end a quoted paragraph.
func (paragraphParser) CanInterruptParagraph() bool { return true }
func (paragraphParser) CanAcceptIndentedLine() bool { return true }

// leftQuote reports whether paragraph is in a "> " quote that does not
// contain parent, the block the current line is in: the line has no "> ".
func leftQuote(paragraph, parent ast.Node) bool {
	for a := paragraph.Parent(); a != nil; a = a.Parent() {
		if q, ok := a.(*quote); ok && !q.rest {
			for p := parent; p != nil; p = p.Parent() {
				if p == q {
					return false
				}
			}
			return true
		}
	}
	return false
}

// quoteParser parses "> " and ">>> " quotes. Discord does not nest them.
type quoteParser struct{}

func (quoteParser) Trigger() []byte { return []byte{'>'} }

func (quoteParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	pos := pc.BlockOffset()
	if pos < 0 {
		return nil, parser.NoChildren
	}
	for p := parent; p != nil; p = p.Parent() {
		if p.Kind() == kindQuote {
			return nil, parser.NoChildren
		}
	}
	line, _ := reader.PeekLine()
	switch {
	case bytes.HasPrefix(line[pos:], []byte(">>> ")):
		reader.Advance(pos + 4)
		return &quote{rest: true}, parser.HasChildren
	case bytes.HasPrefix(line[pos:], []byte("> ")):
		reader.Advance(pos + 2)
		return &quote{}, parser.HasChildren
	}
	return nil, parser.NoChildren
}

func (quoteParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	if node.(*quote).rest {
		return parser.Continue | parser.HasChildren
	}
	line, _ := reader.PeekLine()
	pos := 0
	for pos < len(line) && line[pos] == ' ' {
		pos++
	}
	if bytes.HasPrefix(line[pos:], []byte("> ")) {
		reader.Advance(pos + 2)
		return parser.Continue | parser.HasChildren
	}
	return parser.Close
}

func (quoteParser) Close(ast.Node, text.Reader, parser.Context) {}
func (quoteParser) CanInterruptParagraph() bool                 { return true }
func (quoteParser) CanAcceptIndentedLine() bool                 { return false }

// headingParser parses Discord's headings: "# ", "## " and "### " with text
// after them (goldmark's would also take ####–###### and drop closing #s).
type headingParser struct{}

func (headingParser) Trigger() []byte { return []byte{'#'} }

func (headingParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	pos := pc.BlockOffset()
	if pos < 0 {
		return nil, parser.NoChildren
	}
	line, segment := reader.PeekLine()
	i := pos
	for i < len(line) && line[i] == '#' {
		i++
	}
	level := i - pos
	if level > 3 || i >= len(line) || line[i] != ' ' {
		return nil, parser.NoChildren
	}
	title := text.NewSegment(segment.Start+i-segment.Padding, segment.Start+len(line)-segment.Padding)
	title = title.TrimLeftSpace(reader.Source())
	title = title.TrimRightSpace(reader.Source())
	if title.IsEmpty() {
		return nil, parser.NoChildren
	}
	node := ast.NewHeading(level)
	node.Lines().Append(title)
	reader.AdvanceToEOL()
	return node, parser.NoChildren
}

func (headingParser) Continue(ast.Node, text.Reader, parser.Context) parser.State {
	return parser.Close
}
func (headingParser) Close(ast.Node, text.Reader, parser.Context) {}
func (headingParser) CanInterruptParagraph() bool                 { return true }
func (headingParser) CanAcceptIndentedLine() bool                 { return false }

var fence = []byte("```")

// fenceParser parses a ``` code block that starts a line and ends on a later
// one, blank lines included. As on Discord, the closing ``` may stand
// anywhere in a line (what follows it is text again), a first line that is
// one word of [A-Za-z0-9_+-.#] names the language, and a block that is
// never closed is text. One that closes on its first line is left to
// inlineFenceParser, so that text after it on the line stays.
type fenceParser struct{}

func (fenceParser) Trigger() []byte { return []byte{'`'} }

func (fenceParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	pos := pc.BlockOffset()
	if pos < 0 {
		return nil, parser.NoChildren
	}
	line, segment := reader.PeekLine()
	if !bytes.HasPrefix(line[pos:], fence) {
		return nil, parser.NoChildren
	}
	rest := line[pos+3:]
	if bytes.Contains(rest, fence) || !bytes.Contains(reader.Source()[segment.Stop:], fence) {
		return nil, parser.NoChildren
	}
	node := &codeBlock{}
	if word := bytes.TrimRight(rest, " \t\r\n"); isLanguage(word) && bytes.HasSuffix(rest, []byte("\n")) {
		node.language = word
	} else if len(bytes.TrimSpace(rest)) > 0 {
		node.Lines().Append(text.NewSegment(segment.Start+pos+3-segment.Padding, segment.Stop))
	}
	reader.AdvanceToEOL()
	return node, parser.NoChildren
}

func (fenceParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, segment := reader.PeekLine()
	if line == nil {
		return parser.Close
	}
	if i := bytes.Index(line, fence); i >= 0 {
		if i > 0 {
			node.Lines().Append(segment.WithStop(segment.Start + i - segment.Padding))
		}
		reader.Advance(i + 3)
		_, after := reader.Position()
		node.(*codeBlock).end = after.Start
		return parser.Close
	}
	node.Lines().Append(segment)
	reader.AdvanceToEOL()
	return parser.Continue | parser.NoChildren
}

func (fenceParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	trimmed := trimNewlines(reader.Source(), lines.Sliced(0, lines.Len()))
	lines.Clear()
	lines.AppendAll(trimmed)
}

func (fenceParser) CanInterruptParagraph() bool { return true }
func (fenceParser) CanAcceptIndentedLine() bool { return false }

// trimNewlines drops the newlines that begin and end a block's code, as
// Discord does.
func trimNewlines(source []byte, code []text.Segment) []text.Segment {
	for len(code) > 0 {
		first := &code[0]
		for first.Start < first.Stop && source[first.Start] == '\n' && first.Padding == 0 {
			first.Start++
		}
		if first.Len() > 0 {
			break
		}
		code = code[1:]
	}
	for len(code) > 0 {
		last := &code[len(code)-1]
		for last.Stop > last.Start && (source[last.Stop-1] == '\n' || source[last.Stop-1] == '\r') {
			last.Stop--
		}
		if last.Len() > 0 {
			break
		}
		code = code[:len(code)-1]
	}
	return code
}

// isLanguage reports whether a code block's first line names its language.
func isLanguage(word []byte) bool {
	if len(word) == 0 || len(word) > 32 {
		return false
	}
	for _, c := range word {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || bytes.IndexByte([]byte("_+-.#"), c) >= 0) {
			return false
		}
	}
	return true
}

// inlineFenceParser parses a ``` code block within a paragraph: one that
// starts within a line, or starts a line and closes on it.
type inlineFenceParser struct{}

func (inlineFenceParser) Trigger() []byte { return []byte{'`'} }

func (inlineFenceParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if !bytes.HasPrefix(line, fence) {
		return nil
	}
	block.Advance(3)
	node := &inlineCodeBlock{}
	first := true
	for {
		line, segment := block.PeekLine()
		if line == nil {
			return nil // never closed: text (goldmark rewinds the reader)
		}
		code := segment
		if !first {
			code = withIndentation(block.Source(), parent, segment)
		}
		if i := bytes.Index(line, fence); i >= 0 {
			node.code.Append(code.WithStop(segment.Start + i - segment.Padding))
			block.Advance(i + 3)
			break
		}
		if word := bytes.TrimRight(line, " \t\r\n"); first && isLanguage(word) && bytes.HasSuffix(line, []byte("\n")) {
			node.language = word
		} else {
			node.code.Append(code)
		}
		first = false
		block.AdvanceLine()
	}
	code := trimNewlines(block.Source(), node.code.Sliced(0, node.code.Len()))
	if len(code) == 0 {
		return nil // ``````: text, as on Discord
	}
	node.code.Clear()
	node.code.AppendAll(code)
	return node
}

// withIndentation gives a code line back the indentation the paragraph
// trimmed from it, where the paragraph is not inside a quote or list (whose
// markers the source also holds).
func withIndentation(source []byte, paragraph ast.Node, line text.Segment) text.Segment {
	if paragraph.Parent() == nil || paragraph.Parent().Kind() != ast.KindDocument {
		return line
	}
	for line.Start > 0 && (source[line.Start-1] == ' ' || source[line.Start-1] == '\t') {
		line.Start--
	}
	return line
}

// starParser is goldmark's emphasis parser for * only: *italics*, **bold**.
type starParser struct{ parser.InlineParser }

func (starParser) Trigger() []byte { return []byte{'*'} }

// delimiters are Discord's paired markers that goldmark lacks.
type delimiters struct {
	char   byte
	length int  // the one run length that is a marker; 0: any
	always bool // opens and closes whatever surrounds it
	node   func(consumes int) ast.Node
}

var (
	// underscores are _italics_ and __underline__ (bold on CommonMark).
	underscores = &delimiters{char: '_', node: func(consumes int) ast.Node {
		if consumes == 2 {
			return &underline{}
		}
		return ast.NewEmphasis(1)
	}}
	// spoilers are ||hidden||, with or without spaces inside.
	spoilers = &delimiters{char: '|', length: 2, always: true, node: func(int) ast.Node { return &spoiler{} }}
)

func (d *delimiters) IsDelimiter(b byte) bool { return b == d.char }
func (d *delimiters) CanOpenCloser(opener, closer *parser.Delimiter) bool {
	return opener.Char == closer.Char
}
func (d *delimiters) OnMatch(consumes int) ast.Node { return d.node(consumes) }

// delimiterParser scans a run of delimiters the way goldmark's emphasis
// parser does; goldmark pairs them up.
type delimiterParser struct{ d *delimiters }

func (p delimiterParser) Trigger() []byte { return []byte{p.d.char} }

func (p delimiterParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	before := block.PrecendingCharacter()
	line, segment := block.PeekLine()
	node := parser.ScanDelimiter(line, before, 1, p.d)
	if node == nil || (p.d.length > 0 && (node.OriginalLength != p.d.length || before == rune(p.d.char))) {
		return nil
	}
	if p.d.always {
		node.CanOpen, node.CanClose = true, true
	}
	node.Segment = segment.WithStop(segment.Start + node.OriginalLength)
	block.Advance(node.OriginalLength)
	pc.PushDelimiter(node)
	return node
}

// strikethroughParser is goldmark's strikethrough parser for ~~ only (GFM
// also takes one ~, Discord does not).
type strikethroughParser struct{ parser.InlineParser }

func (p strikethroughParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if !bytes.HasPrefix(line, []byte("~~")) || bytes.HasPrefix(line, []byte("~~~")) {
		return nil
	}
	return p.InlineParser.Parse(parent, block, pc)
}

// linkParser is goldmark's link parser for masked links to http(s) URLs
// only. An image (![…](…)), a reference link or a link anywhere else stays
// text, as on Discord. It is goldmark's CloseBlocker too: at the end of each
// block it forgets the [ that were never closed.
type linkParser struct {
	parser.InlineParser
	parser.CloseBlocker
}

func newLinkParser() linkParser {
	p := parser.NewLinkParser()
	return linkParser{p, p.(parser.CloseBlocker)}
}

func (linkParser) Trigger() []byte { return []byte{'[', ']'} }

func (p linkParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if line[0] == '[' && block.PrecendingCharacter() == '!' {
		return nil
	}
	n := p.InlineParser.Parse(parent, block, pc)
	if link, ok := n.(*ast.Link); ok && webURL(link.Destination) == "" {
		_, after := block.Position()
		return ast.NewTextSegment(text.NewSegment(link.Pos(), after.Start))
	}
	return n
}

// autoLinkParser is goldmark's <…> autolink parser for http(s) URLs only;
// <mail@example.com> and other schemes stay text.
type autoLinkParser struct{ parser.InlineParser }

func (p autoLinkParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	n := p.InlineParser.Parse(parent, block, pc)
	if link, ok := n.(*ast.AutoLink); ok && (link.AutoLinkType != ast.AutoLinkURL || webURL(link.URL(block.Source())) == "") {
		return nil
	}
	return n
}

// linkifyParser is goldmark's linkify for bare http:// and https:// URLs
// only: Discord links no www. addresses and no e-mail addresses.
type linkifyParser struct{ parser.InlineParser }

func (p linkifyParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if len(line) > 0 && bytes.IndexByte([]byte(" *_~("), line[0]) >= 0 {
		line = line[1:]
	}
	if !bytes.HasPrefix(line, []byte("http://")) && !bytes.HasPrefix(line, []byte("https://")) {
		return nil
	}
	n := p.InlineParser.Parse(parent, block, pc)
	if link, ok := n.(*ast.AutoLink); ok && link.AutoLinkType != ast.AutoLinkURL {
		return nil
	}
	return n
}

// webURL is the URL as a link's href if it is an absolute http(s) URL, and
// "" otherwise.
func webURL(raw []byte) string {
	u, err := url.Parse(string(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// tokenParser parses Discord's <…> tokens: mentions (<@id>, <@!id>, <@&id>,
// <#id>), custom emoji (<:name:id>, <a:name:id>) and timestamps
// (<t:seconds> and <t:seconds:style>).
type tokenParser struct{}

func (tokenParser) Trigger() []byte { return []byte{'<'} }

func (tokenParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	end := bytes.IndexByte(line, '>')
	if end < 0 {
		return nil
	}
	n := token(line[1:end], pc)
	if n != nil {
		block.Advance(end + 1)
	}
	return n
}

func token(t []byte, pc parser.Context) ast.Node {
	switch {
	case bytes.HasPrefix(t, []byte("@&")) && isID(t[2:]):
		return &mention{label: "@role"}
	case bytes.HasPrefix(t, []byte("@!")) && isID(t[2:]):
		return &mention{label: "@" + name(pc, string(t[2:]))}
	case bytes.HasPrefix(t, []byte("@")) && isID(t[1:]):
		return &mention{label: "@" + name(pc, string(t[1:]))}
	case bytes.HasPrefix(t, []byte("#")) && isID(t[1:]):
		return &mention{label: "#channel"}
	case bytes.HasPrefix(t, []byte("t:")):
		return timestampToken(t[2:])
	case bytes.HasPrefix(t, []byte(":")) || bytes.HasPrefix(t, []byte("a:")):
		parts := bytes.Split(t[bytes.IndexByte(t, ':')+1:], []byte(":"))
		if len(parts) == 2 && isEmojiName(parts[0]) && isID(parts[1]) {
			return &emoji{name: parts[0]}
		}
	}
	return nil
}

func name(pc parser.Context, id string) string {
	if names, ok := pc.Get(namesKey).(func(string) string); ok {
		return names(id)
	}
	return id
}

// timestampToken parses "seconds" or "seconds:style" of <t:…>, for years 0
// to 9999 and Discord's styles.
func timestampToken(t []byte) ast.Node {
	secs, style, _ := bytes.Cut(t, []byte(":"))
	s, err := strconv.ParseInt(string(secs), 10, 64)
	if err != nil || len(secs) > 12 || s < -62167219200 || s > 253402300799 || secs[0] == '+' {
		return nil
	}
	n := &timestamp{at: time.Unix(s, 0).UTC(), style: 'f'}
	switch {
	case len(style) == 1 && bytes.IndexByte([]byte("tTdDfFR"), style[0]) >= 0:
		n.style = style[0]
	case len(t) > len(secs):
		return nil // a style Discord does not know, or "<t:1:>"
	}
	return n
}

// isID reports whether b is a snowflake: 1 to 20 digits.
func isID(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isEmojiName reports whether b is a custom emoji's name: 2 to 32 of
// [A-Za-z0-9_].
func isEmojiName(b []byte) bool {
	if len(b) < 2 || len(b) > 32 {
		return false
	}
	for _, c := range b {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
