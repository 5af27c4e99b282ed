package demo

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// named is a colour with its name, for the photos' descriptions.
type named struct {
	c    rgb
	name bi
}

var (
	petalColours = []named{
		{rgb{226, 120, 150}, bi{"粉", "pink"}}, {rgb{205, 58, 62}, bi{"红", "red"}}, {rgb{246, 242, 232}, bi{"白", "white"}},
		{rgb{242, 196, 64}, bi{"黄", "yellow"}}, {rgb{150, 104, 180}, bi{"紫", "purple"}}, {rgb{240, 140, 70}, bi{"橙", "orange"}},
		{rgb{120, 150, 215}, bi{"蓝", "blue"}},
	}
	potColours = []named{
		{rgb{70, 104, 160}, bi{"蓝", "blue"}}, {rgb{242, 236, 222}, bi{"白", "white"}}, {rgb{188, 98, 66}, bi{"陶土", "terracotta"}},
		{rgb{140, 182, 150}, bi{"青瓷", "celadon"}}, {rgb{60, 58, 56}, bi{"黑", "black"}}, {rgb{226, 186, 90}, bi{"黄", "yellow"}},
		{rgb{172, 62, 50}, bi{"红", "red"}},
	}
	bookColours = []rgb{{150, 52, 48}, {54, 84, 120}, {66, 110, 80}, {196, 150, 64}, {110, 74, 56}, {220, 210, 190}, {90, 70, 110}}
	greens      = []rgb{{72, 128, 70}, {96, 150, 82}, {52, 104, 72}, {124, 160, 90}, {66, 120, 104}}
	metals      = []named{{rgb{196, 160, 82}, bi{"黄铜", "brass"}}, {rgb{160, 166, 172}, bi{"钢", "steel"}}, {rgb{190, 112, 72}, bi{"紫铜", "copper"}}}
	cloths      = []bi{{"素色", "plain"}, {"条纹", "striped"}, {"格子", "checked"}}
)

// scene draws one subject on c and returns what the picture shows.
type scene func(rng *rand.Rand, c *canvas, table float64) bi

// sceneDef is a subject of the photo pool: its alley (for the colours of the
// wall and the cloth) and how to draw it.
type sceneDef struct {
	name  string
	alley string
	draw  scene
}

var scenes = []sceneDef{
	{"vase", "flowers", drawVase}, {"bouquet", "flowers", drawBouquet},
	{"plant", "plants", drawPlant}, {"succulent", "plants", drawSucculents},
	{"mug", "vintage", drawMug}, {"clock", "vintage", drawClock}, {"radio", "vintage", drawRadio}, {"bike", "vintage", drawBike},
	{"dumplings", "food", drawDumplings}, {"jars", "food", drawJars}, {"cakes", "food", drawCakes},
	{"cups", "crafts", drawCups}, {"yarn", "crafts", drawYarn}, {"boxes", "crafts", drawBoxes},
	{"books", "books", drawBooks},
	{"gears", "inventors", drawGears}, {"robot", "inventors", drawRobot}, {"lamp", "inventors", drawLamp},
	{"kite", "kids", drawKite}, {"balls", "kids", drawBalls},
}

func num(n int) string { return strconv.Itoa(n) }

// flower paints a flower head of radius r with k petals.
func flower(c *canvas, x, y, r float64, k int, petal, heart rgb, turn float64) {
	for i := range k {
		a := turn + 2*math.Pi*float64(i)/float64(k)
		dx, dy := math.Cos(a)*r*0.55, math.Sin(a)*r*0.55
		c.fill(ellipse{x + dx, y + dy, r * 0.55, r * 0.3, a}, petal, 1)
		c.fill(ellipse{x + dx*0.8, y + dy*0.8, r * 0.3, r * 0.12, a}, petal.lighter(0.25), 0.6)
	}
	c.fill(circle{x, y, r * 0.28}, heart, 1)
}

func groundShadow(c *canvas, x, y, rx float64) {
	c.shadow(ellipse{x, y, rx, rx * 0.18, 0}, rgb{30, 24, 20}, 0.35, 14)
}

