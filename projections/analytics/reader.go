package analytics

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/ticketify/ticketify/internal/platform/mongodb"
	"github.com/ticketify/ticketify/projections"
)

// Day is one UTC day of a guild's numbers.
type Day struct {
	Day    string `json:"day"`
	Opened int    `json:"opened"`
	Closed int    `json:"closed"`
	// AutoClosed counts the closes by automation, by cause (inactivity,
	// opener_left); they are part of Closed.
	AutoClosed map[string]int `json:"auto_closed"`
	// CloseRequests counts the close requests settled that day, by outcome
	// (accepted, denied, expired).
	CloseRequests map[string]int `json:"close_requests"`
	Ratings       Ratings        `json:"ratings"`
	Reopened      int            `json:"reopened"`
	Backlog       int            `json:"backlog"` // open tickets at the end of the day
	Commands      map[string]int `json:"commands"`
	// Tags counts the saved answers posted in tickets, by tag.
	Tags      map[string]int `json:"tags"`
	FirstResp Percentiles    `json:"first_response"`
	// FirstRespInHours counts only the time within support hours.
	FirstRespInHours Percentiles      `json:"first_response_in_hours"`
	Resolve          Percentiles      `json:"resolution"`
	Staff            map[string]Staff `json:"staff"`
}

// Percentiles of durations in milliseconds over the tickets of a day.
type Percentiles struct {
	Count  int   `json:"count"`
	Median int64 `json:"median_ms"`
	P90    int64 `json:"p90_ms"`
}

// Staff counts what one staff member did on a day, and the ratings of the
// tickets they claimed or closed.
type Staff struct {
	Claimed int     `json:"claimed"`
	Closed  int     `json:"closed"`
	Ratings Ratings `json:"ratings"`
}

// Ratings are the ratings given on a day: how many, their average and how
// many of each star count (Distribution[0] is one star).
type Ratings struct {
	Count        int     `json:"count"`
	Average      float64 `json:"average"`
	Distribution [5]int  `json:"distribution"`
}

func (r *Ratings) add(stars int) {
	if stars < 1 || stars > 5 {
		return
	}
	r.Distribution[stars-1]++
	r.Average = (r.Average*float64(r.Count) + float64(stars)) / float64(r.Count+1)
	r.Count++
}

// Reader reads analytics from the live generation.
type Reader struct {
	target func(ctx context.Context) (projections.Target, error)
}

// NewReader returns a Reader.
func NewReader(target func(ctx context.Context) (projections.Target, error)) *Reader {
	return &Reader{target: target}
}

// Range returns the days from..to (inclusive, YYYY-MM-DD) that have numbers.
// The backlog is a running sum over the guild's whole history.
func (r *Reader) Range(ctx context.Context, guild, from, to string) ([]Day, error) {
	days, _, err := r.rangeAndBacklog(ctx, guild, from, to)
	return days, err
}

// rangeAndBacklog is Range, and the backlog at the end of the day before from.
func (r *Reader) rangeAndBacklog(ctx context.Context, guild, from, to string) ([]Day, int, error) {
	t, err := r.target(ctx)
	if err != nil {
		return nil, 0, err
	}
	coll := t.Conn.DB.Collection(t.Collection("analytics"))
	idx, err := mongodb.FindByID[days](ctx, coll, "g/"+guild)
	if err != nil {
		return nil, 0, fmt.Errorf("analytics of %s: %w", guild, err)
	}
	if idx == nil {
		return []Day{}, 0, nil
	}
	type wantedDay struct {
		day     string
		backlog int
	}
	var wanted []wantedDay
	backlog, before := 0, 0
	for i, d := range idx.Days {
		if d > to {
			break
		}
		if i < len(idx.Net) {
			backlog += idx.Net[i]
		}
		if d >= from {
			wanted = append(wanted, wantedDay{d, backlog})
		} else {
			before = backlog
		}
	}
	out := make([]Day, len(wanted))
	errs := make([]error, len(wanted))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, w := range wanted {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = readDay(ctx, coll, guild, w.day)
			out[i].Backlog = w.backlog
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, 0, fmt.Errorf("analytics of %s on %s: %w", guild, wanted[i].day, err)
		}
	}
	return out, before, nil
}

