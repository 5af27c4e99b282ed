package wander

import (
	"cmp"
	"slices"
)

// Spot is a stall's place on the market's floor plan: a cell (X, Y) of the
// grid, X growing to the right and Y downwards. A stall that has not been
// placed has X < 0 or Y < 0 (use -1, for example for a NULL column).
type Spot struct {
	Stall int64
	Alley int64
	X, Y  int
}

// Placed reports whether the stall has a position on the grid.
func (s Spot) Placed() bool { return s.X >= 0 && s.Y >= 0 }

// AlleyWalk returns the stalls of one alley in the order a visitor walks
// past them. The rule:
//
//   - The walk runs along the longer side of the bounding box of the alley's
//     placed stalls: left to right when the box is at least as wide as it is
//     tall, top to bottom otherwise (the "major" axis).
//   - Stalls are taken line by line across the major axis, in a serpentine:
//     on the first occupied line (smallest major coordinate) the other
//     coordinate ascends, on the second occupied line it descends, and so
//     on, so that consecutive stalls are close to each other. Empty lines
//     are skipped and do not flip the direction.
//   - Two stalls on the same cell are ordered by stall id.
//   - Stalls without a position come last, by ascending stall id.
//
// Spots of other alleys are ignored; if a stall id occurs more than once,
// the first spot counts. The result is a new slice; stalls is not modified.
func AlleyWalk(stalls []Spot, alley int64) []Spot {
	var placed, unplaced []Spot
	have := make(map[int64]bool)
	for _, s := range stalls {
		if s.Alley != alley || have[s.Stall] {
			continue
		}
		have[s.Stall] = true
		if s.Placed() {
			placed = append(placed, s)
		} else {
			unplaced = append(unplaced, s)
		}
	}
	if len(placed) > 0 {
		minX, maxX, minY, maxY := placed[0].X, placed[0].X, placed[0].Y, placed[0].Y
		for _, s := range placed[1:] {
			minX, maxX = min(minX, s.X), max(maxX, s.X)
			minY, maxY = min(minY, s.Y), max(maxY, s.Y)
		}
		major := func(s Spot) int { return s.X }
		minor := func(s Spot) int { return s.Y }
		if maxX-minX < maxY-minY {
			major, minor = minor, major
		}
		// Rank of each occupied line along the major axis.
		lines := make([]int, 0, len(placed))
		for _, s := range placed {
			lines = append(lines, major(s))
		}
		slices.Sort(lines)
		lines = slices.Compact(lines)
		line := make(map[int]int, len(lines))
		for i, v := range lines {
			line[v] = i
		}
		slices.SortStableFunc(placed, func(a, b Spot) int {
			if c := cmp.Compare(major(a), major(b)); c != 0 {
				return c
			}
			c := cmp.Compare(minor(a), minor(b))
			if line[major(a)]%2 == 1 {
				c = -c
			}
			if c != 0 {
				return c
			}
			return cmp.Compare(a.Stall, b.Stall)
		})
	}
	slices.SortFunc(unplaced, func(a, b Spot) int { return cmp.Compare(a.Stall, b.Stall) })
	return append(placed, unplaced...)
}

// Neighbours returns the stalls before and after stall id on the walk along
// its alley (see AlleyWalk for the order). The walk wraps around: the stall
// after the last one is the first one, and the stall before the first is the
// last one; a stall alone in its alley is its own neighbour on both sides.
// ok is false, with zero Spots, when id is not in stalls.
func Neighbours(stalls []Spot, id int64) (prev, next Spot, ok bool) {
	i := slices.IndexFunc(stalls, func(s Spot) bool { return s.Stall == id })
	if i < 0 {
		return Spot{}, Spot{}, false
	}
	walk := AlleyWalk(stalls, stalls[i].Alley)
	at := slices.IndexFunc(walk, func(s Spot) bool { return s.Stall == id })
	n := len(walk)
	return walk[(at+n-1)%n], walk[(at+1)%n], true
}