func drawVase(rng *rand.Rand, c *canvas, table float64) bi {
	pot, petal := pick(rng, potColours), pick(rng, petalColours)
	cx := 320 + float64(rng.IntN(120)-60)
	bottom := table + 40
	rx, ry := 50+float64(rng.IntN(24)), 64+float64(rng.IntN(24))
	cy := bottom - ry
	neck := cy - ry + 6
	n := 3 + rng.IntN(5)
	type head struct{ x, y float64 }
	heads := make([]head, n)
	for i := range heads {
		a := -math.Pi/2 + (float64(i)-float64(n-1)/2)*0.32 + (rng.Float64()-0.5)*0.2
		l := math.Min(130+float64(rng.IntN(90)), (neck-60)/-math.Sin(a))
		heads[i] = head{cx + math.Cos(a)*l, neck + math.Sin(a)*l}
	}
	for _, h := range heads {
		g := pick(rng, greens)
		c.fill(seg{cx, neck + 20, h.x, h.y, 5}, g, 1)
		mx, my := (cx+h.x)/2, (neck+h.y)/2
		c.fill(ellipse{mx + 14, my, 22, 8, -0.6}, g.lighter(0.1), 1)
	}
	groundShadow(c, cx+10, bottom, rx*1.2)
	c.fill(ellipse{cx, cy, rx, ry, 0}, pot.c, 1)
	c.fill(rect{cx, neck, rx * 0.45, 14, 6, 0}, pot.c.darker(0.08), 1)
	c.fill(ellipse{cx - rx*0.4, cy - ry*0.2, rx * 0.18, ry * 0.45, 0.2}, pot.c.lighter(0.5), 0.35)
	for _, h := range heads {
		flower(c, h.x, h.y, 22+float64(rng.IntN(16)), 5+rng.IntN(4), petal.c.jitter(rng, 18), rgb{236, 180, 60}.jitter(rng, 20), rng.Float64())
	}
	return bi{num(n) + "朵" + petal.name.zh + "色的花，插在" + pot.name.zh + "色的花瓶里",
		num(n) + " " + petal.name.en + " flowers in a " + pot.name.en + " vase"}
}

func drawBouquet(rng *rand.Rand, c *canvas, table float64) bi {
	petal := pick(rng, petalColours)
	cx := 320 + float64(rng.IntN(80)-40)
	for i := range 9 + rng.IntN(8) {
		a := -math.Pi/2 + (rng.Float64()-0.5)*1.3
		l := 120 + rng.Float64()*80
		x, y := cx+math.Cos(a)*l, table+10+math.Sin(a)*l
		c.fill(seg{cx, table + 40, x, y, 3}, pick(rng, greens).darker(0.1), 1)
		if i%3 == 0 {
			c.fill(ellipse{x, y, 5, 16, a + math.Pi/2}, rgb{150, 120, 190}.jitter(rng, 20), 1) // lavender
		} else {
			flower(c, x, y, 14+rng.Float64()*10, 6, petal.c.jitter(rng, 30), rgb{120, 80, 50}, rng.Float64())
		}
	}
	groundShadow(c, cx, table+120, 90)
	paper := rgb{196, 160, 116}.jitter(rng, 10)
	c.fill(trap{cx, table + 50, 85, 26, 80, 4}, paper, 1)
	c.fill(trap{cx - 10, table + 50, 60, 18, 78, 4}, paper.lighter(0.15), 0.7)
	c.fill(seg{cx - 50, table + 60, cx + 50, table + 56, 4}, rgb{120, 70, 50}, 1)
	return bi{"一束用牛皮纸包着的" + petal.name.zh + "色小花和薰衣草", "A bunch of " + petal.name.en + " flowers and lavender wrapped in brown paper"}
}

func drawPlant(rng *rand.Rand, c *canvas, table float64) bi {
	pot := pick(rng, potColours)
	cx := 320 + float64(rng.IntN(100)-50)
	bottom := table + 50
	base := bottom - 110
	n := 7 + rng.IntN(7)
	for i := range n {
		a := -math.Pi + 0.35 + float64(i)/float64(n-1)*(math.Pi-0.7) + (rng.Float64()-0.5)*0.2
		l := 80 + rng.Float64()*90
		g := pick(rng, greens)
		mx, my := cx+math.Cos(a)*l*0.6, base+math.Sin(a)*l*0.6
		c.fill(seg{cx, base + 10, mx, my, 4}, g.darker(0.2), 1)
		c.fill(ellipse{mx, my, l * 0.42, 12 + rng.Float64()*14, a}, g, 1)
		c.fill(seg{mx - math.Cos(a)*l*0.3, my - math.Sin(a)*l*0.3, mx + math.Cos(a)*l*0.3, my + math.Sin(a)*l*0.3, 2}, g.lighter(0.3), 0.7)
	}
	groundShadow(c, cx+8, bottom, 80)
	c.fill(trap{cx, bottom - 50, 70, 52, 50, 6}, pot.c, 1)
	c.fill(rect{cx, bottom - 98, 76, 10, 4, 0}, pot.c.darker(0.1), 1)
	c.fill(rect{cx - 40, bottom - 50, 6, 36, 3, 0}, pot.c.lighter(0.4), 0.3)
	return bi{"一盆绿植，种在" + pot.name.zh + "色的花盆里", "A leafy green plant in a " + pot.name.en + " pot"}
}

