package wander

import (
	"slices"
	"testing"
)

// The floor plan used below (alley 1 runs left to right on rows 0 and 1,
// alley 2 runs top to bottom in column 5, alley 3 has one stall):
//
//	  x: 0   1   2   3   4   5
//	y0:  1   .   3   .   6   20
//	y1:  2   .   4   5   .   21
//	y2:  .   .   .   .   .   22
//	y3:  30  .   .   .   .   .
//
// Stall 7 is in alley 1 without a position, stall 8 too; stall 23 is in
// alley 2 without a position.
var floor = []Spot{
	{Stall: 5, Alley: 1, X: 3, Y: 1},
	{Stall: 8, Alley: 1, X: -1, Y: -1},
	{Stall: 1, Alley: 1, X: 0, Y: 0},
	{Stall: 4, Alley: 1, X: 2, Y: 1},
	{Stall: 7, Alley: 1, X: 3, Y: -1},
	{Stall: 3, Alley: 1, X: 2, Y: 0},
	{Stall: 6, Alley: 1, X: 4, Y: 0},
	{Stall: 2, Alley: 1, X: 0, Y: 1},
	{Stall: 22, Alley: 2, X: 5, Y: 2},
	{Stall: 20, Alley: 2, X: 5, Y: 0},
	{Stall: 23, Alley: 2, X: -1, Y: 4},
	{Stall: 21, Alley: 2, X: 5, Y: 1},
	{Stall: 30, Alley: 3, X: 0, Y: 3},
}

func ids(spots []Spot) []int64 {
	var out []int64
	for _, s := range spots {
		out = append(out, s.Stall)
	}
	return out
}

func TestAlleyWalk(t *testing.T) {
	for _, tc := range []struct {
		alley int64
		want  []int64
	}{
		// Wider than tall: columns left to right, serpentine: x=0 down,
		// x=2 up, x=3 down (only one), x=4 up; then unplaced by id.
		{1, []int64{1, 2, 4, 3, 5, 6, 7, 8}},
		// Taller than wide: rows top to bottom; then unplaced.
		{2, []int64{20, 21, 22, 23}},
		{3, []int64{30}},
		{4, nil},
	} {
		if got := ids(AlleyWalk(floor, tc.alley)); !slices.Equal(got, tc.want) {
			t.Errorf("alley %d: walk %v, want %v", tc.alley, got, tc.want)
		}
	}
	// Duplicates: first spot wins. Same cell: by id.
	dup := []Spot{{Stall: 2, Alley: 1, X: 1, Y: 0}, {Stall: 1, Alley: 1, X: 1, Y: 0}, {Stall: 2, Alley: 1, X: 9, Y: 0}}
	if got := ids(AlleyWalk(dup, 1)); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("duplicates: %v", got)
	}
	if floor[0].Stall != 5 || floor[1].Stall != 8 {
		t.Errorf("AlleyWalk modified its input")
	}
}

func TestNeighbours(t *testing.T) {
	for _, tc := range []struct {
		id         int64
		prev, next int64
		ok         bool
	}{
		{1, 8, 2, true},    // first of the walk: wraps back to the last (unplaced) stall
		{2, 1, 4, true},    // serpentine: 2 sits below 1, 4 is next column bottom
		{3, 4, 5, true},    //
		{6, 5, 7, true},    // last placed, then the unplaced ones
		{8, 7, 1, true},    // last: wraps around to the first
		{20, 23, 21, true}, // vertical alley
		{23, 22, 20, true}, // unplaced stall of alley 2
		{30, 30, 30, true}, // alone in its alley: its own neighbour
		{99, 0, 0, false},  // unknown
	} {
		prev, next, ok := Neighbours(floor, tc.id)
		if ok != tc.ok || prev.Stall != tc.prev || next.Stall != tc.next {
			t.Errorf("Neighbours(%d) = %d, %d, %v; want %d, %d, %v", tc.id, prev.Stall, next.Stall, ok, tc.prev, tc.next, tc.ok)
		}
		if ok && (prev.Alley != next.Alley) {
			t.Errorf("Neighbours(%d) leaves the alley", tc.id)
		}
	}
	if _, _, ok := Neighbours(nil, 1); ok {
		t.Errorf("Neighbours on no stalls is ok")
	}
}
