package demo

import (
	"image"
	"math"
	"math/rand/v2"
)

// Photos are drawn, not downloaded: flat still lifes made of shapes given by
// their signed distance (negative inside), which gives smooth edges and soft
// shadows for free.

// rgb is a colour with channels in 0..255.
type rgb struct{ r, g, b float64 }

func mix(a, b rgb, t float64) rgb {
	return rgb{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

func (c rgb) lighter(t float64) rgb { return mix(c, rgb{255, 255, 255}, t) }
func (c rgb) darker(t float64) rgb  { return mix(c, rgb{20, 16, 14}, t) }

// jitter moves each channel of c by up to ±d.
func (c rgb) jitter(rng *rand.Rand, d float64) rgb {
	j := func(v float64) float64 { return math.Max(0, math.Min(255, v+(rng.Float64()*2-1)*d)) }
	return rgb{j(c.r), j(c.g), j(c.b)}
}

func hex(s string) rgb {
	v := func(i int) float64 {
		h := func(c byte) int {
			switch {
			case c >= 'a':
				return int(c-'a') + 10
			case c >= 'A':
				return int(c-'A') + 10
			}
			return int(c - '0')
		}
		return float64(h(s[i])*16 + h(s[i+1]))
	}
	return rgb{v(1), v(3), v(5)}
}

// shape is a region given by its signed distance and a bounding box.
type shape interface {
	dist(x, y float64) float64
	bounds() (x0, y0, x1, y1 float64)
}

type circle struct{ x, y, r float64 }

func (s circle) dist(x, y float64) float64 { return math.Hypot(x-s.x, y-s.y) - s.r }
func (s circle) bounds() (float64, float64, float64, float64) {
	return s.x - s.r, s.y - s.r, s.x + s.r, s.y + s.r
}

// ring is a circle's outline of width w.
type ring struct{ x, y, r, w float64 }

func (s ring) dist(x, y float64) float64 { return math.Abs(math.Hypot(x-s.x, y-s.y)-s.r) - s.w/2 }
func (s ring) bounds() (float64, float64, float64, float64) {
	e := s.r + s.w
	return s.x - e, s.y - e, s.x + e, s.y + e
}

// ellipse has radii rx, ry, turned by a (radians).
type ellipse struct{ x, y, rx, ry, a float64 }

func (s ellipse) dist(x, y float64) float64 {
	px, py := rotate(x-s.x, y-s.y, -s.a)
	k0 := math.Hypot(px/s.rx, py/s.ry)
	k1 := math.Hypot(px/(s.rx*s.rx), py/(s.ry*s.ry))
	if k1 == 0 {
		return -math.Min(s.rx, s.ry)
	}
	return k0 * (k0 - 1) / k1
}
func (s ellipse) bounds() (float64, float64, float64, float64) {
	e := math.Max(s.rx, s.ry)
	return s.x - e, s.y - e, s.x + e, s.y + e
}

// rect is a rectangle with half sizes hw, hh, corner radius r, turned by a.
type rect struct{ x, y, hw, hh, r, a float64 }

func (s rect) dist(x, y float64) float64 {
	px, py := rotate(x-s.x, y-s.y, -s.a)
	qx, qy := math.Abs(px)-s.hw+s.r, math.Abs(py)-s.hh+s.r
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - s.r
}
func (s rect) bounds() (float64, float64, float64, float64) {
	e := math.Hypot(s.hw, s.hh)
	if s.a == 0 {
		return s.x - s.hw, s.y - s.hh, s.x + s.hw, s.y + s.hh
	}
	return s.x - e, s.y - e, s.x + e, s.y + e
}

// seg is a line from (x0, y0) to (x1, y1) of width w with round ends.
type seg struct{ x0, y0, x1, y1, w float64 }

func (s seg) dist(x, y float64) float64 {
	px, py := x-s.x0, y-s.y0
	bx, by := s.x1-s.x0, s.y1-s.y0
	h := 0.0
	if l := bx*bx + by*by; l > 0 {
		h = math.Max(0, math.Min(1, (px*bx+py*by)/l))
	}
	return math.Hypot(px-bx*h, py-by*h) - s.w/2
}
func (s seg) bounds() (float64, float64, float64, float64) {
	return math.Min(s.x0, s.x1) - s.w, math.Min(s.y0, s.y1) - s.w, math.Max(s.x0, s.x1) + s.w, math.Max(s.y0, s.y1) + s.w
}

// trap is a trapezoid centred on (x, y): half widths top and bottom, half
// height hh, corners rounded by r.
type trap struct{ x, y, top, bottom, hh, r float64 }

func (s trap) dist(x, y float64) float64 {
	px, py := math.Abs(x-s.x), y-s.y
	top, bottom, hh := s.top-s.r, s.bottom-s.r, s.hh-s.r
	w := top
	if py > 0 {
		w = bottom
	}
	cax, cay := px-math.Min(px, w), math.Abs(py)-hh
	k1x, k1y := bottom, hh
	k2x, k2y := bottom-top, 2*hh
	t := math.Max(0, math.Min(1, ((k1x-px)*k2x+(k1y-py)*k2y)/(k2x*k2x+k2y*k2y)))
	cbx, cby := px-k1x+k2x*t, py-k1y+k2y*t
	sign := 1.0
	if cbx < 0 && cay < 0 {
		sign = -1
	}
	return sign*math.Sqrt(math.Min(cax*cax+cay*cay, cbx*cbx+cby*cby)) - s.r
}
func (s trap) bounds() (float64, float64, float64, float64) {
	w := math.Max(s.top, s.bottom)
	return s.x - w, s.y - s.hh, s.x + w, s.y + s.hh
}

// both is where two shapes overlap.
type both struct{ a, b shape }

func (s both) dist(x, y float64) float64 { return math.Max(s.a.dist(x, y), s.b.dist(x, y)) }
func (s both) bounds() (float64, float64, float64, float64) {
	ax0, ay0, ax1, ay1 := s.a.bounds()
	bx0, by0, bx1, by1 := s.b.bounds()
	return math.Max(ax0, bx0), math.Max(ay0, by0), math.Min(ax1, bx1), math.Min(ay1, by1)
}

// below is the part of a shape below the line y (above it when up is set).
type below struct {
	s  shape
	y  float64
	up bool
}

func (s below) dist(x, y float64) float64 {
	if s.up {
		return math.Max(s.s.dist(x, y), y-s.y)
	}
	return math.Max(s.s.dist(x, y), s.y-y)
}
func (s below) bounds() (float64, float64, float64, float64) {
	x0, y0, x1, y1 := s.s.bounds()
	if s.up {
		return x0, y0, x1, math.Min(y1, s.y)
	}
	return x0, math.Max(y0, s.y), x1, y1
}

func rotate(x, y, a float64) (float64, float64) {
	s, c := math.Sincos(a)
	return x*c - y*s, x*s + y*c
}

// canvas is a picture being drawn.
type canvas struct {
	img  *image.RGBA
	w, h int
}

func newCanvas(w, h int) *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h)), w: w, h: h}
}

