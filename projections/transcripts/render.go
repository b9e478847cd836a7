package transcripts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html/template"
	"io"
	"net/url"
	"path"
	"strings"
	"time"
)

// RenderJSON writes the transcript as its documented, versioned JSON.
func RenderJSON(w io.Writer, t Transcript) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// RenderHTML writes the transcript as one self-contained HTML page that looks
// like a Discord channel. Message content is untrusted: its Discord Markdown
// is rendered by goldmark, which escapes all text, and the result passes an
// allow-list sanitizer, so no message can add an element or attribute of its
// own. The page also
// forbids scripts and remote loads in its Content-Security-Policy, and shows
// avatars as initials, so opening it makes no request.
//
// Archived attachments are linked at FilePath, relative to the page: next
// to the transcript in a ZIP, and under the transcript's own address on the
// dashboard. Images are shown inline; other files are links to download.
func RenderHTML(w io.Writer, t Transcript) error {
	return page.Execute(w, view{T: t})
}

// RenderEntries writes only the transcript's entries, with the same
// escaping, for a page that brings its own styles (the dashboard's ticket
// page; class names as in RenderHTML's stylesheet). Archived attachments
// are linked at fileBase + FilePath.
func RenderEntries(w io.Writer, t Transcript, fileBase string) error {
	return page.ExecuteTemplate(w, "entries", view{T: t, FileBase: fileBase})
}

// FilePath is where an archived attachment sits relative to its
// transcript: "attachments/<id>-<name>", the name reduced to characters
// safe in a path and a ZIP on every system.
func FilePath(a Attachment) string { return "attachments/" + a.ID + "-" + safeName(a.Filename) }

// AttachmentOf finds an archived attachment by its FilePath name ("<id>-
// <name>"; the id decides).
func (t Transcript) AttachmentOf(file string) (Attachment, bool) {
	id, _, _ := strings.Cut(file, "-")
	for _, e := range t.Entries {
		for _, a := range e.Attachments {
			if a.ID == id && id != "" && a.Archived != nil {
				return a, true
			}
		}
	}
	return Attachment{}, false
}

func safeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if len(out) > 100 { // shortened, keeping a short extension
		ext := path.Ext(out)
		if len(ext) > 12 {
			ext = ""
		}
		out = out[:100-len(ext)] + ext
	}
	if out == "" {
		return "file"
	}
	return out
}

type view struct {
	T        Transcript
	FileBase string
	// Standalone pages carry no files: images are inlined (Inline, by
	// attachment id) and other archived files are named, not linked.
	Standalone bool
	Inline     map[string]template.URL
}

// File is the link to an archived attachment ("" on a standalone page).
func (v view) File(a Attachment) string {
	if v.Standalone {
		return ""
	}
	return v.FileBase + FilePath(a)
}

// Src is where an archived image is shown from ("": not shown).
func (v view) Src(a Attachment) template.URL {
	if v.Standalone {
		return v.Inline[a.ID]
	}
	return template.URL(v.File(a)) //nolint:gosec // our own path: a fixed prefix, the id and a name of safe characters
}

// RenderStandalone writes the transcript as RenderHTML does, for a page
// sent on its own (a direct message, a log channel): archived images are
// embedded as data URLs while they fit in budget bytes together, other
// archived files are named as kept in the archive.
func RenderStandalone(ctx context.Context, w io.Writer, t Transcript, files FileOpener, budget int64) error {
	v := view{T: t, Standalone: true, Inline: map[string]template.URL{}}
	for _, e := range t.Entries {
		for _, a := range e.Attachments {
			if files == nil || a.Archived == nil || !a.Archived.IsImage() || a.Archived.Size > budget {
				continue
			}
			r, err := OpenArchived(ctx, files, a)
			if err != nil {
				continue // erased, gone, or the database did not answer: named as kept, not shown
			}
			var buf bytes.Buffer
			buf.WriteString("data:" + a.Archived.ContentType + ";base64,")
			enc := base64.NewEncoder(base64.StdEncoding, &buf)
			if _, err := io.Copy(enc, r); err != nil || enc.Close() != nil {
				continue
			}
			budget -= a.Archived.Size
			v.Inline[a.ID] = template.URL(buf.String()) //nolint:gosec // a data URL of a sniffed raster image type
		}
	}
	return page.Execute(w, v)
}

