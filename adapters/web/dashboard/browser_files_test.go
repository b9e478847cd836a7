package dashboard_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ticketify/ticketify/internal/testkit/fakediscord"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
	"github.com/ticketify/ticketify/projections/transcripts"
)

// realPNG is a w×h image a browser decodes.
func realPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: uint8(x), G: 0x65, B: 0xf2, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestArchivedImagesShowInTheBrowser: a screenshot a member posted is shown
// in the ticket's transcript on the dashboard from the archive — after
// Discord's link to it has expired — and a file that is not an image is a
// download link, never rendered.
func TestArchivedImagesShowInTheBrowser(t *testing.T) {
	ctx := browser(t)
	w := testenv.NewWorld(t)
	setStaffRole(t, w)
	id := openTicket(t, w, w.Member, "the screen goes blue")
	files := postArchived(t, w, id, w.Member,
		fakediscord.File{Name: "bluescreen.png", ContentType: "image/png", Data: realPNG(t, 240, 120)},
		fakediscord.File{Name: "notes.html", ContentType: "text/html", Data: []byte("<script>window.__xss = 1</script>")})
	if files[0].Archived == nil || files[1].Archived == nil {
		t.Fatalf("not archived: %+v", files)
	}
	w.Clock.Advance(fakediscord.LinkLifetime + 1) // Discord's links are dead now
	g := "http://" + w.Srv.Addr() + "/guilds/" + w.Guild.ID.String()

	w.Fake.LoginAs(w.Staff)
	do(t, ctx, "log in", chromedp.Navigate(g+"/tickets/"+string(id)), chromedp.WaitVisible(chromedp.ID("login-discord")),
		chromedp.Click(chromedp.ID("login-discord")), chromedp.WaitVisible(chromedp.ID("transcript")))
	img := `document.querySelector('#transcript img[alt="bluescreen.png"]')`
	if width := eval[float64](t, ctx, `new Promise(ok => { const i = `+img+`; if (i.complete) ok(i.naturalWidth); else i.onload = () => ok(i.naturalWidth); i.onerror = () => ok(-1) })`); width != 240 {
		t.Fatalf("the archived image shows %v pixels wide, want 240", width)
	}
	link := eval[string](t, ctx, `document.querySelector('#transcript a[download="notes.html"]').getAttribute("href")`)
	if link != "/guilds/"+w.Guild.ID.String()+"/tickets/"+string(id)+"/"+transcripts.FilePath(files[1]) {
		t.Fatalf("the HTML file's link is %q", link)
	}
	if n := eval[float64](t, ctx, `document.querySelectorAll("#transcript iframe, #transcript object, #transcript embed").length + (window.__xss === undefined ? 0 : 1)`); n != 0 {
		t.Fatal("the HTML file was rendered into the page")
	}
	screenshot(t, ctx, "transcript-attachments")
}