func drawSucculents(rng *rand.Rand, c *canvas, table float64) bi {
	n := 2 + rng.IntN(2)
	for i := range n {
		pot := pick(rng, potColours)
		cx := 320 + (float64(i)-float64(n-1)/2)*190 + float64(rng.IntN(30)-15)
		bottom := table + 40 + float64(rng.IntN(30))
		r := 56 + rng.Float64()*24
		groundShadow(c, cx+6, bottom, 70)
		c.fill(trap{cx, bottom - 36, 62, 46, 36, 5}, pot.c, 1)
		g := pick(rng, greens).lighter(0.15)
		for ringN, k := range []int{9, 7, 5} {
			rr := r * (1 - float64(ringN)*0.3)
			for j := range k {
				a := 2*math.Pi*float64(j)/float64(k) + float64(ringN)*0.4
				x, y := cx+math.Cos(a)*rr*0.6, bottom-80+math.Sin(a)*rr*0.35
				col := mix(g, rgb{220, 140, 150}, 0.15*float64(2-ringN))
				c.fill(ellipse{x, y, rr * 0.45, rr * 0.2, a}, col.darker(0.08*float64(2-ringN)), 1)
			}
		}
	}
	return bi{num(n) + "小盆多肉", num(n) + " little pots of succulents"}
}

func drawMug(rng *rand.Rand, c *canvas, table float64) bi {
	body := pick(rng, []named{{rgb{244, 240, 230}, bi{"白", "white"}}, {rgb{230, 216, 170}, bi{"米黄", "cream"}}, {rgb{120, 170, 160}, bi{"湖绿", "jade"}}})
	rim := pick(rng, []rgb{{56, 90, 150}, {180, 50, 46}, {40, 40, 44}})
	cx, bottom := 300+float64(rng.IntN(60)), table+60
	hw, hh := 72.0, 86.0
	cy := bottom - hh
	groundShadow(c, cx+10, bottom, 100)
	c.fill(ring{cx + hw, cy, 36, 14}, body.c.darker(0.05), 1)
	c.fill(rect{cx, cy, hw, hh, 10, 0}, body.c, 1)
	c.fill(rect{cx, cy - hh + 6, hw, 7, 4, 0}, rim, 1)
	c.fill(ellipse{cx, cy - hh + 2, hw - 2, 10, 0}, body.c.darker(0.25), 1)
	flower(c, cx, cy+10, 30, 5, rgb{205, 58, 62}, rgb{240, 200, 70}, 0.3)
	c.fill(rect{cx - 44, cy, 8, hh * 0.7, 4, 0}, rgb{255, 255, 255}, 0.35)
	for range 2 + rng.IntN(3) {
		c.fill(circle{cx - hw + rng.Float64()*2*hw, cy - hh + 8 + rng.Float64()*10, 2 + rng.Float64()*3}, rgb{40, 40, 44}, 0.9)
	}
	return bi{"一只" + body.name.zh + "色的老搪瓷杯，杯身上印着一朵红花", "An old " + body.name.en + " enamel mug with a red flower printed on it"}
}