// Series returns every day from..to (inclusive, YYYY-MM-DD), for charts:
// a day without numbers has zeros and the backlog of the day before.
func (r *Reader) Series(ctx context.Context, guild, from, to string) ([]Day, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("analytics: from %q: %w", from, err)
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("analytics: to %q: %w", to, err)
	}
	if end.Before(start) || end.Sub(start) > 3660*24*time.Hour {
		return nil, fmt.Errorf("analytics: %s..%s is not a range of at most ten years", from, to)
	}
	have, backlog, err := r.rangeAndBacklog(ctx, guild, from, to)
	if err != nil {
		return nil, err
	}
	byDay := map[string]Day{}
	for _, d := range have {
		byDay[d.Day] = d
	}
	var out []Day
	for t := start; !t.After(end); t = t.AddDate(0, 0, 1) {
		k := t.Format(time.DateOnly)
		d, ok := byDay[k]
		if !ok {
			d = Day{Day: k, Backlog: backlog, Commands: map[string]int{}, Staff: map[string]Staff{}}
		}
		backlog = d.Backlog
		out = append(out, d)
	}
	return out, nil
}

// readDay reads a day and its chunks.
func readDay(ctx context.Context, coll *mongo.Collection, guild, d string) (Day, error) {
	dd, err := mongodb.FindByID[day](ctx, coll, dayID(guild, d))
	if err != nil || dd == nil {
		return Day{Day: d, Commands: map[string]int{}, Staff: map[string]Staff{}}, err
	}
	var chunks []*dayChunk
	for _, n := range dd.Chunks {
		c, err := mongodb.FindByID[dayChunk](ctx, coll, chunkID(guild, d, n))
		if err != nil {
			return Day{}, err
		}
		if c != nil {
			chunks = append(chunks, c)
		}
	}
	return summarize(dd, chunks), nil
}

func summarize(d *day, chunks []*dayChunk) Day {
	v := Day{Day: d.Day, Commands: map[string]int{}, Staff: map[string]Staff{}}
	for k, n := range d.Commands {
		v.Commands[k] = n
	}
	var first, inHours, resolve []int64
	for _, c := range chunks {
		add(&v, c, &first, &inHours, &resolve)
	}
	v.FirstResp, v.FirstRespInHours, v.Resolve = percentiles(first), percentiles(inHours), percentiles(resolve)
	return v
}

func add(v *Day, ch *dayChunk, first, inHours, resolve *[]int64) {
	for _, c := range ch.Tickets {
		v.Opened += c.Opened
		v.Closed += c.Closed
		v.Reopened += c.Reopened
		if c.FirstResponse > 0 {
			*inHours = append(*inHours, c.FirstResponseInHours)
			*first = append(*first, c.FirstResponse)
		}
		if c.Resolution > 0 {
			*resolve = append(*resolve, c.Resolution)
		}
		for who, n := range c.Claimed {
			s := v.Staff[who]
			s.Claimed += n
			v.Staff[who] = s
		}
		for cause, n := range c.AutoClosed {
			if v.AutoClosed == nil {
				v.AutoClosed = map[string]int{}
			}
			v.AutoClosed[cause] += n
		}
		if c.Rating > 0 {
			v.Ratings.add(c.Rating)
			for _, who := range c.RatedStaff {
				s := v.Staff[who]
				s.Ratings.add(c.Rating)
				v.Staff[who] = s
			}
		}
		for name, n := range c.Tags {
			if v.Tags == nil {
				v.Tags = map[string]int{}
			}
			v.Tags[name] += n
		}
		for outcome, n := range c.CloseRequests {
			if v.CloseRequests == nil {
				v.CloseRequests = map[string]int{}
			}
			v.CloseRequests[outcome] += n
		}
		for who, n := range c.ClosedBy {
			s := v.Staff[who]
			s.Closed += n
			v.Staff[who] = s
		}
	}
}

// percentiles uses the nearest-rank method.
func percentiles(ms []int64) Percentiles {
	if len(ms) == 0 {
		return Percentiles{}
	}
	slices.Sort(ms)
	rank := func(p int) int64 { return ms[(p*len(ms)+99)/100-1] }
	return Percentiles{Count: len(ms), Median: rank(50), P90: rank(90)}
}
