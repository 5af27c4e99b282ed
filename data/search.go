package data

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// SearchQuery is a search over items and stalls.
type SearchQuery struct {
	Text     string
	Alley    node.AlleyID
	MinMinor int64 // price range in minor units of Currency; 0 = no bound
	MaxMinor int64
	Currency string
	Status   node.ItemStatus // "" = available
	Limit    int             // 0 = 48
}

// maxSearchScan bounds how many index matches one search looks through for
// items that pass its filters (status, alley, price): a common word with a
// rare filter stops there instead of reading every match.
const maxSearchScan = 50_000

// searchPlan is how each word of a search is looked up: words of three
// characters or more in the trigram index (anywhere in a word), CJK words
// of one or two letters as one token of the words index, other words of
// one or two characters as word starts in the words index (from its index
// of prefixes), and words of signs alone with LIKE.
type searchPlan struct {
	words, trigram []string // MATCH terms, ANDed
	like           []string // LIKE patterns, each matched by some column
}

func planSearch(words []string) searchPlan {
	var p searchPlan
	for _, w := range words {
		switch {
		case runes(w) >= 3:
			p.trigram = append(p.trigram, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
		case cjkWord(w) != "":
			p.words = append(p.words, cjkWord(w))
		case prefixQuery(w) != "":
			p.words = append(p.words, prefixQuery(w))
		default:
			p.like = append(p.like, likePattern(w))
		}
	}
	return p
}

// Search finds items and stalls whose title, story, tags or stall name hold
// every word of q.Text (case-insensitive, Chinese included), newest items
// first (by when they were listed: their ids). The full-text indexes are
// read newest first a chunk at a time, each chunk filtered, until a page of
// results is found (or maxSearchScan matches have been looked at), so the
// cost of a common word does not grow with the market.
func (db *DB) Search(ctx context.Context, q SearchQuery) ([]*node.Item, []*node.Stall, error) {
	ids, stalls, err := db.SearchIDs(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	items, err := db.ItemsByID(ctx, ids)
	return items, stalls, err
}

// SearchIDs is Search with the items' ids (in order) instead of the items,
// for a caller that keeps items at hand.
func (db *DB) SearchIDs(ctx context.Context, q SearchQuery) ([]node.ItemID, []*node.Stall, error) {
	words := strings.Fields(searchable(q.Text))
	if len(words) == 0 {
		return nil, nil, node.Errorf(node.EINVALID, "Type something to search for.")
	}
	if runes(q.Text) > node.MaxSearchLen {
		return nil, nil, node.Errorf(node.EINVALID, "A search may be at most %d characters long.", node.MaxSearchLen)
	}
	if q.Limit <= 0 {
		q.Limit = 48
	}
	if q.Status == "" {
		q.Status = node.ItemAvailable
	}
	plan := planSearch(words)
	ids, err := db.searchItems(ctx, plan, q)
	if err != nil {
		return nil, nil, err
	}
	stalls, err := db.searchStalls(ctx, plan, q)
	return ids, stalls, err
}

// searchItems returns the ids of the matching items, newest first.
func (db *DB) searchItems(ctx context.Context, plan searchPlan, q SearchQuery) ([]node.ItemID, error) {
	// The filters on a candidate item i (and its stall s).
	where, args := []string{"i.status = ?"}, []any{q.Status}
	join := ""
	if q.Alley != 0 {
		join, where, args = " JOIN stalls s ON s.id = i.stall_id", append(where, "s.alley_id = ?"), append(args, q.Alley)
	}
	if q.MinMinor > 0 || q.MaxMinor > 0 {
		where, args = append(where, "i.price_kind = 'amount' AND i.currency = ?"), append(args, q.Currency)
		if q.MinMinor > 0 {
			where, args = append(where, "i.price_minor >= ?"), append(args, q.MinMinor)
		}
		if q.MaxMinor > 0 {
			where, args = append(where, "i.price_minor <= ?"), append(args, q.MaxMinor)
		}
	}
	// The index the candidates come from, and the other one (both when the
	// search has words of both kinds), intersected a range at a time.
	primary, primaryTerm := "items_words", strings.Join(plan.words, " AND ")
	secondTerm := strings.Join(plan.trigram, " AND ")
	if primaryTerm == "" {
		primary, primaryTerm, secondTerm = "items_fts", secondTerm, ""
	}
	if len(plan.like) > 0 {
		if join == "" {
			join = " JOIN stalls s ON s.id = i.stall_id"
		}
		for _, p := range plan.like {
			where = append(where, `(i.title LIKE ? ESCAPE '\' OR i.story LIKE ? ESCAPE '\' OR i.tags LIKE ? ESCAPE '\' OR s.name LIKE ? ESCAPE '\')`)
			args = append(args, p, p, p, p)
		}
	}
	filter := strings.Join(where, " AND ")
	if primaryTerm == "" {
		// Nothing to look up in an index (only words of one or two Latin
		// letters or signs): the newest items, as many as the bound.
		return db.itemIDs(ctx, `SELECT i.id FROM (SELECT id FROM items WHERE status = ? ORDER BY id DESC LIMIT ?) c
			JOIN items i ON i.id = c.id`+join+` WHERE `+filter+` ORDER BY i.id DESC LIMIT ?`,
			append(append([]any{q.Status, maxSearchScan}, args...), q.Limit)...)
	}
	var out []node.ItemID
	cursor, chunk, scanned := int64(math.MaxInt64), 2*q.Limit, 0
	for len(out) < q.Limit && scanned < maxSearchScan {
		cand, err := db.itemIDs(ctx, `SELECT rowid FROM `+primary+` WHERE `+primary+` MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`,
			primaryTerm, cursor, chunk)
		if err != nil {
			return nil, err
		}
		if len(cand) == 0 {
			break
		}
		scanned += len(cand)
		last, more := cand[len(cand)-1], len(cand) == chunk
		if secondTerm != "" {
			also, err := db.itemIDs(ctx, `SELECT rowid FROM items_fts WHERE items_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC`,
				secondTerm, last, cand[0])
			if err != nil {
				return nil, err
			}
			cand = intersectDesc(cand, also)
		}
		found, err := db.itemIDs(ctx, `SELECT i.id FROM items i`+join+` WHERE i.id IN (SELECT value FROM json_each(?)) AND `+filter+
			` ORDER BY i.id DESC`, append([]any{idList(cand)}, args...)...)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
		if !more {
			break
		}
		cursor, chunk = int64(last), min(chunk*4, 4096)
	}
	return out[:min(len(out), q.Limit)], nil
}

// intersectDesc returns the ids in both lists, each in descending order.
func intersectDesc(a, b []node.ItemID) []node.ItemID {
	var out []node.ItemID
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i, j = i+1, j+1
		case a[i] > b[j]:
			i++
		default:
			j++
		}
	}
	return out
}