func drawClock(rng *rand.Rand, c *canvas, table float64) bi {
	body := pick(rng, potColours)
	cx, cy := 320+float64(rng.IntN(80)-40), table-60
	groundShadow(c, cx, table+55, 110)
	for _, s := range []float64{-1, 1} {
		c.fill(seg{cx + s*40, cy + 90, cx + s*62, table + 52, 8}, rgb{60, 56, 52}, 1)
		c.fill(below{circle{cx + s*70, cy - 92, 36}, cy - 92, true}, rgb{200, 196, 186}, 1)
		c.fill(seg{cx + s*30, cy - 80, cx + s*58, cy - 100, 6}, rgb{90, 86, 80}, 1)
	}
	c.fill(seg{cx, cy - 115, cx, cy - 98, 8}, rgb{90, 86, 80}, 1)
	c.fill(circle{cx, cy, 110}, body.c, 1)
	c.fill(circle{cx, cy, 90}, rgb{246, 238, 218}, 1)
	for i := range 12 {
		a := 2 * math.Pi * float64(i) / 12
		w := 3.0
		if i%3 == 0 {
			w = 6
		}
		c.fill(seg{cx + math.Cos(a)*72, cy + math.Sin(a)*72, cx + math.Cos(a)*82, cy + math.Sin(a)*82, w}, rgb{50, 46, 44}, 1)
	}
	h, m := rng.Float64()*2*math.Pi, rng.Float64()*2*math.Pi
	c.fill(seg{cx, cy, cx + math.Cos(h)*45, cy + math.Sin(h)*45, 8}, rgb{40, 36, 34}, 1)
	c.fill(seg{cx, cy, cx + math.Cos(m)*66, cy + math.Sin(m)*66, 5}, rgb{40, 36, 34}, 1)
	c.fill(circle{cx, cy, 7}, rgb{200, 60, 50}, 1)
	c.fill(ellipse{cx - 40, cy - 50, 30, 12, -0.6}, rgb{255, 255, 255}, 0.3)
	return bi{"一只" + body.name.zh + "色的双铃闹钟", "A " + body.name.en + " twin-bell alarm clock"}
}

func drawRadio(rng *rand.Rand, c *canvas, table float64) bi {
	wood := pick(rng, []named{{rgb{140, 86, 52}, bi{"木纹", "wooden"}}, {rgb{170, 56, 48}, bi{"红", "red"}}, {rgb{226, 214, 186}, bi{"米白", "cream"}}})
	cx, cy := 320+float64(rng.IntN(60)-30), table-40
	groundShadow(c, cx, table+58, 190)
	c.fill(below{ring{cx, cy - 95, 90, 12}, cy - 95, true}, rgb{70, 60, 52}, 1)
	c.fill(rect{cx, cy, 185, 100, 22, 0}, wood.c, 1)
	c.fill(rect{cx - 60, cy, 100, 76, 12, 0}, rgb{226, 210, 176}, 1)
	for i := range 9 {
		y := cy - 60 + float64(i)*15
		c.fill(seg{cx - 145, y, cx + 25, y, 4}, rgb{120, 96, 70}, 0.8)
	}
	c.fill(circle{cx + 110, cy - 25, 42}, rgb{240, 232, 210}, 1)
	c.fill(ring{cx + 110, cy - 25, 42, 6}, rgb{180, 150, 80}, 1)
	c.fill(seg{cx + 110, cy - 25, cx + 110 + math.Cos(rng.Float64()*6)*34, cy - 25 + math.Sin(rng.Float64()*6)*34, 3}, rgb{200, 40, 40}, 1)
	for _, x := range []float64{85, 135} {
		c.fill(circle{cx + x, cy + 52, 16}, rgb{60, 52, 46}, 1)
		c.fill(circle{cx + x - 4, cy + 48, 5}, rgb{200, 190, 170}, 0.6)
	}
	return bi{"一台" + wood.name.zh + "色的老收音机", "An old " + wood.name.en + " radio"}
}

func drawBike(rng *rand.Rand, c *canvas, table float64) bi {
	frame := pick(rng, []named{{rgb{40, 40, 42}, bi{"黑", "black"}}, {rgb{40, 92, 70}, bi{"墨绿", "dark green"}}, {rgb{160, 40, 40}, bi{"红", "red"}}, {rgb{50, 80, 140}, bi{"蓝", "blue"}}})
	ground := table + 80
	r := 92.0
	rx, fx, wy := 175.0, 465.0, ground-r
	c.shadow(ellipse{320, ground + 4, 230, 12, 0}, rgb{30, 24, 20}, 0.35, 12)
	for _, x := range []float64{rx, fx} {
		for i := range 18 {
			a := math.Pi * float64(i) / 9
			c.fill(seg{x, wy, x + math.Cos(a)*r, wy + math.Sin(a)*r, 1.5}, rgb{170, 170, 174}, 1)
		}
		c.fill(ring{x, wy, r, 10}, rgb{36, 34, 34}, 1)
		c.fill(ring{x, wy, r - 8, 3}, rgb{190, 190, 196}, 1)
		c.fill(circle{x, wy, 9}, rgb{180, 180, 186}, 1)
	}
	bx, by := 300.0, wy+6
	sx, sy := 270.0, wy-120
	hx, hy := 425.0, wy-118
	for _, s := range []seg{{rx, wy, bx, by, 9}, {rx, wy, sx, sy, 8}, {sx, sy, bx, by, 10}, {sx, sy + 10, hx, hy + 8, 10}, {hx, hy, bx, by, 11}, {hx, hy, fx, wy, 9}} {
		c.fill(s, frame.c, 1)
	}
	c.fill(ring{bx, by, 20, 5}, rgb{150, 150, 156}, 1)
	c.fill(seg{sx - 4, sy, sx - 8, sy - 22, 6}, rgb{150, 150, 156}, 1)
	c.fill(ellipse{sx - 10, sy - 28, 36, 10, 0.05}, rgb{110, 66, 40}, 1)
	c.fill(seg{hx, hy, hx - 10, hy - 30, 6}, rgb{150, 150, 156}, 1)
	c.fill(seg{hx - 40, hy - 36, hx + 20, hy - 30, 6}, rgb{150, 150, 156}, 1)
	c.fill(circle{hx - 20, hy - 44, 9}, rgb{214, 200, 120}, 1) // the bell
	return bi{"一辆" + frame.name.zh + "色的老式二八自行车", "An old " + frame.name.en + " 28-inch bicycle"}
}

