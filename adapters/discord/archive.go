package discord

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/domain/ticket"
	"github.com/ticketify/ticketify/eventstore"
	"github.com/ticketify/ticketify/eventstore/mongostore"
	"github.com/ticketify/ticketify/internal/app"
	"github.com/ticketify/ticketify/projections"
)

// ArchiverName is the attachment archiver's consumer group.
// WARNING: renaming it makes the archiver start over at the log's head.
const ArchiverName = "attachment-archiver"

// FileStore keeps archived files (mongostore.Files).
type FileStore interface {
	Begin(ctx context.Context, id string, now time.Time) error
	Write(ctx context.Context, id string, key eventstore.DataKey, r io.Reader, limit int64) (mongostore.StoredFile, error)
	End(ctx context.Context, id string) error
	Unsettled(ctx context.Context, before time.Time) ([]string, error)
	DeleteAll(ctx context.Context, id string) error
}

// ArchiverConfig configures the Archiver.
type ArchiverConfig struct {
	App   *app.App
	Files FileStore
	Keys  eventstore.Keyring
	// CDNURL is Discord's CDN (DISCORD_CDN_URL): files are downloaded only
	// from links under its /attachments/ (or media.discordapp.net's), so an
	// event can never make Ticketify fetch another address.
	CDNURL string
	Limits ticket.ArchiveLimits
	// RetryPause is the first pause between download attempts; it doubles.
	// Default 500ms.
	RetryPause time.Duration
	// Attempts is how many downloads are tried before the file is recorded
	// as failed. Default 6 (with the default pause, about 16 s of trying).
	Attempts int
	// Timeout bounds one download. Default 2 minutes.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Archiver is a reactor that archives the files attached to captured
// messages while Discord's links to them are valid (they expire after a
// day): each is streamed from the CDN into the file store, sealed under its
// author's key for the ticket, and its outcome is recorded as an event. It
// is a reactor, not a projector: a rebuild replays the outcomes and never
// downloads again. A message's files are downloaded at once (Discord allows
// ten per message), each holding one chunk in memory.
type Archiver struct {
	cfg      ArchiverConfig
	client   *http.Client
	prefixes []string
}

// mediaProxy is Discord's other host for attachments.
const mediaProxy = "https://media.discordapp.net/attachments/"

// NewArchiver returns the archiver.
func NewArchiver(cfg ArchiverConfig) *Archiver {
	if cfg.RetryPause <= 0 {
		cfg.RetryPause = 500 * time.Millisecond
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 6
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Archiver{cfg: cfg, prefixes: []string{strings.TrimRight(cfg.CDNURL, "/") + "/attachments/", mediaProxy}}
	a.client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !a.allowed(req.URL) || len(via) > 3 {
			return errOffCDN
		}
		return nil
	}}
	return a
}

// Name implements projections.Reactor.
func (a *Archiver) Name() string { return ArchiverName }