// Why says in words why an attachment is not archived.
func (v view) Why(reason string) string {
	switch reason {
	case "too_large":
		return "larger than the archive keeps"
	case "ticket_full":
		return "the ticket's archive was full"
	case "gone":
		return "Discord no longer had it"
	case "failed":
		return "it could not be downloaded"
	case "erased":
		return "its author's data was erased"
	}
	return reason
}

// Bytes is a size for people.
func (v view) Bytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func (v view) Who(id string) string {
	if p, ok := v.T.People[id]; ok && p.Name != "" {
		return p.Name
	}
	if id == "" {
		return "Ticketify"
	}
	return "[deleted user]"
}

func (v view) Initials(id string) string {
	name := v.Who(id)
	if name == "" || strings.HasPrefix(name, "[") {
		return "?"
	}
	r := []rune(strings.TrimSpace(name))
	return strings.ToUpper(string(r[0]))
}

// Color is an author's avatar colour, from their id: CSS made here from a
// number (html/template would refuse a plain string in a style attribute).
func (v view) Color(id string) template.CSS {
	h := fnv.New32a()
	h.Write([]byte(id))
	return template.CSS(fmt.Sprintf("hsl(%d, 45%%, 45%%)", h.Sum32()%360)) //nolint:gosec // a number's colour
}

func (v view) Time(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Markdown renders content as Discord shows it, mentions with names.
func (v view) Markdown(s string) template.HTML { return markdown(s, v.Who) }

// SafeURL lets only http(s) links through.
func (v view) SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "#"
	}
	return u.String()
}