func drawDumplings(rng *rand.Rand, c *canvas, table float64) bi {
	cx, cy := 320.0, table+40
	plate := pick(rng, potColours)
	groundShadow(c, cx, cy+40, 230)
	c.fill(ellipse{cx, cy, 230, 70, 0}, plate.c, 1)
	c.fill(ellipse{cx, cy - 4, 190, 54, 0}, plate.c.lighter(0.2), 1)
	n := 6 + rng.IntN(5)
	for i := range n {
		x := cx - 150 + float64(i%5)*75 + float64(rng.IntN(14))
		y := cy - 20 + float64(i/5)*34 - float64(rng.IntN(10))
		d := rgb{246, 240, 226}.jitter(rng, 6)
		c.fill(below{ellipse{x, y, 42, 30, 0}, y - 4, false}, d.darker(0.05), 1)
		c.fill(ellipse{x, y - 4, 40, 22, 0}, d, 1)
		for k := range 4 {
			px := x - 24 + float64(k)*16
			c.fill(seg{px, y - 20, px + 4, y - 8, 2}, d.darker(0.15), 0.8)
		}
	}
	c.fill(seg{430, table - 40, 600, table + 90, 7}, rgb{150, 100, 60}, 1)
	c.fill(seg{450, table - 50, 612, table + 78, 7}, rgb{150, 100, 60}, 1)
	return bi{"一盘刚包好的饺子，" + num(n) + "个", "A plate of " + num(n) + " freshly made dumplings"}
}

func drawJars(rng *rand.Rand, c *canvas, table float64) bi {
	n := 3 + rng.IntN(2)
	for i := range n {
		x := 320 + (float64(i)-float64(n-1)/2)*130
		h := 70 + rng.Float64()*30
		bottom := table + 50 + float64(rng.IntN(20))
		fill := pick(rng, []rgb{{170, 40, 30}, {120, 60, 40}, {210, 150, 60}, {90, 50, 36}})
		groundShadow(c, x+6, bottom, 60)
		c.fill(rect{x, bottom - h, 50, h, 14, 0}, rgb{230, 232, 226}, 1)
		c.fill(rect{x, bottom - h + 8, 44, h - 8, 10, 0}, fill, 1)
		c.fill(rect{x, bottom - 2*h - 8, 46, 14, 5, 0}, pick(rng, []rgb{{200, 50, 40}, {210, 170, 70}, {60, 60, 64}}), 1)
		c.fill(rect{x, bottom - h, 36, 24, 3, 0}, rgb{240, 228, 200}, 1)
		c.fill(seg{x - 22, bottom - h, x + 22, bottom - h, 4}, fill.darker(0.2), 0.7)
		c.fill(rect{x - 32, bottom - h - 10, 5, h * 0.6, 3, 0}, rgb{255, 255, 255}, 0.3)
	}
	return bi{num(n) + "瓶自家熬的酱，贴着手写标签", num(n) + " jars of home-made sauce with handwritten labels"}
}