func (db *DB) itemIDs(ctx context.Context, q string, args ...any) ([]node.ItemID, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("data: search: %w", err)
	}
	defer rows.Close()
	var ids []node.ItemID
	for rows.Next() {
		var id node.ItemID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// searchStalls returns up to 24 matching stalls by name.
func (db *DB) searchStalls(ctx context.Context, plan searchPlan, q SearchQuery) ([]*node.Stall, error) {
	var where []string
	var args []any
	if len(plan.words) > 0 {
		where, args = append(where, "s.id IN (SELECT rowid FROM stalls_words WHERE stalls_words MATCH ?)"), append(args, strings.Join(plan.words, " AND "))
	}
	if len(plan.trigram) > 0 {
		where, args = append(where, "s.id IN (SELECT rowid FROM stalls_fts WHERE stalls_fts MATCH ?)"), append(args, strings.Join(plan.trigram, " AND "))
	}
	for _, p := range plan.like {
		where = append(where, `(s.name LIKE ? ESCAPE '\' OR s.story LIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	if q.Alley != 0 {
		where, args = append(where, "s.alley_id = ?"), append(args, q.Alley)
	}
	rows, err := db.query(ctx, `SELECT `+stallCols+` FROM stalls s WHERE `+strings.Join(where, " AND ")+` ORDER BY s.name LIMIT 24`, args...)
	if err != nil {
		return nil, fmt.Errorf("data: search stalls: %w", err)
	}
	defer rows.Close()
	var stalls []*node.Stall
	for rows.Next() {
		s, err := scanStall(rows)
		if err != nil {
			return nil, err
		}
		stalls = append(stalls, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return stalls, db.firstPhotos(ctx, stalls)
}

// likePattern makes a LIKE pattern matching w anywhere, with % and _ escaped.
func likePattern(w string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(w) + "%"
}

// searchable is text with invalid UTF-8 and control characters (NUL among
// them, which ends an FTS5 query early) turned into spaces: they match
// nothing anyone wrote.
func searchable(text string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, " "))
}
