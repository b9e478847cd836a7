package transcripts

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark/parser"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// names is how the transcript of these examples names people: Sam Staff
// took part, 404 did not.
var names = view{T: Transcript{People: map[string]Person{"9": {Name: "Sam Staff"}}}}

const linkAttrs = `rel="noopener noreferrer nofollow" target="_blank"`

// discordMarkdown is the specification of what a transcript shows for a
// message's content: Discord's Markdown, each construct once, then constructs
// in one another, then what Discord shows as text.
var discordMarkdownExamples = []struct{ name, content, html string }{
	{"bold", "**bold**", "<strong>bold</strong>"},
	{"italics with stars", "*italics*", "<em>italics</em>"},
	{"italics with underscores", "_italics_", "<em>italics</em>"},
	{"underline, not bold as on CommonMark", "__underline__", "<u>underline</u>"},
	{"bold italics", "***both***", "<em><strong>both</strong></em>"},
	{"underline italics", "___both___", "<em><u>both</u></em>"},
	{"underscores within a word are text", "snake_case_name", "snake_case_name"},
	{"strikethrough", "~~gone~~", "<del>gone</del>"},
	{"spoiler", "||secret||", `<span class="spoiler">secret</span>`},
	{"spoiler with spaces inside", "|| secret ||", `<span class="spoiler"> secret </span>`},
	{"inline code", "`a <b> & c`", "<code>a &lt;b&gt; &amp; c</code>"},
	{"inline code with a backtick inside", "``a ` b``", "<code>a ` b</code>"},
	{"code block", "```\nfirst\nsecond\n```", "<pre><code>first\nsecond</code></pre>"},
	{"code block with a language", "```go\nfunc main() {}\n```", `<pre><code class="language-go">func main() {}</code></pre>`},
	{"code block keeps markup, NUL and U+FFFD as text", "```html\n<script>alert(1)</script>\x00\ufffd0\ufffd **not bold** <@9>\n```",
		`<pre><code class="language-html">&lt;script&gt;alert(1)&lt;/script&gt;` + "\ufffd\ufffd0\ufffd" + ` **not bold** &lt;@9&gt;</code></pre>`},
	{"code block keeps blank lines and indentation", "```py\ndef f():\n\n    return 1\n```", `<pre><code class="language-py">def f():` + "\n\n    return 1</code></pre>"},
	{"code block on one line", "```no language here```", "<pre><code>no language here</code></pre>"},
	{"code block within a line", "see ```js\nif (a) {\n  b()\n}``` there", `see <pre><code class="language-js">if (a) {` + "\n  b()\n}</code></pre> there"},
	{"code block closed within a line", "```\ncode\n``` and text", "<pre><code>code</code></pre>and text"},
	{"code block between lines of text", "before\n```\ncode\n```\nafter", "before<pre><code>code</code></pre>after"},
	{"block quote of one line", "> quoted\nanswer", "<blockquote>quoted</blockquote>answer"},
	{"block quote of lines", "> one\n> two", "<blockquote>one<br>\ntwo</blockquote>"},
	{"block quote of everything after >>>", "before\n>>> one\n\ntwo", "before<blockquote>one<br>\n<br>\ntwo</blockquote>"},
	{"headings", "# one\n## two\n### three", "<h1>one</h1><h2>two</h2><h3>three</h3>"},
	{"bullet list", "- one\n- two", "<ul><li>one</li><li>two</li></ul>"},
	{"numbered list", "1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"},
	{"numbered list from 3", "3. three\n4. four", `<ol start="3"><li>three</li><li>four</li></ol>`},
	{"list in a list", "- one\n  - inner", "<ul><li>one<ul><li>inner</li></ul></li></ul>"},
	{"masked link", "[the docs](https://example.com/a?b=1&c=2)", `<a href="https://example.com/a?b=1&amp;c=2" ` + linkAttrs + `>the docs</a>`},
	{"bare URL", "see https://example.com/help?q=printer", `see <a href="https://example.com/help?q=printer" ` + linkAttrs + `>https://example.com/help?q=printer</a>`},
	{"URL in angle brackets", "<https://example.com>", `<a href="https://example.com" ` + linkAttrs + `>https://example.com</a>`},
	{"user mention, named", "<@9>", `<span class="mention">@Sam Staff</span>`},
	{"user mention with !, named", "<@!9>", `<span class="mention">@Sam Staff</span>`},
	{"mention of someone not in the ticket", "<@404>", `<span class="mention">@[deleted user]</span>`},
	{"role mention", "<@&123>", `<span class="mention">@role</span>`},
	{"channel mention", "<#123>", `<span class="mention">#channel</span>`},
	{"custom emoji", "<:blobcat:1234>", `<span class="emoji">:blobcat:</span>`},
	{"animated custom emoji", "<a:dance:1234>", `<span class="emoji">:dance:</span>`},
	{"timestamp", "<t:1700000000>", `<time datetime="2023-11-14T22:13:20Z">14 November 2023 22:13 UTC</time>`},
	{"timestamp, short time", "<t:1700000000:t>", `<time datetime="2023-11-14T22:13:20Z">22:13 UTC</time>`},
	{"timestamp, long time", "<t:1700000000:T>", `<time datetime="2023-11-14T22:13:20Z">22:13:20 UTC</time>`},
	{"timestamp, short date", "<t:1700000000:d>", `<time datetime="2023-11-14T22:13:20Z">2023-11-14</time>`},
	{"timestamp, long date", "<t:1700000000:D>", `<time datetime="2023-11-14T22:13:20Z">14 November 2023</time>`},
	{"timestamp, short date and time", "<t:1700000000:f>", `<time datetime="2023-11-14T22:13:20Z">14 November 2023 22:13 UTC</time>`},
	{"timestamp, long date and time", "<t:1700000000:F>", `<time datetime="2023-11-14T22:13:20Z">Tuesday, 14 November 2023 22:13 UTC</time>`},
	{"timestamp, relative: shown as date and time", "<t:1700000000:R>", `<time datetime="2023-11-14T22:13:20Z">14 November 2023 22:13 UTC</time>`},
	{"a newline is a line break", "one\ntwo", "one<br>\ntwo"},
	{"every blank line is an empty line", "one\n\n\ntwo", "one<br>\n<br>\n<br>\ntwo"},
	{"blank line after a block", "# title\n\ntext", "<h1>title</h1><br>\ntext"},
	{"a backslash escapes markup", `\*not italics\* \<@9>`, "*not italics* &lt;@9&gt;"},

	{"nested: bold with italics and strikethrough", "**bold _italic_ ~~struck~~**", "<strong>bold <em>italic</em> <del>struck</del></strong>"},
	{"nested: underline with italics", "__*both*__", "<u><em>both</em></u>"},
	{"nested: spoiler with bold and a mention", "||**who**: <@9>||", `<span class="spoiler"><strong>who</strong>: <span class="mention">@Sam Staff</span></span>`},
	{"nested: quote with bold, code and a link", "> **see** `x` https://example.com",
		`<blockquote><strong>see</strong> <code>x</code> <a href="https://example.com" ` + linkAttrs + `>https://example.com</a></blockquote>`},
	{"nested: >>> quote with a heading, a list and a code block", ">>> # plan\n- one\n```sh\nls\n```",
		`<blockquote><h1>plan</h1><ul><li>one</li></ul><pre><code class="language-sh">ls</code></pre></blockquote>`},
	{"nested: masked link with bold text", "[**bold** link](https://example.com)", `<a href="https://example.com" ` + linkAttrs + `><strong>bold</strong> link</a>`},
	{"nested: list items with markup", "- **a** <:ok:1>\n- <t:0:d>", `<ul><li><strong>a</strong> <span class="emoji">:ok:</span></li><li><time datetime="1970-01-01T00:00:00Z">1970-01-01</time></li></ul>`},
	{"nested: heading with a mention", "## for <@9>", `<h2>for <span class="mention">@Sam Staff</span></h2>`},

	{"text: raw HTML", `<b onclick="x()">bold</b>`, "&lt;b onclick=&#34;x()&#34;&gt;bold&lt;/b&gt;"},
	{"text: HTML character references", "&amp; &copy; &#60;", "&amp;amp; &amp;copy; &amp;#60;"},
	{"text: image (its URL is linked like any other)", "![alt](https://example.com/a.png)",
		`![alt](<a href="https://example.com/a.png" ` + linkAttrs + `>https://example.com/a.png</a>)`},
	{"text: masked link to a script", "[click](javascript:alert(1))", "[click](javascript:alert(1))"},
	{"text: masked link to another scheme or a relative URL", "[a](ftp://example.com) [b](/etc)", "[a](ftp://example.com) [b](/etc)"},
	{"text: reference-style link", "[a][r]\n\n[r]: https://example.com",
		`[a][r]<br>` + "\n" + `<br>` + "\n" + `[r]: <a href="https://example.com" ` + linkAttrs + `>https://example.com</a>`},
	{"text: e-mail and www addresses", "a@example.com www.example.com <a@example.com>", "a@example.com www.example.com &lt;a@example.com&gt;"},
	{"text: table", "| a | b |\n|---|---|", "| a | b |<br>\n|---|---|"},
	{"text: setext heading", "Title\n=====", "Title<br>\n====="},
	{"text: heading of four #", "#### four", "#### four"},
	{"text: # without a space", "#hashtag", "#hashtag"},
	{"text: thematic break", "---", "---"},
	{"text: indented code block", "    not code", "not code"},
	{"text: > without a space", ">not quoted", "&gt;not quoted"},
	{"text: nested quote", "> > inner", "<blockquote>&gt; inner</blockquote>"},
	{"text: one tilde", "~not struck~", "~not struck~"},
	{"text: three pipes", "|||not hidden|||", "|||not hidden|||"},
	{"text: code block never closed", "```\nnot code", "```<br>\nnot code"},
	{"text: mention that is not one", `<@9"><script>x</script>>`, "&lt;@9&#34;&gt;&lt;script&gt;x&lt;/script&gt;&gt;"},
	{"text: timestamp of an unknown style", "<t:1700000000:x>", "&lt;t:1700000000:x&gt;"},
	{"text: [ left open at the end of a quote", "> [\n](x", "<blockquote>[</blockquote>](x"},
}