func drawCakes(rng *rand.Rand, c *canvas, table float64) bi {
	cx, cy := 320.0, table+36
	groundShadow(c, cx, cy+40, 220)
	c.fill(ellipse{cx, cy, 220, 64, 0}, rgb{244, 240, 232}, 1)
	cake := pick(rng, []named{{rgb{236, 196, 96}, bi{"桂花糕", "osmanthus cakes"}}, {rgb{110, 150, 84}, bi{"青团", "green rice cakes"}}, {rgb{214, 150, 72}, bi{"酥饼", "flaky pastries"}}})
	n := 5 + rng.IntN(4)
	for i := range n {
		x := cx - 150 + float64(i%4)*100 + float64(rng.IntN(12))
		y := cy - 24 + float64(i/4)*36
		col := cake.c.jitter(rng, 10)
		if cake.name.en == "green rice cakes" || cake.name.en == "flaky pastries" {
			c.fill(ellipse{x, y, 38, 26, 0}, col.darker(0.1), 1)
			c.fill(ellipse{x, y - 5, 34, 20, 0}, col, 1)
			c.fill(ellipse{x - 10, y - 12, 10, 4, 0}, col.lighter(0.5), 0.6)
		} else {
			c.fill(rect{x, y, 36, 22, 5, 0}, col.darker(0.1), 1)
			c.fill(rect{x, y - 5, 34, 16, 5, 0}, col, 1)
			for range 4 {
				c.fill(circle{x - 24 + rng.Float64()*48, y - 14 + rng.Float64()*16, 2.5}, rgb{220, 140, 40}, 1)
			}
		}
	}
	return bi{"一盘" + cake.name.zh + "，" + num(n) + "块", "A plate of " + num(n) + " " + cake.name.en}
}

func drawCups(rng *rand.Rand, c *canvas, table float64) bi {
	glaze := pick(rng, potColours)
	n := 3 + rng.IntN(3)
	for i := range n {
		x := 320 + (float64(i)-float64(n-1)/2)*110
		bottom := table + 30 + float64(i%2)*30
		h := 48 + rng.Float64()*18
		col := glaze.c.jitter(rng, 25)
		groundShadow(c, x+6, bottom, 58)
		c.fill(trap{x, bottom - h, 48, 36, h, 8}, col, 1)
		c.fill(rect{x, bottom - 6, 30, 7, 3, 0}, rgb{196, 160, 120}, 1)
		c.fill(trap{x, bottom - 2*h + 14, 47, 45, 12, 4}, col.darker(0.18), 1)
		c.fill(ellipse{x, bottom - 2*h + 2, 46, 9, 0}, col.darker(0.35), 1)
		c.fill(rect{x - 26, bottom - h, 5, h * 0.6, 3, 0}, rgb{255, 255, 255}, 0.3)
	}
	return bi{num(n) + "只手拉坯的" + glaze.name.zh + "釉杯子", num(n) + " hand-thrown cups in a " + glaze.name.en + " glaze"}
}

func drawYarn(rng *rand.Rand, c *canvas, table float64) bi {
	n := 3 + rng.IntN(2)
	col := pick(rng, petalColours)
	for i := range n {
		x := 320 + (float64(i)-float64(n-1)/2)*120 + float64(rng.IntN(20))
		r := 46 + rng.Float64()*16
		y := table + 50 - r + float64(rng.IntN(20))
		yc := col.c.jitter(rng, 40)
		groundShadow(c, x, y+r, r)
		ball := circle{x, y, r}
		c.fill(ball, yc, 1)
		for k := range 6 {
			c.fill(both{ring{x - r*0.9 + float64(k)*10, y - r*0.3, r * 1.1, 3}, ball}, yc.darker(0.2), 0.8)
		}
		c.fill(ellipse{x - r*0.35, y - r*0.4, r * 0.3, r * 0.15, -0.5}, rgb{255, 255, 255}, 0.25)
	}
	c.fill(seg{150, table + 90, 470, table - 30, 5}, rgb{190, 150, 100}, 1)
	c.fill(circle{470, table - 30, 8}, rgb{180, 60, 50}, 1)
	return bi{num(n) + "团" + col.name.zh + "色毛线和一根织针", num(n) + " balls of " + col.name.en + " wool and a knitting needle"}
}

