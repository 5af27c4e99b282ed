package wander

import (
	"math"
	"math/bits"
)

// Source is one stream of a mixed stroll: the local market or a linked
// market (federation).
type Source struct {
	// Name labels the entries drawn from this source (Entry.Source). Use ""
	// for the local market. A source named "" walks its index with the
	// visitor's seed itself, so its part of a mix is exactly the visitor's
	// plain stroll; other sources walk with a seed derived from seed and Name.
	Name string
	// Index is the snapshot to stroll through. A nil or empty index leaves
	// the source out of the mix.
	Index *Index
	// Share is the source's relative weight: a source gets
	// Share / (sum of the usable sources' Shares) of the positions. A Share
	// that is not positive (or NaN, or infinite) leaves the source out.
	Share float64
}

// shareBits is the fixed-point precision of a split between sources.
const shareBits = 32

// Mix returns page page of a stroll that interleaves several sources, each
// walked as by Index.Page, at their shares. Every position of the mixed walk
// belongs to one source, chosen deterministically per seed by a Bresenham
// style split with a seeded phase (the first source against the rest, then
// the second against the remaining ones, and so on): over any stretch of
// positions each source's count is within a position or so of its share,
// and with two sources the one with a share of at most a half never gets
// two positions in a row (a linked market at 20 % shows one item, then four
// local ones, and so on). Each source's positions take consecutive
// positions of that source's own stroll, so every property of Page (no same
// stall in a row, no repeats within a lap, pages independent of each other)
// holds within each source, and neighbours from two sources are never of
// the same stall. Every entry is labelled with its source's Name.
//
// The order of sources only changes the interleaving pattern. Page and limit
// are clamped as in Page; Mix returns nil when no source is usable. A page
// costs O(limit · number of sources) plus one Page-sized walk per source.
func Mix(seed uint64, page, limit int, sources ...Source) []Entry {
	type usable struct {
		src   Source
		seed  uint64
		split uint64 // fixed-point share against the sources after it
		phase uint64
		start uint64 // first position of this source's stroll on the page
		n     int
	}
	var us []usable
	total := 0.0
	for _, s := range sources {
		if s.Index.Len() == 0 || !(s.Share > 0) || math.IsInf(s.Share, 1) {
			continue
		}
		sd := seed
		if s.Name != "" {
			sd = hash2(seed, hashString(s.Name))
		}
		us = append(us, usable{src: s, seed: sd})
		total += s.Share
	}
	if len(us) == 0 {
		return nil
	}
	page, limit = clampPage(page, limit)

	rest := total
	for i := range us {
		w := us[i].src.Share / rest
		rest -= us[i].src.Share
		us[i].split = uint64(math.Min(math.Round(w*(1<<shareBits)), 1<<shareBits))
		us[i].phase = hash2(seed, uint64(i)+0x3c3c) & (1<<shareBits - 1)
	}
	// assign returns the source of mixed position p and the position in that
	// source's own stroll.
	assign := func(p uint64) (int, uint64) {
		for i := 0; i < len(us)-1; i++ {
			before := share(p, us[i].split, us[i].phase)
			if share(p+1, us[i].split, us[i].phase) > before {
				return i, before
			}
			p -= before
		}
		return len(us) - 1, p
	}

	p0 := uint64(page) * uint64(limit)
	var which [MaxLimit]int
	for k := 0; k < limit; k++ {
		i, at := assign(p0 + uint64(k))
		which[k] = i
		if us[i].n == 0 {
			us[i].start = at
		}
		us[i].n++
	}
	parts := make([][]Entry, len(us))
	for i := range us {
		if us[i].n > 0 {
			parts[i] = us[i].src.Index.walk(us[i].seed, us[i].start, us[i].n, make([]Entry, 0, us[i].n))
		}
	}
	out := make([]Entry, limit)
	for k := range out {
		i := which[k]
		out[k] = parts[i][0]
		out[k].Source = us[i].src.Name
		parts[i] = parts[i][1:]
	}
	return out
}

// share is floor((p·split + phase) / 2^shareBits): how many of the first p
// positions go to the first side of a split, computed exactly in 128 bits.
func share(p, split, phase uint64) uint64 {
	hi, lo := bits.Mul64(p, split)
	lo, carry := bits.Add64(lo, phase, 0)
	hi += carry
	return hi<<(64-shareBits) | lo>>shareBits
}