func TestDiscordMarkdown(t *testing.T) {
	for _, ex := range discordMarkdownExamples {
		t.Run(ex.name, func(t *testing.T) {
			if got := string(names.Markdown(ex.content)); got != ex.html {
				t.Errorf("%q\n got %q\nwant %q", ex.content, got, ex.html)
			}
		})
	}
}

// TestPlainTextIsOnlyEscaped checks the shortcut for messages without
// markup against the full pass, on random text of the characters it allows.
func TestPlainTextIsOnlyEscaped(t *testing.T) {
	runes := []rune("aZ09 ,.;:!?'\"&()=/%@$^{}+-#\x00\ufffdé😀")
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 20_000 {
		b := make([]rune, 1+r.IntN(30))
		for i := range b {
			b[i] = runes[r.IntN(len(runes))]
		}
		s := string(b)
		if !plain(s) {
			continue
		}
		checked++
		if got, want := escape(s), render(s, names.Who); got != want {
			t.Fatalf("%q: the shortcut gives %q, the full pass %q", s, got, want)
		}
	}
	if checked < 5000 {
		t.Fatalf("only %d random texts were plain", checked)
	}
}

// allowed is every element the Markdown pass may write, with the attributes
// it may have and the values they may take.
var allowed = map[string]map[string]*regexp.Regexp{
	"strong": nil, "em": nil, "u": nil, "del": nil, "br": nil, "pre": nil, "blockquote": nil,
	"h1": nil, "h2": nil, "h3": nil, "ul": nil, "li": nil,
	"ol":   {"start": regexp.MustCompile(`^[0-9]+$`)},
	"code": {"class": regexp.MustCompile(`^language-[A-Za-z0-9_+.#-]+$`)},
	"span": {"class": regexp.MustCompile(`^(mention|spoiler|emoji)$`)},
	"time": {"datetime": regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)},
	"a": {"href": regexp.MustCompile(`^https?://`), "rel": regexp.MustCompile(`^noopener noreferrer nofollow$`),
		"target": regexp.MustCompile(`^_blank$`)},
}

