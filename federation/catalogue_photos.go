package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The catalogue's pictures: the first picture of each item is copied here as
// a thumbnail (fetched through the SSRF-safe client without cookies or a
// signature, decoded once within the media store's limits, re-encoded
// without metadata), so that strolls show it even when its market is slow
// or down, and readers' browsers never load it from elsewhere. Each linked
// market has a byte cap (WorldLimits.PhotoBytes): the newest items get their
// thumbnails first, and to make room a thumbnail is evicted from the item
// listed longest ago; an item older than every kept one waits as "evicted"
// (its card shows no picture).

// thumbLong is the longest side of a catalogue thumbnail, in pixels (the
// cards' "s" size).
const thumbLong = 320

// thumbTimeout bounds fetching one picture.
const thumbTimeout = 20 * time.Second

// wantedThumb is an item whose thumbnail is to be copied.
type wantedThumb struct {
	id        int64
	link      node.LinkID
	url       string
	published int64
}

// fetchThumbs copies the thumbnails of up to limit items (newest first) and
// reports how many it handled.
func (f *Federation) fetchThumbs(ctx context.Context, limit int) (int, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT i.id, i.link_id, i.photo_url, i.published FROM world_items i
		JOIN world_links l ON l.id = i.link_id WHERE i.thumb_state = 'wanted' AND l.state = 'linked'
		ORDER BY i.published DESC, i.id DESC LIMIT ?`, limit)
	if err != nil {
		return 0, err
	}
	var want []wantedThumb
	for rows.Next() {
		var t wantedThumb
		if err := rows.Scan(&t.id, &t.link, &t.url, &t.published); err != nil {
			rows.Close()
			return 0, err
		}
		want = append(want, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, t := range want {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		// The same picture on another item (a market shows one photo on
		// several items) is not fetched again.
		var th thumbFile
		err := f.db.Read().QueryRowContext(ctx, `SELECT thumb, thumb_w, thumb_h, thumb_bytes FROM world_items
			WHERE photo_url = ? AND thumb_state = 'kept' LIMIT 1`, t.url).Scan(&th.Name, &th.Width, &th.Height, &th.Bytes)
		if err == nil {
			if err := f.keepThumb(ctx, t, th.Name, th.Width, th.Height, th.Bytes); err != nil {
				return 0, err
			}
			continue
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		th, err = f.copyThumb(ctx, t.url)
		if err != nil {
			f.log.Info("world catalogue: picture not copied", "url", t.url, "err", err)
			if err := f.setThumbState(ctx, t.id, t.url, "failed"); err != nil {
				return 0, err
			}
			continue
		}
		if err := f.keepThumb(ctx, t, th.Name, th.Width, th.Height, th.Bytes); err != nil {
			return 0, err
		}
	}
	return len(want), nil
}

// copyThumb fetches a picture and stores its thumbnail.
func (f *Federation) copyThumb(ctx context.Context, rawURL string) (thumbFile, error) {
	if !strings.HasPrefix(rawURL, "https://") && !strings.HasPrefix(rawURL, "http://") {
		return thumbFile{}, fmt.Errorf("not an http(s) URL")
	}
	if f.isBlocked(ctx, rawURL) {
		return thumbFile{}, errBlocked
	}
	ctx, cancel := context.WithTimeout(ctx, thumbTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return thumbFile{}, err
	}
	req.Header.Set("Accept", "image/jpeg, image/png, image/webp, image/gif;q=0.8")
	req.Header.Set("User-Agent", f.userAgent())
	resp, err := f.client.hc.Do(req)
	if err != nil {
		return thumbFile{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return thumbFile{}, &statusError{status: resp.StatusCode, url: rawURL}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && !strings.HasPrefix(mt, "image/") &&
		mt != "application/octet-stream" {
		return thumbFile{}, fmt.Errorf("not an image (%s)", mt)
	}
	f.pictureSem <- struct{}{} // one large decode at a time (pictures.go)
	defer func() { <-f.pictureSem }()
	th, err := f.cfg.WorldMedia.SaveThumb(resp.Body, thumbLong)
	if err != nil {
		return thumbFile{}, err
	}
	return thumbFile{th.Name, th.Width, th.Height, th.Bytes}, nil
}

type thumbFile struct {
	Name          string
	Width, Height int
	Bytes         int64
}

// keepThumb records a copied thumbnail within its market's byte cap,
// evicting the thumbnails of the items listed longest ago to make room.
func (f *Federation) keepThumb(ctx context.Context, t wantedThumb, name string, w, h int, size int64) error {
	capBytes := f.world.limits.PhotoBytes
	var dropped []string
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		dropped = dropped[:0]
		var used int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(thumb_bytes), 0) FROM world_items WHERE link_id = ? AND thumb_state = 'kept'`,
			t.link).Scan(&used); err != nil {
			return err
		}
		for used+size > capBytes {
			var id, bytes int64
			var old string
			err := tx.QueryRowContext(ctx, `SELECT id, thumb, thumb_bytes FROM world_items WHERE link_id = ? AND thumb_state = 'kept'
				AND (published < ? OR (published = ? AND id < ?)) ORDER BY published, id LIMIT 1`, t.link, t.published, t.published, t.id).
				Scan(&id, &old, &bytes)
			if errors.Is(err, sql.ErrNoRows) { // every kept one is newer: this one waits
				dropped = append(dropped, name)
				_, err := tx.ExecContext(ctx, `UPDATE world_items SET thumb_state = 'evicted' WHERE id = ? AND photo_url = ?`, t.id, t.url)
				return err
			} else if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE world_items SET thumb_state = 'evicted', thumb = '', thumb_bytes = 0 WHERE id = ?`, id); err != nil {
				return err
			}
			dropped = append(dropped, old)
			used -= bytes
		}
		_, err := tx.ExecContext(ctx, `UPDATE world_items SET thumb_state = 'kept', thumb = ?, thumb_w = ?, thumb_h = ?, thumb_bytes = ?
			WHERE id = ? AND photo_url = ?`, name, w, h, size, t.id, t.url)
		return err
	})
	if err != nil {
		return err
	}
	for _, n := range dropped {
		f.removeThumbIfUnused(ctx, n)
	}
	return nil
}

func (f *Federation) setThumbState(ctx context.Context, id int64, url, state string) error {
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE world_items SET thumb_state = ? WHERE id = ? AND photo_url = ?`, state, id, url)
		return err
	})
}

