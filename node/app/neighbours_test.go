package app

import (
	"math/rand/v2"
	"testing"

	"github.com/shiji-market/shiji/node/wander"
)

// A floor's neighbours, computed once for every stall, are the wander
// engine's, stall by stall, on floors with shared cells, stalls without a
// place, stalls listed twice and alleys of one stall.
func TestFloorNeighboursAreTheWanderEngines(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 50; round++ {
		var spots []wander.Spot
		for i := r.IntN(60); i >= 0; i-- {
			s := wander.Spot{Stall: int64(1 + r.IntN(50)), Alley: int64(r.IntN(4)), X: r.IntN(6), Y: r.IntN(6)}
			if r.IntN(5) == 0 {
				s.X, s.Y = -1, -1
			}
			spots = append(spots, s)
		}
		f := &Floor{Spots: spots}
		for id := int64(0); id <= 51; id++ {
			p1, n1, ok1 := wander.Neighbours(spots, id)
			p2, n2, ok2 := f.neighbours(id)
			if p1 != p2 || n1 != n2 || ok1 != ok2 {
				t.Fatalf("round %d, stall %d: floor gives %v %v %v, the engine %v %v %v", round, id, p2, n2, ok2, p1, n1, ok1)
			}
		}
	}
}
