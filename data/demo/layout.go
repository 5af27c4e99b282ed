package demo

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shiji-market/shiji/node"
)

// alleyDef is one of the demo market's alleys.
type alleyDef struct {
	slug   string
	name   bi
	colour string
	share  int // weight of its share of the stalls
	stock  int // how much a stall here tends to hold (weights the big stalls)
}

// alleys are the demo market's alleys, in their order along the market.
var alleys = []alleyDef{
	{"flowers", bi{"花巷", "Flower Alley"}, "#d6546f", 14, 2},
	{"vintage", bi{"旧物巷", "Vintage Alley"}, "#a8743a", 18, 6},
	{"food", bi{"小吃街", "Food Street"}, "#e07b28", 16, 1},
	{"crafts", bi{"手作坊", "Craft Row"}, "#b5603f", 14, 3},
	{"books", bi{"旧书廊", "Old Books Corner"}, "#7d4a3a", 10, 6},
	{"plants", bi{"绿植角", "Green Corner"}, "#8f8a2e", 10, 2},
	{"inventors", bi{"发明角", "Inventors' Corner"}, "#c23b2a", 8, 2},
	{"kids", bi{"童趣园", "Kids' Corner"}, "#e3a329", 10, 2},
}

// alleyIndex returns the index of the alley with slug.
func alleyIndex(slug string) int {
	for i, a := range alleys {
		if a.slug == slug {
			return i
		}
	}
	panic("demo: no alley " + slug)
}