// outsideAllowList parses fragment as a browser would and describes the
// first element or attribute that allowed does not list.
func outsideAllowList(fragment string) string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return err.Error()
	}
	var walk func(n *html.Node) string
	walk = func(n *html.Node) string {
		if n.Type == html.ElementNode {
			attrs, ok := allowed[n.Data]
			if !ok {
				return "element <" + n.Data + ">"
			}
			for _, a := range n.Attr {
				if re := attrs[a.Key]; re == nil || !re.MatchString(a.Val) {
					return fmt.Sprintf("attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if a.Key == "href" {
					if u, err := url.Parse(a.Val); err != nil || u.Host == "" {
						return fmt.Sprintf("link %q", a.Val)
					}
				}
			}
		}
		if n.Type == html.CommentNode {
			return "a comment"
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if bad := walk(c); bad != "" {
				return bad
			}
		}
		return ""
	}
	for _, n := range nodes {
		if bad := walk(n); bad != "" {
			return bad
		}
	}
	return ""
}

// unsanitized is what goldmark writes, before the sanitizer.
func unsanitized(s string) string {
	var buf bytes.Buffer
	pc := parser.NewContext()
	pc.Set(namesKey, names.Who)
	if err := discordMarkdown.Convert([]byte(s), &buf, parser.WithContext(pc)); err != nil {
		return err.Error()
	}
	return buf.String()
}

