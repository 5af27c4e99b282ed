package wander

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Random small markets (1–30 stalls, 1–6 alleys, skewed stock), two whole
// laps each: every lap shows every item once, and no stall shows twice in a
// row unless one stall holds more than half of all items. Then a stall with
// n1 of N items needs at least 2·n1−N−1 repeats per lap; the stroll makes at
// most one more per lap (plus one at the lap boundary).
func TestRandomMarkets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	feasible, infeasible, alleyReps, positions := 0, 0, 0, 0
	shuffled := 0.0 // expected same-alley neighbours of a uniform shuffle
	for range 1500 {
		stalls, alleys := 1+rng.IntN(30), 1+rng.IntN(6)
		var es []Entry
		for s := range stalls {
			n := 1 + rng.IntN(1+rng.IntN(40))
			alley := int64(rng.IntN(alleys))
			for range n {
				es = append(es, Entry{
					Item: int64(len(es) + 1), Stall: int64(s), Alley: alley,
					Listed: now.Add(-time.Duration(rng.IntN(2000)) * time.Hour), Story: rng.IntN(2) == 0,
				})
			}
		}
		ix := NewIndex(es, now)
		n, n1 := ix.Len(), ix.stalls[0].n
		seed := rng.Uint64()
		walk := stroll(ix, seed, 2*n/60+2, 60)[:2*n]
		for lap := range 2 {
			got := map[int64]bool{}
			for _, e := range walk[lap*n : (lap+1)*n] {
				got[e.Item] = true
			}
			if len(got) != n {
				t.Fatalf("seed %d, %d stalls: lap %d shows %d of %d items", seed, stalls, lap, len(got), n)
			}
		}
		st, al := repeats(walk)
		if 2*n1 <= n {
			feasible++
			alleyReps += al
			positions += len(walk) - 1
			per := map[int64]float64{}
			for _, e := range es {
				per[e.Alley]++
			}
			for _, k := range per {
				shuffled += float64(len(walk)-1) * (k / float64(n)) * (k / float64(n))
			}
			if st != 0 {
				t.Errorf("seed %d, %d stalls, biggest %d of %d items: %d same-stall neighbours", seed, stalls, n1, n, st)
			}
		} else {
			infeasible++
			if ix.Stalls() > 1 && st > 2*(2*n1-n+1) {
				t.Errorf("seed %d, %d stalls, biggest %d of %d items: %d same-stall neighbours, forced %d",
					seed, stalls, n1, n, st, 2*(2*n1-n-1))
			}
		}
	}
	t.Logf("%d feasible markets without a same-stall neighbour; same-alley neighbours %.1f %% of positions (a uniform shuffle: %.1f %%); %d markets dominated by one stall",
		feasible, 100*float64(alleyReps)/float64(positions), 100*shuffled/float64(positions), infeasible)
}