// shareOut splits n into len(weights) parts proportional to weights, each at
// least one when n allows it (largest remainder, integers only).
func shareOut(n int, weights []int) []int {
	out := make([]int, len(weights))
	if n >= len(weights) {
		for i := range out {
			out[i] = 1
		}
		n -= len(weights)
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	rem := make([]int, len(weights))
	given := 0
	for i, w := range weights {
		out[i] += n * w / total
		given += n * w / total
		rem[i] = n * w % total
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for i := 0; given < n; i++ {
		out[order[i%len(order)]]++
		given++
	}
	return out
}

// planSize returns a floor plan that holds stalls stalls in double rows with
// an aisle after every two rows: about √(1.5·stalls) wide, at most 200×200.
func planSize(stalls int) (w, h int) {
	w = 8
	for w*w < stalls*3/2 {
		w++
	}
	h = 4
	for stallRows(h)*w < stalls {
		h++
	}
	return w, h
}

// stallRows is the number of rows with stalls in a plan h rows tall: rows
// 0 and 1 hold stalls, row 2 is an aisle, and so on.
func stallRows(h int) int { return h/3*2 + min(h%3, 2) }

// spots returns the floor plan's stall cells in walking order: along each
// double row, both sides of a column one after the other, the next double row
// walked back the other way. Stalls taken from it in alley order stand near
// their neighbours, as in a real market.
func spots(w, h, n int) []node.Spot {
	out := make([]node.Spot, 0, n)
	for block := 0; len(out) < n; block++ {
		y := block * 3
		for i := 0; i < w && len(out) < n; i++ {
			x := i
			if block%2 == 1 {
				x = w - 1 - i
			}
			out = append(out, node.Spot{X: x, Y: y})
			if len(out) < n && y+1 < h {
				out = append(out, node.Spot{X: x, Y: y + 1})
			}
		}
	}
	return out
}

// voice is the language a stall writes in.
type voice uint8

const (
	voiceZh voice = iota
	voiceEn
	voiceBoth
)

// stallPlan is a stall before it is written.
type stallPlan struct {
	alley   int
	arch    *archetype
	who     person
	voice   voice
	spot    node.Spot
	open    bool
	created time.Time
	items   int
	seed    uint64       // the stall's own random stream
	id      node.StallID // once stored
}

// itemPlan is an item before its words are made, and what is left of it
// once it is stored: 24 bytes, so that two million of them fit in memory.
type itemPlan struct {
	created int64 // Unix seconds
	stall   int32 // index into the stall plans
	id      int32 // the item's id once stored
	seq     int16 // -1, or the index of the showcase item it is
	kind    uint8 // index into kinds once made
	voice   voice // once made
}

// plan is the whole demo market before it is written.
type plan struct {
	w, h   int
	stalls []stallPlan
	items  []itemPlan // in the order they are listed (oldest first)
}

// newPlan lays out the market: which stall stands where, in which alley,
// whose it is, when it came, and how many items each has and when they were
// listed. It depends only on its arguments.
func newPlan(stalls, items int, seed uint64, now time.Time) *plan {
	rng := rand.New(rand.NewPCG(seed, 0x5348494a49)) // "SHIJI"
	p := &plan{}
	p.w, p.h = planSize(stalls)

	// Stalls per alley, on spots taken in alley order.
	weights := make([]int, len(alleys))
	for i, a := range alleys {
		weights[i] = a.share
	}
	perAlley := shareOut(stalls, weights)
	cells := spots(p.w, p.h, stalls)
	p.stalls = make([]stallPlan, 0, stalls)
	for a, n := range perAlley {
		for range n {
			s := stallPlan{alley: a, seed: rng.Uint64(), spot: cells[len(p.stalls)]}
			s.arch = pick(rng, archetypesOf(a))
			s.who = newPerson(rng, s.arch.sex, len(p.stalls)+1)
			switch r := rng.IntN(100); {
			case r < 45:
				s.voice = voiceZh
			case r < 75:
				s.voice = voiceBoth
			default:
				s.voice = voiceEn
			}
			s.open = rng.IntN(100) < 70
			// Most stalls have come for years; one in eight is new this season.
			age := 370*24*time.Hour + time.Duration(rng.Int64N(int64(3*365*24*time.Hour)))
			if rng.IntN(8) == 0 {
				age = 7*24*time.Hour + time.Duration(rng.Int64N(int64(80*24*time.Hour)))
			}
			s.created = now.Add(-age).Truncate(time.Second)
			p.stalls = append(p.stalls, s)
		}
	}
	// Stalls get their ids in the order they came to the market.
	slices.SortStableFunc(p.stalls, func(a, b stallPlan) int { return a.created.Compare(b.created) })

	p.spreadItems(rng, items)
	p.dateItems(rng, now)
	return p
}

// spreadItems gives each stall at least one item and draws the rest with a
// heavy skew: the stall of rank r (0 the biggest) gets about (r+1)^(-2/3) of
// them, so a few stalls hold hundreds and half hold a handful. Vintage and
// book stalls are the likeliest to be big.
func (p *plan) spreadItems(rng *rand.Rand, items int) {
	n := len(p.stalls)
	type ranked struct {
		stall int
		key   int
	}
	order := make([]ranked, n)
	for i, s := range p.stalls {
		order[i] = ranked{i, rng.IntN(1000) * alleys[s.alley].stock}
	}
	slices.SortStableFunc(order, func(a, b ranked) int { return cmp.Compare(b.key, a.key) })
	limit := max(100, items/40, 2*((items+n-1)/n))
	for i := range p.stalls {
		p.stalls[i].items = 1
	}
	for extra := items - n; extra > 0; extra-- {
		for tries := 0; ; tries++ {
			var s int
			if tries < 32 {
				u := rng.Float64()
				s = order[min(n-1, int(u*u*u*float64(n)))].stall
			} else {
				s = rng.IntN(n)
			}
			if p.stalls[s].items < limit {
				p.stalls[s].items++
				break
			}
		}
	}
}

// dateItems lists each stall's items over the year before now (or since the
// stall came, if later), more of them recently, and sorts all items by that
// time. The first item of the first stalls to come to an alley become its
// showcase items.
func (p *plan) dateItems(rng *rand.Rand, now time.Time) {
	total := 0
	for _, s := range p.stalls {
		total += s.items
	}
	p.items = make([]itemPlan, 0, total)
	year := int64(365 * 24 * 3600)
	seen := make([]int, len(alleys)) // stalls so far per alley
	for i, s := range p.stalls {
		span := min(year, now.Unix()-s.created.Unix()-3600)
		first := len(p.items)
		for range s.items {
			u := rng.Float64()
			back := int64(u * u * float64(span))
			p.items = append(p.items, itemPlan{created: now.Unix() - back - 60, stall: int32(i), seq: -1})
		}
		if k := showcaseFor(s.alley, seen[s.alley]); k >= 0 {
			p.items[first].seq = int16(k)
		}
		seen[s.alley]++
	}
	slices.SortStableFunc(p.items, func(a, b itemPlan) int { return cmp.Compare(a.created, b.created) })
}

// pick returns a random element of xs.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }
