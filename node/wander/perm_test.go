package wander

import "testing"

// The Feistel permutation is a bijection of [0, n) for every n, and keys
// give different orders.
func TestPermutation(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 16, 17, 100, 255, 256, 257, 1000, 4097} {
		for key := range uint64(5) {
			p := newPermutation(hash2(key, 9), n)
			seen := make([]bool, n)
			for k := range n {
				v := p.at(k)
				if v < 0 || v >= n || seen[v] {
					t.Fatalf("n %d key %d: at(%d) = %d is out of range or repeated", n, key, k, v)
				}
				seen[v] = true
			}
		}
	}
	a, b := newPermutation(1, 1000), newPermutation(2, 1000)
	same := 0
	for k := range 1000 {
		if a.at(k) == b.at(k) {
			same++
		}
	}
	if same > 20 {
		t.Errorf("two keys agree on %d of 1000 positions", same)
	}
}