// removeThumbIfUnused deletes a thumbnail file no kept item uses (another
// item may share it: names are content hashes).
func (f *Federation) removeThumbIfUnused(ctx context.Context, name string) {
	var n int
	if err := f.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM world_items WHERE thumb = ? AND thumb_state = 'kept'`, name).
		Scan(&n); err != nil || n > 0 {
		return
	}
	if err := f.cfg.WorldMedia.Remove(name); err != nil {
		f.log.Error("world catalogue: removing a thumbnail", "name", name, "err", err)
	}
}

// collectThumbs removes the thumbnail files no kept item uses (items that
// left the catalogue, unlinked markets); files written in the last ten
// minutes are left alone (their item may be being recorded).
func (f *Federation) collectThumbs(ctx context.Context) (int, error) {
	used := map[string]bool{}
	rows, err := f.db.Read().QueryContext(ctx, `SELECT DISTINCT thumb FROM world_items WHERE thumb_state = 'kept'`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, err
		}
		used[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	cut := time.Now().Add(-10 * time.Minute)
	removed := 0
	err = f.cfg.WorldMedia.Files(func(name string, mod time.Time) error {
		if used[name] || mod.After(cut) {
			return nil
		}
		if err := f.cfg.WorldMedia.Remove(name); err != nil {
			return err
		}
		removed++
		return ctx.Err()
	})
	return removed, err
}

// nameStalls reads the actors of up to limit catalogue stalls not named yet
// (signed fetches, cached in ap_actors) and reports how many it named.
func (f *Federation) nameStalls(ctx context.Context, limit int) (int, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT s.id, s.actor FROM world_stalls s JOIN world_links l ON l.id = s.link_id
		WHERE s.named_at IS NULL AND l.state = 'linked' AND l.stale_since IS NULL ORDER BY s.id LIMIT ?`, limit)
	if err != nil {
		return 0, err
	}
	type unnamed struct {
		id    int64
		actor string
	}
	var list []unnamed
	for rows.Next() {
		var u unnamed
		if err := rows.Scan(&u.id, &u.actor); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	named := 0
	for _, u := range list {
		if ctx.Err() != nil {
			return named, ctx.Err()
		}
		name, url := "", ""
		if a, err := f.remoteActor(ctx, u.actor, false); err == nil {
			name, url = truncate(a.Name, 200), a.URL
			if !sameHost(url, u.actor) {
				url = "" // a stall's page is on its market's server
			}
		} else if !errors.Is(err, errGone) {
			return named, err // try again later
		}
		err := f.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE world_stalls SET name = ?, url = ?, named_at = ? WHERE id = ?`, name, url, f.now().Unix(), u.id)
			return err
		})
		if err != nil {
			return named, err
		}
		named++
	}
	return named, nil
}

// refetchLostThumbs asks for every kept thumbnail again when the thumbnail
// directory is empty (a restored backup holds the catalogue but not these
// copies, which are fetched again).
func (f *Federation) refetchLostThumbs(ctx context.Context) error {
	if f.cfg.WorldMedia == nil {
		return nil
	}
	files := 0
	if err := f.cfg.WorldMedia.Files(func(string, time.Time) error { files++; return errStopWalk }); err != nil && !errors.Is(err, errStopWalk) {
		return err
	}
	if files > 0 {
		return nil
	}
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE world_items SET thumb_state = 'wanted', thumb = '', thumb_bytes = 0 WHERE thumb_state = 'kept'`)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			f.log.Info("world catalogue: thumbnails missing; fetching them again", "items", n)
		}
		return nil
	})
}

// errStopWalk ends a walk over the thumbnail files early.
var errStopWalk = errors.New("stop")