// React implements projections.Reactor.
func (a *Archiver) React(ctx context.Context, e projections.Event) error {
	m, ok := e.Event.(ticket.MessagePosted)
	if !ok || len(m.Personal.Attachments) == 0 || e.Erased || e.Sealed == nil {
		return nil // no files, or their author was erased: nothing to keep
	}
	// The files are sealed under the key that seals the message: erasing
	// its author erases both.
	key, err := a.cfg.Keys.Lookup(ctx, e.Sealed.KeyID, e.Sealed.KeyGen)
	if errors.Is(err, eventstore.ErrKeyDestroyed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	g, _ := domain.ParseGuildID(e.Guild)
	meta := app.Meta{CommandID: e.ID, Correlation: e.Correlation}
	errs := make([]error, len(m.Personal.Attachments))
	var wg sync.WaitGroup
	for i, at := range m.Personal.Attachments {
		wg.Go(func() { errs[i] = a.archive(ctx, g, m, at, key, meta) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// archive records one attachment's outcome, downloading it if it may be
// kept; what was stored for a file the archive does not hold is deleted.
//
// Each delivery writes a file of its own (its id ends in a random attempt),
// so a process that lost the event to another, or a redelivery, never
// replaces or deletes chunks of the copy the outcome names. Every attempt
// is registered before its first chunk and settled after the outcome (kept
// when the outcome names it, else deleted); one a process left unsettled —
// killed, or the outcome's append failed — is settled by Sweep.
func (a *Archiver) archive(ctx context.Context, g domain.GuildID, m ticket.MessagePosted, at ticket.Attachment, key eventstore.DataKey, meta app.Meta) error {
	id := ticket.FileID(m.Ticket, at.ID, rand.Text()[:12])
	begun := false
	held, err := a.cfg.App.ArchiveAttachment(ctx, g, m, at, a.cfg.Limits, meta, func(ctx context.Context, limit int64) (*ticket.ArchivedFile, ticket.NotArchivedReason, error) {
		if err := a.cfg.Files.Begin(ctx, id, time.Now()); err != nil {
			return nil, "", err
		}
		begun = true
		st, reason, err := a.fetch(ctx, at, id, key, limit)
		if err != nil || reason != "" {
			return nil, reason, err
		}
		// The author erased meanwhile: the outcome must not seal the file's
		// hash under a key made after the erasure.
		if _, err := a.cfg.Keys.Lookup(ctx, key.ID, key.Gen); errors.Is(err, eventstore.ErrKeyDestroyed) {
			return nil, ticket.NotArchivedErased, nil
		} else if err != nil {
			return nil, "", err
		}
		return &ticket.ArchivedFile{File: id, Size: st.Size, ContentType: st.ContentType, Chunks: st.Chunks, SHA256: st.SHA256}, "", nil
	})
	// After an error the outcome is unknown (the append may have landed):
	// the attempt stays registered, for Sweep to settle by the log.
	if err != nil || !begun {
		return err
	}
	return a.settle(context.WithoutCancel(ctx), id, held == id)
}

// settle ends a file's attempt: the file is kept when the recorded outcome
// names it, else its chunks are deleted first.
func (a *Archiver) settle(ctx context.Context, id string, kept bool) error {
	if !kept {
		if err := a.cfg.Files.DeleteAll(ctx, id); err != nil {
			return err
		}
	}
	return a.cfg.Files.End(ctx, id)
}

// SweepAfter is how old an unsettled attempt must be for Sweep to settle
// it: far beyond the longest attempt (six downloads of at most Timeout).
const SweepAfter = time.Hour

// Sweep settles the attempts that were begun more than SweepAfter ago and
// never settled — their process was killed, or the outcome's append failed:
// each is kept if the log's outcome names it, else deleted.
func (a *Archiver) Sweep(ctx context.Context, now time.Time) (int, error) {
	ids, err := a.cfg.Files.Unsettled(ctx, now.Add(-SweepAfter))
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		t, attachment, ok := ticket.ParseFileID(id)
		held := ""
		if ok {
			if held, err = a.cfg.App.ArchivedFileOf(ctx, t, attachment); err != nil {
				return i, err
			}
		}
		if err := a.settle(ctx, id, held == id); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// RunSweeps sweeps now and then every interval until ctx ends.
func (a *Archiver) RunSweeps(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.Sweep(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.cfg.Logger.Warn("archived files: sweep of unsettled attempts failed", "err", err)
		} else if n > 0 {
			a.cfg.Logger.Info("archived files: unsettled attempts settled", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

var (
	errOffCDN = errors.New("not a Discord CDN attachment link")
	errGone   = errors.New("the CDN no longer serves the file")
)

// fetch downloads a file into the store, trying again with a doubling
// pause when a download fails on the way (a slow or failing CDN, a dropped
// connection); a file Discord no longer serves, or that is over the limit,
// is not tried again. The store failing is an error: the event is
// delivered again later.
func (a *Archiver) fetch(ctx context.Context, at ticket.Attachment, id string, key eventstore.DataKey, limit int64) (mongostore.StoredFile, ticket.NotArchivedReason, error) {
	u, err := url.Parse(at.URL)
	if err != nil || !a.allowed(u) {
		a.cfg.Logger.Warn("an attachment's link is not on Discord's CDN; not downloading it", "attachment", at.ID)
		return mongostore.StoredFile{}, ticket.NotArchivedFailed, nil
	}
	pause := a.cfg.RetryPause
	for attempt := 1; ; attempt++ {
		st, err := a.download(ctx, u, id, key, limit)
		switch {
		case err == nil:
			return st, "", nil
		case errors.Is(err, mongostore.ErrFileTooLarge):
			return st, ticket.NotArchivedTooLarge, nil
		case errors.Is(err, errGone):
			return st, ticket.NotArchivedGone, nil
		case errors.Is(err, eventstore.ErrUnavailable), ctx.Err() != nil:
			return st, "", err
		case attempt >= a.cfg.Attempts:
			a.cfg.Logger.Warn("an attachment could not be downloaded; the transcript says so", "attachment", at.ID, "attempts", attempt, "err", err)
			return st, ticket.NotArchivedFailed, nil
		}
		select {
		case <-ctx.Done():
			return mongostore.StoredFile{}, "", ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
}

func (a *Archiver) download(ctx context.Context, u *url.URL, id string, key eventstore.DataKey, limit int64) (mongostore.StoredFile, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return mongostore.StoredFile{}, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		if errors.Is(err, errOffCDN) {
			return mongostore.StoredFile{}, fmt.Errorf("%w: redirected off the CDN", errGone)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("download: %w", ue.Err) // the link names the file and carries its signature: never logged
		}
		return mongostore.StoredFile{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusGone:
		return mongostore.StoredFile{}, fmt.Errorf("%w (%s)", errGone, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return mongostore.StoredFile{}, fmt.Errorf("CDN answered %s", resp.Status)
	case resp.ContentLength > limit:
		return mongostore.StoredFile{}, mongostore.ErrFileTooLarge
	}
	return a.cfg.Files.Write(ctx, id, key, resp.Body, limit)
}

// allowed says whether a link is an attachment on Discord's CDN.
func (a *Archiver) allowed(u *url.URL) bool {
	if u.User != nil || u.Fragment != "" {
		return false
	}
	if escaped := strings.ToLower(u.EscapedPath()); strings.Contains(escaped, "%2f") || strings.Contains(escaped, "%5c") {
		return false // no slash in disguise
	}
	for _, seg := range strings.Split(u.Path, "/") { // unescaped: %2e%2e is ".." here
		if seg == "." || seg == ".." {
			return false // no way out of /attachments/ (a name like "..env.txt" is fine)
		}
	}
	s := u.Scheme + "://" + u.Host + u.EscapedPath()
	for _, p := range a.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
