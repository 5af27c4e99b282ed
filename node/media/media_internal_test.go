package media

import (
	"image"
	"testing"

	"github.com/disintegration/imaging"
)

// fitDims must give exactly the size imaging.Fit would, as Photo.Dims promises
// the sizes of the stored files. The filter does not change the size, so the
// quickest one is used.
func TestFitDimsMatchesImaging(t *testing.T) {
	for _, c := range [][3]int{ // width, height, box
		{1, 1, 320}, {320, 320, 320}, {321, 320, 320}, {320, 321, 320}, {2000, 1, 320}, {1, 2000, 320},
		{641, 479, 320}, {479, 641, 320}, {1000, 999, 320}, {999, 1000, 320}, {3000, 7, 320}, {7, 3000, 320},
		{1707, 2560, 320}, {2561, 1707, 320}, {1601, 1600, 800}, {1600, 1601, 800}, {3001, 5, 1600},
		{5, 3001, 1600}, {1601, 3, 1600}, {2561, 2, MaxSide}, {3, 2561, MaxSide}, {2600, 100, MaxSide},
		{100, 2700, MaxSide}, {10000, 3, MaxSide},
	} {
		w, h, long := c[0], c[1], c[2]
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		b := imaging.Fit(img, long, long, imaging.NearestNeighbor).Bounds()
		if gw, gh := fitDims(w, h, long); gw != b.Dx() || gh != b.Dy() {
			t.Errorf("fitDims(%d, %d, %d) = %d, %d; imaging.Fit gives %d, %d", w, h, long, gw, gh, b.Dx(), b.Dy())
		}
	}
	if w, h := fitDims(0, 5, 320); w != 0 || h != 0 {
		t.Errorf("fitDims of an empty image = %d, %d", w, h)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		n    int64
		up   bool
		want string
	}{
		{10 << 20, false, "10 MB"},
		{10 << 20, true, "10 MB"},
		{10<<20 + 1, true, "10.1 MB"},
		{10<<20 - 1, false, "9.9 MB"},
		{31 << 20, true, "31 MB"},
		{512 << 20, false, "512 MB"},
		{2000, false, "1.9 KB"},
		{2000, true, "2 KB"},
		{1 << 20, false, "1 MB"},
	} {
		if got := formatBytes(c.n, c.up); got != c.want {
			t.Errorf("formatBytes(%d, %v) = %q, want %q", c.n, c.up, got, c.want)
		}
	}
	if got := formatMegapixels(2_500_000_000, true); got != "2500" {
		t.Errorf("formatMegapixels = %q", got)
	}
	if got := formatMegapixels(12_345_678, true); got != "12.4" {
		t.Errorf("formatMegapixels = %q", got)
	}
}
