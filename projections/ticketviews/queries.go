package ticketviews

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// ErrNotFound is returned for a ticket without a view.
var ErrNotFound = errors.New("ticket not found")

// TargetFunc returns the live generation of the projection.
type TargetFunc func(ctx context.Context) (projections.Target, error)

// Reader answers queries from the live generation.
type Reader struct {
	target TargetFunc
	// listPages holds list pages as read, by "<generation>/<guild>/<n>".
	listPages *lru.Cache[string, cachedPage]
}

// cachedPage is a list page as read, under the version its content implies.
type cachedPage struct {
	version int64
	tickets []Summary // shared: never modified
}

// maxCachedPages bounds the page cache (250 lines each).
const maxCachedPages = 4096

// NewReader returns a Reader.
func NewReader(target TargetFunc) *Reader {
	listPages, err := lru.New[string, cachedPage](maxCachedPages)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &Reader{target: target, listPages: listPages}
}

func (r *Reader) colls(ctx context.Context) (views, lists *mongo.Collection, err error) {
	_, views, lists, err = r.collsAt(ctx)
	return views, lists, err
}

func (r *Reader) collsAt(ctx context.Context) (generation int, views, lists *mongo.Collection, err error) {
	t, err := r.target(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	return t.Generation, t.Conn.DB.Collection(t.Collection("ticket_views")), t.Conn.DB.Collection(t.Collection("ticket_lists")), nil
}

// TicketByChannel returns the ticket whose Discord channel this is.
func (r *Reader) TicketByChannel(ctx context.Context, channel string) (ticketID, guild string, err error) {
	t, err := r.target(ctx)
	if err != nil {
		return "", "", err
	}
	link, err := mongodb.FindByID[channelLink](ctx, t.Conn.DB.Collection(t.Collection("ticket_channels")), channel)
	if err != nil {
		return "", "", fmt.Errorf("channel %s: %w", channel, err)
	}
	if link == nil {
		return "", "", fmt.Errorf("%w: no ticket has channel %s", ErrNotFound, channel)
	}
	return link.Ticket, link.Guild, nil
}

// Get returns a ticket's view.
func (r *Reader) Get(ctx context.Context, id string) (View, error) {
	views, _, err := r.colls(ctx)
	if err != nil {
		return View{}, err
	}
	v, err := mongodb.FindByID[View](ctx, views, id)
	if err != nil {
		return View{}, fmt.Errorf("ticket view %s: %w", id, err)
	}
	if v == nil || v.Number == 0 { // messages may arrive before the opening
		return View{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return *v, nil
}

// Filter narrows a guild's list. Empty fields match everything.
type Filter struct {
	Status, Category, Opener, Claimer, Priority string
	// Text matches the ticket number, channel name or topic, case-insensitively.
	Text    string
	Page    int // from 1
	PerPage int // default 50, at most 200
}

// Page is one page of a filtered list, newest ticket first.
type Page struct {
	Tickets []Summary `json:"tickets"`
	Total   int       `json:"total"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
}

// List returns a guild's tickets matching the filter, newest first. It
// walks the cached pages from the newest ticket down and copies only the
// lines of the page asked for.
func (r *Reader) List(ctx context.Context, guild string, f Filter) (Page, error) {
	pages, err := r.pagesOf(ctx, guild)
	if err != nil {
		return Page{}, err
	}
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	f.PerPage = min(f.PerPage, 200)
	f.Page = max(f.Page, 1)
	text := strings.ToLower(strings.TrimSpace(f.Text))
	number := strings.TrimLeft(text, "#")
	match := func(s *Summary) bool {
		return (f.Status == "" || s.Status == f.Status) && (f.Category == "" || s.Category == f.Category) &&
			(f.Opener == "" || s.Opener == f.Opener) && (f.Claimer == "" || s.Claimer == f.Claimer) &&
			(f.Priority == "" || s.Priority == f.Priority) &&
			(text == "" || number == strconv.FormatInt(s.Number, 10) || containsFold(s.Name, text) || containsFold(s.Topic, text))
	}
	out := Page{Page: f.Page, PerPage: f.PerPage, Tickets: []Summary{}}
	from := (f.Page - 1) * f.PerPage
	for p := len(pages) - 1; p >= 0; p-- {
		for i := len(pages[p]) - 1; i >= 0; i-- {
			s := &pages[p][i]
			if !match(s) {
				continue
			}
			if out.Total >= from && len(out.Tickets) < f.PerPage {
				out.Tickets = append(out.Tickets, *s)
			}
			out.Total++
		}
	}
	return out, nil
}

// containsFold reports whether s contains the lower-case needle, ignoring case.
func containsFold(s, lowerNeedle string) bool {
	if len(s) < len(lowerNeedle) {
		return false
	}
	return strings.Contains(strings.ToLower(s), lowerNeedle)
}

// All returns every ticket of a guild, newest first.
//
// Pages are cached by the version the guild's index gives them, so a list
// of 10,000 tickets costs one small read while nothing changed, plus one
// read per page that did.
func (r *Reader) All(ctx context.Context, guild string) ([]Summary, error) {
	pages, err := r.pagesOf(ctx, guild)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, p := range pages {
		n += len(p)
	}
	all := make([]Summary, 0, n)
	for _, p := range pages {
		all = append(all, p...)
	}
	slices.SortFunc(all, func(a, b Summary) int { return cmp.Compare(b.Number, a.Number) })
	return all, nil
}

// pagesOf returns a guild's list pages in ticket-number order; the lines are
// shared with the cache and must not be modified.
func (r *Reader) pagesOf(ctx context.Context, guild string) ([][]Summary, error) {
	gen, _, lists, err := r.collsAt(ctx)
	if err != nil {
		return nil, err
	}
	g, err := mongodb.FindByID[guildIndex](ctx, lists, guild)
	if err != nil {
		return nil, fmt.Errorf("ticket list of %s: %w", guild, err)
	}
	if g == nil {
		return nil, nil
	}
	pages := make([][]Summary, g.Pages)
	errs := make([]error, g.Pages)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range g.Pages {
		key := fmt.Sprintf("%d/%s/%d", gen, guild, i)
		c, ok := r.listPages.Get(key)
		if ok && int(i) < len(g.PageV) && c.version == g.PageV[i] {
			pages[i] = c.tickets
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			p, err := mongodb.FindByID[page](ctx, lists, fmt.Sprintf("%s/%d", guild, i))
			if err != nil || p == nil {
				errs[i] = err
				return
			}
			pages[i] = p.Tickets
			// Cached under the version of what was read: if the index was
			// ahead of the page, the next read sees the difference and
			// reads the page again.
			r.listPages.Add(key, cachedPage{version: pageVersion(p.Tickets), tickets: p.Tickets})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("ticket list of %s: %w", guild, err)
	}
	return pages, nil
}