// fill paints s in col with opacity alpha and crisp, smooth edges.
func (c *canvas) fill(s shape, col rgb, alpha float64) { c.paint(s, col, alpha, 1) }

// shadow paints s softly, its edge blurred over blur pixels.
func (c *canvas) shadow(s shape, col rgb, alpha, blur float64) { c.paint(s, col, alpha, blur) }

func (c *canvas) paint(s shape, col rgb, alpha, blur float64) {
	x0, y0, x1, y1 := s.bounds()
	ix0, iy0 := max(0, int(x0-blur-1)), max(0, int(y0-blur-1))
	ix1, iy1 := min(c.w, int(x1+blur+2)), min(c.h, int(y1+blur+2))
	pix, stride := c.img.Pix, c.img.Stride
	for y := iy0; y < iy1; y++ {
		py := float64(y) + 0.5
		row := pix[y*stride : y*stride+c.w*4]
		for x := ix0; x < ix1; x++ {
			a := 0.5 - s.dist(float64(x)+0.5, py)/blur
			if a <= 0 {
				continue
			}
			a = math.Min(a, 1) * alpha
			i := x * 4
			row[i] = uint8(float64(row[i]) + (col.r-float64(row[i]))*a + 0.5)
			row[i+1] = uint8(float64(row[i+1]) + (col.g-float64(row[i+1]))*a + 0.5)
			row[i+2] = uint8(float64(row[i+2]) + (col.b-float64(row[i+2]))*a + 0.5)
		}
	}
}

// backdrop paints a wall fading from top to bottom above tableY and a table
// cloth below it: plain, striped or checked.
func (c *canvas) backdrop(top, bottom, cloth, pattern rgb, tableY, kind int) {
	pix, stride := c.img.Pix, c.img.Stride
	for y := 0; y < c.h; y++ {
		var base rgb
		if y < tableY {
			base = mix(top, bottom, float64(y)/float64(tableY))
		} else {
			base = cloth.darker(0.12 * float64(y-tableY) / float64(c.h-tableY))
		}
		row := pix[y*stride:]
		for x := 0; x < c.w; x++ {
			col := base
			if y >= tableY {
				switch kind {
				case 1: // stripes
					if (x/28)%2 == 0 {
						col = mix(col, pattern, 0.35)
					}
				case 2: // checks
					a := 0.0
					if (x/32)%2 == 0 {
						a += 0.22
					}
					if ((y-tableY)/24)%2 == 0 {
						a += 0.22
					}
					col = mix(col, pattern, a)
				}
			}
			i := x * 4
			row[i], row[i+1], row[i+2], row[i+3] = uint8(col.r), uint8(col.g), uint8(col.b), 255
		}
	}
	// The table's front edge.
	c.fill(rect{float64(c.w) / 2, float64(tableY), float64(c.w), 2, 0, 0}, cloth.darker(0.25), 0.6)
}

// vignette darkens the corners a little, like a photograph.
func (c *canvas) vignette(strength float64) {
	pix, stride := c.img.Pix, c.img.Stride
	cx, cy := float64(c.w)/2, float64(c.h)/2
	for y := 0; y < c.h; y++ {
		dy := (float64(y) - cy) / cy
		row := pix[y*stride:]
		for x := 0; x < c.w; x++ {
			dx := (float64(x) - cx) / cx
			f := 1 - strength*(dx*dx+dy*dy)/2
			i := x * 4
			row[i] = uint8(float64(row[i]) * f)
			row[i+1] = uint8(float64(row[i+1]) * f)
			row[i+2] = uint8(float64(row[i+2]) * f)
		}
	}
}