var page = template.Must(template.New("transcript").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self' file:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ticket #{{.T.Number}} — {{.T.Name}}</title>
<style>
body{margin:0;background:#313338;color:#dbdee1;font:15px/1.4 "gg sans","Noto Sans","Helvetica Neue",Arial,sans-serif}
header{background:#2b2d31;padding:16px 24px;border-bottom:1px solid #1f2023}
header h1{margin:0;font-size:18px;color:#f2f3f5}
header p{margin:4px 0 0;color:#b5bac1;font-size:13px}
dl{margin:8px 0 0;font-size:13px}dt{color:#b5bac1;margin-top:6px}dd{margin:0}
main{padding:8px 0 24px}
.msg{display:flex;gap:14px;padding:6px 24px}.msg:hover{background:#2e3035}
.avatar{flex:0 0 40px;height:40px;border-radius:50%;display:flex;align-items:center;justify-content:center;color:#fff;font-weight:600}
.name{color:#f2f3f5;font-weight:600}.bot{background:#5865f2;color:#fff;font-size:10px;border-radius:3px;padding:1px 4px;margin-left:4px}
.time{color:#949ba4;font-size:12px;margin-left:6px}
.content{white-space:normal;word-wrap:break-word}
.edited,.deleted{color:#949ba4;font-size:11px}.deleted-msg{opacity:.55;text-decoration:line-through}
.history{color:#949ba4;font-size:12px;margin-top:2px}
.event{padding:4px 24px 4px 78px;color:#949ba4;font-size:13px}
.event b{color:#dbdee1}
pre{background:#2b2d31;border:1px solid #1e1f22;border-radius:4px;padding:8px;overflow:auto}code{background:#2b2d31;border-radius:3px;padding:0 3px;font-family:Consolas,monospace;font-size:13px}
.mention{background:rgba(88,101,242,.3);color:#c9cdfb;border-radius:3px;padding:0 2px}
pre{margin:4px 0}pre code{padding:0}blockquote{margin:2px 0;padding:0 0 0 12px;border-left:4px solid #4e5058}
.content h1,.content h2,.content h3{color:#f2f3f5;margin:8px 0 4px;line-height:1.25}.content h1{font-size:24px}.content h2{font-size:20px}.content h3{font-size:16px}
.content ul,.content ol{margin:2px 0;padding-left:24px}
.spoiler{background:#1e1f22;border-radius:3px}.spoiler:not(:hover),.spoiler:not(:hover) *{color:transparent}
.emoji{color:#b5bac1}time{background:rgba(255,255,255,.06);border-radius:3px;padding:0 2px}
.embed{border-left:4px solid #5865f2;background:#2b2d31;border-radius:4px;padding:8px 12px;margin-top:4px;max-width:520px}
.attachment{display:inline-block;background:#2b2d31;border:1px solid #1e1f22;border-radius:4px;padding:6px 10px;margin:4px 4px 0 0}
.embed-author{font-size:13px;font-weight:600;color:#f2f3f5}.embed-field{margin-top:6px;font-size:14px}.embed-footer{margin-top:6px;font-size:12px;color:#949ba4}
figure.attachment{padding:4px}.attachment img{display:block;max-width:400px;max-height:300px;border-radius:3px}figcaption{color:#949ba4;font-size:12px;margin-top:2px}
a{color:#00a8fc}
footer{color:#949ba4;font-size:12px;padding:0 24px 24px}
</style></head>
<body>
<header>
<h1>#{{.T.Name}}</h1>
<p>Ticket #{{.T.Number}} · {{.T.Category}} · {{.T.Status}} · opened {{.Time .T.OpenedAt}} by {{.Who .T.Opener}}{{if .T.ClosedAt}} · closed {{.Time .T.ClosedAt}}{{end}}</p>
{{if or .T.Topic .T.Answers .T.CloseReason}}<dl>
{{if .T.Topic}}<dt>Topic</dt><dd>{{.T.Topic}}</dd>{{end}}
{{range .T.Answers}}<dt>{{.Question}}</dt><dd>{{.Answer}}</dd>{{end}}
{{if .T.CloseReason}}<dt>Close reason</dt><dd>{{.T.CloseReason}}</dd>{{end}}
</dl>{{end}}
</header>
<main>
{{template "entries" .}}
</main>
<footer>Transcript generated by Ticketify from the ticket's event log. {{len .T.Entries}} entries.</footer>
</body></html>
{{define "entries"}}{{range .T.Entries}}{{if eq .Kind "message"}}<div class="msg" id="m{{.MessageID}}">
<div class="avatar" style="background:{{$.Color .Author}}">{{$.Initials .Author}}</div>
<div><div><span class="name">{{$.Who .Author}}</span>{{if .Bot}}<span class="bot">BOT</span>{{end}}{{if .Source}}<span class="bot">via {{.Source}}</span>{{end}}<span class="time">{{$.Time .At}}</span></div>
{{if .Erased}}<div class="content deleted">[erased]</div>{{else}}<div class="content{{if .Deleted}} deleted-msg{{end}}">{{$.Markdown .Content}}{{if .EditedAt}} <span class="edited">(edited)</span>{{end}}</div>
{{range .Edits}}<div class="history">earlier ({{$.Time .At}}): {{.Content}}</div>{{end}}
{{range .Embeds}}<div class="embed">{{if .Author}}<div class="embed-author">{{.Author}}</div>{{end}}{{if .Title}}<div class="name">{{.Title}}</div>{{end}}{{if .Description}}<div>{{$.Markdown .Description}}</div>{{end}}{{range .Fields}}<div class="embed-field"><div class="name">{{.Name}}</div><div>{{$.Markdown .Value}}</div></div>{{end}}{{if .Footer}}<div class="embed-footer">{{.Footer}}</div>{{end}}</div>{{end}}
{{range .Attachments}}{{if .Archived}}{{if and .Archived.IsImage ($.Src .)}}<figure class="attachment image">{{if $.File .}}<a href="{{$.File .}}" target="_blank">{{end}}<img src="{{$.Src .}}" alt="{{.Filename}}" loading="lazy">{{if $.File .}}</a>{{end}}<figcaption>{{.Filename}} · {{$.Bytes .Archived.Size}}</figcaption></figure>{{else if $.File .}}<div class="attachment">📎 <a href="{{$.File .}}" download="{{.Filename}}">{{.Filename}}</a> · {{$.Bytes .Archived.Size}}</div>{{else}}<div class="attachment">📎 {{.Filename}} · {{$.Bytes .Archived.Size}} <span class="edited">(kept in the server's archive)</span></div>{{end}}{{else}}<div class="attachment">📎 <a href="{{$.SafeURL .URL}}" rel="noopener noreferrer nofollow" target="_blank">{{.Filename}}</a> · {{$.Bytes .Size}}{{if .NotArchived}} <span class="edited">(not archived: {{$.Why .NotArchived}}; Discord's link expires a day after it was posted)</span>{{end}}</div>{{end}}{{end}}{{end}}
{{if .Deleted}}<div class="deleted">deleted {{if .DeletedAt}}{{$.Time .DeletedAt}}{{end}}</div>{{end}}
</div></div>
{{else}}<div class="event">{{$.Time .At}} · {{$.Markdown .Text}}</div>
{{end}}{{end}}{{end}}`))
