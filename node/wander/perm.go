package wander

import "math/bits"

// golden is 2^64/φ, the usual odd constant for spreading counters.
const golden = 0x9e3779b97f4a7c15

// mix64 is the splitmix64 finaliser: a fast bijective hash with good
// avalanche. Note that mix64(0) == 0, so callers offset their inputs.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash2 combines two words into one well-mixed word.
func hash2(a, b uint64) uint64 {
	return mix64(a ^ mix64(b+golden) + golden)
}

// hashString is FNV-1a, used to derive a source's seed from its name.
func hashString(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// feistelRounds is the number of rounds of the Feistel network. Four rounds
// of a keyed hash are plenty to make the order look shuffled.
const feistelRounds = 4

// permutation is a keyed pseudo-random permutation of [0, n). at(k) returns
// the k-th element in O(1) expected time without materialising anything: a
// balanced Feistel network over the smallest even number of bits that covers
// n, with cycle walking to stay inside [0, n). The domain is below 4n, so at
// walks fewer than four steps on average; it always terminates because the
// cycle of the Feistel bijection that contains k comes back to k.
type permutation struct {
	n    uint64
	half uint
	mask uint64
	key  uint64
}

func newPermutation(key uint64, n int) permutation {
	half := uint(bits.Len64(uint64(n-1))+1) / 2
	if half == 0 {
		half = 1
	}
	return permutation{n: uint64(n), half: half, mask: 1<<half - 1, key: key}
}

func (p permutation) at(k int) int {
	if p.n <= 1 {
		return 0
	}
	x := uint64(k)
	for {
		l, r := x>>p.half, x&p.mask
		for i := uint64(0); i < feistelRounds; i++ {
			l, r = r, l^(mix64((p.key+i*golden)^r)&p.mask)
		}
		x = l<<p.half | r
		if x < p.n {
			return int(x)
		}
	}
}
