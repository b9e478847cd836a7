package fakediscord

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Discord's CDN serves attachments at signed links that expire: since
// 2024 an attachment URL carries ex (expiry, unix seconds in hex), is
// (issued), and hm (a signature over both and the path); a link past its
// expiry, or with a signature that does not match, is answered 404 — as is
// a deleted message's file. Ticketify's transcripts must archive a file
// while its link is valid. The fake signs with a key of its own and reads
// expiry on its clock (which tests move), and can be slow or fail.

// LinkLifetime is how long an attachment link is valid (Discord: 24 hours).
const LinkLifetime = 24 * time.Hour

// cdnState is the CDN's behaviour, set by tests.
type cdnState struct {
	key          []byte
	bytesPerSec  int           // 0: as fast as the socket
	firstByte    time.Duration // wait before answering
	failNext     int           // answer this many downloads with failStatus
	failStatus   int
	cutAfter     int // send only this many bytes of the next failNext-free download, then drop the connection (0: off)
	downloads    map[Snowflake]int
	downloadsAll int
}

// File is a file a person attaches to a message (PostFiles).
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// PostFiles is a person writing in a channel with files attached: they are
// stored on the CDN and the message's attachments link to them, signed and
// valid for LinkLifetime from now on the fake's clock.
func (s *Server) PostFiles(channel Snowflake, author User, content string, files ...File) Message {
	s.mu.Lock()
	var atts []Attachment
	for _, f := range files {
		id := s.nextID()
		s.files[id] = f.Data
		atts = append(atts, Attachment{ID: id, Filename: f.Name, Size: len(f.Data), ContentType: f.ContentType,
			URL: s.signedLinkLocked(channel, id, f.Name), ProxyURL: s.signedLinkLocked(channel, id, f.Name)})
	}
	s.mu.Unlock()
	return s.PostMessage(channel, author, content, atts...)
}

// CDNURL is the value of DISCORD_CDN_URL: attachments are under its
// /attachments/, as on cdn.discordapp.com.
func (s *Server) CDNURL() string { return s.BaseURL() + "/cdn" }

// signedLinkLocked makes a link to a file valid from now for LinkLifetime.
func (s *Server) signedLinkLocked(channel, id Snowflake, name string) string {
	path := fmt.Sprintf("/cdn/attachments/%s/%s/%s", id, channel, name)
	issued := s.now().Unix()
	ex, is := strconv.FormatInt(issued+int64(LinkLifetime/time.Second), 16), strconv.FormatInt(issued, 16)
	return s.BaseURL() + path + "?ex=" + ex + "&is=" + is + "&hm=" + s.cdnSignatureLocked(path, ex, is) + "&"
}

func (s *Server) cdnSignatureLocked(path, ex, is string) string {
	if s.cdn.key == nil {
		s.cdn.key = []byte(fmt.Sprintf("fake-cdn-%d", time.Now().UnixNano()))
	}
	m := hmac.New(sha256.New, s.cdn.key)
	m.Write([]byte(path + "|" + ex + "|" + is))
	return hex.EncodeToString(m.Sum(nil))
}

// SetCDNSpeed makes downloads slow: firstByte before the answer, then at
// most bytesPerSec (0: unlimited).
func (s *Server) SetCDNSpeed(firstByte time.Duration, bytesPerSec int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cdn.firstByte, s.cdn.bytesPerSec = firstByte, bytesPerSec
}

// FailCDN answers the next n downloads with status (a 5xx, a 429, a 404).
func (s *Server) FailCDN(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cdn.failNext, s.cdn.failStatus = n, status
}

// CutCDN drops the connection of the next download after n bytes.
func (s *Server) CutCDN(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cdn.cutAfter = n
}

// DeleteFile removes a file from the CDN (its message was deleted): its
// links answer 404.
func (s *Server) DeleteFile(id Snowflake) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, id)
}

// Downloads returns how often a file was downloaded in full or in part,
// and how many downloads there were of any file.
func (s *Server) Downloads(id Snowflake) (file, all int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cdn.downloads[id], s.cdn.downloadsAll
}

// serveAttachment serves /cdn/attachments/{id}/... : a file the bot
// uploaded (unsigned links, as before links were signed), or a person's
// file at a signed link that must not have expired.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/cdn/attachments/"), "/")
	id := parseID(parts[0])
	q := r.URL.Query()
	s.mu.Lock()
	data, ok := s.files[id]
	if ok && q.Get("hm") != "" {
		ex, err := strconv.ParseInt(q.Get("ex"), 16, 64)
		valid := err == nil && hmac.Equal([]byte(q.Get("hm")), []byte(s.cdnSignatureLocked(r.URL.Path, q.Get("ex"), q.Get("is"))))
		ok = valid && s.now().Unix() < ex
	} else if ok && len(parts) > 2 {
		ok = false // a person's file needs its signature (Discord answers 404 without one)
	}
	if s.cdn.downloads == nil {
		s.cdn.downloads = map[Snowflake]int{}
	}
	s.cdn.downloads[id]++
	s.cdn.downloadsAll++
	fail := 0
	if s.cdn.failNext > 0 {
		s.cdn.failNext--
		fail = s.cdn.failStatus
	}
	firstByte, rate, cut := s.cdn.firstByte, s.cdn.bytesPerSec, s.cdn.cutAfter
	s.cdn.cutAfter = 0
	s.mu.Unlock()
	time.Sleep(firstByte)
	if fail != 0 {
		http.Error(w, http.StatusText(fail), fail)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Type", "application/octet-stream") // as Discord's CDN often does: never trust it
	if cut > 0 && cut < len(data) {
		_, _ = w.Write(data[:cut])
		if h, ok := w.(http.Hijacker); ok {
			if conn, _, err := h.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
		return
	}
	if rate <= 0 {
		_, _ = w.Write(data)
		return
	}
	const chunk = 16 << 10
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		if _, err := w.Write(data[off:end]); err != nil {
			return
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		time.Sleep(time.Duration(float64(end-off) / float64(rate) * float64(time.Second)))
	}
}
