package wander

import (
	"math"
	"slices"
	"testing"
)

// 7. Mixing a linked market in at a 20 % share.
func TestMix(t *testing.T) {
	local := market()
	remote := NewIndex(Synthetic(60, 500, 77, now), now)
	sources := []Source{
		{Name: "", Index: local, Share: 0.8},
		{Name: "Tainan", Index: remote, Share: 0.2},
	}
	for _, seed := range []uint64{1, 2, 3, 99} {
		var walk []Entry
		for p := range 10 {
			walk = append(walk, Mix(seed, p, 24, sources...)...)
		}
		if len(walk) != 240 {
			t.Fatalf("got %d entries", len(walk))
		}
		var fromRemote int
		var localPart, remotePart []Entry
		for _, e := range walk {
			switch e.Source {
			case "Tainan":
				fromRemote++
				remotePart = append(remotePart, e)
			case "":
				localPart = append(localPart, e)
			default:
				t.Fatalf("unexpected source %q", e.Source)
			}
		}
		share := float64(fromRemote) / float64(len(walk))
		t.Logf("seed %d: %d of %d entries (%.1f %%) from the linked market", seed, fromRemote, len(walk), 100*share)
		if math.Abs(share-0.2) > 0.05 {
			t.Errorf("remote share %.3f, want 0.20 ± 0.05", share)
		}
		if st, _ := repeats(walk); st != 0 {
			t.Errorf("seed %d: %d same-stall neighbours in the mix", seed, st)
		}
		for i := 1; i < len(walk); i++ {
			if walk[i].Source != "" && walk[i-1].Source != "" {
				t.Errorf("seed %d: two remote entries in a row at %d", seed, i)
			}
		}
		// The local part is the visitor's own stroll; the remote part is a
		// stroll of the remote index; every entry is labelled.
		if !slices.Equal(localPart, stroll(local, seed, 10, 24)[:len(localPart)]) {
			t.Errorf("seed %d: local part is not the local stroll", seed)
		}
		seen := map[int64]bool{}
		for _, e := range remotePart {
			if seen[e.Item] {
				t.Errorf("seed %d: remote item %d repeats", seed, e.Item)
			}
			seen[e.Item] = true
		}
		// Deterministic, page by page, independent of earlier pages.
		if !slices.Equal(Mix(seed, 7, 24, sources...), walk[7*24:8*24]) {
			t.Errorf("seed %d: page 7 alone differs", seed)
		}
		if slices.Equal(Mix(seed, 0, 24, sources...), Mix(seed+1, 0, 24, sources...)) {
			t.Errorf("seeds %d and %d mix the same first page", seed, seed+1)
		}
	}
	// Over a long stretch the share is exact to the position.
	n := 0
	for p := range 100 {
		for _, e := range Mix(5, p, 60, sources...) {
			if e.Source != "" {
				n++
			}
		}
	}
	if n < 1199 || n > 1201 {
		t.Errorf("%d remote entries in 6000, want 1200", n)
	}
}

func TestMixSources(t *testing.T) {
	local := market()
	remote := NewIndex(Synthetic(10, 50, 1, now), now)
	// One source alone is its stroll.
	if !slices.Equal(Mix(4, 3, 24, Source{Index: local, Share: 1}), local.Page(4, 3, 24)) {
		t.Errorf("Mix of the local source alone differs from Page")
	}
	// Unusable sources are left out.
	got := Mix(4, 3, 24,
		Source{Index: local, Share: 1},
		Source{Name: "nil", Index: nil, Share: 1},
		Source{Name: "empty", Index: NewIndex(nil, now), Share: 1},
		Source{Name: "zero", Index: remote, Share: 0},
		Source{Name: "nan", Index: remote, Share: math.NaN()},
		Source{Name: "inf", Index: remote, Share: math.Inf(1)},
	)
	if !slices.Equal(got, local.Page(4, 3, 24)) {
		t.Errorf("unusable sources were mixed in")
	}
	if Mix(1, 0, 24) != nil || Mix(1, 0, 24, Source{Index: remote, Share: -1}) != nil {
		t.Errorf("Mix without usable sources is not nil")
	}
	// Three sources, shares as weights; a remote source gets its own seed.
	three := Mix(8, 0, 60,
		Source{Index: local, Share: 2},
		Source{Name: "a", Index: remote, Share: 1},
		Source{Name: "b", Index: remote, Share: 1},
	)
	count := map[string]int{}
	for _, e := range three {
		count[e.Source]++
	}
	if count[""] != 30 || count["a"] != 15 || count["b"] != 15 {
		t.Errorf("three sources split %v, want 30/15/15", count)
	}
	var a, b []int64
	for _, e := range three {
		switch e.Source {
		case "a":
			a = append(a, e.Item)
		case "b":
			b = append(b, e.Item)
		}
	}
	if slices.Equal(a, b) {
		t.Errorf("two sources on one index walk in step")
	}
	if st, _ := repeats(three); st != 0 {
		t.Errorf("%d same-stall neighbours", st)
	}
	// Limits clamp as in Page.
	if len(Mix(1, -1, 500, Source{Index: local, Share: 1})) != MaxLimit {
		t.Errorf("limit not clamped")
	}
}
