package web

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// exportReadme opens every archive.
const exportReadme = `This is everything of yours on %s, as of %s.

account.json              your account
actor.json                your ActivityPub Person (as in a Mastodon archive)
outbox.json               an ActivityPub OrderedCollection of Create activities: your
                          public messages, and the items of your stalls (by the stalls)
stalls.json, items.json   the stalls you hold and every item of theirs
messages.json             every message you wrote, with the conversation it is in
trades.json               your reservations and those at your stalls, with their steps
notes.json                the thank-you notes you wrote
following_accounts.csv    who you follow (Mastodon's import format)
blocked_accounts.csv      whom you blocked (Mastodon's import format)
media/                    the photos of your stalls, items and messages, full size;
                          a photo's "url" in the JSON ends with its file name here

The JSON objects have the shapes of the API (docs/api.md on the market's source).
`

// writeExport streams acc's archive (.tar.gz) as the response. Every file is
// built before it is written; nothing in the archive is secret (no password
// hash, no tokens).
func (s *Server) writeExport(c echo.Context, acc *node.Account) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	ctx := c.Request().Context()
	now := time.Now().UTC()
	files := []exportFile{}
	add := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		files = append(files, exportFile{name: name, body: append(b, '\n')})
		return nil
	}
	files = append(files, exportFile{name: "README.txt", body: []byte(fmt.Sprintf(exportReadme, s.cfg.BaseURL, now.Format(time.RFC3339)))})
	if err := add("account.json", s.accountJSON(acc)); err != nil {
		return err
	}
	if ex, ok := s.app.Fed.(app.Exporter); ok {
		actor, outbox, err := ex.ExportActivityPub(ctx, acc)
		if err != nil {
			return err
		}
		files = append(files, exportFile{name: "actor.json", body: actor}, exportFile{name: "outbox.json", body: outbox})
	}
	var photos []node.Photo

	// Stalls and their items.
	held, err := s.app.DB.StallIDsHeldBy(ctx, acc.ID) // moved ones too: they are still theirs
	if err != nil {
		return err
	}
	stallsOut, itemsOut := []stallJSON{}, []itemJSON{}
	lang := s.apiLang(c)
	for _, id := range held {
		st, err := s.app.DB.Stall(ctx, id)
		if err != nil {
			return err
		}
		j, err := s.stallJSON(ctx, st, lang, false)
		if err != nil {
			return err
		}
		stallsOut = append(stallsOut, j)
		photos = append(photos, st.Photos...)
		ids, err := s.app.DB.StallItemIDs(ctx, st.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			it, err := s.app.DB.Item(ctx, id)
			if err != nil {
				return err
			}
			itemsOut = append(itemsOut, s.itemJSON(it, true))
			photos = append(photos, it.Photos...)
		}
	}
	if err := add("stalls.json", stallsOut); err != nil {
		return err
	}
	if err := add("items.json", itemsOut); err != nil {
		return err
	}

	// Messages, with the conversation each is in.
	type exportMessage struct {
		messageJSON
		In conversationJSON `json:"in"`
	}
	msgs := []exportMessage{}
	convs := map[node.ConversationID]conversationJSON{}
	var after node.MessageID
	for {
		page, err := s.app.DB.AuthoredMessages(ctx, acc.ID, after, 500)
		if err != nil {
			return err
		}
		for _, m := range page {
			after = m.ID
			cj, ok := convs[m.Conversation]
			if !ok {
				conv, err := s.app.DB.Conversation(ctx, m.Conversation, acc.ID)
				if err != nil {
					return err
				}
				cj = s.conversationJSON(conv)
				convs[m.Conversation] = cj
			}
			msgs = append(msgs, exportMessage{messageJSON: s.messageJSON(m), In: cj})
			photos = append(photos, m.Photos...)
		}
		if len(page) < 500 {
			break
		}
	}
	if err := add("messages.json", msgs); err != nil {
		return err
	}

	// Trades and notes.
	ids, err := s.app.DB.TradeIDsOf(ctx, acc.ID)
	if err != nil {
		return err
	}
	trades := []tradeJSON{}
	for _, id := range ids {
		t, err := s.app.DB.Trade(ctx, id)
		if err != nil {
			return err
		}
		trades = append(trades, s.tradeJSON(s.localizer(c), t))
	}
	if err := add("trades.json", trades); err != nil {
		return err
	}
	notes, err := s.app.DB.Notes(ctx, data.NoteFilter{By: acc.ID, Limit: 1 << 20})
	if err != nil {
		return err
	}
	notesOut := []noteJSON{}
	for _, n := range notes {
		notesOut = append(notesOut, s.noteJSON(n))
	}
	if err := add("notes.json", notesOut); err != nil {
		return err
	}

	// Follows and blocks, as Mastodon imports them.
	following := [][]string{{"Account address", "Show boosts", "Notify on new posts", "Languages"}}
	followed, err := s.app.DB.FollowedStalls(ctx, acc.ID)
	if err != nil {
		return err
	}
	for _, st := range followed {
		following = append(following, []string{s.acct(node.StallHandle(st.ID)), "true", "false", ""})
	}
	if remote, err := s.app.RemoteFollows(ctx, acc); err == nil {
		for _, f := range remote {
			if f.State == "accepted" && f.Actor.Acct != "" {
				following = append(following, []string{f.Actor.Acct, "true", "false", ""})
			}
		}
	} else if node.ErrorCode(err) != node.EUNSUPPORTED {
		return err
	}
	blocked := [][]string{}
	bl, err := s.app.DB.Blocks(ctx, acc.ID)
	if err != nil {
		return err
	}
	for _, b := range bl {
		blocked = append(blocked, []string{s.acct(b.Name)})
	}
	for name, rows := range map[string][][]string{"following_accounts.csv": following, "blocked_accounts.csv": blocked} {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.WriteAll(rows)
		files = append(files, exportFile{name: name, body: buf.Bytes()})
	}

	// The archive: the files, then the photos.
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/gzip")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="shiji-%s-%s.tar.gz"`, acc.Name, now.Format("2006-01-02")))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	gz := gzip.NewWriter(c.Response())
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return s.exportFailed(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			return s.exportFailed(err)
		}
	}
	seen := map[string]bool{}
	for _, p := range photos {
		name := p.Hash + "." + p.Ext
		if seen[name] {
			continue
		}
		seen[name] = true
		if err := s.exportPhoto(tw, name, now); err != nil {
			return s.exportFailed(err)
		}
	}
	if err := tw.Close(); err != nil {
		return s.exportFailed(err)
	}
	return s.exportFailed(gz.Close())
}

type exportFile struct {
	name string
	body []byte
}

// exportPhoto copies one photo file into the archive (a missing file is
// left out: the archive still has everything else).
func (s *Server) exportPhoto(tw *tar.Writer, name string, now time.Time) error {
	path, err := s.cfg.Media.Path(name)
	if err != nil {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		s.cfg.Logger.Warn("export: a photo file is missing", "file", name, "err", err)
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: "media/" + name, Mode: 0o644, Size: st.Size(), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.CopyN(tw, f, st.Size())
	return err
}

// exportFailed logs a failure after the archive has started (the client
// sees a truncated download, which gzip reports as broken).
func (s *Server) exportFailed(err error) error {
	if err != nil && !strings.Contains(err.Error(), "broken pipe") {
		s.cfg.Logger.Error("export: the archive broke off", "err", err)
	}
	return nil
}