func drawBoxes(rng *rand.Rand, c *canvas, table float64) bi {
	wood := rgb{176, 128, 84}.jitter(rng, 16)
	x0 := 200 + float64(rng.IntN(40))
	n := 2 + rng.IntN(2)
	groundShadow(c, x0+80, table+60, 160)
	for i := range n {
		w := 130 - float64(i)*22
		y := table + 30 - float64(i)*62
		col := wood.jitter(rng, 14)
		c.fill(rect{x0 + 70 + float64(i*8), y, w / 2 * 1.5, 32, 4, 0}, col, 1)
		for k := range 4 {
			yy := y - 20 + float64(k)*12
			c.fill(seg{x0 + 70 - w*0.6, yy, x0 + 70 + w*0.6, yy + 3, 1.5}, col.darker(0.15), 0.6)
		}
	}
	c.fill(ellipse{480, table + 40, 34, 22, 0.2}, wood.lighter(0.1), 1)
	c.fill(seg{500, table + 44, 600, table + 70, 10}, wood.lighter(0.1), 1)
	return bi{"摞在一起的木头盒子和一把木勺", "Stacked wooden boxes and a wooden spoon"}
}

func drawBooks(rng *rand.Rand, c *canvas, table float64) bi {
	n := 4 + rng.IntN(5)
	cx := 320 + float64(rng.IntN(80)-40)
	y := table + 60
	groundShadow(c, cx, y, 170)
	for range n {
		hh := 12 + rng.Float64()*12
		hw := 110 + rng.Float64()*50
		a := (rng.Float64() - 0.5) * 0.08
		col := pick(rng, bookColours).jitter(rng, 12)
		x := cx + (rng.Float64()-0.5)*30
		y -= hh
		c.fill(rect{x, y, hw, hh, 3, a}, col, 1)
		c.fill(rect{x + 6, y, hw - 10, hh - 4, 1, a}, rgb{240, 232, 212}, 1)
		c.fill(rect{x - hw + 12, y, 10, hh, 2, a}, col, 1)
		c.fill(rect{x - hw + 30, y, 3, hh, 0, a}, col.lighter(0.4), 0.8)
		y -= hh
	}
	return bi{"一摞" + num(n) + "本旧书", "A stack of " + num(n) + " old books"}
}

func gear(c *canvas, x, y, r float64, teeth int, col rgb, turn float64) {
	for i := range teeth {
		a := turn + 2*math.Pi*float64(i)/float64(teeth)
		c.fill(rect{x + math.Cos(a)*r, y + math.Sin(a)*r, r * 0.16, r * 0.12, 2, a}, col, 1)
	}
	c.fill(circle{x, y, r * 0.95}, col, 1)
	c.fill(ring{x, y, r * 0.7, 4}, col.darker(0.2), 0.7)
	c.fill(circle{x, y, r * 0.22}, col.darker(0.45), 1)
}

func drawGears(rng *rand.Rand, c *canvas, table float64) bi {
	m := pick(rng, metals)
	n := 3 + rng.IntN(2)
	rs := make([]float64, n)
	span := 0.0
	for i := range rs {
		rs[i] = 44 + rng.Float64()*50
		span += 2 * rs[i] * 0.92
	}
	x := (photoW - span) / 2
	for i, r := range rs {
		x += r * 0.92
		y := table - r*0.6 + float64(rng.IntN(40))
		gear(c, x, y, r, 10+int(r/8), m.c.jitter(rng, 20), float64(i))
		x += r * 0.92
	}
	return bi{num(n) + "个" + m.name.zh + "齿轮", num(n) + " " + m.name.en + " gears"}
}

func drawRobot(rng *rand.Rand, c *canvas, table float64) bi {
	body := pick(rng, potColours)
	cx := 320 + float64(rng.IntN(60)-30)
	ground := table + 70
	groundShadow(c, cx, ground, 120)
	for _, s := range []float64{-1, 1} {
		c.fill(circle{cx + s*60, ground - 26, 26}, rgb{50, 48, 46}, 1)
		c.fill(circle{cx + s*60, ground - 26, 9}, rgb{170, 170, 176}, 1)
		c.fill(seg{cx + s*80, ground - 150, cx + s*130, ground - 100 - float64(rng.IntN(60)), 14}, rgb{150, 150, 156}, 1)
	}
	c.fill(rect{cx, ground - 120, 90, 80, 16, 0}, body.c, 1)
	c.fill(rect{cx, ground - 120, 50, 30, 6, 0}, body.c.darker(0.25), 1)
	for i := range 3 {
		c.fill(circle{cx - 28 + float64(i)*28, ground - 120, 7}, pick(rng, []rgb{{240, 80, 60}, {250, 210, 70}, {90, 200, 120}}), 1)
	}
	c.fill(rect{cx, ground - 250, 70, 52, 20, 0}, body.c.lighter(0.15), 1)
	for _, s := range []float64{-1, 1} {
		c.fill(circle{cx + s*28, ground - 255, 16}, rgb{250, 246, 220}, 1)
		c.fill(circle{cx + s*28, ground - 255, 7}, rgb{40, 40, 44}, 1)
	}
	c.fill(seg{cx, ground - 302, cx + 10, ground - 340, 4}, rgb{90, 90, 96}, 1)
	c.fill(circle{cx + 10, ground - 344, 9}, rgb{230, 70, 60}, 1)
	return bi{"一个" + body.name.zh + "色的自制机器人", "A home-made " + body.name.en + " robot"}
}

