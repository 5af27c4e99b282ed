package web

import (
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// An item's page reads the item with all its photos, what reservations
// hold, its thread and its likes (data.ItemView): everything in it moves the
// Pages version, so the item cache keeps it for that version beside the
// listed items, and a signed-in reader's page or a page the page cache no
// longer holds reads no item from the database.

// viewSize estimates the memory a cached item view holds.
func viewSize(v *data.ItemView) int64 { return itemSize(v.Item) + 64 }

func (ic *itemCache) view(gen int64, id node.ItemID) (*data.ItemView, bool) {
	ic.mu.RLock()
	defer ic.mu.RUnlock()
	v, ok := ic.views[id]
	return v, ok && ic.gen == gen
}

func (ic *itemCache) setView(gen int64, v *data.ItemView) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if old, ok := ic.views[v.ID]; ok && ic.gen == gen {
		ic.used -= viewSize(old)
	}
	if ic.fresh(gen, viewSize(v)) {
		ic.views[v.ID] = v
	}
}

// itemView returns the item as its page shows it, from the item cache or
// one query. Cached views are shared: never modify one.
func (s *Server) itemView(c echo.Context, id node.ItemID) (*data.ItemView, error) {
	gen := pagesVersion(c)
	if s.items != nil {
		if v, ok := s.items.view(gen, id); ok {
			return v, nil
		}
	}
	v, err := s.app.DB.ItemView(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if s.items != nil {
		s.items.setView(gen, v)
	}
	return v, nil
}
