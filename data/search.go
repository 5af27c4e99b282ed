package data

import (
	"context"
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

// Search finds items and stalls whose title, story, tags or stall name hold
// every word of q.Text (case-insensitive, Chinese included). Words of three or
// more characters use the trigram index; shorter ones (花, 旧书) a LIKE scan.
func (db *DB) Search(ctx context.Context, q SearchQuery) ([]*node.Item, []*node.Stall, error) {
	words := strings.Fields(searchable(q.Text))
	if len(words) == 0 {
		return nil, nil, node.Errorf(node.EINVALID, "Type something to search for.")
	}
	if utf8.RuneCountInString(q.Text) > node.MaxSearchLen {
		return nil, nil, node.Errorf(node.EINVALID, "A search may be at most %d characters long.", node.MaxSearchLen)
	}
	if q.Limit <= 0 {
		q.Limit = 48
	}
	if q.Status == "" {
		q.Status = node.ItemAvailable
	}
	var long []string
	var short []string
	for _, w := range words {
		if utf8.RuneCountInString(w) >= 3 {
			long = append(long, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
		} else {
			short = append(short, likePattern(w))
		}
	}

	// Items.
	var where []string
	var args []any
	if len(long) > 0 {
		where = append(where, "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
		args = append(args, strings.Join(long, " AND "))
	}
	for _, p := range short {
		where = append(where, `(i.title LIKE ? ESCAPE '\' OR i.story LIKE ? ESCAPE '\' OR i.tags LIKE ? ESCAPE '\' OR s.name LIKE ? ESCAPE '\')`)
		args = append(args, p, p, p, p)
	}
	where = append(where, "i.status = ?")
	args = append(args, q.Status)
	if q.Alley != 0 {
		where, args = append(where, "s.alley_id = ?"), append(args, q.Alley)
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
	// With only short words there is no index to start from: walk the
	// available items newest first (CROSS JOIN keeps items the outer loop, so
	// the status index gives the order) and stop at the first page of matches.
	join := "JOIN"
	if len(long) == 0 {
		join = "CROSS JOIN"
	}
	items, err := db.queryItems(ctx, `SELECT `+itemListCols+` FROM items i `+join+` stalls s ON s.id = i.stall_id WHERE `+
		strings.Join(where, " AND ")+` ORDER BY i.created_at DESC, i.id DESC LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, nil, err
	}

	// Stalls.
	where, args = nil, nil
	if len(long) > 0 {
		where = append(where, "s.id IN (SELECT rowid FROM stalls_fts WHERE stalls_fts MATCH ?)")
		args = append(args, strings.Join(long, " AND "))
	}
	for _, p := range short {
		where = append(where, `(s.name LIKE ? ESCAPE '\' OR s.story LIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	if q.Alley != 0 {
		where, args = append(where, "s.alley_id = ?"), append(args, q.Alley)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+stallCols+` FROM stalls s WHERE `+strings.Join(where, " AND ")+
		` ORDER BY s.name LIMIT 24`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var stalls []*node.Stall
	for rows.Next() {
		s, err := scanStall(rows)
		if err != nil {
			return nil, nil, err
		}
		stalls = append(stalls, s)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return items, stalls, db.firstPhotos(ctx, "stall", stalls)
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
