//go:build ignore

// icons_gen draws the default theme's app icons (a lantern on the market's
// red): go run themes/icons_gen.go, from the repository root.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

func main() {
	for _, ic := range []struct {
		name     string
		size     int
		maskable bool
	}{{"icon-192.png", 192, false}, {"icon-512.png", 512, false}, {"maskable-512.png", 512, true}, {"apple-touch-icon.png", 180, true}} {
		if err := write("themes/default/static/icons/"+ic.name, draw(ic.size, ic.maskable)); err != nil {
			log.Fatal(err)
		}
	}
}

func draw(n int, full bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	red := color.NRGBA{0xb8, 0x32, 0x2a, 0xff}
	paper := color.NRGBA{0xfb, 0xf3, 0xe4, 0xff}
	gold := color.NRGBA{0xe8, 0xb9, 0x4a, 0xff}
	f := float64(n)
	radius := f * 0.22
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			inside := full || roundedRect(px, py, f, radius)
			if !inside {
				continue
			}
			img.SetNRGBA(x, y, red)
			// The lantern: an ellipse in the middle, with ribs and caps.
			cx, cy, rx, ry := f/2, f*0.53, f*0.25, f*0.22
			if full {
				rx, ry = f*0.21, f*0.18
			}
			dx, dy := (px-cx)/rx, (py-cy)/ry
			switch {
			case dx*dx+dy*dy <= 1:
				c := paper
				if rib := math.Mod(math.Abs(px-cx), rx/2.2); rib < f*0.012 {
					c = gold
				}
				img.SetNRGBA(x, y, c)
			case math.Abs(px-cx) < rx*0.45 && ((py > cy-ry-f*0.05 && py < cy-ry+f*0.01) || (py > cy+ry-f*0.01 && py < cy+ry+f*0.05)):
				img.SetNRGBA(x, y, gold)
			case math.Abs(px-cx) < f*0.012 && py > cy-ry-f*0.12 && py < cy-ry:
				img.SetNRGBA(x, y, gold)
			}
		}
	}
	return img
}

func roundedRect(x, y, n, r float64) bool {
	cx, cy := math.Min(math.Max(x, r), n-r), math.Min(math.Max(y, r), n-r)
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

func write(name string, img image.Image) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return png.Encode(f, img)
}
