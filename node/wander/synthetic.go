package wander

import (
	"math"
	"math/rand/v2"
	"time"
)

// Synthetic returns a made-up market for tests and load tests, mimicking a
// real one. It is deterministic in its arguments.
//
//   - Stall ids are 1..stalls, item ids 1..items; entries come grouped by
//     stall. If items < stalls, only items stalls are made, one item each.
//   - Items per stall are Zipf-like (weight rank^-0.9, at least one item per
//     stall), with ranks shuffled over the stall ids: for 200 stalls and
//     1,600 items, two stalls hold 100–200 items and some 130 hold 1–5.
//   - Alleys: max(6, stalls/33) alleys (6 for 200 stalls), ids 1.., with
//     skewed sizes (weight 1/√rank); every item has its stall's alley.
//   - Listed uniformly over the year before now (so about 8 % are new
//     arrivals), about half with a story, price bands 0–3 with weights
//     10/40/35/15 %.
func Synthetic(stalls, items int, seed uint64, now time.Time) []Entry {
	if stalls <= 0 || items <= 0 {
		return nil
	}
	stalls = min(stalls, items)
	rng := rand.New(rand.NewPCG(seed, seed^0x5ee15eed0fca11ed))

	weights := make([]float64, stalls)
	sum := 0.0
	for k := range weights {
		weights[k] = math.Pow(float64(k+1), -0.9)
		sum += weights[k]
	}
	counts := make([]int, stalls)
	extra, assigned := items-stalls, 0
	for k := range counts {
		counts[k] = 1 + int(float64(extra)*weights[k]/sum)
		assigned += counts[k]
	}
	for k := 0; assigned < items; k = (k + 1) % stalls {
		counts[k]++
		assigned++
	}
	rank := rng.Perm(stalls)

	nAlleys := min(max(6, stalls/33), stalls)
	alleyCum := make([]float64, nAlleys)
	acc := 0.0
	for a := range alleyCum {
		acc += 1 / math.Sqrt(float64(a+1))
		alleyCum[a] = acc
	}
	pick := func(cum []float64) int {
		x := rng.Float64() * cum[len(cum)-1]
		for i, c := range cum {
			if x < c {
				return i
			}
		}
		return len(cum) - 1
	}
	bandCum := []float64{0.10, 0.50, 0.85, 1.00}
	year := int64(365 * 24 * time.Hour)

	out := make([]Entry, 0, items)
	for s := range stalls {
		alley := int64(pick(alleyCum) + 1)
		for range counts[rank[s]] {
			out = append(out, Entry{
				Item:      int64(len(out) + 1),
				Stall:     int64(s + 1),
				Alley:     alley,
				Listed:    now.Add(-time.Duration(rng.Int64N(year))),
				Story:     rng.IntN(2) == 0,
				PriceBand: int8(pick(bandCum)),
			})
		}
	}
	return out
}