func drawLamp(rng *rand.Rand, c *canvas, table float64) bi {
	m := pick(rng, metals)
	bx, by := 250+float64(rng.IntN(60)), table+50
	c.shadow(circle{bx + 170, by - 190, 140}, rgb{255, 236, 170}, 0.35, 90)
	groundShadow(c, bx, by, 90)
	c.fill(ellipse{bx, by - 8, 80, 18, 0}, m.c.darker(0.2), 1)
	jx, jy := bx+40, by-170
	for i := range 12 {
		t := float64(i) / 11
		c.fill(circle{bx + (jx-bx)*t, by - 10 + (jy-by+10)*t, 7}, rgb{70, 68, 66}, 1)
	}
	hx, hy := jx+130, jy-10
	for i := range 10 {
		t := float64(i) / 9
		c.fill(circle{jx + (hx-jx)*t, jy + (hy-jy)*t, 6}, rgb{70, 68, 66}, 1)
	}
	gear(c, jx, jy, 22, 10, m.c, 0.2)
	c.fill(trap{hx + 10, hy + 40, 26, 66, 40, 6}, m.c, 1)
	c.fill(circle{hx + 10, hy + 84, 22}, rgb{255, 240, 180}, 1)
	return bi{"一盏用自行车链条和齿轮做的台灯", "A desk lamp made of a bicycle chain and gears"}
}

func drawKite(rng *rand.Rand, c *canvas, table float64) bi {
	col := pick(rng, petalColours)
	for range 3 {
		x, y := rng.Float64()*640, 40+rng.Float64()*120
		for k := range 3 {
			c.fill(circle{x + float64(k)*30, y - float64(k%2)*14, 26}, rgb{255, 255, 255}, 0.5)
		}
	}
	kx, ky := 330+float64(rng.IntN(80)-40), 150.0
	c.fill(seg{kx, ky + 70, 120, table + 120, 1.5}, rgb{90, 80, 70}, 1)
	c.fill(rect{kx, ky, 70, 70, 6, math.Pi / 4}, col.c, 1)
	c.fill(rect{kx, ky - 30, 40, 30, 4, math.Pi / 4}, col.c.lighter(0.35), 1)
	c.fill(seg{kx - 99, ky, kx + 99, ky, 3}, rgb{110, 80, 50}, 1)
	c.fill(seg{kx, ky - 99, kx, ky + 99, 3}, rgb{110, 80, 50}, 1)
	px, py := kx, ky+99
	for i := range 6 {
		nx, ny := px+12*math.Sin(float64(i)), py+34
		c.fill(seg{px, py, nx, ny, 2}, rgb{110, 80, 50}, 1)
		c.fill(rect{nx, ny, 9, 5, 2, 0.6 * float64(i%2*2-1)}, pick(rng, petalColours).c, 1)
		px, py = nx, ny
	}
	return bi{"蓝天下一只" + col.name.zh + "色的风筝", "A " + col.name.en + " kite in the sky"}
}

func drawBalls(rng *rand.Rand, c *canvas, table float64) bi {
	n := 4 + rng.IntN(4)
	for i := range n {
		r := 18 + rng.Float64()*42
		x := 110 + float64(i)*(420/float64(n-1)) + float64(rng.IntN(20))
		y := table + 70 - r - float64(rng.IntN(20))
		col := pick(rng, petalColours).c
		groundShadow(c, x+r*0.2, y+r, r)
		ball := circle{x, y, r}
		c.fill(ball, col, 1)
		c.fill(both{ring{x, y + r*1.2, r * 1.3, r * 0.35}, ball}, pick(rng, petalColours).c, 1)
		c.fill(ellipse{x - r*0.35, y - r*0.4, r * 0.3, r * 0.16, -0.6}, rgb{255, 255, 255}, 0.5)
	}
	return bi{num(n) + "个彩色的球和弹珠", num(n) + " colourful balls and marbles"}
}
