package web

import (
	"encoding/json"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// The API's JSON shapes, built from node types in one place.

type photoJSON struct {
	URL    string            `json:"url"`
	Sizes  map[string]string `json:"sizes"`
	Alt    string            `json:"alt"`
	Width  int               `json:"width"`
	Height int               `json:"height"`
}

func (s *Server) photoJSON(p node.Photo) photoJSON {
	out := photoJSON{URL: s.abs(node.PhotoPath(p, "")), Alt: p.Alt, Width: p.Width, Height: p.Height, Sizes: map[string]string{}}
	for _, sz := range media.Sizes() {
		out.Sizes[sz.Name] = s.abs(node.PhotoPath(p, sz.Name))
	}
	return out
}

func (s *Server) photosJSON(ps []node.Photo) []photoJSON {
	out := make([]photoJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, s.photoJSON(p))
	}
	return out
}

type priceJSON struct {
	Kind     node.PriceKind `json:"kind"`
	Amount   string         `json:"amount,omitempty"`
	Currency string         `json:"currency,omitempty"`
}

type alleyJSON struct {
	ID     node.AlleyID `json:"id"`
	Slug   string       `json:"slug"`
	Name   string       `json:"name"`
	Names  node.Text    `json:"names"`
	Colour string       `json:"colour"`
	URL    string       `json:"url"`
}

func (s *Server) alleyJSON(a *node.Alley, lang string) alleyJSON {
	return alleyJSON{ID: a.ID, Slug: a.Slug, Name: a.Name.In(lang), Names: a.Name, Colour: a.Colour, URL: s.abs(node.AlleyPath(a.Slug))}
}

type stallRefJSON struct {
	ID   node.StallID `json:"id"`
	Name string       `json:"name"`
	URL  string       `json:"url"`
}

type stallJSON struct {
	stallRefJSON
	Acct      string     `json:"acct"` // stall-ID@host: the stall on the fediverse
	Story     string     `json:"story"`
	StoryHTML string     `json:"story_html"`
	Alley     *alleyJSON `json:"alley"`
	Spot      *node.Spot `json:"spot"`
	OpenToday bool       `json:"open_today"`
	// ApproveFollowers: followers elsewhere wait for a stallholder's answer.
	ApproveFollowers bool          `json:"approve_followers"`
	Holders          []string      `json:"holders"`
	Photos           []photoJSON   `json:"photos"`
	Items            []itemJSON    `json:"items,omitempty"`
	Days             []string      `json:"market_days"` // the upcoming market days it comes to
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
	Neighbour        *stallRefJSON `json:"-"`
	// MovedTo is the actor on another market the stall moved to;
	// AlsoKnownAs its other addresses (docs/trust.md).
	MovedTo     string   `json:"moved_to,omitempty"`
	AlsoKnownAs []string `json:"also_known_as,omitempty"`
}

type itemJSON struct {
	ID        node.ItemID     `json:"id"`
	Title     string          `json:"title"`
	Story     string          `json:"story,omitempty"`
	StoryHTML string          `json:"story_html,omitempty"`
	Status    node.ItemStatus `json:"status"`
	Quantity  int             `json:"quantity"`
	Price     priceJSON       `json:"price"`
	Tags      []string        `json:"tags"`
	Stall     stallRefJSON    `json:"stall"`
	Alley     node.AlleyID    `json:"alley"`
	Photos    []photoJSON     `json:"photos"`
	URL       string          `json:"url"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	// With the full item: how many accepted reservations do not hold, and
	// the market day the stall brings it on ("" = whenever it comes).
	Available *int   `json:"available,omitempty"`
	BringOn   string `json:"bring_on,omitempty"`
	// With the full item: likes and boosts from other servers.
	Fediverse *reactionsJSON `json:"fediverse,omitempty"`
}

type reactionsJSON struct {
	Likes  int `json:"likes"`
	Boosts int `json:"boosts"`
}

// itemJSON renders an item; full adds the story and its HTML.
func (s *Server) itemJSON(it *node.Item, full bool) itemJSON {
	out := itemJSON{
		ID: it.ID, Title: it.Title, Status: it.Status, Quantity: it.Quantity,
		Price: priceJSON{Kind: it.Price.Kind, Amount: it.Price.Amount(), Currency: it.Price.Currency},
		Tags:  it.Tags, Alley: it.Alley, Photos: s.photosJSON(it.Photos), URL: s.abs(node.ItemPath(it.ID)),
		Stall:     stallRefJSON{ID: it.Stall, Name: it.StallName, URL: s.abs(node.StallPath(it.Stall))},
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt,
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if full {
		out.Story, out.StoryHTML = it.Story, string(s.cfg.Markdown.HTML(it.Story))
		avail := it.Available()
		out.Available, out.BringOn = &avail, it.BringOn
	}
	return out
}

func (s *Server) abs(path string) string { return s.cfg.BaseURL + path }

// listedJSON is a listed item's JSON (itemJSON without the story), encoded
// once per Pages version.
func (s *Server) listedJSON(c echo.Context, it *node.Item) ([]byte, error) {
	gen := pagesVersion(c)
	if s.items != nil {
		if b, ok := s.items.json(gen, it.ID); ok {
			return b, nil
		}
	}
	b, err := json.Marshal(s.itemJSON(it, false))
	if err != nil {
		return nil, err
	}
	if s.items != nil {
		s.items.setJSON(gen, it, b)
	}
	return b, nil
}
