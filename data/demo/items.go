package demo

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// subjects are the pictures of the photo pool that suit each kind of goods.
var subjects = map[string][]string{
	"flowers": {"vase", "bouquet"}, "dried": {"bouquet"}, "plants": {"plant", "succulent"}, "herbs": {"plant"},
	"vintage": {"mug", "clock"}, "radio": {"radio"}, "bikes": {"bike"},
	"snacks": {"dumplings"}, "sauces": {"jars"}, "pastry": {"cakes"}, "drinks": {"cups"},
	"pottery": {"cups", "vase"}, "textiles": {"yarn"}, "wood": {"boxes"},
	"books": {"books"}, "comics": {"books"}, "kidsbooks": {"books", "balls"},
	"inventions": {"gears", "robot"}, "upcycled": {"lamp", "gears"}, "toys": {"kite", "balls"},
}

// itemVoice is the language an item of a stall with voice v is written in.
func itemVoice(rng *rand.Rand, v voice) voice {
	r := rng.IntN(100)
	switch v {
	case voiceZh:
		if r < 10 {
			return voiceBoth
		}
	case voiceEn:
		if r < 15 {
			return voiceBoth
		}
	default:
		switch {
		case r < 25:
			return voiceZh
		case r < 40:
			return voiceEn
		}
	}
	return v
}

// makeItem returns item number k (in listing order) of the plan, the kind of
// goods it is and the voice it is written in. Each item has its own random
// stream, so items can be made in any order.
func makeItem(seed uint64, k int, ip itemPlan, s *stallPlan, now time.Time) (*node.Item, string, voice) {
	rng := rand.New(rand.NewPCG(seed^0x17e35, uint64(k)))
	it := &node.Item{
		Stall:     0, // set by the caller, which knows the stall's id
		CreatedAt: time.Unix(ip.created, 0).UTC(),
		Status:    node.ItemAvailable,
	}
	v := itemVoice(rng, s.voice)
	if ip.seq >= 0 {
		sc := &showcase[ip.seq]
		it.Title = titleIn(sc.title, v)
		it.Story = storyIn([]bi{sc.story}, v)
		it.Tags = slices.Clone(sc.tags)
		it.Quantity = sc.qty
		it.Price = node.Price{Kind: node.PriceAsk}
		if sc.minor > 0 {
			it.Price = node.Price{Kind: node.PriceAmount, Minor: sc.minor, Currency: "CNY"}
		}
		return it, sc.kind, v
	}

	kind := pick(rng, s.arch.goods)
	g := catalog[kind]
	th := pick(rng, g.things)
	vars := stallVars(s)
	vars["t"] = th.t
	w := newWords(rng, vars)
	t := pick(rng, g.titles)
	w.lang = 0
	zh := w.expand(t)
	w.lang = 1
	en := upperFirst(w.expand(t))
	it.Title = titleIn(bi{zh, en}, v)

	var paras []bi
	if rng.IntN(2) == 0 {
		paras = append(paras, pick(rng, g.short))
	} else {
		paras = append(paras, pick(rng, g.origin))
		for _, i := range rng.Perm(len(g.detail))[:rng.IntN(len(g.detail)+1)] {
			paras = append(paras, g.detail[i])
		}
		if rng.IntN(2) == 0 {
			if g.used {
				paras = append(paras, pick(rng, usedPickUp))
			} else {
				paras = append(paras, pick(rng, pickUp))
			}
		}
		if rng.IntN(4) == 0 {
			paras = append(paras, pick(rng, tables["bye"]))
		}
	}
	texts := make([]bi, len(paras))
	for i, p := range paras {
		w.lang = 0
		texts[i].zh = w.expand(p)
		w.lang = 1
		texts[i].en = upperFirst(w.expand(p))
	}
	it.Story = storyIn(texts, v)

	// Two to five tags: the kind's, the thing's, and sometimes a second of
	// the kind's, in Chinese and English.
	it.Tags = []string{g.tags[0].zh, g.tags[0].en}
	switch {
	case th.tag.zh != "":
		it.Tags = append(it.Tags, th.tag.zh, th.tag.en)
		if rng.IntN(2) == 0 {
			it.Tags = append(it.Tags, g.tags[1].in(rng.IntN(2)))
		}
	case rng.IntN(10) < 7:
		it.Tags = append(it.Tags, g.tags[1].zh, g.tags[1].en)
	}

	it.Price = price(rng, g, th)
	it.Quantity = between(rng, g.qty)
	switch r := rng.IntN(100); {
	case r < 8:
		it.Status = node.ItemReserved
	case r < 13:
		it.Status = node.ItemGone
	case r < 15:
		it.Status = node.ItemWithdrawn
	}
	if it.Status != node.ItemAvailable {
		it.UpdatedAt = it.CreatedAt.Add(time.Duration(rng.Int64N(int64(now.Sub(it.CreatedAt)) + 1)))
	}
	return it, kind, v
}

// price draws an item's price: mostly an amount in CNY, skewed towards the
// cheap end and rounded as people round prices; sometimes free, a swap or
// "ask me".
func price(rng *rand.Rand, g *goods, th thing) node.Price {
	r := rng.IntN(100)
	switch {
	case r < g.offer[0]:
		return node.Price{Kind: node.PriceFree}
	case r < g.offer[0]+g.offer[1]:
		return node.Price{Kind: node.PriceSwap}
	case r < g.offer[0]+g.offer[1]+g.offer[2]:
		return node.Price{Kind: node.PriceAsk}
	}
	rg := g.price
	if th.price[1] > 0 {
		rg = th.price
	}
	yuan := int64(rg[0] + min(rng.IntN(rg[1]-rg[0]+1), rng.IntN(rg[1]-rg[0]+1)))
	var minor int64
	switch {
	case yuan >= 100:
		minor = yuan / 10 * 1000
		if rng.IntN(4) == 0 {
			minor -= 100 // 199, 289
		}
	case yuan >= 20:
		minor = yuan / 5 * 500
		if rng.IntN(5) == 0 {
			minor -= 10 // 29.90
		}
	default:
		minor = yuan * 100
		if rng.IntN(4) == 0 {
			minor += 50 // 12.50
		}
	}
	return node.Price{Kind: node.PriceAmount, Minor: max(minor, 100), Currency: "CNY"}
}

// between draws a number in r[0]..r[1], skewed towards r[0].
func between(rng *rand.Rand, r [2]int) int {
	if r[1] <= r[0] {
		return r[0]
	}
	if rng.IntN(3) == 0 {
		return r[0]
	}
	return r[0] + min(rng.IntN(r[1]-r[0]+1), rng.IntN(r[1]-r[0]+1))
}

// titleIn writes a title in the voice v, both languages joined by " · ", and
// keeps it within node.MaxTitleLen.
func titleIn(t bi, v voice) string {
	var s string
	switch v {
	case voiceZh:
		s = t.zh
	case voiceEn:
		s = t.en
	default:
		s = t.zh + " · " + t.en
	}
	if utf8.RuneCountInString(s) > node.MaxTitleLen {
		s = string([]rune(s)[:node.MaxTitleLen])
	}
	return s
}

// storyIn writes paragraphs in the voice v: both languages as a Chinese
// block, then an English one.
func storyIn(paras []bi, v voice) string {
	var out []string
	if v != voiceEn {
		for _, p := range paras {
			out = append(out, p.zh)
		}
	}
	if v != voiceZh {
		for _, p := range paras {
			out = append(out, p.en)
		}
	}
	return strings.Join(out, "\n\n")
}

// upperFirst upper-cases the first letter of s.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