// hostile are contents that try to get markup of their own into the page.
var hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`"><svg onload=alert(1)>`,
	"```\n</code></pre><script>alert(2)</script>\n```",
	"```\"><script>alert(2)</script>\nx\n```",
	"`<iframe src=javascript:alert(3)>`",
	`**<b onmouseover=alert(4)>bold</b>**`,
	`<@123"><script>alert(5)</script>>`,
	`https://example.com/"onmouseover="alert(6)`,
	`[click](javascript:alert(7))`,
	`[click](https://example.com" onclick="alert(8))`,
	`[click](<https://example.com/"onclick="x>)`,
	"\x00<script>alert(8)</script>\x01",
	`<:x"onload="y:1>`,
	`<t:1:R"onload="y>`,
	"||<style>*{}</style>||",
	`<!-- comment -->`,
	`<a href="javascript:alert(9)">x</a>`,
	`[x](https://example.com/</a><script>alert(10)</script>)`,
}

// markdownPieces are what random messages are made of.
var markdownPieces = append([]string{
	"**", "*", "__", "_", "~~", "||", "`", "```", "```go\n", "\n", "\n\n", "> ", ">>> ", "# ", "## ", "- ", "1. ", "  ",
	"[", "](", ")", "](https://example.com/x)", "https://example.com/?a=1&b=2", "<", ">", "<@9>", "<@&1>", "<#1>",
	"<:ok:1>", "<t:1700000000:R>", "\\", "&amp;", "text", " ", "\x00", "\ufffd", `"`, "'",
}, hostile...)

// TestMarkdownStaysInTheAllowList renders random messages made of Markdown
// and hostile pieces: neither goldmark's output nor the sanitized HTML has an
// element or attribute outside the allow-list.
func TestMarkdownStaysInTheAllowList(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(markdownPieces[r.IntN(len(markdownPieces))])
		}
		s := b.String()
		if bad := outsideAllowList(unsanitized(s)); bad != "" {
			t.Fatalf("%q: goldmark wrote %s: %s", s, bad, unsanitized(s))
		}
		if bad := outsideAllowList(string(names.Markdown(s))); bad != "" {
			t.Fatalf("%q: the sanitized HTML has %s: %s", s, bad, names.Markdown(s))
		}
	}
}

// FuzzMarkdown checks the same of any content (go test -fuzz FuzzMarkdown).
func FuzzMarkdown(f *testing.F) {
	for _, ex := range discordMarkdownExamples {
		f.Add(ex.content)
	}
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if bad := outsideAllowList(unsanitized(s)); bad != "" {
			t.Fatalf("%q: goldmark wrote %s: %s", s, bad, unsanitized(s))
		}
		if bad := outsideAllowList(string(names.Markdown(s))); bad != "" {
			t.Fatalf("%q: the sanitized HTML has %s: %s", s, bad, names.Markdown(s))
		}
	})
}
