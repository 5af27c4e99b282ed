package wander

// bucket is the group of items sharing an alley and a price band, split by
// stall.
type bucket struct {
	alley int64
	band  int8
	pairs []pair
}

// pair is one stall's items within a bucket (indexes into Index.items).
type pair struct {
	s     int
	items []int32
}

// maxSurpriseBuckets bounds the (alley, price band) groups Surprise looks at.
const maxSurpriseBuckets = 256

// buildBuckets groups the entries by (alley, price band) and, within a
// group, by stall (entries are stall-major, so a stable counting sort keeps
// each stall's items together).
func (ix *Index) buildBuckets() {
	type key struct {
		alley int64
		band  int8
	}
	ids := make(map[key]int32)
	of := make([]int32, len(ix.items))
	var counts []int
	for i := range ix.items {
		k := key{ix.items[i].alley, ix.items[i].band}
		b, ok := ids[k]
		if !ok {
			b = int32(len(ix.buckets))
			ids[k] = b
			ix.buckets = append(ix.buckets, bucket{alley: k.alley, band: k.band})
			counts = append(counts, 0)
		}
		of[i] = b
		counts[b]++
	}
	items := make([]int32, len(ix.items))
	next := make([]int, len(ix.buckets))
	off := 0
	for b, c := range counts {
		next[b] = off
		off += c
	}
	for i := range ix.items {
		items[next[of[i]]] = int32(i)
		next[of[i]]++
	}
	// Stall of an entry: entries are grouped by stall in stall order.
	stallOf := func(e int32) int {
		lo, hi := 0, len(ix.stalls)-1
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if ix.stalls[m].start+ix.stalls[m].n > int(e) {
				hi = m
			} else {
				lo = m + 1
			}
		}
		return lo
	}
	off = 0
	for b := range ix.buckets {
		its := items[off : off+counts[b]]
		off += counts[b]
		for i := 0; i < len(its); {
			s := stallOf(its[i])
			end := ix.stalls[s].start + ix.stalls[s].n
			j := i + 1
			for j < len(its) && int(its[j]) < end {
				j++
			}
			ix.buckets[b].pairs = append(ix.buckets[b].pairs, pair{s: s, items: its[i:j:j]})
			i = j
		}
	}
}

// Surprise returns "something unplanned": one item far from from, the item
// the visitor just looked at. seen lists stall ids the visitor has already
// seen (recently); it is read, never kept. from may be nil.
//
// Candidates are compared by a score: 4 if the alley differs from from's,
// 3 if the stall is not in seen, 2 if the price band differs from from's
// (with a nil from, alley and band always count as different). The item is
// never from's stall unless the market has no other stall, and never from's
// item unless that is the only item. So an item from another alley and
// another price band in an unseen stall is returned whenever the market has
// one. Among equally good candidates the choice is seeded: the same seed and
// arguments give the same item, another seed usually another.
//
// The search walks the (alley, price band) groups in a seeded order, at most
// maxSurpriseBuckets (256) of them, and in each group at most len(seen)+2
// stalls, stopping at the first perfect candidate: the cost depends on the
// number of alleys and on len(seen), not on the number of items. (A market
// with more than 256 groups, some 64 alleys, gets the guarantees above among
// the groups looked at.) ok is false only when the index is empty.
func (ix *Index) Surprise(seed uint64, from *Entry, seen []int64) (Entry, bool) {
	if ix.Len() == 0 {
		return Entry{}, false
	}
	var seenSet map[int64]struct{}
	if len(seen) > 16 {
		seenSet = make(map[int64]struct{}, len(seen))
		for _, id := range seen {
			seenSet[id] = struct{}{}
		}
	}
	isSeen := func(id int64) bool {
		if seenSet != nil {
			_, ok := seenSet[id]
			return ok
		}
		for _, s := range seen {
			if s == id {
				return true
			}
		}
		return false
	}

	h := hash2(seed, 0x5a5a5a5a)
	nb := len(ix.buckets)
	start := int(h % uint64(nb))
	bestScore, bestB, bestP := -1, 0, 0
	for i := 0; i < min(nb, maxSurpriseBuckets); i++ {
		b := (start + i) % nb
		bk := &ix.buckets[b]
		np := len(bk.pairs)
		ps := int(hash2(h, uint64(b)) % uint64(np))
		chosen, unseen := -1, false
		for k := 0; k < min(np, len(seen)+2); k++ {
			p := (ps + k) % np
			id := ix.stalls[bk.pairs[p].s].id
			if from != nil && id == from.Stall {
				continue
			}
			if chosen < 0 {
				chosen = p
			}
			if !isSeen(id) {
				chosen, unseen = p, true
				break
			}
		}
		if chosen < 0 {
			continue // only from's own stall in this group
		}
		score := 0
		if from == nil || bk.alley != from.Alley {
			score += 4
		}
		if unseen {
			score += 3
		}
		if from == nil || bk.band != from.PriceBand {
			score += 2
		}
		if score > bestScore {
			bestScore, bestB, bestP = score, b, chosen
			if score == 9 {
				break
			}
		}
	}
	if bestScore < 0 {
		// Only from's stall was found (so from != nil): another of its items
		// if it has one.
		st := &ix.stalls[0]
		for s := range ix.stalls {
			if ix.stalls[s].id == from.Stall {
				st = &ix.stalls[s]
				break
			}
		}
		k := int(h % uint64(st.n))
		if st.n > 1 && ix.items[st.start+k].id == from.Item {
			k = (k + 1) % st.n
		}
		return ix.entry(st.start + k), true
	}
	items := ix.buckets[bestB].pairs[bestP].items
	k := int(hash2(h, uint64(bestB)<<32|uint64(bestP)) % uint64(len(items)))
	if from != nil && len(items) > 1 && ix.items[items[k]].id == from.Item {
		k = (k + 1) % len(items)
	}
	return ix.entry(int(items[k])), true
}
